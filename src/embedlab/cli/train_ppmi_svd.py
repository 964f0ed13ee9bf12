"""``embedlab train ppmi-svd``: truncated SVD of a shifted PPMI matrix (Levy et al. 2015)."""

from __future__ import annotations

from enum import Enum
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


@c.corpus_options
def train_ppmi_svd(
    corpus: c.CorpusPaths,
    output: c.Output,
    vector_size: Annotated[int, typer.Option("--vector-size", "-d", help="SVD dimension.")] = 100,
    window: Annotated[int, typer.Option(help="Context words on each side.")] = 5,
    dynamic_window: Annotated[
        bool, typer.Option("--dynamic-window/--no-dynamic-window", help="Weight contexts (w-d+1)/w like word2vec.")
    ] = True,
    sample: c.Sample = 1e-5,
    cds: Annotated[float, typer.Option(help="Context-distribution smoothing exponent.")] = 0.75,
    neg: Annotated[float, typer.Option(help="Shift: subtract log(neg) from PMI.")] = 1.0,
    eig: Annotated[float, typer.Option(help="Eigenvalue weighting: vectors U * S**eig.")] = 0.5,
    vectors: Annotated[SvdOutput, typer.Option("--vectors", help="Output W or W+C.")] = SvdOutput.W,
    svd: Annotated[SvdSolver, typer.Option(help="SVD solver.")] = SvdSolver.randomized,
    min_count: c.MinCount = 5,
    max_vocab_size: c.MaxVocabSize = None,
    memory_mb: c.MemoryMb = 1024.0,
    seed: c.SeedOnly = None,
    deterministic: c.NoDeterministic = False,
    *,
    opts: c.CorpusOptions,
) -> None:
    """Train PPMI-SVD word vectors on CORPUS and save them to OUTPUT."""
    if deterministic:
        c.refuse_deterministic(
            "ppmi-svd", "its SVD runs in multi-threaded BLAS, whose sums depend on the thread count"
        )
    from ..models.ppmi_svd import PPMISVD

    model = c.build_model(
        PPMISVD, opts, vector_size=vector_size, window=window, dynamic_window=dynamic_window, sample=sample,
        cds=cds, neg=neg, eig=eig, output=vectors, svd=svd, min_count=min_count, max_vocab_size=max_vocab_size,
        memory_mb=memory_mb, seed=seed,
    )
    c.train_on_corpus(model, corpus, output, opts)


def register(train_app: typer.Typer) -> None:
    train_app.command("ppmi-svd", help="PPMI-SVD: SVD of shifted positive PMI counts (Levy et al. 2015).")(
        train_ppmi_svd
    )
