"""``embedlab train supervised``: a fastText-style text classifier; ``embedlab train entity``:
entity embeddings of a table's categorical columns."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import InputFileError, InvalidParameterError, TrainingError
from . import _common as c

__all__ = ["register", "train_supervised", "train_entity"]


class Loss(str, Enum):
    softmax = "softmax"
    hs = "hs"
    ova = "ova"


# estimator parameter -> this command's flag (fastText's names)
SUPERVISED_FLAGS = {
    "alpha": "--lr", "min_alpha": "--min-lr", "min_n": "--minn", "max_n": "--maxn", "n_threads": "--threads",
    "random_state": "--seed", "vector_size": "--vector-size", "word_ngrams": "--word-ngrams",
    "min_count": "--min-count", "init_vectors": "--init-vectors",
}


@contextlib.contextmanager
def flag_names(flags: dict[str, str]) -> Iterator[None]:
    """Add the CLI flag to ``parameter 'x'`` messages: ``parameter 'alpha' (--lr)``."""
    try:
        yield
    except InvalidParameterError as exc:
        message = str(exc)
        match = re.search(r"parameter '(\w+)'", message)
        if match is None:
            for param, flag in flags.items():  # relation errors: "min_n=4 is larger than max_n=3"
                message = re.sub(rf"\b{param}=", f"{flag}=", message)
            if message == str(exc):
                raise
            raise InvalidParameterError(message) from None
        option = flags.get(match[1], "--" + match[1].replace("_", "-"))
        raise InvalidParameterError(message.replace(match[0], f"{match[0]} ({option})", 1)) from None


def train_supervised(
    train: Annotated[Path, typer.Argument(help="Labelled texts: fastText '__label__X text' lines, or CSV/TSV/JSONL with text and label columns.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (.npz).")],
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Passes over the data (fastText -epoch).")] = 5,
    lr: Annotated[float, typer.Option("--lr", help="Initial learning rate, falling linearly to 0.")] = 0.1,
    word_ngrams: Annotated[int, typer.Option("--word-ngrams", help="Longest word n-gram (1 = words only; 2 adds bigrams).")] = 1,
    min_count: Annotated[int, typer.Option("--min-count", help="Ignore words rarer than this.")] = 1,
    minn: Annotated[int, typer.Option("--minn", help="Shortest character n-gram.")] = 3,
    maxn: Annotated[int, typer.Option("--maxn", help="Longest character n-gram (0 = none).")] = 0,
    bucket: Annotated[int, typer.Option("--bucket", help="Hash buckets for word and character n-grams.")] = 2_000_000,
    loss: Annotated[Loss, typer.Option("--loss", help="softmax, hs (hierarchical softmax) or ova (one-vs-all, multi-label).")] = Loss.softmax,
    vector_size: Annotated[int, typer.Option("--vector-size", "-d", help="Dimension of the embedding layer (fastText -dim).")] = 100,
    init_vectors: Annotated[str | None, typer.Option("--init-vectors", help="Pre-trained vectors (a file or a name such as glove-6b-50d) to start from.")] = None,
    lowercase: Annotated[bool, typer.Option("--lowercase/--no-lowercase", help="Lowercase the texts (fastText does not).")] = False,
    vectors: Annotated[Path | None, typer.Option("--vectors", help="Also save the learned word vectors (the embedding layer) here, in the format of its suffix (.npz, .vec, .bin ...).")] = None,
    text_column: Annotated[str | None, typer.Option(help="Text column of a CSV/TSV/JSONL (default: detected).")] = None,
    label_column: Annotated[str | None, typer.Option(help="Label column of a CSV/TSV/JSONL (default: detected).")] = None,
    threads: c.Threads = None,
    seed: c.Seed = None,
    progress: c.Progress = True,
) -> None:
    """Train a text classifier on TRAIN and save it to OUTPUT (fastText's `supervised`).

    Then `embedlab test OUTPUT TEST` scores it and `embedlab predict OUTPUT FILE` labels texts.
    """
    from ..corpus.labelled import read_labelled
    from ..models.supervised import SupervisedClassifier

    model = SupervisedClassifier(
        vector_size=vector_size, epochs=epochs, alpha=lr, word_ngrams=word_ngrams, min_count=min_count,
        min_n=minn, max_n=maxn, bucket=bucket, loss=loss.value, init_vectors=init_vectors, lowercase=lowercase,
        n_threads=threads, random_state=seed, show_progress=progress,
    )
    with flag_names(SUPERVISED_FLAGS):
        model._validate_params()
    c.check_output_path(output)
    vectors_fmt = None
    if vectors is not None:
        c.check_output_path(vectors)
        vectors_fmt = c.resolve_format(vectors, None, "--vectors")
    if not train.exists():
        raise InputFileError(f"{train}: no such file or folder")
    data = read_labelled(train, text_column=text_column, label_column=label_column)
    start = time.perf_counter()
    try:
        with flag_names(SUPERVISED_FLAGS):
            model.fit(data)
    except TrainingError as exc:  # divergence: name this command's flag for the learning rate
        raise TrainingError(str(exc).replace("CLI: --alpha", "CLI: --lr")) from None
    elapsed = time.perf_counter() - start
    if model.interrupted_:
        raise c.fail(f"interrupted; nothing written to {output}", c.EXIT_INTERRUPTED)
    model.save(output)
    if vectors is not None:
        c.write_vectors(model.vectors_, vectors, vectors_fmt)
    _summary(model, output, elapsed, vectors)


def _summary(model: Any, output: Path, elapsed: float, vectors: Path | None = None) -> None:
    from rich.table import Table

    meta = model.vectors_.metadata
    corpus = meta["corpus"]
    table = Table(title="SupervisedClassifier trained", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("labels", f"{len(model.classes_):,} ({', '.join(model.classes_[:5])}{', ...' if len(model.classes_) > 5 else ''})")
    table.add_row("texts", f"{corpus['texts']:,} ({corpus['tokens']:,} tokens)")
    table.add_row("vocabulary", f"{corpus['vocabulary']:,} words + {corpus['bucket_rows']:,} n-gram rows, dim {model.vector_size}")
    table.add_row("time", f"{elapsed:.1f} s")
    speed = c.speed_text(model, elapsed)
    if speed:
        table.add_row("speed", speed)
    if model.loss_history_:
        table.add_row("final loss", f"{model.loss_history_[-1]:.4f}")
    table.add_row("saved", str(output))
    if vectors is not None:
        table.add_row("vectors", str(vectors))
    c.console().print(table)


def train_entity(
    table: Annotated[Path, typer.Argument(help="Table: CSV, TSV, Parquet or JSONL.")],
    target: Annotated[str, typer.Option("--target", help="Column to predict.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder: one vectors file per categorical column, model.json, metrics.json.")],
    categorical: Annotated[str | None, typer.Option("--categorical", help="Comma-separated categorical columns (default: text and category columns).")] = None,
    numeric: Annotated[str | None, typer.Option("--numeric", help="Comma-separated numeric columns (default: the other numeric columns; 'none' for none).")] = None,
    task: Annotated[str, typer.Option("--task", help="regression, classification or auto (from the target).")] = "auto",
    embedding_sizes: Annotated[str | None, typer.Option("--embedding-sizes", help="COL=DIM,... overriding min(50, (cardinality+1)//2).")] = None,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Most passes over the training rows.")] = 30,
    patience: Annotated[int, typer.Option(help="Stop after this many epochs without a better validation loss.")] = 3,
    lr: Annotated[float, typer.Option("--lr", help="Adam learning rate.")] = 1e-3,
    batch_size: Annotated[int, typer.Option(help="Rows per gradient step.")] = 512,
    hidden: Annotated[str, typer.Option(help="Hidden layer sizes, comma-separated.")] = "128,64",
    validation_fraction: Annotated[float, typer.Option(help="Share of rows held out for early stopping.")] = 0.2,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Vectors format of each column's file.")] = "npz",
    threads: c.Threads = None,
    seed: c.Seed = None,
    progress: c.Progress = True,
) -> None:
    """Learn one embedding per category of each categorical column of TABLE by predicting TARGET."""
    from ..models.entity import EntityEmbedder, read_table

    sizes: dict[str, int] = {}
    for item in (embedding_sizes or "").split(","):
        if not item.strip():
            continue
        col, sep, dim = item.partition("=")
        if not sep or not dim.strip().isdigit():
            raise InvalidParameterError(f"--embedding-sizes: '{item}' must look like COLUMN=DIM, e.g. carrier=8")
        sizes[col.strip()] = int(dim)
    try:
        hidden_sizes = tuple(int(h) for h in hidden.split(",") if h.strip())
    except ValueError:
        raise InvalidParameterError(f"--hidden: '{hidden}' must be comma-separated integers, e.g. 128,64") from None
    model = EntityEmbedder(
        target=target,
        categorical=None if categorical is None else [s.strip() for s in categorical.split(",") if s.strip()],
        numeric=None if numeric is None else ([] if numeric.strip().lower() == "none"
                                              else [s.strip() for s in numeric.split(",") if s.strip()]),
        task=task, embedding_sizes=sizes or None, epochs=epochs, patience=patience, lr=lr, batch_size=batch_size,
        hidden=hidden_sizes, validation_fraction=validation_fraction, n_threads=threads, random_state=seed,
        show_progress=progress,
    )
    with flag_names({"lr": "--lr", "n_threads": "--threads", "random_state": "--seed",
                     "embedding_sizes": "--embedding-sizes"}):
        model._validate_params()
    if output.exists() and not output.is_dir():
        raise InputFileError(f"{output}: exists and is not a folder; -o takes an output folder")
    if not output.parent.is_dir():
        raise InputFileError(f"{output.parent}: output folder does not exist; create it first")
    c.resolve_format(output / f"x.{fmt}", fmt)
    frame = read_table(table)
    start = time.perf_counter()
    model.fit(frame)
    if model.interrupted_:
        raise c.fail(f"interrupted; nothing written to {output}", c.EXIT_INTERRUPTED)
    files = model.save(output, fmt=fmt)
    elapsed = time.perf_counter() - start
    out = c.console()
    better = "lower" if model.metric_name_ == "rmse" else "higher"
    baseline = "training mean" if model.metric_name_ == "rmse" else "majority class"
    out.print(f"EntityEmbedder trained in {elapsed:.1f} s ({model.epochs_run_} epochs, best validation "
              f"{model.metric_name_} {model.best_score_:.4f}; {baseline} baseline {model.baseline_score_:.4f}, "
              f"{better} is better)", soft_wrap=True)
    out.print(f"features: {', '.join(model.categorical_)} (embedded)"
              + (f"; {', '.join(model.numeric_)} (numeric)" if model.numeric_ else ""), soft_wrap=True)
    for col, how in model.leaky_columns_.items():
        out.print(f"warning: '{col}' nearly determines '{model.target}' ({how}); if it is not known when you "
                  f"predict, leave it out with --categorical/--numeric", soft_wrap=True)
    for col, path in files.items():
        out.print(f"{col}: {path}", soft_wrap=True)


def register(train_app: typer.Typer) -> None:
    train_app.command(
        "supervised", help="fastText-style text classifier (softmax / hs / one-vs-all) with an exportable embedding layer."
    )(train_supervised)
    train_app.command(
        "entity", help="Entity embeddings of a table's categorical columns, learned by predicting a target (PyTorch)."
    )(train_entity)
