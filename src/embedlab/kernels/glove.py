"""GloVe AdaGrad kernels (private): arrays in, arrays out, explicit random state.

The update is the reference ``glove.c`` one (Pennington et al. 2014): for a nonzero ``X_ij``,
``diff = w_i . c_j + b_i + b~_j - log X_ij``, weight ``f = min(1, (X_ij / x_max) ** alpha)``,
loss ``0.5 f diff^2``; AdaGrad with squared-gradient sums starting at 1, gradients clipped at
``grad_clip``. ``logx`` and ``fx`` are precomputed once per nonzero. The vector steps are scaled
by ``eta``; the bias steps by ``eta_bias``: the reference (since its gradient-clipping change)
applies ``eta`` to the vectors only, i.e. ``eta_bias = 1``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# fast math without "nnan"/"ninf", so that the finiteness check on each update stays
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(cache=True, nogil=True)
def _splitmix64(state):
    z = state + np.uint64(0x9E3779B97F4A7C15)
    x = z
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z, x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True)
def shuffle_coo(rows, cols, vals, seed):
    """Fisher-Yates shuffle of three parallel arrays in place, driven by ``seed`` alone."""
    state = np.uint64(seed)
    for i in range(rows.shape[0] - 1, 0, -1):
        state, r = _splitmix64(state)
        j = np.int64(r % np.uint64(i + 1))
        rows[i], rows[j] = rows[j], rows[i]
        cols[i], cols[j] = cols[j], cols[i]
        vals[i], vals[j] = vals[j], vals[i]


@njit(cache=True, nogil=True, parallel=True, fastmath=_FASTMATH, error_model="numpy")
def log_and_weight(vals, x_max, alpha, logx, fx):
    """``logx = log(X)``, ``fx = min(1, (X / x_max) ** alpha)`` for every nonzero."""
    for k in prange(vals.shape[0]):
        x = vals[k]
        logx[k] = np.log(x)
        fx[k] = 1.0 if x >= x_max else (x / x_max) ** alpha


@njit(cache=True, nogil=True, parallel=True, fastmath=_FASTMATH, error_model="numpy")
def zero_model_loss(logx, fx):
    """Mean GloVe loss ``0.5 f (log X)^2`` of all-zero vectors and biases (an untrained model)."""
    total = 0.0
    for k in prange(logx.shape[0]):
        total += 0.5 * fx[k] * logx[k] * logx[k]
    return total / max(logx.shape[0], 1)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, error_model="numpy")
def _adagrad_range(rows, cols, logx, fx, lo, hi, W, C, bw, bc, gW, gC, gbw, gbc, eta, eta_bias, grad_clip):
    dim = W.shape[1]
    cost = 0.0
    skipped = 0
    for k in range(lo, hi):
        l1 = rows[k]
        l2 = cols[k]
        diff = bw[l1] + bc[l2] - logx[k]
        for b in range(dim):
            diff += W[l1, b] * C[l2, b]
        fdiff = fx[k] * diff
        if not np.isfinite(fdiff):
            skipped += 1
            continue
        cost += 0.5 * fdiff * diff
        for b in range(dim):
            g1 = min(max(fdiff * C[l2, b], -grad_clip), grad_clip) * eta
            g2 = min(max(fdiff * W[l1, b], -grad_clip), grad_clip) * eta
            W[l1, b] -= g1 / np.sqrt(gW[l1, b])
            C[l2, b] -= g2 / np.sqrt(gC[l2, b])
            gW[l1, b] += g1 * g1
            gC[l2, b] += g2 * g2
        fdiff *= eta_bias
        bw[l1] -= fdiff / np.sqrt(gbw[l1])
        bc[l2] -= fdiff / np.sqrt(gbc[l2])
        gbw[l1] += fdiff * fdiff
        gbc[l2] += fdiff * fdiff
    return cost, skipped


@njit(cache=True, nogil=True, parallel=True, fastmath=_FASTMATH, error_model="numpy")
def adagrad_epoch(rows, cols, logx, fx, lo, hi, W, C, bw, bc, gW, gC, gbw, gbc, eta, eta_bias, grad_clip,
                  n_threads):
    """One AdaGrad pass over nonzeros ``lo .. hi-1`` (already shuffled).

    The range is cut into ``n_threads`` contiguous parts run Hogwild-style (lock-free) in
    parallel; with one part the result depends only on the inputs. Returns ``(loss sum,
    number of nonzeros skipped because the update was not finite)``.
    """
    n_parts = max(1, n_threads)
    costs = np.zeros(n_parts)
    skips = np.zeros(n_parts, dtype=np.int64)
    step = (hi - lo + n_parts - 1) // n_parts
    for t in prange(n_parts):
        a = lo + t * step
        b = min(hi, a + step)
        if a < b:
            c, s = _adagrad_range(rows, cols, logx, fx, a, b, W, C, bw, bc, gW, gC, gbw, gbc, eta, eta_bias,
                                  grad_clip)
            costs[t] = c
            skips[t] = s
    return costs.sum(), skips.sum()
