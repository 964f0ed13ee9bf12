"""Vectors holding NaN or inf are refused at load (file, line or row, key named) or dropped with a
warning (``--drop-nonfinite``); no command shows ``nan`` as a score or ends in a traceback."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import assert_cli_error

from embedlab.evaluation.datasets import load_similarity
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import load_vectors, save_vectors


def _ws_kv(n_bad: int = 1, bad_value: float = np.nan) -> KeyedVectors:
    ds = load_similarity("wordsim353")
    words = sorted(set(ds.word1) | set(ds.word2))
    rng = np.random.default_rng(0)
    m = rng.normal(size=(len(words), 8)).astype(np.float32)
    m[3:3 + n_bad, 2] = bad_value  # rows 3.. (0-based) hold NaN
    return KeyedVectors(words, m)


@pytest.fixture
def bad_vec(tmp_path):
    path = tmp_path / "bad.vec"
    save_vectors(_ws_kv(2), path)
    return path


@pytest.mark.parametrize("command", [
    ["evaluate", "{p}"],
    ["neighbors", "{p}", "love"],
    ["convert", "{p}", "{out}"],
    ["compare", "{p}", "{p}", "-s", "wordsim353", "--n-boot", "10", "-o", "{outdir}"],
    ["report", "{p}", "-s", "wordsim353", "--n-boot", "10", "-o", "{card}"],
])
def test_commands_refuse_nonfinite_vectors_naming_line_and_key(cli, tmp_path, bad_vec, command):
    kv = _ws_kv(2)
    args = [a.format(p=bad_vec, out=tmp_path / "o.npz", outdir=tmp_path / "cmp", card=tmp_path / "c.html") for a in command]
    # header line 1, vectors from line 2: 0-based row 3 is line 5
    line = assert_cli_error(cli(*args), rf"bad\.vec: line 5, key '{kv.index_to_key[3]}': the vector holds NaN or inf "
                                        r"\(2 such vectors in all\); fix the file, or drop such vectors \(--drop-nonfinite\)$")
    assert "nan" not in line.split("NaN")[0]
    assert not (tmp_path / "o.npz").exists() and not (tmp_path / "cmp").exists() and not (tmp_path / "c.html").exists()


@pytest.mark.parametrize("command", [
    ["drift", "{p}", "{p}", "-o", "{outdir}"],
    ["index", "build", "{p}", "-o", "{outdir}"],
    ["train", "word2vec", "{corpus}", "-o", "{out}", "--init-vectors", "{p}"],
])
def test_commands_without_the_flag_name_the_remedy_they_have(cli, tmp_path, bad_vec, command):
    """Commands without --drop-nonfinite must not advise it: they name convert's copy instead."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("love sex tiger cat\n" * 50, encoding="utf-8")
    args = [a.format(p=bad_vec, out=tmp_path / "o.npz", outdir=tmp_path / "d", corpus=corpus) for a in command]
    line = assert_cli_error(cli(*args), r"bad\.vec: line 5, key .*: the vector holds NaN or inf .*fix the file, or drop such "
                                        r"vectors with 'embedlab convert IN OUT --drop-nonfinite', then use OUT")
    assert "(--drop-nonfinite)" not in line and "nonfinite='drop'" not in line


def test_drop_nonfinite_evaluates_the_rest_with_a_warning(cli, bad_vec):
    result = cli("evaluate", bad_vec, "-s", "wordsim353", "--json", "--drop-nonfinite")
    assert result.exit_code == 0, result.stderr
    assert "dropped 2 vector(s) holding NaN or inf" in result.stderr and "line 5" in result.stderr
    score = json.loads(result.stdout)["results"][0]["metrics"]["spearman"]
    assert np.isfinite(score)
    result = cli("compare", bad_vec, bad_vec, "-s", "wordsim353", "--n-boot", "10", "--drop-nonfinite",
                 "-o", bad_vec.parent / "cmp")
    assert result.exit_code == 0, result.stderr
    assert "nan" not in (bad_vec.parent / "cmp" / "report.md").read_text().lower()


@pytest.mark.parametrize(("suffix", "where"), [(".npz", "row 4"), (".bin", "record 4"), (".txt", "line 5")])
def test_every_format_names_the_position(tmp_path, suffix, where):
    path = tmp_path / f"v{suffix}"
    save_vectors(_ws_kv(1, np.inf), path)
    with pytest.raises(Exception, match=rf"{where}, key '.+': the vector holds NaN or inf; fix the file"):
        load_vectors(path)
    kept = load_vectors(path, nonfinite="drop")
    assert len(kept) == len(_ws_kv()) - 1 and np.isfinite(kept.vectors).all()


def test_glove_text_without_header_counts_lines(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("king 0.1 0.2\nqueen nan 0.3\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"line 2, key 'queen'"):
        load_vectors(path)


def test_undefined_score_is_skipped_not_shown_as_nan(cli, tmp_path):
    kv = _ws_kv(0)
    zeros = KeyedVectors(kv.index_to_key, np.zeros_like(kv.vectors))
    save_vectors(zeros, tmp_path / "z.npz")
    result = cli("evaluate", tmp_path / "z.npz", "-s", "wordsim353", "-s", "simlex999")
    assert "nan" not in result.stdout.lower()
    assert_cli_error(result, r"spearman is undefined on these vectors")
