"""Hierarchical softmax: Huffman tree construction and the per-pair / per-window updates.

The tree is word2vec.c's (``CreateBinaryTree``): inner nodes are numbered ``0..V-2`` and index
rows of the output matrix ``syn1``; a word's ``codes`` are the branch bits (0/1) from the root and
``points`` the inner nodes on its path. The probability of a word given an input vector ``h`` is
``prod_n sigmoid((1 - 2 code_n) * h . syn1[point_n])``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._sigmoid import neg_log_sigmoid, sigmoid

__all__ = ["build_huffman", "hs_accumulate"]


@njit(cache=True, nogil=True)
def build_huffman(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Huffman codes for word ``counts``: ``(codes uint8[V, L], points int32[V, L], lengths int32[V])``.

    Any order of ``counts`` is accepted (they are sorted internally); a vocabulary of one word
    gets an empty code (nothing to learn).
    """
    v = counts.shape[0]
    order = np.argsort(-counts, kind="mergesort")
    count = np.empty(2 * v + 1, dtype=np.int64)
    for i in range(v):
        count[i] = counts[order[i]]
    for i in range(v, 2 * v + 1):
        count[i] = np.int64(1) << 60
    binary = np.zeros(2 * v + 1, dtype=np.uint8)
    parent = np.zeros(2 * v + 1, dtype=np.int64)
    pos1 = v - 1
    pos2 = v
    for a in range(v - 1):
        if pos1 >= 0 and count[pos1] < count[pos2]:
            min1 = pos1
            pos1 -= 1
        else:
            min1 = pos2
            pos2 += 1
        if pos1 >= 0 and count[pos1] < count[pos2]:
            min2 = pos1
            pos1 -= 1
        else:
            min2 = pos2
            pos2 += 1
        count[v + a] = count[min1] + count[min2]
        parent[min1] = v + a
        parent[min2] = v + a
        binary[min2] = 1
    root = 2 * v - 2
    lengths = np.zeros(v, dtype=np.int32)
    if v > 1:
        for a in range(v):
            b = a
            n = 0
            while b != root:
                n += 1
                b = parent[b]
            lengths[a] = n
    width = max(1, int(lengths.max()) if v > 0 else 1)
    codes_s = np.zeros((v, width), dtype=np.uint8)
    points_s = np.zeros((v, width), dtype=np.int32)
    for a in range(v):
        n = lengths[a]
        b = a
        i = n - 1
        while i >= 0:
            codes_s[a, i] = binary[b]
            b = parent[b]
            points_s[a, i] = b - v  # inner node index of the parent
            i -= 1
    # back to the caller's word order
    codes = np.zeros((v, width), dtype=np.uint8)
    points = np.zeros((v, width), dtype=np.int32)
    lens = np.zeros(v, dtype=np.int32)
    for a in range(v):
        w = order[a]
        lens[w] = lengths[a]
        for i in range(width):
            codes[w, i] = codes_s[a, i]
            points[w, i] = points_s[a, i]
    return codes, points, lens


@njit(cache=True, nogil=True, fastmath=True)
def hs_accumulate(
    h: np.ndarray,
    syn1: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    lengths: np.ndarray,
    word: int,
    alpha: float,
    neu1e: np.ndarray,
) -> float:
    """One hierarchical-softmax step predicting ``word`` from input vector ``h``.

    Updates the inner-node rows of ``syn1`` in place, adds the input gradient into ``neu1e``
    and returns the loss ``-log p(word | h)``.
    """
    dim = h.shape[0]
    loss = 0.0
    for n in range(lengths[word]):
        p = points[word, n]
        code = codes[word, n]
        s = np.float32(0.0)
        for d in range(dim):
            s += h[d] * syn1[p, d]
        sign = np.float32(1.0 - 2.0 * code)
        loss += neg_log_sigmoid(sign * s)
        g = (np.float32(1.0 - code) - sigmoid(s)) * np.float32(alpha)
        for d in range(dim):
            neu1e[d] += g * syn1[p, d]
        for d in range(dim):
            syn1[p, d] += g * h[d]
    return loss
