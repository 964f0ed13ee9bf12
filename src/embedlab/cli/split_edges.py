"""``embedlab split-edges EDGES -o DIR``: hold out edges (and sample non-edges) for link prediction."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import InputFileError, InvalidParameterError
from . import _common as c
from .train_graph import Delimiter, Directed, EdgesArg, Weighted

__all__ = ["register", "split_edges"]


def split_edges(
    edges: EdgesArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder: train.csv, test.csv, split.json.")],
    test_fraction: Annotated[float, typer.Option("--test-fraction", help="Share of the edges held out for testing.")] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the split.")] = 0,
    directed: Directed = False,
    weighted: Weighted = False,
    delimiter: Delimiter = None,
) -> None:
    """Write OUTPUT/train.csv (EDGES minus held-out edges; every node stays covered where possible) and
    OUTPUT/test.csv (held-out edges and as many sampled non-edges, with a label column)."""
    from ..corpus.graph import read_edgelist, split_edges as do_split, write_edge_split

    if not 0.0 < test_fraction < 1.0:
        raise InvalidParameterError(f"--test-fraction must be in (0, 1); got {test_fraction}")
    if output.exists() and not output.is_dir():
        raise InputFileError(f"{output}: exists and is not a folder; -o takes an output folder")
    c.check_input_path(edges)
    graph = read_edgelist(edges, directed=directed, weighted=weighted, delimiter=delimiter)
    split = do_split(graph, test_fraction, seed)
    files = write_edge_split(split, output)
    s = split.stats
    c.console().print(
        f"{graph}: {s['train_edges']:,} training edges -> {files['train']}; "
        f"{s['test_edges']:,} held-out edges + {s['test_non_edges']:,} non-edges -> {files['test']}",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("split-edges")(split_edges)
