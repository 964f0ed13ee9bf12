"""``embedlab train glove``: GloVe with memory-bounded co-occurrence counting and AdaGrad."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "train_glove"]


class GloveOutput(str, Enum):
    W = "W"
    WC = "W+C"
    concat = "concat"


@c.corpus_options
def train_glove(
    corpus: c.CorpusPaths,
    output: c.Output,
    vector_size: c.VectorSize = 100,
    window: Annotated[int, typer.Option(help="Context words on each side (weighted 1/distance).")] = 10,
    symmetric: Annotated[bool, typer.Option("--symmetric/--left-only", help="Count both sides or only the left.")] = True,
    min_count: c.MinCount = 5,
    max_vocab_size: c.MaxVocabSize = None,
    x_max: Annotated[float, typer.Option(help="Cut-off of the weighting function f(x).")] = 10.0,
    alpha: Annotated[float, typer.Option(help="Exponent of the weighting function f(x).")] = 0.75,
    learning_rate: Annotated[float, typer.Option("--learning-rate", "--eta", help="AdaGrad initial step.")] = 0.1,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Passes over the co-occurrence nonzeros.")] = 15,
    vectors: Annotated[
        GloveOutput, typer.Option("--vectors", help="Output W, W+C (word + context) or concat.")
    ] = GloveOutput.WC,
    memory_mb: c.MemoryMb = 1024.0,
    threads: c.Threads = None,
    seed: c.Seed = None,
    deterministic: c.Deterministic = False,
    force: c.Force = False,
    *,
    opts: c.CorpusOptions,
) -> None:
    """Train GloVe on CORPUS and save the vectors to OUTPUT."""
    from ..models.glove import Glove

    model = c.build_model(
        Glove, opts, vector_size=vector_size, window=window, symmetric=symmetric, min_count=min_count,
        max_vocab_size=max_vocab_size, x_max=x_max, alpha=alpha, learning_rate=learning_rate, epochs=epochs,
        output=vectors, memory_mb=memory_mb, threads=threads, seed=seed, deterministic=deterministic,
    )
    with c.overcommit(force):
        c.train_on_corpus(model, corpus, output, opts)


def register(train_app: typer.Typer) -> None:
    train_app.command("glove", help="GloVe: global co-occurrence counts (memory-bounded) and AdaGrad.")(train_glove)
