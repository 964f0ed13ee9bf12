"""Graph input: edge-list formats, node ids, duplicates and self-loops, NetworkX/SciPy, benchmark layouts."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.corpus.graph import (
    Graph,
    as_graph,
    load_karateclub,
    load_planetoid,
    read_edgelist,
    read_node_labels,
    split_edges,
)
from embedlab.exceptions import DataError, FormatError, InputFileError


def _write(tmp_path, text, name="edges.txt"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text", [
    "a b\nb c\nc a\n",
    "a,b\nb,c\nc,a\n",
    "a\tb\nb\tc\nc\ta\n",
    "source,target\na,b\nb,c\nc,a\n",
    "# comment\n% matrix-market style\na  b\n\nb c\nc a\n",
])
def test_formats_give_the_same_triangle(tmp_path, text):
    g = read_edgelist(_write(tmp_path, text))
    assert g.nodes == ["a", "b", "c"]
    assert g.n_edges == 3 and g.n_nodes == 3
    assert sorted(g.neighbors("a")) == ["b", "c"]
    assert g.indices.dtype == np.int32 and g.indptr.dtype == np.int64


def test_integer_ids_header_detected(tmp_path):
    g = read_edgelist(_write(tmp_path, "id_1,id_2\n10,20\n20,30\n"))
    assert g.nodes == ["10", "20", "30"]
    g2 = read_edgelist(_write(tmp_path, "from to\n10 20\n", "b.txt"))
    assert g2.nodes == ["10", "20"]
    # forced: the first line is data
    g3 = read_edgelist(_write(tmp_path, "x y\nz y\n", "c.txt"), header=False)
    assert g3.nodes == ["x", "y", "z"]


def test_weights_duplicates_self_loops(tmp_path, caplog):
    p = _write(tmp_path, "a b 1.5\nb a 2\nb c 0.5\nc c 3\n")
    with caplog.at_level("WARNING", logger="embedlab"):
        g = read_edgelist(p, weighted=True)
    assert g.stats["duplicates"] == 1 and g.stats["self_loops"] == 1
    assert "duplicate" in caplog.text and "self-loop" in caplog.text
    m = g.to_scipy().toarray()
    ia, ib, ic = (g.key_to_index[k] for k in "abc")
    assert m[ia, ib] == pytest.approx(3.5) and m[ib, ia] == pytest.approx(3.5)  # summed
    assert m[ic, ic] == 0  # dropped
    assert read_edgelist(p, weighted=True, self_loops=True).to_scipy().toarray()[ic, ic] == 3
    assert read_edgelist(p).weights is None


def test_directed(tmp_path):
    g = read_edgelist(_write(tmp_path, "a b\nb c\n"), directed=True)
    assert g.neighbors("a") == ["b"] and g.neighbors("c") == []
    assert g.n_edges == 2 and g.stats["dead_ends"] == 1


@pytest.mark.parametrize("text,weighted,pattern", [
    ("a\nb\n", False, r"line 1: one column"),
    ("a b 1\nb c x\n", True, r"line 2: weight 'x' is not a number"),
    ("a b 1\nb c -2\n", True, r"line 2: weight '-2' must be a positive number"),
    ("a b\n", True, r"line 1: no weight column"),
])
def test_bad_lines_name_the_line(tmp_path, text, weighted, pattern):
    with pytest.raises(FormatError, match=pattern):
        read_edgelist(_write(tmp_path, text), weighted=weighted)


def test_empty_and_missing(tmp_path):
    with pytest.raises(DataError, match="no edges"):
        read_edgelist(_write(tmp_path, "# nothing\n"))
    with pytest.raises(DataError, match="only self-loops"):
        read_edgelist(_write(tmp_path, "a a\n", "b.txt"))
    with pytest.raises(InputFileError, match="no such file"):
        read_edgelist(tmp_path / "nope.txt")


def test_networkx_and_scipy_inputs():
    nx = pytest.importorskip("networkx", reason="networkx is not installed: pip install 'embedlab[test]'")
    G = nx.karate_club_graph()
    g = as_graph(G, weighted=True)
    assert g.n_nodes == 34 and g.n_edges == G.number_of_edges() and g.weighted
    assert not as_graph(G).weighted
    assert sorted(g.neighbors("0")) == sorted(str(x) for x in G.neighbors(0))
    h = as_graph(nx.to_scipy_sparse_array(G, weight=None))
    assert h.n_edges == G.number_of_edges()
    assert np.array_equal(h.to_scipy().toarray() > 0, nx.to_numpy_array(G) > 0)
    d = as_graph(nx.DiGraph([("x", "y")]))
    assert d.directed and d.neighbors("y") == []


def test_memory_is_close_to_the_csr():
    rng = np.random.default_rng(0)
    n, m = 20_000, 200_000
    g = Graph.from_edges(rng.integers(0, n, m), rng.integers(0, n, m), [str(i) for i in range(n)])
    assert g.nbytes / g.n_edges < 10  # 2 x int32 per undirected edge + indptr


def test_split_edges_keeps_nodes_covered(tmp_path):
    nx = pytest.importorskip("networkx", reason="networkx is not installed: pip install 'embedlab[test]'")
    g = as_graph(nx.connected_caveman_graph(20, 6))
    s = split_edges(g, 0.2, seed=3)
    covered = np.unique(s.train)
    assert covered.size == g.n_nodes  # every node keeps an edge
    pos = s.test[s.labels == 1]
    neg = s.test[s.labels == 0]
    assert len(pos) == len(neg) == round(0.2 * g.n_edges)
    edges = {tuple(sorted(e)) for e in g.edge_array().tolist()}
    assert all(tuple(sorted(e)) in edges for e in pos.tolist())
    assert not any(tuple(sorted(e)) in edges for e in neg.tolist())
    train = {tuple(sorted(e)) for e in s.train.tolist()}
    assert not train & {tuple(sorted(e)) for e in pos.tolist()}
    s2 = split_edges(g, 0.2, seed=3)
    assert np.array_equal(s.test, s2.test)


def test_node_labels_file(tmp_path):
    lab = read_node_labels(_write(tmp_path, "id,label\n1,x\n2,y\n", "l.csv"))
    assert lab.nodes == ["1", "2"] and lab.labels == ["x", "y"]
    with pytest.raises(FormatError, match="labelled twice"):
        read_node_labels(_write(tmp_path, "1 x\n1 y\n", "m.txt"))


def test_planetoid_cora(data):
    d = load_planetoid(data("cora"))
    assert d.graph.n_nodes == 2708 and d.graph.n_edges == 5278  # undirected, deduplicated (as PyG)
    assert d.features.shape == (2708, 1433)
    assert (len(d.train), len(d.val), len(d.test)) == (140, 500, 1000)
    assert set(np.unique(d.labels)) == set(range(7))
    labels = d.node_labels()
    val, test = labels.tuning_split(0.5, 0)
    assert len(val.split["test"]) == 500 and len(test.split["test"]) == 1000


def test_karateclub(data):
    g, labels = load_karateclub(data("lastfm"))
    assert g.n_nodes == len(labels) == 7624
    assert set(labels.nodes) == set(g.nodes)
