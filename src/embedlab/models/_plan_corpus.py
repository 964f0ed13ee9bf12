"""What the memory planner knows about a corpus: token, type and sentence counts, exact on a
small corpus and extrapolated from sampled blocks of a large one (:func:`scan_corpus`)."""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CorpusStats", "scan_corpus", "format_bytes"]

MB = 1 << 20


def format_bytes(n: float) -> str:
    """``1.23 GB`` / ``456 MB`` (decimal units, as :func:`parse_memory` reads them)."""
    if n >= 1e9:
        return f"{n / 1e9:.2f} GB"
    return f"{n / 1e6:.0f} MB"


@dataclass
class CorpusStats:
    """What the planner knows about a corpus (extrapolated when ``sampled``)."""

    tokens: int
    sentences: int
    types: int
    counts: np.ndarray            # counts of the distinct tokens, descending (scaled up when sampled)
    words: list[str]              # the tokens of ``counts``, same order
    max_sentence: int
    bytes: int
    sampled: bool = False
    sample_fraction: float = 1.0
    notes: list[str] = field(default_factory=list)

    def vocab_size(self, min_count: int, max_vocab_size: int | None = None) -> int:
        """Words kept by ``min_count`` / ``max_vocab_size`` (an estimate when sampled)."""
        if self.sampled and min_count * self.sample_fraction < 2:
            # rare words are under-represented in a sample: Heaps' law growth of the types seen once
            kept = int(self._heaps_types() * (1.0 if min_count <= 1 else (min_count ** -0.8)))
            kept = max(kept, int(np.count_nonzero(self.counts >= min_count)))
        else:
            kept = int(np.count_nonzero(self.counts >= min_count))
        return min(kept, max_vocab_size) if max_vocab_size else kept

    def kept_tokens(self, min_count: int, max_vocab_size: int | None = None) -> int:
        v = self.vocab_size(min_count, max_vocab_size)
        return int(min(self.tokens, self.counts[: max(v, 0)].sum()))

    def _heaps_types(self) -> float:
        beta = getattr(self, "_beta", 0.6)
        return self.types * (1.0 / self.sample_fraction) ** beta


def _file_size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def scan_corpus(corpus: Any, *, exact_limit: int = 512 * MB, sample_bytes: int = 48 * MB,
                blocks: int = 96) -> CorpusStats:
    """Count the tokens of ``corpus`` (a path, paths, a :class:`~embedlab.corpus.Corpus` or token lists).

    Plain-text corpora above ``exact_limit`` bytes are sampled: ``blocks`` evenly spaced blocks of
    ``sample_bytes`` in all, tokenized as the model would, then extrapolated by bytes (token counts)
    and Heaps' law (distinct words); ``notes`` says so.
    """
    from ..corpus import Corpus, as_sentences

    if isinstance(corpus, (str, os.PathLike)) or (
        isinstance(corpus, (list, tuple)) and corpus and all(isinstance(c, (str, os.PathLike)) for c in corpus)
    ):
        corpus = Corpus(corpus)
    total_bytes = sum(_file_size(p) for p in corpus.files) if isinstance(corpus, Corpus) else 0
    plain = isinstance(corpus, Corpus) and all(p.suffix not in (".gz", ".bz2") for p in corpus.files)
    if plain and total_bytes > exact_limit:
        return _sampled(corpus, total_bytes, sample_bytes, blocks)
    counter: Counter[str] = Counter()
    n_sent = 0
    longest = 0
    for sentence in as_sentences(corpus):
        counter.update(sentence)
        n_sent += 1
        longest = max(longest, len(sentence))
    return _stats(counter, n_sent, min(longest, 10000), total_bytes)


def _stats(counter: Counter[str], n_sent: int, longest: int, nbytes: int) -> CorpusStats:
    words = list(counter)
    counts = np.fromiter(counter.values(), dtype=np.int64, count=len(words))
    order = np.argsort(-counts, kind="stable")
    return CorpusStats(tokens=int(counts.sum()), sentences=n_sent, types=len(words), counts=counts[order],
                       words=[words[i] for i in order], max_sentence=longest, bytes=nbytes)


def _sample_lines(corpus: Any, total: int, sample_bytes: int, blocks: int) -> Iterator[str]:
    per_block = max(sample_bytes // blocks, 1 << 16)
    files = list(corpus.files)
    sizes = [_file_size(p) for p in files]
    starts = np.cumsum([0, *sizes])
    for b in range(blocks):
        pos = int(total * b / blocks)
        f = int(np.searchsorted(starts, pos, side="right") - 1)
        f = min(max(f, 0), len(files) - 1)
        with open(files[f], "rb") as fh:
            fh.seek(pos - int(starts[f]))
            if pos > starts[f]:
                fh.readline()  # skip to the next full line
            data = fh.read(per_block)
            data = data[: data.rfind(b"\n") + 1] or data
        yield from data.decode(corpus.encoding, errors="replace").splitlines()


def _sampled(corpus: Any, total: int, sample_bytes: int, blocks: int) -> CorpusStats:
    tokenize = corpus._tokenize
    counter: Counter[str] = Counter()
    n_sent = 0
    longest = 0
    read = 0
    half_types = 0
    lines = list(_sample_lines(corpus, total, sample_bytes, blocks))
    for k, line in enumerate(lines):
        read += len(line) + 1
        tokens = tokenize(line)
        if tokens:
            counter.update(tokens)
            n_sent += 1
            longest = max(longest, len(tokens))
        if k == len(lines) // 2:
            half_types = len(counter)
    frac = min(read / total, 1.0)
    stats = _stats(counter, n_sent, min(longest, 10000), total)
    scale = 1.0 / frac
    beta = math.log(max(stats.types, 2) / max(half_types, 1)) / math.log(2.0) if half_types else 0.6
    beta = min(max(beta, 0.3), 0.9)
    stats.counts = np.maximum((stats.counts * scale).astype(np.int64), 1)
    stats.tokens = int(stats.counts.sum())
    stats.sentences = int(n_sent * scale)
    stats.sampled = True
    stats.sample_fraction = frac
    stats._beta = beta  # type: ignore[attr-defined]
    stats.types = int(stats.types * scale**beta)
    stats.notes.append(
        f"corpus of {format_bytes(total)} is too large to count quickly: sampled {format_bytes(read)} "
        f"({frac:.1%}) in {blocks} blocks and extrapolated (Heaps exponent {beta:.2f}); figures are estimates"
    )
    return stats


