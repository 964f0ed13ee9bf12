"""embedlab Node2Vec vs PecanPy (SparseOTF walks + gensim Word2Vec), same parameters, same graphs.

Usage::

    python benchmarks/node2vec_vs_pecanpy.py [--threads 2] [--seeds 3] [--big-seeds 1]
        [--pecanpy-python VENV/bin/python] [--skip-big] [--json OUT.json]
        [--compare-shared]

PecanPy pins numpy < 2, so it runs from its own virtual environment
(``python -m venv pecanpy-venv && pecanpy-venv/bin/pip install pecanpy``), whose Python
``--pecanpy-python`` or ``$PECANPY_PYTHON`` names (default ``pecanpy-venv/bin/python``); every
run is a child process (embedlab from this interpreter, PecanPy from the venv's), the two sides
alternately, so that peak RSS is one side's alone and machine noise hits both.

Graphs: Cora (Planetoid, 2,708 nodes, 5,278 edges; standard split) and a generated
degree-corrected stochastic block model with power-law degrees (default 50,000 nodes,
1,000,000 edges, 5 blocks = the labels). Both sides get the same TSV edge list; node2vec
parameters (both sides): dim 128, window 10, 1 epoch, negative 5, p and q as given
(default p=1, q=0.5), walk length / walks per node 80 / 10 on Cora and 20 / 4 on the big graph
(``--big-walk-length``, ``--big-walks``), so one run stays within minutes on a loaded 2-core box.

Per run: walk time (PecanPy: ``simulate_walks``, which includes its per-run numba compile and
the mapping of walks to string ids gensim needs; embedlab: ``walk_seconds_``, the walk kernels
inside ``fit``, compiled kernels cached on disk; PecanPy compiles its walk closures with numba in
every run, which dominates its walk time on Cora: Cora's walk time is about PecanPy's compile cost),
total wall time (read graph + walk + train + write vectors; imports excluded),
peak RSS (``VmHWM`` of the child: its own high-water mark; ``ru_maxrss`` would include the
parent's, inherited through vfork/exec). Quality: node-classification accuracy (Cora: standard split,
train 140 / test 1000; big graph: 5-fold CV) and link-prediction ROC-AUC (Hadamard + logistic
regression) from a second run on the graph without 10% held-out edges (same split for both
sides); all scored by embedlab's evaluators on both sides' vectors. Figures are medians (time,
RSS) and means (quality) over seeds; ratios are PecanPy / embedlab for time and RSS.

embedlab runs with its defaults (per-pair negatives for the graph methods, as gensim);
``--compare-shared`` adds a third side, embedlab with ``shared_negatives=True`` (one negative set
per centre node, the word2vec kernel's default), in the same run and order.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", HERE.parent.parent / "shared" / "data")) / "graph"


# ---------------------------------------------------------------------- children
def _child_embedlab(a: argparse.Namespace) -> dict:
    import numpy as np

    from embedlab.corpus.graph import read_edgelist
    from embedlab.models.node2vec import Node2Vec

    t0 = time.perf_counter()
    g = read_edgelist(a.edges, delimiter="\t", header=False)
    m = Node2Vec(vector_size=a.dim, walk_length=a.walk_length, walks_per_node=a.walks, window=a.window,
                 p=a.p, q=a.q, epochs=1, n_threads=a.threads, random_state=a.seed, show_progress=False,
                 shared_negatives=a.child == "embedlab-shared").fit(g)
    np.savez(a.out, ids=np.array(m.vectors_.index_to_key), vectors=m.vectors_.vectors)
    wall = time.perf_counter() - t0
    return {"walk_s": m.walk_seconds_, "train_s": m.training_seconds_ - m.walk_seconds_, "wall_s": wall}


def _child_pecanpy(a: argparse.Namespace) -> dict:
    import logging

    import numba
    import numpy as np
    from gensim.models import Word2Vec
    from pecanpy import pecanpy as pp

    logging.getLogger("gensim").setLevel(logging.ERROR)
    numba.set_num_threads(a.threads)
    t0 = time.perf_counter()
    g = pp.SparseOTF(p=a.p, q=a.q, workers=a.threads, verbose=False, random_state=a.seed)
    g.read_edg(a.edges, weighted=False, directed=False, delimiter="\t")
    t1 = time.perf_counter()
    walks = g.simulate_walks(a.walks, a.walk_length)
    t2 = time.perf_counter()
    w2v = Word2Vec(walks, vector_size=a.dim, window=a.window, min_count=0, sg=1, workers=a.threads, epochs=1,
                   seed=a.seed)
    t3 = time.perf_counter()
    np.savez(a.out, ids=np.array(g.nodes), vectors=w2v.wv[g.nodes])
    wall = time.perf_counter() - t0
    out = {"walk_s": t2 - t1, "train_s": t3 - t2, "wall_s": wall}
    if a.warm:  # walks again, after the run: PecanPy's walk time without its first numba compile
        del walks, w2v
        t4 = time.perf_counter()
        g.simulate_walks(a.walks, a.walk_length)
        out["walk_warm_s"] = time.perf_counter() - t4
    return out


def _child_main(a: argparse.Namespace) -> None:
    import resource

    out = _child_pecanpy(a) if a.child == "pecanpy" else _child_embedlab(a)
    # VmHWM: this process's own peak. ru_maxrss is not: a child started by vfork/exec inherits the
    # parent's high-water mark (Linux keeps the larger of the old and new address space's peaks)
    out["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out["peak_rss_mb"] = float("nan")
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                out["peak_rss_mb"] = int(line.split()[1]) / 1024.0
    print(json.dumps(out))


# ---------------------------------------------------------------------- data
def _write_tsv(graph, path: Path, edges=None) -> None:
    import numpy as np

    e = graph.edge_array() if edges is None else edges
    nodes = np.array(graph.nodes)
    with open(path, "w") as fh:
        fh.writelines(f"{a}\t{b}\n" for a, b in zip(nodes[e[:, 0]].tolist(), nodes[e[:, 1]].tolist()))


def power_law_sbm(n: int, m: int, blocks: int, seed: int, within: float = 0.75, exponent: float = 2.2):
    """Degree-corrected SBM: node propensities ~ Pareto(``exponent``), ``within`` of the edges
    inside a block; returns (Graph, block labels)."""
    import numpy as np

    from embedlab.corpus.graph import Graph

    rng = np.random.default_rng(seed)
    block = rng.integers(0, blocks, n)
    theta = (rng.pareto(exponent - 1.0, n) + 1.0)
    theta = np.minimum(theta, n ** 0.5 * 4)
    members = [np.flatnonzero(block == b) for b in range(blocks)]
    cdfs = [np.cumsum(theta[mb]) / theta[mb].sum() for mb in members]

    def pick(b: np.ndarray) -> np.ndarray:
        out = np.empty(b.shape[0], dtype=np.int64)
        for k in range(blocks):
            sel = np.flatnonzero(b == k)
            out[sel] = members[k][np.searchsorted(cdfs[k], rng.random(sel.size), side="right").clip(0, len(members[k]) - 1)]
        return out

    have = 0
    keys = np.empty(0, dtype=np.int64)
    while have < m:
        k = int((m - have) * 1.3) + 1000
        bu = rng.integers(0, blocks, k)
        same = rng.random(k) < within
        bv = np.where(same, bu, (bu + rng.integers(1, blocks, k)) % blocks)
        u, v = pick(bu), pick(bv)
        ok = u != v
        u, v = u[ok], v[ok]
        key = np.minimum(u, v) * n + np.maximum(u, v)
        keys = np.unique(np.concatenate([keys, key]))
        have = keys.shape[0]
    keys = rng.permutation(keys)[:m]
    src, dst = keys // n, keys % n
    g = Graph.from_edges(src, dst, [str(i) for i in range(n)], source=f"dc-sbm-{n}-{m}")
    return g, block


# ---------------------------------------------------------------------- parent
def _run(side: str, args: argparse.Namespace, edges: Path, out: Path, seed: int, walk_length: int, walks: int,
         warm: bool = False) -> dict:
    from _common import run_json_child

    python = args.pecanpy_python if side == "pecanpy" else sys.executable
    cmd = [python, str(Path(__file__).resolve()), "--child", side, "--edges", str(edges), "--out", str(out),
           "--seed", str(seed), "--threads", str(args.threads), "--p", str(args.p), "--q", str(args.q),
           "--walk-length", str(walk_length), "--walks", str(walks), "--dim", str(args.dim),
           "--window", str(args.window)] + (["--warm"] if warm else [])
    env_backup = os.environ.get("PYTHONPATH")
    if side == "pecanpy":  # the venv must not see this project's sources
        os.environ.pop("PYTHONPATH", None)
    try:
        return run_json_child(cmd, threads=args.threads, label=side)
    finally:
        if env_backup is not None:
            os.environ["PYTHONPATH"] = env_backup


def _kv(path: Path):
    import numpy as np

    from embedlab.vectors import KeyedVectors

    with np.load(path) as d:
        return KeyedVectors([str(x) for x in d["ids"]], d["vectors"].astype(np.float32))


def _bench_graph(name: str, graph, labels, args, tmp: Path, seeds: int, walk_length: int, walks: int) -> dict:
    from embedlab.corpus.graph import split_edges
    from embedlab.evaluation.nodes import LinkPrediction, NodeClassification
    from embedlab.corpus.graph import LinkPairs, Graph

    full = tmp / f"{name}.tsv"
    _write_tsv(graph, full)
    split = split_edges(graph, 0.1, seed=0)
    train_tsv = tmp / f"{name}-train.tsv"
    _write_tsv(graph, train_tsv, split.train)
    train_graph = Graph.from_edges(split.train[:, 0], split.train[:, 1], graph.nodes, source=f"{name}-train")
    pairs = LinkPairs(train_graph, [graph.nodes[i] for i in split.test[:, 0]], [graph.nodes[i] for i in split.test[:, 1]],
                      split.labels, f"{name}-split")
    node_eval = NodeClassification(labels, n_boot=0)
    link_eval = LinkPrediction(pairs, n_boot=0)
    sides = ["pecanpy", "embedlab"] + (["embedlab-shared"] if args.compare_shared else [])
    rows: dict[str, list[dict]] = {side: [] for side in sides}
    for s in range(seeds):
        order = sides if s % 2 == 0 else sides[::-1]
        for side in order:
            vec = tmp / f"{name}-{side}-{s}.npz"
            r = _run(side, args, full, vec, s + 1, walk_length, walks, warm=args.warm_walks)
            r["accuracy"] = node_eval.evaluate(_kv(vec)).score
            lvec = tmp / f"{name}-{side}-{s}-lp.npz"
            _run(side, args, train_tsv, lvec, s + 1, walk_length, walks)
            r["auc"] = link_eval.evaluate(_kv(lvec)).score
            rows[side].append(r)
            print(f"  {name} seed {s + 1} {side:15s}: walk {r['walk_s']:.1f} s, wall {r['wall_s']:.1f} s, "
                  f"RSS {r['peak_rss_mb']:.0f} MB, acc {r['accuracy']:.3f}, AUC {r['auc']:.3f}", flush=True)
    summary = {}
    for side, rs in rows.items():
        summary[side] = {
            "walk_s": statistics.median(r["walk_s"] for r in rs),
            "walk_warm_s": statistics.median(r.get("walk_warm_s", r["walk_s"]) for r in rs),
            "wall_s": statistics.median(r["wall_s"] for r in rs),
            "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in rs),
            "accuracy": statistics.fmean(r["accuracy"] for r in rs),
            "auc": statistics.fmean(r["auc"] for r in rs),
            "runs": rs,
        }
    return {"graph": repr(graph), "walk_length": walk_length, "walks_per_node": walks, "seeds": seeds, **summary}


def _print_table(name: str, res: dict) -> None:
    pc, el = res["pecanpy"], res["embedlab"]
    print(f"\n{name}: {res['graph']}, walk length {res['walk_length']}, {res['walks_per_node']} walks/node, "
          f"{res['seeds']} seed(s)")
    print(f"{'':22s}{'PecanPy':>12s}{'embedlab':>12s}{'ratio':>10s}")
    _print_rows(pc, el)
    if "embedlab-shared" in res:
        print(f"{'':22s}{'PecanPy':>12s}{'shared neg':>12s}{'ratio':>10s}   (embedlab, shared_negatives=True)")
        _print_rows(pc, res["embedlab-shared"])


def _print_rows(pc: dict, el: dict) -> None:
    keys = (("walk_s", "walk time (s)", "{:.2f}"),) + (
        (("walk_warm_s", "  walks again (warm)", "{:.2f}"),) if any("walk_warm_s" in r for r in pc["runs"]) else ())
    for key, label, fmt in keys + (("wall_s", "wall time (s)", "{:.2f}"),
                            ("peak_rss_mb", "peak RSS (MB)", "{:.0f}")):
        print(f"{label:22s}{fmt.format(pc[key]):>12s}{fmt.format(el[key]):>12s}{pc[key] / el[key]:>9.2f}x")
    for key, label in (("accuracy", "node-class. accuracy"), ("auc", "link-pred. AUC")):
        print(f"{label:22s}{pc[key]:>12.4f}{el[key]:>12.4f}{el[key] - pc[key]:>+10.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", choices=["embedlab", "embedlab-shared", "pecanpy"])
    ap.add_argument("--edges")
    ap.add_argument("--out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--p", type=float, default=1.0)
    ap.add_argument("--q", type=float, default=0.5)
    ap.add_argument("--walk-length", type=int, default=80)
    ap.add_argument("--walks", type=int, default=10)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--big-seeds", type=int, default=1)
    ap.add_argument("--big-nodes", type=int, default=50_000)
    ap.add_argument("--big-edges", type=int, default=1_000_000)
    ap.add_argument("--big-walk-length", type=int, default=20)
    ap.add_argument("--big-walks", type=int, default=4)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--skip-cora", action="store_true")
    ap.add_argument("--pecanpy-python", default=os.environ.get("PECANPY_PYTHON", "pecanpy-venv/bin/python"),
                    help="Python of a virtual environment with pecanpy (default: $PECANPY_PYTHON or "
                         "pecanpy-venv/bin/python)")
    ap.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--warm-walks", action="store_true",
                    help="time PecanPy's walks a second time after each run (it recompiles its walk closures, so "
                         "this only removes part of the compile)")
    ap.add_argument("--compare-shared", action="store_true",
                    help="also run embedlab with shared_negatives=True (a third side, same seeds and splits)")
    ap.add_argument("--json")
    args = ap.parse_args()
    if args.child:
        _child_main(args)
        return
    if not Path(args.pecanpy_python).is_file():
        raise SystemExit(f"{args.pecanpy_python}: no PecanPy venv; create it with "
                         "python -m venv pecanpy-venv && pecanpy-venv/bin/pip install pecanpy "
                         "(or give its Python with --pecanpy-python / PECANPY_PYTHON)")
    from embedlab.corpus.graph import NodeLabels, load_planetoid

    print(f"threads {args.threads}, p {args.p}, q {args.q}, dim {args.dim}, window {args.window}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="n2v-bench-") as td:
        tmp = Path(td)
        if not args.skip_cora:
            cora = load_planetoid(DATA / "planetoid-cora")
            results["cora"] = _bench_graph("cora", cora.graph, cora.node_labels(), args, tmp, args.seeds,
                                           args.walk_length, args.walks)
        if not args.skip_big:
            g, block = power_law_sbm(args.big_nodes, args.big_edges, 5, seed=0)
            labels = NodeLabels(g.nodes, [str(b) for b in block], "dc-sbm blocks")
            results["power-law"] = _bench_graph("powerlaw", g, labels, args, tmp, args.big_seeds,
                                                args.big_walk_length, args.big_walks)
    for name, res in results.items():
        _print_table(name, res)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
