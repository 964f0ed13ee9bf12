"""Streaming, re-iterable corpus readers: one sentence (or document) per line.

:class:`Corpus` reads plain, ``.gz`` and ``.bz2`` files, a list of files, or a directory
(recursively, sorted, hidden files and folders skipped, binary files skipped). Each pass re-opens
the files and reads them in 1 MiB blocks, so memory does not depend on the corpus size.

Bad input raises a one-line typed error:

* a missing or unreadable path, or a directory without text files -> :class:`InputFileError`;
* a binary (NUL-containing) or UTF-16/UTF-32 file, bytes that do not decode, a truncated or
  corrupt ``.gz``/``.bz2`` -> :class:`FormatError` naming the file and line / byte offset;
* a corpus without a single token -> :class:`DataError`.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import IO, Any, Union

from .._progress import logger
from .._validation import Options, check_param
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError
from .tokenize import TOKENIZERS, get_tokenizer

__all__ = ["Corpus", "as_sentences", "sample_corpus_path", "list_corpus_files", "describe_sources", "PathLike"]

PathLike = Union[str, "os.PathLike[str]"]

#: bytes sniffed at the start of each file to recognise binary / UTF-16 content
SNIFF_BYTES = 8192
#: bytes decoded at a time
BLOCK_BYTES = 1 << 20

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open}
_BOMS = {
    codecs.BOM_UTF32_LE: "utf-32",  # before UTF-16 LE: it starts with the same two bytes
    codecs.BOM_UTF32_BE: "utf-32",
    codecs.BOM_UTF16_LE: "utf-16",
    codecs.BOM_UTF16_BE: "utf-16",
}
# suffixes never read as text when a directory is scanned
_BINARY_SUFFIXES = frozenset(
    ".npz .npy .bin .pkl .pickle .model .zip .xz .zst .7z .tar .png .jpg .jpeg .gif .pdf .so .pyc"
    " .parquet .arrow .db .sqlite .pt .onnx .h5 .hdf5 .ann".split()
)
_ERROR_HANDLERS = ("strict", "replace", "ignore", "backslashreplace", "surrogateescape")
_HINT = "pass encoding=... or errors='replace' (CLI: --encoding ENC / --errors replace)"


# The sample corpus's first lines are the KJV's verses; WordNet's noun and verb glosses follow.
SAMPLE_KJV_LINES = 31102


def sample_corpus_path() -> Path:
    """Path of the bundled sample corpus (gzip, one sentence a line; ~2.25M tokens): the King James
    Bible (the first :data:`SAMPLE_KJV_LINES` lines, one verse each), then one line per WordNet 3.0
    noun and verb synset (lemmas and gloss), so that the bundled benchmarks are covered (92% of
    WordSim353's pairs, 97% of SimLex-999's at ``min_count=5``). Sources: ``data/SOURCES.md``."""
    return Path(str(resources.files("embedlab").joinpath("data", "sample_corpus.txt.gz")))


def _open_binary(path: Path) -> IO[bytes]:
    opener = _OPENERS.get(path.suffix.lower())
    try:
        return opener(path, "rb") if opener else open(path, "rb")  # noqa: SIM115 - caller closes
    except PermissionError:
        raise InputFileError(f"{path}: permission denied; make the file readable") from None
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file (was it removed while reading?)") from None


def _ascii_compatible(encoding: str) -> bool:
    try:
        return "a\n".encode(encoding) == b"a\n"
    except (LookupError, UnicodeError):
        return False


def _sniff(path: Path, encoding: str) -> str | None:
    """Return a reason why ``path`` cannot be read as ``encoding`` text, or None if it looks fine."""
    with _open_binary(path) as fh:
        try:
            head = fh.read(SNIFF_BYTES)
        except (EOFError, OSError, zlib.error) as exc:
            raise _compressed_error(path, exc) from None
    if not _ascii_compatible(encoding):
        return None
    for bom, name in _BOMS.items():
        if head.startswith(bom):
            return f"starts with a {name.upper()} byte-order mark; pass encoding='{name}' (CLI: --encoding {name})"
    nul = head.find(b"\x00")
    if nul >= 0:
        return (
            f"binary data (NUL byte at byte offset {nul}); give a text file with one sentence per line,"
            " or the right encoding= (CLI: --encoding) if it is UTF-16/UTF-32 text"
        )
    return None


def _compressed_error(path: Path, exc: BaseException) -> FormatError:
    return FormatError(
        f"{path}: compressed file is truncated or corrupt ({exc}); re-create or re-download it"
    )


def describe_sources(paths: Sequence[PathLike]) -> list[dict[str, Any]]:
    """Where a model's training data came from, for its metadata and model card: per given path,
    its absolute path, size in bytes and SHA-256 (a folder: its file count and one SHA-256 over
    its files' relative paths and contents, in the order they are read)."""
    import hashlib

    out = []
    for item in paths:
        path = Path(item).expanduser().resolve()
        files = list_corpus_files(path) if path.is_dir() else [path]
        digest = hashlib.sha256()
        size = 0
        for f in files:
            if path.is_dir():
                digest.update(str(f.relative_to(path)).encode("utf-8") + b"\0")
            with open(f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
                    size += len(block)
        entry: dict[str, Any] = {"path": str(path), "bytes": size, "sha256": digest.hexdigest()}
        if path.is_dir():
            entry["files"] = len(files)
        out.append(entry)
    return out


def list_corpus_files(source: PathLike | Sequence[PathLike], encoding: str = "utf-8") -> list[Path]:
    """Resolve ``source`` (file, directory, or a list of them) to the list of files to read.

    Directories are scanned recursively in sorted order; hidden files and folders, known binary
    suffixes and files whose first bytes hold NUL bytes are skipped.
    """
    sources = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    if not sources:
        raise InputFileError("no corpus path given; pass a file, a list of files or a directory")
    files: list[Path] = []
    for item in sources:
        if not isinstance(item, (str, os.PathLike)):
            raise InvalidParameterError(
                f"corpus source must be a path or a list of paths; got an item of type {type(item).__name__}"
            )
        path = Path(item).expanduser()
        if path.is_dir():
            files.extend(_scan_directory(path, encoding))
        elif path.is_file():
            if not os.access(path, os.R_OK):
                raise InputFileError(f"{path}: permission denied; make the file readable")
            files.append(path)
        elif path.exists():
            raise InputFileError(f"{path}: not a regular file or directory")
        else:
            raise InputFileError(f"{path}: no such file or directory")
    return files


def _scan_directory(root: Path, encoding: str) -> list[Path]:
    found: list[Path] = []
    skipped = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            path = Path(folder, name)
            inner = Path(name[: -len(path.suffix)]) if path.suffix.lower() in _OPENERS else path
            if inner.suffix.lower() in _BINARY_SUFFIXES or not path.is_file() or not os.access(path, os.R_OK):
                skipped += 1
                continue
            reason = _sniff(path, encoding)
            if reason is not None and reason.startswith("binary"):
                logger.warning("skipping %s: %s", path, reason)
                skipped += 1
                continue
            found.append(path)
    if not found:
        raise InputFileError(
            f"{root}: directory holds no readable text files ({skipped} other file(s) skipped);"
            " give files with one sentence per line (plain, .gz or .bz2)"
        )
    return sorted(found)


def _decode_error(path: Path, encoding: str, block: bytes, start: int, lineno: int, exc: UnicodeDecodeError) -> FormatError:
    line = lineno + block.count(b"\n", 0, exc.start) + 1
    where = "uncompressed byte offset" if path.suffix.lower() in _OPENERS else "byte offset"
    return FormatError(
        f"{path}: line {line}, {where} {start + exc.start}: cannot decode as {encoding} ({exc.reason}); {_HINT}"
    )


def _iter_file_lines(path: Path, encoding: str, errors: str) -> Iterator[str]:
    """Yield the lines of one file (without line endings); see :class:`Corpus`."""
    reason = _sniff(path, encoding)
    if reason is not None:
        raise FormatError(f"{path}: {reason}")
    fh = _open_binary(path)
    try:
        if not _ascii_compatible(encoding):
            yield from _iter_text_lines(fh, path, encoding, errors)
            return
        strip_bom = codecs.lookup(encoding).name == "utf-8"
        offset = lineno = 0
        pending: list[bytes] = []  # bytes read after the last newline
        while True:
            chunk = fh.read(BLOCK_BYTES)
            if chunk:
                cut = chunk.rfind(b"\n") + 1
                if cut == 0:  # no line ends in this chunk
                    pending.append(chunk)
                    continue
                pending.append(chunk[:cut])
                block = b"".join(pending)
                pending = [chunk[cut:]] if cut < len(chunk) else []
            elif pending:  # last line without a final newline
                block = b"".join(pending)
                pending = []
            else:
                break
            if strip_bom and offset == 0 and block.startswith(codecs.BOM_UTF8):
                block, offset = block[3:], 3
            try:
                text = block.decode(encoding, errors)
            except UnicodeDecodeError as exc:
                raise _decode_error(path, encoding, block, offset, lineno, exc) from None
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            yield from lines
            offset += len(block)
            lineno += len(lines)
            if not chunk:
                break
    except (EOFError, OSError, zlib.error) as exc:
        raise _compressed_error(path, exc) from None
    finally:
        fh.close()


def _iter_text_lines(fh: IO[bytes], path: Path, encoding: str, errors: str) -> Iterator[str]:
    # encodings that are not ASCII-compatible (UTF-16/32): let the codec split the lines
    text = io.TextIOWrapper(fh, encoding=encoding, errors=errors, newline=None)
    lineno = 0
    try:
        for lineno, line in enumerate(text, 1):  # noqa: B007 - used in the error message
            yield line.rstrip("\n")
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"{path}: after line {lineno}: cannot decode as {encoding} ({exc.reason}); {_HINT}"
        ) from None


class Corpus:
    """A re-iterable stream of token lists, one per non-blank line, read from text files.

    ``source`` is a file, a directory (read recursively, sorted) or a list of them; ``.gz`` and
    ``.bz2`` files are decompressed on the fly. ``tokenizer`` is ``"unicode"`` (words of letters
    and digits, punctuation dropped) or ``"whitespace"`` (pre-tokenized text); ``lowercase``
    lowercases first. Lines without any token are skipped. Paths are checked here; content
    errors (encoding, binary data, truncation) surface while iterating.
    """

    def __init__(
        self,
        source: PathLike | Sequence[PathLike],
        *,
        encoding: str = "utf-8",
        errors: str = "strict",
        lowercase: bool = True,
        tokenizer: str = "unicode",
    ) -> None:
        check_param("tokenizer", tokenizer, [Options(tuple(TOKENIZERS))], "Corpus")
        check_param("errors", errors, [Options(_ERROR_HANDLERS)], "Corpus")
        check_param("lowercase", lowercase, [bool], "Corpus")
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            raise InvalidParameterError(
                f"Corpus: parameter 'encoding' must be a known text encoding (e.g. 'utf-8', 'latin-1'); got {encoding!r}"
            ) from None
        self.source = source
        self.encoding = encoding
        self.errors = errors
        self.lowercase = lowercase
        self.tokenizer = tokenizer
        self.files: tuple[Path, ...] = tuple(list_corpus_files(source, encoding))
        self._tokenize = get_tokenizer(tokenizer, lowercase)

    def __repr__(self) -> str:
        where = str(self.files[0]) if len(self.files) == 1 else f"{len(self.files)} files"
        return f"Corpus({where}, tokenizer={self.tokenizer!r}, lowercase={self.lowercase})"

    def _describe(self) -> str:
        return str(self.files[0]) if len(self.files) == 1 else f"{len(self.files)} files under {self.source}"

    def iter_lines(self) -> Iterator[str]:
        """Yield every raw line of every file (line endings removed, blank lines included)."""
        for path in self.files:
            yield from _iter_file_lines(path, self.encoding, self.errors)

    def __iter__(self) -> Iterator[list[str]]:
        tokenize = self._tokenize
        n_tokens = 0
        for line in self.iter_lines():
            tokens = tokenize(line)
            if tokens:
                n_tokens += len(tokens)
                yield tokens
        if n_tokens == 0:
            raise DataError(f"{self._describe()}: the corpus is empty or blank (no tokens found); give a non-empty text file")


def as_sentences(data: Any) -> Iterable[list[str]]:
    """Return a re-iterable of token lists from a path, a list of paths, a :class:`Corpus` or a
    re-iterable of token lists (returned unchanged). One-shot iterators are refused (training
    needs several passes)."""
    if isinstance(data, Corpus):
        return data
    if isinstance(data, (str, os.PathLike)):
        return Corpus(data)
    if isinstance(data, (bytes, bytearray)) or not isinstance(data, Iterable):
        raise InvalidParameterError(
            f"corpus must be a path, a list of paths, a Corpus or a list of token lists; got {type(data).__name__}"
        )
    if iter(data) is data:
        raise InvalidParameterError(
            "corpus is a one-shot iterator (e.g. a generator); pass a list of token lists, a Corpus or a path,"
            " because training reads the corpus several times"
        )
    if isinstance(data, Sequence) and len(data) > 0 and all(isinstance(x, (str, os.PathLike)) for x in data):
        return Corpus(data)
    first = next(iter(data), None)
    if first is None:
        raise DataError("the corpus is empty (no sentences); give at least one sentence")
    if isinstance(first, (str, bytes)) or not isinstance(first, Iterable):
        raise InvalidParameterError(
            f"corpus items must be token lists (lists of str); got an item of type {type(first).__name__}"
        )
    return data
