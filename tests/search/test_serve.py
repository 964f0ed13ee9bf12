"""The HTTP service on a real uvicorn server on 127.0.0.1: routes, security rules, bounds, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from search_helpers import clustered_vectors, oracle_topk, running_server

httpx = pytest.importorskip("httpx", reason="httpx not installed (pip install 'embedlab[serve]')")
pytest.importorskip("fastapi", reason="fastapi not installed (pip install 'embedlab[serve]')")

from embedlab.search import build_index  # noqa: E402
from embedlab.serve.app import Limits, QueryLog, create_app  # noqa: E402
from embedlab.serve.vectorset import VectorSet  # noqa: E402

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def kv():
    return clustered_vectors(n=2000, seed=11)


@pytest.fixture(scope="module")
def kv2():
    return clustered_vectors(n=2000, seed=12)


@pytest.fixture(scope="module")
def server(kv, kv2, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("qlog") / "queries.jsonl"
    sets = [VectorSet("one", kv, build_index(kv, "exact", recall_queries=0)),
            VectorSet("two", kv2, build_index(kv2, "faiss", factory="Flat", recall_queries=0))]
    app = create_app(sets, token=TOKEN, limits=Limits(max_body_bytes=200_000, max_batch=50),
                     query_log=QueryLog(log_path))
    with running_server(app) as url:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
            yield client, url, log_path


def test_neighbors_match_exact_oracle_and_exclude_the_key(server, kv):
    client, _, _ = server
    body = client.get("/neighbors", params={"key": "w3", "k": 7}).json()
    _, ref = oracle_topk(kv.unit_vectors, kv.unit_vectors[[3]], 7, exclude=[3])
    assert body["key"] == "w3" and body["set"] == "one"
    assert [n["key"] for n in body["neighbors"]] == [kv.index_to_key[r] for r in ref[0]]
    assert "w3" not in [n["key"] for n in body["neighbors"]]
    scores = [n["score"] for n in body["neighbors"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1


def test_concurrent_requests_are_answered_correctly(server, kv):
    """Queries batched together still get their own answers."""
    import concurrent.futures

    client, url, _ = server
    keys = [f"w{i}" for i in range(0, 400, 7)]

    def ask(key):
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as c:
            return c.get("/neighbors", params={"key": key, "k": 3}).json()

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, keys))
    rows = [kv.key_to_index[k] for k in keys]
    _, ref = oracle_topk(kv.unit_vectors, kv.unit_vectors[rows], 3, exclude=rows)
    assert [[n["key"] for n in a["neighbors"]] for a in answers] == [[kv.index_to_key[r] for r in rr] for rr in ref]


def test_search_vector_similarity_analogy_and_second_set(server, kv, kv2):
    client, _, _ = server
    res = client.post("/search", json={"vectors": kv.vectors[:2].tolist(), "k": 2}).json()
    assert [r["neighbors"][0]["key"] for r in res["results"]] == ["w0", "w1"]  # a stored vector finds itself
    vec = client.get("/vector", params={"key": "w5"}).json()["vector"]
    np.testing.assert_allclose(vec, kv.vectors[5], rtol=1e-6)
    sim = client.get("/similarity", params={"a": "w1", "b": "w2"}).json()["similarity"]
    assert sim == pytest.approx(float(kv.unit_vectors[1] @ kv.unit_vectors[2]), abs=1e-5)
    ana = client.get("/analogy", params={"a": "w1", "b": "w2", "c": "w3", "k": 3}).json()
    assert len(ana["neighbors"]) == 3 and not {"w1", "w2", "w3"} & {n["key"] for n in ana["neighbors"]}
    two = client.get("/neighbors", params={"key": "w3", "k": 5, "set": "two"}).json()
    _, ref = oracle_topk(kv2.unit_vectors, kv2.unit_vectors[[3]], 5, exclude=[3])
    assert [n["key"] for n in two["neighbors"]] == [kv2.index_to_key[r] for r in ref[0]]
    cmp = client.get("/compare", params={"key": "w3", "a": "one", "b": "two", "k": 5}).json()
    assert cmp["overlap"] == len(set(cmp["shared"])) / 5


def test_token_is_required(server):
    _, url, _ = server
    for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        resp = httpx.get(f"{url}/neighbors", params={"key": "w1"}, headers=auth)
        assert resp.status_code == 401 and "token" in resp.json()["error"]
        assert resp.headers["www-authenticate"] == "Bearer"
    assert httpx.post(f"{url}/search", json={"vectors": [[0.0] * 32]}).status_code == 401
    assert httpx.get(f"{url}/health").json()["status"] == "ok"  # liveness needs no token
    assert httpx.get(f"{url}/").status_code == 200  # the page holds no data
    assert "/neighbors" in httpx.get(f"{url}/openapi.json").json()["paths"]
    page = httpx.get(f"{url}/docs")
    assert page.status_code == 200 and "/neighbors" in page.text
    assert "http" not in page.text.replace("openapi.json", "")  # self-contained: nothing from a CDN


@pytest.mark.parametrize(
    ("params", "status", "pattern"),
    [({"key": "w1", "k": 0}, 422, "k: Input should be greater than or equal to 1"),
     ({"key": "w1", "k": 1001}, 422, "k: Input should be less than or equal to 1000"),
     ({"key": "w1", "k": "ten"}, 422, "k: Input should be a valid integer"),
     ({"key": "w1", "set": "nope"}, 404, "no vector set 'nope'; sets: one, two"),
     ({}, 422, "key: Field required")],
)
def test_bad_query_parameters(server, params, status, pattern):
    client, _, _ = server
    resp = client.get("/neighbors", params=params)
    assert resp.status_code == status and pattern in resp.json()["error"]


def test_plain_neighbors_fast_path_answers_as_the_route(server):
    """The plain request is answered before FastAPI; one with more than 8 query fields goes to the
    FastAPI route (unknown fields are ignored there): both give the same bytes."""
    client, url, _ = server
    extra = {f"x{i}": "1" for i in range(8)}
    for params in ({"key": "w3", "k": 7}, {"key": "w5"}, {"key": "w8", "k": 4, "set": "two"}):
        fast = client.get("/neighbors", params=params)
        routed = client.get("/neighbors", params={**params, **extra})
        assert fast.status_code == routed.status_code == 200
        assert fast.content == routed.content and fast.headers["content-type"] == "application/json"
    # what the fast path declines still gets the route's checks and messages
    long_key = client.get("/neighbors", params={"key": "w" * 1001})
    assert long_key.status_code == 422 and "key: String should have at most 1000 characters" in long_key.json()["error"]
    for k in ("05", "\u0663", " 5", "-1", "1e1"):
        fast = client.get("/neighbors", params={"key": "w1", "k": k})
        routed = client.get("/neighbors", params={"key": "w1", "k": k, **extra})
        assert (fast.status_code, fast.content) == (routed.status_code, routed.content), k
    assert len(client.get("/neighbors", params={"key": "w1", "k": "05"}).json()["neighbors"]) == 5
    assert httpx.get(f"{url}/neighbors", params={"key": "w1"},
                     headers=[("Authorization", "Bearer wrong"), ("Authorization", f"Bearer {TOKEN}")]).status_code == 401
    assert client.post("/neighbors", params={"key": "w1"}).status_code == 405


def test_unknown_key_gives_404_with_close_spellings(server):
    client, _, _ = server
    resp = client.get("/neighbors", params={"key": "w1x"})
    body = resp.json()
    assert resp.status_code == 404 and "key 'w1x' is not in set 'one'" in body["error"]
    assert "w1" in body["suggestions"]


def test_bodies_and_batches_are_bounded(server):
    client, _, _ = server
    big = client.post("/search", content=b"[" + b"1.0," * 60_000 + b"1.0]", headers={"content-type": "application/json"})
    assert big.status_code == 413 and "over 200000 bytes" in big.json()["error"]

    def chunks():  # no Content-Length: the bound holds on the streamed body too
        for _ in range(50):
            yield b" " * 10_000

    streamed = client.post("/search", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    # a plain /neighbors query declaring an oversized body is not waved through by the fast path
    get_big = client.request("GET", "/neighbors", params={"key": "w1"}, content=b" " * 300_000)
    assert get_big.status_code == 413 and "over 200000 bytes" in get_big.json()["error"]
    many = client.post("/search", json={"vectors": [[0.1] * 32] * 51})
    assert many.status_code == 422 and "at most 50 per request" in many.json()["error"]
    wrong_dim = client.post("/search", json={"vectors": [[0.1] * 5]})
    assert wrong_dim.status_code == 422 and "dimension 5; set 'one' has dimension 32" in wrong_dim.json()["error"]
    bad_json = client.post("/search", content=b'{"vectors": [[1, 2]', headers={"content-type": "application/json"})
    assert bad_json.status_code == 422 and "malformed JSON" in bad_json.json()["error"]
    nan = client.post("/search", content=b'{"vectors": [[NaN' + b", 0" * 31 + b"]]}",
                      headers={"content-type": "application/json"})
    assert nan.status_code == 422
    assert "Traceback" not in big.text + many.text + bad_json.text + nan.text


def test_metrics_count_requests_and_give_latency_quantiles(server):
    client, _, _ = server
    before = client.get("/metrics").json()["requests"].get("/neighbors", 0)
    for _ in range(5):
        client.get("/neighbors", params={"key": "w2"})
    client.get("/neighbors", params={"key": "nope-key"})
    snap = client.get("/metrics").json()
    assert snap["requests"]["/neighbors"] == before + 6
    assert snap["status"]["404"] >= 1
    lat = snap["latency"]["/neighbors"]
    assert 0 < lat["p50_ms"] <= lat["p90_ms"] <= lat["p99_ms"] <= lat["max_ms"]


def test_query_log_records_keys_and_misses(server):
    client, _, log_path = server
    client.get("/neighbors", params={"key": "w9"})
    client.get("/neighbors", params={"key": "zzz-missing"})
    client.get("/similarity", params={"a": "w1", "b": "absent"})
    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    recent = lines[-4:]
    assert [(r["endpoint"], r["key"], r["hit"]) for r in recent] == [
        ("neighbors", "w9", True), ("neighbors", "zzz-missing", False), ("similarity", "w1", True),
        ("similarity", "absent", False)]
    assert all(r["set"] == "one" and r["ts"].endswith("Z") and r["time"] > 1e9 for r in recent)


def test_map_keys_colors_and_csv_export(server, kv):
    client, _, _ = server
    resp = client.get("/map")
    xy = np.frombuffer(resp.content, dtype="<f4").reshape(-1, 2)
    assert xy.shape == (len(kv), 2) and np.abs(xy).max() <= 1.0 and xy.std(axis=0).min() > 0.05
    assert client.get("/keys").text.split("\n") == kv.index_to_key
    cats = np.frombuffer(client.get("/colors", params={"by": "cluster"}).content, dtype=np.uint8)
    legend = client.get("/legend", params={"by": "cluster"}).json()["categories"]
    assert len(cats) == len(kv) and cats.max() < len(legend) and len(set(cats.tolist())) > 3
    csv = client.get("/map.csv").text.splitlines()
    assert csv[0] == "key,x,y" and len(csv) == len(kv) + 1
    key, x, y = csv[4].split(",")
    assert key == "w3" and float(x) == pytest.approx(xy[3, 0], abs=1e-5)
    assert client.get("/colors", params={"by": "label"}).status_code == 422  # no label file given


@pytest.mark.parametrize("set_name", ["one", "two"])
def test_search_refuses_a_zero_query_vector(server, set_name):
    client, _, _ = server
    r = client.post("/search", json={"vectors": [[0.1] * 32, [0.0] * 32], "k": 3, "set": set_name})
    assert r.status_code == 422, r.text
    assert r.json() == {"error": "vectors: query vector 2 is all zeros; cosine similarity with a zero vector is "
                                 "undefined", "status": 422}


@pytest.mark.parametrize("words", [("w1", "w2", "w3"), ("w40", "w7", "w1234"), ("w3", "w1", "w2")])
def test_analogy_matches_a_3cosadd_oracle(server, kv, words):
    """a : b :: c : ? is the cosine top k of unit(b) - unit(a) + unit(c), the three query keys
    excluded, computed here with NumPy: keys in order and scores (a - b + c, or c itself in the
    answer, gives other keys)."""
    client, _, _ = server
    a, b, c = words
    body = client.get("/analogy", params={"a": a, "b": b, "c": c, "k": 6}).json()
    unit = kv.unit_vectors.astype(np.float64)
    ra, rb, rc = (kv.key_to_index[w] for w in words)
    q = unit[rb] - unit[ra] + unit[rc]
    scores = unit @ (q / np.linalg.norm(q))
    order = [r for r in np.argsort(-scores, kind="stable") if r not in (ra, rb, rc)][:6]
    assert [n["key"] for n in body["neighbors"]] == [kv.index_to_key[r] for r in order]
    np.testing.assert_allclose([n["score"] for n in body["neighbors"]], scores[order], atol=2e-5)


@pytest.mark.parametrize("key", ["w3", "w500", "w1999"])
def test_compare_shared_is_the_intersection_of_two_oracles(server, kv, kv2, key):
    """/compare against the exact neighbours of the key in each set computed here: "shared" is
    their intersection (not the union), "overlap" its size over k; a set against itself shares all."""
    client, _, _ = server
    k = 25
    row = kv.key_to_index[key]
    _, ra = oracle_topk(kv.unit_vectors, kv.unit_vectors[[row]], k, exclude=[row])
    _, rb = oracle_topk(kv2.unit_vectors, kv2.unit_vectors[[kv2.key_to_index[key]]], k,
                        exclude=[kv2.key_to_index[key]])
    na, nb = {kv.index_to_key[r] for r in ra[0]}, {kv2.index_to_key[r] for r in rb[0]}
    body = client.get("/compare", params={"key": key, "a": "one", "b": "two", "k": k}).json()
    assert [n["key"] for n in body["a"]["neighbors"]] == [kv.index_to_key[r] for r in ra[0]]
    assert [n["key"] for n in body["b"]["neighbors"]] == [kv2.index_to_key[r] for r in rb[0]]
    assert body["shared"] == sorted(na & nb) and body["overlap"] == pytest.approx(round(len(na & nb) / k, 4))
    assert na != nb  # the two sets differ here, so a union would not pass
    same = client.get("/compare", params={"key": key, "a": "one", "b": "one", "k": k}).json()
    assert same["shared"] == sorted(na) and same["overlap"] == 1.0


def test_similarity_is_the_cosine_of_the_stored_vectors(server, kv):
    client, _, _ = server
    for a, b in (("w1", "w2"), ("w10", "w1500")):
        x, y = kv.vectors[kv.key_to_index[a]].astype(np.float64), kv.vectors[kv.key_to_index[b]].astype(np.float64)
        want = x @ y / np.linalg.norm(x) / np.linalg.norm(y)
        got = client.get("/similarity", params={"a": a, "b": b}).json()["similarity"]
        assert got == pytest.approx(want, abs=2e-6)
