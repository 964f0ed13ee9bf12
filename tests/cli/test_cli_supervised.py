"""`embedlab train supervised`, `predict`, `test` and `tune supervised`: fastText's shape and bad input."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from cli_helpers import TOPICS, assert_cli_error

FAST = ["--vector-size", "16", "--epochs", "8", "--lr", "0.5", "--threads", "1", "--seed", "1", "--no-progress"]


def _write(path: Path, n: int, seed: int, fmt: str = "fasttext") -> Path:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        label = rng.choice(sorted(TOPICS))
        text = " ".join(rng.choice(TOPICS[label]) for _ in range(6))
        rows.append((label, text))
    if fmt == "fasttext":
        path.write_text("".join(f"__label__{y} {t}\n" for y, t in rows), encoding="utf-8")
    else:
        path.write_text("text\tlabel\n" + "".join(f"{t}\t{y}\n" for y, t in rows), encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path):
    return _write(tmp_path / "train.txt", 300, 0), _write(tmp_path / "test.txt", 60, 1)


def test_train_test_predict(cli, tmp_path, data):
    train, test = data
    model = tmp_path / "model.npz"
    result = cli("train", "supervised", train, "-o", model, *FAST, "--word-ngrams", "2", "--bucket", "10000")
    assert result.exit_code == 0, result.stderr
    assert "labels" in result.stdout and "saved" in result.stdout and model.is_file()

    result = cli("test", model, test)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "N\t60" and lines[1].startswith("P@1\t") and lines[2].startswith("R@1\t")
    assert float(lines[1].split("\t")[1]) > 0.95
    assert lines[3].startswith("accuracy\t") and "95% CI" in lines[3] and lines[4].startswith("macro-F1\t")

    result = cli("test", model, test, "-k", "2")
    assert result.exit_code == 0
    assert "P@2\t0.500" in result.stdout and "R@2\t1.000" in result.stdout  # one gold label per text

    result = cli("predict", model, test)
    assert result.exit_code == 0, result.stderr
    out = result.stdout.splitlines()
    gold = [line.split()[0] for line in test.read_text().splitlines()]
    assert len(out) == 60 and all(o.startswith("__label__") for o in out)
    assert sum(o == g for o, g in zip(out, gold)) >= 57

    result = cli("predict", model, test, "-k", "2", "--prob")
    first = result.stdout.splitlines()[0].split()
    assert len(first) == 4 and first[0].startswith("__label__") and float(first[1]) >= float(first[3])


def test_train_from_tsv_and_char_ngrams(cli, tmp_path):
    train = _write(tmp_path / "train.tsv", 300, 0, fmt="tsv")
    model = tmp_path / "m.npz"
    vec = tmp_path / "words.vec"
    result = cli("train", "supervised", train, "-o", model, *FAST, "--maxn", "5", "--bucket", "20000", "--vectors", vec)
    assert result.exit_code == 0, result.stderr
    from embedlab.vectors.io import load_vectors

    kv = load_vectors(vec)
    assert "king" in kv and kv.vector_size == 16
    result = cli("test", model, _write(tmp_path / "test.tsv", 40, 3, fmt="tsv"))
    assert result.exit_code == 0 and result.stdout.startswith("N\t40")


def test_one_label_only_fails_without_output(cli, tmp_path):
    train = tmp_path / "one.txt"
    train.write_text("__label__a king queen\n__label__a cow\n", encoding="utf-8")
    model = tmp_path / "m.npz"
    assert_cli_error(cli("train", "supervised", train, "-o", model, *FAST), r"one.txt: every text has the label 'a'")
    assert not model.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["one.txt"]


def test_line_without_label_names_the_line(cli, tmp_path):
    train = tmp_path / "t.txt"
    train.write_text("__label__a king\n__label__b cow\njust text\n", encoding="utf-8")
    assert_cli_error(cli("train", "supervised", train, "-o", tmp_path / "m.npz", *FAST), r"t.txt:3: a line without a label")


def test_bad_options_name_the_flag(cli, tmp_path, data):
    train, _ = data
    assert_cli_error(cli("train", "supervised", train, "-o", tmp_path / "m.npz", "--lr", "0"), r"--lr")
    assert_cli_error(cli("train", "supervised", train, "-o", tmp_path / "m.npz", "--minn", "5", "--maxn", "3"),
                     r"--minn=5 is larger than --maxn=3")
    assert_cli_error(cli("train", "supervised", train, "-o", tmp_path / "no" / "m.npz"), r"does not exist")
    assert_cli_error(cli("train", "supervised", tmp_path / "missing.txt", "-o", tmp_path / "m.npz"), r"no such file")


def test_unseen_test_labels_are_reported_and_counted_wrong(cli, tmp_path, data):
    train, test = data
    model = tmp_path / "m.npz"
    assert cli("train", "supervised", train, "-o", model, *FAST).exit_code == 0
    odd = tmp_path / "odd.txt"
    odd.write_text(test.read_text() + "__label__space rocket moon star\n", encoding="utf-8")
    result = cli("test", model, odd)
    assert result.exit_code == 0
    assert "never seen in training" in result.stderr and "'space'" in result.stderr
    assert result.stdout.startswith("N\t61")
    acc = float(result.stdout.splitlines()[3].split("\t")[1])
    assert acc <= 60 / 61 + 1e-9


def test_predict_bad_input(cli, tmp_path, data):
    train, test = data
    model = tmp_path / "m.npz"
    assert cli("train", "supervised", train, "-o", model, *FAST).exit_code == 0
    assert_cli_error(cli("predict", model, test, "-k", "0"), r"-k must be >= 1 or -1")
    assert_cli_error(cli("predict", model, tmp_path / "none.txt"), r"none.txt: no such file")
    assert_cli_error(cli("predict", tmp_path / "none.npz", test), r"no such model file")
    assert_cli_error(cli("test", train, test), r"not an embedlab supervised model")


def test_tune_supervised_on_a_validation_file(cli, tmp_path, data):
    pytest.importorskip("optuna")
    train, _ = data
    valid = _write(tmp_path / "valid.tsv", 80, 5, fmt="tsv")
    out = tmp_path / "tuned"
    result = cli("tune", "supervised", train, "-o", out, "--objective", f"classification:{valid}", "--trials", "3",
                 "--set", "n_threads=1", "--set", "vector_size=8", "--no-report", "--sampler", "random")
    assert result.exit_code == 0, result.stderr
    assert "best" in result.stdout.lower()
    assert (out / "trials.csv").is_file()
    rows = (out / "trials.csv").read_text().splitlines()
    assert len(rows) == 4  # header + 3 trials


def test_divergence_is_one_line_naming_lr_and_writes_nothing(cli, tmp_path, data):
    train, _ = data
    model = tmp_path / "m.npz"
    assert_cli_error(cli("train", "supervised", train, "-o", model, "--lr", "1e6", "--threads", "1", "--no-progress"),
                     r"diverged in epoch 1/5 .*CLI: --lr")
    assert not model.exists()
