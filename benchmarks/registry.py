"""The benchmarks that ``python -m benchmarks`` runs: each one's question (its section of the
Benchmarks page), peers, arguments (full and quick) and the tables made from its figures.

Arguments ``$CORPUS`` and ``$CORPUS1M`` stand for the corpora (``--corpus`` / ``--corpus1m`` or the
environment variables of those names). A script's ``--quick`` picks its quick configuration: a
small corpus or data set and fewer repeats, about 1-3 minutes on 2 cores.

A table is ``{"title": ..., "columns": [...], "rows": [[cell, ...], ...]}`` with cells already
formatted as text; the page prints it as it is.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Table = dict[str, Any]


@dataclass(frozen=True)
class Benchmark:
    question: str
    peers: tuple[str, ...]
    full_args: tuple[str, ...]
    quick_args: tuple[str, ...] | None
    tables: Callable[[dict], list[Table]]
    notes: str = field(default="")


def fmt(value: Any, spec: str = "{:.4f}") -> str:
    """``spec.format(value)``; empty for a missing or NaN value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return spec.format(value)


def ratio(a: Any, b: Any, spec: str = "{:.2f}x") -> str:
    if a is None or b is None or not b or (isinstance(a, float) and math.isnan(a)):
        return ""
    return spec.format(a / b)


def diff(a: Any, b: Any, spec: str = "{:+.4f}") -> str:
    if a is None or b is None:
        return ""
    d = a - b
    return "" if isinstance(d, float) and math.isnan(d) else spec.format(d)


def table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    return {"title": title, "columns": columns, "rows": rows}


# ---------------------------------------------------------------------------- tables, one function per script
def word2vec_tables(fig: dict) -> list[Table]:
    rows = []
    for arch, sides in fig["medians"].items():
        e, g = sides["embedlab"], sides["gensim"]
        rows += [
            [f"{arch} raw words/s", fmt(e["words_per_sec"], "{:,.0f}"), fmt(g["words_per_sec"], "{:,.0f}"),
             ratio(e["words_per_sec"], g["words_per_sec"])],
            [f"{arch} wall s (vocab + train)", fmt(e["wall_s"], "{:.1f}"), fmt(g["wall_s"], "{:.1f}"),
             ratio(e["wall_s"], g["wall_s"])],
            [f"{arch} peak RSS MB", fmt(e["peak_rss_mb"], "{:.0f}"), fmt(g["peak_rss_mb"], "{:.0f}"),
             ratio(e["peak_rss_mb"], g["peak_rss_mb"])],
            [f"{arch} WS353 Spearman", fmt(e["ws353_spearman"]), fmt(g["ws353_spearman"]),
             diff(e["ws353_spearman"], g["ws353_spearman"])],
            [f"{arch} Google analogy %", fmt(100 * e["analogy_acc"], "{:.2f}"), fmt(100 * g["analogy_acc"], "{:.2f}"),
             diff(100 * e["analogy_acc"], 100 * g["analogy_acc"], "{:+.2f} pt")],
        ]
    n = fig.get("repeats", 1)
    return [table(f"{fig.get('corpus_tokens', 0):,} tokens, {fig.get('threads')} threads, {fig.get('epochs')} epochs, "
                  f"median of {n} run(s) per side", ["", "embedlab", "gensim", "ratio / diff"], rows)]


def fasttext_tables(fig: dict) -> list[Table]:
    e, f = fig["medians"]["embedlab"], fig["medians"]["fasttext"]
    spec = [("wall s", "seconds", "{:.1f}", ratio), ("CPU s", "cpu_seconds", "{:.1f}", ratio),
            ("words/s", "words_per_sec", "{:,.0f}", ratio), ("words per CPU-second", "words_per_cpu_sec", "{:,.0f}", ratio),
            ("peak RSS MB", "rss_mb", "{:.0f}", ratio), ("WS353 Spearman", "ws353", "{:.4f}", diff),
            ("Google analogy", "analogy", "{:.4f}", diff), ("Stanford Rare Words", "rw", "{:.4f}", diff)]
    rows = [[label, fmt(e.get(k), s), fmt(f.get(k), s), op(e.get(k), f.get(k))] for label, k, s, op in spec
            if k in e or k in f]
    return [table(f"{fig.get('tokens', 0):,} tokens, {fig.get('threads')} threads, {fig.get('epochs')} epochs, "
                  f"{fig.get('arch')}, median of {fig.get('repeats')} run(s) per side",
                  ["", "embedlab FastText", "fasttext", "ratio / diff"], rows)]


def glove_tables(fig: dict) -> list[Table]:
    runs = fig["runs"]
    med = {m: {k: statistics.median(r[k] for r in rs) for k in ("seconds", "cpu_seconds", "rss_mb", "ws353")}
           for m, rs in runs.items()}
    base = med.get("gensim-sg")
    rows = []
    for m, v in med.items():
        rows.append([m, fmt(v["seconds"], "{:.1f}"), fmt(v["cpu_seconds"], "{:.1f}"), fmt(v["rss_mb"], "{:.0f}"),
                     fmt(v["ws353"], "{:.3f}"), f"{runs[m][0]['vocab']:,}",
                     ratio(v["seconds"], base["seconds"]) if base else "",
                     ratio(v["cpu_seconds"], base["cpu_seconds"]) if base else ""])
    return [table(f"{fig.get('threads')} threads, median of {fig.get('repeats')} run(s); GloVe window 10, "
                  f"{fig.get('epochs')} epochs, dim 100",
                  ["method", "wall s", "CPU s", "peak RSS MB", "WS353", "vocab", "wall x gensim", "CPU x gensim"], rows)]


def search_tables(fig: dict) -> list[Table]:
    out = []
    ex = fig.get("exact")
    if ex:
        out.append(table(f"exact batch top-10, {fig.get('n', 0):,} x {fig.get('dim')}, {ex['queries']:,} queries, "
                         f"{fig.get('threads')} threads",
                         ["embedlab q/s", "faiss IndexFlatIP q/s", "numpy q/s", "vs faiss", "vs numpy", "same results"],
                         [[fmt(ex["embedlab_qps"], "{:,.0f}"), fmt(ex["faiss_flat_qps"], "{:,.0f}"),
                           fmt(ex["numpy_qps"], "{:,.0f}"), fmt(ex["ratio_vs_faiss"], "{:.2f}x"),
                           fmt(ex["ratio_vs_numpy"], "{:.2f}x"), fmt(ex["agreement_with_faiss"])]]))
    for key, sec in fig.items():
        if isinstance(sec, dict) and "rows" in sec and "ef_search" in (sec["rows"] or [{}])[0]:
            out.append(table(f"{key}: {sec['factory']} on {sec['n']:,} x {sec['dim']}, built in {sec['build_s']:.1f} s, "
                             f"{sec['memory_mb']:.0f} MB",
                             ["efSearch", "recall@10", "single-query q/s (faiss call)", "single-query q/s (embedlab call)"],
                             [[str(r["ef_search"]), fmt(r["recall_at_10"]), fmt(r["single_query_qps"], "{:,.0f}"),
                               fmt(r["embedlab_single_query_qps"], "{:,.0f}")] for r in sec["rows"]]))
    return out


def recommend_tables(fig: dict) -> list[Table]:
    out = []
    for sec in fig["sections"]:
        rows = [[r["model"], fmt(r.get("recall@10")), fmt(r.get("ndcg@10")), fmt(r.get("hit@10")),
                 fmt(r.get("fit_s"), "{:.2f}"), fmt(r.get("rss_mb"), "{:.0f}")] for r in sec["rows"]]
        out.append(table(sec["title"], ["model", "recall@10", "NDCG@10", "hit@10", "fit s", "peak MB"], rows))
        if sec.get("ratios"):
            out[-1]["notes"] = sec["ratios"]
    if fig.get("tuned"):
        rows = [[t["model"], fmt(t["valid_ndcg@10"]), fmt(t["test_ndcg@10"]), str(t["trials"])] for t in fig["tuned"]]
        best = fig.get("tuned_best") or {}
        out.append(table("MovieLens-100k, tuned on valid.csv, best parameters refitted and scored on test.csv",
                         ["model", "valid NDCG@10", "test NDCG@10", "trials"], rows))
        if best:
            out[-1]["notes"] = [f"the tuned best by validation ({best['model']}) / implicit ALS with its defaults: "
                                f"{best['ratio_vs_implicit_als']:.3f}x NDCG@10 on test"]
    return out


def plan_tables(fig: dict) -> list[Table]:
    rows = [[r["corpus"], r["method"], f"{r['vocab']:,}", fmt(r["predicted_mb"], "{:.0f}"),
             fmt(r["measured_mb"], "{:.0f}"), fmt(r["error"], "{:+.1%}"), r["peak_stage"]] for r in fig["rows"]]
    how = "embedlab train as a user runs it" if fig.get("cli") else "each fit in its own child"
    return [table(f"min_count {fig.get('min_count')}, dim {fig.get('vector_size')}, {fig.get('epochs')} epoch(s), "
                  f"{fig.get('threads')} threads, {how}; largest error {fig.get('largest_error', 0):.1%} (target 11%)",
                  ["corpus", "method", "vocab", "predicted peak MB", "measured peak MB", "error", "peak stage"], rows)]


def images_tables(fig: dict) -> list[Table]:
    s, a = fig["summary"], fig.get("args", {})
    rows = [["k-NN accuracy", fmt(s["cnn_accuracy"]), fmt(s["pca_accuracy"]), diff(s["cnn_accuracy"], s["pca_accuracy"])],
            ["mAP", fmt(s["cnn_map"]), fmt(s["pca_map"]), diff(s["cnn_map"], s["pca_map"])],
            ["recall@1", fmt(s["cnn_recall@1"]), fmt(s["pca_recall@1"]), diff(s["cnn_recall@1"], s["pca_recall@1"])]]
    speed = [["ImageCNN.fit", fmt(s["images_per_s_embedlab"], "{:,.0f}")],
             ["plain PyTorch loop", fmt(s["images_per_s_plain"], "{:,.0f}")],
             ["ratio", fmt(s["ratio"], "{:.2f}x")], ["reading batches", fmt(s["load_share"], "{:.1%}")]]
    seeds = ", ".join(str(r["seed"]) for r in fig.get("seeds", []))
    return [table(f"digits, mean over seeds {seeds}, {a.get('epochs')} epochs at most, PCA-{a.get('pca_dim')}",
                  ["", "CNN", "PCA", "diff"], rows),
            table(f"training speed, {a.get('speed_epochs')} epochs, batch {a.get('batch_size')}, {a.get('threads')} "
                  f"thread(s), best of {a.get('repeats')}", ["", "images/s"], speed)]


BENCHMARKS: dict[str, Benchmark] = {
    "word2vec_vs_gensim": Benchmark(
        "Word vectors: word2vec vs gensim", ("gensim",),
        ("$CORPUS", "--repeats", "3", "--architecture", "both", "--seed", "1"), ("$CORPUS1M", "--quick"),
        word2vec_tables),
    "fasttext_vs_fasttext": Benchmark(
        "Subwords: fastText-style vs fastText", ("fasttext",),
        ("$CORPUS", "--repeats", "3", "--no-word2vec", "--seed", "1"), ("$CORPUS1M", "--quick"), fasttext_tables),
    "glove_vs_gensim": Benchmark(
        "GloVe vs gensim skip-gram", ("gensim",),
        ("$CORPUS", "--repeat", "2", "--methods", "gensim-sg,glove"), ("$CORPUS1M", "--quick"), glove_tables),
    "search_vs_faiss": Benchmark(
        "Search: exact and HNSW vs faiss", ("faiss-cpu",),
        ("--n", "1000000", "--sections", "exact,hnsw"), ("--quick",), search_tables),
    "recommend_vs_implicit": Benchmark(
        "Recommendation vs implicit and gensim", ("implicit", "gensim"),
        ("--datasets", "ml100k", "--tune-trials", "12"), ("--quick",), recommend_tables),
    "images_digits": Benchmark(
        "Images: CNN vs PCA and a plain PyTorch loop", ("torch", "scikit-learn"), (), ("--quick",), images_tables),
    "plan_accuracy": Benchmark(
        "Memory: the planner's prediction vs the measured peak", (),
        ("$CORPUS1M", "$CORPUS"), ("--quick",), plan_tables),
}
