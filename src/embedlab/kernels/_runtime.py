"""The compiled-kernel runtime's fixed memory: LLVM's shared library pages.

numba keeps LLVM (``libllvmlite.so``) mapped in the process: compiling a kernel, or loading one
from the on-disk cache, touches about 70 MB of its code and read-only data, which then count in
the process's RSS for as long as it runs, although a kernel, once loaded, never executes them.
:func:`release_compiler_pages` hands the code pages (about 50 MB) back with
``madvise(MADV_DONTNEED)``; the OS re-reads them from the file (the page cache) if LLVM runs
again (another kernel compiled or loaded later). Linux only; elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys

__all__ = ["release_compiler_pages"]

_MADV_DONTNEED = 4
_LIBRARY = "libllvmlite"


def _mappings() -> list[tuple[int, int]]:
    """``(start, length)`` of the code mappings (``r-xp``) of LLVM's library in ``/proc/self/maps``.

    Code pages are never written, so dropping them loses nothing; the read-only data mappings are
    left alone (their relocated part is private, copy-on-write memory)."""
    out = []
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if _LIBRARY not in line:
                continue
            addr, perms, *_ = line.split()
            if perms == "r-xp":
                lo, hi = (int(v, 16) for v in addr.split("-"))
                out.append((lo, hi - lo))
    return out


def _rss() -> int:
    """This process's resident set size in bytes (``VmRSS``), 0 when unreadable."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            lines = [line for line in fh if line.startswith("VmRSS:")]
    except OSError:
        return 0
    return int(lines[0].split()[1]) * 1024 if lines else 0


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc


def release_compiler_pages() -> int:
    """Drop LLVM's code pages from this process's RSS; returns how much the RSS fell (bytes)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        maps = _mappings()
        libc = _libc()
    except OSError:
        return 0
    if not maps:
        return 0
    before = _rss()
    for start, length in maps:
        libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(length), _MADV_DONTNEED)
    return max(0, before - _rss())
