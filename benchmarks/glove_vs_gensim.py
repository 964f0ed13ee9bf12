"""GloVe and PPMI-SVD against gensim skip-gram on one corpus: time, peak RSS, WS353, time ratio.

    python benchmarks/glove_vs_gensim.py CORPUS [--threads 2] [--repeat 3] [--x-max 10] [--json OUT]
    python benchmarks/glove_vs_gensim.py CORPUS1M --quick     # one run each of gensim skip-gram and GloVe

Each run is a fresh subprocess (so peak RSS is its own); times are end to end (reading the
corpus, vocabulary, counting, training), as wall-clock and as CPU seconds (user + system of the
process: the fairer measure on a shared, loaded machine). Targets: GloVe (window 10, 15 epochs,
dim 100) within 4.1x (1M-token slice) / 1.15x (~11M corpus) of gensim skip-gram (5 epochs,
same threads) at WS353 >= 0.355 / 0.571. Medians over ``--repeat`` runs; the machine is shared,
so single timings are noisy.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from _common import add_quick, write_json


def _ws353(kv) -> tuple[float, float]:
    from embedlab.evaluation.similarity import WordSimilarity

    r = WordSimilarity("wordsim353").evaluate(kv)
    return float(r.metrics["spearman"]), float(r.coverage)


def worker(method: str, corpus: str, args: argparse.Namespace) -> dict:
    from embedlab.vectors import KeyedVectors

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = -(usage.ru_utime + usage.ru_stime)  # imports excluded, as from the wall time
    t = time.perf_counter()
    if method == "gensim-sg":
        from gensim.models import Word2Vec
        from gensim.models.word2vec import LineSentence

        m = Word2Vec(LineSentence(corpus), vector_size=100, sg=1, epochs=5, window=5, min_count=5,
                     workers=args.threads, seed=args.seed)
        kv = KeyedVectors(list(m.wv.index_to_key), m.wv.vectors)
    elif method == "glove":
        from embedlab.models.glove import Glove

        kv = Glove(vector_size=100, window=10, epochs=args.epochs, x_max=args.x_max,
                   learning_rate=args.learning_rate, n_threads=args.threads, random_state=args.seed,
                   show_progress=False).fit(corpus).vectors_
    elif method == "ppmi-svd":
        from embedlab.models.ppmi_svd import PPMISVD

        kv = PPMISVD(vector_size=100, window=5, random_state=args.seed, show_progress=False).fit(corpus).vectors_
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_SELF)
    ws, cov = _ws353(kv)
    return {"method": method, "seconds": seconds, "cpu_seconds": cpu + usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "ws353": ws, "coverage": cov, "vocab": len(kv)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("corpus")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--seed", type=int, default=1, help="seed of the first repeat (repeat r uses seed + r)")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--x-max", type=float, default=10.0, help="GloVe x_max (reference demo.sh: 10)")
    p.add_argument("--learning-rate", type=float, default=0.1, help="AdaGrad step (embedlab default 0.1; reference glove.c 0.05)")
    p.add_argument("--methods", default="gensim-sg,glove,ppmi-svd")
    p.add_argument("--parallel", action="store_true",
                   help="run the methods of a repeat side by side (saves wall time; compare CPU seconds then)")
    p.add_argument("--json", help="also write every run's figures to this JSON file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    add_quick(p, {"repeat": 1, "methods": "gensim-sg,glove"})
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.corpus, args)))
        return
    runs: dict[str, list[dict]] = {}
    for rep in range(args.repeat):
        procs = []
        for method in args.methods.split(","):
            cmd = [sys.executable, __file__, args.corpus, "--worker", method, "--threads", str(args.threads),
                   "--epochs", str(args.epochs), "--x-max", str(args.x_max),
                   "--learning-rate", str(args.learning_rate), "--seed", str(args.seed + rep)]
            procs.append((method, subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)))
            if not args.parallel:
                procs[-1] = (method, procs[-1][1].communicate()[0])
        for method, proc in procs:
            out = proc if isinstance(proc, str) else proc.communicate()[0]
            res = json.loads(out.strip().splitlines()[-1])
            runs.setdefault(method, []).append(res)
            print(f"# run {rep + 1} (seed {args.seed + rep}) {method}: {res['seconds']:.1f} s, CPU {res['cpu_seconds']:.1f} s, "
                  f"{res['rss_mb']:.0f} MB, WS353 {res['ws353']:.3f}", file=sys.stderr, flush=True)
    def med(method: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[method])

    base = "gensim-sg" if "gensim-sg" in runs else None
    print(f"corpus {args.corpus}, threads {args.threads}, repeats {args.repeat} (medians)"
          f"{', methods run side by side' if args.parallel else ''}; glove: window 10, {args.epochs} epochs, "
          f"dim 100, x_max {args.x_max:g}, eta {args.learning_rate:g}")
    print(f"{'method':<10} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'WS353':>7} {'coverage':>9} {'vocab':>7}"
          f" {'wall x gensim':>14} {'CPU x gensim':>13}")
    for method, rs in runs.items():
        wall, cpu = med(method, "seconds"), med(method, "cpu_seconds")
        r_wall = f"{wall / med(base, 'seconds'):.2f}" if base else "-"
        r_cpu = f"{cpu / med(base, 'cpu_seconds'):.2f}" if base else "-"
        print(f"{method:<10} {wall:>8.1f} {cpu:>8.1f} {med(method, 'rss_mb'):>12.0f} {med(method, 'ws353'):>7.3f} "
              f"{rs[0]['coverage']:>9.3f} {rs[0]['vocab']:>7} {r_wall:>14} {r_cpu:>13}")
    write_json(args.json, {"threads": args.threads, "repeats": args.repeat, "seed": args.seed, "epochs": args.epochs,
                           "x_max": args.x_max, "learning_rate": args.learning_rate, "parallel": args.parallel,
                           "runs": runs})

if __name__ == "__main__":
    main()
