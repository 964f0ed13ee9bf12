"""Comparison report and model card: content, the CLI, and rendering in a headless browser."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from embedlab.evaluation import make_evaluator
from embedlab.evaluation.compare import compare_embeddings, summarize_embedding
from embedlab.report._html import fmt
from embedlab.report.card import write_card
from embedlab.report.compare_report import write_compare_report
from embedlab.vectors import KeyedVectors


@pytest.fixture(scope="module")
def comparison(small_vectors, tmp_path_factory):
    a, b = (KeyedVectors.load(p) for p in small_vectors)
    from downstream_helpers import POLARITY

    evaluators = [make_evaluator("similarity:wordsim353")]
    if POLARITY is not None and POLARITY.exists():
        evaluators.append(make_evaluator(f"classification:{POLARITY}"))
    data = compare_embeddings({"glove50": a, "glove10": b}, evaluators, geometry_words=3000, n_projection=60,
                              n_boot=200, show_progress=False)
    out = tmp_path_factory.mktemp("report")
    paths = write_compare_report(data, out)
    return data, paths


def _imgs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_compare_report_files_share_the_same_figures(comparison):
    data, paths = comparison
    saved = json.loads(paths["json"].read_text())
    md = paths["markdown"].read_text()
    html = paths["html"].read_text()
    assert saved["results"] == json.loads(json.dumps(data["results"]))
    sim = saved["results"]["similarity:wordsim353"]
    for emb, r in sim.items():
        value = fmt(r["metrics"]["spearman"])
        ci = r["details"]["ci"]["spearman"]
        assert ci[0] < r["metrics"]["spearman"] < ci[1]
        assert f"| similarity:wordsim353 | {emb} | spearman * | {value} |" in md
        assert value in html
    assert sim["glove50"]["metrics"]["spearman"] > sim["glove10"]["metrics"]["spearman"]
    paired = [p for p in saved["paired"] if p["task"] == "similarity:wordsim353"]
    assert paired and paired[0]["emb_a"] == "glove50" and "verdict" in paired[0]
    assert "per_item" not in json.dumps(saved)  # bulky per-item outcomes stay out of the report
    # figures: one bar chart per task, quality vs dimension (50 vs 10), norms, variance, 2 projections
    images = _imgs(html)
    assert len(images) == len(saved["tasks"]) + 1 + 2 + 2
    assert all(img.startswith(b"\x89PNG") and len(img) > 2000 for img in images)
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
    assert saved["nn_overlap"][0]["overlap"] < 1.0


def test_model_card_shows_metadata_metrics_geometry_neighbours(small_vectors, tmp_path):
    kv = KeyedVectors.load(small_vectors[0])
    kv.metadata.update({"params": {"vector_size": 50, "window": 5}, "corpus": {"tokens": 123456}})
    card = summarize_embedding(kv, [make_evaluator("similarity:wordsim353")], name="glove50",
                               sample_words=["king", "film", "notaword123"], geometry_words=2000, n_boot=100)
    assert [w for w in card["neighbours"]] == ["king", "film"]
    assert "queen" in [n for n, _ in card["neighbours"]["king"]]
    assert any("notaword123" in w for w in card["warnings"])
    path = write_card(card, tmp_path / "card.html")
    html = path.read_text()
    for text in ("Training hyperparameters", "window", "123,456", "similarity:wordsim353", "isotropy", "queen"):
        assert text in html
    assert len(_imgs(html)) == 4  # metric bars, norms, variance, projection
    assert json.loads((tmp_path / "card.html.json").read_text())["name"] == "glove50"


def test_cli_compare_and_report(cli, small_vectors, polarity, tmp_path):
    a, b = small_vectors
    res = cli("compare", a, b, "-T", f"classification:{polarity}", "-s", "wordsim353", "-o", tmp_path / "out",
              "--n-boot", "100", "--limit", "3000", "--words", "king,queen,film,movie,good,bad")
    assert res.exit_code == 0, res.output
    assert "classification:pang_lee_polarity.cor" in res.stdout and "report:" in res.stdout
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    flat = " ".join(res.stdout.split())
    for p in data["paired"]:  # each verdict names both sides, its winner and the difference as A - B
        a_name, b_name = p["emb_a"], p["emb_b"]
        assert f"{p['task']}: {a_name} vs {b_name}: " in flat
        assert f"diff {a_name}-{b_name}={p['diff']:+.4f}" in flat
        if p["significant"]:
            winner = a_name if (p["diff"] > 0) == p["greater_is_better"] else b_name
            assert f"{a_name} vs {b_name}: {winner} better on {p['metric']}" in flat
    assert "significantly better" not in flat
    assert set(data["projections"]["glove50"]["pca"]["words"]) == {"king", "queen", "film", "movie", "good", "bad"}
    res = cli("report", a, "-o", tmp_path / "card.html", "-s", "wordsim353", "--n-boot", "50", "--limit", "3000")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "card.html").read_text().startswith("<!DOCTYPE html>")


def test_cli_bad_input_is_one_line_error(cli, small_vectors, tmp_path):
    a, _ = small_vectors
    res = cli("compare", a, "-o", tmp_path / "o")
    assert res.exit_code == 2 and res.stderr.strip().startswith("error: compare needs at least two embeddings")
    (tmp_path / "one.csv").write_text("text,label\ngood,pos\nfine,pos\n")
    res = cli("compare", a, a, "-T", f"classification:{tmp_path / 'one.csv'}", "-o", tmp_path / "o")
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "single class" in res.stderr and "Traceback" not in res.output
    res = cli("report", tmp_path / "missing.npz", "-o", tmp_path / "c.html")
    assert res.exit_code == 2 and "missing.npz" in res.stderr


def test_disjoint_vocabularies_are_reported_as_warnings(small_vectors, tmp_path):
    a = KeyedVectors.load(small_vectors[0])
    rng = np.random.default_rng(0)
    alien = KeyedVectors([f"zz{i}" for i in range(300)], rng.normal(size=(300, 8)))
    data = compare_embeddings({"glove": a, "alien": alien}, [make_evaluator("similarity:wordsim353")],
                              geometry_words=300, n_projection=20, n_boot=50, show_progress=False)
    text = " ".join(data["warnings"])
    assert "similarity:wordsim353 on alien" in text and "only 0 of 353 pairs" in text
    assert "nearest-neighbour overlap glove vs alien" in text and "disjoint" in text
    assert "alien" not in data["results"]["similarity:wordsim353"]
    paths = write_compare_report(data, tmp_path)
    assert "Warnings" in paths["html"].read_text()


# ---------------------------------------------------------------- headless browser
_HOOK = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || e.type)), true);
window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.setAttribute('data-check', JSON.stringify({ok: ok, total: imgs.length,
    overflow: document.documentElement.scrollWidth > window.innerWidth + 1, errors: window.__errors}));
});
</script>"""


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Debian 'chromium' is not installed (apt-get install chromium; .ci/run installs it)")
    return exe


def _render(exe: str, html: Path, tmp: Path, width: int, height: int) -> tuple[dict, Path, str]:
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--enable-logging=stderr", "--v=0", f"--user-data-dir={tmp / 'profile'}", f"--window-size={width},{height}"]
    hooked = tmp / f"hooked_{width}.html"
    hooked.write_text(html.read_text().replace("</head>", _HOOK + "</head>", 1))
    dom = subprocess.run(base + ["--dump-dom", hooked.as_uri()], capture_output=True, text=True, timeout=120)
    m = re.search(r"data-check=\"([^\"]+)\"", dom.stdout)
    assert m, dom.stderr[-2000:]
    check = json.loads(m.group(1).replace("&quot;", '"'))
    shot = tmp / f"shot_{width}.png"
    run = subprocess.run(base + [f"--screenshot={shot}", html.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.exists(), run.stderr[-2000:]
    return check, shot, dom.stderr + run.stderr


@pytest.mark.parametrize("width", [1200, 390])
def test_report_renders_in_headless_chromium(comparison, tmp_path, width):
    import matplotlib.image as mpimg

    exe = _chromium()
    _, paths = comparison
    check, shot, log = _render(exe, paths["html"], tmp_path, width, 2400)
    assert check["total"] == len(_imgs(paths["html"].read_text())) and check["ok"] == check["total"]
    assert check["errors"] == []
    assert not check["overflow"], "the page is wider than the window (not readable on a phone)"
    assert not re.search(r"CONSOLE.*(Uncaught|Error)|Uncaught ", log)
    pixels = mpimg.imread(str(shot))
    assert pixels.shape[1] == width and pixels.shape[0] > 500
    assert pixels[..., :3].std() > 0.05  # not a blank page
    assert (pixels[..., :3].mean(axis=2) < 0.9).mean() > 0.02  # text and plots drawn
