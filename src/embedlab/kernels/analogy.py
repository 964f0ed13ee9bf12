"""Analogy scoring kernels: running top-K candidates per question over blocks of the vocabulary.

The caller computes, for one block of candidate keys, the cosine of every distinct question word
with every candidate (``sims``: n_words x block, one small matrix product). For each question
``(a, b, c)`` (indices into ``sims`` rows) the kernel scores each candidate column

* 3CosAdd: ``cos(b,x) + cos(c,x) - cos(a,x)`` (proportional to the cosine with
  ``unit(b) + unit(c) - unit(a)``, so the ranking equals gensim's ``most_similar``);
* 3CosMul: ``cos'(b,x) cos'(c,x) / (cos'(a,x) + 1e-6)`` with ``cos' = (1 + cos) / 2``
  (gensim's ``most_similar_cosmul``),

skips the question's own rows, and keeps the best ``K`` (score, row) pairs in descending order
in ``top_val`` / ``top_idx`` (updated in place, so blocks can be fed one after another). Ties
keep the lower row. Questions run in parallel (contiguous slices per thread, so consecutive
questions sharing ``a`` and ``b`` reuse cached rows).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["METHOD_3COSADD", "METHOD_3COSMUL", "update_topk", "pick_answers"]

METHOD_3COSADD = 0
METHOD_3COSMUL = 1


@njit(cache=True, nogil=True)
def _score_block(
    sims: np.ndarray, wa: int, wb: int, wc: int, method: int, buf: np.ndarray
) -> None:
    """Scores of every candidate column for one question (a plain loop the compiler vectorises)."""
    row_a, row_b, row_c = sims[wa], sims[wb], sims[wc]
    if method == METHOD_3COSADD:
        for j in range(buf.shape[0]):
            buf[j] = row_b[j] + row_c[j] - row_a[j]
    else:
        for j in range(buf.shape[0]):
            buf[j] = (
                ((np.float32(1.0) + row_b[j]) * np.float32(0.5))
                * ((np.float32(1.0) + row_c[j]) * np.float32(0.5))
                / ((np.float32(1.0) + row_a[j]) * np.float32(0.5) + np.float32(1e-6))
            )


@njit(cache=True, nogil=True, parallel=True)
def update_topk(
    sims: np.ndarray,
    q_words: np.ndarray,
    q_rows: np.ndarray,
    col_offset: int,
    method: int,
    top_val: np.ndarray,
    top_idx: np.ndarray,
) -> None:
    """Merge one block of candidates (``sims[:, j]`` is row ``col_offset + j``) into the top-K."""
    n_q = q_words.shape[0]
    n_cols = sims.shape[1]
    k_top = top_val.shape[1]
    n_chunks = min(n_q, 64)
    for chunk in prange(n_chunks):
        buf = np.empty(n_cols, dtype=np.float32)
        for q in range(chunk * n_q // n_chunks, (chunk + 1) * n_q // n_chunks):
            _score_block(sims, q_words[q, 0], q_words[q, 1], q_words[q, 2], method, buf)
            ra, rb, rc = q_rows[q, 0], q_rows[q, 1], q_rows[q, 2]
            vals = top_val[q]
            idx = top_idx[q]
            threshold = vals[k_top - 1]
            for c0 in range(0, n_cols, 32):
                c1 = min(c0 + 32, n_cols)
                hits = 0
                for j in range(c0, c1):  # vectorised count: most 32-blocks have no candidate
                    hits += buf[j] > threshold
                if hits == 0:
                    continue
                for j in range(c0, c1):
                    s = buf[j]
                    if not s > threshold:  # also rejects NaN (zero vectors)
                        continue
                    row = col_offset + j
                    if row == ra or row == rb or row == rc:
                        continue
                    pos = k_top - 1
                    while pos > 0 and s > vals[pos - 1]:
                        vals[pos] = vals[pos - 1]
                        idx[pos] = idx[pos - 1]
                        pos -= 1
                    vals[pos] = s
                    idx[pos] = row
                    threshold = vals[k_top - 1]


@njit(cache=True, nogil=True)
def pick_answers(top_idx: np.ndarray, q_groups: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """gensim's rule: the first of the top-K whose group is none of a, b, c; else the K-th.

    ``groups[row]`` identifies a key up to case (the row of its most frequent case variant);
    ``q_groups[q]`` holds the groups of a, b, c. Returns the answer's group (-1: no candidate).
    """
    n_q, k_top = top_idx.shape
    out = np.full(n_q, -1, dtype=np.int64)
    for q in range(n_q):
        for k in range(k_top):
            row = top_idx[q, k]
            if row < 0:
                break
            g = groups[row]
            out[q] = g
            if g != q_groups[q, 0] and g != q_groups[q, 1] and g != q_groups[q, 2]:
                break
    return out
