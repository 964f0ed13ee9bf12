"""Precomputed sigmoid and -log(sigmoid) tables (word2vec.c's EXP_TABLE idea).

``sigmoid(x)`` and ``neg_log_sigmoid(x)`` read a table of bin centres on ``[-MAX_EXP, MAX_EXP]``;
outside it the sigmoid saturates to 0/1 (as in word2vec.c) and the loss uses its asymptote, so
the reported loss stays the true logistic loss up to the table resolution (< 0.3% of a term).

``ns_term`` gives one negative-sampling score's loss and gradient scale from a single table
index (the skip-gram window kernel's inner step).

``sigmoid_ft`` is fastText's own sigmoid (``Loss::sigmoid``: saturating at |x| = 8, its
``MAX_SIGMOID``, read at the left edges of 512 bins), so scores between 6 and 8 still get a small
gradient, as in fastText; ``neg_log_sigmoid_ft`` is the loss on the same range from bin centres.
The fastText-style kernels use both.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "FT_MAX_EXP", "MAX_EXP", "TABLE_SIZE", "neg_log_sigmoid", "neg_log_sigmoid_ft", "ns_term", "sigmoid", "sigmoid_ft",
]

MAX_EXP = 6.0
TABLE_SIZE = 2048
FT_MAX_EXP = 8.0
FT_TABLE_SIZE = 4096  # 256 bins per unit, finer than the word2vec table's 171


def _tables(max_exp: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sigmoid and -log(sigmoid) at the centres of ``size`` bins on ``[-max_exp, max_exp]``."""
    x = ((np.arange(size) + 0.5) / (size / (2.0 * max_exp)) - max_exp).astype(np.float64)
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32), np.log1p(np.exp(-x)).astype(np.float32)


SIGMOID_TABLE, NLS_TABLE = _tables(MAX_EXP, TABLE_SIZE)
_, FT_NLS_TABLE = _tables(FT_MAX_EXP, FT_TABLE_SIZE)
# fastText's own sigmoid table (Loss::t_sigmoid_): 513 values at the bins' left edges, i * 16 / 512 - 8
FT_SIGMOID_BINS = 512
FT_SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-(np.arange(FT_SIGMOID_BINS + 1) * (2.0 * FT_MAX_EXP / FT_SIGMOID_BINS)
                                          - FT_MAX_EXP)))).astype(np.float32)
_MAXF = np.float32(MAX_EXP)
_SCALEF = np.float32(TABLE_SIZE / (2.0 * MAX_EXP))
_FT_MAXF = np.float32(FT_MAX_EXP)
_FT_SCALEF = np.float32(FT_TABLE_SIZE / (2.0 * FT_MAX_EXP))
_FT_SIG_SCALEF = np.float32(FT_SIGMOID_BINS / (2.0 * FT_MAX_EXP))


@njit(cache=True, nogil=True, inline="always")
def sigmoid(x: float) -> np.float32:
    """Table sigmoid; exactly 0 below -MAX_EXP and 1 above MAX_EXP."""
    if x >= _MAXF:
        return np.float32(1.0)
    if x <= -_MAXF:
        return np.float32(0.0)
    return SIGMOID_TABLE[min(int((x + _MAXF) * _SCALEF), TABLE_SIZE - 1)]


@njit(cache=True, nogil=True, inline="always")
def neg_log_sigmoid(x: float) -> float:
    """``-log(sigmoid(x))`` from the table; ``exp(-x)`` above and ``-x`` below the range."""
    if x >= _MAXF:
        return np.exp(-x)
    if x <= -_MAXF:
        return -x
    return NLS_TABLE[min(int((x + _MAXF) * _SCALEF), TABLE_SIZE - 1)]


@njit(cache=True, nogil=True, inline="always")
def ns_term(s: float, positive: bool, a: np.float32, skip_saturated: bool) -> tuple[float, np.float32]:
    """(loss, gradient scale) of one negative-sampling score ``s``: label 1 when ``positive``.

    One table index serves both the sigmoid and the loss (the loss of ``-s`` is the mirrored bin).
    Outside ``[-MAX_EXP, MAX_EXP]`` the sigmoid saturates to 0/1, the loss takes its asymptote and
    ``skip_saturated`` zeroes the gradient (gensim)."""
    label = np.float32(1.0) if positive else np.float32(0.0)
    if s >= _MAXF or s <= -_MAXF:
        x = s if positive else -s
        loss = np.exp(-x) if x > 0 else -x
        if skip_saturated:
            return loss, np.float32(0.0)
        return loss, (label - (np.float32(1.0) if s >= _MAXF else np.float32(0.0))) * a
    i = min(int((s + _MAXF) * _SCALEF), TABLE_SIZE - 1)
    loss = NLS_TABLE[i] if positive else NLS_TABLE[TABLE_SIZE - 1 - i]
    return loss, (label - SIGMOID_TABLE[i]) * a


@njit(cache=True, nogil=True, inline="always")
def sigmoid_ft(x: float) -> np.float32:
    """fastText's sigmoid (``Loss::sigmoid``): 0 below -8, 1 above 8, else its table at the left
    edge of ``x``'s bin (512 bins; so it reads up to 0.008 low, as fastText's does)."""
    if x > _FT_MAXF:
        return np.float32(1.0)
    if x < -_FT_MAXF:
        return np.float32(0.0)
    return FT_SIGMOID_TABLE[int((x + _FT_MAXF) * _FT_SIG_SCALEF)]


@njit(cache=True, nogil=True, inline="always")
def neg_log_sigmoid_ft(x: float) -> float:
    """``-log(sigmoid(x))`` on fastText's range; the asymptotes outside it."""
    if x >= _FT_MAXF:
        return np.exp(-x)
    if x <= -_FT_MAXF:
        return -x
    return FT_NLS_TABLE[min(int((x + _FT_MAXF) * _FT_SCALEF), FT_TABLE_SIZE - 1)]
