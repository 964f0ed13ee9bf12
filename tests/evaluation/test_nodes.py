"""Node-classification and link-prediction evaluators."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from embedlab.corpus.graph import Graph, NodeLabels, split_edges, write_edge_split
from embedlab.evaluation import make_evaluator
from embedlab.evaluation.nodes import LinkPrediction, NodeClassification, bootstrap_auc_ci, roc_auc
from embedlab.exceptions import DataError
from embedlab.vectors import KeyedVectors


def test_roc_auc_matches_sklearn_with_ties_and_weights():
    rng = np.random.default_rng(0)
    s = np.round(rng.normal(size=500), 1)  # ties
    y = (rng.random(500) < 0.4).astype(int)
    assert roc_auc(s, y) == pytest.approx(roc_auc_score(y, s))
    w = rng.integers(0, 4, 500)
    expanded = roc_auc_score(np.repeat(y, w), np.repeat(s, w))
    assert roc_auc(s, y, w) == pytest.approx(expanded)
    lo, hi = bootstrap_auc_ci(s, y, 200)
    assert lo < roc_auc(s, y) < hi


def _clustered_vectors(n_per=30, k=3, dim=8, noise=0.3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    keys, vecs, labels = [], [], []
    for c in range(k):
        for i in range(n_per):
            keys.append(f"v{c}_{i}")
            vecs.append(centres[c] + noise * rng.normal(size=dim))
            labels.append(f"class{c}")
    return KeyedVectors(keys, np.array(vecs, dtype=np.float32)), labels


def test_node_classification_cv_and_coverage(tmp_path):
    kv, labels = _clustered_vectors()
    f = tmp_path / "labels.tsv"
    f.write_text("node\tlabel\n" + "".join(f"{k}\t{y}\n" for k, y in zip(kv.index_to_key, labels)) + "ghost\tclass0\n")
    res = make_evaluator(f"node-classification:{f}").evaluate(kv)
    assert res.primary_metric == "accuracy" and res.score > 0.95
    assert res.metrics["micro_f1"] == pytest.approx(res.metrics["accuracy"])
    assert res.coverage == pytest.approx(90 / 91) and res.n == 90
    assert set(res.details["ci"]) >= {"accuracy", "macro_f1", "micro_f1"}
    # random vectors score near chance
    rand = KeyedVectors(kv.index_to_key, np.random.default_rng(1).normal(size=kv.vectors.shape).astype(np.float32))
    assert make_evaluator(f"node-classification:{f}").evaluate(rand).score < 0.6


def test_node_classification_standard_split_and_tuning_parts():
    kv, labels = _clustered_vectors()
    split = {"train": np.arange(0, 90, 3), "val": np.arange(1, 90, 3), "test": np.arange(2, 90, 3)}
    data = NodeLabels(kv.index_to_key, labels, "toy", split)
    res = NodeClassification(data).evaluate(kv)
    assert res.n == 30 and res.details["split"] == "standard"
    val, test = data.tuning_split(0.5, 0)
    assert NodeClassification(val).evaluate(kv).n == 30 and NodeClassification(test).evaluate(kv).n == 30
    missing = KeyedVectors(["x"], np.ones((1, 8), np.float32))
    with pytest.raises(DataError, match="no training node has a vector"):
        NodeClassification(data).evaluate(missing)


def test_link_prediction_on_a_split(tmp_path):
    nx = pytest.importorskip("networkx", reason="networkx is not installed: pip install 'embedlab[test]'")
    G = nx.connected_caveman_graph(12, 8)
    g = Graph.from_networkx(G)
    split = split_edges(g, 0.15, seed=0)
    write_edge_split(split, tmp_path / "lp")
    # vectors that know the cliques: one-hot of the clique plus noise
    rng = np.random.default_rng(0)
    vecs = np.stack([np.eye(12)[int(k) // 8] + 0.1 * rng.normal(size=12) for k in g.nodes]).astype(np.float32)
    kv = KeyedVectors(g.nodes, vecs)
    ev = make_evaluator(f"link-prediction:{tmp_path / 'lp'}")
    res = ev.evaluate(kv)
    assert res.primary_metric == "roc_auc" and res.score > 0.9 and res.metrics["roc_auc_dot"] > 0.9
    assert res.n == len(split.labels) and res.coverage == 1.0
    lo, hi = res.details["ci"]["roc_auc"]
    assert lo <= res.score <= hi
    noise = KeyedVectors(g.nodes, rng.normal(size=vecs.shape).astype(np.float32))
    assert abs(LinkPrediction(tmp_path / "lp").evaluate(noise).metrics["roc_auc_dot"] - 0.5) < 0.1
    half = LinkPrediction(ev.dataset.subset(np.arange(0, len(ev.dataset), 2)))
    assert half.evaluate(kv).n == (len(split.labels) + 1) // 2


def test_link_prediction_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="split-edges"):
        make_evaluator(f"link-prediction:{tmp_path}")
