"""Interactions: readers (CSV/TSV/Parquet/.inter/baskets), duplicates, filters, splits, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.corpus.interactions import (
    Interactions,
    as_interactions,
    from_baskets,
    from_pairs,
    read_interactions,
    split_interactions,
    write_interactions,
)
from embedlab.exceptions import DataError, FormatError, InvalidParameterError

pytest.importorskip("pandas", reason="table readers need pandas (pip install 'embedlab[recommend]')")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_from_pairs_keeps_users_and_items_apart_and_sums_duplicates():
    inter = from_pairs(["u2", "u1", "u2", "u2"], ["a", "b", "a", "c"], weights=[1, 2, 3, 4], times=[5, 1, 2, 9])
    assert inter.user_ids == ["u2", "u1"] and inter.item_ids == ["a", "b", "c"]
    m = inter.to_csr()
    assert m.shape == (2, 3)  # users x items, never transposed
    assert m[0, 0] == 4 and m[0, 2] == 4 and m[1, 1] == 2
    # u2's row in time order: a (latest a at t=5), then c (t=9)
    assert [inter.item_ids[i] for i in inter.row(0)] == ["a", "c"]
    np.testing.assert_array_equal(inter.times[inter.indptr[0]: inter.indptr[1]], [5, 9])
    kept = from_pairs(["u", "u", "u"], ["a", "a", "b"], times=[3, 1, 2], duplicates="keep")
    assert [kept.item_ids[i] for i in kept.row(0)] == ["a", "b", "a"]  # every event, in time order


def test_read_csv_tsv_parquet_and_named_columns(tmp_path):
    text = "uid,movie,stars,when\n7,x,4,10\n7,y,oops,11\n8,x,2,12\n"
    csv_path = _write(tmp_path / "r.csv", text.replace("oops", "3"))
    inter = read_interactions(csv_path, user_col="uid", item_col="movie", weight_col="stars", time_col="when")
    assert (inter.n_users, inter.n_items, inter.nnz) == (2, 2, 3)
    assert inter.to_csr()[0, 1] == 3.0
    tsv = _write(tmp_path / "r.tsv", "user_id\titem_id\n1\ta\n1\tb\n2\ta\n")
    assert read_interactions(tsv).nnz == 3  # columns found by their usual names
    import pandas as pd

    pytest.importorskip("pyarrow", reason="parquet needs pyarrow")
    pq = tmp_path / "r.parquet"
    pd.DataFrame({"user": [1, 1, 2], "item": ["a", "b", "b"]}).to_parquet(pq)
    p = read_interactions(pq)
    assert p.user_ids == ["1", "2"] and p.item_counts().tolist() == [1, 2]
    bad = _write(tmp_path / "bad.csv", text)
    with pytest.raises(FormatError, match=r"bad.csv, line 3: 'stars' \(--weight-col\) must be a number; got 'oops'"):
        read_interactions(bad, user_col="uid", item_col="movie", weight_col="stars")
    with pytest.raises(FormatError, match=r"no item column 'item_id' \(--item-col\); columns found: uid, movie, stars, when"):
        read_interactions(bad, user_col="uid", item_col="item_id")
    empty = _write(tmp_path / "empty.csv", "user,item\n1,a\n,b\n")
    with pytest.raises(FormatError, match=r"empty.csv, line 3: the 'user' column \(--user-col\) is empty"):
        read_interactions(empty)


def test_recbole_inter_file_from_the_recbole_wheel():
    from embedlab.corpus.interactions import movielens_100k_path

    pytest.importorskip("recbole", reason="MovieLens-100k ships in the recbole wheel (pip install --no-deps recbole==1.2.1)")
    inter = read_interactions(movielens_100k_path())
    assert (inter.n_users, inter.n_items, inter.nnz) == (943, 1682, 100_000)
    assert inter.times is not None and np.all(np.diff(inter.times[inter.indptr[0]: inter.indptr[1]]) >= 0)
    core = inter.filter(min_user_interactions=20, min_item_interactions=10)
    assert core.user_lengths().min() >= 20 and core.item_counts().min() >= 10


def test_basket_lines_one_separator_per_file(tmp_path, caplog):
    path = _write(tmp_path / "b.csv", "whole milk,yogurt\nwhole milk\n\ncream cheese ,yogurt,rolls/buns\n")
    inter = read_interactions(path)
    assert inter.item_ids == ["whole milk", "yogurt", "cream cheese", "rolls/buns"]  # "whole milk" is one item
    assert inter.user_ids == ["1", "2", "4"]  # line numbers
    single = _write(tmp_path / "s.txt", "a\nb\nc\n")
    read_interactions(single)
    assert "every basket holds a single item" in caplog.text


def test_groceries_baskets(data):
    path = data("groceries")
    if not path.is_file():
        pytest.skip(f"{path} not found")
    inter = read_interactions(path)
    assert inter.n_users == 9835 and 150 < inter.n_items < 200
    assert "whole milk" in inter.item_map and inter.item_counts().max() == inter.item_counts()[inter.item_index("whole milk")]


def test_filter_is_a_k_core_and_as_interactions():
    inter = from_pairs(["a", "a", "b", "c", "c"], ["x", "y", "x", "x", "y"])
    core = inter.filter(min_user_interactions=2, min_item_interactions=2)
    assert core.user_ids == ["a", "c"] and core.item_ids == ["x", "y"]
    with pytest.raises(DataError, match="no interaction is left"):
        inter.filter(min_user_interactions=5)
    with pytest.raises(InvalidParameterError, match="min_item_interactions"):
        inter.filter(min_item_interactions=0)
    assert as_interactions([["x", "y"], ["y"]]).nnz == 3
    with pytest.raises(InvalidParameterError, match="not a bare sparse matrix"):
        as_interactions(inter.to_csr())


def _events(n_users: int = 30, seed: int = 0) -> Interactions:
    rng = np.random.default_rng(seed)
    users, items, times = [], [], []
    for u in range(n_users):
        k = int(rng.integers(1, 12))
        for j, it in enumerate(rng.choice(50, size=k, replace=False)):
            users.append(f"u{u}")
            items.append(f"i{it}")
            times.append(100 * u + j)
    return from_pairs(users, items, times=times)


def test_leave_last_out_takes_the_latest_entries():
    inter = _events()
    s = split_interactions(inter, "leave-last-out", valid=True)
    assert s.train.nnz + s.valid.nnz + s.test.nnz == inter.nnz
    for u in range(inter.n_users):
        row_t = inter.times[inter.indptr[u]: inter.indptr[u + 1]]
        test_t = s.test.times[s.test.indptr[u]: s.test.indptr[u + 1]]
        valid_t = s.valid.times[s.valid.indptr[u]: s.valid.indptr[u + 1]]
        if row_t.size >= 3:
            assert test_t.tolist() == [row_t.max()] and valid_t.tolist() == [np.sort(row_t)[-2]]
            assert s.train.times[s.train.indptr[u]: s.train.indptr[u + 1]].max() < valid_t[0]
        else:  # too few entries: all in train
            assert test_t.size == 0 and valid_t.size == 0
    assert s.report["test_users_unseen_in_train"] == 0


def test_ratio_split_follows_recbole_counts_and_seed():
    inter = _events(60)
    a = split_interactions(inter, "ratio", valid=True, seed=3)
    b = split_interactions(inter, "ratio", valid=True, seed=3)
    c = split_interactions(inter, "ratio", valid=True, seed=4)
    np.testing.assert_array_equal(a.test.indices, b.test.indices)
    assert not np.array_equal(a.test.indices, c.test.indices)
    lens = inter.user_lengths()
    for u in np.flatnonzero(lens == 10):  # RecBole: 8 / 1 / 1
        assert (a.train.user_lengths()[u], a.valid.user_lengths()[u], a.test.user_lengths()[u]) == (8, 1, 1)
    for u in np.flatnonzero(lens == 5):  # int(0.5) = 0 parts get one each: 3 / 1 / 1
        assert (a.train.user_lengths()[u], a.valid.user_lengths()[u], a.test.user_lengths()[u]) == (3, 1, 1)


def test_time_split_is_a_global_cut_and_reports_unseen_users():
    inter = _events(40)
    s = split_interactions(inter, "time", ratios=(0.75, 0.25))
    assert s.train.times.max() <= s.test.times.min()
    assert s.report["test_users_unseen_in_train"] > 0  # later users only appear after the cut
    with pytest.raises(InvalidParameterError, match="needs timestamps"):
        split_interactions(Interactions(["u"], ["a", "b"], np.array([0, 2]), np.array([0, 1]), np.ones(2)), "time")
    with pytest.raises(InvalidParameterError, match="'by' must be one of"):
        split_interactions(inter, "random")


def test_write_and_read_back_round_trip(tmp_path):
    inter = from_pairs(["a,b", "x"], ['say "hi"', "y"], times=[1.5, 2.0])
    write_interactions(inter, tmp_path / "t.csv")
    back = read_interactions(tmp_path / "t.csv")
    assert back.user_ids == inter.user_ids and back.item_ids == inter.item_ids
    np.testing.assert_array_equal(back.times, inter.times)


def test_matrices_and_baselines_leave_the_time_order_untouched():
    """to_csr() shared its index array with scipy, whose sum_duplicates() sorted it in place: the
    popularity baseline of the recommendation evaluator then reordered every user's history, and
    recency user vectors scored lower on the next evaluate call."""
    import numpy as np

    from embedlab.corpus.interactions import from_pairs

    inter = from_pairs(["u", "u", "u", "v", "v"], ["c", "a", "b", "b", "a"], times=[1, 2, 3, 1, 2])
    before = inter.indices.copy()
    inter.to_csr()
    inter.sorted_rows()
    np.testing.assert_array_equal(inter.indices, before)
    assert [list(map(int, s)) for s in inter.sequences()] == [list(map(int, before[:3])), list(map(int, before[3:]))]
