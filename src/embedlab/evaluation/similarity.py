"""Word similarity: correlation between cosine similarities and human judgements.

The numbers equal gensim's ``KeyedVectors.evaluate_word_pairs`` (``dummy4unknown=False``): pairs
with a word outside the (restricted) vocabulary are skipped; with ``lowercase=True`` words are
matched case-insensitively and, among several case variants of a key, the most frequent (first)
one is used, as gensim's ``case_insensitive=True`` does.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from scipy import stats

from .._progress import logger
from ..exceptions import DataError
from ..vectors.keyed import KeyedVectors
from .base import EvalResult, register_evaluator
from .datasets import SimilarityDataset, load_similarity

__all__ = ["WordSimilarity", "vocab_lookup", "load_similarity"]


def vocab_lookup(kv: KeyedVectors, restrict_vocab: int | None, case_insensitive: bool) -> dict[str, int]:
    """Map (upper-cased when ``case_insensitive``) keys among the first ``restrict_vocab`` to rows.

    For keys that collide after upper-casing the first (most frequent) row wins, as in gensim.
    """
    keys = kv.index_to_key[:restrict_vocab] if restrict_vocab is not None else kv.index_to_key
    if not case_insensitive:
        return {k: i for i, k in enumerate(keys)}
    return {k.upper(): i for i, k in reversed(list(enumerate(keys)))}


def _unit_rows(v: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length in float64, then float32 (as gensim's unitvec); zero rows stay zero."""
    v64 = v.astype(np.float64)
    n = np.linalg.norm(v64, axis=1, keepdims=True)
    return (v64 * (1.0 / np.where(n > 0, n, 1.0))).astype(np.float32)


class WordSimilarity:
    """Spearman (primary) and Pearson correlation of cosine similarity with human scores.

    ``dataset``: a bundled name (``wordsim353``, ``simlex999``), a file path or a
    :class:`SimilarityDataset`. ``restrict_vocab`` limits the vocabulary to the first N keys
    (None: all). ``coverage`` is the share of pairs with both words in the vocabulary.
    """

    def __init__(
        self,
        dataset: str | os.PathLike[str] | SimilarityDataset,
        name: str | None = None,
        lowercase: bool = True,
        restrict_vocab: int | None = None,
    ) -> None:
        self.dataset = dataset if isinstance(dataset, SimilarityDataset) else load_similarity(dataset)
        self.name = name or f"similarity:{self.dataset.name}"
        self.lowercase = lowercase
        self.restrict_vocab = restrict_vocab

    def pair_indices(self, kv: KeyedVectors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of both words for each covered pair, and the covered pairs' positions."""
        lookup = vocab_lookup(kv, self.restrict_vocab, self.lowercase)
        norm = str.upper if self.lowercase else str
        i1, i2, keep = [], [], []
        for j, (a, b) in enumerate(zip(self.dataset.word1, self.dataset.word2)):
            ra, rb = lookup.get(norm(a)), lookup.get(norm(b))
            if ra is not None and rb is not None:
                i1.append(ra)
                i2.append(rb)
                keep.append(j)
        return np.asarray(i1, dtype=np.int64), np.asarray(i2, dtype=np.int64), np.asarray(keep, dtype=np.int64)

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        """Score ``kv``; raises DataError when fewer than 2 pairs are covered."""
        i1, i2, keep = self.pair_indices(kv)
        total = len(self.dataset)
        if len(keep) < 2:
            raise DataError(
                f"{self.name}: only {len(keep)} of {total} pairs have both words in the vocabulary "
                f"({len(kv)} keys); use vectors with a larger vocabulary or another dataset"
            )
        v1 = np.asarray(kv.vectors[i1], dtype=np.float32)
        v2 = np.asarray(kv.vectors[i2], dtype=np.float32)
        u1, u2 = _unit_rows(v1), _unit_rows(v2)
        # One float32 dot per pair (not einsum): bit-identical to gensim's similarity().
        model = np.array([np.dot(a, b) for a, b in zip(u1, u2)], dtype=np.float32)
        gold = self.dataset.scores[keep]
        with warnings.catch_warnings():  # constant cosines: NaN, refused by checked_score with a reason
            warnings.simplefilter("ignore", stats.ConstantInputWarning)
            spearman = stats.spearmanr(gold, model)
            pearson = stats.pearsonr(gold, model)
        coverage = len(keep) / total
        if coverage < 1.0:
            logger.info("%s: %d of %d pairs skipped (out of vocabulary)", self.name, total - len(keep), total)
        return EvalResult(
            name=self.name,
            metrics={
                "spearman": float(spearman.statistic),
                "pearson": float(pearson.statistic),
                "coverage": coverage,
            },
            primary_metric="spearman",
            greater_is_better=True,
            coverage=coverage,
            n=int(len(keep)),
            details={
                "dataset": self.dataset.source,
                "pairs": total,
                "oov_pairs": total - int(len(keep)),
                "spearman_pvalue": float(spearman.pvalue),
                "pearson_pvalue": float(pearson.pvalue),
            },
        )


@register_evaluator("similarity")
def _make_similarity(arg: str) -> WordSimilarity:
    return WordSimilarity(arg)
