"""``embedlab train node2vec|deepwalk``, ``split-edges``, evaluation of node vectors from the CLI."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_cli_error

FAST = ["--walk-length", "10", "--walks-per-node", "4", "--window", "3", "-d", "8", "--sample", "0",
        "--threads", "1", "--seed", "1", "--no-progress"]


@pytest.fixture
def edges(tmp_path):
    """Four 5-cliques in a ring, string node ids, CSV with a header."""
    rows = ["source,target"]
    for g in range(4):
        members = [f"g{g}n{i}" for i in range(5)]
        rows += [f"{a},{b}" for i, a in enumerate(members) for b in members[i + 1:]]
        rows.append(f"g{g}n0,g{(g + 1) % 4}n1")
    path = tmp_path / "edges.csv"
    path.write_text("\n".join(rows) + "\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("node,label\n" + "".join(f"g{g}n{i},c{g % 2}\n" for g in range(4) for i in range(5)))
    return path, labels


def test_train_node2vec_then_neighbors_and_evaluate(cli, edges, tmp_path):
    path, labels = edges
    out = tmp_path / "n2v.npz"
    r = cli("train", "node2vec", path, "-o", out, "--p", "0.5", "--q", "2", *FAST)
    assert r.exit_code == 0, r.stderr
    assert out.is_file()
    r = cli("neighbors", out, "g0n2", "-k", "3", "--json")
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)["g0n2"]) == 3
    r = cli("evaluate", out, "-e", f"node-classification:{labels}", "--json")
    assert r.exit_code == 0, r.stderr
    res = json.loads(r.stdout)["results"][0]
    assert res["primary_metric"] == "accuracy" and res["n"] == 20


def test_split_edges_and_link_prediction(cli, edges, tmp_path):
    path, _ = edges
    split = tmp_path / "split"
    r = cli("split-edges", path, "--test-fraction", "0.2", "--seed", "3", "-o", split)
    assert r.exit_code == 0, r.stderr
    assert {p.name for p in split.iterdir()} == {"train.csv", "test.csv", "split.json"}
    test_lines = (split / "test.csv").read_text().splitlines()
    assert test_lines[0] == "source,target,label" and len(test_lines) == 1 + 2 * round(0.2 * 44)
    out = tmp_path / "dw.npz"
    assert cli("train", "deepwalk", split / "train.csv", "-o", out, *FAST).exit_code == 0
    r = cli("evaluate", out, "-e", f"link-prediction:{split}", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["results"][0]["primary_metric"] == "roc_auc"


@pytest.mark.parametrize("args,pattern", [
    (["--p", "0"], r"parameter 'p' \(--p\)"),
    (["--q", "-1"], r"parameter 'q' \(--q\)"),
    (["--walk-length", "1"], r"parameter 'walk_length' \(--walk-length\)"),
])
def test_bad_parameters_one_line_no_output(cli, edges, tmp_path, args, pattern):
    path, _ = edges
    out = tmp_path / "x.npz"
    assert_cli_error(cli("train", "node2vec", path, "-o", out, *args), pattern)
    assert not out.exists()


@pytest.mark.parametrize("text,extra,pattern", [
    ("a\nb\n", [], r"line 1: one column"),
    ("a b 1\nb c -3\n", ["--weighted"], r"line 2: weight '-3' must be a positive number"),
    ("a b 1\nb c heavy\n", ["--weighted"], r"line 2: weight 'heavy' is not a number"),
    ("# empty\n", [], r"no edges"),
])
def test_bad_edge_files(cli, tmp_path, text, extra, pattern):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    out = tmp_path / "x.npz"
    assert_cli_error(cli("train", "deepwalk", path, "-o", out, *extra, *FAST), pattern)
    assert not out.exists()
    assert not list(tmp_path.glob(".x.npz*"))


def test_missing_edges_and_bad_split_fraction(cli, tmp_path, edges):
    assert_cli_error(cli("train", "node2vec", tmp_path / "none.csv", "-o", tmp_path / "o.npz"), r"none.csv")
    assert_cli_error(cli("split-edges", edges[0], "--test-fraction", "1.5", "-o", tmp_path / "s"), r"--test-fraction")


def test_tune_node2vec_on_node_classification(cli, edges, tmp_path):
    """`embedlab tune node2vec EDGES --objective node-classification:FILE`: trials are scored on the
    validation part of the labelled nodes, the test part is reported beside it."""
    pytest.importorskip("optuna")
    path, labels = edges
    out = tmp_path / "tune"
    r = cli("tune", "node2vec", path, "--objective", f"node-classification:{labels}", "-n", "2", "-o", out,
            "--set", "walk_length=8", "--set", "walks_per_node=3", "--set", "vector_size=8", "--set", "n_threads=1",
            "--set", "sample=0", "--set", "show_progress=false", "--no-report")
    assert r.exit_code == 0, r.stderr
    trials = (out / "trials.csv").read_text().splitlines()
    assert len(trials) == 3
    header = trials[0].split(",")
    assert {"value", "test", "p", "q", "window"} <= set(header), header  # node2vec's searched parameters
    assert not {"walk_length", "vector_size"} & set(header), header  # fixed by --set: not searched
    row = dict(zip(header, trials[1].split(",")))
    assert 0.0 <= float(row["value"]) <= 1.0 and 0.0 <= float(row["test"]) <= 1.0


def test_objective_uses_the_planetoid_validation_nodes(data):
    from embedlab.tuning.objective import Objective

    obj = Objective([f"node-classification:{data('cora')}"])
    (split,) = obj.split_description()
    assert split["n_validation"] == 140 + 500 and split["n_test"] == 140 + 1000


def test_node2vec_save_state_then_continue_from_on_a_grown_graph(cli, edges, tmp_path):
    """`train node2vec --save-state`, then `--continue-from` on a graph with new nodes: the new
    nodes get vectors, --freeze-existing keeps the old ones, a word2vec state is refused."""
    import numpy as np

    from embedlab.vectors.io import load_vectors

    path, _ = edges
    state = tmp_path / "n2v.state.npz"
    r = cli("train", "node2vec", path, "-o", tmp_path / "v1.npz", "--save-state", state, *FAST)
    assert r.exit_code == 0, r.stderr
    grown = tmp_path / "grown.csv"
    grown.write_text(path.read_text() + "".join(f"new{i},g0n{j}\n" for i in range(3) for j in range(5)))
    r = cli("train", "node2vec", grown, "-o", tmp_path / "v2.npz", "--continue-from", state, "--freeze-existing", *FAST)
    assert r.exit_code == 0, r.stderr
    assert "continued from" in r.stderr and "3 new" in r.stderr
    v1, v2 = load_vectors(tmp_path / "v1.npz"), load_vectors(tmp_path / "v2.npz")
    assert {"new0", "new1", "new2"} <= set(v2.index_to_key)
    np.testing.assert_array_equal(v2[v1.index_to_key], v1[v1.index_to_key])
    r = cli("train", "node2vec", grown, "-o", tmp_path / "v3.npz", "--continue-from", state, "-d", "16", *FAST[:6])
    assert_cli_error(r, r"--vector-size 16 differs from the state's 8")
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c a b c\n" * 20)
    w_state = tmp_path / "w2v.state.npz"
    assert cli("train", "word2vec", corpus, "-o", tmp_path / "w.npz", "--min-count", "1", "-d", "8",
               "--save-state", w_state).exit_code == 0
    assert_cli_error(cli("train", "node2vec", grown, "-o", tmp_path / "v4.npz", "--continue-from", w_state, *FAST),
                     r"a word2vec state, not node2vec")
    assert not (tmp_path / "v4.npz").exists()


@pytest.mark.parametrize("line,pattern", [
    ("d,e,f,g", r"bad.csv, line 3: 4 columns \(extra: 'f', 'g'\); an edge list has 'source target \[weight\]'"),
    ("d,e,f", r"bad.csv, line 3: third column 'f' is not a number; an edge list has 'source target \[weight\]'"),
])
def test_extra_edge_columns_are_an_error_not_dropped(cli, tmp_path, line, pattern):
    """`d,e,f,g` used to be read as the edge d-e with f and g dropped silently."""
    path = tmp_path / "bad.csv"
    path.write_text(f"a,b\nb,c\n{line}\nc,a\n", encoding="utf-8")
    assert_cli_error(cli("train", "deepwalk", path, "-o", tmp_path / "o.npz", *FAST), pattern)
    assert_cli_error(cli("split-edges", path, "-o", tmp_path / "s"), pattern)
    assert not (tmp_path / "o.npz").exists() and not (tmp_path / "s").exists()
    weighted = tmp_path / "w.csv"  # a numeric third column is a weight (read or not)
    weighted.write_text("a,b,1\nb,c,2.5\nc,a,1\nc,d,1\n", encoding="utf-8")
    assert cli("train", "deepwalk", weighted, "-o", tmp_path / "w.npz", *FAST).exit_code == 0
