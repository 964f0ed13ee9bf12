"""HTML pages for ``embedlab drift``: embedding drift, corpus drift and query monitoring.

The numbers come from :mod:`embedlab.monitoring`; this module only lays them out (tables and
matplotlib figures through :mod:`._html`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._fileio import atomic_open
from ..exceptions import InputFileError
from ._html import escape, figure_img, fmt, new_figure, page, section, table

__all__ = ["render_drift_html", "render_corpus_drift_html", "render_query_drift_html", "render_stability_html",
           "write_report"]


def _scatter(freq: Sequence[float], disp: Sequence[float], moved: Sequence[bool], labels: Mapping[int, str],
             by_count: bool) -> str:
    fig, ax = new_figure(6.4, 3.8)
    f = np.asarray(freq, dtype=float) + (0 if by_count else 1)
    d = np.asarray(disp, dtype=float)
    m = np.asarray(moved, dtype=bool)
    ax.scatter(f[~m], d[~m], s=3, alpha=0.25, color="#8c8c8c", label="within seed noise", rasterized=True)
    ax.scatter(f[m], d[m], s=9, color="#c44e52", label="moved beyond noise")
    for i, key in labels.items():
        ax.annotate(key, (f[i], d[i]), fontsize=6, xytext=(2, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("corpus count (min of old, new)" if by_count else "frequency rank + 1")
    ax.set_ylabel("displacement (1 - cos after alignment)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return figure_img(fig, "displacement vs frequency", "Displacement of every shared key against its frequency; "
                      "red: beyond the noise of its frequency bin (labelled: the most moved)")


def _bin_bars(bins: Sequence[Mapping[str, Any]]) -> str:
    fig, ax = new_figure(6.0, 3.2)
    x = np.arange(len(bins))
    ov = [b.get("overlap") if b.get("overlap") is not None else np.nan for b in bins]
    base = [b.get("baseline_overlap") if b.get("baseline_overlap") is not None else np.nan for b in bins]
    ax.bar(x - 0.2, ov, width=0.4, color="#2c6fbb", label="this pair")
    if not np.all(np.isnan(np.asarray(base, dtype=float))):
        ax.bar(x + 0.2, base, width=0.4, color="#e07b39", label="seed baseline")
    ax.set_xticks(x, [b["bin"] for b in bins], fontsize=7)
    ax.set_ylabel("mean neighbour overlap@k")
    ax.set_ylim(0, 1)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    return figure_img(fig, "overlap by frequency bin", "Neighbour overlap@k by frequency bin (sampled keys)")


def _warnings(data: Mapping[str, Any]) -> list[str]:
    ws = list(data.get("warnings") or [])
    if not ws:
        return []
    return [section("Warnings", "<ul>" + "".join(f"<li>{escape(w)}</li>" for w in ws) + "</ul>")]


def render_drift_html(data: Mapping[str, Any], per_key: Mapping[str, Any] | None = None,
                      names: tuple[str, str] = ("old", "new")) -> str:
    """The drift report of :meth:`embedlab.monitoring.DriftResult.to_dict` (``per_key`` for the scatter)."""
    v, al, ov = data["vocabulary"], data["alignment"], data["overlap"]
    base = data.get("baseline")
    summary = [
        ["drift score", data["score"], fmt(base["score"]) if base else "—"],
        [f"mean neighbour overlap@{ov['k']}", ov["mean"], fmt(base.get("overlap")) if base else "—"],
        ["similarity rank correlation (Spearman)", data["similarity"]["spearman"],
         fmt(base.get("similarity_spearman")) if base else "—"],
        ["anchor mean displacement after Procrustes", al["anchor_mean_displacement"], "—"],
        ["keys old / new / shared", f"{v['old']:,} / {v['new']:,} / {v['shared']:,}", "—"],
        ["keys added / removed", f"{v['added']:,} / {v['removed']:,}", "—"],
    ]
    body = [section("Summary", table(summary, ["figure", "this pair", "seed baseline"]),
                    note=data["score_definition"] + (". No seed baseline was given: each bin's noise is estimated from "
                                                     "this pair itself (assumes most keys did not change)."
                                                     if not base else "."))]
    brow = []
    for b in data["bins"]:
        brow.append([b["bin"], b["n"], b["median_displacement"], b.get("baseline_median_displacement"),
                     b["overlap"], b.get("baseline_overlap"), b["moved_share"], b.get("baseline_moved_share")])
    figs = [_bin_bars(data["bins"])]
    if per_key is not None and per_key.get("keys"):
        z = np.asarray(per_key["z"], dtype=float)
        top = {int(i): per_key["keys"][int(i)] for i in np.argsort(-z)[:15]}
        figs.insert(0, _scatter(per_key["frequency"], per_key["displacement"], z > data["z_moved"], top,
                                data.get("frequency_basis") == "corpus counts"))
    body.append(section(
        "By frequency bin",
        table(brow, ["bin", "keys", "median displacement", "baseline", f"overlap@{ov['k']}", "baseline",
                     "moved share", "baseline"]),
        f'<div class="grid">{"".join(figs)}</div>',
        note=f"bins by {data.get('frequency_basis')}; overlap on {ov['queries']}"))
    mrows = []
    for m in data["moved"]:
        mrows.append([escape(m["key"]), fmt(m["displacement"]), fmt(m["overlap"]), fmt(m["z"], 2), escape(m["bin"]),
                      escape(f"{m.get('count_old', '—')} → {m.get('count_new', '—')}"),
                      escape(", ".join(m.get("old_neighbours", []))), escape(", ".join(m.get("new_neighbours", [])))])
    body.append(section(f"Most moved keys ({names[0]} → {names[1]})",
                        table(mrows, ["key", "displacement", "overlap", "z", "bin", "count", f"{names[0]} neighbours",
                                      f"{names[1]} neighbours"], raw=True),
                        note="ranked by the z-score of log-displacement within the key's frequency bin"))
    fs = data.get("frequency_shift") or {}
    if fs.get("available"):
        up = [[escape(r["key"]), r["count_old"], r["count_new"], r["log2_ratio"]] for r in fs["increased"][:20]]
        down = [[escape(r["key"]), r["count_old"], r["count_new"], r["log2_ratio"]] for r in fs["decreased"][:20]]
        body.append(section("Frequency shift", "<h3>More frequent</h3>",
                            table(up, ["key", "count old", "count new", "log2 ratio"], raw=True),
                            "<h3>Less frequent</h3>", table(down, ["key", "count old", "count new", "log2 ratio"], raw=True),
                            note=f"relative frequencies; mean |log2 ratio| {fmt(fs['mean_abs_log2_ratio'])}"))
    body.append(section("Vocabulary", table([["added", escape(", ".join(v["added_examples"]))],
                                             ["removed", escape(", ".join(v["removed_examples"]))]],
                                            ["", "examples"], raw=True)))
    bench = data.get("benchmarks") or {}
    if bench.get("results"):
        rows = []
        for r in bench["results"]:
            sig = r.get("significant")
            verdict = "—" if sig is None else ('<span class="sig">significant</span>' if sig else
                                              '<span class="nosig">not significant</span>')
            rows.append([escape(r["task"]), escape(r["metric"]), fmt(r["old"]), fmt(r["new"]), fmt(r.get("diff")),
                         escape(f"[{fmt(r['diff_ci'][0])}, {fmt(r['diff_ci'][1])}]") if r.get("diff_ci") else "—",
                         fmt(r.get("p_value")), verdict])
        body.append(section("Benchmarks", table(rows, ["task", "metric", names[0], names[1], "new − old", "95% CI",
                                                       "p", "paired bootstrap"], raw=True)))
    al_rows = [[k, escape(str(val))] for k, val in al.items()]
    body.append(section("Alignment", table(al_rows, ["", "value"], raw=True),
                        note="unit rows, centred on the anchors' mean, orthogonal Procrustes on the anchors"))
    body += _warnings(data)
    return page(f"Embedding drift: {names[0]} → {names[1]}", body,
                subtitle=f"score {fmt(data['score'])}; {v['shared']:,} shared keys; {data['seconds']:.1f} s")


def render_corpus_drift_html(data: Mapping[str, Any]) -> str:
    """The corpus-drift report of :func:`embedlab.monitoring.corpus_drift.corpus_drift`."""
    rec = data["recommendation"]
    summary = [["recommendation", escape(rec["verdict"])], ["reason", escape(rec["reason"])]]
    summary += [[escape(k), fmt(val)] for k, val in data["figures"].items()]
    body = [section("Summary", table(summary, ["", "value"], raw=True))]
    rows = [[escape(r["word"]), r["count"], r["per_million"]] for r in data["new_frequent_words"]]
    body.append(section("New frequent words", table(rows, ["word", "count", "per million tokens"], raw=True),
                        note="words absent from the reference vocabulary, most frequent first"))
    thr = [[escape(k), fmt(val)] for k, val in data["thresholds"].items()]
    body.append(section("Thresholds", table(thr, ["threshold", "value"], raw=True)))
    body += _warnings(data)
    return page("Corpus drift", body, subtitle=escape(data.get("reference", "")))


def render_query_drift_html(data: Mapping[str, Any]) -> str:
    """The query-monitoring report of :func:`embedlab.monitoring.queries.query_drift`."""
    s = data["summary"]
    body = [section("Summary", table([[escape(k), fmt(val)] for k, val in s.items()], ["", "value"], raw=True))]
    periods = data["periods"]
    if periods:
        fig, ax = new_figure(6.4, 3.2)
        ax.plot(range(len(periods)), [p["miss_rate"] for p in periods], marker="o", color="#c44e52")
        step = max(1, len(periods) // 8)
        ax.set_xticks(range(0, len(periods), step), [p["period"] for p in periods][::step], fontsize=7, rotation=20)
        ax.set_ylabel("miss rate")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        fig_html = figure_img(fig, "miss rate over time", f"Share of lookups of unknown keys per {data['period']}")
        rows = [[escape(p["period"]), p["queries"], p["misses"], p["miss_rate"]] for p in periods]
        body.append(section("Miss rate over time", fig_html, table(rows, ["period", "lookups", "misses", "miss rate"],
                                                                   raw=True)))
    rows = [[escape(r["key"]), r["count"], escape(r["first_seen"]), escape(r["last_seen"])] for r in data["unknown_keys"]]
    body.append(section("Most requested unknown keys", table(rows, ["key", "requests", "first seen", "last seen"],
                                                             raw=True)))
    body += _warnings(data)
    return page("Query monitoring", body, subtitle=escape(data.get("log", "")))


def render_stability_html(data: Mapping[str, Any]) -> str:
    """The stability report of :func:`embedlab.monitoring.stability.stability`."""
    body = []
    rows = [[escape(m["task"]), escape(m["metric"]), m["mean"], m["std"],
             escape(f"[{fmt(m['ci'][0])}, {fmt(m['ci'][1])}]"), escape(", ".join(fmt(x) for x in m["values"]))]
            for m in data["metrics"]]
    body.append(section("Metrics across seeds", table(rows, ["task", "metric", "mean", "std", "95% CI (t)", "per seed"],
                                                      raw=True), note=f"{data['n_seeds']} seeds: {data['seeds']}"))
    ov = data["overlap"]
    brow = [[escape(b["bin"]), b["n"], b["overlap"], b["std"]] for b in ov["bins"]]
    body.append(section(f"Neighbour overlap@{ov['k']} across seed pairs",
                        table([["mean", ov["mean"]], ["seed pairs", ov["n_pairs"]], ["keys", ov["n_keys"]]], ["", ""]),
                        table(brow, ["frequency bin", "keys", "mean overlap", "std over keys"], raw=True),
                        note=f"queried: {escape(ov.get('queries', ''))}. Antoniak & Mimno 2018; Wendlandt et al. 2018: "
                             "rare words are the least stable"))
    least = [[escape(r["key"]), r["overlap"], r.get("count")] for r in ov["least_stable"]]
    body.append(section("Least stable keys", table(least, ["key", "overlap", "count"], raw=True)))
    if data.get("versus"):
        vs = data["versus"]
        rows = [[escape(r["task"]), escape(r["metric"]), r["a"], r["b"], r["diff"],
                 escape(f"[{fmt(r['ci'][0])}, {fmt(r['ci'][1])}]"), r["p_value"], escape(r["verdict"])]
                for r in vs["results"]]
        body.append(section(f"A ({escape(vs['a'])}) versus B ({escape(vs['b'])})",
                            table(rows, ["task", "metric", "A", "B", "A − B", "95% CI", "p", "verdict"], raw=True),
                            note=vs["test"]))
    body += _warnings(data)
    return page(f"Stability: {data['method']}", body, subtitle=f"{data['n_seeds']} seeds")


def write_report(data: Mapping[str, Any], outdir: str | os.PathLike[str], stem: str, html: str) -> dict[str, Path]:
    """Write ``STEM.json`` and ``STEM.html`` into ``outdir`` (created if needed), each atomically."""
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"{out}: exists and is not a folder; give an output folder")
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / f"{stem}.json", "html": out / f"{stem}.html"}
    with atomic_open(paths["json"]) as fh:
        json.dump(data, fh, indent=1, default=_json_default)
    with atomic_open(paths["html"]) as fh:
        fh.write(html)
    return paths


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
