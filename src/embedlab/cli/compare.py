"""``embedlab compare`` (several embeddings, one report) and ``embedlab report`` (a model card)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..exceptions import InvalidParameterError
from . import _common as c
from .evaluate import LabelColumn, TextColumn
from ._embeddings import EMBEDDING_HELP

if TYPE_CHECKING:
    from ..evaluation import Evaluator
    from ..vectors import KeyedVectors

__all__ = ["register", "compare", "report"]

_VECTORS_HELP = "vectors file (.npz, .vec/.txt, .bin, .parquet index) or a pre-trained name (glove-6b-50d)"
Similarity = Annotated[
    list[str] | None,
    typer.Option("--similarity", "-s", help="Word-similarity set: bundled name (wordsim353, simlex999) or file. Repeatable."),
]
Analogy = Annotated[
    list[str] | None, typer.Option("--analogy", "-a", help="Analogy set: bundled name (google) or file. Repeatable.")
]
Task = Annotated[
    list[str] | None,
    typer.Option(
        "--task",
        "-T",
        help="Downstream task KIND:FILE: classification, clustering, retrieval (folder), sts, categorization, "
        "outliers (or any evaluator spec). Repeatable.",
    ),
]
Limit = Annotated[int | None, typer.Option("--limit", help="Use only the N most frequent keys (words, nodes, items) of each embedding.")]
Words = Annotated[
    str | None, typer.Option("--words", help="Comma-separated words to project in 2-D (default: frequent words).")
]
Projection = Annotated[
    list[str] | None, typer.Option("--projection", help="2-D projection: pca (default) and/or umap. Repeatable.")
]
NBoot = Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples for confidence intervals and tests.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed of bootstrap, k-means and projections.")]


def _load(spec: str, limit: int | None, drop_nonfinite: bool = False) -> KeyedVectors:
    from ._embeddings import load_embedding

    if limit is not None and limit < 2:
        raise InvalidParameterError(f"--limit must be >= 2; got {limit}")
    return load_embedding(spec, limit, nonfinite="drop" if drop_nonfinite else "error")


def _evaluators(similarity: list[str] | None, analogy: list[str] | None, tasks: list[str] | None,
                text_column: str | None = None, label_column: str | None = None) -> list[Evaluator]:
    from .evaluate import build_evaluators

    return build_evaluators(similarity, analogy, tasks, text_column=text_column, label_column=label_column)


def _projections(projection: list[str] | None) -> list[str]:
    methods = projection or ["pca"]
    bad = [m for m in methods if m not in ("pca", "umap")]
    if bad:
        raise InvalidParameterError(f"--projection must be pca or umap; got {bad[0]!r}")
    return methods


def _names(specs: list[str], given: list[str] | None) -> list[str]:
    if given:
        if len(given) != len(specs):
            raise InvalidParameterError(f"--name given {len(given)} times for {len(specs)} embeddings; give one per embedding")
        names = list(given)
    else:
        names = [Path(s).stem if Path(s).suffix else s for s in specs]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out


def compare(
    vectors: Annotated[list[str], typer.Argument(help=f"Two or more embeddings: {EMBEDDING_HELP}.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder for report.html, report.json, report.md.")],
    task: Task = None,
    similarity: Similarity = None,
    analogy: Analogy = None,
    name: Annotated[list[str] | None, typer.Option("--name", help="Display name per embedding, in order.")] = None,
    limit: Limit = None,
    words: Words = None,
    projection: Projection = None,
    n_boot: NBoot = 1000,
    seed: Seed = 0,
    drop_nonfinite: c.DropNonfinite = False,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    hybrid: Annotated[
        bool, typer.Option("--hybrid", help="Also rank retrieval tasks by reciprocal-rank fusion of BM25 and each dense embedding.")
    ] = False,
) -> None:
    """Compare embeddings on the same tasks: CIs, paired tests, geometry, projections -> one HTML report."""
    from ..evaluation.compare import compare_embeddings
    from ..evaluation.documents import oov_summary
    from ..report.compare_report import write_compare_report

    if len(vectors) < 2:
        raise InvalidParameterError("compare needs at least two embeddings (e.g. a domain-trained one and glove-6b-50d)")
    c.check_output_folder(output)
    methods = _projections(projection)
    names = _names(vectors, name)
    evaluators = _evaluators(similarity, analogy, task, text_column, label_column)
    kvs = {n: _load(v, limit, drop_nonfinite) for n, v in zip(names, vectors)}
    if hybrid:
        from ._embeddings import hybrid_embeddings

        kvs = hybrid_embeddings(kvs)
    word_list = [w.strip() for w in words.split(",") if w.strip()] if words else None
    data = compare_embeddings(kvs, evaluators, words=word_list, projections=methods, n_boot=n_boot, random_state=seed)
    with c.output_folder(output):
        paths = write_compare_report(data, output)
    con = c.console()
    for task_name, by_emb in data["results"].items():
        cells = []
        for emb, r in by_emb.items():
            m = r["primary_metric"]
            ci = r["details"].get("ci", {}).get(m)
            cells.append(f"{emb} {r['metrics'][m]:.4f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""))
        con.print(f"{task_name}: " + " | ".join(cells))
        for emb, r in by_emb.items():
            oov = oov_summary(r["details"])
            if oov is not None:
                con.print(f"  {emb}: {oov['token_coverage']:.1%} of tokens have vectors; most frequent unknown: "
                          f"{oov['unknown']}", soft_wrap=True)
    from ..evaluation.stats import named_verdict

    for p in data["paired"]:
        con.print(f"  {p['task']}: {named_verdict(p, p['emb_a'], p['emb_b'])}", soft_wrap=True)
    for w in data["warnings"]:
        con.print(f"warning: {w}")
    con.print(f"report: {paths['html']} (+ {paths['json'].name}, {paths['markdown'].name})")


def report(
    vectors: Annotated[str, typer.Argument(help=f"The embedding: {_VECTORS_HELP}.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output HTML file (its data goes to OUTPUT.json).")],
    task: Task = None,
    similarity: Similarity = None,
    analogy: Analogy = None,
    limit: Limit = None,
    words: Annotated[str | None, typer.Option("--words", help="Comma-separated sample words for neighbours.")] = None,
    projection: Projection = None,
    n_boot: NBoot = 1000,
    seed: Seed = 0,
    drop_nonfinite: c.DropNonfinite = False,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
) -> None:
    """Write a model card: hyperparameters, corpus, metrics with CIs, geometry, neighbours, projection."""
    from ..evaluation.compare import summarize_embedding
    from ..evaluation.documents import oov_summary
    from ..report.card import write_card

    c.check_output_path(output)
    methods = _projections(projection)
    evaluators = _evaluators(similarity, analogy, task, text_column, label_column)
    kv = _load(vectors, limit, drop_nonfinite)
    if not hasattr(kv, "key_to_index"):
        raise InvalidParameterError(f"{vectors}: a model card needs word vectors; compare a sentence model or bm25 "
                                    "with `embedlab compare` instead")
    sample = [w.strip() for w in words.split(",") if w.strip()] if words else None
    name = Path(vectors).stem if Path(vectors).suffix else vectors
    card = summarize_embedding(kv, evaluators, name=name, sample_words=sample, projections=methods, n_boot=n_boot,
                               random_state=seed)
    path = write_card(card, output)
    con = c.console()
    for r in card["results"]:
        m = r["primary_metric"]
        ci = r["details"].get("ci", {}).get(m)
        ci_text = f" [95% CI {ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
        con.print(f"{r['name']}: {m} {r['metrics'][m]:.4f}{ci_text} (n={r['n']}, coverage {r['coverage']:.1%})")
        oov = oov_summary(r["details"])
        if oov is not None:
            con.print(f"  {oov['token_coverage']:.1%} of tokens have vectors; most frequent unknown: {oov['unknown']}",
                      soft_wrap=True)
    for w in card["warnings"]:
        con.print(f"warning: {w}")
    con.print(f"card: {path}")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
    app.command("report")(report)
