"""Domain-trained vs generic vectors on SST-2 sentiment: is the difference real?

Usage::

    python benchmarks/downstream_domain_vs_generic.py [--data ../shared/data] [--dims 50 100] [--out DIR]

Trains embedlab Word2Vec (skip-gram, 5 epochs, min_count 2, seed 1) on the SST-2 training
sentences (labels unused) for each ``--dims``, then scores each against GloVe 6B 50-d
(``glove-6b-50d``, the generic side) on SST-2: logistic regression on mean document vectors,
trained on ``train_full.tsv`` and scored on ``dev.tsv`` and ``test-labeled.tsv``. Prints both
sides with bootstrap 95% CIs, the difference, the ratio and the paired-bootstrap verdict, and
writes the HTML/JSON/Markdown comparison report to ``--out``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--dims", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "embedlab-sst2-compare")
    args = parser.parse_args()

    from embedlab.evaluation.classification import TextClassification
    from embedlab.evaluation.compare import compare_embeddings
    from embedlab.vectors.pretrained import load_glove_6b_50d
    from embedlab.models.word2vec import Word2Vec
    from embedlab.report.compare_report import write_compare_report

    sst = args.data / "classification" / "SST-2"
    train = sst / "train_full.tsv"
    with tempfile.TemporaryDirectory() as tmp:
        sentences = Path(tmp) / "sst_train.txt"
        lines = train.read_text(encoding="utf-8").splitlines()[1:]
        sentences.write_text("\n".join(line.split("\t")[0] for line in lines) + "\n", encoding="utf-8")
        embeddings = {}
        for dim in args.dims:
            model = Word2Vec(vector_size=dim, epochs=5, min_count=2, random_state=1, show_progress=False)
            embeddings[f"sst-w2v-{dim}"] = model.fit(str(sentences)).vectors_
    embeddings["glove-6b-50"] = load_glove_6b_50d()
    tasks = [TextClassification(train, test=sst / name) for name in ("dev.tsv", "test-labeled.tsv")]
    data = compare_embeddings(embeddings, tasks, show_progress=False)
    paths = write_compare_report(data, args.out)

    for task, by_emb in data["results"].items():
        generic = by_emb["glove-6b-50"]
        for name, res in by_emb.items():
            if name == "glove-6b-50":
                continue
            ours, theirs = res["metrics"]["accuracy"], generic["metrics"]["accuracy"]
            ci_o, ci_t = res["details"]["ci"]["accuracy"], generic["details"]["ci"]["accuracy"]
            pair = next(p for p in data["paired"] if p["task"] == task and {p["emb_a"], p["emb_b"]} == {name, "glove-6b-50"})
            print(f"{task}: {name} {ours:.4f} [{ci_o[0]:.3f}, {ci_o[1]:.3f}]  glove-6b-50 {theirs:.4f} "
                  f"[{ci_t[0]:.3f}, {ci_t[1]:.3f}]  diff {ours - theirs:+.4f}  ratio {ours / theirs:.3f}  "
                  f"p={pair['p_value']:.3g} {'significant' if pair['significant'] else 'not significant'}")
    print(f"report: {paths['html']}")


if __name__ == "__main__":
    main()
