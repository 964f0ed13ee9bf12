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


# ---------------------------------------------------------------- item 11: figures and cards
import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from embedlab.evaluation.stats import format_p, paired_bootstrap  # noqa: E402
from embedlab.report import plots  # noqa: E402


@pytest.fixture
def figures(monkeypatch):
    """The matplotlib figures the plot functions draw (instead of their PNGs)."""
    caught = []
    monkeypatch.setattr(plots, "figure_img", lambda fig, *a, **k: caught.append(fig) or "")
    return caught


def _boxes(fig, texts):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


def test_p_values_are_never_zero():
    assert format_p(0.0, 2000) == "p < 0.001" and format_p(0.0, 1000) == "p < 0.002"
    assert format_p(0.0342, 2000) == "p=0.034" and format_p(0.0004) == "p < 0.001"
    rng = np.random.default_rng(0)
    a = {"ids": np.arange(300), "accuracy": (rng.random(300) < 0.9).astype(float)}
    b = {"ids": np.arange(300), "accuracy": (rng.random(300) < 0.3).astype(float)}
    res = paired_bootstrap(a, b, "accuracy")
    assert res.p_value == 0.0 and "p < 0.001" in res.verdict and "p=0" not in res.verdict
    assert res.to_dict()["resamples"] == 2000


def test_bar_labels_sit_beyond_the_whiskers(figures):
    plots.bars_with_ci(["a", "b"], [0.5, -0.2], [[0.3, 0.7], [-0.4, -0.1]], "t", "m")
    ax = figures[0].axes[0]
    (pos, neg) = ax.texts
    assert pos.xy[1] == pytest.approx(0.7) and pos.get_va() == "bottom"  # above the upper cap
    assert neg.xy[1] == pytest.approx(-0.4) and neg.get_va() == "top"  # below the lower cap


def test_projection_labels_are_readable_and_never_overlap(figures):
    rng = np.random.default_rng(0)
    words = [f"word{i}" for i in range(100)]
    plots.projection_scatter(words, rng.normal(size=(100, 2)), "p")
    fig = figures[0]
    texts = fig.axes[0].texts
    assert 5 <= len(texts) <= 40 and all(t.get_fontsize() >= 9 for t in texts)
    boxes = _boxes(fig, texts)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert [t.get_text() for t in texts] == [w for w in words if w in {t.get_text() for t in texts}]  # frequent first


def test_log_axis_tick_labels_do_not_overlap():
    from embedlab.report._html import new_figure
    from embedlab.report.tuning_report import log_axis

    for low, high in ((0.005, 0.1), (1e-5, 1e-2), (0.01, 0.03)):
        fig, ax = new_figure(4.2, 3.0)
        ax.scatter(np.geomspace(low, high, 12), np.arange(12))
        log_axis(ax)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig).draw()
        labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
        lo, hi = ax.get_xlim()
        labels = [t for t in labels if lo <= t.get_position()[0] <= hi]
        boxes = _boxes(fig, labels)
        assert labels and not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), (low, high)


def test_model_card_layout_and_corpus_source(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    rng = np.random.default_rng(0)
    words = ["king", "queen", "crown", "cow", "sheep", "barn", "ship", "sail", "the", "and", "of"]
    corpus.write_text("".join(" ".join(rng.choice(words, 10)) + "\n" for _ in range(300)), encoding="utf-8")
    vec = tmp_path / "v.npz"
    assert cli("train", "word2vec", corpus, "-o", vec, "--vector-size", "8", "--epochs", "1", "--min-count", "1",
               "--threads", "1", "--seed", "123456789012").exit_code == 0
    result = cli("report", vec, "-o", tmp_path / "card.html", "-s", "wordsim353", "--n-boot", "20")
    html = (tmp_path / "card.html").read_text()
    assert "<th></th>" not in html and "<h2>Summary</h2>" in html
    for internal in ("show_progress", "callbacks", "checkpoint_path", "checkpoint_every"):
        assert f"<td>{internal}</td>" not in html
    assert len(re.findall(r"<td>method</td>", html)) == 1
    sha = hashlib.sha256(corpus.read_bytes()).hexdigest()
    assert sha in html and str(corpus.resolve()) in html
    assert "123456789012" in html  # a seed is an identifier: no thousands separators
    meta = json.loads((tmp_path / "card.html.json").read_text())["metadata"]
    assert meta["corpus"]["source"] == [{"path": str(corpus.resolve()), "bytes": corpus.stat().st_size, "sha256": sha}]
    assert result.exit_code == 0


def test_tuning_importance_has_caveat_and_intervals():
    import optuna

    from embedlab.report.tuning_report import render_tuning_report
    from embedlab.tuning.results import summarize_study

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: -(t.suggest_float("a", 0, 1) - 0.3) ** 2 + 0.01 * t.suggest_int("b", 1, 5), n_trials=6)
    s = summarize_study(study)
    assert s.importance_trials == 6 and set(s.importance_cis) == {"a", "b"}
    for name, (lo, hi) in s.importance_cis.items():
        assert 0 <= lo <= hi <= 1
    html = render_tuning_report(s)
    assert "estimated from only 6 complete trials" in html and "95% CI" in html


_STACK_CHECK = """<script>
window.addEventListener('load', () => {
  const cells = Array.from(document.querySelectorAll('td[data-label]'));
  const off = cells.filter(td => td.getBoundingClientRect().right > window.innerWidth + 1).map(td => td.dataset.label);
  document.body.setAttribute('data-check', JSON.stringify({cells: cells.length, off: off,
    wide: document.documentElement.scrollWidth > window.innerWidth + 1}));
});
</script>"""


@pytest.mark.parametrize("width", [390, 1200])
def test_table_cells_stay_on_screen_at_phone_width(tmp_path, width):
    """Rendered by headless chromium: at 390 px every table cell (CI, n, coverage) is inside the window."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Debian 'chromium' is not installed (apt-get install chromium; .ci/run installs it)")
    from embedlab.report._html import page, section, table

    rows = [[f"similarity:wordsim353-{i}", "embedding-with-a-long-name", "spearman *", 0.4744, "[0.379, 0.555]", 325,
             0.921] for i in range(4)]
    html = page("t", [section("Results", table(rows, ["task", "embedding", "metric", "value", "95% CI", "n", "coverage"]))])
    path = tmp_path / "t.html"
    path.write_text(html.replace("</head>", _STACK_CHECK + "</head>", 1))
    dom = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}",
                          f"--window-size={width},2000", "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120)
    m = re.search(r'data-check="([^"]+)"', dom.stdout)
    assert m, dom.stderr[-2000:]
    check = json.loads(m.group(1).replace("&quot;", '"'))
    assert check["cells"] == 28 and check["off"] == [] and not check["wide"], check
