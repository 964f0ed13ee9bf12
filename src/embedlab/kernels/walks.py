"""Random-walk kernels: uniform (DeepWalk) and second-order biased (node2vec) walks on a CSR graph.

The graph is ``indptr`` (int64), ``indices`` (int32/int64, sorted within each row) and, when
weighted, ``cumw``: float32 cumulative edge weights within each row (:func:`row_cumsum`), so a
weighted neighbour is drawn by binary search. Nothing per edge pair is precomputed (no alias
table of node2vec's second-order transitions, whose memory grows with sum of squared degrees).

Second-order step (Grover & Leskovec 2016): the walk came from ``t`` and stands at ``v``; a
neighbour ``x`` of ``v`` gets the unnormalised probability ``w(v, x) * a(t, x)`` with
``a = 1/p`` when ``x == t``, ``1`` when ``x`` is an out-neighbour of ``t`` and ``1/q`` otherwise.
It is drawn by rejection sampling (KnightKing, Yang et al. 2019): draw ``x`` from the first-order
distribution ``w(v, .)`` and accept it with probability ``a(t, x) / max(1/p, 1, 1/q)``; the
adjacency test is a binary search in ``t``'s sorted row. After ``MAX_TRIES`` rejections (p or q
far from 1) the step is drawn exactly from the full row, computed on the fly as PecanPy's
SparseOTF mode does; either way the draw has exactly the node2vec distribution.

Walks stop early at nodes without out-edges (directed dead ends). :func:`random_walks` spreads
the walks of one call over the threads by slices; each slice has its own RNG state, so walks do
not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._rng import rand_float, rand_u32, xorshift_next

__all__ = ["row_cumsum", "random_walks", "compact_walks", "MAX_TRIES"]

MAX_TRIES = 16


@njit(cache=True, nogil=True)
def row_cumsum(indptr: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Cumulative weights within each CSR row (float32; float64 accumulation)."""
    out = np.empty(weights.shape[0], dtype=np.float32)
    n = indptr.shape[0] - 1
    for v in range(n):
        acc = 0.0
        for j in range(indptr[v], indptr[v + 1]):
            acc += weights[j]
            out[j] = acc
    return out


@njit(cache=True, nogil=True, inline="always")
def _is_neighbor(indices: np.ndarray, lo: np.int64, hi: np.int64, x: np.int64) -> bool:
    """Binary search for ``x`` in the sorted ``indices[lo:hi]``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        y = indices[mid]
        if y < x:
            lo = mid + 1
        elif y > x:
            hi = mid
        else:
            return True
    return False


@njit(cache=True, nogil=True, inline="always")
def _draw_first(indptr, indices, cumw, weighted, v, state):
    """A neighbour of ``v`` drawn by edge weight (uniformly when unweighted); position or -1."""
    lo = indptr[v]
    hi = indptr[v + 1]
    deg = hi - lo
    if deg <= 0:
        return np.int64(-1), state
    state = xorshift_next(state)
    if not weighted:
        return lo + np.int64(rand_u32(state) % np.uint64(deg)), state
    r = rand_float(state) * cumw[hi - 1]
    a = lo
    b = hi - 1
    while a < b:  # first j with cumw[j] > r
        mid = (a + b) >> 1
        if cumw[mid] > r:
            b = mid
        else:
            a = mid + 1
    return a, state


@njit(cache=True, nogil=True)
def _draw_exact(indptr, indices, cumw, weighted, t, v, inv_p, inv_q, state):
    """The second-order step from ``(t, v)`` computed over the whole row (no rejection)."""
    lo = indptr[v]
    hi = indptr[v + 1]
    tlo = indptr[t]
    thi = indptr[t + 1]
    total = 0.0
    for j in range(lo, hi):
        x = indices[j]
        w = 1.0
        if weighted:
            w = cumw[j] - (cumw[j - 1] if j > lo else 0.0)
        if x == t:
            w *= inv_p
        elif not _is_neighbor(indices, tlo, thi, x):
            w *= inv_q
        total += w
    state = xorshift_next(state)
    r = rand_float(state) * total
    acc = 0.0
    for j in range(lo, hi):
        x = indices[j]
        w = 1.0
        if weighted:
            w = cumw[j] - (cumw[j - 1] if j > lo else 0.0)
        if x == t:
            w *= inv_p
        elif not _is_neighbor(indices, tlo, thi, x):
            w *= inv_q
        acc += w
        if acc > r:
            return j, state
    return hi - 1, state


@njit(cache=True, nogil=True)
def _walk(indptr, indices, cumw, weighted, start, walk_length, inv_p, inv_q, second_order, state, out, pos):
    """One walk from ``start`` written to ``out[pos:pos+len]``; returns (len, state)."""
    out[pos] = start
    if walk_length < 2:
        return 1, state
    j, state = _draw_first(indptr, indices, cumw, weighted, start, state)
    if j < 0:
        return 1, state
    t = np.int64(start)
    v = np.int64(indices[j])
    out[pos + 1] = v
    n = 2
    amax = max(inv_p, 1.0, inv_q)
    amin = min(inv_p, 1.0, inv_q)
    while n < walk_length:
        if indptr[v + 1] == indptr[v]:
            break  # dead end
        if not second_order:
            j, state = _draw_first(indptr, indices, cumw, weighted, v, state)
        else:
            tlo = indptr[t]
            thi = indptr[t + 1]
            found = False
            for _ in range(MAX_TRIES):
                j, state = _draw_first(indptr, indices, cumw, weighted, v, state)
                x = indices[j]
                state = xorshift_next(state)
                u = rand_float(state) * amax
                if u < amin:  # accepted whatever x is: no adjacency test needed
                    found = True
                    break
                if x == t:
                    a = inv_p
                elif _is_neighbor(indices, tlo, thi, x):
                    a = 1.0
                else:
                    a = inv_q
                if u < a:
                    found = True
                    break
            if not found:
                j, state = _draw_exact(indptr, indices, cumw, weighted, t, v, inv_p, inv_q, state)
        t = v
        v = np.int64(indices[j])
        out[pos + n] = v
        n += 1
    return n, state


@njit(cache=True, nogil=True, parallel=True)
def random_walks(
    indptr: np.ndarray,
    indices: np.ndarray,
    cumw: np.ndarray,
    weighted: bool,
    starts: np.ndarray,
    walk_length: int,
    p: float,
    q: float,
    bounds: np.ndarray,
    states: np.ndarray,
    out: np.ndarray,
    lengths: np.ndarray,
) -> None:
    """One walk per entry of ``starts`` (node positions), in place.

    Walk ``i`` is written to ``out[i * walk_length : i * walk_length + lengths[i]]`` (int32 node
    positions; shorter than ``walk_length`` only at a dead end). Slice ``s`` (walks
    ``bounds[s]..bounds[s+1]``) uses ``states[s]`` (advanced in place). ``p == q == 1`` gives
    uniform (first-order) walks, weighted when ``weighted`` (``cumw`` from :func:`row_cumsum`).
    """
    inv_p = 1.0 / p
    inv_q = 1.0 / q
    second_order = not (p == 1.0 and q == 1.0)
    for s in prange(bounds.shape[0] - 1):
        state = states[s]
        for i in range(bounds[s], bounds[s + 1]):
            n, state = _walk(indptr, indices, cumw, weighted, starts[i], walk_length, inv_p, inv_q,
                             second_order, state, out, i * walk_length)
            lengths[i] = n
        states[s] = state


@njit(cache=True, nogil=True)
def compact_walks(out: np.ndarray, lengths: np.ndarray, walk_length: int, offsets: np.ndarray) -> int:
    """Close the gaps left by short walks in place; ``offsets`` (len(lengths)+1) receives the
    walk starts. Returns the number of node ids kept."""
    pos = 0
    offsets[0] = 0
    for i in range(lengths.shape[0]):
        n = lengths[i]
        src = i * walk_length
        if src != pos:
            for k in range(n):
                out[pos + k] = out[src + k]
        pos += n
        offsets[i + 1] = pos
    return pos
