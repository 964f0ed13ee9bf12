"""Corpus drift (OOV, Jensen-Shannon, new words, recommendation) and query-log monitoring."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from embedlab.exceptions import FormatError
from embedlab.monitoring.corpus_drift import corpus_drift, js_divergence
from embedlab.monitoring.queries import query_drift, read_query_log
from embedlab.vectors import KeyedVectors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from cli_helpers import assert_cli_error  # noqa: E402


def test_js_divergence_known_values():
    assert js_divergence(np.array([1, 0]), np.array([0, 1])) == pytest.approx(1.0)
    assert js_divergence(np.array([3, 1]), np.array([6, 2])) == pytest.approx(0.0)
    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    m = (p + q) / 2
    want = 0.5 * np.sum(p * np.log2(p / m)) + 0.5 * np.sum(q * np.log2(q / m))
    assert js_divergence(p, q) == pytest.approx(want)


def test_corpus_drift_against_a_model_vocabulary():
    kv = KeyedVectors(["the", "king", "queen"], np.ones((3, 2)), counts=np.array([50, 30, 20]),
                      metadata={"corpus": {"total_words": 110}})  # 10 tokens of pruned rare words
    same = {"the": 50, "king": 30, "queen": 20, "rare": 10}
    r = corpus_drift(same, 110, reference_vectors=kv)
    assert r["figures"]["js_divergence"] == pytest.approx(0.0, abs=1e-12)
    assert r["figures"]["oov_rate"] == pytest.approx(10 / 110) and r["figures"]["excess_oov_rate"] == pytest.approx(0)
    assert r["recommendation"]["verdict"] == "retrain not needed"
    shifted = {"the": 50, "king": 5, "queen": 5, "covid": 40, "zoom": 20}
    r = corpus_drift(shifted, 120, reference_vectors=kv, min_count=5)
    assert [w["word"] for w in r["new_frequent_words"]] == ["covid", "zoom"]
    assert r["figures"]["oov_rate"] == pytest.approx(60 / 120)
    assert r["recommendation"]["retrain"] and "above the threshold" in r["recommendation"]["reason"]


def test_cli_corpus_drift_two_texts(tmp_path, run_cli):
    old = tmp_path / "old.txt"
    new = tmp_path / "new.txt"
    old.write_text("the king and the queen\n" * 200, encoding="utf-8")
    new.write_text("the king and the queen\n" * 100 + "the virus and the vaccine\n" * 100, encoding="utf-8")
    r = run_cli("drift", "--corpus", old, "--corpus", new, "-o", tmp_path / "out", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["recommendation"]["verdict"] == "retrain recommended"
    assert {w["word"] for w in data["new_frequent_words"]} == {"virus", "vaccine"}
    assert (tmp_path / "out" / "corpus_drift.html").read_text(encoding="utf-8").count("virus") >= 1
    r = run_cli("drift", "--corpus", old, "--corpus", old, "-o", tmp_path / "out", "--fail-above", 0.01)
    assert r.exit_code == 0 and "retrain not needed" in r.stdout
    r = run_cli("drift", "--corpus", old, "--corpus", new, "-o", tmp_path / "out", "--fail-above", 0.01)
    assert r.exit_code == 1
    # bad input: another encoding, a lone --corpus
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("caf\xe9 cr\xe8me\n".encode("latin-1"))
    assert_cli_error(run_cli("drift", "--corpus", old, "--corpus", latin, "-o", tmp_path / "o2"), r"latin1.txt.*line 1")
    assert not (tmp_path / "o2" / "corpus_drift.json").exists()
    r = run_cli("drift", "--corpus", old, "--corpus", latin, "-o", tmp_path / "o2", "--encoding", "latin-1")
    assert r.exit_code == 0, r.stderr
    assert_cli_error(run_cli("drift", "--corpus", new, "-o", tmp_path / "o3"), r"needs --vectors V")


def _log(path: Path) -> Path:
    lines = []
    for day in range(4):
        for i in range(100):
            key = ["king", "queen", "covid"][i % 3] if day >= 2 else ["king", "queen"][i % 2]
            ts = f"2026-11-0{day + 1}T{i % 24:02d}:00:00Z" if i % 2 else 1793491200 + day * 86400 + i
            lines.append(json.dumps({"ts": ts, "endpoint": "/similar", "key": key, "hit": key != "covid",
                                     "latency_ms": 3}))
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def test_query_drift_miss_rate_over_time(tmp_path):
    log = _log(tmp_path / "q.jsonl")
    r = query_drift(log, period="day")
    rates = [p["miss_rate"] for p in r["periods"]]
    assert len(rates) >= 4 and rates[0] == 0.0 and rates[-1] > 0.3
    assert r["unknown_keys"][0]["key"] == "covid" and r["unknown_keys"][0]["count"] == sum(p["misses"] for p in r["periods"])
    kv = KeyedVectors(["king", "covid"], np.ones((2, 2)))  # a new model that knows covid but not queen
    r2 = query_drift(log, kv, period="day")
    assert r2["unknown_keys"][0]["key"] == "queen" and r2["summary"]["miss_rate_vectors"] > 0.3


def test_query_log_bad_lines(tmp_path, run_cli):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"ts": "2026-01-01T00:00:00Z", "endpoint": "/v", "key": "a", "hit": true}\n{"ts": 5, "key": "b"}\n')
    with pytest.raises(FormatError, match=r"bad.jsonl:2: missing field\(s\) endpoint, hit"):
        list(read_query_log(bad))
    bad.write_text('{"ts": "yesterday", "endpoint": "/v", "key": "a", "hit": true}\n')
    assert_cli_error(run_cli("drift", "--queries", bad, "-o", tmp_path / "o"), r"bad.jsonl:1: 'ts' 'yesterday' is not ISO-8601")
    log = _log(tmp_path / "q.jsonl")
    r = run_cli("drift", "--queries", log, "-o", tmp_path / "o", "--json", "--period", "day")
    assert r.exit_code == 0 and json.loads(r.stdout)["unknown_keys"][0]["key"] == "covid"
    assert (tmp_path / "o" / "query_drift.html").exists()


def test_the_service_query_log_is_read_by_query_drift(tmp_path):
    """`serve --log-queries` writes what `drift --queries` reads: misses counted, keys kept."""
    pytest.importorskip("fastapi", reason="the serve extra is not installed: pip install 'embedlab[serve]'")
    from embedlab.serve.app import QueryLog

    path = tmp_path / "q.jsonl"
    log = QueryLog(path)
    for key, hit in [("king", True), ("kinng", False), ("kinng", False), ("queen", True)]:
        log.write("neighbors", "v", key, hit)
    log.close()
    records = list(read_query_log(path))
    assert [r.key for r in records] == ["king", "kinng", "kinng", "queen"]
    report = query_drift(path)
    assert report["summary"]["miss_rate"] == pytest.approx(0.5)
    assert report["unknown_keys"][0] == {**report["unknown_keys"][0], "key": "kinng", "count": 2}
    assert report["endpoints"][0]["endpoint"] == "neighbors"
