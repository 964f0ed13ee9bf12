"""Options and steps shared by the CLI commands: paths, formats, corpus options, training, output.

Train commands of every method use :func:`train_and_save`, so validation before reading data,
Ctrl-C handling, atomic output and the summary behave the same everywhere.

Output paths follow one rule for all commands: a command writing one file checks it with
:func:`check_output_path` (its folder must exist and be writable; never created), a command
writing into a folder checks it with :func:`check_output_folder` before any work and writes inside
``with output_folder(path):`` (created when missing, removed again when the work fails).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..exceptions import DataError, InputFileError, InvalidParameterError
from ._options import (
    Alpha,
    Architecture,
    ArchitectureOpt,
    CorpusPaths,
    Deterministic,
    DropNonfinite,
    Encoding,
    Epochs,
    Errors,
    ErrorsOpt,
    Force,
    Format,
    FromFormat,
    Lowercase,
    MaxVocabSize,
    MemoryMb,
    MinAlpha,
    MinCount,
    NoDeterministic,
    Output,
    OutputDtype,
    Progress,
    Sample,
    Seed,
    SeedOnly,
    Threads,
    ToFormat,
    Tokenizer,
    TokenizerOpt,
    VectorSize,
    Window,
    cpu_cores,
)
from ._wording import _PARAM_ALIASES, cli_hints, cli_option_names, cli_wording

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
    "OutputDtype",
    "Tokenizer",
    "console",
    "check_output_path",
    "check_output_folder",
    "output_folder",
    "resolve_format",
    "read_vectors",
    "write_vectors",
    "make_corpus",
    "CorpusOptions",
    "corpus_options",
    "build_model",
    "train_on_corpus",
    "train_and_save",
    "check_resume",
    "interrupted_message",
    "options_given",
    # re-exported for the commands (c.Threads, c.cli_wording, ...)
    "Alpha",
    "ArchitectureOpt",
    "Deterministic",
    "DropNonfinite",
    "Epochs",
    "ErrorsOpt",
    "Force",
    "Format",
    "FromFormat",
    "Lowercase",
    "MaxVocabSize",
    "MemoryMb",
    "MinAlpha",
    "MinCount",
    "NoDeterministic",
    "Output",
    "Progress",
    "Sample",
    "Seed",
    "SeedOnly",
    "Threads",
    "ToFormat",
    "TokenizerOpt",
    "VectorSize",
    "Window",
    "cpu_cores",
    "cli_hints",
    "cli_option_names",
    "cli_wording",
]


EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def one_line(message: str) -> str:
    """Collapse whitespace so that an error message is exactly one line."""
    return " ".join(message.split()) if message else ""


def fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    """Print ``error: message`` on stderr and return the :class:`typer.Exit` to raise."""
    typer.echo(f"error: {one_line(message)}", err=True)
    return typer.Exit(code)


def console(stderr: bool = False) -> Console:
    """A rich console bound to the current stdout/stderr (created per call, for test runners)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


# ---------------------------------------------------------------- paths and formats
def check_input_path(path: Path) -> Path:
    if not path.exists():
        raise InputFileError(f"{path}: no such file or directory")
    return path


# One rule for output paths, used by every command (new commands: use these, not mkdir/os.access):
#
# * a command writing ONE FILE (``train``, ``convert``, ``report``, ``tune-report``) calls
#   :func:`check_output_path` before any work: the folder must exist (it is never created; the
#   error says ``mkdir -p FOLDER``) and be writable;
# * a command writing INTO A FOLDER (``compare``, ``tune``, ``quickstart``) calls
#   :func:`check_output_folder` before any work and does its work inside
#   ``with output_folder(path):``, which creates missing folders and removes the ones it created
#   again if the work fails (a refused ``tune`` leaves no empty folder).
#
# Errors name the user's path and the flag (``--output`` unless told), never a temporary file.
def _probe_writable(folder: Path) -> str | None:
    """Why ``folder`` cannot take a new file (by trying: ``os.access`` says yes to root on
    /proc or a read-only mount), or None when it can."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".embedlab-write-test-"):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def check_output_path(path: Path, option: str = "--output") -> Path:
    """Fail early (before any work) when the output FILE ``path`` cannot be written: it is a
    folder, its folder is missing (not created: a typo should not make folders) or not writable."""
    path = Path(path)
    if path.is_dir():
        raise InputFileError(
            f"{option} {path}: is a folder; give a file name such as {path / 'vectors.npz'}"
        )
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputFileError(f"{option} {path}: the output folder {folder} {what}; create it first (mkdir -p {folder})")
    reason = _probe_writable(folder)
    if reason is not None:
        raise InputFileError(f"{option} {path}: cannot create files in {folder} ({reason}); choose another folder")
    return path


def check_output_folder(path: Path, option: str = "--output") -> Path:
    """Fail early when the output FOLDER ``path`` could not be created or written: a file is in
    the way, or the nearest existing folder above it (or itself) is not writable. Creates nothing."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputFileError(f"{option} {path}: exists and is not a folder; give an output folder")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise InputFileError(f"{option} {path}: {existing} is a file, so the folder cannot be made")
    reason = _probe_writable(existing)
    if reason is not None:
        raise InputFileError(f"{option} {path}: cannot create files in {existing} ({reason}); choose another folder")
    return path


@contextlib.contextmanager
def output_folder(path: Path, option: str = "--output") -> Iterator[Path]:
    """Check (:func:`check_output_folder`), create the folder, yield it; if the block raises
    (a refused option, Ctrl-C), remove the folders made here again when they are still empty."""
    path = Path(path)
    check_output_folder(path, option)
    created = []
    p = path
    while not p.exists():
        created.append(p)
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    except BaseException:
        for folder in created:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty
        raise


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
        by_suffix: dict[str, list[str]] = {}
        for f in vio.FORMATS.values():
            for suffix in f.suffixes:
                by_suffix.setdefault(suffix, []).append(f.name)
        suffixes = ", ".join(f"{sfx} ({' or '.join(names)})" for sfx, names in by_suffix.items())
        raise InvalidParameterError(
            f"{path}: cannot infer the vectors format from its suffix; use one of {suffixes} "
            f"or pass {option} ({valid})"
        ) from None


def read_vectors(path: Path, fmt: str | None = None, option: str = "--from", drop_nonfinite: bool = False) -> KeyedVectors:
    """Load vectors in any supported format (inferred from the suffix unless ``fmt``), or a
    pre-trained set by name (``glove-6b-50d``) when no such file exists. Vectors holding NaN or
    inf are refused, or dropped with a warning with ``drop_nonfinite`` (``--drop-nonfinite``)."""
    from ..vectors.pretrained import NAMED_VECTORS, load_named_vectors

    if fmt is None and str(path) in NAMED_VECTORS and not path.exists():
        return load_named_vectors(str(path))
    base, sep, pooling = str(path).rpartition("@")
    if sep and not path.exists() and (base in NAMED_VECTORS or Path(base).is_file()):
        what = (f"@{pooling} pools word vectors into text vectors (for compare)" if pooling in ("mean", "tfidf", "sif")
                else f"unknown pooling {pooling!r} (poolings, for compare: mean, tfidf, sif)")
        raise InvalidParameterError(f"{path}: {what}; this command reads the word vectors themselves: give {base}")
    check_input_path(path)
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory; give a vectors file (.npz, .vec/.txt, .bin)")
    from ..vectors.io import load_vectors

    return load_vectors(path, format=resolve_format(path, fmt, option), nonfinite="drop" if drop_nonfinite else "error")


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


def _format_count(n: float) -> str:
    return f"{n:,.0f}"


def speed_text(model: Any, elapsed: float) -> str | None:
    """The work of the epochs over the whole printed time, in the unit the trainer counts, with
    the epochs' own rate beside it: ``705k words/s over 5.3 s (23M words/s in 0.2 s of epochs)``."""
    metrics = [m for m in (getattr(model, "epoch_metrics_", None) or [])
               if isinstance(m, dict) and m.get("work") and m.get("seconds")]
    if not metrics or elapsed <= 0:
        return None
    work = sum(float(m["work"]) for m in metrics)
    epochs = sum(float(m["seconds"]) for m in metrics)
    unit = metrics[-1].get("unit", "words")
    return (f"{_format_count(work / elapsed)} {unit}/s over the {elapsed:.1f} s "
            f"({_format_count(work / epochs)} {unit}/s in the {epochs:.1f} s of training epochs)")


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
    speed = speed_text(model, elapsed)
    if speed:
        table.add_row("speed", speed)
    losses = getattr(model, "loss_history_", None)
    if losses is not None and len(losses):
        table.add_row("final loss", f"{float(losses[-1]):.4f}")
    table.add_row("saved", f"{output} ({fmt})")
    console().print(table)


# Options that may differ between a checkpointed run and its --resume (they do not change the result's meaning).
_FREE_ON_RESUME = {"n_threads", "show_progress", "callbacks", "checkpoint_path", "lowercase"}


def options_given() -> set[str]:
    """Names of the current command's parameters given on the command line (not defaults)."""
    import click

    try:
        import typer._click.globals as vendored  # typer >= 0.2x ships its own click
    except ImportError:  # pragma: no cover - older typer uses click itself
        vendored = None
    ctx = None
    for module in (vendored, click.globals):
        if module is not None:
            ctx = ctx or module.get_current_context(silent=True)
    if ctx is None:
        return set()
    return {name for name in ctx.params if getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"}


def check_resume(model: BaseEmbedder, checkpoint: Path, output: Path) -> int:
    """Before ``--resume`` reads any data: the checkpoint exists, and no hyperparameter given on
    the command line contradicts it (e.g. ``--epochs 6`` on a checkpoint of a 4-epoch run is
    refused, not silently ignored). Returns the checkpoint's completed epochs."""
    if not checkpoint.is_file():
        done = f"; {output} exists: a run that finishes removes its checkpoint" if output.exists() else ""
        raise InputFileError(f"{checkpoint}: no checkpoint to resume from{done}; train with --checkpoint-every N first")
    saved, epochs_done = type(model).checkpoint_params(checkpoint)  # type: ignore[attr-defined]
    given = options_given()
    for param, value in model.get_params().items():
        option = _PARAM_ALIASES.get(param, param)
        if option not in given or param in _FREE_ON_RESUME or param not in saved:
            continue
        if isinstance(value, Enum):
            value = value.value
        if repr(value) != repr(saved[param]):
            flag = "--" + option.replace("_", "-")
            raise InvalidParameterError(
                f"{flag} {value}: the checkpoint {checkpoint} is of a run with {param}={saved[param]} "
                f"(after epoch {epochs_done}); --resume continues that run as it was: drop {flag}, "
                "or start a new run without --resume"
            )
    return epochs_done


def _check_resume_source(model_cls: type, checkpoint: Path, described: list[dict[str, Any]] | None) -> None:
    """Refuse ``--resume`` on another corpus than the checkpointed run's (path, size, SHA-256)."""
    saved = model_cls.checkpoint_source(checkpoint) if hasattr(model_cls, "checkpoint_source") else None
    if not saved or described is None:
        return
    key = [(d.get("bytes"), d.get("sha256")) for d in saved]
    if key != [(d.get("bytes"), d.get("sha256")) for d in described]:
        def show(ds: list[dict[str, Any]]) -> str:
            return ", ".join(f"{d['path']} ({d['bytes']:,} bytes, SHA-256 {d['sha256'][:12]})" for d in ds)

        raise DataError(f"{checkpoint}: the checkpoint is of a run on {show(saved)}, not {show(described)}; "
                        "--resume continues that run: give its corpus, or start a new run without --resume")


def train_and_save(
    model: BaseEmbedder,
    make_data: Any,
    output: Path,
    fmt: str | None,
    *,
    resume_from: Path | None = None,
    checkpoint_path: Path | None = None,
    refine: Any = None,
    source: list[Path] | None = None,
) -> KeyedVectors:
    """Validate, train, handle Ctrl-C, save atomically and print a summary.

    ``make_data()`` builds the training data; it is called only after the hyperparameters,
    the output path and the format have been checked, so bad options never cost a corpus pass.
    With ``resume_from`` training continues from that checkpoint (``type(model).resume``), whose
    hyperparameters replace those of ``model``. ``refine`` (:class:`._refine.Refinement`) continues a
    saved state or starts from pre-trained vectors instead of a plain fit, and saves the state.
    ``source`` (the input paths) is recorded in the vectors' metadata as ``corpus.source`` (path,
    size, SHA-256) for model cards.
    """
    with cli_option_names(model.get_params()):
        model._validate_params()
    check_output_path(output)
    fmt_name = resolve_format(output, fmt)
    described = None
    if source and (resume_from is not None or checkpoint_path is not None):
        from ..corpus.readers import describe_sources

        described = describe_sources(source)
        model.corpus_source = described  # type: ignore[attr-defined]  # recorded in checkpoints
    if resume_from is not None:
        epochs_done = check_resume(model, resume_from, output)
        _check_resume_source(type(model), resume_from, described)
    if refine is not None:
        refine.check()
    data = make_data()
    start = time.perf_counter()
    if resume_from is not None:
        # hyperparameters, vocabulary and RNG position come from the checkpoint
        model = type(model).resume(  # type: ignore[attr-defined]
            resume_from, data, show_progress=model.get_params().get("show_progress"),
            n_threads=model.get_params().get("n_threads"),
        )
        console(stderr=True).print(
            f"resumed from {resume_from} after epoch {epochs_done} (hyperparameters as in the checkpointed run)",
            soft_wrap=True,
        )
    elif refine is not None and refine.replaces_fit:
        model = refine.fit(model, data)
    else:
        model.fit(data)
    elapsed = time.perf_counter() - start
    if getattr(model, "interrupted_", False):
        raise fail(interrupted_message(model, output, checkpoint_path), EXIT_INTERRUPTED)
    kv = model.vectors_  # type: ignore[attr-defined]
    if source:
        from ..corpus.readers import describe_sources

        corpus = kv.metadata.get("corpus")
        kv.metadata["corpus"] = {**(corpus if isinstance(corpus, dict) else {}),
                                 "source": described or describe_sources(source)}
    write_vectors(kv, output, fmt_name)
    if refine is not None:
        refine.after(model)
        note = refine.summary(model)
        if note:
            console(stderr=True).print(note, soft_wrap=True)
    print_training_summary(model, output, fmt_name, elapsed)
    return kv


def interrupted_message(model: BaseEmbedder, output: Path | None, checkpoint_path: Path | None = None) -> str:
    """What a Ctrl-C'd train command says: how far it got, that a partly trained model is not
    saved (so no file at ``output`` looks complete), and how to continue."""
    done = len(getattr(model, "loss_history_", None) or [])
    total = model.get_params().get("epochs")
    where = f" after {done} of {total} epochs" if total else ""
    saved = f"the partly trained vectors were not saved, {output} was not written" if output else "nothing was saved"
    if checkpoint_path is not None and checkpoint_path.is_file():
        return f"interrupted{where}; {saved}; resume with --resume (checkpoint at {checkpoint_path})"
    return f"interrupted{where}; {saved}"


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
    return train_and_save(model, lambda: opts.corpus(corpus), output, opts.fmt, source=corpus, **kwargs)
