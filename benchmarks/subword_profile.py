"""Where the fastText-style skip-gram kernel spends its time: the same blocks with and without n-grams.

    python benchmarks/subword_profile.py CORPUS [--blocks 4] [--threads 1] [--repeats 2]

Trains ``FastText`` (fastText's defaults) for one epoch on CORPUS, recording the kernel's block
calls, then replays the first ``--blocks`` of them (400k tokens each) from the trained state, timed
(wall and CPU), in two ways: as recorded (each centre word's input is the mean of its word row and
its n-gram rows), and with the word rows only (the same pairs and draws, no n-gram rows read or
written). The difference is the cost of the n-gram rows; the rest is the pairs' output rows. The
replay is the kernel alone: no reading, vocabulary or encoding. Prints the processor.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from _common import processor


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    import numba

    import embedlab.kernels.subword as sw
    from embedlab.models.fasttext import FastText

    calls: list[tuple] = []
    kernel = sw.train_block

    def record(*a):
        calls.append(a)
        return kernel(*a)

    sw.train_block = record
    try:
        FastText(epochs=1, n_threads=args.threads, random_state=1, show_progress=False).fit(args.corpus)
    finally:
        sw.train_block = kernel
    numba.set_num_threads(args.threads)
    calls = calls[: args.blocks]
    indptr, indices = calls[0][4], calls[0][5]
    word_ptr = np.arange(indptr.shape[0], dtype=np.int64)
    word_idx = np.ascontiguousarray(indices[indptr[:-1]])
    ngram_rows = float(np.diff(indptr).mean())
    variants = {"word + n-gram rows": (indptr, indices), "word rows only": (word_ptr, word_idx)}
    print(f"{args.corpus}: {len(calls)} blocks, {args.threads} thread(s); {ngram_rows:.1f} input rows per "
          f"vocabulary word on average", flush=True)
    print(processor(), flush=True)
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    for _ in range(args.repeats):
        for name, (ptr, idx) in variants.items():
            t0, c0, pairs = time.perf_counter(), time.process_time(), 0
            for a in calls:
                a = list(a)
                a[4], a[5], a[-1] = ptr, idx, a[-1].copy()
                pairs += kernel(*a)[1]
            times[name].append((time.perf_counter() - t0, time.process_time() - c0))
    for name, ts in times.items():
        wall = statistics.median(t[0] for t in ts)
        cpu = statistics.median(t[1] for t in ts)
        print(f"  {name:<20} {wall:7.2f} s wall {cpu:7.2f} s CPU  {1e9 * cpu / pairs:7.0f} ns CPU per pair ({pairs:,} pairs)")
    full, word = (statistics.median(t[1] for t in times[k]) for k in variants)
    print(f"n-gram rows: {100 * (full - word) / full:.0f}% of the kernel's CPU time")


if __name__ == "__main__":
    main()
