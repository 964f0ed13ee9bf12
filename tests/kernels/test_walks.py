"""Walk kernels against node2vec's transition probabilities (NumPy oracle, chi-squared)."""

from __future__ import annotations

from collections import Counter

import numba
import numpy as np
import pytest
from scipy import stats

from embedlab.corpus.graph import Graph
from embedlab.kernels._rng import seed_states
from embedlab.kernels.walks import compact_walks, random_walks, row_cumsum


def node2vec_probs(adj: np.ndarray, t: int, v: int, p: float, q: float) -> np.ndarray:
    """Oracle: node2vec's normalised second-order transition from (t, v) over all nodes."""
    w = adj[v].astype(np.float64).copy()
    for x in np.flatnonzero(w):
        if x == t:
            w[x] /= p
        elif adj[t, x] == 0:
            w[x] /= q
    return w / w.sum()


def _graph(directed: bool = False, weighted: bool = False) -> tuple[Graph, np.ndarray]:
    # two triangles joined by a path, a pendant node and a 4-cycle: return, in-out and neighbour moves
    edges = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 5), (5, 3), (5, 6), (6, 7), (7, 8), (8, 9), (9, 6), (4, 10)]
    rng = np.random.default_rng(3)
    src = np.array([a for a, _ in edges])
    dst = np.array([b for _, b in edges])
    w = rng.uniform(0.5, 3.0, len(edges)) if weighted else None
    g = Graph.from_edges(src, dst, [str(i) for i in range(11)], w, directed=directed)
    return g, g.to_scipy().toarray()


def _walks(g: Graph, p: float, q: float, n_walks: int, length: int, seed: int = 0, n_slices: int = 4):
    starts = np.tile(np.arange(g.n_nodes, dtype=np.int64), n_walks // g.n_nodes + 1)[:n_walks]
    bounds = np.rint(np.linspace(0, n_walks, n_slices + 1)).astype(np.int64)
    states = seed_states(seed, 0, 0, n=n_slices)
    out = np.empty(n_walks * length, np.int32)
    lengths = np.empty(n_walks, np.int64)
    weighted = g.weights is not None
    cumw = row_cumsum(g.indptr, g.weights) if weighted else np.zeros(1, np.float32)
    random_walks(g.indptr, g.indices, cumw, weighted, starts, length, p, q, bounds, states, out, lengths)
    offsets = np.empty(n_walks + 1, np.int64)
    used = compact_walks(out, lengths, length, offsets)
    return out[:used].copy(), offsets


def _chi2_pvalue(g: Graph, adj: np.ndarray, p: float, q: float) -> float:
    ids, offsets = _walks(g, p, q, n_walks=4400, length=40)
    counts: dict[tuple[int, int], Counter] = {}
    for a, b in zip(offsets[:-1], offsets[1:]):
        w = ids[a:b]
        for i in range(len(w) - 2):
            counts.setdefault((int(w[i]), int(w[i + 1])), Counter())[int(w[i + 2])] += 1
    chi2, dof = 0.0, 0
    for (t, v), c in counts.items():
        probs = node2vec_probs(adj, t, v, p, q)
        support = np.flatnonzero(probs)
        assert set(c) <= set(support.tolist()), "a walk moved along a non-edge"
        n = sum(c.values())
        if len(support) < 2 or n < 50:
            continue
        obs = np.array([c.get(int(x), 0) for x in support], dtype=np.float64)
        exp = probs[support] * n
        chi2 += float(((obs - exp) ** 2 / exp).sum())
        dof += len(support) - 1
    assert dof > 20
    return float(stats.chi2.sf(chi2, dof))


@pytest.mark.parametrize("p,q", [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25), (0.02, 1.0), (1.0, 50.0)])
@pytest.mark.parametrize("weighted", [False, True])
def test_transition_frequencies_match_node2vec(p, q, weighted):
    """(0.02, 1) and (1, 50) make rejection fail often: the exact fallback must keep the law."""
    g, adj = _graph(weighted=weighted)
    assert _chi2_pvalue(g, adj, p, q) > 1e-4


def test_wrong_probabilities_are_detected():
    """The test has power: walks with q=4 judged against the q=0.25 law fail it."""
    g, adj = _graph()
    ids, offsets = _walks(g, 1.0, 4.0, n_walks=4400, length=40)
    obs, exp = Counter(), Counter()
    for a, b in zip(offsets[:-1], offsets[1:]):
        w = ids[a:b]
        for i in range(len(w) - 2):
            t, v, x = int(w[i]), int(w[i + 1]), int(w[i + 2])
            obs[(t, v, x)] += 1
            for y, pr in enumerate(node2vec_probs(adj, t, v, 1.0, 0.25)):
                if pr:
                    exp[(t, v, y)] += pr
    keys = sorted(exp)
    o = np.array([obs[k] for k in keys], float)
    e = np.array([exp[k] for k in keys])
    assert stats.chisquare(o, e * o.sum() / e.sum()).pvalue < 1e-10


def test_directed_walks_stop_at_dead_ends():
    g = Graph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 3]), list("abcd"), directed=True)
    ids, offsets = _walks(g, 0.5, 2.0, n_walks=8, length=10)
    lengths = np.diff(offsets)
    starts = ids[offsets[:-1]]
    # from node i the walk reaches node 3 and stops: 4 - i nodes
    assert np.array_equal(lengths, 4 - starts)


def test_walks_depend_on_seed_not_on_threads():
    g, _ = _graph()
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a, _ = _walks(g, 0.5, 2.0, 200, 20, seed=7)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        b, _ = _walks(g, 0.5, 2.0, 200, 20, seed=7)
    finally:
        numba.set_num_threads(previous)
    c, _ = _walks(g, 0.5, 2.0, 200, 20, seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_row_cumsum_matches_numpy():
    g, _ = _graph(weighted=True)
    cw = row_cumsum(g.indptr, g.weights)
    for v in range(g.n_nodes):
        lo, hi = g.indptr[v], g.indptr[v + 1]
        np.testing.assert_allclose(cw[lo:hi], np.cumsum(g.weights[lo:hi]), rtol=1e-6)
