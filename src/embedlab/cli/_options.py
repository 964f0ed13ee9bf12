"""Option types shared by the commands (``Threads``, ``Seed``, ``Output`` ...) and their choices."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


class Architecture(str, Enum):
    skipgram = "skipgram"
    cbow = "cbow"


class OutputDtype(str, Enum):
    float32 = "float32"
    float16 = "float16"


class Errors(str, Enum):
    strict = "strict"
    replace = "replace"


class Tokenizer(str, Enum):
    unicode = "unicode"
    whitespace = "whitespace"


# ---------------------------------------------------------------- reusable option types
CorpusPaths = Annotated[
    list[Path], typer.Argument(help="Text files or folders, one sentence per line (.gz/.bz2 fine).")
]
ArchitectureOpt = Annotated[Architecture, typer.Option("--architecture", "-a", help="skipgram or cbow.")]
Output = Annotated[Path, typer.Option("--output", "-o", help="Output vectors file (.npz, .vec/.txt, .bin).")]
_FORMAT_HELP = "npz, word2vec (text), word2vec-binary or another registered format; default: from the suffix"
Format = Annotated[str | None, typer.Option("--format", "-f", help=f"Output format: {_FORMAT_HELP}.")]
FromFormat = Annotated[str | None, typer.Option("--from", help=f"Input format: {_FORMAT_HELP}.")]
ToFormat = Annotated[str | None, typer.Option("--to", help=f"Output format: {_FORMAT_HELP}.")]
def cpu_cores() -> int:
    """CPU cores this process may use (its affinity mask, e.g. under taskset or a container)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _check_threads(value: int | None) -> int | None:
    """``--threads``: more threads than cores is allowed but said (training never uses more)."""
    if value is not None and value > cpu_cores():
        from .._progress import logger

        cores = cpu_cores()
        logger.warning("--threads %d: this machine has %d CPU core(s); more threads than cores give no "
                       "speed-up (use --threads %d or leave it out)", value, cores, cores)
    return value


Threads = Annotated[
    int | None,
    typer.Option("--threads", "-t", help="Worker threads (default: all cores).", callback=_check_threads),
]
Seed = Annotated[
    int | None, typer.Option("--seed", help="Random seed; with --threads 1 results are identical.")
]
# for methods without --threads (one code path, so a seed alone makes runs identical)
SeedOnly = Annotated[
    int | None, typer.Option("--seed", help="Random seed; the same seed gives identical results.")
]
Encoding = Annotated[str, typer.Option("--encoding", help="Text encoding of the corpus files.")]
ErrorsOpt = Annotated[
    Errors, typer.Option("--errors", help="What to do with undecodable bytes: strict (stop) or replace.")
]
Lowercase = Annotated[bool, typer.Option("--lowercase/--no-lowercase", help="Lowercase tokens.")]
TokenizerOpt = Annotated[
    Tokenizer,
    typer.Option("--tokenizer", help="unicode (words and numbers) or whitespace (pre-tokenized text)."),
]
DropNonfinite = Annotated[
    bool,
    typer.Option("--drop-nonfinite", help="Drop vectors holding NaN or inf (with a warning) instead of refusing the file."),
]
Progress = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on a terminal.")]
# hyperparameter options shared by several train methods (each method gives its own default)
VectorSize = Annotated[int, typer.Option("--vector-size", "-d", help="Dimension of the vectors.")]
Window = Annotated[int, typer.Option(help="Maximum context window (each side).")]
Sample = Annotated[float, typer.Option(help="Subsampling threshold of frequent words (0 = off).")]
MinCount = Annotated[int, typer.Option(help="Ignore words rarer than this.")]
MaxVocabSize = Annotated[int | None, typer.Option(help="Keep at most this many words.")]
Epochs = Annotated[int, typer.Option("--epochs", "-e", help="Passes over the corpus.")]
Alpha = Annotated[float, typer.Option(help="Initial learning rate.")]
MinAlpha = Annotated[float, typer.Option(help="Final learning rate (linear decay).")]
Deterministic = Annotated[
    bool,
    typer.Option("--deterministic", help="Bit-identical vectors for a --seed on any number of --threads "
                 "(fixed shards, mini-batches merged in a fixed order; a little slower)."),
]
NoDeterministic = Annotated[
    bool,
    typer.Option("--deterministic", help="Not available for this method (multi-threaded BLAS sums depend on the "
                 "thread count): refused with a one-line error that names the methods that have it."),
]
Force = Annotated[
    bool,
    typer.Option("--force", help="Train even when the memory planner predicts it will not fit "
                 "(see `embedlab plan`)."),
]
MemoryMb = Annotated[float, typer.Option(help="Memory for counting (MB); beyond it runs spill to disk.")]
