"""``embedlab quickstart``: train on the bundled sample corpus, evaluate, show neighbours."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "quickstart", "SAMPLE_WORDS"]

# Query words shown after training; those missing from the vocabulary are skipped.
SAMPLE_WORDS = ["king", "water", "gold", "city", "sword", "mountain", "son", "night", "horse", "bread"]


def quickstart(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the vectors and metrics.")
    ] = Path("embedlab-quickstart"),
    threads: c.Threads = None,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Passes over the sample corpus.")] = 5,
    seed: c.Seed = 1,
    progress: c.Progress = True,
) -> None:
    """Train word2vec skip-gram on the bundled sample corpus, evaluate it and show neighbours."""
    import json

    from rich.table import Table

    from ..corpus import sample_corpus_path
    from ..models.word2vec import Word2Vec
    from .evaluate import build_evaluators, jsonable, results_table, run_evaluations

    c.check_output_folder(output)
    model = Word2Vec(
        vector_size=100,
        architecture="skipgram",
        window=5,
        negative=5,
        min_count=5,
        epochs=epochs,
        n_threads=threads,
        random_state=seed,
        show_progress=progress,
    )
    model._validate_params()
    corpus = sample_corpus_path()
    evaluators = build_evaluators(None, None)
    err = c.console(stderr=True)
    err.print(f"Training word2vec skip-gram on the bundled sample corpus ({Path(corpus).name}) ...", soft_wrap=True)
    start = time.perf_counter()
    model.fit(corpus)
    elapsed = time.perf_counter() - start
    if getattr(model, "interrupted_", False):
        raise c.fail(c.interrupted_message(model, None) + f" in {output}", c.EXIT_INTERRUPTED)

    vectors_path = output / "vectors.npz"
    kv = model.vectors_
    from ..corpus.readers import describe_sources

    kv.metadata["corpus"] = {**kv.metadata.get("corpus", {}), "source": describe_sources([Path(corpus)])}
    with c.output_folder(output):
        c.write_vectors(kv, vectors_path, "npz")
    c.print_training_summary(model, vectors_path, "npz", elapsed)

    out = c.console()
    words = [w for w in SAMPLE_WORDS if w in kv][:6] or kv.index_to_key[50:55]
    table = Table(title="nearest neighbours", title_justify="left")
    table.add_column("word", style="bold")
    table.add_column("neighbours (cosine)")
    for w in words:
        table.add_row(w, ", ".join(f"{n} {s:.2f}" for n, s in kv.most_similar(w, topn=6)))
    out.print(table)

    results, skipped = run_evaluations(evaluators, kv)
    out.print(results_table(results, "evaluation (bundled sets)", skipped))
    metrics_path = output / "metrics.json"
    from .._fileio import atomic_open

    with atomic_open(metrics_path) as fh:
        json.dump({r.name: jsonable({"metrics": r.metrics, "ci95": r.details.get("ci", {}), "coverage": r.coverage,
                                     "n": r.n}) for r in results}, fh, indent=2)
    out.print(f"Vectors saved to [bold]{vectors_path}[/bold], metrics to {metrics_path}.", soft_wrap=True)
    out.print(f"Next: embedlab neighbors {vectors_path} {words[0] if words else 'WORD'}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("quickstart")(quickstart)
