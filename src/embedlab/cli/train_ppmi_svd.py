"""``embedlab train ppmi-svd``: truncated SVD of a shifted PPMI matrix (Levy et al. 2015)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "train_ppmi_svd"]


class SvdOutput(str, Enum):
    W = "W"
    WC = "W+C"


class SvdSolver(str, Enum):
    randomized = "randomized"
    arpack = "arpack"


def train_ppmi_svd(
    corpus: Annotated[
        list[Path], typer.Argument(help="Text files or folders, one sentence per line (.gz/.bz2 fine).")
    ],
    output: c.Output,
    vector_size: Annotated[int, typer.Option("--vector-size", "-d", help="SVD dimension.")] = 100,
    window: Annotated[int, typer.Option(help="Context words on each side.")] = 5,
    dynamic_window: Annotated[
        bool, typer.Option("--dynamic-window/--no-dynamic-window", help="Weight contexts (w-d+1)/w like word2vec.")
    ] = True,
    sample: Annotated[float, typer.Option(help="Subsampling threshold of frequent words (0 = off).")] = 1e-5,
    cds: Annotated[float, typer.Option(help="Context-distribution smoothing exponent.")] = 0.75,
    neg: Annotated[float, typer.Option(help="Shift: subtract log(neg) from PMI.")] = 1.0,
    eig: Annotated[float, typer.Option(help="Eigenvalue weighting: vectors U * S**eig.")] = 0.5,
    vectors: Annotated[SvdOutput, typer.Option("--vectors", help="Output W or W+C.")] = SvdOutput.W,
    svd: Annotated[SvdSolver, typer.Option(help="SVD solver.")] = SvdSolver.randomized,
    min_count: Annotated[int, typer.Option(help="Ignore words rarer than this.")] = 5,
    max_vocab_size: Annotated[int | None, typer.Option(help="Keep at most this many words.")] = None,
    memory_mb: Annotated[float, typer.Option(help="Memory for counting (MB); beyond it runs spill to disk.")] = 1024.0,
    seed: c.Seed = None,
    fmt: c.Format = None,
    encoding: c.Encoding = "utf-8",
    errors: c.ErrorsOpt = c.Errors.strict,
    lowercase: c.Lowercase = True,
    tokenizer: c.TokenizerOpt = c.Tokenizer.unicode,
    progress: c.Progress = True,
) -> None:
    """Train PPMI-SVD word vectors on CORPUS and save them to OUTPUT."""
    from ..models.ppmi_svd import PPMISVD

    model = PPMISVD(
        vector_size=vector_size, window=window, dynamic_window=dynamic_window, sample=sample, cds=cds, neg=neg,
        eig=eig, output=vectors.value, svd=svd.value, min_count=min_count, max_vocab_size=max_vocab_size,
        memory_mb=memory_mb, lowercase=lowercase, random_state=seed, show_progress=progress,
    )
    c.train_and_save(
        model,
        lambda: c.make_corpus(corpus, encoding=encoding, errors=errors, lowercase=lowercase, tokenizer=tokenizer),
        output,
        fmt,
    )


def register(train_app: typer.Typer) -> None:
    train_app.command("ppmi-svd", help="PPMI-SVD: SVD of shifted positive PMI counts (Levy et al. 2015).")(
        train_ppmi_svd
    )
