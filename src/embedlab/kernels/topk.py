"""Running top-k over blocks of scores: the exact-search and ranking kernel.

The caller computes one block of scores (``scores``: n_queries x block, a BLAS matrix product of
queries against a block of the database, column ``j`` being database row ``col_offset + j``) and
merges it into per-query running top-k lists ``top_val`` / ``top_idx`` (descending, updated in
place, so blocks can be fed one after another; start them at ``-inf`` / ``-1``). Ties keep the
lower row. Rows to skip per query (a user's training items, the query key itself) are given as a
CSR structure ``excl_ptr`` / ``excl_idx`` with *sorted* database rows per query; pass
``excl_ptr`` of zeros for none. Queries run in parallel (``prange``); no I/O, no objects.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["merge_topk", "merge_topk_serial", "empty_topk", "no_exclusions"]


def empty_topk(n_queries: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh running top-k buffers: values ``-inf`` (float32), rows ``-1`` (int64)."""
    return np.full((n_queries, k), -np.inf, dtype=np.float32), np.full((n_queries, k), -1, dtype=np.int64)


def no_exclusions(n_queries: int) -> tuple[np.ndarray, np.ndarray]:
    """An empty exclusion CSR for ``n_queries`` queries."""
    return np.zeros(n_queries + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)


@njit(cache=True, nogil=True)
def _merge_rows(
    scores: np.ndarray,
    col_offset: int,
    top_val: np.ndarray,
    top_idx: np.ndarray,
    excl_ptr: np.ndarray,
    excl_idx: np.ndarray,
    q_start: int,
    q_end: int,
) -> None:
    n_cols = scores.shape[1]
    k_top = top_val.shape[1]
    for q in range(q_start, q_end):
        row_scores = scores[q]
        vals = top_val[q]
        idx = top_idx[q]
        # exclusions of this query that fall into this block (sorted rows)
        e = excl_ptr[q]
        e_end = excl_ptr[q + 1]
        while e < e_end and excl_idx[e] < col_offset:
            e += 1
        threshold = vals[k_top - 1]
        for c0 in range(0, n_cols, 32):
            c1 = min(c0 + 32, n_cols)
            hits = 0
            for j in range(c0, c1):  # vectorised count: most 32-blocks have no candidate
                hits += row_scores[j] > threshold
            if hits == 0:
                continue
            for j in range(c0, c1):
                s = row_scores[j]
                if not s > threshold:  # also rejects NaN
                    continue
                row = col_offset + j
                while e < e_end and excl_idx[e] < row:
                    e += 1
                if e < e_end and excl_idx[e] == row:
                    continue
                pos = k_top - 1
                while pos > 0 and s > vals[pos - 1]:
                    vals[pos] = vals[pos - 1]
                    idx[pos] = idx[pos - 1]
                    pos -= 1
                vals[pos] = s
                idx[pos] = row
                threshold = vals[k_top - 1]


@njit(cache=True, nogil=True, parallel=True)
def merge_topk(
    scores: np.ndarray,
    col_offset: int,
    top_val: np.ndarray,
    top_idx: np.ndarray,
    excl_ptr: np.ndarray,
    excl_idx: np.ndarray,
) -> None:
    """Merge one block of scores (``scores[q, j]`` scores row ``col_offset + j``) into the top-k."""
    n_q = scores.shape[0]
    n_chunks = min(n_q, 256)
    for chunk in prange(n_chunks):
        _merge_rows(scores, col_offset, top_val, top_idx, excl_ptr, excl_idx,
                    chunk * n_q // n_chunks, (chunk + 1) * n_q // n_chunks)


@njit(cache=True, nogil=True)
def merge_topk_serial(
    scores: np.ndarray,
    col_offset: int,
    top_val: np.ndarray,
    top_idx: np.ndarray,
    excl_ptr: np.ndarray,
    excl_idx: np.ndarray,
) -> None:
    """:func:`merge_topk` in the calling thread: for a few queries (no thread wake-ups), or for
    callers that run several searches in parallel threads themselves (``nogil``)."""
    _merge_rows(scores, col_offset, top_val, top_idx, excl_ptr, excl_idx, 0, scores.shape[0])
