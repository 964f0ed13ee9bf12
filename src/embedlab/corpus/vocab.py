"""Vocabulary: word counts, ``min_count`` / ``max_vocab_size`` pruning, subsampling, noise distribution."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._progress import logger, progress_bar
from .._validation import Interval, check_param
from ..exceptions import DataError, FormatError

__all__ = ["Vocabulary", "select_words", "keep_probabilities"]


def select_words(counts: np.ndarray, min_count: int, max_vocab_size: int | None) -> np.ndarray:
    """Indices of the words to keep, most frequent first (ties keep index order).

    Raises :class:`DataError` when nothing is counted, or when no word reaches ``min_count``.
    """
    total = int(counts.sum())
    if total == 0:
        raise DataError("the corpus is empty or blank: no tokens to build a vocabulary from")
    order = np.argsort(-counts, kind="stable")
    kept = order[counts[order] >= min_count]
    if kept.size == 0:
        raise DataError(
            f"vocabulary is empty: no word occurs min_count={min_count} times (the most frequent occurs"
            f" {int(counts.max())} times in {total} tokens); lower min_count (CLI: --min-count)"
        )
    if max_vocab_size is not None:
        kept = kept[:max_vocab_size]
    logger.debug("vocabulary: %d of %d distinct words kept (min_count=%d)", kept.size, counts.size, min_count)
    return kept


class Vocabulary:
    """Words sorted by decreasing count (ties keep first-occurrence order) with their counts.

    ``total_words`` counts every token of the corpus, including those dropped by ``min_count``;
    ``n_sentences`` the sentences read. Build one with :meth:`build`.
    """

    def __init__(
        self,
        words: Iterable[str],
        counts: Iterable[int] | np.ndarray,
        *,
        total_words: int | None = None,
        n_sentences: int = 0,
        min_count: int = 1,
        max_vocab_size: int | None = None,
    ) -> None:
        self.words: list[str] = list(words)
        self.counts: np.ndarray = np.asarray(counts, dtype=np.int64).reshape(-1)
        if len(self.words) != len(self.counts):
            raise DataError(f"Vocabulary: {len(self.words)} words but {len(self.counts)} counts")
        self.word_to_id: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        if len(self.word_to_id) != len(self.words):
            raise DataError("Vocabulary: the word list holds duplicates")
        self.total_words = int(self.counts.sum()) if total_words is None else int(total_words)
        self.n_sentences = int(n_sentences)
        self.min_count = int(min_count)
        self.max_vocab_size = None if max_vocab_size is None else int(max_vocab_size)

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        sentences: Iterable[list[str]],
        min_count: int = 5,
        max_vocab_size: int | None = None,
        show_progress: bool = False,
    ) -> Vocabulary:
        """Count the tokens of ``sentences`` (anything :func:`as_sentences` accepts) and keep the
        words seen at least ``min_count`` times, at most the ``max_vocab_size`` most frequent."""
        from .readers import as_sentences

        check_param("min_count", min_count, [Interval(int, 1, None)], "Vocabulary")
        check_param("max_vocab_size", max_vocab_size, [Interval(int, 1, None), None], "Vocabulary")
        counter: Counter[str] = Counter()
        update = counter.update
        n_sentences = 0
        with progress_bar(None, "counting words", unit="sentences", enabled=show_progress) as bar:
            for sentence in as_sentences(sentences):
                update(sentence)
                n_sentences += 1
                if n_sentences % 10000 == 0:
                    bar.advance(10000)
        return cls.from_counter(counter, min_count=min_count, max_vocab_size=max_vocab_size, n_sentences=n_sentences)

    @classmethod
    def from_counter(
        cls,
        counter: Mapping[str, int],
        *,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        n_sentences: int = 0,
    ) -> Vocabulary:
        """Prune and sort a word -> count mapping (its iteration order breaks ties)."""
        words = list(counter)
        counts = np.fromiter(counter.values(), dtype=np.int64, count=len(words))
        return cls.from_counts(words, counts, min_count=min_count, max_vocab_size=max_vocab_size, n_sentences=n_sentences)

    @classmethod
    def from_counts(
        cls,
        words: list[str],
        counts: np.ndarray,
        *,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        n_sentences: int = 0,
    ) -> Vocabulary:
        """Prune and sort parallel ``words`` / ``counts`` (their order breaks ties)."""
        kept = select_words(counts, min_count, max_vocab_size)
        return cls(
            [words[i] for i in kept],
            counts[kept],
            total_words=int(counts.sum()),
            n_sentences=n_sentences,
            min_count=min_count,
            max_vocab_size=max_vocab_size,
        )

    # --- container protocol -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.word_to_id

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} words, {self.total_words} tokens, {self.n_sentences} sentences)"

    def count(self, word: str) -> int:
        """Count of ``word`` (0 if it is not in the vocabulary)."""
        i = self.word_to_id.get(word)
        return 0 if i is None else int(self.counts[i])

    @property
    def retained_words(self) -> int:
        """Sum of the counts of the words kept (the corpus size seen by training)."""
        return int(self.counts.sum())

    # --- sampling distributions ---------------------------------------------------------------
    def keep_probabilities(self, sample: float) -> np.ndarray:
        """Probability of keeping each word under word2vec's frequent-word subsampling
        (:func:`keep_probabilities` of this vocabulary's counts)."""
        return keep_probabilities(self.counts, sample)

    def noise_cdf(self, exponent: float = 0.75) -> np.ndarray:
        """Cumulative unigram^exponent distribution (float64, last value exactly 1.0) for
        negative sampling: draw ``searchsorted(cdf, u, side="right")`` with ``u`` uniform in [0, 1)."""
        check_param("exponent", exponent, [Interval(float, None, None)], "noise_cdf")
        weights = self.counts.astype(np.float64) ** float(exponent)
        cdf = np.cumsum(weights)
        cdf /= cdf[-1]
        cdf[-1] = 1.0
        return cdf

    # --- persistence --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (plain lists and ints)."""
        return {
            "words": list(self.words),
            "counts": [int(c) for c in self.counts],
            "total_words": self.total_words,
            "n_sentences": self.n_sentences,
            "min_count": self.min_count,
            "max_vocab_size": self.max_vocab_size,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Vocabulary:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(
                data["words"],
                data["counts"],
                total_words=data.get("total_words"),
                n_sentences=data.get("n_sentences", 0),
                min_count=data.get("min_count", 1),
                max_vocab_size=data.get("max_vocab_size"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, DataError):
                raise
            raise FormatError(f"vocabulary data is malformed ({exc!r}); expected keys 'words' and 'counts'") from None


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Probability of keeping each word (of ``counts``) under word2vec's frequent-word subsampling.

    word2vec.c / gensim formula with ``t = sample * retained_words``:
    ``p = (sqrt(count / t) + 1) * t / count``, capped at 1; ``sample == 0`` keeps every word.
    As in gensim, ``sample >= 1`` is read as an absolute count threshold.
    """
    check_param("sample", sample, [Interval(float, 0, None)], "keep_probabilities")
    counts = np.asarray(counts).astype(np.float64)
    if sample == 0:
        return np.ones(len(counts), dtype=np.float32)
    if sample < 1.0:
        threshold = sample * float(counts.sum())
    else:
        threshold = float(int(sample * (3 + math.sqrt(5)) / 2))
    prob = (np.sqrt(counts / threshold) + 1.0) * (threshold / counts)
    return np.minimum(prob, 1.0).astype(np.float32)
