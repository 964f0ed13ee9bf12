"""Software prefetch of a matrix row from numba code (LLVM's ``llvm.prefetch``).

The hot loops of the subword kernel know which rows they will read next (the next centre word's
n-gram rows, the output rows of negatives drawn ahead); asking for them early lets their cache
misses overlap with the arithmetic of the current step. A prefetch never changes a result.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch_row"]

_LINE = 64  # bytes per cache line on every x86-64 and arm64 machine these kernels run on


@intrinsic
def prefetch_row(typingctx, arr, row):
    """Prefetch every cache line of ``arr[row, :]`` (a 2-D C-contiguous array) for reading."""
    if not (isinstance(arr, types.Array) and arr.ndim == 2 and isinstance(row, types.Integer)):
        return None
    sig = types.void(arr, row)

    def codegen(context, builder, signature, args):
        aryty, rowty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        r = context.cast(builder, args[1], rowty, types.intp)
        zero = context.get_constant(types.intp, 0)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [r, zero], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        base = builder.bitcast(ptr, i8p)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(aryty.dtype)))
        nbytes = builder.mul(builder.extract_value(ary.shape, 1), itemsize)
        step = context.get_constant(types.intp, _LINE)
        with cgutils.for_range_slice(builder, zero, nbytes, step) as (off, _):
            # read access (0), keep in all cache levels (3), data cache (1)
            builder.call(fn, [builder.gep(base, [off]), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen
