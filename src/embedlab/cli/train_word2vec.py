"""``embedlab train word2vec``: skip-gram / CBOW with negative sampling or hierarchical softmax."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import InvalidParameterError
from . import _common as c
from . import _refine as r

__all__ = ["register", "train_word2vec"]


def checkpoint_file(output: Path, checkpoint: Path | None) -> Path:
    """Where checkpoints go: ``--checkpoint`` or ``OUTPUT.ckpt``."""
    return checkpoint if checkpoint is not None else output.with_name(output.name + ".ckpt")


@c.corpus_options
def train_word2vec(
    corpus: c.CorpusPaths,
    output: c.Output,
    architecture: c.ArchitectureOpt = c.Architecture.skipgram,
    vector_size: c.VectorSize = 100,
    window: c.Window = 5,
    negative: Annotated[int, typer.Option(help="Negative samples per target (0 = none).")] = 5,
    hs: Annotated[bool, typer.Option("--hs/--no-hs", help="Hierarchical softmax.")] = False,
    sample: c.Sample = 1e-3,
    min_count: c.MinCount = 5,
    max_vocab_size: c.MaxVocabSize = None,
    epochs: c.Epochs = 5,
    alpha: c.Alpha = 0.025,
    min_alpha: c.MinAlpha = 0.0001,
    threads: c.Threads = None,
    seed: c.Seed = None,
    deterministic: c.Deterministic = False,
    output_dtype: Annotated[
        c.OutputDtype, typer.Option(help="Precision of the negative-sampling output weights: float16 halves "
                                         "their memory (stochastic rounding); the vectors stay float32.")
    ] = c.OutputDtype.float32,
    force: c.Force = False,
    phrases: Annotated[bool, typer.Option("--phrases", help="Detect bigram phrases (new_york) first.")] = False,
    checkpoint_every: Annotated[
        int, typer.Option(help="Write a resumable checkpoint every N epochs (0 = never).")
    ] = 0,
    checkpoint: Annotated[
        Path | None, typer.Option(help="Checkpoint file (default: OUTPUT.ckpt).")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the checkpoint file.")] = False,
    save_state: r.SaveState = None,
    continue_from: r.ContinueFrom = None,
    freeze_existing: r.FreezeExisting = False,
    init_vectors: r.InitVectors = None,
    *,
    opts: c.CorpusOptions,
) -> None:
    """Train word2vec (skip-gram or CBOW) on CORPUS and save the vectors to OUTPUT."""
    from ..models.word2vec import Word2Vec

    ckpt = checkpoint_file(output, checkpoint) if checkpoint_every or resume else None
    structural = {"vector_size": vector_size, "architecture": architecture, "hs": hs, "phrases": phrases}
    refine = r.refinement("word2vec", structural, save_state=save_state, continue_from=continue_from,
                          freeze_existing=freeze_existing, init_vectors=init_vectors)
    if resume and refine.replaces_fit:
        raise InvalidParameterError("--resume continues an interrupted run from its checkpoint; it excludes "
                                      "--continue-from and --init-vectors")
    model = c.build_model(
        Word2Vec, opts, **structural, window=window, negative=negative,
        sample=sample, min_count=min_count, max_vocab_size=max_vocab_size, epochs=epochs, alpha=alpha,
        min_alpha=min_alpha, threads=threads, seed=seed, deterministic=deterministic, output_dtype=output_dtype,
        checkpoint_every=checkpoint_every,
        checkpoint_path=None if ckpt is None else str(ckpt),
    )
    with c.overcommit(force):
        c.train_on_corpus(model, corpus, output, opts, resume_from=ckpt if resume else None, checkpoint_path=ckpt,
                          refine=refine)


def register(train_app: typer.Typer) -> None:
    train_app.command("word2vec", help="Word2vec: skip-gram or CBOW, negative sampling or hierarchical softmax.")(
        train_word2vec
    )
