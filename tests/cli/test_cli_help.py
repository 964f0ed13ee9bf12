"""Every command's --help reads like the CLI works: no lost text, no values shown for flags, item
types for repeatable options, one style for positional arguments, only the command's own flags."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from embedlab.cli import app as app_module


def _commands() -> list[list[str]]:
    top = [c.name for c in app_module.app.registered_commands]
    train = [c.name for c in app_module.train_app.registered_commands]
    return [[]] + [[name] for name in top] + [["train"]] + [["train", name] for name in train]


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(app_module.app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, (args, result.output)
    return result.output


@pytest.mark.parametrize("args", _commands(), ids=lambda a: " ".join(a) or "embedlab")
def test_help_shows_no_python_types_and_uppercase_arguments(args):
    text = _help(args)
    assert "<bool>" not in text and "list[" not in text, text
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    for name in re.findall(r"[{\[]([A-Za-z_]+)[}\]]", usage):
        assert name.isupper(), usage  # {VECTORS}, {IN} {OUT}, {CORPUS}...; never {vectors}


def _flags(args: list[str]) -> set[str]:
    import typer.main

    command = typer.main.get_command(app_module.app)
    for name in args:
        command = command.commands[name]  # type: ignore[attr-defined]
    # a group's help lists its commands' summaries, which may name those commands' own flags
    commands = [command, *getattr(command, "commands", {}).values()]
    return {o for cmd in commands for p in cmd.params for o in (*p.opts, *getattr(p, "secondary_opts", []))} | {"--help"}


@pytest.mark.parametrize("args", _commands(), ids=lambda a: " ".join(a) or "embedlab")
def test_help_mentions_only_flags_the_command_has(args):
    """e.g. `train ppmi-svd --help` must not advise `--threads 1`, which it does not have."""
    mentioned = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", _help(args)))
    allowed = _flags(args)
    if _passes_method_options(args):  # e.g. `stability METHOD CORPUS --window 10`: any train method's flags
        allowed |= {f for method in _train_methods() for f in _flags(["train", method])}
    assert mentioned <= allowed, sorted(mentioned - allowed)


def _passes_method_options(args: list[str]) -> bool:
    import typer.main

    command = typer.main.get_command(app_module.app)
    for name in args:
        command = command.commands[name]  # type: ignore[attr-defined]
    return bool(command.context_settings.get("allow_extra_args"))


def _train_methods() -> list[str]:
    import typer.main

    return list(typer.main.get_command(app_module.app).commands["train"].commands)  # type: ignore[attr-defined]


def test_tune_help_keeps_bracketed_text():
    assert "[params.window]" in _help(["tune"])


def test_repeatable_options_show_their_item_type():
    text = _help(["evaluate"])
    assert re.search(r"--similarity\s+-s\s+<str>", text), text
