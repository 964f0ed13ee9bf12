"""``embedlab train glove``: GloVe with memory-bounded co-occurrence counting and AdaGrad."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "train_glove"]


class GloveOutput(str, Enum):
    W = "W"
    WC = "W+C"
    concat = "concat"


def train_glove(
    corpus: Annotated[
        list[Path], typer.Argument(help="Text files or folders, one sentence per line (.gz/.bz2 fine).")
    ],
    output: c.Output,
    vector_size: Annotated[int, typer.Option("--vector-size", "-d", help="Dimension of the vectors.")] = 100,
    window: Annotated[int, typer.Option(help="Context words on each side (weighted 1/distance).")] = 10,
    symmetric: Annotated[bool, typer.Option("--symmetric/--left-only", help="Count both sides or only the left.")] = True,
    min_count: Annotated[int, typer.Option(help="Ignore words rarer than this.")] = 5,
    max_vocab_size: Annotated[int | None, typer.Option(help="Keep at most this many words.")] = None,
    x_max: Annotated[float, typer.Option(help="Cut-off of the weighting function f(x).")] = 10.0,
    alpha: Annotated[float, typer.Option(help="Exponent of the weighting function f(x).")] = 0.75,
    learning_rate: Annotated[float, typer.Option("--learning-rate", "--eta", help="AdaGrad initial step.")] = 0.1,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Passes over the co-occurrence nonzeros.")] = 15,
    vectors: Annotated[
        GloveOutput, typer.Option("--vectors", help="Output W, W+C (word + context) or concat.")
    ] = GloveOutput.WC,
    memory_mb: Annotated[float, typer.Option(help="Memory for counting (MB); beyond it runs spill to disk.")] = 1024.0,
    threads: c.Threads = None,
    seed: c.Seed = None,
    fmt: c.Format = None,
    encoding: c.Encoding = "utf-8",
    errors: c.ErrorsOpt = c.Errors.strict,
    lowercase: c.Lowercase = True,
    tokenizer: c.TokenizerOpt = c.Tokenizer.unicode,
    progress: c.Progress = True,
) -> None:
    """Train GloVe on CORPUS and save the vectors to OUTPUT."""
    from ..models.glove import Glove

    model = Glove(
        vector_size=vector_size, window=window, symmetric=symmetric, min_count=min_count,
        max_vocab_size=max_vocab_size, x_max=x_max, alpha=alpha, learning_rate=learning_rate, epochs=epochs,
        output=vectors.value, memory_mb=memory_mb, lowercase=lowercase, n_threads=threads, random_state=seed,
        show_progress=progress,
    )
    c.train_and_save(
        model,
        lambda: c.make_corpus(corpus, encoding=encoding, errors=errors, lowercase=lowercase, tokenizer=tokenizer),
        output,
        fmt,
    )


def register(train_app: typer.Typer) -> None:
    train_app.command("glove", help="GloVe: global co-occurrence counts (memory-bounded) and AdaGrad.")(train_glove)
