"""The comparison report: one self-contained HTML page plus the same figures as JSON and Markdown.

Input is the dict from :func:`embedlab.evaluation.compare.compare_embeddings`; this module only
lays it out (tables, bar charts with CIs, quality vs dimension, geometry, 2-D projections).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .._fileio import atomic_open
from ..exceptions import InputFileError
from . import plots
from ._html import escape, fmt, markdown_table, page, section, table

__all__ = [
    "comparison_tables", "dimension_series", "render_compare_html", "render_compare_markdown", "write_compare_report",
]


def _ci_text(ci: Any) -> str:
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]" if ci and len(ci) == 2 else "—"


def comparison_tables(data: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(title, headers, rows) of every table, shared by the HTML and Markdown renderings."""
    from ..evaluation.stats import format_p, named_verdict
    out = []
    emb_rows = [[e["name"], e["method"], e["n_words"], e["dim"]] for e in data["embeddings"]]
    out.append(("Embeddings", ["name", "method", "keys", "dimension"], emb_rows))
    rows = []
    for task, by_emb in data["results"].items():
        for emb, r in by_emb.items():
            cis = r["details"].get("ci", {})
            for m, v in r["metrics"].items():
                if m in ("coverage", "correct", "total"):
                    continue
                star = " *" if m == r["primary_metric"] else ""
                rows.append([task, emb, m + star, v, _ci_text(cis.get(m)), r["n"], r["coverage"]])
    out.append(("Results (* = primary metric; 95% bootstrap CI)", ["task", "embedding", "metric", "value", "95% CI", "n", "coverage"], rows))
    prow = [
        [p["task"], f"{p['emb_a']} − {p['emb_b']}", p["metric"], p["diff"], _ci_text(p["ci"]), format_p(p["p_value"], p.get("resamples", 0)).removeprefix("p=").removeprefix("p "), named_verdict(p, p["emb_a"], p["emb_b"])]
        for p in data["paired"]
    ]
    out.append(("Paired comparisons (paired bootstrap on common items)", ["task", "A − B", "metric", "difference", "95% CI", "p", "verdict"], prow))
    grows = []
    for name, g in data["geometry"].items():
        grows.append([
            name, g["norms"]["mean"], g["norms"]["std"], g["isotropy"]["partition_ratio"], g["isotropy"]["mean_cosine"],
            g["hubness"]["skewness"], g["spectrum"]["effective_rank"], g["spectrum"]["dims_for_90pct"],
        ])
    out.append(("Geometry (most frequent words)", ["embedding", "mean norm", "norm std", "isotropy Z-ratio", "mean cosine", "hubness skew (k=10)", "effective rank", "dims for 90% var"], grows))
    orows = [[o["emb_a"], o["emb_b"], o["k"], o["n_common"], o["overlap"]] for o in data["nn_overlap"]]
    out.append((VOCAB_TITLE, VOCAB_HEADERS, vocabulary_rows(data["results"])))
    out.append(("Nearest-neighbour overlap", ["A", "B", "k", "common keys", "overlap@k"], orows))
    return out


VOCAB_TITLE = "Vocabulary coverage of text tasks"
VOCAB_HEADERS = ["task", "embedding", "tokens with vectors", "texts with a known word", "most frequent unknown words"]


def vocabulary_rows(results: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """Token coverage and unknown words of each text task (classification, clustering, ...) per embedding."""
    from ..evaluation.documents import oov_summary

    rows = []
    for task, by_emb in results.items():
        for emb, r in by_emb.items():
            o = oov_summary(r.get("details", {}))
            if o is not None:
                rows.append([task, emb, f"{o['token_coverage']:.1%} of {o['n_tokens']:,}", f"{o['text_coverage']:.1%}",
                             o["unknown"]])
    return rows


def _task_figures(data: dict[str, Any]) -> list[str]:
    figs = []
    for task, by_emb in data["results"].items():
        if not by_emb:
            continue
        first = next(iter(by_emb.values()))
        m = first["primary_metric"]
        labels = list(by_emb)
        values = [by_emb[e]["metrics"][m] for e in labels]
        cis = [by_emb[e]["details"].get("ci", {}).get(m) for e in labels]
        figs.append(plots.bars_with_ci(labels, values, cis, task, m))
    return figs


def dimension_series(data: dict[str, Any]) -> dict[str, dict[str, list[tuple[int, float, float, float, str]]]]:
    """Points of the quality-vs-dimension chart: task -> method -> (dim, value, lo, hi, embedding).

    Only embeddings of one method that differ in dimension form a trend; the chart joins those
    with a line and shows the others as single points (an unknown method is never joined).
    """
    info = {e["name"]: e for e in data["embeddings"]}
    if len({e["dim"] for e in info.values()}) < 2:
        return {}
    series: dict[str, dict[str, list[tuple[int, float, float, float, str]]]] = {}
    for task, by_emb in data["results"].items():
        if not by_emb:
            continue
        groups: dict[str, list[tuple[int, float, float, float, str]]] = {}
        for emb, r in by_emb.items():
            v = r["metrics"][r["primary_metric"]]
            ci = r["details"].get("ci", {}).get(r["primary_metric"]) or [v, v]
            method = info[emb]["method"]
            key = method if method not in ("?", "", None) else f"{emb} (method unknown)"
            groups.setdefault(key, []).append((info[emb]["dim"], v, ci[0], ci[1], emb))
        series[f"{task} ({next(iter(by_emb.values()))['primary_metric']})"] = groups
    return series


def _dimension_figure(data: dict[str, Any]) -> str:
    series = dimension_series(data)
    return plots.dimension_curve(series, "quality vs dimension") if series else ""


def _projection_figures(data: dict[str, Any]) -> list[str]:
    figs = []
    for emb, by_method in data["projections"].items():
        for method, p in by_method.items():
            figs.append(plots.projection_scatter(p["words"], p["coords"], f"{emb}: {method.upper()} of {len(p['words'])} keys"))
    return figs


def render_compare_html(data: dict[str, Any]) -> str:
    """The whole comparison as one self-contained HTML page."""
    tables = comparison_tables(data)
    body = []
    if data.get("warnings"):
        items = "".join(f"<li>{escape(w)}</li>" for w in data["warnings"])
        body.append(section("Warnings", f"<ul>{items}</ul>"))
    body.append(section(tables[0][0], table(tables[0][2], tables[0][1])))
    figs = _task_figures(data)
    body.append(section(tables[1][0], table(tables[1][2], tables[1][1]), f'<div class="grid">{"".join(figs)}</div>'))
    body.append(section(tables[2][0], table(tables[2][2], tables[2][1]),
                        note="Significant: the 95% CI of the difference excludes 0."))
    dim_fig = _dimension_figure(data)
    if dim_fig:
        body.append(section("Quality vs dimension", dim_fig))
    geo_figs = [
        plots.norm_histogram({n: (g["norms"]["hist_edges"], g["norms"]["hist_counts"]) for n, g in data["geometry"].items()}),
        plots.explained_variance({n: g["spectrum"]["explained_variance_ratio"] for n, g in data["geometry"].items()}),
    ]
    body.append(section(tables[3][0], table(tables[3][2], tables[3][1]), f'<div class="grid">{"".join(geo_figs)}</div>'))
    if tables[4][2]:
        body.append(section(tables[4][0], table(tables[4][2], tables[4][1])))
    if tables[5][2]:
        body.append(section(tables[5][0], table(tables[5][2], tables[5][1])))
    proj = _projection_figures(data)
    if proj:
        body.append(section("2-D projections", f'<div class="grid">{"".join(proj)}</div>'))
    names = ", ".join(e["name"] for e in data["embeddings"])
    return page("Embedding comparison", body, subtitle=f"{names} · {data.get('n_boot', 0)} bootstrap resamples")


def render_compare_markdown(data: dict[str, Any]) -> str:
    """The same tables as Markdown."""
    parts = ["# Embedding comparison", ""]
    if data.get("warnings"):
        parts += ["## Warnings", ""] + [f"- {w}" for w in data["warnings"]] + [""]
    for title, headers, rows in comparison_tables(data):
        parts += [f"## {title}", "", markdown_table(rows, headers) if rows else "_none_", ""]
    return "\n".join(parts)


def write_compare_report(data: dict[str, Any], outdir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``report.html``, ``report.json`` and ``report.md`` into ``outdir`` (created if needed)."""
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"{out}: exists and is not a folder; give an output folder")
    out.mkdir(parents=True, exist_ok=True)
    paths = {"html": out / "report.html", "json": out / "report.json", "markdown": out / "report.md"}
    with atomic_open(paths["json"]) as fh:
        json.dump(data, fh, indent=1)
    with atomic_open(paths["markdown"]) as fh:
        fh.write(render_compare_markdown(data))
    with atomic_open(paths["html"]) as fh:
        fh.write(render_compare_html(data))
    return paths
