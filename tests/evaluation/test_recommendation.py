"""recommendation:DIR: metrics against hand-computed rankings and scikit-learn, exclusions, unseen users."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.corpus.interactions import from_pairs, write_interactions
from embedlab.evaluation import make_evaluator
from embedlab.evaluation.recommendation import Recommendation, parse_recommendation_spec, ranking_metrics_at_k
from embedlab.exceptions import DataError, InputFileError, InvalidParameterError
from embedlab.vectors import KeyedVectors
from embedlab.vectors.recommend import RecommenderVectors, topk_items

pytest.importorskip("pandas", reason="split files are read with pandas (pip install 'embedlab[recommend]')")

ITEMS = [f"i{j}" for j in range(6)]


def _split(tmp_path: Path, train: list[tuple[str, str]], test: list[tuple[str, str]],
           valid: list[tuple[str, str]] | None = None) -> Path:
    folder = tmp_path / "split"
    folder.mkdir(exist_ok=True)
    for name, pairs in (("train", train), ("test", test), ("valid", valid)):
        if pairs is not None:
            write_interactions(from_pairs([u for u, _ in pairs], [i for _, i in pairs]), folder / f"{name}.csv")
    return folder


def _stored(scores: dict[str, list[float]], history: dict[str, list[str]]) -> RecommenderVectors:
    """Users scored by given per-item scores: item vectors = identity, user vectors = scores."""
    users = list(scores)
    ptr = np.concatenate([[0], np.cumsum([len(history.get(u, [])) for u in users])])
    idx = np.array([ITEMS.index(i) for u in users for i in history.get(u, [])], dtype=np.int64)
    return RecommenderVectors(ITEMS, np.eye(len(ITEMS), dtype=np.float32), user_ids=users, history_indptr=ptr,
                              history_indices=idx, user_vectors=np.array([scores[u] for u in users], np.float32),
                              user_mode="stored", score="dot")


def test_hand_computed_ranking(tmp_path):
    # user a ranks i0 > i1 > i2 > i3 > i4 > i5; i0 is a training item (left out), so the
    # ranking is i1, i2, i3, i4, i5; relevant: i2 and i5 -> hits at ranks 2 and 5 (k=3: rank 2 only)
    # user b ranks i5 first; relevant i5 -> hit at rank 1
    folder = _split(tmp_path, [("a", "i0"), ("b", "i1")], [("a", "i2"), ("a", "i5"), ("b", "i5")])
    kv = _stored({"a": [6, 5, 4, 3, 2, 1], "b": [0, 9, 1, 2, 3, 8]}, {"a": ["i0"], "b": ["i1"]})
    res = Recommendation(folder, k=3, n_boot=200).evaluate(kv)
    ndcg_a = (1 / np.log2(3)) / (1 + 1 / np.log2(3))
    assert res.metrics["recall@3"] == pytest.approx((1 / 2 + 1) / 2)
    assert res.metrics["precision@3"] == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert res.metrics["hit@3"] == pytest.approx(1.0)
    assert res.metrics["mrr@3"] == pytest.approx((1 / 2 + 1) / 2)
    assert res.metrics["ndcg@3"] == pytest.approx((ndcg_a + 1.0) / 2)
    # top-3 lists: a: i1 i2 i3; b: i5 i4 i3 -> 5 distinct items of 6
    assert res.metrics["catalogue_coverage"] == pytest.approx(5 / 6)
    assert res.primary_metric == "ndcg@3" and res.greater_is_better and res.n == 2
    lo, hi = res.details["ci"]["ndcg@3"]
    assert lo <= res.metrics["ndcg@3"] <= hi


def test_ndcg_matches_scikit_learn_where_they_coincide():
    sk = pytest.importorskip("sklearn.metrics", reason="sklearn.metrics is not installed: pip install 'embedlab[methods]'")
    rng = np.random.default_rng(0)
    n_users, n_items, k = 40, 30, 10
    scores = rng.normal(size=(n_users, n_items)).astype(np.float32)  # distinct scores: no ties
    relevance = (rng.random((n_users, n_items)) < 0.15).astype(float)
    relevance[relevance.sum(axis=1) == 0, 0] = 1.0
    kv = KeyedVectors([f"i{j}" for j in range(n_items)], np.eye(n_items, dtype=np.float32))
    top, _ = topk_items(kv, scores, k)
    hits = np.take_along_axis(relevance, top, axis=1) > 0
    ours = ranking_metrics_at_k(hits, relevance.sum(axis=1).astype(np.int64))[f"ndcg@{k}"]
    theirs = [sk.ndcg_score(relevance[u:u + 1], scores[u:u + 1], k=k) for u in range(n_users)]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_array_equal(top, np.argsort(-scores, axis=1, kind="stable")[:, :k])


def test_valid_items_are_left_out_when_scoring_test_and_unseen_users(tmp_path):
    folder = _split(tmp_path, [("a", "i0"), ("b", "i3")], [("a", "i2"), ("c", "i1")], valid=[("a", "i1")])
    kv = _stored({"a": [0, 9, 8, 1, 1, 1], "b": [1, 1, 1, 1, 1, 1]}, {"a": ["i0"], "b": ["i3"]})
    res = Recommendation(folder, k=1, n_boot=0).evaluate(kv)
    # a: i0 (train) and i1 (valid) are left out, so i2 is first: a hit; c is unknown: a miss
    assert res.metrics["hit@1"] == pytest.approx(0.5)
    assert res.coverage == pytest.approx(0.5) and res.details["n_unseen_users"] == 1
    assert "scored as misses" in res.details["warnings"][0]
    skip = Recommendation(folder, k=1, unseen_users="skip", n_boot=0).evaluate(kv)
    assert skip.metrics["hit@1"] == pytest.approx(1.0) and skip.n == 1
    on_valid = Recommendation(folder / "valid.csv", k=1, n_boot=0).evaluate(kv)
    assert on_valid.metrics["hit@1"] == pytest.approx(1.0)  # i1 is the best unseen item


def test_history_mean_users_and_plain_vectors(tmp_path):
    # plain item vectors (e.g. from gensim): users are the mean of their training items, cosine
    vecs = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], np.float32)
    kv = KeyedVectors(["x0", "x1", "y0", "y1"], vecs)
    folder = _split(tmp_path, [("a", "x0"), ("b", "y0")], [("a", "x1"), ("b", "y1")])
    res = Recommendation(folder, k=1, n_boot=0).evaluate(kv)
    assert res.metrics["hit@1"] == 1.0 and res.coverage == 1.0


def test_spec_parsing_and_bad_input(tmp_path):
    assert parse_recommendation_spec("dir@20") == ("dir", 20)
    assert parse_recommendation_spec("a@b/dir") == ("a@b/dir", 10)
    folder = _split(tmp_path, [("a", "i0")], [("a", "i1")])
    ev = make_evaluator(f"recommendation:{folder}@5")
    assert isinstance(ev, Recommendation) and ev.k == 5
    with pytest.raises(InvalidParameterError, match=r"k must be an int >= 1"):
        make_evaluator(f"recommendation:{folder}@0")
    with pytest.raises(InputFileError, match="no such split folder"):
        Recommendation(tmp_path / "nope")
    with pytest.raises(InvalidParameterError, match="scoring the training file"):
        Recommendation(folder / "train.csv")
    kv = KeyedVectors(["zz"], np.ones((1, 2), np.float32))
    with pytest.raises(DataError, match="no test user could be scored"):
        Recommendation(folder, n_boot=0).evaluate(kv)


def test_topk_blocks_and_exclusions_match_numpy(monkeypatch):
    import embedlab.vectors.recommend as rec

    monkeypatch.setattr(rec, "_BLOCK_CELLS", 50 * 256)  # several item blocks of 256
    rng = np.random.default_rng(1)
    items = rng.normal(size=(700, 8)).astype(np.float32)
    q = rng.normal(size=(50, 8)).astype(np.float32)
    kv = KeyedVectors([str(i) for i in range(700)], items)
    excl = [np.sort(rng.choice(700, size=int(rng.integers(0, 30)), replace=False)) for _ in range(50)]
    ptr = np.concatenate([[0], np.cumsum([e.size for e in excl])]).astype(np.int64)
    top, val = topk_items(kv, q, 15, ptr, np.concatenate(excl).astype(np.int64))
    unit = items / np.linalg.norm(items, axis=1, keepdims=True)  # plain vectors score by cosine
    full = q @ unit.T
    for u in range(50):
        full[u, excl[u]] = -np.inf
    want = np.argsort(-full, axis=1, kind="stable")[:, :15]
    np.testing.assert_array_equal(top, want)
    np.testing.assert_allclose(val, np.take_along_axis(full, want, axis=1), rtol=1e-5)


def test_popularity_baseline_is_scored_by_the_same_protocol(tmp_path):
    # training popularity: i0 (3 users) > i1 (2) > i2 (1); the popularity recommender knows only these
    train = [("a", "i0"), ("b", "i0"), ("c", "i0"), ("b", "i1"), ("c", "i1"), ("c", "i2")]
    folder = _split(tmp_path, train, [("a", "i1"), ("b", "i3"), ("c", "i4")])
    kv = _stored({"a": [0, 9, 0, 0, 0, 0], "b": [0, 0, 0, 9, 0, 0], "c": [0, 0, 0, 0, 9, 0]},
                 {"a": ["i0"], "b": ["i0", "i1"], "c": ["i0", "i1", "i2"]})
    ev = Recommendation(folder, k=1, n_boot=0)
    res = ev.evaluate(kv)
    assert res.metrics["hit@1"] == 1.0
    base = res.details["baseline"]
    # a: i0 seen -> i1, a hit; b: i0, i1 seen -> i2, a miss; c: every known item seen -> nothing, a miss
    assert base["name"] == "popularity"
    assert base["metrics"]["hit@1"] == pytest.approx(1 / 3) and base["metrics"]["ndcg@1"] == pytest.approx(1 / 3)
    assert base["metrics"]["catalogue_coverage"] == pytest.approx(2 / 3)
    assert ev.evaluate(kv).details["baseline"] is base  # fitted once per evaluator
