"""Error messages a new user meets say what is wrong in the command's own terms (a list of
rough edges): units, formats, poolings, empty tables, flags instead of Python names, the real culprit."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import assert_cli_error

from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import save_vectors


@pytest.fixture
def vec(tmp_path):
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "sun", "moon", "car", "bus", "red", "blue", "love", "sex", "tiger", "cat"]
    path = tmp_path / "v.npz"
    save_vectors(KeyedVectors(words * 1 + [f"w{i}" for i in range(300)], rng.normal(size=(314, 100)).astype(np.float32)),
                 path)
    return path


def test_plan_memory_needs_a_unit(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n", encoding="utf-8")
    assert_cli_error(cli("plan", "word2vec", corpus, "--memory", "8"), r"--memory 8: give a unit, e\.g\. 8GB or 8MB")


def test_an_npz_read_as_text_is_named_as_npz(cli, vec):
    assert_cli_error(cli("evaluate", vec, "--from", "glove"), r"v\.npz: an \.npz \(zip\) file, not text vectors; .*--from npz")


def test_an_unknown_pooling_is_named(cli):
    assert_cli_error(cli("evaluate", "glove-6b-50d@foo"), r"unknown pooling 'foo' \(poolings, for compare: mean, tfidf, sif\)")


def test_a_header_only_table_says_it_has_no_rows(cli, tmp_path):
    table = tmp_path / "h.csv"
    table.write_text("a,b,c\n", encoding="utf-8")
    assert_cli_error(cli("train", "pca", table, "-o", tmp_path / "p.npz"), r"h\.csv: no data rows \(columns a, b, c\)")


def test_python_parameter_names_become_the_commands_flags(cli, vec, tmp_path):
    line = assert_cli_error(cli("evaluate", vec, "-a", "google", "--restrict-vocab", "0"), r"--restrict-vocab must be >= 1")
    assert "restrict_vocab" not in line and "None" not in line
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n", encoding="utf-8")
    line = assert_cli_error(cli("train", "word2vec", corpus, "-o", tmp_path / "o.npz", "--encoding", "foo"),
                            r"^error: --encoding must be a known text encoding")
    assert "Corpus" not in line


def test_a_nan_gold_score_is_blamed_on_its_line_not_on_the_vectors(cli, vec, tmp_path):
    pairs = tmp_path / "p.tsv"
    pairs.write_text("king\tqueen\tnan\nman\twoman\t3\nsun\tmoon\t5\ncar\tbus\t4\nred\tblue\t2\n", encoding="utf-8")
    line = assert_cli_error(cli("evaluate", vec, "-s", pairs), r"p\.tsv:1: score 'nan' is not a finite number")
    assert "vectors" not in line


def test_a_vectors_file_given_as_a_classifier_is_named(cli, vec, tmp_path):
    dev = tmp_path / "dev.tsv"
    dev.write_text("text\tlabel\ngood film\t1\n", encoding="utf-8")
    line = assert_cli_error(cli("test", vec, dev), r"v\.npz: a vectors file \(embedlab npz\), not a supervised model")
    assert "damaged" not in line


def test_a_pq_size_that_does_not_divide_the_dimension_names_the_ones_that_do(cli, vec, tmp_path):
    pytest.importorskip("faiss", reason="faiss is not installed: pip install 'embedlab[search]'")
    assert_cli_error(cli("index", "build", vec, "-o", tmp_path / "idx", "--backend", "faiss", "--factory", "IVF4096,PQ16"),
                     r"PQ16 splits each vector into 16 parts, so the dimension must be a multiple of 16; these vectors "
                     r"have dimension 100: use PQ4, PQ5, PQ10, PQ20, PQ25, PQ50")


@pytest.mark.parametrize("columns", ["80", "60"])
def test_nothing_a_user_needs_is_cut_at_80_or_60_columns(cli, vec, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    help_text = cli("train", "word2vec", "--help").stdout
    assert "…" not in help_text
    for flag in ("--max-vocab-size", "--checkpoint-every", "--freeze-existing", "--continue-from"):
        assert flag in help_text
    assert max(map(len, help_text.splitlines())) <= int(columns)
    result = cli("evaluate", vec, "-s", "wordsim353", "-a", "google", "--n-boot", "50", "--json")
    assert result.exit_code == 0, result.stderr
    import json

    data = json.loads(result.stdout)
    table = cli("evaluate", vec, "-s", "wordsim353", "--n-boot", "50").stdout
    title, *lines = table.splitlines()  # the title names the file: a long path stays whole
    assert str(vec) in title and "…" not in table and max(map(len, lines)) <= int(columns)
    for res in data["results"]:
        if res["name"] == "similarity:wordsim353":
            lo, hi = res["ci95"]["spearman"] if "ci95" in res else res["details"]["ci"]["spearman"]
            assert f"[{lo:.3f}, {hi:.3f}]" in table and "similarity:wordsim353" in table


def test_index_build_prints_the_process_growth_it_records(cli, vec, tmp_path):
    """The printed memory was the vectors' bytes alone while index.json recorded the process growth."""
    import json

    result = cli("index", "build", vec, "-o", tmp_path / "idx", "--backend", "exact")
    assert result.exit_code == 0, result.stderr
    meta = json.loads((tmp_path / "idx" / "index.json").read_text())
    flat = " ".join(result.stdout.split())
    assert "of vectors in the index" in flat
    assert "process growth while building" in flat and "rss_growth_bytes" in meta


def test_serve_names_its_own_flag_for_a_missing_log_folder(cli, vec, tmp_path):
    line = assert_cli_error(cli("serve", vec, "--log-queries", tmp_path / "missing" / "q.jsonl", "--token", "t"),
                            r"^error: --log-queries .*q\.jsonl: the output folder .*missing does not exist")
    assert "--output" not in line
