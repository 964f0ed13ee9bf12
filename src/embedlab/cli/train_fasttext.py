"""``embedlab train fasttext``: skip-gram / CBOW over words plus hashed character n-grams."""

from __future__ import annotations

from typing import Annotated

import typer

from . import _common as c
from . import _refine as r

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
    save_state: r.SaveState = None,
    continue_from: r.ContinueFrom = None,
    freeze_existing: r.FreezeExisting = False,
    init_vectors: r.InitVectors = None,
    *,
    opts: c.CorpusOptions,
) -> None:
    """Train fastText-style subword vectors on CORPUS and save them to OUTPUT.

    Save to .npz (or a fastText .bin) to keep the n-gram vectors, so that unseen words get
    vectors after loading; .vec holds the vocabulary's word vectors only.
    """
    from ..models.fasttext import FastText

    structural = {"vector_size": vector_size, "architecture": architecture, "min_n": min_n, "max_n": max_n,
                  "bucket": bucket}
    refine = r.refinement("fasttext", structural, save_state=save_state, continue_from=continue_from,
                          freeze_existing=freeze_existing, init_vectors=init_vectors)
    model = c.build_model(
        FastText, opts, **structural, window=window, negative=negative,
        sample=sample, min_count=min_count, max_vocab_size=max_vocab_size, epochs=epochs, alpha=alpha,
        min_alpha=min_alpha, threads=threads, seed=seed, deterministic=deterministic,
    )
    with c.overcommit(force):
        c.train_on_corpus(model, corpus, output, opts, refine=refine)


def register(train_app: typer.Typer) -> None:
    train_app.command(
        "fasttext", help="fastText-style subword vectors: every word, even an unseen one, gets a vector."
    )(train_fasttext)
