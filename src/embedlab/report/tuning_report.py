"""The tuning report: one self-contained HTML file (figures inline as base64 PNGs).

Sections: best parameters (validation and test scores side by side), hyperparameter importance,
quality against each hyperparameter (slice plots), optimisation history, the trials table and a
note of the validation/test sets used. All numbers come from
:func:`embedlab.tuning.results.summarize_study`; this module only renders them.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING

from .._fileio import atomic_open
from ._html import escape, figure_img, fmt, new_figure, page, section, table

if TYPE_CHECKING:
    from ..tuning.results import StudySummary

__all__ = ["render_tuning_report", "write_tuning_report", "SECTIONS"]

SECTIONS = (
    "Best parameters",
    "Hyperparameter importance",
    "Quality against each hyperparameter",
    "Optimisation history",
    "Trials",
    "Validation and test sets",
)
_COLORS = {"complete": "#2c6fbb", "pruned": "#c8811a"}


def _best_section(s: StudySummary) -> str:
    if s.best is None:
        return section(SECTIONS[0], "<p>No trial has completed yet.</p>")
    b = s.best
    rows = [[k, v] for k, v in b["params"].items()]
    from .card import INTERNAL_PARAMS

    fixed = {k: v for k, v in s.attrs.get("fixed_params", {}).items() if k not in INTERNAL_PARAMS}
    parts = [
        f"<p>Best trial <b>{b['number']}</b>: validation <b>{escape(fmt(b['validation']))}</b>, "
        f"test <b>{escape(fmt(b['test']))}</b> ({escape(s.attrs.get('objective', ''))}; "
        f"{escape(s.directions[0])}).</p>",
        table(rows, ["parameter", "best value"]),
    ]
    terms = b.get("terms") or {}
    if terms:
        parts.append(table(
            [[name, t.get("metric"), t.get("validation"), t.get("test"), t.get("coverage")] for name, t in terms.items()],
            ["objective", "metric", "validation", "test", "coverage"],
        ))
    if s.pareto:
        parts.append("<h3>Pareto front</h3>")
        parts.append(table(
            [[p["number"], *p["values"], p.get("test"), ", ".join(f"{k}={fmt(v)}" for k, v in p["params"].items())]
             for p in s.pareto],
            ["trial", *[f"value {i}" for i in range(len(s.directions))], "test", "params"],
        ))
    if fixed:
        parts.append('<p class="note">Fixed: ' + escape(", ".join(f"{k}={v}" for k, v in fixed.items())) + "</p>")
    return section(SECTIONS[0], *parts)


def _importance_section(s: StudySummary) -> str:
    if not s.importances:
        return section(SECTIONS[1], f"<p>Not available: {escape(s.importance_note or 'no data')}.</p>")
    names = list(s.importances)[::-1]
    values = [s.importances[n] for n in names]
    cis = [s.importance_cis.get(n) for n in names]
    fig, ax = new_figure(6.0, 0.45 * len(names) + 1.2)
    err = [[max(v - c[0], 0) if c else 0 for v, c in zip(values, cis)], [max(c[1] - v, 0) if c else 0 for v, c in zip(values, cis)]]
    ax.barh(names, values, color="#2c6fbb", xerr=err if any(cis) else None, capsize=3, ecolor="#333333")
    ax.set_xlabel(f"importance ({s.importance_method})")
    img = figure_img(fig, "hyperparameter importance",
                     f"Share of the objective's variance explained ({s.importance_method}); bars: bootstrap 95% "
                     "intervals over the complete trials.")
    rows = [[n, v, _ci(s.importance_cis.get(n))] for n, v in s.importances.items()]
    caveat = f'<p class="warn">{escape(s.importance_note)}.</p>' if s.importance_note else ""
    return section(SECTIONS[1], caveat, img, table(rows, ["parameter", "importance", "95% CI"]),
                   note=f"From {s.importance_trials} complete trials.")


def _ci(ci: list[float] | None) -> str:
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]" if ci else "—"


def log_axis(ax: object) -> None:
    """A log x axis whose tick labels never overlap: at most ~5 labelled ticks (1, 2, 5 x 10^k)
    as plain numbers, no labels on minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    import math

    ax.set_xscale("log")  # type: ignore[attr-defined]
    lo, hi = ax.get_xlim()  # type: ignore[attr-defined]
    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 1.0
    # about 4-6 labels whatever the range: 1-2-5 steps within a decade or two, decades beyond
    subs = (1.0, 2.0, 5.0) if decades <= 1.5 else (1.0, 3.0) if decades <= 2.5 else (1.0,)
    axis = ax.xaxis  # type: ignore[attr-defined]
    axis.set_major_locator(LogLocator(base=10, subs=subs, numticks=6))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _slice_section(s: StudySummary) -> str:
    imgs = []
    log_params = {k for k, d in s.attrs.get("space", {}).items() if d.get("log")}
    for name, points in s.slices.items():
        fig, ax = new_figure(4.2, 3.0)
        for state, color in _COLORS.items():
            pts = [(x, y) for x, y, st in points if st == state]
            if not pts:
                continue
            xs = [str(x) if isinstance(x, (str, bool)) else x for x, _ in pts]
            ax.scatter(xs, [y for _, y in pts], s=18, color=color, alpha=0.8,
                       label=state if state == "complete" else "pruned (last epoch)")
        if name in log_params:
            log_axis(ax)
        ax.set_xlabel(name)
        ax.set_ylabel("validation score")
        ax.legend(fontsize=7)
        imgs.append(figure_img(fig, f"slice plot {name}", name))
    if not imgs:
        return section(SECTIONS[2], "<p>No finished trial yet.</p>")
    return section(SECTIONS[2], '<div class="grid">' + "".join(imgs) + "</div>")


def _history_section(s: StudySummary) -> str:
    if not s.history:
        return section(SECTIONS[3], "<p>No finished trial yet.</p>")
    fig, ax = new_figure(6.5, 3.4)
    for state, color in _COLORS.items():
        pts = [(n, v) for n, v, st in s.history if st == state]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=18, color=color, label=state)
    maximize = s.directions[0] == "maximize"
    best, xs, ys = None, [], []
    for n, v, st in s.history:
        if st != "complete":
            continue
        if best is None or (v > best if maximize else v < best):
            best = v
        xs.append(n)
        ys.append(best)
    if xs:
        ax.step(xs, ys, where="post", color="#0a7a32", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("validation score")
    ax.legend(fontsize=8)
    counts = ", ".join(f"{v} {'failed' if k == 'fail' else k}" for k, v in s.counts.items())
    return section(SECTIONS[3], figure_img(fig, "optimisation history", f"Trials: {counts}."))


def _trials_section(s: StudySummary) -> str:
    return section(SECTIONS[4], table(s.table_rows, s.table_header))


def _split_section(s: StudySummary) -> str:
    rows = [[n["objective"], n["validation_fraction"], n["split_seed"], n["n_validation"], n["n_test"],
             n["coverage"], n["validation"], n["test"]] for n in s.split_note]
    note = (
        "Items of each dataset (pairs, questions) were split with a fixed seed; trials were selected "
        "and pruned on the validation part only. The test part was never used for selection."
    )
    if s.split_note and s.split_note[0]["validation_fraction"] == 1.0:
        note = "No split: trials were selected on all items, so there is no held-out test score."
    return section(
        SECTIONS[5],
        table(rows, ["objective", "validation share", "seed", "validation items", "test items",
                     "coverage (best)", "validation (best)", "test (best)"]),
        note=note,
    )


def render_tuning_report(summary: StudySummary, title: str | None = None) -> str:
    """The report as an HTML string."""
    s = summary
    subtitle = (
        f"study '{s.study_name}' · {s.attrs.get('estimator', '')} · objective {s.attrs.get('objective', '')} · "
        f"generated {_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"
    )
    space = s.attrs.get("space", {})
    space_html = table(
        [[k, d.get("type"), d.get("low", ""), d.get("high", ""), "yes" if d.get("log") else "",
          ", ".join(map(str, d.get("choices", [])))] for k, d in space.items()],
        ["parameter", "type", "low", "high", "log", "choices"],
    ) if space else ""
    body = []
    if not s.counts.get("complete"):
        others = ", ".join(f"{v} {k}" for k, v in s.counts.items() if v) or "no finished trial"
        body.append(section("No complete trial", f'<p class="warn"><b>No trial has completed</b> ({escape(others)}): '
                            "there are no best parameters, importances or best vectors yet. Run the same "
                            "<code>embedlab tune</code> command again to continue the study.</p>"))
    body += [
        _best_section(s),
        _importance_section(s),
        _slice_section(s),
        _history_section(s),
        _trials_section(s),
        _split_section(s),
    ]
    if space_html:
        body.append(section("Search space", space_html))
    return page(title or f"Tuning report: {s.study_name}", body, subtitle)


def write_tuning_report(summary: StudySummary, path: str | Path, title: str | None = None) -> Path:
    """Write the report of ``summary`` (see :func:`~embedlab.tuning.results.summarize_study`) to ``path``."""
    html = render_tuning_report(summary, title)
    with atomic_open(path, "w") as fh:
        fh.write(html)
    return Path(path)
