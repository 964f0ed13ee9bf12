"""word2vec.c text and binary formats (also read by gensim, fastText, GloVe tools).

Text (``.vec``/``.txt``, optionally ``.gz``/``.bz2``): a header line ``count dim``, then one line
per key: ``word v1 ... vd`` separated by single spaces. Files without the header line (GloVe's
format) are recognised when the first line is not two integers; the dimension then comes from the
first line. Values are written with 9 significant digits, which round-trips float32 exactly. Keys
cannot contain whitespace in text formats (the line would not parse back): writing one is an error.

Binary (``.bin``): the header line ``count dim\\n``, then per key the UTF-8 word, one space and
``dim`` little-endian float32 (4*dim bytes) followed by ``\\n`` as word2vec.c writes it; reading
also accepts records without the newline (gensim's writer).

Reading is block-wise: the numbers of many lines are parsed by one ``np.fromstring`` call; when a
block does not parse, it is re-checked line by line to name the line and what is wrong.
"""

from __future__ import annotations

import bz2
import gzip
import io
import mmap as _mmap
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from ...exceptions import DataError, FormatError
from ..keyed import KeyedVectors

__all__ = ["read_text", "write_text", "write_glove", "read_binary", "write_binary"]

_BLOCK_BYTES = 1 << 22


def _open(path: Path, mode: str, like: Path | None = None) -> IO[bytes]:
    """Open ``path``, (de)compressing as the name of ``like`` (default ``path``) says."""
    name = (like or path).name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, mode)  # type: ignore[return-value]
    if name.endswith(".bz2"):
        return bz2.open(path, mode)  # type: ignore[return-value]
    return open(path, mode)


def _check_keys_for_text(kv: KeyedVectors, target: Path) -> None:
    for i, key in enumerate(kv.index_to_key):
        if not key or key != key.strip() or len(key.split()) != 1:
            raise DataError(
                f"{target}: key #{i} {key!r} is empty or contains whitespace, which the word2vec "
                "formats cannot store; rename it or save as npz"
            )


def _key_block(kv: KeyedVectors, start: int, stop: int) -> np.ndarray:
    return np.asarray(kv.vectors[start:stop], dtype=np.float32)


# ---------------------------------------------------------------------------------------- text
def write_text(kv: KeyedVectors, tmp: Path, target: Path, header: bool = True) -> None:
    """Write the word2vec text format (``header=False`` writes GloVe's header-less variant)."""
    _check_keys_for_text(kv, target)
    n, dim = kv.vectors.shape
    row_fmt = " ".join(["%.9g"] * dim)
    with _open(tmp, "wb", like=target) as fh:
        if header:
            fh.write(f"{n} {dim}\n".encode())
        for start in range(0, n, 4096):
            block = _key_block(kv, start, start + 4096).tolist()
            lines = [
                f"{key} {row_fmt % tuple(row)}\n" for key, row in zip(kv.index_to_key[start : start + 4096], block)
            ]
            fh.write("".join(lines).encode("utf-8"))


def write_glove(kv: KeyedVectors, tmp: Path, target: Path) -> None:
    """Write GloVe's text format: the word2vec text lines without the ``count dim`` header."""
    write_text(kv, tmp, target, header=False)


def _first_content_line(fh: IO[bytes]) -> tuple[bytes, int]:
    line_no = 0
    for raw in fh:
        line_no += 1
        if raw.strip():
            return raw, line_no
    return b"", line_no


def _decode(raw: bytes, path: Path, line_no: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic == b"PK\x03\x04":
            raise FormatError(f"{path}: an .npz (zip) file, not text vectors; read it as npz "
                              "(format='npz', CLI --from npz)") from None
        raise FormatError(
            f"{path}:{line_no}: not UTF-8 text at column {exc.start + 1}; "
            "is it a binary .bin file? (read it as word2vec-binary: format='word2vec-binary', CLI --from word2vec-binary)"
        ) from None


def _bad_line(path: Path, line_no: int, text: str, dim: int) -> FormatError:
    """Explain why one text line does not hold a key and ``dim`` numbers."""
    parts = text.split()
    if len(parts) - 1 != dim:
        return FormatError(
            f"{path}:{line_no}: expected a word and {dim} values, found {len(parts) - 1} values "
            f"(wrong dimension, or a key containing spaces)"
        )
    for tok in parts[1:]:
        try:
            float(tok)
        except ValueError:
            return FormatError(f"{path}:{line_no}: value {tok[:30]!r} is not a number")
    return FormatError(f"{path}:{line_no}: cannot parse the line as a word and {dim} numbers")


def _parse_block(path: Path, lines: list[bytes], first_line_no: int, dim: int) -> tuple[list[str], np.ndarray]:
    """Parse raw lines into keys and a (k, dim) float32 block; blank lines are skipped.

    Every line must hold exactly ``dim`` values (checked per line, cheaply by counting spaces);
    the numbers of the whole block are then parsed by one ``np.fromstring`` call.
    """
    keys: list[str] = []
    rests: list[str] = []
    for offset, raw in enumerate(lines):
        text = _decode(raw, path, first_line_no + offset).strip()
        if not text:
            continue
        parts = text.split(maxsplit=1)
        rest = parts[1] if len(parts) == 2 else ""
        if rest.count(" ") != dim - 1 and len(rest.split()) != dim:
            raise _bad_line(path, first_line_no + offset, text, dim)
        keys.append(parts[0])
        rests.append(rest)
    try:
        values = np.fromstring(" ".join(rests), dtype=np.float64, sep=" ")
    except ValueError:
        values = None
    if values is None or values.size != len(keys) * dim:
        line_no = first_line_no
        for raw in lines:  # error path: find the line that does not parse
            text = raw.decode("utf-8").strip()
            if text:
                try:
                    np.fromstring(text.split(maxsplit=1)[1], dtype=np.float64, sep=" ")
                except ValueError:
                    raise _bad_line(path, line_no, text, dim) from None
            line_no += 1
        raise FormatError(f"{path}:{first_line_no}: block of lines does not parse as {dim} numbers each")
    return keys, values.reshape(len(keys), dim).astype(np.float32)


def _iter_blocks(fh: IO[bytes]) -> Iterator[list[bytes]]:
    while True:
        lines = fh.readlines(_BLOCK_BYTES)
        if not lines:
            return
        yield lines


def _parse_header(path: Path, text: str) -> tuple[int, int] | None:
    parts = text.split()
    if len(parts) != 2:
        return None
    try:
        count, dim = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    if count < 0 or dim <= 0:
        raise FormatError(f"{path}:1: bad header '{text.strip()}': expected 'count dim' with dim > 0")
    return count, dim


def read_text(path: Path, mmap: bool = False) -> KeyedVectors:
    """Read word2vec/fastText ``.vec`` text, with or without the ``count dim`` header (GloVe)."""
    del mmap  # text is always parsed into memory
    try:
        fh = _open(path, "rb")
        with fh:
            first, line_no = _first_content_line(fh)
            if not first:
                raise FormatError(f"{path}: empty vectors file")
            text = _decode(first, path, line_no)
            header = _parse_header(path, text)
            keys: list[str] = []
            blocks: list[np.ndarray] = []
            if header is None:  # GloVe: no header, the first line is a vector
                count, dim = None, len(text.split()) - 1
                if dim < 1:
                    raise FormatError(f"{path}:{line_no}: expected 'count dim' or 'word v1 ... vd'; got {text[:60]!r}")
                k, v = _parse_block(path, [first], line_no, dim)
                keys += k
                blocks.append(v)
            else:
                count, dim = header
            next_line = line_no + 1
            for lines in _iter_blocks(fh):
                k, v = _parse_block(path, lines, next_line, dim)
                next_line += len(lines)
                keys += k
                blocks.append(v)
    except (EOFError, OSError, zlib.error) as exc:
        raise FormatError(f"{path}: truncated or corrupt compressed file ({exc})") from None
    if count is not None and len(keys) != count:
        raise FormatError(
            f"{path}: header says {count} vectors but the file holds {len(keys)} "
            f"({'truncated?' if len(keys) < count else 'header count too small'})"
        )
    vectors = np.concatenate(blocks) if blocks else np.zeros((0, dim), dtype=np.float32)
    return _make_kv(path, keys, vectors, lambda i: f"line {_line_of_vector(path, i, header is not None)}")


def line_of_vector(path: Path, index: int) -> int:
    """1-based line number of the ``index``-th vector of a text file, with or without a header."""
    with _open(path, "rb") as fh:
        first, _ = _first_content_line(fh)
    try:
        has_header = _parse_header(path, first.decode("utf-8", "replace")) is not None
    except FormatError:
        has_header = False
    return _line_of_vector(path, index, has_header)


def _line_of_vector(path: Path, index: int, has_header: bool) -> int:
    """1-based line number of the ``index``-th vector (blank lines skipped); for error messages."""
    seen = -1 if has_header else 0
    with _open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if raw.strip():
                if seen == index:
                    return line_no
                seen += 1
    return -1


def _make_kv(path: Path, keys: list[str], vectors: np.ndarray, where) -> KeyedVectors:
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        for i, k in enumerate(keys):
            if k in seen:
                raise FormatError(f"{path}: duplicate key {k!r} at {where(i)}")
            seen.add(k)
    return KeyedVectors(keys, vectors)


# -------------------------------------------------------------------------------------- binary
def write_binary(kv: KeyedVectors, tmp: Path, target: Path) -> None:
    """Write word2vec.c's binary layout (a newline after each record, as word2vec.c does)."""
    _check_keys_for_text(kv, target)
    n, dim = kv.vectors.shape
    with open(tmp, "wb") as fh:
        fh.write(f"{n} {dim}\n".encode())
        for start in range(0, n, 4096):
            block = _key_block(kv, start, start + 4096).astype("<f4")
            buf = io.BytesIO()
            for key, row in zip(kv.index_to_key[start : start + 4096], block):
                buf.write(key.encode("utf-8") + b" ")
                buf.write(row.tobytes())
                buf.write(b"\n")
            fh.write(buf.getvalue())


def _read_all(path: Path) -> bytes | _mmap.mmap:
    name = path.name.lower()
    if name.endswith((".gz", ".bz2")):
        try:
            with _open(path, "rb") as fh:
                return fh.read()
        except (EOFError, OSError, zlib.error) as exc:
            raise FormatError(f"{path}: truncated or corrupt compressed file ({exc})") from None
    with open(path, "rb") as fh:
        if path.stat().st_size == 0:
            return b""
        return _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_READ)


def read_binary(path: Path, mmap: bool = False) -> KeyedVectors:
    """Read word2vec.c / gensim binary vectors."""
    del mmap
    buf = _read_all(path)
    try:
        end = buf.find(b"\n")
        head = bytes(buf[: end if end >= 0 else 100])
        header = None
        try:
            header = _parse_header(path, head.decode("ascii"))
        except UnicodeDecodeError:
            pass
        if end < 0 or header is None:
            raise FormatError(f"{path}: byte 0: expected a header line 'count dim'; got {head[:40]!r}")
        count, dim = header
        nbytes = 4 * dim
        size = len(buf)
        vectors = np.empty((count, dim), dtype="<f4")
        raw = vectors.view(np.uint8).reshape(count, nbytes)
        keys: list[str] = []
        pos = end + 1
        for i in range(count):
            while pos < size and buf[pos : pos + 1] == b"\n":
                pos += 1
            space = buf.find(b" ", pos, pos + 100_000)
            if space < 0:
                raise FormatError(
                    f"{path}: record {i + 1} of {count} at byte {pos}: truncated (no 'word ' found); "
                    "header count too large or file cut short"
                )
            try:
                keys.append(bytes(buf[pos:space]).decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"{path}: record {i + 1} at byte {pos + exc.start}: word is not valid UTF-8"
                ) from None
            start = space + 1
            if start + nbytes > size:
                raise FormatError(
                    f"{path}: record {i + 1} of {count} ({keys[-1]!r}) at byte {pos}: truncated, "
                    f"needs {nbytes} bytes of float32 values but {size - start} remain"
                )
            raw[i] = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=start)
            pos = start + nbytes
        rest = bytes(buf[pos : pos + 64])
        if rest.strip():
            raise FormatError(
                f"{path}: byte {pos}: data after the {count} records the header announced "
                "(header count too small, or a text file read as binary)"
            )
    finally:
        if isinstance(buf, _mmap.mmap):
            buf.close()
    return _make_kv(path, keys, vectors.astype(np.float32, copy=False), lambda i: f"record {i + 1}")
