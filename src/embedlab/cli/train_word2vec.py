"""``embedlab train word2vec``: skip-gram / CBOW with negative sampling or hierarchical softmax."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "train_word2vec"]


def checkpoint_file(output: Path, checkpoint: Path | None) -> Path:
    """Where checkpoints go: ``--checkpoint`` or ``OUTPUT.ckpt``."""
    return checkpoint if checkpoint is not None else output.with_name(output.name + ".ckpt")


def train_word2vec(
    corpus: c.CorpusPaths,
    output: c.Output,
    architecture: c.ArchitectureOpt = c.Architecture.skipgram,
    vector_size: Annotated[int, typer.Option("--vector-size", "-d", help="Dimension of the vectors.")] = 100,
    window: Annotated[int, typer.Option(help="Maximum context window (each side).")] = 5,
    negative: Annotated[int, typer.Option(help="Negative samples per target (0 = none).")] = 5,
    hs: Annotated[bool, typer.Option("--hs/--no-hs", help="Hierarchical softmax.")] = False,
    sample: Annotated[float, typer.Option(help="Subsampling threshold of frequent words (0 = off).")] = 1e-3,
    min_count: Annotated[int, typer.Option(help="Ignore words rarer than this.")] = 5,
    max_vocab_size: Annotated[int | None, typer.Option(help="Keep at most this many words.")] = None,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Passes over the corpus.")] = 5,
    alpha: Annotated[float, typer.Option(help="Initial learning rate.")] = 0.025,
    min_alpha: Annotated[float, typer.Option(help="Final learning rate (linear decay).")] = 0.0001,
    threads: c.Threads = None,
    seed: c.Seed = None,
    phrases: Annotated[bool, typer.Option("--phrases", help="Detect bigram phrases (new_york) first.")] = False,
    checkpoint_every: Annotated[
        int, typer.Option(help="Write a resumable checkpoint every N epochs (0 = never).")
    ] = 0,
    checkpoint: Annotated[
        Path | None, typer.Option(help="Checkpoint file (default: OUTPUT.ckpt).")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the checkpoint file.")] = False,
    fmt: c.Format = None,
    encoding: c.Encoding = "utf-8",
    errors: c.ErrorsOpt = c.Errors.strict,
    lowercase: c.Lowercase = True,
    tokenizer: c.TokenizerOpt = c.Tokenizer.unicode,
    progress: c.Progress = True,
) -> None:
    """Train word2vec (skip-gram or CBOW) on CORPUS and save the vectors to OUTPUT."""
    from ..models.word2vec import Word2Vec

    ckpt = checkpoint_file(output, checkpoint)
    model = Word2Vec(
        vector_size=vector_size,
        architecture=architecture.value,
        window=window,
        negative=negative,
        hs=hs,
        sample=sample,
        min_count=min_count,
        max_vocab_size=max_vocab_size,
        epochs=epochs,
        alpha=alpha,
        min_alpha=min_alpha,
        n_threads=threads,
        random_state=seed,
        phrases=phrases,
        lowercase=lowercase,
        show_progress=progress,
        checkpoint_every=checkpoint_every,
        checkpoint_path=str(ckpt) if checkpoint_every or resume else None,
    )
    c.train_and_save(
        model,
        lambda: c.make_corpus(corpus, encoding=encoding, errors=errors, lowercase=lowercase, tokenizer=tokenizer),
        output,
        fmt,
        resume_from=ckpt if resume else None,
        checkpoint_path=ckpt if checkpoint_every or resume else None,
    )


def register(train_app: typer.Typer) -> None:
    train_app.command("word2vec", help="Word2vec: skip-gram or CBOW, negative sampling or hierarchical softmax.")(
        train_word2vec
    )
