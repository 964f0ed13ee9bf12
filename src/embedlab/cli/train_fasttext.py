"""``embedlab train fasttext``: skip-gram / CBOW over words plus hashed character n-grams."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "train_fasttext"]


class Architecture(str, Enum):
    skipgram = "skipgram"
    cbow = "cbow"


def train_fasttext(
    corpus: Annotated[
        list[Path], typer.Argument(help="Text files or folders, one sentence per line (.gz/.bz2 fine).")
    ],
    output: c.Output,
    architecture: Annotated[
        Architecture, typer.Option("--architecture", "-a", help="skipgram or cbow.")
    ] = Architecture.skipgram,
    vector_size: Annotated[int, typer.Option("--vector-size", "-d", help="Dimension of the vectors.")] = 100,
    window: Annotated[int, typer.Option(help="Maximum context window (each side).")] = 5,
    negative: Annotated[int, typer.Option(help="Negative samples per target.")] = 5,
    sample: Annotated[float, typer.Option(help="Subsampling threshold of frequent words (0 = off).")] = 1e-4,
    min_count: Annotated[int, typer.Option(help="Ignore words rarer than this.")] = 5,
    max_vocab_size: Annotated[int | None, typer.Option(help="Keep at most this many words.")] = None,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Passes over the corpus.")] = 5,
    alpha: Annotated[float, typer.Option(help="Initial learning rate.")] = 0.05,
    min_alpha: Annotated[float, typer.Option(help="Final learning rate (linear decay).")] = 0.0,
    min_n: Annotated[int, typer.Option(help="Shortest character n-gram.")] = 3,
    max_n: Annotated[int, typer.Option(help="Longest character n-gram (0 = no n-grams).")] = 6,
    bucket: Annotated[int, typer.Option(help="Hash buckets for the n-grams.")] = 2_000_000,
    threads: c.Threads = None,
    seed: c.Seed = None,
    fmt: c.Format = None,
    encoding: c.Encoding = "utf-8",
    errors: c.ErrorsOpt = c.Errors.strict,
    lowercase: c.Lowercase = True,
    tokenizer: c.TokenizerOpt = c.Tokenizer.unicode,
    progress: c.Progress = True,
) -> None:
    """Train fastText-style subword vectors on CORPUS and save them to OUTPUT.

    Save to .npz (or a fastText .bin) to keep the n-gram vectors, so that unseen words get
    vectors after loading; .vec holds the vocabulary's word vectors only.
    """
    from ..models.fasttext import FastText

    model = FastText(
        vector_size=vector_size,
        architecture=architecture.value,
        window=window,
        negative=negative,
        sample=sample,
        min_count=min_count,
        max_vocab_size=max_vocab_size,
        epochs=epochs,
        alpha=alpha,
        min_alpha=min_alpha,
        min_n=min_n,
        max_n=max_n,
        bucket=bucket,
        n_threads=threads,
        random_state=seed,
        lowercase=lowercase,
        show_progress=progress,
    )
    c.train_and_save(
        model,
        lambda: c.make_corpus(corpus, encoding=encoding, errors=errors, lowercase=lowercase, tokenizer=tokenizer),
        output,
        fmt,
    )


def register(train_app: typer.Typer) -> None:
    train_app.command(
        "fasttext", help="fastText-style subword vectors: every word, even an unseen one, gets a vector."
    )(train_fasttext)
