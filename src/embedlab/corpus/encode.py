"""Encode a corpus into flat integer arrays for the training kernels.

:func:`encode` maps every token to its vocabulary id (out-of-vocabulary tokens are dropped) and
stores all sentences back to back in one int32 array ``ids``; ``offsets`` (int64, length
``n_sentences + 1``) gives where each sentence starts, with the final end. Sentences longer than
``max_sentence_length`` (counted after dropping OOV tokens, as word2vec.c does) are split; sentences
left empty are skipped.

Small corpora stay in memory. Once more than ``memmap_threshold`` tokens (default 5M) have been
encoded, the arrays spill to files in a private temporary folder and come back as read-only
``np.memmap`` views, so memory does not grow with the corpus; :meth:`EncodedCorpus.close` (or
leaving a ``with`` block, or garbage collection) deletes that folder.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import Interval, check_param
from ..exceptions import DataError
from .vocab import Vocabulary

__all__ = ["encode", "EncodedCorpus", "MEMMAP_THRESHOLD"]

#: tokens above which :func:`encode` writes its arrays to a temporary folder
MEMMAP_THRESHOLD = 5_000_000
_FLUSH_ITEMS = 1 << 20


class _Spool:
    """Append-only integer buffer that moves to a file once its folder is in spilling mode."""

    def __init__(self, typecode: str, dtype: type, folder: _TempFolder) -> None:
        self._buf = array(typecode)
        self._dtype = dtype
        self._folder = folder
        self._file: Any = None
        self._path: Path | None = None
        self.size = 0

    def extend(self, values: Iterable[int]) -> None:
        n0 = len(self._buf)
        self._buf.extend(values)
        n1 = len(self._buf)
        self.size += n1 - n0
        if n1 >= _FLUSH_ITEMS and self._folder.spilling:
            self._flush()

    def append(self, value: int) -> None:
        self._buf.append(value)
        self.size += 1
        if len(self._buf) >= _FLUSH_ITEMS and self._folder.spilling:
            self._flush()

    def _flush(self) -> None:
        if self._file is None:
            self._path = self._folder.new_file(self._dtype.__name__)
            self._file = open(self._path, "wb")  # noqa: SIM115 - closed in finish()
        self._buf.tofile(self._file)
        del self._buf[:]

    def finish(self) -> np.ndarray:
        if not self._folder.spilling:
            return np.frombuffer(self._buf, dtype=self._dtype).copy()
        self._flush()
        self._file.close()
        if self.size == 0:
            return np.zeros(0, dtype=self._dtype)
        return np.memmap(self._path, dtype=self._dtype, mode="r", shape=(self.size,))


class _TempFolder:
    """A temporary folder created on first use and removed by :meth:`cleanup` (or at collection)."""

    def __init__(self, parent: str | None, spilling: bool = False) -> None:
        self._parent = parent
        self.path: Path | None = None
        self.spilling = spilling
        self._n = 0

    def new_file(self, tag: str) -> Path:
        if self.path is None:
            self.path = Path(tempfile.mkdtemp(prefix="embedlab-encoded-", dir=self._parent))
        self._n += 1
        return self.path / f"{self._n}-{tag}.bin"


class EncodedCorpus:
    """Flat token ids (int32) and sentence offsets (int64, ``n_sentences + 1`` entries).

    Sentence ``i`` is ``ids[offsets[i]:offsets[i + 1]]``. Use as a context manager, or call
    :meth:`close`, to delete the temporary files of a memory-mapped corpus.
    """

    def __init__(self, ids: np.ndarray, offsets: np.ndarray, temp_dir: Path | None = None) -> None:
        self.ids = ids
        self.offsets = offsets
        self.temp_dir = temp_dir
        self._finalizer = (
            weakref.finalize(self, shutil.rmtree, str(temp_dir), ignore_errors=True) if temp_dir is not None else None
        )

    @property
    def n_tokens(self) -> int:
        """Number of encoded tokens (OOV tokens excluded)."""
        return int(self.ids.shape[0])

    @property
    def n_sentences(self) -> int:
        """Number of (non-empty, split) sentences."""
        return int(self.offsets.shape[0]) - 1

    @property
    def is_memmap(self) -> bool:
        """True when the arrays live in temporary files."""
        return self.temp_dir is not None

    def __len__(self) -> int:
        return self.n_sentences

    def __repr__(self) -> str:
        where = f", memmap in {self.temp_dir}" if self.temp_dir is not None else ""
        return f"EncodedCorpus({self.n_tokens} tokens, {self.n_sentences} sentences{where})"

    def sentence(self, i: int) -> np.ndarray:
        """Ids of sentence ``i``."""
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(self.n_sentences):
            yield self.sentence(i)

    def decode(self, vocab: Vocabulary) -> Iterator[list[str]]:
        """Yield the sentences back as token lists (OOV tokens are gone)."""
        words = vocab.words
        for sentence in self:
            yield [words[i] for i in sentence.tolist()]

    def close(self) -> None:
        """Release the arrays and delete the temporary folder (if any). Idempotent."""
        self.ids = np.zeros(0, dtype=np.int32)
        self.offsets = np.zeros(1, dtype=np.int64)
        if self._finalizer is not None:
            self._finalizer()
        self.temp_dir = None

    def __enter__(self) -> EncodedCorpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def encode(
    sentences: Any,
    vocab: Vocabulary,
    max_sentence_length: int = 10000,
    *,
    memmap_threshold: int = MEMMAP_THRESHOLD,
    temp_dir: str | None = None,
) -> EncodedCorpus:
    """Encode ``sentences`` (anything :func:`as_sentences` accepts) with ``vocab``'s ids.

    OOV tokens are dropped, sentences longer than ``max_sentence_length`` split, empty ones
    skipped. Past ``memmap_threshold`` tokens the arrays are written under ``temp_dir`` (default:
    the system temporary folder) and memory-mapped.
    """
    from .readers import as_sentences

    check_param("max_sentence_length", max_sentence_length, [Interval(int, 1, None)], "encode")
    check_param("memmap_threshold", memmap_threshold, [Interval(int, 0, None)], "encode")
    folder = _TempFolder(temp_dir, spilling=memmap_threshold == 0)
    try:
        ids = _Spool("i", np.int32, folder)
        offsets = _Spool("q", np.int64, folder)
        offsets.append(0)
        get = vocab.word_to_id.get
        pos = 0
        for sentence in as_sentences(sentences):
            sent_ids = [i for i in map(get, sentence) if i is not None]
            n = len(sent_ids)
            if n == 0:
                continue
            ids.extend(sent_ids)
            if ids.size > memmap_threshold:
                folder.spilling = True
            if n <= max_sentence_length:
                pos += n
                offsets.append(pos)
            else:
                offsets.extend(range(pos + max_sentence_length, pos + n, max_sentence_length))
                pos += n
                offsets.append(pos)
        ids_array, offsets_array = ids.finish(), offsets.finish()
    except BaseException:
        if folder.path is not None:
            shutil.rmtree(folder.path, ignore_errors=True)
        raise
    if ids_array.shape[0] == 0:
        if folder.path is not None:
            shutil.rmtree(folder.path, ignore_errors=True)
        raise DataError("encoded corpus is empty: no token of the corpus is in the vocabulary")
    return EncodedCorpus(ids_array, offsets_array, folder.path)
