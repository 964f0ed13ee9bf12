"""Time reading and writing word2vec text/binary vectors: embedlab.vectors.io vs gensim.

Usage::

    python benchmarks/vectors_io_vs_gensim.py [--n 50000] [--dim 100] [--repeat 3] [--dir DIR]

Writes N random D-dimensional vectors in each format with embedlab and with gensim, times both
readers on gensim's file (``load_vectors`` vs ``KeyedVectors.load_word2vec_format``) and both
writers; prints the medians, the ratio, and whether each side loads the other's output with
identical keys and values. Also times the npz format
(normal and memory-mapped loading), which gensim does not have.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _median(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()

    from gensim.models import KeyedVectors as GensimKV

    from embedlab.vectors import KeyedVectors
    from embedlab.vectors.io import load_vectors, save_vectors

    rng = np.random.default_rng(0)
    kv = KeyedVectors([f"word{i}" for i in range(args.n)], rng.standard_normal((args.n, args.dim)).astype(np.float32))
    g = GensimKV(args.dim)
    g.add_vectors(kv.index_to_key, kv.vectors)
    ok = True
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(f"{args.n} x {args.dim} random vectors; median of {args.repeat} runs")
        for suffix, binary in ((".vec", False), (".bin", True)):
            ours_path, gensim_path = Path(tmp) / f"ours{suffix}", Path(tmp) / f"gensim{suffix}"
            t_wo, _ = _median(lambda: save_vectors(kv, ours_path), args.repeat)
            t_wg, _ = _median(lambda: g.save_word2vec_format(str(gensim_path), binary=binary), args.repeat)
            # both sides read the same (gensim-written) file; then each reads the other's output
            t_ro, back = _median(lambda: load_vectors(gensim_path), args.repeat)
            t_rg, _ = _median(lambda: GensimKV.load_word2vec_format(str(gensim_path), binary=binary), args.repeat)
            gback = GensimKV.load_word2vec_format(str(ours_path), binary=binary)
            same = back.index_to_key == gback.index_to_key == kv.index_to_key and np.array_equal(
                back.vectors, kv.vectors
            ) and np.array_equal(gback.vectors, kv.vectors)
            ok &= same
            kind = "binary" if binary else "text"
            print(f"\nword2vec {kind} ({ours_path.stat().st_size / 1e6:.1f} MB ours, {gensim_path.stat().st_size / 1e6:.1f} MB gensim)")
            print(f"  read : embedlab {t_ro:7.3f} s | gensim {t_rg:7.3f} s | ratio {t_rg / t_ro:5.1f}x")
            print(f"  write: embedlab {t_wo:7.3f} s | gensim {t_wg:7.3f} s | ratio {t_wg / t_wo:5.1f}x")
            print(f"  each loads the other's file identically: {same}")
        npz = Path(tmp) / "v.npz"
        t_w, _ = _median(lambda: save_vectors(kv, npz), args.repeat)
        t_r, _ = _median(lambda: load_vectors(npz), args.repeat)
        t_m, mapped = _median(lambda: load_vectors(npz, mmap=True), args.repeat)
        ok &= isinstance(mapped.vectors, np.memmap) and np.array_equal(mapped.vectors, kv.vectors)
        print(f"\nnpz: write {t_w:.3f} s, load {t_r:.3f} s, load mmap {t_m:.3f} s (np.memmap: {isinstance(mapped.vectors, np.memmap)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
