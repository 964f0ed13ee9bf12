"""``embedlab drift`` speed on two 100k x 300 embeddings (target: <= 30 s on 2 cores).

Synthetic pair with a known answer: OLD has a common direction (as word2vec vectors do) and
Zipfian counts; NEW is OLD rotated by a random orthogonal matrix plus noise that shrinks with
frequency, with ``--planted`` keys replaced by other keys' vectors. The run times the whole
drift computation (Procrustes, displacement, exact overlap@10 on the documented key sample:
5,000 random keys + 500 candidates searched among all 100k, similarity correlation, bins) and,
as the peer on the same queries, the plain NumPy way to get the same exact neighbours
(``argpartition`` of BLAS score blocks), and prints the ratio. It also prints how many planted
keys the moved list ranks in its top 2 x planted.

    python benchmarks/drift_speed.py [--n 100000] [--dim 300] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--planted", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()

    import numpy as np

    from embedlab.monitoring._neighbours import unit_rows
    from embedlab.monitoring.drift import embedding_drift
    from embedlab.vectors import KeyedVectors

    rng = np.random.default_rng(0)
    n, d = args.n, args.dim
    counts = np.maximum(5, (1e7 / np.arange(1, n + 1) ** 1.05)).astype(np.int64)
    old = rng.normal(size=(n, d)).astype(np.float32) + np.float32(1.5)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    noise = (0.15 + 1.5 / np.sqrt(counts))[:, None].astype(np.float32)
    new = (old + rng.normal(size=(n, d)).astype(np.float32) * noise) @ q.astype(np.float32)
    planted = rng.choice(np.arange(100, n // 2), args.planted, replace=False)
    new[planted] = new[rng.choice(np.arange(n // 2, n), args.planted, replace=False)]
    keys = [f"w{i}" for i in range(n)]
    kv_old = KeyedVectors(keys, old, counts=counts)
    kv_new = KeyedVectors(keys, new, counts=counts)

    embedding_drift(kv_old, kv_new, overlap_sample=200, overlap_candidates=10, top=10)  # numba compile, warm BLAS
    times, cpu = [], []
    for _ in range(args.repeats):
        t, c = time.perf_counter(), time.process_time()
        res = embedding_drift(kv_old, kv_new)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    queries = res.overlap["n_queries"]
    top = set(res.ranked_keys()[: 2 * args.planted])
    found = sum(f"w{i}" in top for i in planted)

    # the peer: the same exact neighbours with NumPy argpartition over BLAS score blocks
    rows = rng.choice(n, queries, replace=False)
    t, c = time.perf_counter(), time.process_time()
    for x in (old, new):
        u = unit_rows(x)
        for q0 in range(0, rows.shape[0], 1024):
            r = rows[q0 : q0 + 1024]
            s = u[r] @ u.T
            s[np.arange(r.shape[0]), r] = -np.inf
            part = np.argpartition(-s, 10, axis=1)[:, :10]
            np.take_along_axis(s, part, axis=1).argsort(axis=1)
    t_numpy = time.perf_counter() - t
    cpu_numpy = time.process_time() - c
    t_ours = float(np.median(times))
    print(f"drift on {n:,} x {d} (2 embeddings): median {t_ours:.1f} s over {args.repeats} runs "
          f"(runs {', '.join(f'{x:.1f}' for x in times)}); CPU time {np.median(cpu):.1f} s (wall on an idle "
          f"2-core machine ~ CPU / 2); target <= 30 s; load average {os.getloadavg()[0]:.1f}")
    print(f"  overlap queries: {res.overlap['queries']}")
    print(f"  planted keys (replaced by other keys' vectors) in the top {2 * args.planted} "
          f"moved: {found}/{args.planted}; score {res.score:.4f}")
    print(f"  NumPy argpartition neighbours for the same {queries:,} queries (neighbour step only): {t_numpy:.1f} s; "
          f"CPU {cpu_numpy:.1f} s; embedlab's whole drift / NumPy's neighbour step: wall {t_ours / t_numpy:.2f}x, "
          f"CPU {np.median(cpu) / cpu_numpy:.2f}x")
    print(json.dumps({"n": n, "dim": d, "seconds": times, "median_seconds": t_ours, "cpu_seconds": cpu, "numpy_neighbours_seconds": t_numpy,
                      "numpy_neighbours_cpu_seconds": cpu_numpy,
                      "planted_found": found, "planted": args.planted, "overlap_queries": queries,
                      "cpu_count": os.cpu_count(), "load_avg": os.getloadavg()}))


if __name__ == "__main__":
    main()
