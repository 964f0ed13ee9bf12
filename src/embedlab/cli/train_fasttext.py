"""``embedlab train fasttext``: skip-gram / CBOW over words plus hashed character n-grams."""

from __future__ import annotations

from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "train_fasttext"]


@c.corpus_options
def train_fasttext(
    corpus: c.CorpusPaths,
    output: c.Output,
    architecture: c.ArchitectureOpt = c.Architecture.skipgram,
    vector_size: c.VectorSize = 100,
    window: c.Window = 5,
    negative: Annotated[int, typer.Option(help="Negative samples per target.")] = 5,
    sample: c.Sample = 1e-4,
    min_count: c.MinCount = 5,
    max_vocab_size: c.MaxVocabSize = None,
    epochs: c.Epochs = 5,
    alpha: c.Alpha = 0.05,
    min_alpha: c.MinAlpha = 0.0,
    min_n: Annotated[int, typer.Option(help="Shortest character n-gram.")] = 3,
    max_n: Annotated[int, typer.Option(help="Longest character n-gram (0 = no n-grams).")] = 6,
    bucket: Annotated[int, typer.Option(help="Hash buckets for the n-grams.")] = 2_000_000,
    threads: c.Threads = None,
    seed: c.Seed = None,
    deterministic: c.Deterministic = False,
    force: c.Force = False,
    *,
    opts: c.CorpusOptions,
) -> None:
    """Train fastText-style subword vectors on CORPUS and save them to OUTPUT.

    Save to .npz (or a fastText .bin) to keep the n-gram vectors, so that unseen words get
    vectors after loading; .vec holds the vocabulary's word vectors only.
    """
    from ..models.fasttext import FastText

    model = c.build_model(
        FastText, opts, vector_size=vector_size, architecture=architecture, window=window, negative=negative,
        sample=sample, min_count=min_count, max_vocab_size=max_vocab_size, epochs=epochs, alpha=alpha,
        min_alpha=min_alpha, min_n=min_n, max_n=max_n, bucket=bucket, threads=threads, seed=seed,
        deterministic=deterministic,
    )
    with c.overcommit(force):
        c.train_on_corpus(model, corpus, output, opts)


def register(train_app: typer.Typer) -> None:
    train_app.command(
        "fasttext", help="fastText-style subword vectors: every word, even an unseen one, gets a vector."
    )(train_fasttext)
