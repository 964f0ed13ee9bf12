"""Peak RSS on a large vocabulary: embedlab vs gensim (Word2Vec, FastText) at several vector sizes.

Usage::

    python benchmarks/memory_scaling.py CORPUS [--min-count 1] [--dims 100 300] [--methods word2vec fasttext]
        [--epochs 1] [--threads 2] [--output-dtype float32 float16]

CORPUS is pre-tokenized text (whitespace-separated tokens, one sentence per line, e.g. the
``make_corpus.sh`` corpus); both sides read the same tokens (embedlab: whitespace tokenizer, no
lowercasing; gensim: ``corpus_file``). Each run is its own child process; the table gives the
peak RSS (``ru_maxrss``), the anonymous RSS at the end (heap + arrays, without the shared library
pages) and the ratio embedlab / gensim. min_count 1 on the ~11M-token corpus is ~230k words.
``--output-dtype float32 float16`` runs embedlab's word2vec once per precision of its output
weights (``Word2Vec(output_dtype=...)``) against the same gensim run; fastText rows are float32.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _common import peak_rss_mb, proc_status_mb, python_cmd, run_json_child

COMMON = dict(window=5, negative=5, sample=1e-3, alpha=0.025, min_alpha=0.0001)


def worker(side: str, method: str, path: str, dim: int, min_count: int, epochs: int, threads: int,
           deterministic: bool, output_dtype: str) -> None:
    t0 = time.perf_counter()
    vocab = 0
    if side == "embedlab":
        from embedlab.corpus import Corpus

        corpus = Corpus(path, tokenizer="whitespace", lowercase=False)
        if method == "word2vec":
            from embedlab.models.word2vec import Word2Vec

            model = Word2Vec(vector_size=dim, min_count=min_count, epochs=epochs, n_threads=threads, random_state=1,
                             show_progress=False, deterministic=deterministic, output_dtype=output_dtype, **COMMON)
        else:
            from embedlab.models.fasttext import FastText

            model = FastText(vector_size=dim, min_count=min_count, epochs=epochs, n_threads=threads, random_state=1,
                             show_progress=False, **COMMON)
        model.fit(corpus)
        vocab = len(model.vectors_)
    else:
        if method == "word2vec":
            from gensim.models import Word2Vec as G
        else:
            from gensim.models import FastText as G
        model = G(vector_size=dim, min_count=min_count, workers=threads, epochs=epochs, seed=1, sg=1, hs=0, **COMMON)
        model.build_vocab(corpus_file=path)
        model.train(corpus_file=path, total_examples=model.corpus_count, total_words=model.corpus_total_words,
                    epochs=epochs)
        vocab = len(model.wv)
    status = proc_status_mb("RssAnon")
    print(json.dumps({"peak_mb": peak_rss_mb(), "anon_end_mb": status["RssAnon"], "vocab": vocab,
                      "seconds": time.perf_counter() - t0}))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--min-count", type=int, default=1)
    ap.add_argument("--dims", type=int, nargs="+", default=[100, 300])
    ap.add_argument("--methods", nargs="+", default=["word2vec", "fasttext"], choices=["word2vec", "fasttext"])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--deterministic", action="store_true", help="embedlab's deterministic mode (word2vec)")
    ap.add_argument("--output-dtype", nargs="+", default=["float32"], choices=["float32", "float16"],
                    help="precision(s) of embedlab word2vec's output weights, one row each")
    ap.add_argument("--worker", nargs=3, metavar=("SIDE", "METHOD", "DIM"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        side, method, dim = args.worker
        worker(side, method, args.corpus, int(dim), args.min_count, args.epochs, args.threads, args.deterministic,
               args.output_dtype[0])
        return
    print("| method | dim | vocab | embedlab peak MB | gensim peak MB | ratio | embedlab anon end MB "
          "| gensim anon end MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", flush=True)
    for method in args.methods:
        for dim in args.dims:
            sides = [("gensim", "float32")] + [("embedlab", dt) for dt in
                                                (args.output_dtype if method == "word2vec" else ["float32"])]
            res = {}
            for side, dt in sides:
                cmd = python_cmd(__file__, args.corpus, "--min-count", str(args.min_count), "--epochs",
                                 str(args.epochs), "--threads", str(args.threads), "--output-dtype", dt,
                                 "--worker", side, method, str(dim))
                if args.deterministic:
                    cmd.append("--deterministic")
                res[side, dt] = run_json_child(cmd, threads=args.threads, label=f"{side} {method} {dim} {dt}")
            g = res["gensim", "float32"]
            for (side, dt), e in res.items():
                if side == "gensim":
                    continue
                label = method if dt == "float32" else f"{method} ({dt} output weights)"
                print(f"| {label} | {dim} | {e['vocab']:,} | {e['peak_mb']:.0f} | {g['peak_mb']:.0f} | "
                      f"**{e['peak_mb'] / g['peak_mb']:.2f}x** | {e['anon_end_mb']:.0f} | {g['anon_end_mb']:.0f} |",
                      flush=True)


if __name__ == "__main__":
    sys.exit(main())
