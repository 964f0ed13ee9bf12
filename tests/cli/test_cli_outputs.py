"""One rule for output paths: checked before any work, the user's path named; file outputs need
an existing folder, folder outputs are created (and removed again when the command is refused)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_cli_error

from embedlab.evaluation.datasets import load_similarity
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import save_vectors

needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc (not writable, even for root)")


@pytest.fixture
def undecodable_corpus(tmp_path: Path) -> Path:
    """A corpus that fails as soon as training reads it: an output error must come first."""
    path = tmp_path / "bad.txt"
    path.write_bytes(b"king queen \xff\xfe crown\n" * 50)
    return path


@pytest.fixture
def sim_vectors(tmp_path: Path) -> Path:
    ds = load_similarity("wordsim353")
    words = sorted(set(ds.word1) | set(ds.word2))
    rng = np.random.default_rng(0)
    path = tmp_path / "sim.npz"
    save_vectors(KeyedVectors(words, rng.normal(size=(len(words), 8)).astype(np.float32)), path)
    return path


@needs_proc
def test_unwritable_output_fails_before_training_naming_the_users_path(cli, undecodable_corpus):
    line = assert_cli_error(cli("train", "word2vec", undecodable_corpus, "-o", "/proc/v.npz"),
                            r"--output /proc/v\.npz: cannot create files in /proc")
    assert ".tmp" not in line and "decode" not in line


@needs_proc
@pytest.mark.parametrize("command", [
    ["quickstart", "-o", "/proc/embedlab-qs"],
    ["tune", "word2vec", "{corpus}", "--trials", "1", "-o", "/proc/embedlab-tune"],
    ["compare", "{vectors}", "{vectors}", "-o", "/proc/embedlab-cmp"],
    ["report", "{vectors}", "-o", "/proc/card.html"],
    ["convert", "{vectors}", "/proc/v.vec"],
])
def test_every_command_checks_writability_first(cli, undecodable_corpus, sim_vectors, command):
    args = [a.format(corpus=undecodable_corpus, vectors=sim_vectors) for a in command]
    assert_cli_error(cli(*args), r"/proc/\S+: cannot create files in /proc")


@pytest.mark.parametrize("command", [
    ["train", "word2vec", "{corpus}", "-o", "{missing}/v.npz"],
    ["convert", "{vectors}", "{missing}/v.vec"],
    ["report", "{vectors}", "-o", "{missing}/card.html"],
])
def test_file_outputs_refuse_a_missing_folder(cli, tmp_path, undecodable_corpus, sim_vectors, command):
    missing = tmp_path / "no" / "such"
    args = [a.format(corpus=undecodable_corpus, vectors=sim_vectors, missing=missing) for a in command]
    assert_cli_error(cli(*args), r"the output folder .*no/such does not exist; create it first \(mkdir -p ")
    assert not (tmp_path / "no").exists()


def test_compare_creates_its_folder(cli, tmp_path, sim_vectors):
    out = tmp_path / "a" / "b"
    result = cli("compare", sim_vectors, sim_vectors, "-s", "wordsim353", "--n-boot", "20", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert {"report.html", "report.json", "report.md"} <= {p.name for p in out.iterdir()}


def test_refused_tune_leaves_no_folder(cli, tmp_path, undecodable_corpus):
    out = tmp_path / "new" / "tune-out"
    assert_cli_error(cli("tune", "word2vec", undecodable_corpus, "--objective", "similarity:nosuchset",
                         "--trials", "1", "-o", out), r"nosuchset")
    assert not (tmp_path / "new").exists()


def test_output_folder_keeps_a_folder_that_existed(tmp_path):
    from embedlab.cli._common import output_folder

    with pytest.raises(RuntimeError, match="boom"), output_folder(tmp_path / "x" / "y"):
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "keep").mkdir()
    with pytest.raises(RuntimeError, match="boom"), output_folder(tmp_path / "keep"):
        raise RuntimeError("boom")
    assert (tmp_path / "keep").is_dir()
