"""Vectors of a recommender: item vectors plus users, their histories and how users are scored.

:class:`RecommenderVectors` is a :class:`~embedlab.vectors.KeyedVectors` whose rows are the
*items* (so ``neighbors``, ``most_similar``, search and every vectors tool work on items) and
which also carries

* ``user_ids`` and each user's training history (``history_indptr`` / ``history_indices``: item
  rows in time order), so ``recommend`` can leave seen items out without the training file;
* optional stored ``user_vectors`` (ALS, BPR);
* ``user_mode``: how a user's query vector is formed, one of

  - ``"stored"``: the stored user vector (factorisation models);
  - ``"mean"``: the mean of the history's item vectors (item2vec);
  - ``"recency"``: a mean weighted ``0.5 ** (age / half_life)`` by position from the latest item;
  - ``"indicator"``: the sum of one-hot rows of the history, scored against item vectors that are
    the columns of an item-item weight matrix (EASE, item-kNN: ``score = x_u @ B``);
  - ``"ones"``: a constant query (popularity: the item vector is its count);

* ``score``: ``"dot"`` or ``"cosine"`` (unit item vectors and unit query vectors);
* optional ``output_vectors``: what queries are scored against (with ``"dot"``) when it is not
  the rows themselves: item2vec's output (context) vectors, so a user (mean of the history's
  input vectors) is scored as the training objective scores a context, while the rows stay the
  input vectors that ``most_similar`` compares.

The npz format stores all of it in one file (see :mod:`embedlab.vectors.io.npz`: the members
``user_keys``, ``user_key_lengths``, ``history_indptr``, ``history_indices`` and optionally
``user_vectors`` and ``output_vectors``; the rest in ``metadata["recommendation"]``). Plain vectors files (word2vec
text, e.g. from gensim) load as plain KeyedVectors and are scored with ``"mean"``/``"cosine"``.

:func:`topk_items` is the one exact top-k routine of recommendation: blocked BLAS products over
all items merged by :func:`embedlab.kernels.topk.merge_topk`, with per-user sorted exclusions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import DataError, InvalidParameterError
from .keyed import KeyedVectors

__all__ = ["RecommenderVectors", "USER_MODES", "SCORES", "topk_items", "query_vectors", "recommendation_settings"]

USER_MODES = ("stored", "mean", "recency", "indicator", "ones")
SCORES = ("dot", "cosine")
_BLOCK_CELLS = 8_000_000  # scores held at once (users x items block)


class RecommenderVectors(KeyedVectors):
    """Item vectors (rows) with users, their histories and the user scoring rule."""

    def __init__(
        self,
        keys: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        metadata: dict[str, Any] | None = None,
        *,
        user_ids: Sequence[str],
        history_indptr: np.ndarray,
        history_indices: np.ndarray,
        user_vectors: np.ndarray | None = None,
        user_mode: str = "mean",
        score: str = "dot",
        recency_half_life: float = 10.0,
        output_vectors: np.ndarray | None = None,
    ) -> None:
        super().__init__(keys, vectors, counts, metadata)
        if user_mode not in USER_MODES:
            raise InvalidParameterError(f"user_mode must be one of {', '.join(USER_MODES)}; got {user_mode!r}")
        if score not in SCORES:
            raise InvalidParameterError(f"score must be one of {', '.join(SCORES)}; got {score!r}")
        self.user_ids: list[str] = [str(u) for u in user_ids]
        self.user_to_index: dict[str, int] = {u: i for i, u in enumerate(self.user_ids)}
        if len(self.user_to_index) != len(self.user_ids):
            raise DataError("user ids must be unique; found duplicates")
        self.history_indptr = np.asarray(history_indptr, dtype=np.int64)
        self.history_indices = np.asarray(history_indices, dtype=np.int64)
        if self.history_indptr.shape != (len(self.user_ids) + 1,) or int(self.history_indptr[-1]) != self.history_indices.size:
            raise DataError(f"history does not fit {len(self.user_ids)} users")
        if self.history_indices.size and (self.history_indices.min() < 0 or self.history_indices.max() >= len(self)):
            raise DataError(f"history holds item rows outside 0..{len(self) - 1}")
        if user_mode == "stored":
            if user_vectors is None or user_vectors.shape != (len(self.user_ids), self.vector_size):
                raise DataError(f"user_mode 'stored' needs user vectors of shape ({len(self.user_ids)}, {self.vector_size})")
        if user_mode == "indicator" and self.vector_size != len(self):
            raise DataError(f"user_mode 'indicator' needs item vectors of dimension n_items ({len(self)}); got {self.vector_size}")
        if output_vectors is not None and output_vectors.shape != self.vectors.shape:
            raise DataError(f"output vectors of shape {output_vectors.shape} do not match the item vectors {self.vectors.shape}")
        self.user_vectors = None if user_vectors is None else np.asarray(user_vectors, dtype=np.float32)
        self.output_vectors = None if output_vectors is None else np.asarray(output_vectors, dtype=np.float32)
        self.user_mode = user_mode
        self.score = score
        self.recency_half_life = float(recency_half_life)
        self.metadata["recommendation"] = self.settings()

    def settings(self) -> dict[str, Any]:
        return {"user_mode": self.user_mode, "score": self.score, "recency_half_life": self.recency_half_life,
                "n_users": len(self.user_ids), "n_items": len(self)}

    # ------------------------------------------------------------------ persistence (npz members)
    def npz_members(self) -> dict[str, np.ndarray]:
        """The extra npz members (the item vectors are the file's ordinary ``vectors``)."""
        text = "".join(self.user_ids)
        out = {
            "user_keys": np.frombuffer(text.encode("utf-8"), dtype=np.uint8),
            "user_key_lengths": np.fromiter((len(u) for u in self.user_ids), dtype=np.int64, count=len(self.user_ids)),
            "history_indptr": self.history_indptr,
            "history_indices": self.history_indices.astype(np.int32),
        }
        if self.user_vectors is not None:
            out["user_vectors"] = np.ascontiguousarray(self.user_vectors, dtype=np.float32)
        if self.output_vectors is not None:
            out["output_vectors"] = np.ascontiguousarray(self.output_vectors, dtype=np.float32)
        return out

    @classmethod
    def from_members(cls, kv: KeyedVectors, members: dict[str, np.ndarray]) -> RecommenderVectors:
        """Rebuild from the plain item vectors and the extra npz members."""
        settings = dict(kv.metadata.get("recommendation") or {})
        raw, lengths = members["user_keys"], members["user_key_lengths"].astype(np.int64)
        text = raw.astype(np.uint8).tobytes().decode("utf-8")
        ends = np.cumsum(lengths)
        if lengths.size and ends[-1] != len(text):
            raise DataError("user_key_lengths does not match user_keys")
        users = [text[a:b] for a, b in zip((ends - lengths).tolist(), ends.tolist())]
        return cls(
            kv.index_to_key, kv.vectors, kv.counts, kv.metadata, user_ids=users,
            history_indptr=members["history_indptr"], history_indices=members["history_indices"],
            user_vectors=members.get("user_vectors"), user_mode=settings.get("user_mode", "mean"),
            score=settings.get("score", "dot"), recency_half_life=float(settings.get("recency_half_life", 10.0)),
            output_vectors=members.get("output_vectors"),
        )

    # ------------------------------------------------------------------ users
    def history(self, user: str) -> np.ndarray:
        """Item rows a known user interacted with in training (time order)."""
        u = self.user_to_index[user]
        return self.history_indices[self.history_indptr[u]: self.history_indptr[u + 1]]


def recommendation_settings(kv: KeyedVectors) -> tuple[str, str, float]:
    """``(user_mode, score, recency_half_life)`` of any vectors (plain ones: mean, cosine)."""
    if isinstance(kv, RecommenderVectors):
        return kv.user_mode, kv.score, kv.recency_half_life
    return "mean", "cosine", 10.0


def _item_matrix(kv: KeyedVectors, score: str) -> np.ndarray:
    return kv.unit_vectors if score == "cosine" else np.asarray(kv.vectors, dtype=np.float32)


def query_vectors(
    kv: KeyedVectors,
    indptr: np.ndarray,
    indices: np.ndarray,
    users: Sequence[str] | None = None,
) -> tuple[Any, np.ndarray]:
    """Query vectors of users given their histories (item rows of ``kv`` in time order, CSR).

    Returns ``(Q, ok)``: a dense float32 matrix (or a scipy CSR for ``"indicator"``) and a mask of
    the users that could be scored (a history with a known item, or a stored vector for
    ``users``). Unscorable users get zero rows.
    """
    mode, score, half_life = recommendation_settings(kv)
    n = indptr.shape[0] - 1
    lens = np.diff(indptr)
    if mode == "stored":
        assert isinstance(kv, RecommenderVectors)
        if users is None:
            raise InvalidParameterError("stored user vectors need the user ids")
        rows = np.array([kv.user_to_index.get(str(u), -1) for u in users], dtype=np.int64)
        ok = rows >= 0
        q = np.zeros((n, kv.vector_size), np.float32)
        q[ok] = kv.user_vectors[rows[ok]]  # type: ignore[index]
        return q, ok
    ok = lens > 0
    if mode == "ones":
        q = np.zeros((n, kv.vector_size), np.float32)
        q[ok] = 1.0
        return q, ok
    from scipy import sparse

    if mode == "indicator":
        data = np.ones(indices.shape[0], np.float32)
        m = sparse.csr_matrix((data, indices, indptr), shape=(n, len(kv)))
        m.sum_duplicates()
        m.data[:] = 1.0
        return m, ok
    if mode == "recency":
        pos_from_end = np.concatenate([np.arange(k - 1, -1, -1) for k in lens]) if n else np.zeros(0)
        w = np.power(0.5, pos_from_end / max(half_life, 1e-9)).astype(np.float32)
    else:
        w = np.ones(indices.shape[0], np.float32)
    m = sparse.csr_matrix((w, indices, indptr), shape=(n, len(kv)))
    items = _item_matrix(kv, score)
    q = np.asarray(m @ items, dtype=np.float32)
    if score == "cosine":
        norms = np.linalg.norm(q, axis=1, keepdims=True)
        q /= np.maximum(norms, 1e-12)
    else:
        total = np.asarray(m.sum(axis=1), dtype=np.float32)
        q /= np.maximum(total, 1e-12)
    return q, ok


def topk_items(
    kv: KeyedVectors,
    queries: Any,
    k: int,
    excl_ptr: np.ndarray | None = None,
    excl_idx: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` item rows (and scores) per query over *all* items of ``kv``.

    ``queries`` is a dense (n, dim) matrix or a scipy CSR (indicator mode); ``excl_ptr`` /
    ``excl_idx`` give each query's item rows to leave out, sorted per query. Items are scored
    in blocks (one BLAS product per block) and merged into running top-k lists; ties keep the
    lower item row. Rows with fewer than ``k`` candidates end in ``-1`` / ``-inf``.
    """
    from ..kernels.topk import empty_topk, merge_topk, no_exclusions

    if not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameterError(f"k must be an int >= 1; got {k!r}")
    _, score, _ = recommendation_settings(kv)
    output = getattr(kv, "output_vectors", None)
    items = output if output is not None and score == "dot" else _item_matrix(kv, score)
    n_q = queries.shape[0]
    n_items = items.shape[0]
    k_eff = int(min(k, max(n_items, 1)))
    top_val, top_idx = empty_topk(n_q, k_eff)
    if excl_ptr is None or excl_idx is None:
        excl_ptr, excl_idx = no_exclusions(n_q)
    excl_ptr = np.ascontiguousarray(excl_ptr, dtype=np.int64)
    excl_idx = np.ascontiguousarray(excl_idx, dtype=np.int64)
    q_step = max(1, min(n_q, 4096))
    i_step = max(256, _BLOCK_CELLS // q_step)
    sparse_q = hasattr(queries, "tocsr")
    for q0 in range(0, n_q, q_step):
        q1 = min(q0 + q_step, n_q)
        qb = queries[q0:q1]
        tv, ti = top_val[q0:q1], top_idx[q0:q1]
        ep = excl_ptr[q0: q1 + 1] - excl_ptr[q0]
        ei = excl_idx[excl_ptr[q0]: excl_ptr[q1]]
        for i0 in range(0, n_items, i_step):
            i1 = min(i0 + i_step, n_items)
            block = items[i0:i1]
            if sparse_q:
                scores = np.asarray((qb @ block.T), dtype=np.float32)
            else:
                scores = np.asarray(qb, dtype=np.float32) @ block.T
            merge_topk(np.ascontiguousarray(scores, dtype=np.float32), i0, tv, ti, ep, ei)
        top_val[q0:q1], top_idx[q0:q1] = tv, ti
    if k_eff < k:
        pad_v = np.full((n_q, k - k_eff), -np.inf, np.float32)
        pad_i = np.full((n_q, k - k_eff), -1, np.int64)
        top_val, top_idx = np.hstack([top_val, pad_v]), np.hstack([top_idx, pad_i])
    return top_idx, top_val
