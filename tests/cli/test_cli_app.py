"""The app's framework: version, help, logging, and the global error contract."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
import typer
from cli_helpers import assert_cli_error
from typer.testing import CliRunner

import embedlab
from embedlab.cli import app as app_module
from embedlab.exceptions import DataError, InvalidParameterError


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"embedlab {embedlab.__version__}"


def test_help_lists_commands_and_train_methods(cli):
    top = cli("--help")
    assert top.exit_code == 0
    for command in ("train", "evaluate", "neighbors", "convert", "quickstart"):
        assert command in top.stdout
    train = cli("train", "--help")
    assert train.exit_code == 0
    for module in app_module.TRAIN_MODULES:
        method = module.rsplit(".", 1)[1].removeprefix("train_").replace("_", "-")
        assert method in train.stdout, f"`embedlab train --help` does not list {method}"


def test_every_registered_module_adds_a_command():
    names = {c.name for c in app_module.app.registered_commands}
    train_names = {c.name for c in app_module.train_app.registered_commands}
    assert {"evaluate", "neighbors", "convert", "quickstart"} <= names
    assert "word2vec" in train_names
    assert len(train_names) >= len(app_module.TRAIN_MODULES)


@pytest.mark.parametrize(("args", "pattern"), [
    (["no-such-command"], r"No such command 'no-such-command' \(see 'embedlab --help'\)"),
    (["--bogus"], r"No such option: --bogus.*\(see 'embedlab --help'\)"),
    (["train", "ppmi-svd", "x.txt", "-o", "v.npz", "--threads", "2"],
     r"No such option: --threads \(see 'embedlab train ppmi-svd --help'\)"),
    (["train", "word2vec", "x.txt", "-o", "v.npz", "--window", "abc"], r"Invalid value for '--window'.*integer"),
])
def test_usage_errors_are_one_line_with_click_exit_code(cli, args, pattern):
    assert_cli_error(cli(*args), pattern, code=2)


@pytest.mark.parametrize("args", [[], ["train"]])
def test_a_group_without_arguments_still_prints_its_help(cli, args):
    result = cli(*args)
    assert result.exit_code in (0, 2) and "Usage:" in result.stdout and "train" in result.stdout
    assert "error:" not in result.stderr


def _mini_app(exc: BaseException) -> typer.Typer:
    """A throwaway app using the same error-handling group as `embedlab`, raising ``exc``."""
    mini = typer.Typer(cls=app_module._ErrorHandlingGroup, pretty_exceptions_enable=False)

    @mini.command()
    def boom() -> None:
        raise exc

    @mini.command()
    def ok() -> None:
        typer.echo("fine")

    return mini


@pytest.mark.parametrize(
    ("exc", "code", "pattern"),
    [
        (DataError("corpus.txt: empty corpus\n(no tokens)"), 2, r"^error: corpus.txt: empty corpus \(no tokens\)$"),
        (InvalidParameterError("parameter 'window' must be >= 1"), 2, r"^error: parameter 'window'"),
        (PermissionError(13, "Permission denied", "/out/v.npz"), 2, r"^error: /out/v.npz: Permission denied$"),
        (KeyboardInterrupt(), 130, r"^error: interrupted$"),
    ],
)
def test_error_handler_turns_exceptions_into_one_line(exc, code, pattern):
    result = CliRunner().invoke(_mini_app(exc), ["boom"], catch_exceptions=False)
    assert_cli_error(result, pattern, code)


def test_error_handler_lets_other_bugs_surface():
    # A programming error is not an EmbedlabError: it must not be disguised as bad input.
    with pytest.raises(ZeroDivisionError, match="division"):
        CliRunner().invoke(_mini_app(ZeroDivisionError("division by zero")), ["boom"], catch_exceptions=False)


def test_verbose_attaches_a_stderr_handler(cli):
    log = logging.getLogger("embedlab")
    cli("-vv", "--help")
    # --help exits before the callback; run a real (failing) command to trigger the callback
    cli("-vv", "neighbors", "/no/such/file.npz", "word")
    assert log.level == logging.DEBUG
    assert sum(isinstance(h, app_module._StderrHandler) for h in log.handlers) == 1
    cli("neighbors", "/no/such/file.npz", "word")
    assert log.level == logging.WARNING
    assert sum(isinstance(h, app_module._StderrHandler) for h in log.handlers) == 1


def test_python_dash_m_subprocess_exit_codes(tmp_path):
    """The real entry point: bad input -> exit 2, one `error:` line, no traceback; --version -> 0."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    ok = subprocess.run([sys.executable, "-m", "embedlab", "--version"], capture_output=True, text=True,
                        env=env, cwd=tmp_path, timeout=120)
    assert ok.returncode == 0 and ok.stdout.strip() == f"embedlab {embedlab.__version__}"
    bad = subprocess.run(
        [sys.executable, "-m", "embedlab", "neighbors", str(tmp_path / "missing.npz"), "king"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert bad.returncode == 2, bad.stderr
    assert "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [f"error: {tmp_path / 'missing.npz'}: no such file or directory"]
    assert list(tmp_path.iterdir()) == []


def test_every_command_has_working_help(cli):
    """Each registered command (including other parts' train methods) renders its --help."""
    top = [c.name for c in app_module.app.registered_commands]
    train = [c.name for c in app_module.train_app.registered_commands]
    for args in [[name] for name in top] + [["train", name] for name in train]:
        result = cli(*args, "--help")
        assert result.exit_code == 0, (args, result.stderr)
        assert "Usage:" in result.stdout and "--help" in result.stdout
