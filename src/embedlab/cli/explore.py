"""``embedlab explore``: the explorer page as static files (a 2-D map, neighbours, CSV export)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "explore"]


class Method(str, Enum):
    pca = "pca"
    umap = "umap"


def explore(
    vectors: Annotated[list[str], typer.Argument(metavar="VECTORS...", help="Vectors files or pre-trained names "
                                                 "(NAME=PATH names a set); two or more are shown side by side.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write (open DIR/index.html).")],
    max_keys: Annotated[int, typer.Option("--max-keys", min=10, help="Export the N most frequent keys of each set "
                                          "(neighbours are computed in the browser).")] = 100_000,
    method: Annotated[Method, typer.Option("--method", help="2-D map: pca, or umap (umap-learn).")] = Method.pca,
    labels: Annotated[Path | None, typer.Option("--labels", help="key<TAB>label file to colour the map by.")] = None,
    seed: c.SeedOnly = None,
) -> None:
    """Write a static explorer of VECTORS into a folder (no server needed; serve gives the same page live)."""
    from ..serve.export import export_explorer
    from ..serve.server import read_labels, set_name

    label_map = read_labels(labels) if labels is not None else None
    sets = []
    for spec in vectors:
        name, path = set_name(spec)
        kv = c.read_vectors(Path(path))
        if len(kv) > max_keys:
            kv = kv.restrict_vocab(max_keys)
        sets.append((name, kv))
    export_explorer(sets, output, method=method.value, labels=label_map, seed=seed or 0)
    described = ", ".join(f"{n} ({len(kv):,} keys)" for n, kv in sets)
    c.console().print(f"explorer of {described} written to {output}; open {output / 'index.html'} "
                      f"(coordinates in {output / 'coordinates.csv'})", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("explore")(explore)
