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
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from .._progress import progress_bar
from .._validation import Interval, check_param
from ..exceptions import DataError
from .vocab import Vocabulary

__all__ = ["encode", "build_and_encode", "EncodedCorpus", "MEMMAP_THRESHOLD", "id_reader"]

#: tokens above which :func:`encode` writes its arrays to a temporary folder
MEMMAP_THRESHOLD = 5_000_000
#: sentences are looked up in batches of about this many tokens
_BATCH_TOKENS = 1 << 16


class _TempFolder:
    """A temporary folder, created on first use; ``spilling`` says whether arrays go to files."""

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

    def remove(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None


class _Spool:
    """Append-only array built from chunks: kept in memory, or written straight to a file once
    its folder is spilling. :meth:`chunks` gives the chunks back as they were added."""

    def __init__(self, dtype: type, folder: _TempFolder) -> None:
        self._dtype = np.dtype(dtype)
        self._folder = folder
        self._chunks: list[np.ndarray] = []
        self._sizes: list[int] = []
        self._file: Any = None
        self._path: Path | None = None
        self.size = 0

    def add(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=self._dtype)
        self.size += values.size
        self._sizes.append(values.size)
        if self._folder.spilling:
            self._open().write(memoryview(values).cast("B"))
        else:
            self._chunks.append(values)

    def _open(self) -> Any:
        if self._file is None:
            self._path = self._folder.new_file(self._dtype.name)
            self._file = open(self._path, "wb")  # noqa: SIM115 - closed in finish()
            for chunk in self._chunks:
                self._file.write(memoryview(chunk).cast("B"))
            self._chunks = []
        return self._file

    def finish(self) -> np.ndarray:
        """The whole array: in memory, or a read-only memmap of the file."""
        if not self._folder.spilling:
            return np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=self._dtype)
        self._open().close()
        if self.size == 0:
            return np.zeros(0, dtype=self._dtype)
        return np.memmap(self._path, dtype=self._dtype, mode="r", shape=(self.size,))

    def chunks(self) -> Iterator[np.ndarray]:
        """The chunks in the order they were added (call after :meth:`finish`)."""
        whole = self.finish()
        start = 0
        for n in self._sizes:
            yield whole[start : start + n]
            start += n


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


def _batches(sentences: Iterable[list[str]]) -> Iterator[tuple[list[str], np.ndarray, int]]:
    """Group sentences into batches of about ``_BATCH_TOKENS`` tokens.

    Yields (all tokens of the batch's non-empty sentences, their lengths, sentences read).
    """
    tokens: list[str] = []
    lengths: list[int] = []
    n_read = 0
    for sentence in sentences:
        n_read += 1
        if sentence:
            tokens.extend(sentence)
            lengths.append(len(sentence))
            if len(tokens) >= _BATCH_TOKENS:
                yield tokens, np.array(lengths, dtype=np.int64), n_read
                tokens, lengths, n_read = [], [], 0
    if n_read:
        yield tokens, np.array(lengths, dtype=np.int64), n_read


def _split_lengths(lengths: np.ndarray, max_length: int) -> np.ndarray:
    """Split every length above ``max_length`` into full pieces and a remainder."""
    n_full, rest = np.divmod(lengths, max_length)
    pieces = n_full + (rest > 0)
    out = np.full(int(pieces.sum()), max_length, dtype=np.int64)
    last = np.cumsum(pieces) - 1
    out[last[rest > 0]] = rest[rest > 0]
    return out


class _Writer:
    """Appends batches of raw ids (-1 = drop) to the id and offset spools."""

    def __init__(self, folder: _TempFolder, max_sentence_length: int, memmap_threshold: int) -> None:
        self.folder = folder
        self.ids = _Spool(np.int32, folder)
        self.offsets = _Spool(np.int64, folder)
        self.offsets.add(np.zeros(1, dtype=np.int64))
        self.max_length = max_sentence_length
        self.threshold = memmap_threshold
        self.pos = 0

    def add(self, raw: np.ndarray, lengths: np.ndarray) -> None:
        """``raw``: ids of consecutive sentences of ``lengths`` (all > 0), -1 for dropped tokens."""
        keep = raw >= 0
        ends = np.cumsum(lengths)
        kept_before = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
        kept = kept_before[ends] - kept_before[ends - lengths]
        kept = kept[kept > 0]
        if kept.size == 0:
            return
        if kept.max() > self.max_length:
            kept = _split_lengths(kept, self.max_length)
        self.ids.add(raw[keep])
        offsets = self.pos + np.cumsum(kept)
        self.offsets.add(offsets)
        self.pos = int(offsets[-1])
        if self.ids.size > self.threshold:
            self.folder.spilling = True

    def finish(self) -> EncodedCorpus:
        ids, offsets = self.ids.finish(), self.offsets.finish()
        if ids.shape[0] == 0:
            self.folder.remove()
            raise DataError("encoded corpus is empty: no token of the corpus is in the vocabulary")
        return EncodedCorpus(ids, offsets, self.folder.path)


def _check_encode_params(max_sentence_length: int, memmap_threshold: int) -> None:
    check_param("max_sentence_length", max_sentence_length, [Interval(int, 1, None)], "encode")
    check_param("memmap_threshold", memmap_threshold, [Interval(int, 0, None)], "encode")


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
    the system temporary folder) and memory-mapped; ``memmap_threshold=0`` always does so.
    """
    from .readers import as_sentences

    _check_encode_params(max_sentence_length, memmap_threshold)
    folder = _TempFolder(temp_dir, spilling=memmap_threshold == 0)
    try:
        writer = _Writer(folder, max_sentence_length, memmap_threshold)
        get = vocab.word_to_id.get
        for tokens, lengths, _ in _batches(as_sentences(sentences)):
            if tokens:
                raw = np.fromiter(map(get, tokens, repeat(-1)), dtype=np.int32, count=len(tokens))
                writer.add(raw, lengths)
        return writer.finish()
    except BaseException:
        folder.remove()
        raise


def build_and_encode(
    sentences: Any,
    min_count: int = 5,
    max_vocab_size: int | None = None,
    max_sentence_length: int = 10000,
    *,
    memmap_threshold: int = MEMMAP_THRESHOLD,
    temp_dir: str | None = None,
    show_progress: bool = False,
) -> tuple[Vocabulary, EncodedCorpus]:
    """:meth:`Vocabulary.build` and :func:`encode` in a single pass over the corpus.

    Same results as ``vocab = Vocabulary.build(s, min_count, max_vocab_size)`` followed by
    ``encode(s, vocab, max_sentence_length)``, but the corpus is read and tokenized once: tokens
    get provisional ids (in order of first occurrence) that are stored (in memory or, past
    ``memmap_threshold`` tokens, in a temporary file) and remapped to the final ids afterwards.
    """
    from .readers import as_sentences

    check_param("min_count", min_count, [Interval(int, 1, None)], "Vocabulary")
    check_param("max_vocab_size", max_vocab_size, [Interval(int, 1, None), None], "Vocabulary")
    _check_encode_params(max_sentence_length, memmap_threshold)
    scratch = _TempFolder(temp_dir, spilling=memmap_threshold == 0)
    folder = _TempFolder(temp_dir, spilling=memmap_threshold == 0)
    try:
        provisional: dict[str, int] = {}
        counts = np.zeros(1 << 12, dtype=np.int64)
        raw_ids, raw_lengths = _Spool(np.int32, scratch), _Spool(np.int64, scratch)
        n_sentences = 0
        get = provisional.get
        with progress_bar(None, "reading corpus", unit="sentences", enabled=show_progress) as bar:
            for tokens, lengths, n_read in _batches(as_sentences(sentences)):
                n_sentences += n_read
                bar.advance(n_read)
                if not tokens:
                    continue
                raw = np.fromiter(map(get, tokens, repeat(-1)), dtype=np.int32, count=len(tokens))
                missing = np.flatnonzero(raw < 0)
                if missing.size:  # new words get the next ids, in order of first occurrence
                    for i in missing.tolist():
                        word = tokens[i]
                        j = get(word)
                        if j is None:
                            j = provisional[word] = len(provisional)
                        raw[i] = j
                    if len(provisional) > counts.size:
                        counts = np.concatenate((counts, np.zeros(max(counts.size, len(provisional)), dtype=np.int64)))
                np.add.at(counts, raw, 1)
                raw_ids.add(raw)
                raw_lengths.add(lengths)
                if raw_ids.size > memmap_threshold:
                    scratch.spilling = True
        counts = counts[: len(provisional)]
        vocab = Vocabulary.from_counts(
            list(provisional), counts, min_count=min_count, max_vocab_size=max_vocab_size, n_sentences=n_sentences
        )
        remap = np.full(counts.size, -1, dtype=np.int32)
        remap[np.fromiter(map(provisional.__getitem__, vocab.words), dtype=np.int64, count=len(vocab))] = np.arange(
            len(vocab), dtype=np.int32
        )
        del provisional
        writer = _Writer(folder, max_sentence_length, memmap_threshold)
        for raw, lengths in zip(raw_ids.chunks(), raw_lengths.chunks()):
            writer.add(remap[raw], lengths)
        del raw_ids, raw_lengths
        return vocab, writer.finish()
    except BaseException:
        folder.remove()
        raise
    finally:
        scratch.remove()


def id_reader(ids: np.ndarray) -> Callable[[int, int], np.ndarray]:
    """``read(a, b)`` -> writable int32 array of ``ids[a:b]``.

    A memory-mapped corpus is read chunk by chunk from its file, so its pages never count in this
    process's resident memory (peak RSS stays independent of corpus length)."""
    if isinstance(ids, np.memmap) and ids.filename:
        filename, base = ids.filename, int(ids.offset)

        def read_file(a: int, b: int) -> np.ndarray:
            return np.fromfile(filename, dtype=np.int32, count=b - a, offset=base + 4 * a)

        return read_file

    def read_memory(a: int, b: int) -> np.ndarray:
        return ids[a:b]

    return read_memory
