"""Where the peak memory of a Word2Vec run goes: VmRSS / VmHWM at stages, embedlab vs gensim.

Usage::

    python benchmarks/word2vec_memory_stages.py CORPUS [--architecture cbow] [--epochs 1] [--threads 2]

Each side runs in its own subprocess and prints ``/proc/self/status`` VmRSS and VmHWM (the peak
so far) after: numpy import, the library import, vocabulary + encoding (gensim: ``build_vocab``,
which also allocates its vectors), the first training chunk (embedlab: this loads the cached
numba kernels, i.e. initialises LLVM), and the end of training. The corpus is read as
whitespace-separated tokens by both (run it on a LineSentence file, e.g. the one
``word2vec_vs_gensim.py`` writes, or any pre-tokenized text). Linux only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from _common import proc_status_mb

PARAMS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, alpha=0.025, min_alpha=0.0001)


def _stage(tag: str) -> None:
    values = {k: int(v) for k, v in proc_status_mb("VmRSS", "VmHWM", "RssAnon", "RssFile").items()}
    print(f"  {tag:34s} RSS {values['VmRSS']:4d} MB (anon {values['RssAnon']:4d}, file {values['RssFile']:4d})"
          f"   peak {values['VmHWM']:4d} MB", flush=True)


def worker(side: str, path: str, architecture: str, epochs: int, threads: int) -> None:
    _stage("start")
    import numpy  # noqa: F401

    _stage("numpy imported")
    if side == "embedlab":
        import embedlab.models.word2vec as w2v
        from embedlab.corpus import Corpus

        _stage("embedlab.models.word2vec imported")
        prepare, train_chunk = w2v.Word2Vec._prepare, w2v.train_chunk
        calls = [0]

        def _prepare(self, *args, **kwargs):
            out = prepare(self, *args, **kwargs)
            _stage("vocabulary + encoding")
            return out

        def _train_chunk(*args, **kwargs):
            train_chunk(*args, **kwargs)
            calls[0] += 1
            if calls[0] == 1:
                _stage("first chunk (kernels loaded)")

        w2v.Word2Vec._prepare, w2v.train_chunk = _prepare, _train_chunk
        model = w2v.Word2Vec(architecture=architecture, epochs=epochs, n_threads=threads, random_state=1,
                             show_progress=False, **PARAMS)
        model.fit(Corpus(path, tokenizer="whitespace", lowercase=False))
    else:
        from gensim.models import Word2Vec

        _stage("gensim.models imported")
        model = Word2Vec(sg=int(architecture == "skipgram"), hs=0, workers=threads, epochs=epochs, seed=1, **PARAMS)
        model.build_vocab(corpus_file=path)
        _stage("build_vocab (+ vectors allocated)")
        model.train(corpus_file=path, total_examples=model.corpus_count, total_words=model.corpus_total_words,
                    epochs=epochs)
    _stage("end of training")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--architecture", choices=["skipgram", "cbow"], default="cbow")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--worker", choices=["embedlab", "gensim"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.corpus, args.architecture, args.epochs, args.threads)
        return
    for side in ("embedlab", "gensim"):
        print(f"{side}:", flush=True)
        cmd = [sys.executable, __file__, "--worker", side, args.corpus, "--architecture", args.architecture,
               "--epochs", str(args.epochs), "--threads", str(args.threads)]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
