"""Time embedlab's Analogy / WordSimilarity against gensim's evaluators on the same vectors.

Usage::

    python benchmarks/evaluate_vs_gensim.py VECTORS [--repeat 3] [--restrict-vocab 30000]
    python benchmarks/evaluate_vs_gensim.py VECTORS --train-corpus CORPUS1M   # any one-sentence-per-line file
    python benchmarks/evaluate_vs_gensim.py random:30000x100   # every Google question covered

VECTORS is any format embedlab reads (.npz, .vec/.txt, .bin). With ``--train-corpus`` and a
VECTORS path that does not exist yet, gensim skip-gram vectors (dim 100, window 5, min_count 5,
5 epochs, 2 threads) are trained on the corpus and saved there first. ``random:NxD`` makes N random
D-dimensional vectors whose vocabulary holds every Google question word (full coverage). Prints the median of
``--repeat`` runs for both sides, the ratio, and checks that accuracy / correlations are equal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np


CPU: dict[str, float] = {}  # median process CPU seconds of the last timing per label (noisy machines)


def _median_time(fn, repeat: int, label: str = ""):
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU[label] = statistics.median(cpu)
    return statistics.median(times), times, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("vectors")
    parser.add_argument("--train-corpus", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--restrict-vocab", type=int, default=30000)
    args = parser.parse_args()

    from gensim.models import KeyedVectors as GensimKV
    from gensim.models import Word2Vec as GensimW2V
    from gensim.test.utils import datapath

    from embedlab.evaluation import Analogy, WordSimilarity
    from embedlab.vectors.io import load_vectors, save_vectors
    from embedlab.vectors import KeyedVectors

    if args.vectors.startswith("random:"):
        n, dim = (int(x) for x in args.vectors.split(":", 1)[1].split("x"))
        from embedlab.evaluation import load_analogy

        words = list(dict.fromkeys(w.lower() for q in load_analogy("google").questions for w in q))
        keys = words + [f"filler{i}" for i in range(n - len(words))]
        rng = np.random.default_rng(0)
        kv = KeyedVectors(keys, rng.standard_normal((n, dim)).astype(np.float32))
    elif not Path(args.vectors).exists():
        if args.train_corpus is None:
            parser.error(f"{args.vectors} does not exist; pass --train-corpus to train it with gensim")
        t0 = time.perf_counter()
        model = GensimW2V(
            corpus_file=str(args.train_corpus), vector_size=100, window=5, min_count=5, sg=1,
            negative=5, sample=1e-3, epochs=5, workers=2, seed=1,
        )
        print(f"trained gensim skip-gram on {args.train_corpus} in {time.perf_counter() - t0:.1f} s")
        save_vectors(KeyedVectors(model.wv.index_to_key, model.wv.vectors), args.vectors)
    if not args.vectors.startswith("random:"):
        kv = load_vectors(args.vectors)
    g = GensimKV(kv.vector_size)
    g.add_vectors(kv.index_to_key, np.asarray(kv.vectors))
    print(f"vectors: {args.vectors} ({len(kv)} keys, dim {kv.vector_size}); repeats: {args.repeat}")

    ok = True
    rv = args.restrict_vocab
    analogy = Analogy("google", restrict_vocab=rv)
    analogy.evaluate(kv)  # warm-up: loads the cached numba kernel
    t_ours, runs_ours, ours = _median_time(lambda: analogy.evaluate(kv), args.repeat, "ours")
    path = datapath("questions-words.txt")
    t_gensim, runs_gensim, (score, sections) = _median_time(
        lambda: g.evaluate_word_analogies(path, restrict_vocab=rv), args.repeat, "gensim"
    )
    total = sections[-1]
    n_gensim = len(total["correct"]) + len(total["incorrect"])
    print(f"\nGoogle analogies (3CosAdd, restrict_vocab={rv}, {ours.n} of 19544 questions covered)")
    print(f"  embedlab Analogy:                 {t_ours:8.3f} s  accuracy {ours.score:.6f} ({int(ours.metrics['correct'])}/{ours.n})")
    print(f"  gensim evaluate_word_analogies:   {t_gensim:8.3f} s  accuracy {score:.6f} ({len(total['correct'])}/{n_gensim})")
    print(f"  speed-up (gensim / embedlab):     {t_gensim / t_ours:8.1f}x   runs: ours {['%.3f' % t for t in runs_ours]}, gensim {['%.3f' % t for t in runs_gensim]}")
    print(f"  process CPU seconds (median):     ours {CPU['ours']:.3f}, gensim {CPU['gensim']:.3f}")
    equal = ours.score == score and ours.n == n_gensim
    print(f"  equal accuracy and counts: {equal}")
    ok &= equal

    for name, file in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
        sim = WordSimilarity(name)
        t_ours, _, res = _median_time(lambda: sim.evaluate(kv), args.repeat)
        t_gensim, _, (pearson, spearman, _) = _median_time(lambda: g.evaluate_word_pairs(datapath(file)), args.repeat)
        equal = res.metrics["spearman"] == spearman[0] and res.metrics["pearson"] == pearson[0]
        print(f"\n{name}: embedlab {t_ours * 1e3:7.1f} ms  spearman {res.score:.6f} | gensim {t_gensim * 1e3:7.1f} ms  "
              f"spearman {spearman[0]:.6f} | ratio {t_gensim / t_ours:.1f}x | equal: {equal}")
        ok &= equal
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
