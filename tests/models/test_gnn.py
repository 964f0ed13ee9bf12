"""GraphSAGE and GCN (PyTorch Geometric extra): contract, features, bad input, GCN quality on Cora."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch_geometric", reason="the 'graph' extra (torch, torch_geometric) is not installed")

from embedlab.corpus.graph import Graph, NodeLabels, load_planetoid  # noqa: E402
from embedlab.exceptions import DataError, InvalidParameterError  # noqa: E402
from embedlab.models import get_model  # noqa: E402
from embedlab.models.gnn import GCN, GraphSAGE, read_features  # noqa: E402


def _two_communities(seed: int = 0):
    """Two dense groups with informative features (group one-hot + noise)."""
    rng = np.random.default_rng(seed)
    n = 40
    group = np.repeat([0, 1], n // 2)
    src, dst = [], []
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < (0.4 if group[i] == group[j] else 0.02):
                src.append(i)
                dst.append(j)
    g = Graph.from_edges(np.array(src), np.array(dst), [f"v{i}" for i in range(n)])
    X = np.eye(2)[group] + 0.5 * rng.normal(size=(n, 2))
    X = np.hstack([X, rng.random((n, 6))]).astype(np.float32)
    return g, X, group


def test_registered():
    assert get_model("graphsage") is GraphSAGE and get_model("gcn") is GCN


def test_graphsage_separates_communities_and_is_seeded():
    g, X, group = _two_communities()
    kw = dict(vector_size=8, hidden_size=16, input_size=16, epochs=15, batch_size=256, n_threads=1,
              random_state=1, show_progress=False)
    a = GraphSAGE(**kw).fit(g, features=X)
    b = GraphSAGE(**kw).fit(g, features=X)
    assert np.array_equal(a.vectors_.vectors, b.vectors_.vectors)
    Z = a.vectors_.vectors
    Z = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    sim = Z @ Z.T
    same = sim[group[:, None] == group[None, :]].mean()
    diff = sim[group[:, None] != group[None, :]].mean()
    assert same > diff + 0.2
    assert a.vectors_.index_to_key == g.nodes
    # no features: a learnt input embedding
    assert GraphSAGE(**kw).fit(g).vectors_.vectors.shape == (40, 8)


def test_gcn_on_toy_labels_and_predict():
    g, X, group = _two_communities()
    labels = NodeLabels(g.nodes, [f"c{k}" for k in group], "toy", {"train": np.array([0, 1, 2, 20, 21, 22])})
    m = GCN(epochs=100, n_threads=1, random_state=0, show_progress=False).fit(g, labels=labels, features=X)
    pred = np.array(m.predict())
    assert (pred == np.array([f"c{k}" for k in group])).mean() > 0.9
    assert m.vectors_.vectors.shape == (40, 16)
    with pytest.raises(Exception, match="not in the graph"):
        m.predict(["nope"])


def test_bad_inputs(tmp_path):
    g, X, group = _two_communities()
    with pytest.raises(InvalidParameterError, match="semi-supervised: give labels"):
        GCN(show_progress=False).fit(g, features=X)
    with pytest.raises(DataError, match="rows for 40 nodes"):
        GraphSAGE(show_progress=False).fit(g, features=X[:10])
    f = tmp_path / "feat.tsv"
    f.write_text("".join(f"v{i}\t1\t2\n" for i in range(39)))
    with pytest.raises(DataError, match="no feature row for 1 of 40 graph nodes, e.g. 'v39'"):
        read_features(f, g.nodes)
    f.write_text("v0\t1\t2\nv1\t1\n")
    with pytest.raises(Exception, match="line 2: 1 feature values, expected 2"):
        read_features(f, g.nodes)
    with pytest.raises(InvalidParameterError, match="parameter 'dropout'"):
        GCN(dropout=1.5).fit(g, labels=None)


def test_features_file_round_trip(tmp_path):
    g, X, _ = _two_communities()
    f = tmp_path / "feat.csv"
    f.write_text("node,a,b,c,d,e,f,g,h\n" + "".join(f"{k}," + ",".join(map(str, row)) + "\n"
                                                     for k, row in reversed(list(zip(g.nodes, X.tolist())))))
    np.testing.assert_allclose(read_features(f, g.nodes), X, rtol=1e-6)


def test_gcn_cora_standard_split(data):
    """Kipf & Welling report 81.5%; the target is >= 80% test accuracy on the standard split."""
    d = load_planetoid(data("cora"))
    m = GCN(random_state=0, n_threads=2, show_progress=False).fit(d)
    pred = np.array(m.predict([d.graph.nodes[i] for i in d.test]))
    acc = (pred == np.array([str(d.labels[i]) for i in d.test])).mean()
    assert acc >= 0.80, acc
