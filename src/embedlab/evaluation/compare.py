"""Run everything on several embeddings and collect the figures a report shows.

:func:`compare_embeddings` scores every embedding with every evaluator (bootstrap 95% CIs on
all metrics; intrinsic similarity/analogy results get per-item outcomes too), runs paired tests
between embeddings on the items both covered, geometry diagnostics, nearest-neighbour overlap and
2-D projections. :func:`summarize_embedding` gathers the same for one embedding plus its
metadata and sample neighbours (the model card). Both return plain JSON-serialisable dicts that
:mod:`embedlab.report` renders; nothing here draws.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from .._progress import logger, progress_bar
from ..exceptions import DataError, EmbedlabError
from .base import EvalResult, Evaluator, checked_score
from .geometry import geometry_report, nn_overlap, project_2d
from .stats import compare_results, metric_cis, note_small_n

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["evaluate_with_cis", "compare_embeddings", "summarize_embedding", "frequent_words", "result_summary"]


def _intrinsic_per_item(evaluator: Any, kv: KeyedVectors) -> tuple[dict[str, Any], list[str]] | None:
    """Per-item outcomes of the intrinsic evaluators (similarity pairs, analogy questions)."""
    if hasattr(evaluator, "pair_indices") and hasattr(evaluator, "dataset"):
        i1, i2, keep = evaluator.pair_indices(kv)
        u = kv.unit_vectors
        pred = np.einsum("ij,ij->i", u[i1], u[i2]).astype(np.float64)
        gold = np.asarray(evaluator.dataset.scores, dtype=np.float64)[keep]
        return {"ids": keep, "gold": gold, "pred": pred}, ["spearman", "pearson"]
    if hasattr(evaluator, "predict") and hasattr(evaluator, "dataset"):
        predicted, expected, covered = evaluator.predict(kv)
        return {"ids": covered, "accuracy": (predicted == expected).astype(np.float64)}, ["accuracy"]
    return None


@contextmanager
def _resamples(evaluator: Evaluator, n_boot: int) -> Iterator[None]:
    """Evaluators that bootstrap their own CIs (node classification, link prediction, text tasks,
    recommendation...) keep the number of resamples in ``n_boot``: set it for one call."""
    if not hasattr(evaluator, "n_boot"):
        yield
        return
    saved = evaluator.n_boot
    evaluator.n_boot = n_boot
    try:
        yield
    finally:
        evaluator.n_boot = saved


def evaluate_with_cis(evaluator: Evaluator, kv: KeyedVectors, n_boot: int = 1000, random_state: int = 0) -> EvalResult:
    """``evaluator.evaluate(kv)``, with per-item outcomes and bootstrap CIs added when missing.

    ``n_boot`` resamples for every CI, also those the evaluator computes itself; 0: no CI at all.
    """
    with _resamples(evaluator, n_boot):
        result = checked_score(evaluator.evaluate(kv))
    if "per_item" not in result.details:
        extra = _intrinsic_per_item(evaluator, kv)
        if extra is not None and len(extra[0]["ids"]):
            per_item, metrics = extra
            result.details["per_item"] = {k: np.asarray(v).tolist() for k, v in per_item.items()}
            if n_boot > 0:
                result.details["ci"] = metric_cis(per_item, metrics, n_boot=n_boot, random_state=random_state)
    if n_boot <= 0:
        result.details.pop("ci", None)
    result.details["n_boot"] = n_boot if result.details.get("ci") else 0
    note_small_n(result.details, result.name, result.n)
    return result


def result_summary(result: EvalResult) -> dict[str, Any]:
    """An EvalResult as a dict without the bulky per-item outcomes."""
    d = result.to_dict()
    d["details"] = {k: v for k, v in d["details"].items() if k != "per_item"}
    return d


def frequent_words(kvs: Sequence[KeyedVectors], n: int = 100, skip: int = 100) -> list[str]:
    """Alphabetic words (3+ letters) present in every embedding, in the first one's order,
    after skipping its ``skip`` most frequent (function) words."""
    first = kvs[0]
    out: list[str] = []
    candidates = first.index_to_key
    for w in candidates[skip:] if len(candidates) > skip + n else candidates:
        if len(w) >= 3 and w.isalpha() and all(w in kv for kv in kvs[1:]):
            out.append(w)
            if len(out) == n:
                break
    return out


def _describe(name: str, kv: Any) -> dict[str, Any]:
    from .encoders import describe_embedding

    return describe_embedding(name, kv)


def _word_vectors(embeddings: Mapping[str, Any]) -> dict[str, KeyedVectors]:
    """The embeddings that have word vectors (PooledVectors count by their vectors)."""
    from .encoders import PooledVectors, is_word_vectors

    out = {}
    for name, e in embeddings.items():
        kv = e.kv if isinstance(e, PooledVectors) else e
        if is_word_vectors(kv):
            out[name] = kv
    return out


def _cannot_score(evaluator: Evaluator, embedding: Any) -> str | None:
    """Why ``evaluator`` cannot score ``embedding`` (a text encoder or ranker on a word task), else None."""
    from .classification import TextClassification
    from .clustering import DocumentClustering
    from .encoders import PooledVectors, is_ranker, is_word_vectors
    from .retrieval import Retrieval
    from .sts import SentenceSimilarity

    if is_word_vectors(embedding):
        return None
    if is_ranker(embedding):
        return None if isinstance(evaluator, Retrieval) else "a ranker (BM25, hybrid) only scores retrieval tasks"
    if isinstance(evaluator, (TextClassification, DocumentClustering, Retrieval, SentenceSimilarity)):
        return None
    if isinstance(embedding, PooledVectors):
        return "word-level task: give the word vectors themselves, without a pooling"
    return "word-level task: a text encoder has no word vocabulary"


def _projections(
    kvs: Mapping[str, KeyedVectors], words: Sequence[str], methods: Sequence[str], seed: int, warnings: list[str]
) -> dict:
    out: dict[str, dict[str, Any]] = {}
    for name, kv in kvs.items():
        present = [w for w in words if w in kv]
        out[name] = {}
        for m in methods:
            if m == "umap":
                try:
                    import umap  # noqa: F401
                except ImportError:
                    logger.info("umap-learn not installed: UMAP projection skipped")
                    continue
            try:
                coords = project_2d(kv, present, m, seed)
            except DataError as exc:
                warnings.append(f"{name}: {m} projection skipped: {exc}")
                continue
            out[name][m] = {"words": present, "coords": np.round(coords, 5).tolist()}
    return out


def compare_embeddings(
    embeddings: Mapping[str, Any],
    evaluators: Sequence[Evaluator],
    *,
    geometry_words: int = 10000,
    words: Sequence[str] | None = None,
    n_projection: int = 100,
    projections: Sequence[str] = ("pca",),
    overlap_k: int = 10,
    n_boot: int = 1000,
    random_state: int = 0,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Score, test and describe several embeddings; returns a JSON-serialisable dict.

    A task that cannot run on one embedding (e.g. no vocabulary in common with the task) is
    reported in ``warnings`` and left out for that embedding; the others go on. Embeddings are
    word vectors, or anything :mod:`embedlab.evaluation.encoders` accepts (text encoders such as
    transformer models, PooledVectors, rankers); geometry, neighbour overlap and projections are
    computed for word vectors only.
    """
    if not embeddings:
        raise DataError("compare needs at least one embedding")
    names = list(embeddings)
    warnings: list[str] = []
    results: dict[str, dict[str, EvalResult]] = {}
    started = time.perf_counter()
    total = len(evaluators) * len(names) + len(names)
    with progress_bar(total, "comparing", unit="steps", enabled=show_progress) as bar:
        for ev in evaluators:
            results[ev.name] = {}
            for name in names:
                reason = _cannot_score(ev, embeddings[name])
                if reason is not None:
                    warnings.append(f"{ev.name} on {name}: skipped ({reason})")
                    bar.advance(1)
                    continue
                try:
                    results[ev.name][name] = evaluate_with_cis(ev, embeddings[name], n_boot, random_state)
                except DataError as exc:
                    msg = f"{ev.name} on {name}: {exc}"
                    logger.warning(msg)
                    warnings.append(msg)
                bar.advance(1)
        geometry = {}
        word_kvs = _word_vectors(embeddings)
        for name in names:
            if name in word_kvs:
                geometry[name] = geometry_report(word_kvs[name], geometry_words, random_state=random_state)
            bar.advance(1)
    pairs = list(itertools.combinations(names, 2)) if len(names) <= 4 else [(names[0], n) for n in names[1:]]
    paired = []
    for task, by_emb in results.items():
        for a, b in pairs:
            if a in by_emb and b in by_emb:
                try:
                    pc = compare_results(by_emb[a], by_emb[b], random_state=random_state)
                except EmbedlabError as exc:
                    warnings.append(f"{task}: {a} vs {b} not compared: {exc}")
                    continue
                paired.append({"task": task, "emb_a": a, "emb_b": b, **pc.to_dict()})
    overlap = []
    for a, b in pairs:
        if a not in word_kvs or b not in word_kvs:
            continue
        try:
            o = nn_overlap(word_kvs[a], word_kvs[b], k=overlap_k, search_words=geometry_words)
            overlap.append({"emb_a": a, "emb_b": b, **{k: v for k, v in o.items() if k != "overlap_per_query"}})
        except DataError as exc:
            warnings.append(f"nearest-neighbour overlap {a} vs {b}: {exc}")
    kv_list = list(word_kvs.values())
    chosen = list(words) if words else (frequent_words(kv_list, n_projection) if kv_list else [])
    return {
        "embeddings": [_describe(n, embeddings[n]) for n in names],
        "tasks": [ev.name for ev in evaluators],
        "results": {t: {e: result_summary(r) for e, r in by.items()} for t, by in results.items()},
        "paired": paired,
        "geometry": geometry,
        "nn_overlap": overlap,
        "projections": _projections(word_kvs, chosen, projections, random_state, warnings),
        "warnings": warnings,
        "n_boot": n_boot,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _neighbours(kv: KeyedVectors, words: Sequence[str], topn: int) -> dict[str, list[list[Any]]]:
    return {w: [[k, round(s, 4)] for k, s in kv.most_similar(w, topn=topn)] for w in words if w in kv}


def summarize_embedding(
    kv: KeyedVectors,
    evaluators: Sequence[Evaluator] = (),
    *,
    name: str = "vectors",
    sample_words: Sequence[str] | None = None,
    n_samples: int = 8,
    topn: int = 8,
    geometry_words: int = 10000,
    n_projection: int = 100,
    projections: Sequence[str] = ("pca",),
    n_boot: int = 1000,
    random_state: int = 0,
) -> dict[str, Any]:
    """Everything a model card shows for one embedding, as a JSON-serialisable dict."""
    results, warnings = [], []
    for ev in evaluators:
        try:
            results.append(result_summary(evaluate_with_cis(ev, kv, n_boot, random_state)))
        except DataError as exc:
            warnings.append(f"{ev.name}: {exc}")
    freq = frequent_words([kv], max(n_projection, n_samples * 4))
    if sample_words:
        samples = [w for w in sample_words if w in kv]
        missing = [w for w in sample_words if w not in kv]
        if missing:
            warnings.append(f"sample keys not in the vocabulary: {', '.join(missing[:10])}")
    else:
        rng = np.random.default_rng(random_state)
        samples = [freq[i] for i in sorted(rng.choice(len(freq), size=min(n_samples, len(freq)), replace=False))]
    meta = dict(kv.metadata or {})
    return {
        "name": name,
        "embedding": _describe(name, kv),
        "metadata": meta,
        "results": results,
        "geometry": geometry_report(kv, geometry_words, random_state=random_state),
        "neighbours": _neighbours(kv, samples, topn),
        "projections": _projections({name: kv}, freq[:n_projection], projections, random_state, warnings)[name],
        "warnings": warnings,
    }
