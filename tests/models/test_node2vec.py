"""Node2Vec / DeepWalk: seed determinism, parameters, bad input, quality on Cora."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab import clone
from embedlab.corpus.graph import Graph, load_planetoid
from embedlab.evaluation.nodes import NodeClassification
from embedlab.exceptions import DataError, InvalidParameterError
from embedlab.models import get_model
from embedlab.models.node2vec import DeepWalk, Node2Vec


def _caveman(n_groups: int = 6, size: int = 8) -> Graph:
    """Cliques joined in a ring: nodes of one clique should be each other's neighbours."""
    src, dst = [], []
    for g in range(n_groups):
        base = g * size
        for i in range(size):
            for j in range(i + 1, size):
                src.append(base + i)
                dst.append(base + j)
        src.append(base)
        dst.append(((g + 1) % n_groups) * size + 1)
    return Graph.from_edges(np.array(src), np.array(dst), [f"n{i}" for i in range(n_groups * size)])


FAST = dict(vector_size=16, walk_length=20, walks_per_node=5, window=5, sample=0.0, show_progress=False)


def test_registered_and_defaults_follow_node2vec():
    assert get_model("node2vec") is Node2Vec and get_model("deepwalk") is DeepWalk
    m = Node2Vec()
    assert (m.vector_size, m.walk_length, m.walks_per_node, m.window, m.p, m.q) == (128, 80, 10, 10, 1.0, 1.0)
    assert "p" not in DeepWalk().get_params()
    assert clone(Node2Vec(p=0.5)).p == 0.5
    # negatives per (centre, context) pair as gensim / PecanPy (benchmarks/README.md: closes the AUC gap)
    assert Node2Vec().shared_negatives is False and DeepWalk().shared_negatives is False
    assert clone(DeepWalk(shared_negatives=True)).shared_negatives is True


@pytest.mark.parametrize("cls", [Node2Vec, DeepWalk])
def test_shared_negatives_switch_selects_the_other_kernel_path(cls):
    g = _caveman()
    per_pair = cls(n_threads=1, random_state=3, **FAST).fit(g).vectors_
    again = cls(n_threads=1, random_state=3, shared_negatives=False, **FAST).fit(g).vectors_
    shared_a = cls(n_threads=1, random_state=3, shared_negatives=True, **FAST).fit(g).vectors_
    shared_b = cls(n_threads=1, random_state=3, shared_negatives=True, **FAST).fit(g).vectors_
    assert np.array_equal(per_pair.vectors, again.vectors)
    assert np.array_equal(shared_a.vectors, shared_b.vectors)  # seeded on both paths
    assert not np.array_equal(per_pair.vectors, shared_a.vectors)
    assert per_pair.metadata["params"]["shared_negatives"] is False
    for kv in (per_pair, shared_a):  # both paths learn the cliques
        hits = sum(int(k[1:]) // 8 == i // 8 for i in range(2, 48, 8) for k, _ in kv.most_similar(f"n{i}", topn=5))
        assert hits >= 0.8 * 30


def test_seed_and_one_thread_give_identical_vectors():
    g = _caveman()
    a = Node2Vec(p=0.5, q=2.0, n_threads=1, random_state=3, **FAST).fit(g).vectors_.vectors
    b = Node2Vec(p=0.5, q=2.0, n_threads=1, random_state=3, **FAST).fit(g).vectors_.vectors
    c = Node2Vec(p=0.5, q=2.0, n_threads=1, random_state=4, **FAST).fit(g).vectors_.vectors
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_neighbours_are_clique_mates_and_keys_are_node_ids():
    g = _caveman()
    m = DeepWalk(n_threads=2, random_state=0, **FAST).fit(g)
    kv = m.vectors_
    assert kv.index_to_key == g.nodes
    hits = 0
    for i in range(2, 48, 8):  # non-bridge nodes
        nb = [int(k[1:]) // 8 for k, _ in kv.most_similar(f"n{i}", topn=5)]
        hits += sum(x == i // 8 for x in nb)
    assert hits >= 0.8 * 30
    assert m.walk_seconds_ > 0 and m.loss_history_[-1] < m.loss_history_[0] + 1
    assert kv.metadata["graph"]["nodes"] == 48


def test_generate_walks_are_the_training_walks_per_epoch():
    g = _caveman()
    m = Node2Vec(random_state=5, n_threads=1, **FAST)
    chunks = list(m.generate_walks(g))
    ids = np.concatenate([c[0] for c in chunks])
    assert ids.size == g.n_nodes * 5 * 20
    again = np.concatenate([c[0] for c in m.generate_walks(g)])
    assert np.array_equal(ids, again)
    # every consecutive pair is an edge
    adj = g.to_scipy().toarray() > 0
    for w_ids, offsets in chunks:
        for a, b in zip(offsets[:-1], offsets[1:]):
            w = w_ids[a:b]
            assert adj[w[:-1], w[1:]].all()


@pytest.mark.parametrize("params,pattern", [
    ({"p": 0}, r"parameter 'p'"),
    ({"q": -1.0}, r"parameter 'q'"),
    ({"walk_length": 1}, r"parameter 'walk_length'.*\[2, inf\)"),
    ({"window": 0}, r"parameter 'window'"),
    ({"shared_negatives": "no"}, r"parameter 'shared_negatives'"),
])
def test_invalid_parameters(params, pattern):
    with pytest.raises(InvalidParameterError, match=pattern):
        Node2Vec(**params).fit(_caveman())


def test_bad_graph_inputs(tmp_path):
    with pytest.raises(InvalidParameterError, match="cannot read a graph from int"):
        Node2Vec(**FAST).fit(3)
    empty = tmp_path / "e.txt"
    empty.write_text("\n")
    with pytest.raises(DataError, match="no edges"):
        Node2Vec(**FAST).fit(str(empty))


def test_directed_dead_ends_are_fine():
    g = Graph.from_edges(np.array([0, 1, 2, 0]), np.array([1, 2, 3, 2]), list("abcd"), directed=True)
    kv = Node2Vec(random_state=0, n_threads=1, **FAST).fit(g).vectors_
    assert len(kv) == 4 and np.isfinite(kv.vectors).all()


def test_cora_standard_split_accuracy(data):
    """PecanPy's node2vec (same defaults, gensim) scores 0.692 here; we must be at that level."""
    d = load_planetoid(data("cora"))
    kv = Node2Vec(n_threads=2, random_state=0, show_progress=False).fit(d.graph).vectors_
    res = NodeClassification(d.node_labels()).evaluate(kv)
    assert res.coverage == 1.0 and res.n == 1000
    assert res.score >= 0.66, res.metrics
