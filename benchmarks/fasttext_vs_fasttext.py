"""embedlab FastText vs the ``fasttext`` PyPI package (and plain word2vec) on one corpus.

    python benchmarks/fasttext_vs_fasttext.py CORPUS [--threads 2] [--repeats 3] [--epochs 5] [--json OUT]
    python benchmarks/fasttext_vs_fasttext.py CORPUS1M --quick     # one run per side, no word2vec run

The corpus is first tokenized and lowercased once with embedlab's tokenizer into a temporary
file, so that both sides train on exactly the same tokens (fastText splits on whitespace). Each
run happens in a fresh subprocess (peak RSS is that process's own, measured right after
training); numba kernels are compiled by a warm-up run before timing. Both sides use fastText's
defaults: skip-gram, dim 100, window 5, 5 negatives, minCount 5, t=1e-4, lr 0.05, n-grams 3..6 in
2M buckets. Times are end to end (vocabulary + training), words/s = corpus tokens x epochs / time;
on a shared, loaded machine the CPU-time figure (process user+sys time of all threads) is the
steadier comparison, so both are printed.

Quality: WS353 Spearman (in-vocabulary pairs), Google analogies (3CosAdd, restrict_vocab=30000),
Stanford Rare Words (RW, from ../shared/data/word-similarity) Spearman over *all* pairs with
out-of-vocabulary words composed from n-grams (coverage 100% for subword models; word2vec scores
only the pairs it covers, and its coverage is printed), plus RW on the pairs word2vec covers.
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

from _common import add_quick, peak_rss_mb, processor, run_json_child, tokenize_to_file, warm_up_file, write_json

HERE = Path(__file__).resolve()
RW = Path(os.environ.get("EMBEDLAB_SHARED_DATA", HERE.parents[2] / "shared" / "data")) / "word-similarity" / "EN-RW-STANFORD.txt"


def _evaluate(lookup, keys, vectors) -> dict:
    """WS353 / analogy on the in-vocabulary vectors; RW with ``lookup(word)`` (None = no vector)."""
    import numpy as np
    from scipy import stats

    from embedlab.evaluation.analogy import Analogy
    from embedlab.evaluation.similarity import WordSimilarity
    from embedlab.vectors import KeyedVectors

    kv = KeyedVectors(keys, vectors)
    out = {
        "ws353": WordSimilarity("wordsim353").evaluate(kv).score,
        "analogy": Analogy("google", restrict_vocab=30000).evaluate(kv).score,
    }
    if RW.exists():
        gold, model, inv = [], [], []
        pairs = [line.split("\t") for line in RW.read_text(encoding="utf-8").splitlines() if line.strip()]
        index = {k: i for i, k in enumerate(keys)}
        for a, b, score in pairs:
            va, vb = lookup(a.lower()), lookup(b.lower())
            if va is None or vb is None:
                continue
            cos = float(np.dot(va, vb) / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-12))
            gold.append(float(score))
            model.append(cos)
            inv.append(a.lower() in index and b.lower() in index)
        inv = np.asarray(inv, dtype=bool)
        out["rw"] = float(stats.spearmanr(gold, model).statistic) if len(gold) > 2 else float("nan")
        out["rw_coverage"] = len(gold) / len(pairs)
        g, m = np.asarray(gold)[inv], np.asarray(model)[inv]
        out["rw_invocab"] = float(stats.spearmanr(g, m).statistic) if len(g) > 2 else float("nan")
        out["rw_invocab_pairs"] = int(inv.sum())
    return out


def _run_embedlab(corpus: str, args: argparse.Namespace, subwords: bool) -> dict:
    import numpy as np

    from embedlab.models.fasttext import FastText

    params = dict(vector_size=args.dim, epochs=args.epochs, n_threads=args.threads, random_state=args.seed,
                  show_progress=False, max_n=6 if subwords else 0, architecture=args.arch)
    FastText(**{**params, "epochs": 1, "min_count": 1}).fit(str(warm_up_file()))  # compile kernels (cached)
    t0, c0 = time.perf_counter(), time.process_time()
    model = FastText(**params).fit(corpus)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = peak_rss_mb()
    kv = model.vectors_

    def lookup(w):
        return kv[w] if (subwords or w in kv) else None

    res = _evaluate(lookup, kv.index_to_key, np.asarray(kv.vectors))
    res.update(seconds=seconds, cpu_seconds=cpu, rss_mb=rss, tokens=int(model.vocab_.total_words), vocab=len(kv))
    return res


def _train_fasttext(seed: int, **params):
    """``fasttext.train_unsupervised(**params)`` with fastText's ``-seed``: the C++ ``Args`` has it
    (initialisation, and ``seed + thread`` for each thread's generator) and the defaults carry it
    (0), but ``train_unsupervised`` does not accept the keyword, so its arguments are built here
    the way it builds them, with ``seed`` added."""
    import fasttext_pybind
    from fasttext import FastText as ft_module

    names = ["input", "model", "lr", "dim", "ws", "epoch", "minCount", "minCountLabel", "minn", "maxn", "neg",
             "wordNgrams", "loss", "bucket", "thread", "lrUpdateRate", "t", "label", "verbose", "pretrainedVectors",
             "seed"]
    values, manual = ft_module.read_args([], {**params, "seed": seed}, names, ft_module.unsupervised_default)
    built = ft_module._build_args(values, manual)
    model = ft_module._FastText(args=built)
    fasttext_pybind.train(model.f, built)
    model.set_args(model.f.getArgs())
    return model


def _run_fasttext(corpus: str, args: argparse.Namespace) -> dict:
    import numpy as np

    t0, c0 = time.perf_counter(), time.process_time()
    model = _train_fasttext(args.seed, input=corpus, model=args.arch, dim=args.dim, epoch=args.epochs,
                            thread=args.threads, verbose=0)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = peak_rss_mb()
    words = [w for w in model.words if w != "</s>"]
    vectors = np.stack([model.get_word_vector(w) for w in words])
    res = _evaluate(model.get_word_vector, words, vectors)
    res.update(seconds=seconds, cpu_seconds=cpu, rss_mb=rss, tokens=None, vocab=len(words))
    return res


def _child(kind: str, corpus: str, args: argparse.Namespace, seed: int) -> dict:
    cmd = [sys.executable, str(HERE), corpus, "--child", kind, "--seed", str(seed), "--threads", str(args.threads),
           "--epochs", str(args.epochs), "--dim", str(args.dim), "--arch", args.arch]
    return run_json_child(cmd, label=kind)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1,
                    help="seed of the first repeat, both sides (repeat r uses seed + r)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--arch", choices=("skipgram", "cbow"), default="skipgram")
    ap.add_argument("--no-word2vec", action="store_true", help="skip the plain word2vec (max_n=0) run")
    ap.add_argument("--json", help="also write the runs and medians to this JSON file")
    ap.add_argument("--child", choices=("embedlab", "word2vec", "fasttext"), help=argparse.SUPPRESS)
    add_quick(ap, {"repeats": 1, "no_word2vec": True})
    args = ap.parse_args()
    if args.child:
        if args.child == "fasttext":
            res = _run_fasttext(args.corpus, args)
        else:
            res = _run_embedlab(args.corpus, args, subwords=args.child == "embedlab")
        print(json.dumps(res))
        return

    tmp = Path(tempfile.mkdtemp(prefix="ftbench-"))
    tok = tmp / "tokens.txt"
    n_tokens = tokenize_to_file(args.corpus, tok, skip_empty=True)
    print(f"corpus {args.corpus}: {n_tokens:,} tokens; {args.threads} threads, {args.epochs} epochs, "
          f"dim {args.dim}, {args.arch}; {args.repeats} repeat(s), medians", flush=True)
    print(processor(), flush=True)
    kinds = ["fasttext", "embedlab"] + ([] if args.no_word2vec else ["word2vec"])
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    for r in range(args.repeats):
        for kind in kinds:
            res = _child(kind, str(tok), args, args.seed + r)
            runs[kind].append(res)
            print(f"  run {r + 1} {kind} (seed {args.seed + r}): {res['seconds']:.1f} s wall, "
                  f"{res['cpu_seconds']:.1f} s CPU, WS353 {res['ws353']:.3f}, analogy {100 * res['analogy']:.1f}%",
                  flush=True)
    labels = {"fasttext": "fasttext (PyPI)", "embedlab": "embedlab FastText", "word2vec": "embedlab max_n=0 (word2vec)"}
    header = f"{'method':<30}{'time s':>8}{'CPU s':>8}{'words/s':>11}{'w/CPU-s':>10}{'RSS MB':>8}{'WS353':>8}{'analogy':>9}{'RW':>7}{'RW cov':>8}{'RW(w2v pairs)':>15}"
    print(header)
    med: dict[str, dict] = {}
    for kind in kinds:
        rs = runs[kind]
        m = {key: statistics.median(r[key] for r in rs) for key in rs[0] if isinstance(rs[0][key], (int, float))}
        m["words_per_sec"] = n_tokens * args.epochs / m["seconds"]
        m["words_per_cpu_sec"] = n_tokens * args.epochs / m["cpu_seconds"]
        med[kind] = m
        print(f"{labels[kind]:<30}{m['seconds']:>8.1f}{m['cpu_seconds']:>8.1f}{m['words_per_sec']:>11,.0f}"
              f"{m['words_per_cpu_sec']:>10,.0f}{m['rss_mb']:>8.0f}"
              f"{m['ws353']:>8.3f}{100 * m['analogy']:>9.1f}{m.get('rw', float('nan')):>7.3f}"
              f"{100 * m.get('rw_coverage', float('nan')):>7.1f}%{m.get('rw_invocab', float('nan')):>15.3f}")
    a, b = med["embedlab"], med["fasttext"]
    print(f"speed ratio embedlab/fasttext: {a['words_per_sec'] / b['words_per_sec']:.2f}x wall-clock, "
          f"{a['words_per_cpu_sec'] / b['words_per_cpu_sec']:.2f}x per CPU-second; "
          f"WS353 diff {a['ws353'] - b['ws353']:+.3f}; analogy diff {100 * (a['analogy'] - b['analogy']):+.1f} points; "
          f"RSS ratio {a['rss_mb'] / b['rss_mb']:.2f}")
    mean = {k: {q: statistics.fmean(r[q] for r in runs[k]) for q in ("ws353", "analogy")} for k in ("embedlab", "fasttext")}
    print(f"means over {args.repeats} run(s): WS353 {mean['embedlab']['ws353']:.3f} vs {mean['fasttext']['ws353']:.3f} "
          f"({mean['embedlab']['ws353'] - mean['fasttext']['ws353']:+.3f}); analogy "
          f"{100 * mean['embedlab']['analogy']:.2f}% vs {100 * mean['fasttext']['analogy']:.2f}% "
          f"({100 * (mean['embedlab']['analogy'] - mean['fasttext']['analogy']):+.2f} points)")
    print(processor(), flush=True)
    write_json(args.json, {"tokens": n_tokens, "threads": args.threads, "epochs": args.epochs, "dim": args.dim,
                           "arch": args.arch, "repeats": args.repeats, "seed": args.seed, "medians": med, "means": mean,
                           "runs": runs})


if __name__ == "__main__":
    main()
