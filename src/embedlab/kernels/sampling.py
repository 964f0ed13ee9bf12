"""Sampling tables: Walker/Vose alias tables for O(1) draws from a discrete distribution.

The negative-sampling noise distribution (unigram counts ** 0.75) is turned into an alias table
once per model: two arrays of the vocabulary's length (8 bytes a word), instead of word2vec.c's
100M-entry unigram table or a binary search in a cumulative table.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._rng import _MULT, rand_float, xorshift_next

__all__ = ["build_alias", "alias_draw", "sample_alias_many"]

_S32 = np.uint64(32)


@njit(cache=True, nogil=True)
def build_alias(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Alias table ``(prob float32[n], alias int32[n])`` for non-negative ``weights`` (sum > 0)."""
    n = weights.shape[0]
    total = 0.0
    for i in range(n):
        total += weights[i]
    scaled = np.empty(n, dtype=np.float64)
    for i in range(n):
        scaled[i] = weights[i] * n / total
    prob = np.ones(n, dtype=np.float32)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    ns = 0
    nl = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        nl -= 1
        g = large[nl]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            small[ns] = g
            ns += 1
        else:
            large[nl] = g
            nl += 1
    # leftovers (rounding) keep probability 1 and alias to themselves
    return prob, alias


@njit(cache=True, nogil=True, inline="always")
def alias_draw(state: np.uint64, prob: np.ndarray, alias: np.ndarray) -> np.int64:
    """One draw from the alias table using an advanced state (see :func:`xorshift_next`)."""
    n = np.uint64(prob.shape[0])
    x = state * _MULT
    i = np.int64(((x >> _S32) * n) >> _S32)
    # bits 8..31 of the same product give the coin
    u = np.float32((x >> np.uint64(8)) & np.uint64(0xFFFFFF)) * np.float32(1.0 / (1 << 24))
    if u < prob[i]:
        return i
    return np.int64(alias[i])


@njit(cache=True, nogil=True)
def sample_alias_many(state: np.uint64, prob: np.ndarray, alias: np.ndarray, k: int) -> tuple[np.ndarray, np.uint64]:
    """``k`` draws (int64) and the advanced state; used by tests and by non-hot callers."""
    out = np.empty(k, dtype=np.int64)
    for j in range(k):
        state = xorshift_next(state)
        out[j] = alias_draw(state, prob, alias)
    return out, state


@njit(cache=True, nogil=True)
def uniform_many(state: np.uint64, k: int) -> tuple[np.ndarray, np.uint64]:
    """``k`` float32 uniforms in [0, 1) and the advanced state (tests, diagnostics)."""
    out = np.empty(k, dtype=np.float32)
    for j in range(k):
        state = xorshift_next(state)
        out[j] = rand_float(state)
    return out, state
