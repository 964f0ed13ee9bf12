"""Weight matrices stored in half precision (IEEE binary16) inside float32 kernels.

numba has no float16 type on the CPU, so a half-precision matrix reaches the kernels as its
``uint16`` view (``a.view(np.uint16)`` of a ``np.float16`` array). The kernels read and write
weights only through :func:`get_w` / :func:`put_w` / :func:`add_w`: for a float32 matrix they are
plain loads and stores (the same machine code as before); for a ``uint16`` matrix they convert
with LLVM's ``half`` type (F16C's ``vcvtph2ps`` / ``vcvtps2ph`` on x86) and round each stored
value *stochastically*: round-to-nearest would drop every update smaller than half a unit in the
last place (late in training, at small learning rates, most of them), stochastic rounding keeps
them in expectation.

The rounding bits come from the element's position and a per-call ``salt`` the kernel takes from
its own data (the bits of its summed loss: :func:`float_bits`), not from an RNG stream: the same
inputs round the same way, so seeded single-thread runs and the deterministic mode stay
bit-identical, and no RNG state is threaded through the kernels. The salt must change from call
to call: a value that receives many tiny updates sees the same few float32 sums again and again,
and bits drawn from the sum alone would repeat their "round down" and stall (measured: 16% of the
drift lost).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

__all__ = ["HALF_DTYPES", "add_w", "float_bits", "get_w", "kernel_view", "put_w", "to_half", "to_float"]

#: ``output_dtype`` values the word2vec kernels accept for the negative-sampling output weights
HALF_DTYPES = ("float32", "float16")

_DROP = 13  # float32 mantissa bits (23) a binary16 mantissa (10) has no room for


def _c(v: int) -> ir.Constant:
    """A 32-bit constant from an unsigned value (LLVM's textual IR wants the signed spelling)."""
    return ir.Constant(ir.IntType(32), v - (1 << 32) if v >= 1 << 31 else v)


@intrinsic
def to_float(typingctx, h):
    """binary16 bits (uint16) -> float32."""
    if h != types.uint16:
        return None

    def codegen(context, builder, signature, args):
        return builder.fpext(builder.bitcast(args[0], ir.HalfType()), ir.FloatType())

    return types.float32(types.uint16), codegen


@intrinsic
def float_bits(typingctx, x):
    """The bits of a float32 as an int64 (0 .. 2**32 - 1): a rounding salt for :func:`put_w` / :func:`add_w`."""
    if x != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.zext(builder.bitcast(args[0], ir.IntType(32)), ir.IntType(64))

    return types.int64(types.float32), codegen


@intrinsic
def to_half(typingctx, x, pos, salt):
    """float32 -> binary16 bits (uint16), stochastically rounded.

    The 13 mantissa bits binary16 drops are added to 13 pseudo-random bits and then cut off, so
    ``x`` rounds up with probability equal to its distance from the lower neighbour (in units of
    the last place): unbiased in expectation. The bits are the top of ``mix(salt) + pos * golden``
    (a Weyl sequence over the element positions ``pos``, started by the caller's per-call
    ``salt``). Values below binary16's normal range (|x| < 6.1e-5) get round-to-nearest on the
    last step."""
    if x != types.float32 or not isinstance(pos, types.Integer) or not isinstance(salt, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        bits = builder.bitcast(args[0], i32)
        p = builder.trunc(context.cast(builder, args[1], signature.args[1], types.int64), i32)
        q = builder.trunc(context.cast(builder, args[2], signature.args[2], types.int64), i32)
        # the salt mixed once per call (lowbias32, C. Wellons; loop-invariant, so hoisted), then a
        # Weyl sequence over the positions: one vector add per element in the kernels' loops
        q = builder.mul(builder.xor(q, builder.lshr(q, _c(16))), _c(0x7FEB352D))
        q = builder.mul(builder.xor(q, builder.lshr(q, _c(15))), _c(0x846CA68B))
        q = builder.xor(q, builder.lshr(q, _c(16)))
        r = builder.lshr(builder.add(q, builder.mul(p, _c(0x9E3779B9))), _c(32 - _DROP))
        low = (1 << _DROP) - 1
        up = builder.and_(builder.add(bits, r), _c(0xFFFFFFFF ^ low))
        half = builder.fptrunc(builder.bitcast(up, ir.FloatType()), ir.HalfType())
        return builder.bitcast(half, ir.IntType(16))

    return types.uint16(types.float32, pos, salt), codegen


_M32 = 0xFFFFFFFF


def _to_half_py(x: float, pos: int, salt: int) -> np.uint16:
    """:func:`to_half` in NumPy, bit for bit (the plain-Python path of :func:`put_w` / :func:`add_w`)."""
    bits = int(np.float32(x).view(np.uint32))
    q = int(salt) & _M32
    q = ((q ^ (q >> 16)) * 0x7FEB352D) & _M32
    q = ((q ^ (q >> 15)) * 0x846CA68B) & _M32
    q ^= q >> 16
    r = ((q + (int(pos) & _M32) * 0x9E3779B9) & _M32) >> (32 - _DROP)
    up = ((bits + r) & _M32) & (_M32 ^ ((1 << _DROP) - 1))
    return np.uint32(up).view(np.float32).astype(np.float16).view(np.uint16)


def get_w(a, i, d):
    """``a[i, d]`` as float32 (``a`` float32, or the uint16 view of a float16 matrix)."""
    return np.float32(a[i:i + 1, d].view(np.float16)[0] if a.dtype == np.uint16 else a[i, d])


def put_w(a, i, d, v, salt):
    """``a[i, d] = v`` (half-precision matrices: stochastically rounded, ``salt`` varying per call)."""
    if a.dtype == np.uint16:
        a[i, d] = _to_half_py(v, i * a.shape[1] + d, salt)
    else:
        a[i, d] = v


def add_w(a, i, d, v, salt):
    """``a[i, d] += v`` (half-precision matrices: stochastically rounded, ``salt`` varying per call)."""
    put_w(a, i, d, np.float32(get_w(a, i, d) + np.float32(v)), salt)


def _is_half(a) -> bool:
    return isinstance(a, types.Array) and a.dtype == types.uint16


@overload(get_w, inline="always")
def _get_w(a, i, d):
    if _is_half(a):
        return lambda a, i, d: to_float(a[i, d])
    return lambda a, i, d: a[i, d]


@overload(put_w, inline="always")
def _put_w(a, i, d, v, salt):
    if _is_half(a):
        def put_half(a, i, d, v, salt):
            a[i, d] = to_half(np.float32(v), np.int64(i) * np.int64(a.shape[1]) + np.int64(d), salt)
        return put_half

    def put(a, i, d, v, salt):
        a[i, d] = v
    return put


@overload(add_w, inline="always")
def _add_w(a, i, d, v, salt):
    if _is_half(a):
        def add_half(a, i, d, v, salt):
            a[i, d] = to_half(to_float(a[i, d]) + np.float32(v), np.int64(i) * np.int64(a.shape[1]) + np.int64(d), salt)
        return add_half

    def add(a, i, d, v, salt):
        a[i, d] += v
    return add


def kernel_view(a: np.ndarray) -> np.ndarray:
    """The array the kernels take for weight matrix ``a``: float32 as is, float16 as its uint16 view."""
    if a.dtype == np.float16:
        return a.view(np.uint16)
    if a.dtype != np.float32:
        raise TypeError(f"weights must be float32 or float16, not {a.dtype}")
    return a
