"""``embedlab train deepwalk|node2vec|graphsage|gcn``: node embeddings from an edge list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import InputFileError
from . import _common as c
from . import _refine as r

__all__ = ["register", "train_deepwalk", "train_node2vec", "train_graphsage", "train_gcn", "EdgesArg"]

EdgesArg = Annotated[
    Path, typer.Argument(metavar="EDGES", help="Edge list: 'source target [weight]' per line (CSV, TSV or spaces; "
                         "header optional), or a Planetoid folder (ind.cora.*).")
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


def _read_graph(edges: Path, directed: bool, weighted: bool, delimiter: str | None, planetoid: bool = False) -> Any:
    """The graph of EDGES (an edge-list file, or a Planetoid folder: its PlanetoidData when
    ``planetoid``, else its graph)."""
    from ..corpus.graph import is_planetoid_dir, load_planetoid, read_edgelist

    c.check_input_path(edges)
    if edges.is_dir():
        if not is_planetoid_dir(edges):
            raise InputFileError(f"{edges}: is a folder; give an edge-list file or a Planetoid folder (ind.<name>.*)")
        data = load_planetoid(edges)
        return data if planetoid else data.graph
    return read_edgelist(edges, directed=directed, weighted=weighted, delimiter=delimiter)


def _walk_model(cls: Any, edges: Path, output: Path, fmt: str | None, progress: bool, delimiter: str | None,
                refine: dict[str, Any] | None = None, **params: Any) -> None:
    params["show_progress"] = progress
    ref = None
    if refine is not None:
        structural = {"vector_size": params["vector_size"]}
        ref = r.refinement(cls.name, structural, init_vectors=None, **refine)
        params.update(structural)
    _train_graph(c.build_model(cls, **params), edges, output, fmt, delimiter, refine=ref)


def _summary(model: Any, output: Path, fmt: str, elapsed: float) -> None:
    """What was trained on what, how fast, and where the vectors went."""
    from rich.table import Table

    kv, g = model.vectors_, model.graph_
    table = Table(title=f"{type(model).__name__} trained", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    kind = "directed" if g.directed else "undirected"
    table.add_row("graph", f"{g.n_nodes:,} nodes, {g.n_edges:,} edges ({kind}{', weighted' if g.weighted else ''})")
    table.add_row("vectors", f"{len(kv):,} x {kv.vector_size}")
    walk = getattr(model, "walk_seconds_", None)
    table.add_row("time", f"{elapsed:.1f} s" + (f" (walks {walk:.1f} s)" if walk is not None else ""))
    metrics = getattr(model, "epoch_metrics_", None) or []
    speed = c.speed_text(model, elapsed) if walk is not None and metrics else None
    if speed:
        table.add_row("speed", speed.replace("steps/s", "walk steps/s"))
    if model.loss_history_:
        table.add_row("final loss", f"{float(model.loss_history_[-1]):.4f}")
    table.add_row("saved", f"{output} ({fmt})")
    c.console().print(table)


def _train_graph(model: Any, edges: Path, output: Path, fmt: str | None, delimiter: str | None, refine: Any = None,
                 **fit: Any) -> None:
    """Validate (before reading anything), read, fit, save atomically, summarise."""
    import time

    with c.cli_option_names():
        model._validate_params()
    c.check_output_path(output)
    fmt_name = c.resolve_format(output, fmt)
    for path in fit.values():
        if path is not None:
            c.check_input_path(path)
    data = _read_graph(edges, model.directed, model.weighted, delimiter, planetoid=bool(fit))
    start = time.perf_counter()
    with c.cli_option_names():
        if refine is not None and refine.replaces_fit:
            model = refine.fit(model, data)
        else:
            model.fit(data, **fit)
    if model.interrupted_:
        raise c.fail(f"interrupted; nothing written to {output}", c.EXIT_INTERRUPTED)
    c.write_vectors(model.vectors_, output, fmt_name)
    if refine is not None:
        refine.after(model)
        note = refine.summary(model)
        if note:
            c.console(stderr=True).print(note, soft_wrap=True)
    _summary(model, output, fmt_name, time.perf_counter() - start)


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
    save_state: r.SaveState = None,
    continue_from: r.ContinueFrom = None,
    freeze_existing: r.FreezeStateKeys = False,
) -> None:
    """Train node2vec (biased p/q random walks + skip-gram) on EDGES and save one vector per node to OUTPUT."""
    from ..models.node2vec import Node2Vec

    _walk_model(Node2Vec, edges, output, fmt, progress, delimiter, p=p, q=q, walk_length=walk_length,
                walks_per_node=walks_per_node, window=window, vector_size=vector_size, epochs=epochs,
                negative=negative, sample=sample, alpha=alpha, min_alpha=min_alpha, directed=directed,
                weighted=weighted, threads=threads, seed=seed,
                refine=dict(save_state=save_state, continue_from=continue_from, freeze_existing=freeze_existing))


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
    save_state: r.SaveState = None,
    continue_from: r.ContinueFrom = None,
    freeze_existing: r.FreezeStateKeys = False,
) -> None:
    """Train DeepWalk (uniform random walks + skip-gram) on EDGES and save one vector per node to OUTPUT."""
    from ..models.node2vec import DeepWalk

    _walk_model(DeepWalk, edges, output, fmt, progress, delimiter, walk_length=walk_length,
                walks_per_node=walks_per_node, window=window, vector_size=vector_size, epochs=epochs,
                negative=negative, sample=sample, alpha=alpha, min_alpha=min_alpha, directed=directed,
                weighted=weighted, threads=threads, seed=seed,
                refine=dict(save_state=save_state, continue_from=continue_from, freeze_existing=freeze_existing))


LearningRate = Annotated[float, typer.Option("--learning-rate", help="Adam learning rate.")]
Device = Annotated[str | None, typer.Option("--device", help="torch device (cpu, cuda, cuda:1); default: a GPU when torch sees one.")]
Features = Annotated[
    Path | None,
    typer.Option("--features", help="Node features: 'node f1 f2 ...' rows (CSV/TSV/spaces), .npz (ids, features) or .npy "
                 "(rows in graph order); a Planetoid folder brings its own."),
]


def train_graphsage(
    edges: EdgesArg,
    output: c.Output,
    features: Features = None,
    vector_size: c.VectorSize = 128,
    hidden_size: Annotated[int, typer.Option("--hidden-size", help="Width of the hidden SAGE layers.")] = 128,
    num_layers: Annotated[int, typer.Option("--num-layers", help="SAGE layers (neighbourhood hops).")] = 2,
    aggregator: Annotated[str, typer.Option("--aggregator", help="Neighbour aggregation: mean, max or sum.")] = "mean",
    walk_length: Annotated[int, typer.Option("--walk-length", "-l", help="Length of the walks that give positive pairs.")] = 5,
    window: Annotated[int, typer.Option("--window", "-k", help="Co-occurrence window on the walks.")] = 2,
    negative: Annotated[int, typer.Option(help="Negative nodes per positive pair.")] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Pairs per optimisation step.")] = 4096,
    epochs: c.Epochs = 20,
    learning_rate: LearningRate = 0.01,
    directed: Directed = False,
    weighted: Weighted = False,
    delimiter: Delimiter = None,
    device: Device = None,
    threads: c.Threads = None,
    seed: c.Seed = None,
    fmt: GraphFormat = None,
    progress: Progress = True,
) -> None:
    """Train unsupervised GraphSAGE (random-walk co-occurrence loss) on EDGES (+ --features) and save node vectors."""
    from ..models.gnn import GraphSAGE

    model = c.build_model(
        GraphSAGE, vector_size=vector_size, hidden_size=hidden_size, num_layers=num_layers, aggregator=aggregator,
        walk_length=walk_length, window=window, negative=negative, batch_size=batch_size, epochs=epochs,
        learning_rate=learning_rate, directed=directed, weighted=weighted, device=device, threads=threads,
        seed=seed, show_progress=progress,
    )
    _train_graph(model, edges, output, fmt, delimiter, features=features)


def train_gcn(
    edges: EdgesArg,
    output: c.Output,
    features: Features = None,
    labels: Annotated[
        Path | None, typer.Option("--labels", help="Training labels: 'node label' rows (a Planetoid folder brings its split).")
    ] = None,
    vector_size: Annotated[int, typer.Option("--vector-size", "-d", help="Hidden layer width = vector dimension.")] = 16,
    epochs: c.Epochs = 200,
    learning_rate: LearningRate = 0.01,
    weight_decay: Annotated[float, typer.Option("--weight-decay", help="L2 penalty of the first layer.")] = 5e-4,
    dropout: Annotated[float, typer.Option(help="Dropout rate.")] = 0.5,
    directed: Directed = False,
    weighted: Weighted = False,
    delimiter: Delimiter = None,
    device: Device = None,
    threads: c.Threads = None,
    seed: c.Seed = None,
    fmt: GraphFormat = None,
    progress: Progress = True,
) -> None:
    """Train a semi-supervised GCN on EDGES (+ --features, --labels) and save its last hidden layer as node vectors."""
    from ..models.gnn import GCN

    model = c.build_model(
        GCN, vector_size=vector_size, epochs=epochs, learning_rate=learning_rate, weight_decay=weight_decay,
        dropout=dropout, directed=directed, weighted=weighted, device=device, threads=threads, seed=seed,
        show_progress=progress,
    )
    _train_graph(model, edges, output, fmt, delimiter, features=features, labels=labels)


def register(train_app: typer.Typer) -> None:
    train_app.command("node2vec", help="Node2vec: biased (p, q) random walks on a graph + skip-gram.")(train_node2vec)
    train_app.command("deepwalk", help="DeepWalk: uniform random walks on a graph + skip-gram.")(train_deepwalk)
    train_app.command("graphsage", help="GraphSAGE (PyTorch Geometric): unsupervised GNN encoder with node features.")(
        train_graphsage
    )
    train_app.command("gcn", help="GCN (PyTorch Geometric): semi-supervised graph convolution; vectors = hidden layer.")(
        train_gcn
    )
