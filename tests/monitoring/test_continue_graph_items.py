"""Continued training for the SGNS models outside Word2Vec: node2vec / deepwalk and item2vec."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.corpus.graph import Graph
from embedlab.corpus.interactions import from_baskets
from embedlab.exceptions import FormatError
from embedlab.models.item2vec import Item2Vec
from embedlab.models.node2vec import DeepWalk, Node2Vec
from embedlab.models.word2vec import Word2Vec

A = [f"v{i}" for i in range(20)]
NEW_NODES = [f"n{i}" for i in range(6)]


def _graph(extra: bool) -> Graph:
    """Two 20-node communities (v0..v19 = A, v20..v39 = B); ``extra`` adds 6 nodes tied to A."""
    rng = np.random.default_rng(0)
    group = np.repeat([0, 1], 20)
    pairs = [(i, j) for i in range(40) for j in range(i + 1, 40)
             if rng.random() < (0.3 if group[i] == group[j] else 0.03)]
    names = [f"v{i}" for i in range(40)]
    if extra:
        for k in range(len(NEW_NODES)):
            pairs += [(40 + k, int(j)) for j in rng.choice(20, size=6, replace=False)]
        names += NEW_NODES
    return Graph.from_edges(np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]), names)


def n2v(cls=Node2Vec, **kw):
    base = dict(vector_size=16, walk_length=20, walks_per_node=8, window=5, sample=0.0, epochs=2,
                random_state=0, n_threads=1, show_progress=False)
    base.update(kw)
    return cls(**base)


@pytest.mark.parametrize("cls", [Node2Vec, DeepWalk])
def test_graph_continue_grows_freezes_and_round_trips(cls, tmp_path):
    m1 = n2v(cls).fit(_graph(False))
    s1 = m1.save_state(tmp_path / "s1.npz")
    m2 = n2v(cls).continue_training(_graph(True), s1, freeze_existing=True)
    kv = m2.vectors_
    assert set(NEW_NODES) <= set(kv.index_to_key) and m2.added_words_ == NEW_NODES
    old = np.stack([m1.vectors_[k] for k in m1.vectors_.index_to_key])
    again = np.stack([kv[k] for k in m1.vectors_.index_to_key])
    assert np.array_equal(old, again)  # frozen
    in_a = [sum(k in A for k, _ in kv.most_similar(n, topn=5)) for n in NEW_NODES]
    assert sum(in_a) >= 0.7 * 5 * len(NEW_NODES), in_a
    # continue -> save -> continue, on the first graph (new nodes absent there: kept unchanged)
    s2 = m2.save_state(tmp_path / "s2.npz")
    m3 = n2v(cls, epochs=1).continue_training(_graph(False), s2)
    assert len(m3.vectors_) == len(kv) and m3.added_words_ == []
    assert np.array_equal(m3.vectors_[NEW_NODES[0]], kv[NEW_NODES[0]])
    assert not np.array_equal(m3.vectors_["v0"], kv["v0"])  # not frozen this time
    assert len(m3.state_history_) == 3


def _baskets(n: int, seed: int, new_items: bool) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    groups = [[f"i{x}" for x in range(g * 15, (g + 1) * 15)] for g in range(4)]
    if new_items:
        groups[0] = groups[0] + [f"new{k}" for k in range(5)]
    return [list(rng.choice(groups[int(rng.integers(4))], size=int(rng.integers(3, 9)), replace=False))
            for _ in range(n)]


def i2v(**kw):
    base = dict(vector_size=16, epochs=5, window_mode="basket", random_state=0, n_threads=1, show_progress=False)
    base.update(kw)
    return Item2Vec(**base)


def test_item2vec_continue_grows_freezes_and_round_trips(tmp_path):
    m1 = i2v().fit(from_baskets(_baskets(400, 0, False)))
    s1 = m1.save_state(tmp_path / "s1.npz")
    m2 = i2v().continue_training(from_baskets(_baskets(400, 1, True)), s1, freeze_existing=True)
    kv = m2.vectors_
    new = [f"new{k}" for k in range(5)]
    assert set(new) <= set(kv.index_to_key) and set(m2.added_words_) == set(new)
    for k in m1.vectors_.index_to_key:
        assert np.array_equal(kv[k], m1.vectors_[k]), k
    group0 = {f"i{x}" for x in range(15)} | set(new)
    hits = [sum(k in group0 for k, _ in kv.most_similar(n, topn=5)) for n in new]
    assert sum(hits) >= 0.7 * 5 * len(new), hits
    # new data without an old item: the item is kept; round trip
    s2 = m2.save_state(tmp_path / "s2.npz")
    later = [[i for i in b if i != "i59"] for b in _baskets(200, 2, False)]
    m3 = i2v(epochs=2).continue_training(from_baskets([b for b in later if len(b) > 1]), s2)
    assert len(m3.vectors_) == len(kv) and m3.added_words_ == []
    assert np.array_equal(m3.vectors_["i59"], kv["i59"])
    assert len(m3.state_history_) == 3


def test_states_of_other_methods_are_refused(tmp_path):
    w = Word2Vec(vector_size=16, min_count=1, epochs=1, random_state=0, n_threads=1, show_progress=False)
    ws = w.fit([["a", "b", "c"], ["b", "c", "d"]] * 20).save_state(tmp_path / "w.npz")
    gs = n2v().fit(_graph(False)).save_state(tmp_path / "g.npz")
    for model, data, state, names in [
        (n2v(), _graph(True), ws, ("word2vec", "node2vec")),
        (i2v(), from_baskets(_baskets(50, 0, False)), ws, ("word2vec", "item2vec")),
        (n2v(DeepWalk), _graph(True), gs, ("node2vec", "deepwalk")),
    ]:
        with pytest.raises(FormatError) as err:
            model.continue_training(data, state)
        msg = str(err.value)
        assert "\n" not in msg and all(n in msg for n in names), msg
