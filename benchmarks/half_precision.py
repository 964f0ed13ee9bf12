"""Word2Vec with float16 output weights vs float32: quality, speed and peak memory, same seeds.

Usage::

    python benchmarks/half_precision.py CORPUS [--dim 300] [--min-count 5] [--epochs 5] [--seeds 1 2 3]
        [--threads 2] [--architecture skipgram|cbow]

CORPUS is pre-tokenized text (whitespace tokens, one sentence per line, e.g. the ``make_corpus.sh``
corpus). For every seed, ``Word2Vec(output_dtype="float32")`` and ``output_dtype="float16"``
(negative-sampling output weights stored in half precision, stochastically rounded) train in
their own child processes, alternately; each reports its training seconds, peak RSS
(``ru_maxrss`` right after training) and WS353 Spearman / Google analogy accuracy
(restrict_vocab 30000, gensim's evaluators, as ``word2vec_vs_gensim.py``). The table gives each
seed, the means of the quality figures, the medians of time and memory, and the differences.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from _common import peak_rss_mb, python_cmd, run_json_child

PARAMS = dict(window=5, negative=5, sample=1e-3, alpha=0.025, min_alpha=0.0001)
DTYPES = ("float32", "float16")


def worker(path: str, dtype: str, dim: int, min_count: int, epochs: int, seed: int, threads: int,
           architecture: str) -> None:
    import numpy as np

    from embedlab.corpus import Corpus
    from embedlab.models.word2vec import Word2Vec
    from word2vec_vs_gensim import _evaluate

    t0 = time.perf_counter()
    model = Word2Vec(vector_size=dim, architecture=architecture, min_count=min_count, epochs=epochs,
                     n_threads=threads, random_state=seed, show_progress=False, output_dtype=dtype, **PARAMS)
    model.fit(Corpus(path, tokenizer="whitespace", lowercase=False))
    out = {"dtype": dtype, "seed": seed, "wall_s": time.perf_counter() - t0, "train_s": model.training_seconds_,
           "peak_mb": peak_rss_mb(), "vocab": len(model.vectors_), "loss": model.loss_history_[-1]}
    out.update(_evaluate(list(model.vectors_.index_to_key), np.asarray(model.vectors_.vectors)))
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--architecture", choices=["skipgram", "cbow"], default="skipgram")
    ap.add_argument("--worker", nargs=2, metavar=("DTYPE", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.corpus, args.worker[0], args.dim, args.min_count, args.epochs, int(args.worker[1]),
               args.threads, args.architecture)
        return
    runs: dict[str, list[dict]] = {dt: [] for dt in DTYPES}
    print(f"{args.architecture}, dim {args.dim}, min_count {args.min_count}, {args.epochs} epochs, "
          f"{args.threads} threads, seeds {args.seeds}", flush=True)
    print("| output weights | seed | train s | peak RSS MB | WS353 | analogy % | final loss |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |", flush=True)
    for seed in args.seeds:
        for dt in (DTYPES if seed % 2 else DTYPES[::-1]):  # alternate which side runs first
            cmd = python_cmd(__file__, args.corpus, "--dim", str(args.dim), "--min-count", str(args.min_count),
                             "--epochs", str(args.epochs), "--threads", str(args.threads), "--architecture",
                             args.architecture, "--worker", dt, str(seed))
            r = run_json_child(cmd, threads=args.threads, label=f"{dt} seed {seed}")
            runs[dt].append(r)
            print(f"| {dt} | {seed} | {r['train_s']:.1f} | {r['peak_mb']:.0f} | {r['ws353_spearman']:.4f} | "
                  f"{100 * r['analogy_acc']:.2f} | {r['loss']:.4f} |", flush=True)
    f32, f16 = runs["float32"], runs["float16"]

    def mean(rs: list[dict], k: str) -> float:
        return statistics.fmean(r[k] for r in rs)

    def med(rs: list[dict], k: str) -> float:
        return statistics.median(r[k] for r in rs)

    print()
    print("| | float32 | float16 | float16 - float32 (ratio) |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| WS353 (mean) | {mean(f32, 'ws353_spearman'):.4f} | {mean(f16, 'ws353_spearman'):.4f} | "
          f"{mean(f16, 'ws353_spearman') - mean(f32, 'ws353_spearman'):+.4f} |")
    print(f"| analogy % (mean) | {100 * mean(f32, 'analogy_acc'):.2f} | {100 * mean(f16, 'analogy_acc'):.2f} | "
          f"{100 * (mean(f16, 'analogy_acc') - mean(f32, 'analogy_acc')):+.2f} points |")
    print(f"| train s (median) | {med(f32, 'train_s'):.1f} | {med(f16, 'train_s'):.1f} | "
          f"{med(f16, 'train_s') / med(f32, 'train_s'):.2f}x |")
    print(f"| peak RSS MB (median) | {med(f32, 'peak_mb'):.0f} | {med(f16, 'peak_mb'):.0f} | "
          f"{med(f16, 'peak_mb') / med(f32, 'peak_mb'):.2f}x |")
    print(f"vocabulary: {f32[0]['vocab']:,} words")


if __name__ == "__main__":
    sys.exit(main())
