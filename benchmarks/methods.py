"""Every embedlab creation method and its peers on one corpus: time, peak RSS, quality, OOV coverage.

    python benchmarks/methods.py CORPUS [--threads 2] [--epochs 5] [--methods w2v-sg,glove,...]
                                 [--repeats 1] [--markdown FILE] [--json FILE]

The corpus is tokenized and lowercased once with embedlab's tokenizer into a temporary
LineSentence file that every method reads (embedlab with the whitespace tokenizer, gensim with
``corpus_file=``, fastText as is), so all train on identical tokens. Each method runs in its own
subprocess (peak RSS is that process's ``ru_maxrss``, read right after training, before the
evaluation); embedlab's numba kernels are loaded by a tiny warm-up fit before the clock starts.

Methods (dim 100, min_count 5, ``--threads``; the predictive models window 5 and ``--epochs``):

* ``w2v-sg`` / ``w2v-cbow``: embedlab Word2Vec skip-gram / CBOW (negative 5, sample 1e-3);
* ``fasttext-sg``: embedlab FastText skip-gram (fastText defaults: n-grams 3..6, 2M buckets,
  sample 1e-4, lr 0.05);
* ``glove``: embedlab GloVe (window 10, 15 epochs, x_max 10, W+C);
* ``ppmi-svd``: embedlab PPMI-SVD (window 5, its defaults: cds 0.75, eig 0.5, randomized SVD);
* ``gensim-sg`` / ``gensim-cbow``: gensim 4 Word2Vec, ``corpus_file`` mode, same settings as w2v;
* ``fasttext-pypi``: the ``fasttext`` package, ``train_unsupervised(model="skipgram")``, same
  dim, window, minCount, epochs and threads (its other defaults equal embedlab FastText's).

Columns: wall seconds (vocabulary + training, imports and tokenization excluded), peak RSS (MB),
WS353 and SimLex-999 Spearman (``embedlab.evaluation.WordSimilarity``, in-vocabulary pairs),
Google analogy accuracy (``Analogy``, restrict_vocab=30000, 3CosAdd) and OOV coverage: the share
of all WS353 + SimLex-999 + Stanford Rare Words pairs whose two words both get a vector
(subword models compose one for unseen words; RW is read from the shared data folder and left
out, with a note, when absent). Medians over ``--repeats`` runs; the machine is shared and
noisy, so compare within one table.
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

from _common import peak_rss_mb, python_cmd, run_json_child, tokenize_to_file, warm_up_file

from embedlab._fileio import atomic_open

HERE = Path(__file__).resolve()
SHARED = Path(os.environ.get("EMBEDLAB_SHARED_DATA", HERE.parents[2] / "shared" / "data"))
RW = SHARED / "word-similarity" / "EN-RW-STANFORD.txt"
METHODS = {
    "w2v-sg": "embedlab Word2Vec skip-gram",
    "w2v-cbow": "embedlab Word2Vec CBOW",
    "fasttext-sg": "embedlab FastText skip-gram",
    "glove": "embedlab GloVe",
    "ppmi-svd": "embedlab PPMI-SVD",
    "gensim-sg": "gensim Word2Vec skip-gram",
    "gensim-cbow": "gensim Word2Vec CBOW",
    "fasttext-pypi": "fasttext (PyPI) skip-gram",
}
DIM, WINDOW, MIN_COUNT = 100, 5, 5


def _embedlab_model(method: str, args: argparse.Namespace, *, epochs: int | None = None, min_count: int = MIN_COUNT,
                    dim: int = DIM):
    common = dict(vector_size=dim, min_count=min_count, n_threads=args.threads, random_state=args.seed,
                  show_progress=False)
    if method in ("w2v-sg", "w2v-cbow"):
        from embedlab.models.word2vec import Word2Vec

        arch = "skipgram" if method == "w2v-sg" else "cbow"
        return Word2Vec(architecture=arch, window=WINDOW, epochs=epochs or args.epochs, **common)
    if method == "fasttext-sg":
        from embedlab.models.fasttext import FastText

        return FastText(architecture="skipgram", window=WINDOW, epochs=epochs or args.epochs, **common)
    if method == "glove":
        from embedlab.models.glove import Glove

        return Glove(window=10, epochs=epochs or 15, x_max=10.0, **common)
    if method == "ppmi-svd":
        from embedlab.models.ppmi_svd import PPMISVD

        common.pop("n_threads")
        return PPMISVD(window=WINDOW, **common)
    raise SystemExit(f"unknown embedlab method {method!r}")


def _train(method: str, path: str, args: argparse.Namespace) -> tuple[float, float, object, object]:
    """Train ``method``; returns (seconds, peak RSS MB, KeyedVectors, lookup(word) -> vector or None)."""
    if method.startswith("gensim"):
        from gensim.models import Word2Vec as GensimWord2Vec

        from embedlab.vectors import KeyedVectors

        t0 = time.perf_counter()
        m = GensimWord2Vec(corpus_file=path, sg=int(method == "gensim-sg"), vector_size=DIM, window=WINDOW,
                           min_count=MIN_COUNT, epochs=args.epochs, workers=args.threads, seed=args.seed)
        seconds, rss = time.perf_counter() - t0, peak_rss_mb()
        kv = KeyedVectors(list(m.wv.index_to_key), m.wv.vectors)
        return seconds, rss, kv, (lambda w: kv[w] if w in kv else None)
    if method == "fasttext-pypi":
        import fasttext
        import numpy as np

        from embedlab.vectors import KeyedVectors

        t0 = time.perf_counter()
        m = fasttext.train_unsupervised(path, model="skipgram", dim=DIM, ws=WINDOW, minCount=MIN_COUNT,
                                        epoch=args.epochs, thread=args.threads, verbose=0)
        seconds, rss = time.perf_counter() - t0, peak_rss_mb()
        words = [w for w in m.words if w != "</s>"]
        kv = KeyedVectors(words, np.stack([m.get_word_vector(w) for w in words]))

        def ft_lookup(w: str):
            v = m.get_word_vector(w)
            return v if np.any(v) else None  # all zeros: no known n-gram

        return seconds, rss, kv, ft_lookup

    from embedlab.corpus import Corpus
    from embedlab.exceptions import VocabularyError

    _embedlab_model(method, args, epochs=1, min_count=1, dim=4).fit(Corpus(str(warm_up_file()), tokenizer="whitespace"))
    t0 = time.perf_counter()
    model = _embedlab_model(method, args).fit(Corpus(path, tokenizer="whitespace", lowercase=False))
    seconds, rss = time.perf_counter() - t0, peak_rss_mb()
    kv = model.vectors_

    def lookup(w: str):
        if method == "fasttext-sg":
            try:
                return kv[w]
            except VocabularyError:
                return None
        return kv[w] if w in kv else None

    return seconds, rss, kv, lookup


def _pairs() -> tuple[list[tuple[str, str]], list[str]]:
    """All WS353 + SimLex-999 (+ RW when present) word pairs, lowercased, and the dataset names used."""
    from embedlab.evaluation.similarity import load_similarity

    sets = [load_similarity("wordsim353"), load_similarity("simlex999")]
    names = ["WS353", "SimLex-999"]
    if RW.exists():
        sets.append(load_similarity(str(RW)))
        names.append("RW")
    pairs = [(a.lower(), b.lower()) for ds in sets for a, b in zip(ds.word1, ds.word2)]
    return pairs, names


def worker(method: str, path: str, args: argparse.Namespace) -> dict:
    """Train and evaluate one method in this process; returns its row of figures."""
    import numpy as np

    from embedlab.evaluation import Analogy, WordSimilarity

    seconds, rss, kv, lookup = _train(method, path, args)
    pairs, names = _pairs()
    cache: dict[str, bool] = {}

    def has(w: str) -> bool:
        if w not in cache:
            v = lookup(w)
            cache[w] = v is not None and bool(np.all(np.isfinite(v)))
        return cache[w]

    covered = sum(has(a) and has(b) for a, b in pairs)
    return {
        "method": method, "seconds": seconds, "rss_mb": rss, "vocab": len(kv),
        "ws353": WordSimilarity("wordsim353").evaluate(kv).score,
        "simlex": WordSimilarity("simlex999").evaluate(kv).score,
        "analogy": Analogy("google", restrict_vocab=30000).evaluate(kv).score,
        "oov_coverage": covered / len(pairs), "coverage_sets": names, "coverage_pairs": len(pairs),
    }


COLUMNS = [  # header, key, format
    ("method", "label", "{}"),
    ("time s", "seconds", "{:.1f}"),
    ("peak RSS MB", "rss_mb", "{:.0f}"),
    ("WS353", "ws353", "{:.3f}"),
    ("SimLex-999", "simlex", "{:.3f}"),
    ("analogy %", "analogy_pct", "{:.1f}"),
    ("OOV coverage %", "coverage_pct", "{:.1f}"),
    ("vocab", "vocab", "{:,}"),
]


def _rows(runs: dict[str, list[dict]]) -> list[dict]:
    rows = []
    for method, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in ("seconds", "rss_mb", "ws353", "simlex", "analogy",
                                                               "oov_coverage")}
        rows.append({**med, "label": METHODS[method], "vocab": rs[0]["vocab"],
                     "analogy_pct": 100 * med["analogy"], "coverage_pct": 100 * med["oov_coverage"]})
    return rows


def format_table(rows: list[dict]) -> str:
    cells = [[fmt.format(r[key]) for _, key, fmt in COLUMNS] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (h, _, _) in enumerate(COLUMNS)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, ((h, _, _), w) in enumerate(zip(COLUMNS, widths)))
    out = [line, "-" * len(line)]
    for c in cells:
        out.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths))))
    return "\n".join(out)


def format_markdown(rows: list[dict]) -> str:
    out = ["| " + " | ".join(h for h, _, _ in COLUMNS) + " |",
           "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(COLUMNS))) + " |"]
    for r in rows:
        out.append("| " + " | ".join(fmt.format(r[key]) for _, key, fmt in COLUMNS) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5, help="epochs of the predictive models (GloVe: 15)")
    ap.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {','.join(METHODS)}")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--markdown", help="also write the table as Markdown to this file")
    ap.add_argument("--json", help="also write every run's figures to this JSON file")
    ap.add_argument("--worker", choices=list(METHODS), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.corpus, args)))
        return
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        ap.error(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    with tempfile.TemporaryDirectory(prefix="methods-bench-") as folder:
        path = os.path.join(folder, "corpus.linesentence.txt")
        t0 = time.perf_counter()
        n_tokens = tokenize_to_file(args.corpus, path)
        print(f"# {args.corpus}: {n_tokens:,} tokens, tokenized in {time.perf_counter() - t0:.1f} s; "
              f"{args.threads} threads, {args.epochs} epochs, {args.repeats} repeat(s)", file=sys.stderr, flush=True)
        for rep in range(args.repeats):
            order = methods if rep % 2 == 0 else methods[::-1]
            for method in order:
                cmd = python_cmd(HERE, path, "--worker", method, "--threads", str(args.threads),
                                 "--epochs", str(args.epochs), "--seed", str(args.seed + rep))
                r = run_json_child(cmd, threads=args.threads, label=method)
                runs[method].append(r)
                print(f"# run {rep + 1} {method}: {r['seconds']:.1f} s, {r['rss_mb']:.0f} MB, WS353 {r['ws353']:.3f}, "
                      f"SimLex {r['simlex']:.3f}, analogy {100 * r['analogy']:.1f}%, "
                      f"coverage {100 * r['oov_coverage']:.1f}%", file=sys.stderr, flush=True)
                _write(args, {m: rs for m, rs in runs.items() if rs})  # finished runs survive an interruption
    sets = next(iter(runs.values()))[0]["coverage_sets"] if runs else []
    note = "" if "RW" in sets else f" (Rare Words left out: {RW} not found)"
    print(f"{args.corpus}: {n_tokens:,} tokens, {args.threads} threads, {args.epochs} epochs (GloVe 15), "
          f"dim 100, medians of {args.repeats} run(s); OOV coverage over {' + '.join(sets)} pairs{note}")
    print(format_table(_rows(runs)))


def _write(args: argparse.Namespace, runs: dict[str, list[dict]]) -> None:
    """Write the Markdown table / JSON runs asked for (rewritten after every finished run)."""
    if args.markdown:
        with atomic_open(args.markdown, "w") as fh:
            fh.write(format_markdown(_rows(runs)) + "\n")
    if args.json:
        with atomic_open(args.json, "w") as fh:
            fh.write(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
