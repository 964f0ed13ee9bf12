"""`embedlab serve` refuses unsafe or impossible binds before loading anything; `index` CLI errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from search_helpers import clustered_vectors, free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from cli_helpers import assert_cli_error  # noqa: E402

from embedlab.cli.app import app  # noqa: E402
from embedlab.vectors import KeyedVectors  # noqa: E402


@pytest.fixture
def cli():
    from typer.testing import CliRunner

    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def vectors(tmp_path):
    path = tmp_path / "v.npz"
    clustered_vectors(n=1500, seed=2).save(path)
    return path


def test_non_loopback_without_token_is_refused(cli, vectors):
    assert_cli_error(cli("serve", vectors, "--host", "0.0.0.0"), r"--host 0.0.0.0 is reachable from other machines; give --token")


def test_port_in_use_is_one_line(cli, vectors):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert_cli_error(cli("serve", vectors, "--port", port), rf"--port {port}: address 127.0.0.1:{port} is already in use")


def test_index_from_other_vectors_is_refused(cli, vectors, tmp_path):
    other = tmp_path / "other.npz"
    clustered_vectors(n=1500, seed=9).save(other)
    assert cli("index", "build", other, "-o", tmp_path / "idx", "--backend", "exact").exit_code == 0
    assert_cli_error(cli("serve", vectors, "--index", tmp_path / "idx", "--port", free_port()),
                     r"--index .*idx: built from other vectors than these .*rebuild it")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_command_end_to_end(vectors, tmp_path, workers):
    """The real command in a subprocess: prints its URL, answers with the token, stops on SIGINT
    (with --workers 2 too: two processes on the one port, both logging queries to the one file)."""
    httpx = pytest.importorskip("httpx", reason="httpx is not installed: pip install 'embedlab[serve]'")
    port = free_port()
    log = tmp_path / "q.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "embedlab", "serve", str(vectors), "--port", str(port),
                             "--token", "tok", "--log-queries", str(log), "--workers", str(workers)],
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/neighbors", params={"key": "w1", "k": 2},
                              headers={"Authorization": "Bearer tok"}, timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.3)
        assert r.status_code == 200 and len(r.json()["neighbors"]) == 2
        expected = [k for k, _ in KeyedVectors.load(vectors).most_similar("w5", topn=3)]
        for _ in range(6):  # new connections: with two workers both answer
            r = httpx.get(f"http://127.0.0.1:{port}/neighbors", params={"key": "w5", "k": 3},
                          headers={"Authorization": "Bearer tok"}, timeout=5)
            assert [n["key"] for n in r.json()["neighbors"]] == expected
        assert httpx.get(f"http://127.0.0.1:{port}/neighbors", params={"key": "w5"}, timeout=5).status_code == 401
    finally:
        proc.send_signal(2)
        _, err = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in err and "Traceback" not in err
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["key"] for r in lines] == ["w1"] + ["w5"] * 6


# ---------------------------------------------------------------- embedlab index build / query
def test_index_build_prints_recall_and_query_finds_neighbours(cli, vectors, tmp_path):
    out = tmp_path / "hnsw"
    result = cli("index", "build", vectors, "-o", out, "--factory", "HNSW32", "--ef-search", "64")
    assert result.exit_code == 0, result.stderr
    assert "recall@10 vs exact:" in result.stdout and "build time:" in result.stdout and "size:" in result.stdout
    meta = json.loads((out / "index.json").read_text())
    assert meta["recall_at_k"] >= 0.95 and meta["params"]["factory"] == "HNSW32"
    q = cli("index", "query", out, "w1", "-k", "4", "--json")
    hits = json.loads(q.stdout.splitlines()[0])
    kv = KeyedVectors.load(vectors)
    assert [h["key"] for h in hits["neighbors"]] == [k for k, _ in kv.most_similar("w1", topn=4)]
    vec_file = tmp_path / "q.txt"
    vec_file.write_text(" ".join(str(x) for x in kv["w7"]) + "\n", encoding="utf-8")
    q2 = cli("index", "query", out, "--vector-file", vec_file, "-k", "1", "--json")
    assert json.loads(q2.stdout)["neighbors"][0]["key"] == "w7"


def test_index_build_warns_on_isotropic_vectors_with_low_recall(cli, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "iso.npz"
    KeyedVectors([f"r{i}" for i in range(20000)], rng.normal(size=(20000, 64)).astype(np.float32)).save(path)
    result = cli("index", "build", path, "-o", tmp_path / "i", "--factory", "HNSW8", "--ef-search", "8",
                 "--recall-queries", "300")
    assert result.exit_code == 0
    assert "look near-isotropic" in result.stderr


@pytest.mark.parametrize(
    ("args", "pattern"),
    [(["--factory", "NOPE"], r"factory 'NOPE' is not a valid faiss index_factory string"),
     (["--backend", "exact", "--factory", "Flat"], r"--factory applies to --backend faiss only"),
     (["--uri", "http://x:1"], r"--uri applies to --backend milvus only")],
)
def test_index_build_bad_options(cli, vectors, tmp_path, args, pattern):
    assert_cli_error(cli("index", "build", vectors, "-o", tmp_path / "x", *args), pattern)
    assert not (tmp_path / "x").exists()


def test_index_build_refuses_nan_and_query_errors(cli, tmp_path, vectors):
    x = np.ones((10, 4), dtype=np.float32)
    x[6, 2] = np.nan
    bad = tmp_path / "nan.npz"
    KeyedVectors([f"k{i}" for i in range(10)], x).save(bad)
    assert_cli_error(cli("index", "build", bad, "-o", tmp_path / "n"), r"row 7, key 'k6': the vector holds NaN or inf")
    assert not (tmp_path / "n").exists()
    out = tmp_path / "e"
    assert cli("index", "build", vectors, "-o", out, "--backend", "exact").exit_code == 0
    assert_cli_error(cli("index", "query", out, "w1x"), r"key 'w1x' is not in index .*close: w1")
    short = tmp_path / "short.txt"
    short.write_text("1 2 3\n", encoding="utf-8")
    assert_cli_error(cli("index", "query", out, "--vector-file", short), r"short.txt, line 1: 3 numbers; the index has dimension 32")
    assert_cli_error(cli("index", "query", tmp_path / "none", "w1"), r"no such index")


def test_index_query_refuses_a_zero_vector_naming_its_row(cli, tmp_path, vectors):
    """A zero query vector has no cosine with anything; searched, it returned arbitrary keys scored 0.0."""
    out = tmp_path / "e"
    assert cli("index", "build", vectors, "-o", out, "--backend", "exact").exit_code == 0
    zero = tmp_path / "zero.txt"
    zero.write_text(" ".join(["0.5"] * 32) + "\n" + " ".join(["0"] * 32) + "\n", encoding="utf-8")
    result = cli("index", "query", out, "--vector-file", zero, "--json")
    assert_cli_error(result, r"zero.txt: query vector 2 is all zeros; cosine similarity with a zero vector is "
                             r"undefined")
    assert result.stdout == ""
