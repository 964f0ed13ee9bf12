"""`embedlab train word2vec`: happy paths, format inference, checkpoints, Ctrl-C and bad input."""

from __future__ import annotations

import gzip
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_cli_error

from embedlab.corpus import sample_corpus_path
from embedlab.vectors.io import load_vectors

FAST = ["--vector-size", "16", "--epochs", "1", "--min-count", "1", "--threads", "1", "--seed", "3"]


@pytest.fixture(scope="module")
def kjv_slice(tmp_path_factory) -> Path:
    """The first 3000 verses (~75k tokens) of the bundled sample corpus."""
    with gzip.open(sample_corpus_path(), "rt", encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(3000)]
    path = tmp_path_factory.mktemp("kjv") / "kjv3000.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _check_speed(stdout: str, unit: str) -> None:
    """The summary's speed is over the time it prints (the same work as the epochs' own rate)."""
    flat = " ".join(stdout.replace("│", " ").split())
    m = re.search(rf"time ([\d.]+) s .*speed ([\d,]+) {unit}/s over the ([\d.]+) s \(([\d,]+) {unit}/s in the "
                  rf"([\d.]+) s of training epochs\)", flat)
    assert m, flat
    time_, over, over_t, inner, inner_t = (float(g.replace(",", "")) for g in m.groups())
    assert over_t == time_ and inner_t <= over_t and over <= inner
    assert abs(over * over_t - inner * inner_t) <= 0.06 * inner * inner_t + 2 * inner  # the same work


def test_glove_summary_counts_pairs_over_the_printed_time(cli, tmp_path, kjv_slice):
    result = cli("train", "glove", kjv_slice, "-o", tmp_path / "g.npz", "--epochs", "2", "--min-count", "3",
                 "--vector-size", "16", "--threads", "1", "--seed", "1")
    assert result.exit_code == 0, result.stderr
    _check_speed(result.stdout, "pairs")
    assert "words/s" not in result.stdout


def test_train_npz_with_summary(cli, tmp_path, kjv_slice):
    out = tmp_path / "kjv.npz"
    result = cli("train", "word2vec", kjv_slice, "-o", out, "--epochs", "2", "--min-count", "3",
                 "--vector-size", "32", "--threads", "2", "--seed", "1")
    assert result.exit_code == 0, result.stderr
    for label in ("vocabulary", "corpus", "time", "speed", "final loss", "saved"):
        assert label in result.stdout
    _check_speed(result.stdout, "words")
    kv = load_vectors(out)
    assert len(kv) > 1000 and kv.vector_size == 32
    assert f"{len(kv):,} words, dim 32" in result.stdout
    assert kv.metadata["method"] == "word2vec"
    assert kv.metadata["params"]["epochs"] == 2 and kv.metadata["params"]["min_count"] == 3
    assert np.isfinite(kv.vectors).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kjv.npz"]  # no temp file left
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # not the temp file's 0600


@pytest.mark.parametrize(
    ("name", "extra", "fmt"),
    [
        ("v.vec", [], "word2vec"),
        ("v.txt", [], "word2vec"),
        ("v.bin", [], "word2vec-binary"),
        ("v.npz", [], "npz"),
        ("v.data", ["--format", "word2vec"], "word2vec"),
        ("v.vec", ["-f", "word2vec-binary"], "word2vec-binary"),
    ],
)
def test_output_format_from_suffix_or_option(cli, tmp_path, topic_corpus, name, extra, fmt):
    out = tmp_path / name
    result = cli("train", "word2vec", topic_corpus, "-o", out, *FAST, *extra)
    assert result.exit_code == 0, result.stderr
    assert f"({fmt})" in result.stdout
    kv = load_vectors(out, format=fmt)
    assert "king" in kv and kv.vector_size == 16
    head = out.read_bytes()[:20]
    if fmt == "word2vec":
        assert head.decode().splitlines()[0] == f"{len(kv)} 16"
        assert out.read_text(encoding="utf-8").count("\n") == len(kv) + 1
    elif fmt == "npz":
        assert head.startswith(b"PK")


def test_cbow_hs_options_reach_the_model(cli, tmp_path, topic_corpus):
    out = tmp_path / "cbow.npz"
    result = cli("train", "word2vec", topic_corpus, "-o", out, *FAST, "--architecture", "cbow", "--hs",
                 "--negative", "0", "--window", "3", "--sample", "0", "--alpha", "0.05", "--min-alpha", "0.001",
                 "--max-vocab-size", "10", "--phrases", "--no-lowercase", "--tokenizer", "whitespace")
    assert result.exit_code == 0, result.stderr
    kv = load_vectors(out)
    params = kv.metadata["params"]
    assert params["architecture"] == "cbow" and params["hs"] is True and params["negative"] == 0
    assert params["window"] == 3 and params["alpha"] == 0.05 and params["phrases"] is True
    assert len(kv) <= 10


def test_several_inputs_and_gz(cli, tmp_path, topic_corpus):
    gz = tmp_path / "more.txt.gz"
    gz.write_bytes(gzip.compress("whale dolphin whale dolphin\n".encode() * 20))
    out = tmp_path / "v.npz"
    result = cli("train", "word2vec", topic_corpus, gz, "-o", out, *FAST)
    assert result.exit_code == 0, result.stderr
    kv = load_vectors(out)
    assert "whale" in kv and "king" in kv


def test_seed_and_one_thread_are_reproducible(cli, tmp_path, topic_corpus):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    for out in (a, b):
        assert cli("train", "word2vec", topic_corpus, "-o", out, *FAST, "--epochs", "2").exit_code == 0
    np.testing.assert_array_equal(load_vectors(a).vectors, load_vectors(b).vectors)


def _stopped_checkpoint(corpus: Path, ckpt: Path, epochs: int, stop_after: int) -> None:
    """A checkpointed run of ``epochs`` epochs that stops after ``stop_after`` (as Ctrl-C would)."""
    from embedlab.models.word2vec import Word2Vec

    Word2Vec(vector_size=16, epochs=epochs, min_count=1, n_threads=1, random_state=3, show_progress=False,
             checkpoint_every=1, checkpoint_path=str(ckpt), callbacks=[lambda e, t, m: e >= stop_after]).fit(str(corpus))
    assert ckpt.is_file()


def test_checkpoint_then_resume_equals_uninterrupted_run(cli, tmp_path, topic_corpus):
    full = tmp_path / "full.npz"
    result = cli("train", "word2vec", topic_corpus, "-o", full, *FAST, "--epochs", "3", "--checkpoint-every", "1")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "full.npz.ckpt").exists()  # a finished run removes its (stale) checkpoint
    ckpt = tmp_path / "stopped.ckpt"
    _stopped_checkpoint(topic_corpus, ckpt, epochs=3, stop_after=2)
    resumed = tmp_path / "resumed.vec"
    result = cli("train", "word2vec", topic_corpus, "-o", resumed, "--resume", "--checkpoint", ckpt)
    assert result.exit_code == 0, result.stderr
    assert f"resumed from {ckpt} after epoch 2" in result.stderr
    assert not ckpt.exists()  # finished now
    a, b = load_vectors(full), load_vectors(resumed)
    assert a.index_to_key == b.index_to_key
    np.testing.assert_allclose(a.vectors, b.vectors, rtol=1e-6, atol=1e-7)  # text format rounding


def test_resume_after_a_finished_run_does_not_retrain(cli, tmp_path, topic_corpus):
    out = tmp_path / "v.npz"
    assert cli("train", "word2vec", topic_corpus, "-o", out, *FAST, "--epochs", "2", "--checkpoint-every", "1").exit_code == 0
    before = out.read_bytes()
    assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", out, "--resume"),
                     r"v\.npz\.ckpt: no checkpoint to resume from; .*v\.npz exists: a run that finishes removes its checkpoint")
    assert out.read_bytes() == before


def test_resume_with_changed_epochs_is_refused(cli, tmp_path, topic_corpus):
    out = tmp_path / "v.npz"
    ckpt = tmp_path / "v.npz.ckpt"
    _stopped_checkpoint(topic_corpus, ckpt, epochs=4, stop_after=2)
    assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", out, "--resume", "--epochs", "6"),
                     r"--epochs 6: the checkpoint .*v\.npz\.ckpt is of a run with epochs=4 \(after epoch 2\); "
                     r"--resume continues that run as it was: drop --epochs")
    assert not out.exists() and ckpt.is_file()
    # the same value, and options free on resume (threads), are fine
    result = cli("train", "word2vec", topic_corpus, "-o", out, "--resume", "--epochs", "4", "--threads", "1")
    assert result.exit_code == 0, result.stderr
    assert load_vectors(out).metadata["epochs_trained"] == 4


def test_resume_on_another_corpus_is_refused_naming_both(cli, tmp_path, topic_corpus):
    """A checkpoint records its corpus (path, size, SHA-256 from the CLI; the encoded shape always)."""
    from cli_helpers import write_topic_corpus

    from embedlab.corpus.readers import describe_sources
    from embedlab.models.word2vec import Word2Vec

    other = write_topic_corpus(tmp_path / "other.txt", n_sentences=300, seed=5)
    out, ckpt = tmp_path / "v.npz", tmp_path / "v.npz.ckpt"
    model = Word2Vec(vector_size=16, epochs=4, min_count=1, n_threads=1, random_state=3, show_progress=False,
                     checkpoint_every=1, checkpoint_path=str(ckpt), callbacks=[lambda e, t, m: e >= 2])
    model.corpus_source = describe_sources([topic_corpus])
    model.fit(str(topic_corpus))
    line = assert_cli_error(cli("train", "word2vec", other, "-o", out, "--resume"),
                            r"v\.npz\.ckpt: the checkpoint is of a run on .*topics\.txt \([\d,]+ bytes, SHA-256 [0-9a-f]{12}\), "
                            r"not .*other\.txt \([\d,]+ bytes, SHA-256 [0-9a-f]{12}\); --resume continues that run")
    assert "topics.txt" in line and not out.exists() and ckpt.is_file()
    # without a recorded source (a library run), the encoded corpus's shape still tells
    _stopped_checkpoint(topic_corpus, ckpt, epochs=4, stop_after=2)
    assert_cli_error(cli("train", "word2vec", other, "-o", out, "--resume"),
                     r"the checkpoint is of a run on another corpus \([\d,]+ sentences, .*this corpus has")
    assert not out.exists()
    result = cli("train", "word2vec", topic_corpus, "-o", out, "--resume")  # its own corpus: fine
    assert result.exit_code == 0, result.stderr


def test_resume_without_checkpoint(cli, tmp_path, topic_corpus):
    out = tmp_path / "v.npz"
    assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", out, "--resume"),
                     r"v\.npz\.ckpt: no checkpoint to resume from; train with --checkpoint-every N first")
    assert not out.exists()


def _write_bad_inputs(folder: Path) -> dict[str, Path]:
    (folder / "nodata").mkdir(parents=True)
    (folder / "nodata" / "vectors.npz").write_bytes(b"PK\x03\x04")
    (folder / "blank.txt").write_text("\n   \n\t\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"abc\x00\x01\x02def\n")
    (folder / "utf16.txt").write_bytes("hello world\nthe king\n".encode("utf-16"))
    (folder / "latin1.txt").write_bytes("hello world\nna\u00efve caf\u00e9\n".encode("latin-1"))
    data = gzip.compress(("the king and the queen\n" * 4000).encode())
    (folder / "cut.txt.gz").write_bytes(data[: len(data) // 2])
    (folder / "ok.txt").write_text("the king and the queen\n" * 5, encoding="utf-8")
    return {p.name: p for p in folder.iterdir()}


BAD_CORPUS = [
    ("missing.txt", [], r"missing\.txt: no such file or directory"),
    ("nodata", [], r"nodata: directory holds no readable text files"),
    ("blank.txt", [], r"blank\.txt: .*empty"),
    ("binary.txt", [], r"binary\.txt: binary data \(NUL byte at byte offset 3\)"),
    ("utf16.txt", [], r"utf16\.txt: starts with a UTF-16 byte-order mark.*--encoding utf-16"),
    ("latin1.txt", [], r"latin1\.txt: line 2, byte offset 14: cannot decode as utf-8.*--encoding.*--errors replace"),
    ("cut.txt.gz", [], r"cut\.txt\.gz: compressed file is truncated"),
    ("ok.txt", ["--min-count", "1000"], r"vocabulary is empty.*min_count=1000.*--min-count"),
    ("ok.txt", ["--vector-size", "0"], r"parameter 'vector_size' \(--vector-size\) must be an int in \[1, inf\); got 0"),
    ("ok.txt", ["--window", "-1"], r"parameter 'window' \(--window\) must be an int in \[1, inf\); got -1"),
    ("ok.txt", ["--alpha", "0"], r"parameter 'alpha' \(--alpha\) must be a number in \(0, inf\); got 0"),
    ("ok.txt", ["--negative", "-1"], r"parameter 'negative' \(--negative\) must be an int in \[0, inf\); got -1"),
    ("ok.txt", ["--threads", "0"], r"parameter 'n_threads' \(--threads\)"),
    # hyperparameters are checked before the corpus is read: the binary file is never opened
    ("binary.txt", ["--epochs", "0"], r"parameter 'epochs' \(--epochs\)"),
    ("ok.txt", ["--format", "xyz"], r"--format: unknown vectors format 'xyz'"),
]


@pytest.mark.parametrize(("corpus", "extra", "pattern"), BAD_CORPUS, ids=[f"{c}{' '.join(e)}" for c, e, _ in BAD_CORPUS])
def test_bad_input_is_one_line_exit_2_and_no_output(cli, tmp_path, corpus, extra, pattern):
    inputs = _write_bad_inputs(tmp_path / "in")
    outdir = tmp_path / "out"
    outdir.mkdir()
    result = cli("train", "word2vec", inputs.get(corpus, tmp_path / "in" / corpus), "-o", outdir / "v.npz",
                 "--min-count", "1", *extra)
    assert_cli_error(result, pattern)
    assert list(outdir.iterdir()) == []


def test_latin1_corpus_trains_with_encoding_or_replace(cli, tmp_path):
    corpus = _write_bad_inputs(tmp_path)["latin1.txt"]
    for option in (["--encoding", "latin-1"], ["--errors", "replace"]):
        out = tmp_path / f"v{option[1]}.npz"
        result = cli("train", "word2vec", corpus, "-o", out, *FAST, *option)
        assert result.exit_code == 0, result.stderr
        assert "hello" in load_vectors(out)
    assert "naïve" in load_vectors(tmp_path / "vlatin-1.npz")


def test_output_problems_fail_before_training(cli, tmp_path, topic_corpus):
    assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", tmp_path / "v.xyz"),
                     r"v\.xyz: cannot infer the vectors format.*--format")
    assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", tmp_path / "nope" / "v.npz"),
                     r"--output .*v\.npz: the output folder .*nope does not exist; create it first")
    assert_cli_error(cli("train", "word2vec", topic_corpus, "-o", tmp_path), r"--output .*: is a folder; give a file name such as .*vectors\.npz")


def test_ctrl_c_writes_nothing_and_names_the_checkpoint(tmp_path, kjv_slice):
    """A real SIGINT to `python -m embedlab`: exit 130, no vectors file, the checkpoint is named."""
    out = tmp_path / "v.npz"
    cmd = [sys.executable, "-m", "embedlab", "-v", "train", "word2vec", str(kjv_slice), "-o", str(out),
           "--epochs", "200", "--vector-size", "16", "--threads", "1", "--min-count", "1",
           "--checkpoint-every", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    lines = []
    try:
        for line in proc.stderr:  # wait for the first finished epoch (logged with -v)
            lines.append(line)
            if "epoch 1/200" in line:
                break
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=120)
    finally:
        proc.kill()
    stderr = "".join(lines) + rest
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert re.match(r"error: interrupted after \d+ of 200 epochs; the partly trained vectors were not saved, ", last)
    assert f"resume with --resume (checkpoint at {out}.ckpt)" in last
    assert "usable" not in stderr  # no "the model is usable" before "not saved"
    assert not out.exists()
    assert (tmp_path / "v.npz.ckpt").is_file()
