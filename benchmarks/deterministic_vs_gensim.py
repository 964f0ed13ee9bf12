"""The cost of deterministic mode: embedlab Word2Vec deterministic=True vs its default mode vs gensim.

Usage::

    python benchmarks/deterministic_vs_gensim.py CORPUS [--threads 2] [--architecture skipgram]
        [--repeats 3] [--epochs 5]

Same setup as ``word2vec_vs_gensim.py`` (one LineSentence file read by all sides, each run its own
child process, gensim in ``corpus_file`` mode, WS353 and Google analogy with gensim's evaluators).
Seeds ``seed .. seed + repeats - 1``; per seed the three sides run back to back in rotating order.
Prints words/s (deterministic / gensim: target >= 1.5x at 2 threads for skip-gram) and the quality
of deterministic vs default mode (targets: WS353 within 0.02, analogy within 1.5 points, means of
the seeds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

from _common import peak_rss_mb, run_json_child, tokenize_to_file, warm_up_file
from word2vec_vs_gensim import PARAMS, _evaluate

SIDES = ("default", "deterministic", "gensim")


def worker(side: str, path: str, architecture: str, threads: int, epochs: int, seed: int) -> dict:
    import numpy as np

    if side == "gensim":
        from gensim.models import Word2Vec as G

        model = G(corpus_file=path, sg=int(architecture == "skipgram"), hs=0, workers=threads, epochs=epochs,
                  seed=seed, **PARAMS)
        train_s, words = model.total_train_time, model.corpus_total_words
        keys, vectors = list(model.wv.index_to_key), model.wv.vectors
    else:
        from embedlab.corpus import Corpus
        from embedlab.models.word2vec import Word2Vec

        params = dict(architecture=architecture, n_threads=threads, random_state=seed, show_progress=False,
                      deterministic=side == "deterministic", **PARAMS)
        Word2Vec(**{**params, "epochs": 1, "min_count": 1}).fit(
            Corpus(str(warm_up_file()), tokenizer="whitespace", lowercase=False))  # compile first
        model = Word2Vec(epochs=epochs, **params)
        model.fit(Corpus(path, tokenizer="whitespace", lowercase=False))
        train_s, words = model.training_seconds_, model.vocab_.total_words
        keys, vectors = model.vectors_.index_to_key, np.asarray(model.vectors_.vectors)
    out = {"side": side, "seed": seed, "words_per_sec": words * epochs / train_s, "peak_rss_mb": peak_rss_mb()}
    out.update(_evaluate(list(keys), vectors))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--architecture", choices=["skipgram", "cbow"], default="skipgram")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.corpus, args.architecture, args.threads, args.epochs, args.seed)))
        return
    runs: dict[str, list[dict]] = {s: [] for s in SIDES}
    with tempfile.TemporaryDirectory(prefix="det-bench-") as folder:
        path = os.path.join(folder, "corpus.linesentence.txt")
        tokenize_to_file(args.corpus, path)
        for rep in range(args.repeats):
            order = SIDES[rep % 3:] + SIDES[: rep % 3]
            for side in order:
                cmd = [sys.executable, __file__, path, "--worker", side, "--architecture", args.architecture,
                       "--threads", str(args.threads), "--epochs", str(args.epochs), "--seed", str(args.seed + rep)]
                t0 = time.perf_counter()
                r = run_json_child(cmd, threads=args.threads, label=side)
                runs[side].append(r)
                print(f"[{rep + 1}/{args.repeats}] {side:13s} {r['words_per_sec']:>11,.0f} words/s  WS353 "
                      f"{r['ws353_spearman']:.4f}  analogy {r['analogy_acc']:.4f}  ({time.perf_counter() - t0:.0f} s)",
                      flush=True)
    med = {s: statistics.median(r["words_per_sec"] for r in runs[s]) for s in SIDES}
    mean = {s: {k: statistics.mean(r[k] for r in runs[s]) for k in ("ws353_spearman", "analogy_acc")} for s in SIDES}
    print(f"\n{args.architecture}, {args.threads} threads, {args.repeats} seeds (medians of words/s, means of quality)")
    print("| | default | deterministic | gensim |")
    print("| --- | ---: | ---: | ---: |")
    print("| words/s | " + " | ".join(f"{med[s]:,.0f}" for s in SIDES) + " |")
    print("| WS353 | " + " | ".join(f"{mean[s]['ws353_spearman']:.4f}" for s in SIDES) + " |")
    print("| analogy % | " + " | ".join(f"{100 * mean[s]['analogy_acc']:.2f}" for s in SIDES) + " |")
    print(f"\ndeterministic / gensim words/s: {med['deterministic'] / med['gensim']:.2f}x (target >= 1.5x); "
          f"deterministic / default: {med['deterministic'] / med['default']:.2f}x")
    d_ws = mean["deterministic"]["ws353_spearman"] - mean["default"]["ws353_spearman"]
    d_an = 100 * (mean["deterministic"]["analogy_acc"] - mean["default"]["analogy_acc"])
    print(f"deterministic - default: WS353 {d_ws:+.4f} (target within 0.02), analogy {d_an:+.2f} pt "
          "(target within 1.5)")


if __name__ == "__main__":
    sys.exit(main())
