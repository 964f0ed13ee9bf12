"""Figures for the reports, drawn with matplotlib (Agg) from numbers computed elsewhere.

Each function takes plain numbers and returns an HTML ``<figure>`` with an inline PNG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._html import figure_img, new_figure

__all__ = ["bars_with_ci", "dimension_curve", "draw_dimension", "place_labels", "projection_scatter", "norm_histogram", "explained_variance"]

_COLORS = ["#2c6fbb", "#e07b39", "#3a9e5c", "#c44e52", "#8172b2", "#937860", "#da8bc3", "#8c8c8c"]


def bars_with_ci(
    labels: Sequence[str], values: Sequence[float], cis: Sequence[Sequence[float] | None], title: str, ylabel: str
) -> str:
    """Bar chart of one metric per embedding with 95% CI error bars."""
    fig, ax = new_figure(max(4.0, 1.1 * len(labels) + 2), 3.4)
    x = np.arange(len(labels))
    vals = np.asarray(values, dtype=float)
    lo = np.array([v - c[0] if c else 0.0 for v, c in zip(vals, cis)])
    hi = np.array([c[1] - v if c else 0.0 for v, c in zip(vals, cis)])
    ax.bar(x, vals, color=[_COLORS[i % len(_COLORS)] for i in range(len(labels))], width=0.6)
    ax.errorbar(x, vals, yerr=[np.maximum(lo, 0), np.maximum(hi, 0)], fmt="none", ecolor="black", capsize=5, lw=1.2)
    for xi, v, down, up in zip(x, vals, np.maximum(lo, 0), np.maximum(hi, 0)):
        # the value sits beyond the whisker's cap, never on the whisker line
        end = v + up if v >= 0 else v - down
        ax.annotate(f"{v:.3f}", (xi, end), textcoords="offset points", xytext=(0, 4 if v >= 0 else -4),
                    ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
    ax.margins(y=0.15)
    ax.set_xticks(x, labels, rotation=15 if len(labels) > 3 else 0)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return figure_img(fig, f"bar chart: {title}", f"{title}: {ylabel} with bootstrap 95% confidence intervals")


def draw_dimension(ax: Any, series: Mapping[str, Mapping[str, Sequence[tuple[int, float, float, float, str]]]]) -> None:
    """Primary metric vs dimension on ``ax``: per task one colour; a method's embeddings of
    several dimensions are joined by a line with a CI band, a lone embedding is a point with CI."""
    markers = "osD^v<>p"
    for i, (task, groups) in enumerate(series.items()):
        c = _COLORS[i % len(_COLORS)]
        for j, (method, pts) in enumerate(groups.items()):
            pts = sorted(pts)
            d = [p[0] for p in pts]
            v = np.array([p[1] for p in pts])
            lo = np.array([p[2] for p in pts])
            hi = np.array([p[3] for p in pts])
            label = f"{task}: {method}"
            if len(set(d)) > 1:
                ax.plot(d, v, marker=markers[j % len(markers)], color=c, label=label)
                ax.fill_between(d, lo, hi, color=c, alpha=0.15)
            else:
                ax.errorbar(d, v, yerr=[np.maximum(v - lo, 0), np.maximum(hi - v, 0)], fmt=markers[j % len(markers)],
                            color=c, capsize=4, linestyle="none", label=label)
            for dim, val, _, _, name in pts:
                ax.annotate(name, (dim, val), textcoords="offset points", xytext=(5, 4), fontsize=7, color=c)


def dimension_curve(series: Mapping[str, Mapping[str, Sequence[tuple[int, float, float, float, str]]]], title: str) -> str:
    """Quality against embedding dimension (see :func:`draw_dimension`)."""
    fig, ax = new_figure(6.0, 3.6)
    draw_dimension(ax, series)
    ax.set_xlabel("dimension")
    ax.set_ylabel("primary metric")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return figure_img(fig, "quality vs dimension",
                      f"{title}: a line joins embeddings of one method that differ only in dimension; "
                      "other embeddings are single points (95% CI)")


def projection_scatter(
    words: Sequence[str], coords: Sequence[Sequence[float]], title: str, max_labels: int = 40, fontsize: float = 9.0
) -> str:
    """2-D projection of words; up to ``max_labels`` labels (the first words first: the callers
    pass frequent words first), readable and never overlapping (a label that would collide with
    one already placed is left out; its point stays)."""
    xy = np.asarray(coords, dtype=float)
    fig, ax = new_figure(6.0, 5.0)
    ax.scatter(xy[:, 0], xy[:, 1], s=10, color=_COLORS[0], alpha=0.6)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    place_labels(fig, ax, words, xy, max_labels, fontsize)
    return figure_img(fig, f"projection: {title}", title + " (labels: the most frequent words that fit without overlapping)")


def place_labels(fig: Any, ax: Any, words: Sequence[str], xy: np.ndarray, max_labels: int, fontsize: float) -> list[str]:
    """Annotate points greedily in order, skipping any label whose box overlaps a placed one (or
    leaves the axes); returns the labelled words."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()  # fix the layout so that text boxes are measured where they will be drawn
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    shown: list[str] = []
    for w, (x, y) in zip(words, xy):
        if len(shown) >= max_labels:
            break
        text = ax.annotate(w, (x, y), fontsize=fontsize, xytext=(3, 3), textcoords="offset points", alpha=0.9)
        box = text.get_window_extent(renderer).expanded(1.05, 1.15)
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        if not inside or any(box.overlaps(other) for other in placed):
            text.remove()
            continue
        placed.append(box)
        shown.append(w)
    return shown


def norm_histogram(hists: Mapping[str, tuple[Sequence[float], Sequence[int]]]) -> str:
    """Distribution of vector norms, one step histogram per embedding (edges, counts)."""
    fig, ax = new_figure(6.0, 3.2)
    for i, (name, (edges, counts)) in enumerate(hists.items()):
        c = np.asarray(counts, dtype=float)
        ax.stairs(c / max(c.sum(), 1.0), np.asarray(edges), label=name, color=_COLORS[i % len(_COLORS)], lw=1.5)
    ax.set_xlabel("vector norm")
    ax.set_ylabel("share of words")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return figure_img(fig, "norm distribution", "distribution of vector norms (most frequent words)")


def explained_variance(ratios: Mapping[str, Sequence[float]]) -> str:
    """Cumulative explained variance by principal dimension, one line per embedding."""
    fig, ax = new_figure(6.0, 3.2)
    for i, (name, r) in enumerate(ratios.items()):
        cum = np.cumsum(r)
        ax.plot(np.arange(1, len(cum) + 1), cum, label=name, color=_COLORS[i % len(_COLORS)])
    ax.set_xlabel("principal dimensions")
    ax.set_ylabel("cumulative explained variance")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return figure_img(fig, "explained variance", "cumulative explained variance of the centred vectors")
