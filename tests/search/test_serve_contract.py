"""The service keeps its OpenAPI contract: schemathesis, with every check, against a real uvicorn
server on 127.0.0.1 (two sets of different dimensions, one with labels, a token). A client
generated from /openapi.json gets what the schema promises: every status and body documented,
every validation rule in the schema, 405 with its Allow header."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from search_helpers import clustered_vectors, running_server

httpx = pytest.importorskip("httpx", reason="httpx not installed (pip install 'embedlab[serve]')")
pytest.importorskip("fastapi", reason="fastapi not installed (pip install 'embedlab[serve]')")
pytest.importorskip("schemathesis", reason="schemathesis not installed (pip install 'embedlab[test]')")

from embedlab.search import build_index  # noqa: E402
from embedlab.serve.app import Limits, create_app  # noqa: E402
from embedlab.serve.vectorset import VectorSet  # noqa: E402

TOKEN = "contract-token"


@pytest.fixture(scope="module")
def url():
    one = clustered_vectors(n=300, dim=16, seed=1)
    two = clustered_vectors(n=200, dim=8, seed=2)
    labels = {k: f"group{i % 3}" for i, k in enumerate(one.index_to_key)}
    sets = [VectorSet("one", one, build_index(one, "exact", recall_queries=0), labels=labels),
            VectorSet("two", two, build_index(two, "exact", recall_queries=0))]
    app = create_app(sets, token=TOKEN, limits=Limits(max_body_bytes=100_000, max_batch=20, max_k=50))
    with running_server(app) as base:
        yield base


def test_schemathesis_finds_no_contract_failure(url, tmp_path):
    cli = Path(sys.executable).with_name("schemathesis")
    cmd = [str(cli) if cli.exists() else "schemathesis", "run", f"{url}/openapi.json",
           "-H", f"Authorization: Bearer {TOKEN}", "--checks", "all", "--max-examples", "8", "--seed", "1",
           "--workers", "1", "--max-time", "40", "--request-timeout", "120", "--max-response-time", "120",
           "--no-shrink", "--generation-deterministic"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=400, cwd=tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-6000:]
    assert " passed" in out and "failed" not in out.split("SUMMARY")[-1], out[-3000:]


def test_contract_details(url):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    spec = httpx.get(f"{url}/openapi.json").json()
    ops = spec["paths"]
    # the body rules the route applies are in the schema (here: one variant per dimension)
    body = spec["components"]["schemas"]["SearchRequest"]
    dims = sorted(v["properties"]["vectors"]["items"]["minItems"] for v in body["oneOf"])
    assert dims == [8, 16] and body["properties"]["k"]["maximum"] == 50
    # a request the schema allows is answered, one it forbids is refused
    assert httpx.post(f"{url}/search", json={"vectors": [[1e-320] + [0.0] * 15], "k": 3}, headers=auth).status_code == 200
    assert httpx.post(f"{url}/search", json={"vectors": [[3e38] * 8], "set": "two"}, headers=auth).status_code == 200
    for bad in ({"vectors": [[]], "k": 10}, {"vectors": [[True] * 16]}, {"vectors": [[0.5] * 16], "k": "3"}):
        assert httpx.post(f"{url}/search", json=bad, headers=auth).status_code == 422, bad
    r = httpx.post(f"{url}/search", content=b'2}W`-\xff\xfeW', headers={**auth, "content-type": "application/json"})
    assert r.status_code == 422 and "malformed JSON" in r.json()["error"]
    # the media types served are the ones documented
    assert set(ops["/map"]["get"]["responses"]["200"]["content"]) == {"application/octet-stream"}
    assert set(ops["/keys"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    assert set(ops["/map.csv"]["get"]["responses"]["200"]["content"]) == {"text/csv"}
    for path in ("/neighbors", "/vector", "/similarity", "/analogy", "/compare", "/map", "/colors"):
        assert {"401", "404", "422"} <= set(ops[path]["get"]["responses"]), path
    # label colours: listed because a set has labels; the set without them answers 404
    assert httpx.get(f"{url}/legend", params={"by": "label"}, headers=auth).json()["categories"][1:] == [
        "group0", "group1", "group2"]
    r = httpx.get(f"{url}/colors", params={"by": "label", "set": "two"}, headers=auth)
    assert r.status_code == 404 and "no labels" in r.json()["error"]
    # 405 names the allowed methods
    r = httpx.request("TRACE", f"{url}/sets", headers=auth)
    assert r.status_code == 405 and set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET"}
    np.testing.assert_equal(httpx.get(f"{url}/health").json()["sets"], ["one", "two"])
