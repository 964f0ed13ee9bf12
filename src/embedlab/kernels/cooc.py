"""Windowed co-occurrence counting kernels (private).

Pairs ``(row, col)`` of word ids are packed into one int64 key ``row * n_words + col``.
Counts go to two places, as in the reference GloVe ``cooccur.c``:

* a dense block for frequent pairs (ids are frequency ranks, so ``(row + 1) * (col + 1) <=
  max_product`` holds most of the mass); row ``r`` owns ``dense[dense_off[r]:dense_off[r + 1]]``;
* an open-addressing hash table (``keys`` = -1 when empty, float64 ``vals``) for the rest.
  When the table fills, the caller spills its sorted contents to disk and clears it.

Weighting of a pair at distance ``d`` in a window ``w``: 0 = ``1/d`` (GloVe), 1 = ``(w-d+1)/w``
(the expectation of word2vec's dynamic window), 2 = 1.
With ``symmetric`` only the canonical pair ``(min, max)`` is stored (the caller mirrors it);
a word next to itself gets twice the weight so that the mirrored matrix matches counting both
directions. Otherwise ``(centre, left context)`` pairs are stored, as ``symmetric=0`` in GloVe.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_EMPTY = -1
_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True, inline="always")
def _slot(key: np.int64, mask: np.int64) -> np.int64:
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64(h >> np.uint64(20)) & mask


@njit(cache=True, nogil=True)
def _hash_add(keys, vals, key, w):
    """Add ``w`` to ``key``; return 1 when a new slot was taken."""
    mask = np.int64(keys.shape[0] - 1)
    s = _slot(key, mask)
    while True:
        k = keys[s]
        if k == key:
            vals[s] += w
            return 0
        if k == _EMPTY:
            keys[s] = key
            vals[s] = w
            return 1
        s = (s + 1) & mask


@njit(cache=True, nogil=True)
def dense_offsets(n_words: int, max_product: int) -> np.ndarray:
    """Row starts of the dense block: row ``r`` holds columns ``0 .. max_product // (r+1) - 1``."""
    n_rows = min(n_words, max_product)
    off = np.zeros(n_rows + 1, dtype=np.int64)
    for r in range(n_rows):
        width = min(n_words, max_product // (r + 1))
        off[r + 1] = off[r] + width
    return off


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def count_sentences(
    ids, offsets, first, last, window, weighting, symmetric,
    n_words, max_product, dense, dense_off, keys, vals, n_filled, fill_limit,
):
    """Count the sentences ``first .. last-1`` (or fewer: it stops once the table holds more than
    ``fill_limit`` entries). Returns ``(next_sentence, n_filled)``."""
    s = first
    while s < last:
        if n_filled > fill_limit:
            break
        a = offsets[s]
        b = offsets[s + 1]
        for p in range(a + 1, b):
            centre = np.int64(ids[p])
            lo_ctx = max(a, p - window)
            for q in range(p - 1, lo_ctx - 1, -1):
                ctx = np.int64(ids[q])
                d = p - q
                if weighting == 0:
                    w = 1.0 / d
                elif weighting == 1:
                    w = (window - d + 1.0) / window
                else:
                    w = 1.0
                if symmetric:
                    if centre <= ctx:
                        r = centre
                        c = ctx
                    else:
                        r = ctx
                        c = centre
                    if r == c:
                        w = w + w
                else:
                    r = centre
                    c = ctx
                if (r + 1) * (c + 1) <= max_product:
                    dense[dense_off[r] + c] += w
                else:
                    n_filled += _hash_add(keys, vals, r * n_words + c, w)
        s += 1
    return s, n_filled


@njit(cache=True, nogil=True)
def drain_table(keys, vals, sort):
    """Occupied entries of the hash table (sorted by key if ``sort``); the table is cleared."""
    n = 0
    for i in range(keys.shape[0]):
        if keys[i] != _EMPTY:
            n += 1
    out_k = np.empty(n, dtype=np.int64)
    out_v = np.empty(n, dtype=np.float64)
    j = 0
    for i in range(keys.shape[0]):
        if keys[i] != _EMPTY:
            out_k[j] = keys[i]
            out_v[j] = vals[i]
            keys[i] = _EMPTY
            j += 1
    if not sort:
        return out_k, out_v
    order = np.argsort(out_k)
    return out_k[order], out_v[order]


@njit(cache=True, nogil=True)
def merge_runs(run_keys, run_vals, starts, out_keys, out_vals):
    """K-way merge of sorted runs ``run_keys[starts[i]:starts[i+1]]``, summing equal keys.

    Writes into ``out_keys`` / ``out_vals`` (at least as long as the input) and returns the
    number of distinct keys. A binary heap of run heads keeps it ``O(n log k)``.
    """
    k = starts.shape[0] - 1
    pos = starts[:-1].copy()
    heap = np.empty(k, dtype=np.int64)  # run indices, ordered by their head key
    size = 0
    for r in range(k):
        if pos[r] < starts[r + 1]:
            heap[size] = r
            size += 1
            i = size - 1
            while i > 0:
                parent = (i - 1) // 2
                if run_keys[pos[heap[parent]]] > run_keys[pos[heap[i]]]:
                    heap[parent], heap[i] = heap[i], heap[parent]
                    i = parent
                else:
                    break
    n_out = 0
    while size > 0:
        r = heap[0]
        key = run_keys[pos[r]]
        val = run_vals[pos[r]]
        pos[r] += 1
        if n_out > 0 and out_keys[n_out - 1] == key:
            out_vals[n_out - 1] += val
        else:
            out_keys[n_out] = key
            out_vals[n_out] = val
            n_out += 1
        if pos[r] >= starts[r + 1]:
            size -= 1
            heap[0] = heap[size]
        # sift down
        i = 0
        while True:
            left = 2 * i + 1
            if left >= size:
                break
            child = left
            right = left + 1
            if right < size and run_keys[pos[heap[right]]] < run_keys[pos[heap[left]]]:
                child = right
            if run_keys[pos[heap[child]]] < run_keys[pos[heap[i]]]:
                heap[child], heap[i] = heap[i], heap[child]
                i = child
            else:
                break
    return n_out


@njit(cache=True, nogil=True)
def dense_to_coo(dense, dense_off, n_words):
    """Nonzero cells of the dense block as (sorted) keys and values."""
    n = 0
    for i in range(dense.shape[0]):
        if dense[i] != 0.0:
            n += 1
    out_k = np.empty(n, dtype=np.int64)
    out_v = np.empty(n, dtype=np.float64)
    j = 0
    for r in range(dense_off.shape[0] - 1):
        for c in range(dense_off[r + 1] - dense_off[r]):
            v = dense[dense_off[r] + c]
            if v != 0.0:
                out_k[j] = np.int64(r) * n_words + c
                out_v[j] = v
                j += 1
    return out_k, out_v


@njit(cache=True, nogil=True)
def unpack_keys(keys, vals, n_words, mirror, rows, cols, out_vals):
    """Split keys into (row, col) int32 + float32 values; with ``mirror`` also write (col, row)
    for off-diagonal cells. Returns the number of entries written."""
    j = 0
    for i in range(keys.shape[0]):
        r = keys[i] // n_words
        c = keys[i] - r * n_words
        rows[j] = r
        cols[j] = c
        out_vals[j] = vals[i]
        j += 1
        if mirror and r != c:
            rows[j] = c
            cols[j] = r
            out_vals[j] = vals[i]
            j += 1
    return j
