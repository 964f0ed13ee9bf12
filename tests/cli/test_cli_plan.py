"""`embedlab plan` and the memory check before training: predictions, advice, refusal, --force."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import assert_cli_error, write_topic_corpus

from embedlab.exceptions import InsufficientMemoryError, InvalidParameterError
from embedlab.models import get_model
from embedlab.models._plan import (
    allow_overcommit,
    parse_memory,
    plan,
    scan_corpus,
)
from embedlab.models.word2vec import Word2Vec


@pytest.fixture
def corpus(tmp_path):
    return write_topic_corpus(tmp_path / "corpus.txt", n_sentences=400)


@pytest.mark.parametrize("text,expected", [("512MB", 512 * 10**6), ("8GB", 8 * 10**9), ("1.5GiB", int(1.5 * 2**30)),
                                           ("800m", 800 * 10**6), (" 2 gb ", 2 * 10**9)])
def test_parse_memory_accepts_units(text, expected):
    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["8 gigs", "lots", "GB", "-1GB", "0MB", "8XB"])
def test_parse_memory_refuses_naming_the_forms(text):
    with pytest.raises(InvalidParameterError, match=r"--memory: .*(512MB, 8GB|more than 0)"):
        parse_memory(text)


def test_cli_memory_parse_error_is_one_line(cli, corpus):
    result = cli("plan", "word2vec", corpus, "--memory", "8gigs")
    assert_cli_error(result, r"--memory: cannot read '8gigs'.*512MB, 8GB")


def test_cli_unknown_method_and_option(cli, corpus):
    assert_cli_error(cli("plan", "ppmi-svd", corpus),
                     r"no memory model for method 'ppmi-svd'.*word2vec, fasttext, glove")
    assert_cli_error(cli("plan", "word2vec", corpus, "--bogus", "3"), r"--bogus: not a word2vec option; valid:")
    assert_cli_error(cli("plan", "word2vec", corpus, "--min-count", "x"), r"--min-count: expected int")


def test_plan_grows_with_vocabulary_and_dimension(corpus):
    small = plan(Word2Vec(vector_size=50, min_count=1), corpus, memory="64GB")
    big = plan(Word2Vec(vector_size=400, min_count=1), corpus, memory="64GB")
    names = [s.name for s in small.stages]
    assert names == ["vocabulary", "encoded corpus", "kernels loaded", "training"]
    assert small.fits and small.vocab_size == len({w for line in corpus.read_text().split("\n") for w in line.split()})
    grow = big.stages[3].bytes - small.stages[3].bytes
    v = small.vocab_size
    assert grow == pytest.approx(v * 350 * 4 * 2, rel=0.05)  # syn0 + syn1neg grow by v x 350 floats each


@pytest.fixture
def zipf_corpus(tmp_path):
    """~20k distinct words with Zipf frequencies (a vocabulary whose size min_count controls)."""
    rng = np.random.default_rng(0)
    ranks = np.minimum(rng.zipf(1.3, 200_000), 20_000)
    path = tmp_path / "zipf.txt"
    path.write_text("\n".join(" ".join(f"w{r}" for r in ranks[i:i + 50]) for i in range(0, ranks.size, 50)) + "\n")
    return path


def test_plan_that_does_not_fit_gives_advice_that_fits(zipf_corpus):
    model = Word2Vec(vector_size=300, min_count=1)
    stats = scan_corpus(zipf_corpus)
    need = plan(model, stats=stats, memory="64GB").peak_bytes
    limit = need - stats.vocab_size(1) * 300 * 4  # half the vectors' bytes too little
    p = plan(model, stats=stats, memory=limit)
    assert not p.fits and p.advice
    text = "\n".join(p.lines())
    assert "does NOT fit" in text and "advice: " in text
    # each suggested setting really fits under the same memory
    for line in p.advice:
        name, value = line.split(" ", 1)[0].split("=")
        fixed = get_model("word2vec")(**{**model.get_params(), name: int(value) if value.isdigit() else value})
        assert plan(fixed, stats=stats, memory=limit).fits, line


def test_float16_output_weights_are_planned_and_advised(zipf_corpus, cli):
    stats = scan_corpus(zipf_corpus)
    v, d = stats.vocab_size(1), 8000  # wide enough that training (not loading the kernels) is the peak
    f32 = plan(Word2Vec(vector_size=d, min_count=1), stats=stats, memory="64GB")
    f16 = plan(Word2Vec(vector_size=d, min_count=1, output_dtype="float16"), stats=stats, memory="64GB")
    assert f32.stages[3].bytes - f16.stages[3].bytes == v * d * 2  # syn1neg: 2 bytes a weight instead of 4
    assert f16.peak_bytes == f16.stages[3].bytes < f32.peak_bytes
    limit = f16.peak_bytes + (f32.peak_bytes - f16.peak_bytes) // 4  # only the float16 run fits
    p = plan(Word2Vec(vector_size=d, min_count=1), stats=stats, memory=limit)
    assert plan(Word2Vec(vector_size=d, min_count=1, output_dtype="float16"), stats=stats, memory=limit).fits
    assert not p.fits and any(a.startswith("output_dtype=float16 (--output-dtype float16)") for a in p.advice)
    out = cli("plan", "word2vec", zipf_corpus, "--min-count", "1", "--vector-size", "8000", "--output-dtype",
              "float16", "--memory", "64GB")
    assert out.exit_code == 0, out.stderr
    assert "vectors + output weights" in out.stdout


def test_cli_plan_prints_stages_and_exit_code(cli, corpus):
    ok = cli("plan", "word2vec", corpus, "--min-count", "1", "--vector-size", "50", "--memory", "64GB")
    assert ok.exit_code == 0, ok.stderr
    assert "training" in ok.stdout and "fits" in ok.stdout
    too_small = cli("plan", "fasttext", corpus, "--min-count", "1", "--memory", "150MB")
    assert too_small.exit_code == 1
    assert "does NOT fit" in too_small.stdout and "advice: bucket=" in too_small.stdout or "advice:" in too_small.stdout


def test_glove_plan_counts_disk_and_nonzeros(corpus):
    p = plan(get_model("glove")(min_count=1, memory_mb=2.0), corpus, memory="64GB")
    assert [s.name for s in p.stages][2:] == ["co-occurrence counting", "co-occurrence output", "training", "output"]
    assert any("GloVe nonzeros" in n for n in p.notes)


def test_sampled_scan_says_so_and_extrapolates(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(3000)]
    p = 1.0 / np.arange(1, 3001)
    p /= p.sum()
    path = tmp_path / "big.txt"
    with open(path, "w") as fh:
        for _ in range(3000):
            fh.write(" ".join(rng.choice(words, 40, p=p)) + "\n")
    exact = scan_corpus(path)
    sampled = scan_corpus(path, exact_limit=1000, sample_bytes=len(path.read_bytes()) // 4, blocks=8)
    assert sampled.sampled and any("sampled" in n and "extrapolated" in n for n in sampled.notes)
    assert sampled.tokens == pytest.approx(exact.tokens, rel=0.1)
    assert sampled.vocab_size(5) == pytest.approx(exact.vocab_size(5), rel=0.2)


def test_training_refuses_when_it_cannot_fit_and_force_goes_on(corpus, monkeypatch):
    import embedlab.models._plan as planner

    monkeypatch.setattr(planner, "available_memory", lambda: 1)
    monkeypatch.setattr(planner, "_rss_now", lambda: 1)
    model = Word2Vec(vector_size=20, min_count=1, epochs=1, show_progress=False, random_state=1)
    with pytest.raises(InsufficientMemoryError, match=r"Word2Vec: training needs about .* is available; try .*--force"):
        model.fit(str(corpus))
    with allow_overcommit():
        model.fit(str(corpus))
    assert len(model.vectors_) > 10


def test_cli_train_refuses_then_force(cli, corpus, tmp_path, monkeypatch):
    import embedlab.models._plan as planner

    monkeypatch.setattr(planner, "available_memory", lambda: 1)
    monkeypatch.setattr(planner, "_rss_now", lambda: 1)
    out = tmp_path / "v.npz"
    args = ("train", "word2vec", corpus, "-o", out, "--min-count", "1", "--epochs", "1", "--no-progress")
    assert_cli_error(cli(*args), r"training needs about .* try min_count=|training needs about")
    assert not out.exists()
    forced = cli(*args, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert out.exists()


def test_glove_plan_of_a_corpus_without_cooccurrences(tmp_path):
    """One word per line: no pair co-occurs in the sample, and the plan says so instead of failing."""
    path = tmp_path / "one.txt"
    path.write_text("a\nb\nc\na\n", encoding="utf-8")
    p = plan(get_model("glove")(min_count=1), path, memory="64GB")
    assert p.fits and any("no co-occurrences in the sample" in n for n in p.notes)


def test_the_plan_holds_its_band_for_the_train_command_a_user_runs(tmp_path):
    """`embedlab plan` against the peak RSS of `embedlab train` (separate processes, start-up
    included) on the bundled corpus: within +-11%, the band the README promises."""
    import re
    import subprocess
    import sys

    from embedlab.corpus.datasets import dataset_path

    corpus = str(dataset_path("sample-corpus"))
    args = ["word2vec", corpus, "--min-count", "3", "--vector-size", "300"]
    out = subprocess.run([sys.executable, "-m", "embedlab", "plan", *args], capture_output=True, text=True, check=True)
    predicted = float(re.search(r"peak ([\d,]+) MB", out.stdout)[1].replace(",", "")) * 1e6
    # the child reports its own high-water mark (VmHWM) at exit: a forked child's ru_maxrss would
    # include the pages of this (large) test process it was forked from
    peak_file = tmp_path / "peak"
    script = ("import atexit, re, runpy, sys\n"
              f"def report():\n    open({str(peak_file)!r}, 'w').write(re.search(r'VmHWM:\\s+(\\d+)', "
              "open('/proc/self/status').read())[1])\n"
              "atexit.register(report)\nsys.argv = ['embedlab', *sys.argv[1:]]\n"
              "runpy.run_module('embedlab', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", script, "train", *args, "-o", str(tmp_path / "v.npz"),
                           "--epochs", "1", "--threads", "2", "--no-progress"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    measured = int(peak_file.read_text()) * 1024
    assert abs(predicted / measured - 1) <= 0.11, (predicted, measured)
