"""`embedlab evaluate`: the numbers it prints mean what they say (resamples, interval ranges,
skipped sets, integer counts, baselines)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.corpus.graph import read_edgelist, split_edges, write_edge_split
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import save_vectors


def _clustered(n_per: int = 20, k: int = 3, dim: int = 8, noise: float = 1.2, seed: int = 0):
    """Nodes in ``k`` noisy clusters (class = cluster), unequal class sizes (majority = class0)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    keys, rows, labels = [], [], []
    for c in range(k):
        for i in range(n_per * (2 if c == 0 else 1)):
            keys.append(f"v{c}_{i}")
            rows.append(centres[c] + noise * rng.normal(size=dim))
            labels.append(f"class{c}")
    return KeyedVectors(keys, np.array(rows, dtype=np.float32)), labels


@pytest.fixture
def node_task(tmp_path: Path) -> tuple[Path, Path]:
    kv, labels = _clustered()
    vec = tmp_path / "nodes.npz"
    save_vectors(kv, vec, format="npz")
    lab = tmp_path / "labels.tsv"
    lab.write_text("node\tlabel\n" + "".join(f"{k}\t{y}\n" for k, y in zip(kv.index_to_key, labels)))
    return vec, lab


@pytest.fixture
def link_task(tmp_path: Path) -> tuple[Path, Path]:
    # 6 cliques of 6 nodes in a ring; vectors know the cliques
    edges = [(f"g{g}n{i}", f"g{g}n{j}") for g in range(6) for i in range(6) for j in range(i + 1, 6)]
    edges += [(f"g{g}n0", f"g{(g + 1) % 6}n1") for g in range(6)]
    path = tmp_path / "edges.csv"
    path.write_text("\n".join(f"{a},{b}" for a, b in edges) + "\n")
    g = read_edgelist(path)
    write_edge_split(split_edges(g, 0.2, seed=0), tmp_path / "split")
    rng = np.random.default_rng(0)
    rows = np.stack([np.eye(6)[int(n[1])] + 0.3 * rng.normal(size=6) for n in g.nodes]).astype(np.float32)
    vec = tmp_path / "graph.npz"
    save_vectors(KeyedVectors(g.nodes, rows), vec, format="npz")
    return vec, tmp_path / "split"


# ------------------------------------------------------------------ B: --n-boot reaches every evaluator
@pytest.mark.parametrize("task", ["node", "link"])
def test_n_boot_reaches_graph_evaluators(cli, node_task, link_task, task):
    vec, arg = node_task if task == "node" else link_task
    spec = f"node-classification:{arg}" if task == "node" else f"link-prediction:{arg}"
    payload = json.loads(cli("evaluate", vec, "-e", spec, "--n-boot", "50", "--json").stdout)
    assert payload["results"][0]["details"]["n_boot"] == 50
    none = json.loads(cli("evaluate", vec, "-e", spec, "--n-boot", "0", "--json").stdout)
    assert not none["results"][0]["details"].get("ci")
    table = cli("evaluate", vec, "-e", spec, "--n-boot", "0")
    assert table.exit_code == 0, table.stderr
    assert "95% CI" not in table.stdout and "resamples" not in table.stdout
    table = cli("evaluate", vec, "-e", spec, "--n-boot", "50")
    assert "(50 resamples)" in table.stdout


# ------------------------------------------------------------------ A: intervals inside the metric's range
@pytest.fixture
def five_pairs(tmp_path: Path) -> tuple[Path, Path]:
    """5 covered pairs whose cosines rank (1, 0, 4, 3, 2) against gold 0..4: Spearman 0.5, where the
    bias-shifted percentile interval used to reach -1.079."""
    keys, rows, lines = [], [], []
    for i, r in enumerate((1, 0, 4, 3, 2)):
        angle = 1.4 - 0.25 * r  # cosine grows with r
        keys += [f"x{i}", f"y{i}"]
        rows += [[1.0, 0.0], [np.cos(angle), np.sin(angle)]]
        lines.append(f"x{i}\ty{i}\t{i}")
    vec = tmp_path / "pairs.vec"
    save_vectors(KeyedVectors(keys, np.array(rows, dtype=np.float32)), vec, format="word2vec")
    pairs = tmp_path / "my_pairs.tsv"
    pairs.write_text("\n".join(lines) + "\nnot\there\t3\n")
    return vec, pairs


def test_correlation_ci_stays_in_range_and_few_items_are_flagged(cli, five_pairs):
    vec, pairs = five_pairs
    r = cli("evaluate", vec, "-s", pairs, "--json")
    assert r.exit_code == 0, r.stderr
    (res,) = json.loads(r.stdout)["results"]
    assert res["n"] == 5 and res["metrics"]["spearman"] == pytest.approx(0.5)
    for metric in ("spearman", "pearson"):
        lo, hi = res["details"]["ci"][metric]
        assert -1.0 <= lo <= res["metrics"][metric] <= hi <= 1.0, (metric, lo, hi)
    assert res["details"]["small_n"] is True
    assert any("fewer than 30 items" in w for w in res["details"]["warnings"])
    table = " ".join(cli("evaluate", vec, "-s", pairs).stdout.split())  # the caption wraps
    assert "[-1.000, 0.921]" in table and "-1.079" not in table
    assert "fewer than 30 items" in table and "(n=5)" in table


def test_node_classification_on_enough_nodes_is_not_flagged(cli, node_task):
    vec, labels = node_task
    res = json.loads(cli("evaluate", vec, "-e", f"node-classification:{labels}", "--json").stdout)["results"][0]
    assert res["details"]["small_n"] is False
    for metric, (lo, hi) in res["details"]["ci"].items():
        assert 0.0 <= lo <= hi <= 1.0, metric


# ------------------------------------------------------------------ C: an analogy set with no covered question
def _topic_vec(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    words = ["king", "queen", "prince", "princess", "cow", "sheep", "goat", "horse", "ship", "boat"]
    vec = tmp_path / "topics.vec"
    save_vectors(KeyedVectors(words, rng.normal(size=(len(words), 8)).astype(np.float32)), vec, format="word2vec")
    return vec


def test_analogy_without_covered_question_is_skipped_and_counts_print_as_integers(cli, tmp_path):
    vec = _topic_vec(tmp_path)
    covered = tmp_path / "covered.txt"
    covered.write_text(": royal-farm\nking queen cow sheep\nprince princess goat horse\n")
    uncovered = tmp_path / "uncovered.txt"
    uncovered.write_text(": other\nparis france rome italy\n")
    r = cli("evaluate", vec, "-a", covered, "-a", uncovered, "--json")
    assert r.exit_code == 0, r.stderr
    payload = json.loads(r.stdout)
    assert [res["name"] for res in payload["results"]] == ["analogy:covered"]
    assert "none of the 1 questions" in payload["skipped"]["analogy:uncovered"]
    metrics = payload["results"][0]["metrics"]
    assert metrics["total"] == 2 and isinstance(metrics["total"], int) and isinstance(metrics["correct"], int)
    table = cli("evaluate", vec, "-a", covered, "-a", uncovered)
    text = table.stdout
    assert "analogy:uncovered" in text and "skipped" in text
    assert "total 0.0000" not in " ".join(text.split()) and "2.0000" not in text
    cells = {row[1]: row[2] for row in ([c.strip() for c in line.split("│")] for line in text.splitlines())
             if len(row) > 3}
    assert cells["total"] == "2" and cells["correct"] in ("0", "1", "2"), cells  # 0 and 1 printed 0.0000, 1.0000
    assert "skipped analogy:uncovered" in table.stderr


def test_compare_leaves_out_an_analogy_set_without_covered_question(tmp_path):
    from embedlab.evaluation.analogy import Analogy
    from embedlab.evaluation.compare import compare_embeddings
    from embedlab.vectors.io import load_vectors

    kv = load_vectors(_topic_vec(tmp_path))
    uncovered = tmp_path / "uncovered.txt"
    uncovered.write_text(": other\nparis france rome italy\n")
    data = compare_embeddings({"a": kv, "b": kv}, [Analogy(uncovered)], projections=[], n_boot=20)
    assert data["results"].get("analogy:uncovered", {}) == {}
    assert any("none of the 1 questions" in w for w in data["warnings"])


# ------------------------------------------------------------------ E: baselines beside the score
def test_node_classification_shows_the_majority_class_baseline(cli, node_task):
    vec, labels = node_task
    res = json.loads(cli("evaluate", vec, "-e", f"node-classification:{labels}", "--json").stdout)["results"][0]
    base = res["details"]["baseline"]
    assert base["name"] == "majority class"
    # class0 holds 40 of 80 nodes: predicting it everywhere is right half the time
    assert base["metrics"]["accuracy"] == pytest.approx(0.5)
    assert base["metrics"]["macro_f1"] == pytest.approx((2 * 0.5 / 1.5) / 3)
    assert res["metrics"]["accuracy"] > base["metrics"]["accuracy"]
    # the table's layout depends on the width (plain lines below it): compare its words
    table = " ".join(cli("evaluate", vec, "-e", f"node-classification:{labels}").stdout.replace("│", " ").split())
    assert "baseline: majority class accuracy 0.5000 macro_f1 0.2222" in table


def test_recommendation_shows_the_popularity_baseline(cli, tmp_path):
    pytest.importorskip("pandas", reason="split files are read with pandas (pip install 'embedlab[recommend]')")
    from embedlab.corpus.interactions import from_pairs, write_interactions

    folder = tmp_path / "split"
    folder.mkdir()
    train = [("a", "x0"), ("b", "x0"), ("c", "y0"), ("d", "x0")]
    test = [("a", "x1"), ("b", "x1"), ("c", "y1"), ("d", "y1")]
    for name, pairs in (("train", train), ("test", test)):
        write_interactions(from_pairs([u for u, _ in pairs], [i for _, i in pairs]), folder / f"{name}.csv")
    vec = tmp_path / "items.npz"
    items = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], np.float32)
    save_vectors(KeyedVectors(["x0", "x1", "y0", "y1"], items), vec, format="npz")
    r = cli("evaluate", vec, "-e", f"recommendation:{folder}@1", "--json")
    assert r.exit_code == 0, r.stderr
    res = json.loads(r.stdout)["results"][0]
    assert res["metrics"]["hit@1"] == 0.75  # d (x0 -> y1) is the one miss
    # popularity (x0: 3 users, y0: 1) recommends y0 to a, b, d and x0 to c: no hit
    assert res["details"]["baseline"] == {"name": "popularity", "metrics": {
        "recall@1": 0.0, "precision@1": 0.0, "ndcg@1": 0.0, "mrr@1": 0.0, "hit@1": 0.0, "catalogue_coverage": 1.0}}
    table = " ".join(cli("evaluate", vec, "-e", f"recommendation:{folder}@1").stdout.replace("│", " ").split())
    assert "baseline: popularity recall@1 0.0000" in table
