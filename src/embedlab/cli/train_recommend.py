"""``embedlab train item2vec|als|bpr|ease|popularity|itemknn FILE -o OUT``: recommenders.

Each reads user-item interactions (a CSV/TSV/Parquet table with ``--user-col``/``--item-col``
[``--weight-col``, ``--time-col``], a RecBole ``.inter`` file, or basket lines), fits the model
and writes one ``.npz`` holding the item vectors, the users, their training histories and, for
ALS/BPR, the user vectors (see :mod:`embedlab.vectors.recommend`). ``embedlab recommend OUT USER``
and ``embedlab evaluate OUT --eval recommendation:DIR`` read it back.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from .._progress import logger
from . import _common as c
from . import _refine as r

__all__ = ["register", "InteractionOptions", "interaction_options", "read_interactions_cli", "fit_and_save"]


class InputFormat(str, Enum):
    auto = "auto"
    csv = "csv"
    tsv = "tsv"
    parquet = "parquet"
    inter = "inter"
    baskets = "baskets"


class Duplicates(str, Enum):
    sum = "sum"
    keep = "keep"


InteractionsArg = Annotated[
    Path, typer.Argument(help="Interactions: CSV/TSV/Parquet table, RecBole .inter file, or one basket per line.")
]


@dataclass(frozen=True)
class InteractionOptions:
    """How to read the interactions file (shared by train, split-interactions and tune)."""

    input_format: InputFormat
    user_col: str | None
    item_col: str | None
    weight_col: str | None
    time_col: str | None
    sep: str | None
    duplicates: Duplicates
    min_user_interactions: int
    min_item_interactions: int


_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("input_format", Annotated[InputFormat, typer.Option("--input-format", help="Input layout (auto: from suffix and header).")], InputFormat.auto),
    ("user_col", Annotated[str | None, typer.Option("--user-col", help="User column (default: user, user_id, userId ...).")], None),
    ("item_col", Annotated[str | None, typer.Option("--item-col", help="Item column (default: item, item_id, itemId, movieId ...).")], None),
    ("weight_col", Annotated[str | None, typer.Option("--weight-col", help="Weight column (default: a column named 'weight' if there is one, else every event weighs 1).")], None),
    ("time_col", Annotated[str | None, typer.Option("--time-col", help="Time column, numbers or dates (default: timestamp/time if present).")], None),
    ("sep", Annotated[str | None, typer.Option("--sep", help="Field separator (default: from the file).")], None),
    ("duplicates", Annotated[Duplicates, typer.Option("--duplicates", help="Repeated (user, item) events: sum them or keep each.")], Duplicates.sum),
    ("min_user_interactions", Annotated[int, typer.Option("--min-user-interactions", help="Drop users with fewer interactions.")], 1),
    ("min_item_interactions", Annotated[int, typer.Option("--min-item-interactions", help="Drop items with fewer interactions.")], 1),
)


def interaction_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the interaction-reading options; it receives them as ``inter_opts``."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for name, p in signature.parameters.items() if name != "inter_opts"]
    shared = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d) for n, a, d in _OPTIONS]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        opts = InteractionOptions(**{n: kwargs.pop(n) for n, _, _ in _OPTIONS})
        return command(*args, inter_opts=opts, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=own + shared)  # type: ignore[attr-defined]
    return wrapper


def read_interactions_cli(path: Path, opts: InteractionOptions) -> Any:
    """Read ``path`` as the options say; parameter errors name the CLI flags."""
    from ..corpus.interactions import read_interactions
    from ..exceptions import InvalidParameterError

    c.check_input_path(path)
    for flag, v in (("--min-user-interactions", opts.min_user_interactions), ("--min-item-interactions", opts.min_item_interactions)):
        if v < 1:
            raise InvalidParameterError(f"{flag} must be >= 1; got {v}")
    fmt = None if opts.input_format is InputFormat.auto else opts.input_format.value
    sep = opts.sep.encode().decode("unicode_escape") if opts.sep else None  # "--sep '\t'"
    return read_interactions(
        path, format=fmt, user_col=opts.user_col, item_col=opts.item_col, weight_col=opts.weight_col,
        time_col=opts.time_col, sep=sep, duplicates=opts.duplicates.value,
        min_user_interactions=opts.min_user_interactions, min_item_interactions=opts.min_item_interactions,
    )


def fit_and_save(model: Any, path: Path, output: Path, fmt: str | None, opts: InteractionOptions,
                 refine: Any = None) -> Any:
    """Validate, read, fit, save atomically (npz keeps users and histories) and print a summary."""
    with c.cli_option_names():
        model._validate_params()
    c.check_output_path(output)
    fmt_name = c.resolve_format(output, fmt)
    inter = read_interactions_cli(path, opts)
    start = time.perf_counter()
    if refine is not None and refine.replaces_fit:
        model = refine.fit(model, inter)  # --continue-from: a saved state trained further on these data
    else:
        model.fit(inter)
    elapsed = time.perf_counter() - start
    if getattr(model, "interrupted_", False):
        raise c.fail(f"interrupted; nothing written to {output}", c.EXIT_INTERRUPTED)
    kv = model.vectors_
    if fmt_name != "npz":
        logger.warning("%s: the %s format keeps the item vectors only; `embedlab recommend` and "
                       "`--eval recommendation:DIR` need the users too (write .npz)", output, fmt_name)
    c.write_vectors(kv, output, fmt_name)
    if refine is not None:
        refine.after(model)
        note = refine.summary(model)
        if note:
            c.console(stderr=True).print(note, soft_wrap=True)
    from rich.table import Table

    table = Table(title=f"{type(model).__name__} trained", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("data", f"{inter.n_users:,} users x {inter.n_items:,} items, {inter.nnz:,} interactions")
    if inter.layout:
        table.add_row("read as", inter.layout)
    table.add_row("vectors", f"{len(kv):,} items, dim {kv.vector_size}; users: {getattr(kv, 'user_mode', 'mean')}")
    table.add_row("time", f"{elapsed:.1f} s")
    table.add_row("saved", f"{output} ({fmt_name})")
    c.console().print(table)
    return kv


Threads = c.Threads
Seed = c.Seed
Progress = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on a terminal.")]


class Weighting(str, Enum):
    count = "count"
    weight = "weight"


@interaction_options
def train_popularity(
    data: InteractionsArg, output: c.Output,
    weighting: Annotated[Weighting, typer.Option(help="Rank by number of users (count) or summed weights.")] = Weighting.count,
    fmt: c.Format = None, *, inter_opts: InteractionOptions,
) -> None:
    """Popularity baseline: every user gets the most popular items they have not seen."""
    from ..models.recommend import Popularity

    fit_and_save(c.build_model(Popularity, weighting=weighting), data, output, fmt, inter_opts)


@interaction_options
def train_itemknn(
    data: InteractionsArg, output: c.Output,
    n_neighbors: Annotated[int, typer.Option("--n-neighbors", "-K", help="Neighbours kept per item.")] = 100,
    binary: Annotated[bool, typer.Option("--binary/--weighted", help="Count every interaction as 1.")] = True,
    fmt: c.Format = None, *, inter_opts: InteractionOptions,
) -> None:
    """Item-kNN: cosine item-item similarities; a user scores the sum over their history."""
    from ..models.recommend import ItemKNN

    fit_and_save(c.build_model(ItemKNN, n_neighbors=n_neighbors, binary=binary), data, output, fmt, inter_opts)


@interaction_options
def train_ease(
    data: InteractionsArg, output: c.Output,
    l2: Annotated[float, typer.Option("--l2", help="Ridge strength lambda (Steck 2019).")] = 500.0,
    binary: Annotated[bool, typer.Option("--binary/--weighted", help="Count every interaction as 1.")] = True,
    fmt: c.Format = None, *, inter_opts: InteractionOptions,
) -> None:
    """EASE: closed-form item-item ridge regression (Steck 2019)."""
    from ..models.recommend import EASE

    fit_and_save(c.build_model(EASE, l2=l2, binary=binary), data, output, fmt, inter_opts)


@interaction_options
def train_als(
    data: InteractionsArg, output: c.Output,
    factors: Annotated[int, typer.Option("--factors", "-d", help="Latent factors (implicit's default 100).")] = 100,
    regularization: Annotated[float, typer.Option(help="L2 regularisation.")] = 0.01,
    alpha: Annotated[float, typer.Option(help="Confidence scale: c = 1 + alpha * r.")] = 1.0,
    iterations: Annotated[int, typer.Option("--iterations", "-e", help="ALS sweeps.")] = 15,
    cg: Annotated[bool, typer.Option("--cg/--cholesky", help="Conjugate-gradient solver (implicit's default).")] = True,
    binary: Annotated[bool, typer.Option("--binary/--weighted", help="Count every interaction as 1.")] = True,
    threads: Threads = None, seed: Seed = None, progress: Progress = True, fmt: c.Format = None,
    *, inter_opts: InteractionOptions,
) -> None:
    """ALS for implicit feedback (through the implicit library)."""
    from ..models.recommend import ALS

    model = c.build_model(ALS, factors=factors, regularization=regularization, alpha=alpha, iterations=iterations,
                          use_cg=cg, binary=binary, threads=threads, seed=seed, show_progress=progress)
    fit_and_save(model, data, output, fmt, inter_opts)


@interaction_options
def train_bpr(
    data: InteractionsArg, output: c.Output,
    factors: Annotated[int, typer.Option("--factors", "-d", help="Latent factors (implicit's default 100).")] = 100,
    learning_rate: Annotated[float, typer.Option(help="SGD learning rate.")] = 0.01,
    regularization: Annotated[float, typer.Option(help="L2 regularisation.")] = 0.01,
    iterations: Annotated[int, typer.Option("--iterations", "-e", help="Passes over the interactions.")] = 100,
    binary: Annotated[bool, typer.Option("--binary/--weighted", help="Count every interaction as 1.")] = True,
    threads: Threads = None, seed: Seed = None, progress: Progress = True, fmt: c.Format = None,
    *, inter_opts: InteractionOptions,
) -> None:
    """Bayesian Personalised Ranking (through the implicit library)."""
    from ..models.recommend import BPR

    model = c.build_model(BPR, factors=factors, learning_rate=learning_rate, regularization=regularization,
                          iterations=iterations, binary=binary, threads=threads, seed=seed, show_progress=progress)
    fit_and_save(model, data, output, fmt, inter_opts)


class WindowMode(str, Enum):
    sequential = "sequential"
    basket = "basket"


class UserVectors(str, Enum):
    mean = "mean"
    recency = "recency"


class Scoring(str, Enum):
    output = "output"
    cosine = "cosine"


@interaction_options
def train_item2vec(
    data: InteractionsArg, output: c.Output,
    vector_size: c.VectorSize = 64,
    window_mode: Annotated[WindowMode, typer.Option(help="sequential (time order, --window each side) or basket (every other item).")] = WindowMode.sequential,
    window: c.Window = 20,
    negative: Annotated[int, typer.Option(help="Negative samples per item.")] = 5,
    ns_exponent: Annotated[float, typer.Option(help="Exponent of the negative-sampling distribution (-1..1; word2vec 0.75).")] = -0.5,
    sample: c.Sample = 0.0,
    min_count: Annotated[int, typer.Option(help="Ignore items with fewer interactions.")] = 1,
    epochs: c.Epochs = 10,
    alpha: c.Alpha = 0.025,
    min_alpha: c.MinAlpha = 0.0001,
    user_vectors: Annotated[UserVectors, typer.Option(help="A user is the mean or recency-weighted mean of their items.")] = UserVectors.mean,
    recency_half_life: Annotated[float, typer.Option(help="Half-life in items of the recency weighting.")] = 10.0,
    scoring: Annotated[Scoring, typer.Option(help="Score users against the output vectors (dot) or the item vectors (cosine).")] = Scoring.output,
    threads: Threads = None, seed: Seed = None, progress: Progress = True, fmt: c.Format = None,
    save_state: r.SaveState = None, continue_from: r.ContinueFrom = None, freeze_existing: r.FreezeStateKeys = False,
    *, inter_opts: InteractionOptions,
) -> None:
    """item2vec: skip-gram negative sampling over baskets, sessions or user histories."""
    from ..models.item2vec import Item2Vec

    structural = {"vector_size": vector_size}
    refine = r.refinement("item2vec", structural, save_state=save_state, continue_from=continue_from,
                          freeze_existing=freeze_existing, init_vectors=None)
    vector_size = structural["vector_size"]
    model = c.build_model(
        Item2Vec, vector_size=vector_size, window_mode=window_mode, window=window, negative=negative,
        ns_exponent=ns_exponent, sample=sample, min_count=min_count, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
        user_vectors=user_vectors, recency_half_life=recency_half_life, scoring=scoring, threads=threads, seed=seed,
        show_progress=progress,
    )
    fit_and_save(model, data, output, fmt, inter_opts, refine=refine)


def register(train_app: typer.Typer) -> None:
    train_app.command("item2vec", help="item2vec: skip-gram negative sampling over baskets, sessions or histories.")(
        train_item2vec
    )
    train_app.command("popularity", help="Popularity baseline for recommendation.")(train_popularity)
    train_app.command("itemknn", help="Item-kNN recommender (cosine item-item).")(train_itemknn)
    train_app.command("ease", help="EASE recommender (closed-form item-item ridge regression).")(train_ease)
    train_app.command("als", help="ALS recommender for implicit feedback (implicit library).")(train_als)
    train_app.command("bpr", help="BPR recommender (implicit library).")(train_bpr)
