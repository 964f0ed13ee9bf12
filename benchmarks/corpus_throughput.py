"""Corpus reading throughput: embedlab's tokenizers and vocabulary/encoding passes vs gensim's.

Usage::

    python benchmarks/corpus_throughput.py CORPUS [--repeats 3]

Prints medians over ``--repeats`` runs (the machine is shared and noisy) of:

* tokenization, tokens/s, file read included: ``Corpus(tokenizer="unicode")`` vs gensim's
  ``simple_preprocess`` over the same lines (both regex tokenizers that drop punctuation), and
  ``Corpus(tokenizer="whitespace")`` vs gensim's ``LineSentence`` (both ``str.split``);
* vocabulary + integer encoding, seconds: ``build_and_encode`` (one pass) and
  ``Vocabulary.build`` + ``encode`` (two passes) vs gensim's ``Word2Vec.build_vocab(corpus_file=...)``
  (one pass, counting only; gensim encodes while training).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any


def _median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _row(label: str, ours: float, theirs: float, unit: str, higher_is_better: bool) -> None:
    ratio = ours / theirs if higher_is_better else theirs / ours
    print(f"{label:<44} embedlab {ours:>12,.2f} {unit:<9} gensim {theirs:>12,.2f} {unit:<9} ratio {ratio:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpus")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.word2vec import LineSentence
    from gensim.utils import simple_preprocess

    from embedlab.corpus import Corpus, Vocabulary, build_and_encode, encode

    unicode_corpus = Corpus(args.corpus)
    ws_corpus = Corpus(args.corpus, tokenizer="whitespace", lowercase=False)

    def count(sentences: Any) -> int:
        return sum(len(s) for s in sentences)

    def gensim_regex() -> int:
        return sum(len(simple_preprocess(line, min_len=1, max_len=100)) for line in unicode_corpus.iter_lines())

    t_ours, n = _median_time(lambda: count(unicode_corpus), args.repeats)
    t_theirs, n_g = _median_time(gensim_regex, args.repeats)
    print(f"corpus: {args.corpus}: {n:,} tokens (unicode tokenizer), {n_g:,} (gensim simple_preprocess)")
    _row("regex tokenizer, tokens/s (M)", n / t_ours / 1e6, n_g / t_theirs / 1e6, "Mtok/s", True)
    t_ours, n = _median_time(lambda: count(ws_corpus), args.repeats)
    t_theirs, n_g = _median_time(lambda: count(LineSentence(args.corpus)), args.repeats)
    _row("whitespace tokenizer, tokens/s (M)", n / t_ours / 1e6, n_g / t_theirs / 1e6, "Mtok/s", True)

    t_gensim, _ = _median_time(
        lambda: GensimWord2Vec(vector_size=100, min_count=5, workers=2).build_vocab(corpus_file=args.corpus),
        args.repeats,
    )

    def one_pass() -> None:
        _, enc = build_and_encode(ws_corpus, min_count=5)
        enc.close()

    def two_passes() -> None:
        vocab = Vocabulary.build(ws_corpus, min_count=5)
        encode(ws_corpus, vocab).close()

    t_one, _ = _median_time(one_pass, args.repeats)
    t_two, _ = _median_time(two_passes, args.repeats)
    _row("vocab+encode one pass (build_and_encode), s", t_one, t_gensim, "s", False)
    _row("vocab+encode two passes (build, encode), s", t_two, t_gensim, "s", False)


if __name__ == "__main__":
    main()
