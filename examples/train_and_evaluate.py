"""Train word2vec on a corpus, evaluate it on the bundled sets, show neighbours, save the vectors.

Usage::

    python examples/train_and_evaluate.py                       # the bundled sample corpus
    python examples/train_and_evaluate.py my_corpus.txt --epochs 5 --output vectors.npz

The same steps as ``embedlab train word2vec`` + ``embedlab evaluate`` + ``embedlab neighbors``,
through the Python API.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from embedlab import Word2Vec, load_vectors
from embedlab.corpus import sample_corpus_path
from embedlab.evaluation import evaluate_all


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", help="text files or folders (default: the bundled sample)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", type=Path, default=Path("vectors.npz"))
    parser.add_argument("--words", nargs="*", default=["king", "gold", "water"])
    args = parser.parse_args(argv)

    corpus = args.corpus or sample_corpus_path()
    model = Word2Vec(
        vector_size=100, architecture="skipgram", window=5, negative=5, min_count=args.min_count,
        epochs=args.epochs, n_threads=args.threads, random_state=1, show_progress=False,
    )
    model.fit(corpus)
    kv = model.vectors_
    print(f"trained {len(kv)} words, loss per epoch: {[round(x, 4) for x in model.loss_history_]}")

    for word in args.words:
        if word in kv:
            print(word, "->", ", ".join(f"{w} ({s:.2f})" for w, s in kv.most_similar(word, topn=5)))

    kv.save(args.output)
    loaded = load_vectors(args.output)
    for result in evaluate_all(loaded, ["similarity:wordsim353", "similarity:simlex999", "analogy:google"]):
        print(f"{result.name}: {result.primary_metric} {result.score:.3f} "
              f"(coverage {result.coverage:.1%}, n={result.n})")
    print(f"vectors saved to {args.output}")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # embedlab logs; it never prints
    main()
