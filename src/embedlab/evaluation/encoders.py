"""Text-embedding adapter: what the document-level evaluators embed texts with.

The document-level evaluators (classification, clustering, retrieval, STS) and ``compare`` take
any of these side by side:

* :class:`~embedlab.vectors.KeyedVectors`: word vectors pooled by the task's own default
  (``doc_method``: mean, TF-IDF or SIF, see :class:`~embedlab.evaluation.documents.DocumentEmbedder`);
* :class:`PooledVectors`: word vectors with a pooling chosen for every task;
* a **text encoder**: any object with ``encode(texts) -> array`` (one row per text), such as
  :class:`embedlab.models.transformer.SentenceEncoder`, a sentence-transformers model, or a
  supervised model; if it has ``last_report_`` after ``encode`` (texts, empty texts, truncated
  texts), coverage comes from it;
* for retrieval only, a **ranker**: ``fit(docs)`` then ``score(queries) -> (n_queries, n_docs)``,
  such as :class:`embedlab.models.bm25.BM25` or :class:`HybridRanker` (reciprocal-rank fusion of
  a lexical and a dense ranking).

:func:`document_embedder` gives the evaluators one interface for all of them
(``fit(texts)``, ``transform(texts)``, ``last_oov_``); :func:`retrieval_scorer` does the same
for ranking documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..exceptions import DataError, InvalidParameterError
from .documents import DocumentEmbedder

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = [
    "TextEncoder",
    "Ranker",
    "PooledVectors",
    "TextCoverage",
    "HybridRanker",
    "is_text_encoder",
    "is_ranker",
    "is_word_vectors",
    "document_embedder",
    "doc_method_of",
    "retrieval_scorer",
    "reciprocal_rank_fusion",
    "describe_embedding",
]

POOLINGS = ("mean", "tfidf", "sif")


@runtime_checkable
class TextEncoder(Protocol):
    """Anything that turns texts into vectors, one row per text."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class Ranker(Protocol):
    """A retrieval method that scores documents without a vector per text (e.g. BM25)."""

    def fit(self, docs: Sequence[str]) -> Any: ...

    def score(self, queries: Sequence[str]) -> np.ndarray: ...


@dataclass
class PooledVectors:
    """Word vectors with a pooling (``mean``, ``tfidf``, ``sif``) used by every task."""

    kv: KeyedVectors
    pooling: str = "mean"

    def __post_init__(self) -> None:
        if self.pooling not in POOLINGS:
            raise InvalidParameterError(f"pooling must be one of {', '.join(POOLINGS)}; got {self.pooling!r}")


@dataclass
class TextCoverage:
    """Coverage of one encode call by a text encoder (same fields the evaluators read from OOVReport)."""

    n_texts: int
    n_empty_texts: int
    n_truncated: int = 0

    @property
    def text_coverage(self) -> float:
        return 1.0 - self.n_empty_texts / self.n_texts if self.n_texts else 0.0

    @property
    def token_coverage(self) -> float:
        """What the text tasks report as coverage: a sentence model encodes every token of a
        non-empty text (its subword vocabulary has no unknown words), so only empty texts count."""
        return self.text_coverage

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["text_coverage"] = self.text_coverage
        return d


def is_word_vectors(obj: Any) -> bool:
    return hasattr(obj, "key_to_index") and hasattr(obj, "vectors")


def is_text_encoder(obj: Any) -> bool:
    return not is_word_vectors(obj) and callable(getattr(obj, "encode", None))


def is_ranker(obj: Any) -> bool:
    return callable(getattr(obj, "score", None)) and callable(getattr(obj, "fit", None)) and not is_text_encoder(obj)


def _embedding_error(obj: Any, task: str = "") -> DataError:
    what = f"{task} needs" if task else "expected"
    return DataError(
        f"{what} word vectors, PooledVectors or a text encoder (an object with encode(texts)); "
        f"got {type(obj).__name__}"
    )


class _EncoderEmbedder:
    """A text encoder behind DocumentEmbedder's interface (nothing to fit)."""

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder

    def fit(self, texts: Sequence[str]) -> _EncoderEmbedder:
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        X = np.asarray(self.encoder.encode(texts), dtype=np.float64)
        if X.ndim != 2 or len(X) != len(texts):
            raise DataError(f"{type(self.encoder).__name__}.encode returned shape {X.shape} for {len(texts)} texts")
        empty = np.fromiter((not t.strip() for t in texts), dtype=bool, count=len(texts))
        X[empty] = 0.0  # an empty text has no meaning to embed: zero row, not covered
        report = getattr(self.encoder, "last_report_", None)
        self.last_oov_ = TextCoverage(len(texts), int(empty.sum()), int(getattr(report, "n_truncated", 0) or 0))
        if not np.isfinite(X).all():
            raise DataError(f"{type(self.encoder).__name__}.encode returned NaN or infinite values")
        return X

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        return self.fit(texts).transform(texts)


def document_embedder(embedding: Any, method: str) -> Any:
    """An object with ``fit(texts)``, ``transform(texts)`` and ``last_oov_`` for ``embedding``;
    ``method`` is the task's default pooling of word vectors."""
    if isinstance(embedding, PooledVectors):
        return DocumentEmbedder(embedding.kv, method=embedding.pooling)
    if is_word_vectors(embedding):
        return DocumentEmbedder(embedding, method=method)
    if is_text_encoder(embedding):
        return _EncoderEmbedder(embedding)
    raise _embedding_error(embedding)


def doc_method_of(embedding: Any, method: str) -> str:
    """The name results record as ``doc_method``: the pooling, or ``encoder:<class>``."""
    if isinstance(embedding, PooledVectors):
        return embedding.pooling
    if is_word_vectors(embedding):
        return method
    if is_ranker(embedding):
        return f"ranker:{type(embedding).__name__}"
    return f"encoder:{type(embedding).__name__}"


def describe_embedding(name: str, embedding: Any) -> dict[str, Any]:
    """What ``compare`` lists about an embedding of any kind."""
    if isinstance(embedding, PooledVectors):
        d = describe_embedding(name, embedding.kv)
        d["pooling"] = embedding.pooling
        return d
    if is_word_vectors(embedding):
        meta = embedding.metadata or {}
        return {"name": name, "n_words": len(embedding), "dim": embedding.vector_size,
                "method": meta.get("method", "?"), "has_counts": embedding.counts is not None}
    kind = "ranker" if is_ranker(embedding) else "encoder"
    dim = getattr(embedding, "dimension", None)
    return {"name": name, "n_words": 0, "dim": int(dim) if isinstance(dim, int) else 0,
            "method": getattr(embedding, "name", None) or type(embedding).__name__, "kind": kind,
            "has_counts": False}


# ---------------------------------------------------------------------------- retrieval
def _unit_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.linalg.norm(X, axis=1)
    return X / np.maximum(n, 1e-12)[:, None], n > 0


class _DenseScorer:
    """Cosine between document and query vectors of any dense embedding."""

    def __init__(self, embedding: Any, method: str) -> None:
        self.embedder = document_embedder(embedding, method)

    def fit(self, docs: Sequence[str]) -> _DenseScorer:
        self.embedder.fit(docs)
        self.D_, _ = _unit_rows(self.embedder.transform(docs))
        self.doc_report_ = self.embedder.last_oov_
        return self

    def set_queries(self, queries: Sequence[str]) -> np.ndarray:
        self.Q_, covered = _unit_rows(self.embedder.transform(queries))
        self.query_report_ = self.embedder.last_oov_
        return covered

    def block(self, lo: int, hi: int) -> np.ndarray:
        return self.Q_[lo:hi] @ self.D_.T


class _RankerScorer:
    """A ranker (BM25, hybrid) behind the same interface."""

    def __init__(self, ranker: Any) -> None:
        self.ranker = ranker

    def fit(self, docs: Sequence[str]) -> _RankerScorer:
        self.ranker.fit(list(docs))
        n = len(docs)
        empty = sum(1 for t in docs if not t.strip())
        self.doc_report_ = getattr(self.ranker, "doc_report_", None) or TextCoverage(n, empty)
        return self

    def set_queries(self, queries: Sequence[str]) -> np.ndarray:
        self.queries_ = list(queries)
        covered = getattr(self.ranker, "query_coverage", None)
        mask = covered(self.queries_) if callable(covered) else np.array([bool(q.strip()) for q in self.queries_])
        self.query_report_ = TextCoverage(len(self.queries_), int((~mask).sum()))
        return mask

    def block(self, lo: int, hi: int) -> np.ndarray:
        return np.asarray(self.ranker.score(self.queries_[lo:hi]), dtype=np.float64)


def retrieval_scorer(embedding: Any, method: str) -> Any:
    """``fit(docs)``, ``set_queries(queries) -> covered mask``, ``block(lo, hi) -> scores``,
    ``doc_report_``, ``query_report_`` for a dense embedding or a ranker."""
    if is_ranker(embedding):
        return _RankerScorer(embedding)
    return _DenseScorer(embedding, method)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of every document per query (higher score first, ties by document order)."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(scores.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, scores.shape[1] + 1)[None, :]
    return ranks


def reciprocal_rank_fusion(score_blocks: Sequence[np.ndarray], k: float = 60.0,
                           weights: Sequence[float] | None = None) -> np.ndarray:
    """Reciprocal-rank fusion (Cormack, Clarke & Buettcher 2009): ``sum_i w_i / (k + rank_i)``."""
    if not score_blocks:
        raise InvalidParameterError("reciprocal_rank_fusion needs at least one ranking")
    if k <= 0:
        raise InvalidParameterError(f"rrf k must be > 0; got {k}")
    w = [1.0] * len(score_blocks) if weights is None else list(weights)
    out = np.zeros(score_blocks[0].shape, dtype=np.float64)
    for wi, s in zip(w, score_blocks):
        out += wi / (k + _ranks(np.asarray(s, dtype=np.float64)))
    return out


class HybridRanker:
    """Reciprocal-rank fusion of a lexical ranking and a dense one (``--hybrid``).

    ``lexical`` is a ranker (e.g. BM25), ``dense`` any dense embedding (text encoder, word
    vectors, PooledVectors); ``k`` is the RRF constant (60, as in Cormack et al.); ``method``
    is the pooling of word vectors when ``dense`` is KeyedVectors.
    """

    def __init__(self, lexical: Any, dense: Any, k: float = 60.0, method: str = "tfidf") -> None:
        if not is_ranker(lexical):
            raise InvalidParameterError(f"HybridRanker: lexical must be a ranker (fit/score); got {type(lexical).__name__}")
        self.lexical = lexical
        self.dense = dense
        self.k = k
        self.method = method
        self.name = f"hybrid({getattr(lexical, 'name', type(lexical).__name__)}+{getattr(dense, 'name', type(dense).__name__)})"

    def fit(self, docs: Sequence[str]) -> HybridRanker:
        self.lexical.fit(list(docs))
        self._dense = retrieval_scorer(self.dense, self.method).fit(docs)
        self.doc_report_ = self._dense.doc_report_
        return self

    def query_coverage(self, queries: Sequence[str]) -> np.ndarray:
        return np.array([bool(q.strip()) for q in queries])

    def score(self, queries: Sequence[str]) -> np.ndarray:
        queries = list(queries)
        self._dense.set_queries(queries)
        dense = self._dense.block(0, len(queries))
        lexical = np.asarray(self.lexical.score(queries), dtype=np.float64)
        return reciprocal_rank_fusion([lexical, dense], self.k)
