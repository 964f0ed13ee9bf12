"""``embedlab datasets list|fetch|path``: public benchmark data sets by name (see ``corpus.datasets``)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "datasets_app"]

datasets_app = typer.Typer(
    name="datasets",
    help="Public benchmark data sets by name: list them, fetch one (checked download), print its path.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DataHome = Annotated[
    Path | None,
    typer.Option("--data-home", help="Folder that fetch writes to (env EMBEDLAB_DATA_HOME; "
                 "default ~/.cache/embedlab/datasets). EMBEDLAB_DATA names a read-only mirror folder."),
]


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{max(n, 1) / 1e3:.0f} kB"


@datasets_app.command("list")
def list_command(
    data_home: DataHome = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every data set: name, task, size, source, licence, and where it is found here."""
    from ..corpus import datasets as d

    rows = []
    for name in d.names():
        ds = d.dataset(name)
        rows.append({"name": name, "task": ds.task, "size": ds.size, "kind": ds.kind, "source": ds.source,
                     "licence": ds.licence, "present": d.location(name, data_home), "description": ds.description})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    width = max(40, min(c.console().width, 100))
    typer.echo(f"{'name':<20} {'task':<20} {'size':>8}  here")
    for r in rows:
        typer.echo(f"{r['name']:<20} {r['task']:<20} {_size(r['size']):>8}  {r['present'] or 'no'}")
        typer.echo(textwrap.fill(f"{r['source']}; {r['licence']}", width, initial_indent="    ",
                                 subsequent_indent="    ", break_on_hyphens=False))
    typer.echo(textwrap.fill("'here' is where it is found: the EMBEDLAB_DATA mirror, the data home, its package, "
                             "or bundled; 'no': get it with 'embedlab datasets fetch NAME'", width))


@datasets_app.command("fetch")
def fetch_command(
    names: Annotated[list[str], typer.Argument(help="Data set names (see 'embedlab datasets list').")],
    data_home: DataHome = None,
    force: Annotated[bool, typer.Option("--force", help="Download again even when present and intact.")] = False,
) -> None:
    """Download data sets from their original source (or copy them from EMBEDLAB_DATA), checking SHA-256."""
    from .._progress import progress_bar
    from ..corpus import datasets as d

    for name in names:
        d.dataset(name)  # every name known before anything is downloaded
    for name in names:
        ds = d.dataset(name)
        with progress_bar(ds.size or 0, f"fetching {name}", unit="bytes") as bar:
            path = d.fetch(name, data_home, force=force, progress=bar.advance)
        typer.echo(f"{name}: {path}" + ("" if ds.kind == "download" else f" ({ds.kind})"), err=True)


@datasets_app.command("path")
def path_command(
    name: Annotated[str, typer.Argument(help="Data set name (see 'embedlab datasets list').")],
    data_home: DataHome = None,
) -> None:
    """Print the file or folder of a data set (use as $(embedlab datasets path sst2)/dev.tsv)."""
    from ..corpus import datasets as d

    typer.echo(str(d.dataset_path(name, data_home)))


def register(app: typer.Typer) -> None:
    app.add_typer(datasets_app, name="datasets")
