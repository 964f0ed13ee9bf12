"""Options and steps shared by the CLI commands: paths, formats, corpus options, training, output.

Train commands of every method use :func:`train_and_save`, so validation before reading data,
Ctrl-C handling, atomic output and the summary behave the same everywhere.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..exceptions import InputFileError, InvalidParameterError

if TYPE_CHECKING:
    from rich.console import Console

    from ..base import BaseEmbedder
    from ..vectors import KeyedVectors

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "fail",
    "one_line",
    "Architecture",
    "CorpusPaths",
    "Encoding",
    "Errors",
    "Tokenizer",
    "console",
    "check_output_path",
    "resolve_format",
    "read_vectors",
    "write_vectors",
    "make_corpus",
    "CorpusOptions",
    "corpus_options",
    "build_model",
    "train_on_corpus",
    "train_and_save",
]


class Architecture(str, Enum):
    skipgram = "skipgram"
    cbow = "cbow"


class Errors(str, Enum):
    strict = "strict"
    replace = "replace"


class Tokenizer(str, Enum):
    unicode = "unicode"
    whitespace = "whitespace"


EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def one_line(message: str) -> str:
    """Collapse whitespace so that an error message is exactly one line."""
    return " ".join(message.split()) if message else ""


def fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    """Print ``error: message`` on stderr and return the :class:`typer.Exit` to raise."""
    typer.echo(f"error: {one_line(message)}", err=True)
    return typer.Exit(code)


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
Threads = Annotated[
    int | None, typer.Option("--threads", "-t", help="Worker threads (default: all cores).")
]
Seed = Annotated[
    int | None, typer.Option("--seed", help="Random seed; with --threads 1 results are identical.")
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
Force = Annotated[
    bool,
    typer.Option("--force", help="Train even when the memory planner predicts it will not fit "
                 "(see `embedlab plan`)."),
]
MemoryMb = Annotated[float, typer.Option(help="Memory for counting (MB); beyond it runs spill to disk.")]


def console(stderr: bool = False) -> Console:
    """A rich console bound to the current stdout/stderr (created per call, for test runners)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


# ---------------------------------------------------------------- paths and formats
def check_input_path(path: Path) -> Path:
    if not path.exists():
        raise InputFileError(f"{path}: no such file or directory")
    return path


def check_output_path(path: Path) -> Path:
    """Fail early (before any work) when ``path`` cannot be written."""
    if path.is_dir():
        raise InputFileError(f"{path}: output is a directory; give a file name such as {path / 'vectors.npz'}")
    folder = path.parent
    if not folder.is_dir():
        raise InputFileError(f"{folder}: output folder does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise InputFileError(f"{folder}: output folder is not writable")
    return path


def resolve_format(path: Path, fmt: str | None, option: str = "--format") -> str:
    """The vectors format name for ``path``: ``fmt`` if given, else inferred from the suffix."""
    from ..vectors import io as vio

    valid = ", ".join(vio.FORMATS)
    if fmt is not None:
        if fmt not in vio.FORMATS:
            raise InvalidParameterError(f"{option}: unknown vectors format '{fmt}'; valid formats: {valid}")
        return fmt
    try:
        return vio.infer_format(path)
    except InvalidParameterError:
        suffixes = ", ".join(f"{s} ({f.name})" for f in vio.FORMATS.values() for s in f.suffixes)
        raise InvalidParameterError(
            f"{path}: cannot infer the vectors format from its suffix; use one of {suffixes} "
            f"or pass {option} ({valid})"
        ) from None


def read_vectors(path: Path, fmt: str | None = None, option: str = "--from") -> KeyedVectors:
    """Load vectors in any supported format (inferred from the suffix unless ``fmt``), or a
    pre-trained set by name (``glove-6b-50d``) when no such file exists."""
    from ..vectors.pretrained import NAMED_VECTORS, load_named_vectors

    if fmt is None and str(path) in NAMED_VECTORS and not path.exists():
        return load_named_vectors(str(path))
    check_input_path(path)
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory; give a vectors file (.npz, .vec/.txt, .bin)")
    from ..vectors.io import load_vectors

    return load_vectors(path, format=resolve_format(path, fmt, option))


def write_vectors(kv: KeyedVectors, path: Path, fmt: str) -> None:
    """Save atomically (a failed or interrupted save leaves no file at ``path``)."""
    from ..vectors.io import save_vectors

    save_vectors(kv, path, format=fmt)


# ---------------------------------------------------------------- corpus
def make_corpus(
    paths: list[Path],
    *,
    encoding: str = "utf-8",
    errors: Errors | str = "strict",
    lowercase: bool = True,
    tokenizer: Tokenizer | str = "unicode",
) -> Any:
    """A :class:`~embedlab.corpus.Corpus` over ``paths``; missing paths fail here, before training."""
    from ..corpus import Corpus

    for p in paths:
        check_input_path(p)
    source: Any = [str(p) for p in paths] if len(paths) > 1 else str(paths[0])
    return Corpus(
        source,
        encoding=encoding,
        errors=errors.value if isinstance(errors, Enum) else errors,
        lowercase=lowercase,
        tokenizer=tokenizer.value if isinstance(tokenizer, Enum) else tokenizer,
    )


# ---------------------------------------------------------------- training
_PARAM_ALIASES = {"n_threads": "threads", "random_state": "seed"}


@dataclass(frozen=True)
class CorpusOptions:
    """The options every corpus-trained method shares: output format, corpus reading, progress."""

    fmt: str | None
    encoding: str
    errors: Errors
    lowercase: bool
    tokenizer: Tokenizer
    progress: bool

    def corpus(self, paths: list[Path]) -> Any:
        return make_corpus(
            paths, encoding=self.encoding, errors=self.errors, lowercase=self.lowercase, tokenizer=self.tokenizer
        )


# (name, option type, default), in the order they follow a method's own options in --help
_CORPUS_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("fmt", Format, None),
    ("encoding", Encoding, "utf-8"),
    ("errors", ErrorsOpt, Errors.strict),
    ("lowercase", Lowercase, True),
    ("tokenizer", TokenizerOpt, Tokenizer.unicode),
    ("progress", Progress, True),
)


def corpus_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a train command the shared options (``--format``, ``--encoding``, ``--errors``,
    ``--lowercase``, ``--tokenizer``, ``--progress``) after its own; it receives them as
    ``opts: CorpusOptions`` (typer has no option groups, so the signature typer reads is extended).
    """
    signature = inspect.signature(command, eval_str=True)
    own = [p for name, p in signature.parameters.items() if name != "opts"]
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=default)
        for name, kind, default in _CORPUS_OPTIONS
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        opts = CorpusOptions(**{name: kwargs.pop(name) for name, _, _ in _CORPUS_OPTIONS})
        return command(*args, opts=opts, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=own + shared)  # type: ignore[attr-defined]
    return wrapper


def build_model(model_cls: type[BaseEmbedder], opts: CorpusOptions | None = None, **options: Any) -> BaseEmbedder:
    """``model_cls`` from CLI option values: ``threads``/``seed`` become ``n_threads``/``random_state``,
    choices their string values; ``opts`` adds ``lowercase`` and ``show_progress``."""
    names = {option: param for param, option in _PARAM_ALIASES.items()}
    params = {names.get(k, k): v.value if isinstance(v, Enum) else v for k, v in options.items()}
    if opts is not None:
        params.update(lowercase=opts.lowercase, show_progress=opts.progress)
    return model_cls(**params)


@contextlib.contextmanager
def cli_option_names() -> Iterator[None]:
    """Add the option to ``parameter 'x_y'`` messages: ``parameter 'x_y' (--x-y)``.

    Train commands name their options after the estimator's parameters (``n_threads`` and
    ``random_state`` are ``--threads`` and ``--seed``).
    """
    try:
        yield
    except InvalidParameterError as exc:
        message = str(exc)
        match = re.search(r"parameter '(\w+)'", message)
        if match is None:
            raise
        option = "--" + _PARAM_ALIASES.get(match[1], match[1]).replace("_", "-")
        raise InvalidParameterError(message.replace(match[0], f"{match[0]} ({option})", 1)) from None


def _format_count(n: float) -> str:
    return f"{n:,.0f}"


def print_training_summary(model: BaseEmbedder, output: Path, fmt: str, elapsed: float) -> None:
    """A short table: vocabulary, words, time, words/s, final loss, where the vectors went."""
    from rich.table import Table

    kv = model.vectors_  # type: ignore[attr-defined]
    vocab = getattr(model, "vocab_", None)
    table = Table(title=f"{type(model).__name__} trained", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("vocabulary", f"{len(kv):,} words, dim {kv.vector_size}")
    if vocab is not None and getattr(vocab, "total_words", None) is not None:
        table.add_row("corpus", f"{_format_count(vocab.total_words)} words")
    table.add_row("time", f"{elapsed:.1f} s")
    metrics = getattr(model, "epoch_metrics_", None) or []
    wps = [m.get("words_per_sec") for m in metrics if isinstance(m, dict) and m.get("words_per_sec")]
    if wps:
        table.add_row("speed", f"{_format_count(sum(wps) / len(wps))} words/s")
    losses = getattr(model, "loss_history_", None)
    if losses is not None and len(losses):
        table.add_row("final loss", f"{float(losses[-1]):.4f}")
    table.add_row("saved", f"{output} ({fmt})")
    console().print(table)


def train_and_save(
    model: BaseEmbedder,
    make_data: Any,
    output: Path,
    fmt: str | None,
    *,
    resume_from: Path | None = None,
    checkpoint_path: Path | None = None,
) -> KeyedVectors:
    """Validate, train, handle Ctrl-C, save atomically and print a summary.

    ``make_data()`` builds the training data; it is called only after the hyperparameters,
    the output path and the format have been checked, so bad options never cost a corpus pass.
    With ``resume_from`` training continues from that checkpoint (``type(model).resume``), whose
    hyperparameters replace those of ``model``.
    """
    with cli_option_names():
        model._validate_params()
    check_output_path(output)
    fmt_name = resolve_format(output, fmt)
    if resume_from is not None and not resume_from.is_file():
        raise InputFileError(
            f"{resume_from}: no checkpoint to resume from; train with --checkpoint-every N first"
        )
    data = make_data()
    start = time.perf_counter()
    if resume_from is not None:
        # hyperparameters, vocabulary and RNG position come from the checkpoint
        console(stderr=True).print(
            f"resuming from {resume_from} (hyperparameters as in the checkpointed run)", soft_wrap=True
        )
        model = type(model).resume(resume_from, data)  # type: ignore[attr-defined]
    else:
        model.fit(data)
    elapsed = time.perf_counter() - start
    if getattr(model, "interrupted_", False):
        if checkpoint_path is not None and checkpoint_path.is_file():
            msg = f"interrupted; nothing written to {output}; resume with --resume (checkpoint at {checkpoint_path})"
        else:
            msg = f"interrupted; nothing written to {output}"
        raise fail(msg, EXIT_INTERRUPTED)
    kv = model.vectors_  # type: ignore[attr-defined]
    write_vectors(kv, output, fmt_name)
    print_training_summary(model, output, fmt_name, elapsed)
    return kv


DETERMINISTIC_METHODS = ("word2vec", "fasttext", "glove")


def refuse_deterministic(method: str, why: str) -> None:
    """``--deterministic`` given to a method without a deterministic parallel mode: one-line refusal."""
    raise InvalidParameterError(
        f"--deterministic: {method} cannot guarantee bit-identical vectors across thread counts ({why}); "
        f"use --seed (identical runs on the same machine and thread settings), or a method with "
        f"--deterministic: {', '.join(DETERMINISTIC_METHODS)}"
    )


def overcommit(force: bool) -> contextlib.AbstractContextManager[None]:
    """The planner's memory check off (``--force``) or on."""
    from ..models._plan import allow_overcommit

    return allow_overcommit() if force else contextlib.nullcontext()


def train_on_corpus(
    model: BaseEmbedder, corpus: list[Path], output: Path, opts: CorpusOptions, **kwargs: Any
) -> KeyedVectors:
    """:func:`train_and_save` on the corpus at ``corpus`` read as ``opts`` says."""
    return train_and_save(model, lambda: opts.corpus(corpus), output, opts.fmt, **kwargs)
