"""Exact top-k neighbours over unit vectors with BLAS score blocks and the shared top-k merge.

Used by drift (neighbour overlap per key) and stability (overlap across seeds). Scores are
cosines: ``queries @ block.T`` in float32 blocks of database rows, merged into running top-k
lists by :func:`embedlab.kernels.topk.merge_topk`, each query excluding its own row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..kernels.topk import empty_topk, merge_topk

__all__ = ["unit_rows", "topk_neighbours", "overlap_at_k"]

_BLOCK_ROWS = 8192
_QUERY_BLOCK = 1024


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), float32, C-contiguous."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


def topk_neighbours(unit: np.ndarray, queries: np.ndarray, k: int, advance: Callable[[int], Any] | None = None
                    ) -> np.ndarray:
    """Rows of the ``k`` nearest neighbours (cosine) of rows ``queries`` of ``unit``, self excluded.

    Exact: every database row is scored. Returns int64 (n_queries, k), best first (ties: lower
    row first); -1 where the database has fewer than k other rows. ``advance(n)`` is called after
    every block of ``n`` queries (progress).
    """
    queries = np.asarray(queries, dtype=np.int64)
    n = unit.shape[0]
    out = np.empty((queries.shape[0], k), dtype=np.int64)
    for q0 in range(0, queries.shape[0], _QUERY_BLOCK):
        rows = queries[q0 : q0 + _QUERY_BLOCK]
        qv = unit[rows]
        top_val, top_idx = empty_topk(rows.shape[0], k)
        excl_ptr = np.arange(rows.shape[0] + 1, dtype=np.int64)
        excl_idx = rows.copy()  # one exclusion (itself) per query: sorted by construction
        for c0 in range(0, n, _BLOCK_ROWS):
            block = unit[c0 : c0 + _BLOCK_ROWS]
            scores = qv @ block.T
            merge_topk(scores, c0, top_val, top_idx, excl_ptr, excl_idx)
        out[q0 : q0 + rows.shape[0]] = top_idx
        if advance is not None:  # progress: queries done
            advance(int(rows.shape[0]))
    return out


def overlap_at_k(nb_a: np.ndarray, nb_b: np.ndarray) -> np.ndarray:
    """Per row, ``|N_a & N_b| / k`` of two neighbour-row tables (n, k) over the same key set."""
    k = nb_a.shape[1]
    out = np.empty(nb_a.shape[0], dtype=np.float64)
    for i in range(nb_a.shape[0]):
        a = nb_a[i][nb_a[i] >= 0]
        b = nb_b[i][nb_b[i] >= 0]
        out[i] = np.intersect1d(a, b, assume_unique=True).shape[0] / k
    return out
