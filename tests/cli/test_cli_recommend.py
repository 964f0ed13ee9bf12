"""`embedlab split-interactions`, `train item2vec|als|bpr|ease|popularity|itemknn`, `recommend`,
`evaluate --eval recommendation:DIR` and `tune ... --objective recommendation:DIR`; bad input."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_cli_error

from embedlab.vectors.io import load_vectors
from embedlab.vectors.recommend import RecommenderVectors

pytest.importorskip("pandas", reason="interaction tables need pandas (pip install 'embedlab[recommend]')")


@pytest.fixture
def events(tmp_path: Path) -> Path:
    """Users who each follow one of three item groups, with timestamps."""
    rng = np.random.default_rng(0)
    groups = [[f"{g}{j}" for j in range(12)] for g in "abc"]
    lines = ["uid,movie,stars,when"]
    for u in range(150):
        g = groups[u % 3]
        for t, item in enumerate(rng.choice(g, size=int(rng.integers(4, 10)), replace=False)):
            lines.append(f"user{u},{item},{int(rng.integers(1, 6))},{1000 * u + t}")
    path = tmp_path / "events.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


COLS = ["--user-col", "uid", "--item-col", "movie", "--time-col", "when"]


def _split(cli, events: Path, tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "split"
    res = cli("split-interactions", events, *COLS, "--by", "leave-last-out", "--valid", "-o", out, *extra)
    assert res.exit_code == 0, res.stderr
    return out


def test_split_train_evaluate_recommend(cli, events, tmp_path):
    split = _split(cli, events, tmp_path)
    assert {p.name for p in split.iterdir()} == {"train.csv", "valid.csv", "test.csv", "split.json"}
    report = json.loads((split / "split.json").read_text())
    assert report["test"] == 150 and report["valid"] == 150 and report["test_users_unseen_in_train"] == 0
    scores = {}
    for method, opts in (("popularity", []), ("itemknn", []), ("ease", ["--l2", "10"]),
                         ("als", ["--factors", "8", "--seed", "1", "--threads", "1", "--iterations", "5"]),
                         ("bpr", ["--factors", "8", "--seed", "1", "--threads", "1"]),
                         ("item2vec", ["-d", "16", "--seed", "1", "--threads", "1", "--epochs", "5"])):
        out = tmp_path / f"{method}.npz"
        res = cli("train", method, split / "train.csv", "-o", out, *opts)
        assert res.exit_code == 0, (method, res.stderr)
        kv = load_vectors(out)
        assert isinstance(kv, RecommenderVectors) and len(kv.user_ids) == 150
        res = cli("evaluate", out, "--eval", f"recommendation:{split}", "--json")
        assert res.exit_code == 0, res.stderr
        payload = json.loads(res.stdout)["results"][0]
        assert payload["primary_metric"] == "ndcg@10" and payload["n"] == 150
        scores[method] = payload["metrics"]["hit@10"]
    # users follow one group of 12 items: every personalised model beats popularity clearly
    for method in ("itemknn", "ease", "item2vec"):
        assert scores[method] > scores["popularity"] + 0.1, scores
    res = cli("recommend", tmp_path / "ease.npz", "user0", "-k", "3", "--json")
    assert res.exit_code == 0, res.stderr
    recs = json.loads(res.stdout)["user0"]
    assert len(recs) == 3 and all(item.startswith("a") for item, _ in recs)  # user0 follows group a
    seen = set(load_vectors(tmp_path / "ease.npz").index_to_key[i] for i in load_vectors(tmp_path / "ease.npz").history("user0"))
    assert not seen & {item for item, _ in recs}


def test_basket_file_and_leave_one_out(cli, tmp_path):
    path = tmp_path / "baskets.csv"
    rng = np.random.default_rng(1)
    path.write_text("\n".join(",".join(rng.choice([f"x{j}" for j in range(8)], size=4, replace=False))
                              for _ in range(200)) + "\n", encoding="utf-8")
    split = tmp_path / "bsplit"
    res = cli("split-interactions", path, "--by", "leave-one-out", "--seed", "2", "-o", split)
    assert res.exit_code == 0, res.stderr
    assert "test: 200 users (0 unseen in train)" in res.stderr.replace("\n", " ")
    res = cli("train", "item2vec", split / "train.csv", "-o", tmp_path / "b.npz", "--window-mode", "basket",
              "-d", "8", "--epochs", "2", "--threads", "1", "--seed", "0")
    assert res.exit_code == 0, res.stderr


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--user-col", "nope"], r"no user column 'nope' \(--user-col\); columns found: uid, movie, stars, when"),
        (["--user-col", "uid", "--item-col", "movie", "--weight-col", "when2"], r"no weight column 'when2'"),
        (["--user-col", "uid", "--item-col", "movie", "--min-user-interactions", "0"], r"--min-user-interactions must be >= 1"),
        (["--user-col", "uid", "--item-col", "movie", "--l2", "-1"], r"parameter 'l2' \(--l2\) must be"),
    ],
)
def test_train_bad_input_one_line(cli, events, tmp_path, args, match):
    out = tmp_path / "m.npz"
    assert_cli_error(cli("train", "ease", events, "-o", out, *args), match)
    assert not out.exists()


def test_recommend_and_evaluate_bad_input(cli, events, tmp_path):
    split = _split(cli, events, tmp_path)
    out = tmp_path / "pop.npz"
    assert cli("train", "popularity", split / "train.csv", "-o", out).exit_code == 0
    assert_cli_error(cli("recommend", out, "user99999"), r"unknown user 'user99999' \(150 users in training\); nearest known ids: ")
    assert_cli_error(cli("recommend", out, "user1", "-k", "0"), r"-k must be >= 1; got 0")
    assert_cli_error(cli("evaluate", out, "--eval", f"recommendation:{split}@0"), r"k must be an int >= 1")
    assert_cli_error(cli("evaluate", out, "--eval", f"recommendation:{tmp_path / 'none'}"), r"no such split folder")
    txt = tmp_path / "items.vec"
    assert cli("convert", out, txt).exit_code == 0
    assert_cli_error(cli("recommend", txt, "user1"), r"holds item vectors only \(no users\)")
    bad = tmp_path / "bad.csv"
    bad.write_text("uid,movie\nu1,a\n", encoding="utf-8")
    assert_cli_error(cli("split-interactions", bad, "--user-col", "uid", "--item-col", "movie", "-o", tmp_path / "s2"),
                     r"the split left the test part empty")
    assert not (tmp_path / "s2").exists()


def test_tune_item2vec_on_a_split(cli, events, tmp_path):
    pytest.importorskip("optuna", reason="tuning needs optuna (pip install 'embedlab[tune]')")
    split = _split(cli, events, tmp_path)
    space = tmp_path / "space.toml"
    space.write_text("[params.ns_exponent]\nlow = -1.0\nhigh = 1.0\n\n[params.window]\nlow = 2\nhigh = 8\n",
                     encoding="utf-8")
    out = tmp_path / "tune"
    res = cli("tune", "item2vec", split / "train.csv", "--objective", f"recommendation:{split}", "-o", out,
              "-n", "2", "--space", space, "--set", "epochs=2", "--set", "vector_size=8", "--set", "n_threads=1",
              "--no-report")
    assert res.exit_code == 0, res.stderr
    assert (out / "best_vectors.npz").is_file()
    assert isinstance(load_vectors(out / "best_vectors.npz"), RecommenderVectors)
    params = json.loads((out / "best_params.json").read_text())
    assert -1.0 <= params["params"]["ns_exponent"] <= 1.0 if "params" in params else True


def test_item2vec_save_state_then_continue_from_new_baskets(cli, tmp_path):
    from embedlab.vectors.io import load_vectors

    rng = np.random.default_rng(2)
    first, later = tmp_path / "b1.csv", tmp_path / "b2.csv"
    first.write_text("\n".join(",".join(rng.choice([f"x{j}" for j in range(8)], size=3, replace=False))
                               for _ in range(100)) + "\n", encoding="utf-8")
    later.write_text("\n".join(",".join(rng.choice([f"x{j}" for j in range(4)] + ["new1", "new2"], size=3, replace=False))
                               for _ in range(100)) + "\n", encoding="utf-8")
    state = tmp_path / "i2v.state.npz"
    fast = ["--window-mode", "basket", "-d", "8", "--epochs", "2", "--threads", "1", "--seed", "0"]
    res = cli("train", "item2vec", first, "-o", tmp_path / "a.npz", "--save-state", state, *fast)
    assert res.exit_code == 0, res.stderr
    res = cli("train", "item2vec", later, "-o", tmp_path / "b.npz", "--continue-from", state, *fast)
    assert res.exit_code == 0, res.stderr
    keys = set(load_vectors(tmp_path / "b.npz").index_to_key)
    assert {"new1", "new2"} <= keys and {f"x{j}" for j in range(8)} <= keys  # old items kept


# ---------------------------------------------------------------------- reading: layout, weights, times
_MOVIES = "userId,movie,rating,timestamp\n1,10,4,100\n1,20,5,200\n2,10,3,300\n2,30,2,400\n"


def test_a_header_with_an_unknown_item_column_is_not_read_as_baskets(cli, tmp_path):
    """The header line used to become a basket (5 users x 16 items, rc 0): it is a table, and the
    missing item column is named with its option and the columns found."""
    path = tmp_path / "t.csv"
    path.write_text(_MOVIES, encoding="utf-8")
    assert_cli_error(cli("split-interactions", path, "-o", tmp_path / "s"),
                     r"t.csv: no item column found .*columns found: userId, movie, rating, timestamp; "
                     r"name it with --item-col")
    assert not (tmp_path / "s").exists()
    no_item = tmp_path / "u.csv"
    no_item.write_text("userId,rating\n1,4\n1,5\n2,3\n", encoding="utf-8")
    assert_cli_error(cli("train", "ease", no_item, "-o", tmp_path / "m.npz"),
                     r"no item column found .*columns found: userId, rating; name it with --item-col")
    assert not (tmp_path / "m.npz").exists()
    odd = tmp_path / "odd.csv"  # no known name at all, but a text line above numeric rows
    odd.write_text("who,what\n1,10\n1,20\n2,10\n", encoding="utf-8")
    assert_cli_error(cli("split-interactions", odd, "-o", tmp_path / "s"),
                     r"no user column found .*columns found: who, what; name it with --user-col")
    res = cli("split-interactions", path, "--item-col", "movie", "-o", tmp_path / "s")
    assert res.exit_code == 0, res.stderr
    err = " ".join(res.stderr.split())
    assert "2 users x 3 items" in err
    assert "read as a table (csv): user userId, item movie, time timestamp" in err
    res = cli("train", "ease", path, "--item-col", "movie", "-o", tmp_path / "m.npz")
    assert res.exit_code == 0, res.stderr
    assert "read as a table (csv): user userId, item movie" in " ".join(res.stdout.replace("│", " ").split())
    assert "ignored columns: rating" in err
    assert (tmp_path / "s" / "train.csv").read_text().splitlines()[1:] == ["1,10,1,100", "2,10,1,300"]


def test_split_interactions_says_when_it_reads_baskets(cli, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("milk,bread,eggs\nmilk,jam\nbread,jam,tea\n", encoding="utf-8")
    res = cli("split-interactions", path, "--by", "leave-one-out", "-o", tmp_path / "s")
    assert res.exit_code == 0, res.stderr
    assert "read as baskets" in " ".join(res.stderr.split())


def test_a_nan_weight_is_refused_with_its_line(cli, tmp_path):
    """A 'weight' column (what split-interactions writes) is the weight; NaN used to become 1."""
    path = tmp_path / "w.csv"
    path.write_text("user,item,weight\n1,10,4\n1,20,NaN\n2,10,3\n2,30,2\n", encoding="utf-8")
    assert_cli_error(cli("split-interactions", path, "-o", tmp_path / "s"),
                     r"w.csv, line 3: 'weight' \(--weight-col\) must be a number; got 'NaN'")
    good = tmp_path / "g.csv"
    good.write_text("user,item,weight\n1,10,4\n1,20,2.5\n2,10,3\n2,30,2\n", encoding="utf-8")
    res = cli("split-interactions", good, "-o", tmp_path / "s")
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "s" / "train.csv").read_text().splitlines()[1:] == ["1,10,4", "2,10,3"]


@pytest.mark.parametrize("times", [["100", "xx", "300", "400"],
                                   ["2020-01-01", "xx", "2020-01-03", "2020-01-04"]])
def test_a_bad_timestamp_names_its_line_and_value_without_a_pandas_warning(cli, tmp_path, times):
    path = tmp_path / "ts.csv"
    rows = [f"{u},{i},{t}" for (u, i), t in zip([(1, 10), (1, 20), (2, 10), (2, 30)], times)]
    path.write_text("user,item,timestamp\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a pandas UserWarning would reach the terminal
        assert_cli_error(cli("split-interactions", path, "-o", tmp_path / "s"),
                         r"ts.csv, line 3: 'timestamp' \(--time-col\) must be a number or a date; got 'xx'")
