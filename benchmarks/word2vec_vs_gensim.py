"""embedlab Word2Vec vs gensim Word2Vec (corpus_file mode), same hyperparameters, same tokens.

Usage::

    python benchmarks/word2vec_vs_gensim.py CORPUS [--threads 2] [--architecture skipgram|cbow|both]
                                           [--repeats 3] [--epochs 5] [--json OUT.json] [--no-eval]
    python benchmarks/word2vec_vs_gensim.py CORPUS1M --quick     # one run per side and architecture

The corpus is tokenized once with embedlab's tokenizer into a temporary LineSentence file
(one sentence per line, tokens separated by spaces) that both libraries read, so they train on
identical tokens. Each run happens in its own subprocess, embedlab and gensim alternately (the
machine is shared and noisy), and the table reports medians over ``--repeats`` runs:

* wall: seconds for vocabulary building + encoding + training (imports excluded);
* words/s: raw corpus tokens x epochs / training seconds (vocabulary building excluded);
* peak RSS: ``ru_maxrss`` of the worker process at the end of training; anon RSS: its
  ``RssAnon`` then (heap and arrays, without file-backed library code pages);
* WS353 Spearman and Google analogy accuracy (restrict_vocab=30000), both computed with gensim's
  ``evaluate_word_pairs`` / ``evaluate_word_analogies`` on each side's vectors.

Hyperparameters (both sides): dim 100, window 5, negative 5, sample 1e-3, min_count 5,
alpha 0.025 -> 0.0001, epochs 5.

gensim's ``corpus_file`` mode (the default here, its fast path) does not decay alpha over the
whole epoch: each of its W worker threads computes its progress as *its own* sentences over all
sentences (``get_next_alpha`` in ``gensim/models/word2vec_corpusfile.pyx``), so within epoch k
alpha only falls from alpha(k/E) to alpha((k + 1/W)/E) and then jumps back up; with 2 workers
training ends near alpha = 0.0025 instead of 0.0001. ``--gensim-input iterable`` runs gensim's
sentence-iterable path instead, whose decay is the same as embedlab's (a quality control; its
speed is lower and not the figure to quote).
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

from _common import add_quick, peak_rss_mb, proc_status_mb, run_json_child, tokenize_to_file, write_json

PARAMS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, alpha=0.025, min_alpha=0.0001)


def _evaluate(keys: list[str], vectors) -> dict[str, float]:
    import logging

    import gensim
    from gensim.models import KeyedVectors

    logging.getLogger("gensim").setLevel(logging.ERROR)
    data = Path(gensim.__file__).parent / "test" / "test_data"
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(keys, vectors)
    pearson, spearman, oov = kv.evaluate_word_pairs(str(data / "wordsim353.tsv"))
    accuracy, _ = kv.evaluate_word_analogies(str(data / "questions-words.txt"), restrict_vocab=30000)
    return {"ws353_spearman": float(spearman[0]), "ws353_oov_pct": float(oov), "analogy_acc": float(accuracy)}


def worker(side: str, path: str, architecture: str, threads: int, epochs: int, seed: int,
           evaluate: bool = True, gensim_input: str = "corpus_file") -> dict:
    """Train one model in this process and return its figures."""
    if side == "embedlab":
        import numpy as np

        from embedlab.corpus import Corpus
        from embedlab.models.word2vec import Word2Vec

        t0 = time.perf_counter()
        model = Word2Vec(architecture=architecture, epochs=epochs, n_threads=threads, random_state=seed,
                         show_progress=False, **PARAMS)
        model.fit(Corpus(path, tokenizer="whitespace", lowercase=False))
        wall = time.perf_counter() - t0
        rss, anon = peak_rss_mb(), proc_status_mb("RssAnon")["RssAnon"]
        train_s = model.training_seconds_
        total_words = model.vocab_.total_words
        keys, vectors = model.vectors_.index_to_key, np.asarray(model.vectors_.vectors)
        loss = model.loss_history_[-1]
    else:
        from gensim.models import Word2Vec as GensimWord2Vec

        from gensim.models.word2vec import LineSentence

        # corpus_file mode decays alpha per worker over its own share only (see the module doc)
        source = {"corpus_file": path} if gensim_input == "corpus_file" else {"sentences": LineSentence(path)}
        t0 = time.perf_counter()
        model = GensimWord2Vec(**source, sg=int(architecture == "skipgram"), hs=0, workers=threads,
                               epochs=epochs, seed=seed, **PARAMS)
        wall = time.perf_counter() - t0
        rss, anon = peak_rss_mb(), proc_status_mb("RssAnon")["RssAnon"]
        train_s = model.total_train_time
        total_words = model.corpus_total_words
        keys, vectors = model.wv.index_to_key, model.wv.vectors
        loss = None
    out = {
        "side": side, "architecture": architecture, "threads": threads, "wall_s": wall, "train_s": train_s,
        "words_per_sec": total_words * epochs / train_s, "peak_rss_mb": rss, "anon_rss_mb": anon, "vocab": len(keys),
        "corpus_words": int(total_words), "final_loss": loss,
    }
    if evaluate:
        out.update(_evaluate(list(keys), vectors))
    else:
        out.update(ws353_spearman=float("nan"), analogy_acc=float("nan"))
    return out


def _run_worker(side: str, path: str, arch: str, threads: int, epochs: int, seed: int, evaluate: bool,
                gensim_input: str = "corpus_file") -> dict:
    cmd = [sys.executable, __file__, "--worker", side, path, "--architecture", arch, "--threads", str(threads),
           "--epochs", str(epochs), "--seed", str(seed), "--gensim-input", gensim_input]
    cmd += [] if evaluate else ["--no-eval"]
    return run_json_child(cmd, threads=threads, label=f"{side} worker")


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _report(arch: str, runs: dict[str, list[dict]]) -> str:
    e, g = runs["embedlab"], runs["gensim"]
    rows = [
        ("wall s (vocab+train)", "wall_s", "{:.1f}", False),
        ("train s", "train_s", "{:.1f}", False),
        ("raw words/s", "words_per_sec", "{:,.0f}", True),
        ("peak RSS MB", "peak_rss_mb", "{:.0f}", False),
        ("anon RSS MB (end)", "anon_rss_mb", "{:.0f}", False),
        ("WS353 Spearman", "ws353_spearman", "{:.4f}", None),
        ("Google analogy acc", "analogy_acc", "{:.4f}", None),
    ]
    lines = [f"== {arch} ({len(e)} run(s) each, medians) ==",
             f"{'':24s}{'embedlab':>14s}{'gensim':>14s}{'ratio':>10s}"]
    for label, key, fmt, higher in rows:
        ev, gv = _median(e, key), _median(g, key)
        if higher is None:
            ratio = f"{ev - gv:+.4f}"
        else:
            ratio = f"{ev / gv:.2f}x" if gv else "n/a"
        lines.append(f"{label:24s}{fmt.format(ev):>14s}{fmt.format(gv):>14s}{ratio:>10s}")
    lines.append("words/s per run: embedlab " + ", ".join(f"{r['words_per_sec']:,.0f}" for r in e)
                 + " | gensim " + ", ".join(f"{r['words_per_sec']:,.0f}" for r in g))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--architecture", choices=["skipgram", "cbow", "both"], default="both")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write every run's figures to this JSON file")
    ap.add_argument("--no-eval", action="store_true", help="skip WS353/analogy (speed-only runs)")
    ap.add_argument("--gensim-input", choices=["corpus_file", "iterable"], default="corpus_file",
                    help="gensim reads the corpus with corpus_file= (fast, the default) or as an iterable of "
                         "LineSentence (slower; decays alpha over the whole epoch, like embedlab)")
    ap.add_argument("--worker", choices=["embedlab", "gensim"], help=argparse.SUPPRESS)
    add_quick(ap, {"repeats": 1}, argv)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.corpus, args.architecture, args.threads, args.epochs, args.seed,
                                not args.no_eval, args.gensim_input)))
        return
    archs = ["skipgram", "cbow"] if args.architecture == "both" else [args.architecture]
    all_runs: dict[str, dict[str, list[dict]]] = {}
    with tempfile.TemporaryDirectory(prefix="w2v-bench-") as folder:
        t0 = time.perf_counter()
        path = os.path.join(folder, "corpus.linesentence.txt")
        n_tokens = tokenize_to_file(args.corpus, path)
        print(f"tokenized {args.corpus} -> LineSentence file in {time.perf_counter() - t0:.1f} s; "
              f"gensim input: {args.gensim_input}", flush=True)
        for arch in archs:
            runs: dict[str, list[dict]] = {"embedlab": [], "gensim": []}
            for rep in range(args.repeats):
                order = ("embedlab", "gensim") if rep % 2 == 0 else ("gensim", "embedlab")
                for side in order:
                    r = _run_worker(side, path, arch, args.threads, args.epochs, args.seed + rep, not args.no_eval,
                                    args.gensim_input)
                    runs[side].append(r)
                    print(f"[{arch} {rep + 1}/{args.repeats}] {side:8s} wall {r['wall_s']:6.1f}s  train "
                          f"{r['train_s']:6.1f}s  {r['words_per_sec']:>11,.0f} words/s  RSS {r['peak_rss_mb']:5.0f} MB"
                          f"  WS353 {r['ws353_spearman']:.4f}  analogy {r['analogy_acc']:.4f}", flush=True)
            all_runs[arch] = runs
            print(_report(arch, runs), flush=True)
    numeric = ("wall_s", "train_s", "words_per_sec", "peak_rss_mb", "anon_rss_mb", "ws353_spearman", "analogy_acc", "vocab")
    write_json(args.json, {
        "params": {**PARAMS, "epochs": args.epochs, "gensim_input": args.gensim_input},
        "threads": args.threads, "epochs": args.epochs, "repeats": args.repeats, "seed": args.seed,
        "corpus_tokens": n_tokens,
        "medians": {arch: {side: {k: _median(rs, k) for k in numeric} for side, rs in runs.items()}
                    for arch, runs in all_runs.items()},
        "runs": all_runs,
    })


if __name__ == "__main__":
    main()
