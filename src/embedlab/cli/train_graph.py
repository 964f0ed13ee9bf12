"""``embedlab train deepwalk|node2vec|graphsage|gcn``: node embeddings from an edge list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from . import _common as c

__all__ = ["register", "train_deepwalk", "train_node2vec", "EdgesArg"]

EdgesArg = Annotated[
    Path, typer.Argument(metavar="EDGES", help="Edge list: 'source target [weight]' per line (CSV, TSV or spaces; header optional).")
]
Directed = Annotated[bool, typer.Option("--directed", help="Edges are directed (default: undirected).")]
Weighted = Annotated[bool, typer.Option("--weighted", help="Read the third column as a positive edge weight.")]
Delimiter = Annotated[
    str | None, typer.Option("--delimiter", help="Column separator (default: detect tab, comma, semicolon or spaces).")
]
WalkLength = Annotated[int, typer.Option("--walk-length", "-l", help="Nodes per random walk.")]
WalksPerNode = Annotated[int, typer.Option("--walks-per-node", "-r", help="Walks started from every node.")]
GraphWindow = Annotated[int, typer.Option("--window", "-k", help="Skip-gram context size on each side.")]
Negative = Annotated[int, typer.Option(help="Negative samples per context.")]
Sample = Annotated[float, typer.Option(help="Subsampling threshold of frequently visited nodes (0 = off).")]
GraphFormat = Annotated[str | None, typer.Option("--format", "-f", help="Output format (npz, word2vec, ...); default: from the suffix.")]
Progress = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on a terminal.")]


def _edges_loader(edges: Path, directed: bool, weighted: bool, delimiter: str | None) -> Any:
    def load() -> Any:
        from ..corpus.graph import read_edgelist

        c.check_input_path(edges)
        return read_edgelist(edges, directed=directed, weighted=weighted, delimiter=delimiter)

    return load


def _walk_model(cls: Any, edges: Path, output: Path, fmt: str | None, progress: bool, delimiter: str | None,
                **params: Any) -> None:
    params["show_progress"] = progress
    model = c.build_model(cls, **params)
    c.train_and_save(model, _edges_loader(edges, params["directed"], params["weighted"], delimiter), output, fmt)
    walk, train = getattr(model, "walk_seconds_", None), getattr(model, "training_seconds_", None)
    if walk is not None and train is not None:
        c.console(stderr=True).print(f"{model.graph_}: walks {walk:.1f} s of {train:.1f} s training")


def train_node2vec(
    edges: EdgesArg,
    output: c.Output,
    p: Annotated[float, typer.Option("--p", help="Return parameter: low p keeps walks near their start.")] = 1.0,
    q: Annotated[float, typer.Option("--q", help="In-out parameter: low q explores outward (DFS), high q stays close (BFS).")] = 1.0,
    walk_length: WalkLength = 80,
    walks_per_node: WalksPerNode = 10,
    window: GraphWindow = 10,
    vector_size: c.VectorSize = 128,
    epochs: c.Epochs = 1,
    negative: Negative = 5,
    sample: Sample = 1e-3,
    alpha: c.Alpha = 0.025,
    min_alpha: c.MinAlpha = 0.0001,
    directed: Directed = False,
    weighted: Weighted = False,
    delimiter: Delimiter = None,
    threads: c.Threads = None,
    seed: c.Seed = None,
    fmt: GraphFormat = None,
    progress: Progress = True,
) -> None:
    """Train node2vec (biased p/q random walks + skip-gram) on EDGES and save one vector per node to OUTPUT."""
    from ..models.node2vec import Node2Vec

    _walk_model(Node2Vec, edges, output, fmt, progress, delimiter, p=p, q=q, walk_length=walk_length,
                walks_per_node=walks_per_node, window=window, vector_size=vector_size, epochs=epochs,
                negative=negative, sample=sample, alpha=alpha, min_alpha=min_alpha, directed=directed,
                weighted=weighted, threads=threads, seed=seed)


def train_deepwalk(
    edges: EdgesArg,
    output: c.Output,
    walk_length: WalkLength = 80,
    walks_per_node: WalksPerNode = 10,
    window: GraphWindow = 10,
    vector_size: c.VectorSize = 128,
    epochs: c.Epochs = 1,
    negative: Negative = 5,
    sample: Sample = 1e-3,
    alpha: c.Alpha = 0.025,
    min_alpha: c.MinAlpha = 0.0001,
    directed: Directed = False,
    weighted: Weighted = False,
    delimiter: Delimiter = None,
    threads: c.Threads = None,
    seed: c.Seed = None,
    fmt: GraphFormat = None,
    progress: Progress = True,
) -> None:
    """Train DeepWalk (uniform random walks + skip-gram) on EDGES and save one vector per node to OUTPUT."""
    from ..models.node2vec import DeepWalk

    _walk_model(DeepWalk, edges, output, fmt, progress, delimiter, walk_length=walk_length,
                walks_per_node=walks_per_node, window=window, vector_size=vector_size, epochs=epochs,
                negative=negative, sample=sample, alpha=alpha, min_alpha=min_alpha, directed=directed,
                weighted=weighted, threads=threads, seed=seed)


def register(train_app: typer.Typer) -> None:
    train_app.command("node2vec", help="Node2vec: biased (p, q) random walks on a graph + skip-gram.")(train_node2vec)
    train_app.command("deepwalk", help="DeepWalk: uniform random walks on a graph + skip-gram.")(train_deepwalk)
