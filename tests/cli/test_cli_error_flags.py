"""Errors raised under the CLI name the CLI's flags, not Python keyword arguments."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import assert_cli_error

from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import save_vectors


@pytest.fixture
def vectors(tmp_path):
    words = ["good", "fine", "great", "bad", "awful", "poor"]
    kv = KeyedVectors(words, np.vstack([np.ones((3, 4)), -np.ones((3, 4))]).astype(np.float32)
                      + np.random.default_rng(0).normal(0, .1, (6, 4)).astype(np.float32))
    path = tmp_path / "v.npz"
    save_vectors(kv, path)
    return path


def test_relations_between_train_options_use_flags(cli, tmp_path, topic_corpus):
    line = assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", tmp_path / "v.npz", "--negative", "0"),
                            r"--negative 0 and --no-hs leave nothing to train; set --negative > 0 or --hs$")
    assert "hs=" not in line and "negative=" not in line
    assert_cli_error(cli("train", "fasttext", topic_corpus, "-o", tmp_path / "v.npz", "--min-n", "5", "--max-n", "3"),
                     r"--min-n 5 is larger than --max-n 3; set --min-n <= --max-n \(or --max-n 0")
    assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", tmp_path / "v.npz", "--alpha", "0.01",
                         "--min-alpha", "0.1"), r"parameter 'min_alpha' \(--min-alpha\)")
    assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", tmp_path / "v.npz", "--output-dtype", "float16",
                         "--negative", "0", "--hs"), r"--output-dtype float16 stores the negative-sampling output "
                                                     r"weights; it needs --negative > 0")
    assert not (tmp_path / "v.npz").exists()


def test_text_and_label_columns_are_cli_options(cli, tmp_path, vectors):
    table = tmp_path / "t.csv"
    table.write_text("body,tag\n" + "".join(f"{w},{'pos' if i < 3 else 'neg'}\n" for i, w in
                                            enumerate(["good", "fine", "great", "bad", "awful", "poor"] * 2)))
    line = assert_cli_error(cli("evaluate", vectors, "-e", f"classification:{table}"),
                            r"t\.csv: no label column found \(columns: body, tag\).*CLI --label-column NAME")
    result = cli("evaluate", vectors, "-e", f"classification:{table}", "--text-column", "body", "--label-column", "tag",
                 "--json")
    assert result.exit_code == 0, result.stderr
    assert_cli_error(cli("evaluate", vectors, "-e", f"classification:{table}", "--text-column", "nope",
                         "--label-column", "tag"), r"no column 'nope' \(columns: body, tag\)")
    assert_cli_error(cli("evaluate", vectors, "--text-column", "body"), r"--text-column applies to text tasks")


def test_unknown_suffix_lists_each_suffix_once(cli, tmp_path, vectors):
    line = assert_cli_error(cli("convert", vectors, tmp_path / "v.xyz"), r"cannot infer the vectors format")
    assert line.count(".bin") == 1 and ".bin (word2vec-binary or fasttext)" in line and "pass --to" in line


def test_binary_read_as_text_names_the_from_flag(cli, tmp_path, vectors):
    src = tmp_path / "v.bin"
    assert cli("convert", vectors, src).exit_code == 0
    renamed = tmp_path / "v.txt"
    renamed.write_bytes(src.read_bytes())
    assert_cli_error(cli("evaluate", renamed), r"--from word2vec-binary")


def test_tune_names_parameters_as_set_options(cli, tmp_path, topic_corpus):
    out = tmp_path / "t"
    assert_cli_error(cli("tune", "word2vec", topic_corpus, "--set", "negative=0", "--trials", "1", "-o", out),
                     r"--set negative=0 and --set hs=false leave nothing to train")
    assert_cli_error(cli("tune", "word2vec", topic_corpus, "--set", "min_count=0", "--trials", "1", "-o", out),
                     r"parameter 'min_count' \(--set min_count=\.\.\.\) must be an int")
    assert not out.exists()
