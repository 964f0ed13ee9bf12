"""MkDocs hooks of the documentation site (``hooks:`` in ``mkdocs.yml``).

1. Pages written by other work in progress (``OPTIONAL_PAGES``, e.g. ``mutation.md``) join the
   navigation when they exist in ``docs/``, and links to them read as plain text when they do not,
   so ``mkdocs build --strict`` passes in either state of the checkout.
2. The command-line reference, generated from the command tree itself, two ways:

* as an MkDocs hook (``hooks:`` in ``mkdocs.yml``): the page ``reference/cli.md`` holds the
  marker ``<!-- embedlab-cli-reference -->``, which the build replaces by every command's usage,
  arguments and options, read from the typer/click objects that ``embedlab`` runs;
* as a script: ``python scripts/mkdocs_hooks.py`` prints the same Markdown.

So the reference cannot drift from the commands: nothing in it is written by hand.

3. The Benchmarks page's current results: the part of ``benchmarks.md`` between its markers is
   generated from ``benchmarks/results/*.json`` (``benchmarks/page.py``); the build renders it
   afresh, as ``python -m benchmarks page`` writes it into the file.
"""

from __future__ import annotations

import os
from typing import Any

MARKER = "<!-- embedlab-cli-reference -->"
PAGE = "reference/cli.md"
BENCHMARKS_PAGE = "benchmarks.md"
# page -> (its title, the navigation section it joins when present)
OPTIONAL_PAGES = {"mutation.md": ("Mutation testing", "Architecture and contributing")}


def _is_group(command: Any) -> bool:
    # typer >= 0.2x vendors its own click; both kinds of group have get_command/list_commands
    return hasattr(command, "get_command") and hasattr(command, "list_commands")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _walk(command: Any, path: list[str], parent: Any = None):
    """(path, command, context) for the command and every command below it, in --help order."""
    ctx = type(command).context_class(command, info_name=path[-1], parent=parent)
    yield path, command, ctx
    if _is_group(command):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                yield from _walk(sub, [*path, name], ctx)


def _section(path: list[str], command: Any, ctx: Any) -> str:
    level = "#" * min(len(path) + 1, 4)
    lines = [f"{level} `{' '.join(path)}`", ""]
    if command.help:
        lines += [" ".join(command.help.replace("\\[", "[").split("\n\n")[0].split()), ""]
    lines += ["```text", command.get_usage(ctx).strip(), "```", ""]
    if _is_group(command):
        rows = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            short = sub.get_short_help_str(limit=120) if hasattr(sub, "get_short_help_str") else ""
            rows.append(f"| [`{name}`](#{_anchor([*path, name])}) | {_cell(short.replace(chr(92) + '[', '['))} |")
        if rows:
            lines += ["| command | what it does |", "| --- | --- |", *rows, ""]
    records = []
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        record = param.get_help_record(ctx)
        if record is None:  # click gives arguments no help record; typer does
            record = (param.human_readable_name, "")
        kind = "argument" if param.param_type_name == "argument" else "option"
        records.append(f"| `{_cell(record[0])}` | {kind} | {_cell(record[1].replace(chr(92) + '[', '['))} |")
    records.append("| `-h, --help` | option | Show the help and exit. |")
    lines += ["| name | kind | description |", "| --- | --- | --- |", *records, ""]
    return "\n".join(lines)


def _anchor(path: list[str]) -> str:
    # MkDocs' default slugify of a heading such as `embedlab index build`
    return "-".join(path).lower()


def cli_reference() -> str:
    """Markdown for every ``embedlab`` command: usage, arguments and options."""
    os.environ.setdefault("COLUMNS", "120")
    import typer.main

    from embedlab.cli.app import app

    root = typer.main.get_command(app)
    root.name = "embedlab"
    return "\n".join(_section(path, command, ctx) for path, command, ctx in _walk(root, ["embedlab"]))


def benchmarks_page(markdown: str) -> str:
    """The Benchmarks page with its current results generated from ``benchmarks/results/``."""
    import sys

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if repo not in sys.path:
        sys.path.insert(0, repo)
    from benchmarks.page import render_page

    return render_page(markdown)


def _present(config: Any, page: str) -> bool:
    return os.path.isfile(os.path.join(config["docs_dir"], page))


def on_config(config: Any) -> Any:
    """MkDocs hook: optional pages that exist join their navigation section."""
    for page, (title, section) in OPTIONAL_PAGES.items():
        if not _present(config, page):
            continue
        for entry in config["nav"]:
            if isinstance(entry, dict) and isinstance(entry.get(section), list):
                if not any(page in item.values() for item in entry[section] if isinstance(item, dict)):
                    entry[section].append({title: page})
    return config


def on_page_markdown(markdown: str, page: Any, config: Any = None, **kwargs: Any) -> str:
    """MkDocs hook: fill the CLI reference page's marker; unlink optional pages that are absent."""
    import re

    for name in OPTIONAL_PAGES:
        if config is not None and not _present(config, name):
            markdown = re.sub(rf"\[([^\]]*)\]\((?:\.\./)*{re.escape(name)}\)", r"\1", markdown)
    if page.file.src_uri == BENCHMARKS_PAGE:
        return benchmarks_page(markdown)
    if page.file.src_uri == PAGE:
        if MARKER not in markdown:
            raise ValueError(f"{PAGE}: the marker {MARKER} is missing")
        return markdown.replace(MARKER, cli_reference())
    return markdown


if __name__ == "__main__":
    print(cli_reference())
