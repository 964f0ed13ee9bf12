"""The model card: one self-contained HTML page describing one embedding, readable on a phone.

Input is the dict from :func:`embedlab.evaluation.compare.summarize_embedding`: hyperparameters
and corpus statistics from the vectors' metadata, intrinsic metrics with CIs, geometry
diagnostics, neighbours of sample words and a 2-D projection.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .._fileio import atomic_open
from . import plots
from ._html import escape, fmt, kv_table, page, section, table
from .compare_report import VOCAB_HEADERS, VOCAB_TITLE, vocabulary_rows

__all__ = ["render_card_html", "write_card"]

_PARAM_KEYS = ("params", "hyperparameters")
_CORPUS_KEYS = ("corpus", "corpus_stats")


def _flat(d: Any, prefix: str = "") -> list[list[Any]]:
    rows: list[list[Any]] = []
    if isinstance(d, dict):
        for k, v in d.items():
            rows += _flat(v, f"{prefix}{k}.") if isinstance(v, dict) else [[f"{prefix}{k}", _value(v, f"{prefix}{k}")]]
    else:
        rows.append([prefix.rstrip(".") or "value", _value(d)])
    return rows


def _value(v: Any, key: str = "") -> Any:
    if isinstance(v, int) and not isinstance(v, bool) and key.rsplit(".", 1)[-1] in ("seed", "random_state"):
        return str(v)  # an identifier, not a quantity: no thousands separators
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    text = json.dumps(v)
    return text if len(text) <= 120 else text[:117] + "..."


# Estimator parameters about running, not about the vectors: not shown as hyperparameters.
INTERNAL_PARAMS = ("show_progress", "callbacks", "checkpoint_path", "checkpoint_every")


def _size(n: Any) -> str:
    if not isinstance(n, (int, float)):
        return "?"
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return "?"


def _source_rows(source: Any) -> list[list[Any]]:
    rows = []
    for i, src in enumerate(source if isinstance(source, list) else []):
        tag = f"source {i + 1}" if len(source) > 1 else "source"
        files = f", {src['files']:,} files" if "files" in src else ""
        rows += [[f"{tag}: path", src.get("path")], [f"{tag}: size", _size(src.get("bytes")) + files],
                 [f"{tag}: SHA-256", src.get("sha256")]]
    return rows


def render_card_html(card: dict[str, Any]) -> str:
    """The model card as one HTML page."""
    emb, meta = card["embedding"], card.get("metadata", {})
    body = []
    params = next((meta[k] for k in _PARAM_KEYS if isinstance(meta.get(k), dict)), None)
    corpus = next((meta[k] for k in _CORPUS_KEYS if isinstance(meta.get(k), dict)), None) or {}
    source = corpus.get("source")
    summary = [["method", emb["method"]], ["words", emb["n_words"]], ["dimension", emb["dim"]],
               ["corpus counts stored", emb["has_counts"]]]
    if isinstance(source, list) and source:
        summary.append(["corpus", ", ".join(f"{Path(str(s.get('path'))).name} ({_size(s.get('bytes'))})" for s in source)])
    body.append(section("Summary", kv_table(summary)))
    if params:
        shown = {k: v for k, v in params.items() if k not in INTERNAL_PARAMS}
        body.append(section("Training hyperparameters", kv_table(_flat(shown))))
    corpus_rows = _source_rows(source) + _flat({k: v for k, v in corpus.items() if k != "source"}) if corpus else []
    note = "" if source else ("The corpus source (path, size, checksum) was not recorded with these vectors; "
                              "vectors trained with embedlab train or quickstart record it.")
    if corpus_rows or meta:
        body.append(section("Corpus", kv_table(corpus_rows) if corpus_rows else "", note=note))
    other = {k: v for k, v in meta.items() if k not in _PARAM_KEYS + _CORPUS_KEYS + ("method",)}
    if other:
        body.append(section("Other metadata", kv_table(_flat(other))))
    if not meta:
        body.append(section("Metadata", "<p class=\"note\">These vectors carry no metadata (hyperparameters, corpus).</p>"))
    if card["results"]:
        rows, figs = [], []
        for r in card["results"]:
            cis = r["details"].get("ci", {})
            for m, v in r["metrics"].items():
                if m in ("coverage", "correct", "total"):
                    continue
                ci = cis.get(m)
                rows.append([r["name"], m, v, f"[{fmt(ci[0])}, {fmt(ci[1])}]" if ci else "—", r["n"], r["coverage"]])
            pm = r["primary_metric"]
            figs.append(plots.bars_with_ci([card["name"]], [r["metrics"][pm]], [cis.get(pm)], r["name"], pm))
        body.append(section("Evaluation", table(rows, ["task", "metric", "value", "95% CI", "n", "coverage"]),
                            f'<div class="grid">{"".join(figs)}</div>'))
        vocab = vocabulary_rows({r["name"]: {card["name"]: r} for r in card["results"]})
        if vocab:
            body.append(section(VOCAB_TITLE, table(vocab, VOCAB_HEADERS)))
    g = card["geometry"]
    geo = [
        ["mean norm (std)", f"{fmt(g['norms']['mean'])} ({fmt(g['norms']['std'])})"],
        ["Spearman(norm, frequency rank)", g["norms"]["spearman_norm_rank"]],
        ["isotropy: partition-function ratio", g["isotropy"]["partition_ratio"]],
        ["mean cosine of random pairs", g["isotropy"]["mean_cosine"]],
        [f"hubness: skew of {g['hubness']['k']}-occurrence", g["hubness"]["skewness"]],
        ["top hubs", ", ".join(f"{w} ({n})" for w, n in g["hubness"]["top_hubs"][:5])],
        ["effective rank", g["spectrum"]["effective_rank"]],
        ["dimensions for 90% variance", g["spectrum"]["dims_for_90pct"]],
    ]
    geo_figs = [
        plots.norm_histogram({card["name"]: (g["norms"]["hist_edges"], g["norms"]["hist_counts"])}),
        plots.explained_variance({card["name"]: g["spectrum"]["explained_variance_ratio"]}),
    ]
    body.append(section("Geometry", kv_table(geo), f'<div class="grid">{"".join(geo_figs)}</div>',
                        note=f"computed on the {g['n_words']:,} most frequent words"))
    nb_rows = [[escape(w), escape(", ".join(f"{n} ({s:.2f})" for n, s in nbs))] for w, nbs in card["neighbours"].items()]
    body.append(section("Nearest neighbours of sample words", table(nb_rows, ["word", "neighbours (cosine)"], raw=True)))
    for method, p in card.get("projections", {}).items():
        body.append(section(f"2-D projection ({method.upper()})",
                            plots.projection_scatter(p["words"], p["coords"], f"{method.upper()} of {len(p['words'])} frequent words")))
    if card.get("warnings"):
        body.append(section("Warnings", "<ul>" + "".join(f"<li>{escape(w)}</li>" for w in card["warnings"]) + "</ul>"))
    return page(f"Model card: {card['name']}", body, subtitle=f"{emb['n_words']:,} words × {emb['dim']} dimensions")


def write_card(card: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the card's HTML atomically to ``path`` (and its data to ``path`` + ``.json``)."""
    p = Path(path)
    with atomic_open(p) as fh:
        fh.write(render_card_html(card))
    with atomic_open(p.with_name(p.name + ".json")) as fh:
        json.dump(card, fh, indent=1)
    return p
