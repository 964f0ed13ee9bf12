"""Report layout fixes: the quality-vs-dimension chart joins only one method's dimensions."""

from __future__ import annotations

from embedlab.report._html import new_figure
from embedlab.report.compare_report import dimension_series
from embedlab.report.plots import draw_dimension


def _data(embeddings):
    results = {"similarity:wordsim353": {}}
    for name, _, _, value in embeddings:
        results["similarity:wordsim353"][name] = {
            "metrics": {"spearman": value}, "primary_metric": "spearman", "details": {"ci": {"spearman": [value - .05, value + .05]}},
        }
    return {"embeddings": [{"name": n, "method": m, "dim": d} for n, m, d, _ in embeddings], "results": results}


def _lines(series):
    fig, ax = new_figure()
    draw_dimension(ax, series)
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 1]


def test_unrelated_methods_are_not_joined_by_a_line():
    data = _data([("glove-6b-50d", "glove", 50, 0.5), ("w2v", "word2vec", 100, 0.3)])
    series = dimension_series(data)
    groups = series["similarity:wordsim353 (spearman)"]
    assert set(groups) == {"glove", "word2vec"} and all(len(p) == 1 for p in groups.values())
    assert _lines(series) == []


def test_one_method_in_several_dimensions_is_a_line():
    data = _data([("w50", "word2vec", 50, 0.3), ("w100", "word2vec", 100, 0.35), ("g", "glove", 50, 0.5),
                  ("x", "?", 300, 0.1), ("y", "?", 25, 0.2)])
    groups = dimension_series(data)["similarity:wordsim353 (spearman)"]
    assert len(groups["word2vec"]) == 2 and len(groups) == 4  # unknown methods are never grouped
    lines = _lines(dimension_series(data))
    assert len(lines) == 1 and list(lines[0].get_xdata()) == [50, 100]
