"""BM25: the lexical retrieval baseline (a thin wrapper of ``bm25s``, optional extra ``transformers``).

:class:`BM25` follows the ranker interface of :mod:`embedlab.evaluation.encoders`:
``fit(docs)`` indexes the documents, ``score(queries)`` returns an ``(n_queries, n_docs)``
matrix of BM25 scores (Lucene's variant, ``k1`` = 1.5, ``b`` = 0.75 as bm25s and Lucene
default), so that :class:`~embedlab.evaluation.retrieval.Retrieval` ranks with it and
:class:`~embedlab.evaluation.encoders.HybridRanker` fuses it with a dense ranking. English stop
words are removed by default (``stopwords="en"``; ``None`` keeps them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import Interval, Options, validate_params
from ..exceptions import DataError, MissingDependencyError, NotFittedError

__all__ = ["BM25"]


def _bm25s() -> Any:
    try:
        import bm25s
    except ImportError as exc:
        raise MissingDependencyError(
            "bm25s is needed for the BM25 baseline; install it with: pip install 'embedlab[transformers]'"
        ) from exc
    return bm25s


class BM25:
    """Okapi BM25 ranking of documents for queries."""

    name = "bm25"
    _parameter_constraints: dict[str, list[Any]] = {
        "k1": [Interval(float, 0.0, None, search=(0.5, 2.0))],
        "b": [Interval(float, 0.0, 1.0, search=(0.3, 1.0))],
        "method": [Options(("lucene", "robertson", "atire", "bm25l", "bm25+"))],
        "stopwords": [None, Options(("en",))],
        "lowercase": [bool],
    }

    def __init__(self, k1: float = 1.5, b: float = 0.75, method: str = "lucene", stopwords: str | None = "en",
                 lowercase: bool = True) -> None:
        self.k1 = k1
        self.b = b
        self.method = method
        self.stopwords = stopwords
        self.lowercase = lowercase

    def get_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._parameter_constraints}

    def _tokenize(self, texts: Sequence[str], ids: bool) -> Any:
        return _bm25s().tokenize(list(texts), lower=self.lowercase, stopwords=self.stopwords or [],
                                 return_ids=ids, show_progress=False)

    def fit(self, docs: Sequence[str]) -> BM25:
        """Index ``docs`` (a text per document)."""
        validate_params(self._parameter_constraints, self.get_params(), type(self).__name__)
        docs = list(docs)
        if not docs:
            raise DataError("BM25.fit needs at least one document; got none")
        bm25s = _bm25s()
        tokens = self._tokenize(docs, ids=True)
        self.index_ = bm25s.BM25(k1=self.k1, b=self.b, method=self.method)
        self.index_.index(tokens, show_progress=False)
        self.vocab_ = set(tokens.vocab)
        self.n_docs_ = len(docs)
        return self

    def query_coverage(self, queries: Sequence[str]) -> np.ndarray:
        """Whether each query has at least one indexed term (else all its scores are 0)."""
        toks = self._tokenize(queries, ids=False)
        return np.array([any(t in self.vocab_ for t in q) for q in toks])

    def score(self, queries: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for every query, shape ``(len(queries), n_docs)``."""
        if not hasattr(self, "index_"):
            raise NotFittedError("BM25 is not fitted; call fit(docs) first")
        toks = self._tokenize(queries, ids=False)
        out = np.zeros((len(toks), self.n_docs_), dtype=np.float64)
        for i, q in enumerate(toks):
            q = [t for t in q if t in self.vocab_]
            if q:
                out[i] = self.index_.get_scores(q)
        return out
