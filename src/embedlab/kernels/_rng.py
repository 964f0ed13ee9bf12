"""Explicit random number generation for the kernels (no global ``np.random``).

A generator state is one ``uint64`` (xorshift64*, Vigna 2016). Kernels copy a thread's state
into a local variable, advance it with :func:`xorshift_next`, and write it back when done, so
one thread with one seed always produces the same stream. :func:`seed_states` derives
independent states for (seed, epoch, chunk, thread) with splitmix64, in plain Python.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["seed_states", "xorshift_next", "rand_u32", "rand_float", "splitmix64"]

_MASK = (1 << 64) - 1
_MULT = np.uint64(0x2545F4914F6CDD1D)
_S12 = np.uint64(12)
_S25 = np.uint64(25)
_S27 = np.uint64(27)
_S32 = np.uint64(32)
_S40 = np.uint64(40)
_INV24 = np.float32(1.0 / (1 << 24))


def splitmix64(x: int) -> int:
    """One splitmix64 step on a Python int (mod 2**64); good for deriving seeds."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def seed_states(seed: int, *keys: int, n: int = 1) -> np.ndarray:
    """``n`` non-zero uint64 generator states derived from ``seed`` and ``keys`` (epoch, chunk ...)."""
    h = splitmix64(int(seed) & _MASK)
    for k in keys:
        h = splitmix64(h ^ (int(k) & _MASK))
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        s = splitmix64(h ^ splitmix64(i + 1))
        out[i] = s if s != 0 else 0x9E3779B97F4A7C15
    return out


@njit(cache=True, nogil=True, inline="always")
def xorshift_next(state: np.uint64) -> np.uint64:
    """Advance an xorshift64 state (never returns 0 for a non-zero state)."""
    state ^= state >> _S12
    state ^= state << _S25
    state ^= state >> _S27
    return state


@njit(cache=True, nogil=True, inline="always")
def rand_u32(state: np.uint64) -> np.uint64:
    """32 well-mixed random bits from a state (call after :func:`xorshift_next`)."""
    return (state * _MULT) >> _S32


@njit(cache=True, nogil=True, inline="always")
def rand_float(state: np.uint64) -> np.float32:
    """A float32 in [0, 1) from a state (call after :func:`xorshift_next`)."""
    return np.float32((state * _MULT) >> _S40) * _INV24
