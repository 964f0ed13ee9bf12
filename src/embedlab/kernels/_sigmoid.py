"""Precomputed sigmoid and -log(sigmoid) tables (word2vec.c's EXP_TABLE idea).

``sigmoid(x)`` and ``neg_log_sigmoid(x)`` read a table of bin centres on ``[-MAX_EXP, MAX_EXP]``;
outside it the sigmoid saturates to 0/1 (as in word2vec.c) and the loss uses its asymptote, so
the reported loss stays the true logistic loss up to the table resolution (< 0.3% of a term).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["MAX_EXP", "TABLE_SIZE", "sigmoid", "neg_log_sigmoid"]

MAX_EXP = 6.0
TABLE_SIZE = 2048
_SCALE = TABLE_SIZE / (2.0 * MAX_EXP)
_X = ((np.arange(TABLE_SIZE) + 0.5) / _SCALE - MAX_EXP).astype(np.float64)
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_X))).astype(np.float32)
NLS_TABLE = np.log1p(np.exp(-_X)).astype(np.float32)
_MAXF = np.float32(MAX_EXP)
_SCALEF = np.float32(_SCALE)


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
