"""Stability across seeds: the seeds-and-items paired bootstrap, overlap stability, the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from embedlab.exceptions import InvalidParameterError
from embedlab.monitoring.stability import seed_item_bootstrap

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from cli_helpers import assert_cli_error, write_topic_corpus  # noqa: E402


def _tables(rng, gold, noise, n_seeds):
    ids = np.arange(gold.shape[0])
    return [{"ids": ids, "gold": gold, "pred": gold + rng.normal(scale=noise, size=gold.shape)} for _ in range(n_seeds)]


def test_seed_item_bootstrap_finds_a_real_difference_and_not_a_fake_one():
    rng = np.random.default_rng(0)
    gold = rng.normal(size=200)
    good, bad = _tables(rng, gold, 0.5, 4), _tables(rng, gold, 2.0, 4)
    pc = seed_item_bootstrap(good, bad, "spearman", n_boot=500)
    assert pc.significant and pc.diff > 0 and pc.p_value < 0.05 and pc.ci[0] > 0
    same_a, same_b = _tables(rng, gold, 1.0, 4), _tables(rng, gold, 1.0, 4)
    pc = seed_item_bootstrap(same_a, same_b, "spearman", n_boot=500)
    assert pc.ci[0] < 0 < pc.ci[1]
    assert "seeds and items" in pc.test


def test_cli_stability_with_versus(tmp_path, run_cli):
    corpus = write_topic_corpus(tmp_path / "topics.txt", n_sentences=600)
    sim = tmp_path / "sim.tsv"
    pairs = [("king", "queen", 9), ("cow", "sheep", 9), ("ship", "boat", 9), ("king", "cow", 1), ("queen", "ship", 1),
             ("sheep", "anchor", 1), ("prince", "throne", 8), ("goat", "barn", 8), ("wave", "crown", 1),
             ("horse", "sail", 1), ("harbour", "fish", 8), ("palace", "grain", 1)]
    sim.write_text("\n".join(f"{a}\t{b}\t{s}" for a, b, s in pairs) + "\n", encoding="utf-8")
    out = tmp_path / "st"
    r = run_cli("stability", "word2vec", corpus, "--vector-size", 12, "--epochs", 2, "--min-count", 2, "--threads", 1,
                "--seeds", 3, "-o", out, "-s", sim, "--versus", "--window 1", "--json", "--n-boot", 300,
                "--no-progress")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    m = data["metrics"][0]
    assert len(m["values"]) == 3 and m["ci"][0] <= m["mean"] <= m["ci"][1] and m["std"] > 0
    assert data["params"]["vector_size"] == 12 and data["versus"]["b_params"] == {"window": 1}
    assert 0 < data["overlap"]["mean"] <= 1 and data["overlap"]["bins"]
    assert "seeds and items" in data["versus"]["test"] and data["versus"]["results"][0]["n_items"] >= 10
    assert (out / "stability.html").exists() and (out / "stability.json").exists()
    assert "the 5,000 most frequent" not in data["overlap"]["queries"]  # a small vocabulary: all keys
    assert f"queried: {data['overlap']['queries']}" in (out / "stability.html").read_text(encoding="utf-8")
    assert_cli_error(run_cli("stability", "word2vec", corpus, "--query-keys", "rare", "-o", out),
                     r"--query-keys rare: use one of frequent, sample, all")
    assert_cli_error(run_cli("stability", "word2vec", corpus, "--vector-sise", 12, "-o", out), r"--vector-sise: not a word2vec option")
    assert_cli_error(run_cli("stability", "word2vec", corpus, "--seeds", 1, "-o", out), r"--seeds must be >= 2")
    assert_cli_error(run_cli("stability", "word2vec", corpus, "--window", "x", "-o", out), r"--window: expected int")


def test_parse_method_options():
    from embedlab.cli._method_options import parse_method_options

    got = parse_method_options("word2vec", ["--vector-size", "50", "--hs", "--no-shrink-windows", "--sample=0.001"])
    assert got == {"vector_size": 50, "hs": True, "shrink_windows": False, "sample": 0.001}
    with pytest.raises(InvalidParameterError, match="not a word2vec option"):
        parse_method_options("word2vec", ["--callbacks", "x"])


def test_cli_stability_on_dask(tmp_path, run_cli):
    pytest.importorskip("distributed", reason="distributed is not installed: pip install 'embedlab[tune]'")
    corpus = write_topic_corpus(tmp_path / "topics.txt", n_sentences=400)
    r = run_cli("stability", "word2vec", corpus, "--vector-size", 8, "--epochs", 1, "--min-count", 2, "--seeds", 2,
                "-o", tmp_path / "st", "--dask", "local", "--jobs", 2, "-s", "wordsim353", "--json", "--no-progress")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["dask"] == "local" and data["n_seeds"] == 2 and data["overlap"]["n_pairs"] == 1


def test_overlap_stability_says_which_keys_it_queried_and_lets_the_user_choose():
    from embedlab.monitoring.stability import overlap_stability
    from embedlab.vectors import KeyedVectors

    rng = np.random.default_rng(0)
    keys = [f"w{i}" for i in range(600)]
    counts = np.concatenate([np.full(300, 50_000), np.full(300, 3)])  # half frequent, half seen 3 times
    base = rng.normal(size=(600, 8)).astype(np.float32)
    kvs = [KeyedVectors(keys, base + rng.normal(scale=0.3, size=base.shape).astype(np.float32), counts)
           for _ in range(3)]
    frequent = overlap_stability(kvs, k=5, n_keys=100)
    assert frequent["n_keys"] == 100 and "the 100 most frequent of the 600 keys" in frequent["queries"]
    assert [b["bin"] for b in frequent["bins"]] == ["10,000+"]  # rare keys are never queried
    sample = overlap_stability(kvs, k=5, n_keys=100, query_keys="sample")
    assert "a seeded random sample of 100 of the 600 keys" in sample["queries"]
    assert {b["bin"] for b in sample["bins"]} == {"0-9", "10,000+"} and sum(b["n"] for b in sample["bins"]) == 100
    assert sample == overlap_stability(kvs, k=5, n_keys=100, query_keys="sample")  # seeded
    everything = overlap_stability(kvs, k=5, n_keys=100, query_keys="all")
    assert everything["n_keys"] == 600 and "all 600 keys" in everything["queries"]
    with pytest.raises(InvalidParameterError, match="query_keys must be one of frequent, sample, all"):
        overlap_stability(kvs, query_keys="rare")


def test_ctrl_c_with_jobs_stops_the_workers_without_a_traceback(tmp_path):
    """Ctrl-C in a terminal reaches the whole process group: workers must not print tracebacks."""
    import os
    import signal
    import subprocess
    import time

    corpus = write_topic_corpus(tmp_path / "topics.txt", n_sentences=20000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "embedlab", "stability", "word2vec", str(corpus), "--epochs", "200", "--min-count", "1",
         "--seeds", "2", "--jobs", "2", "-o", str(tmp_path / "st"), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # both workers started and training
        kids = children.read_text().split() if children.exists() else []
        if len(kids) >= 2 and all(Path(f"/proc/{k}/status").exists() for k in kids):
            break
        time.sleep(0.2)
    time.sleep(1.0)  # the workers are still starting (importing): not inside fit
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1] == "error: interrupted", err
    assert not (tmp_path / "st" / "stability.json").exists()
