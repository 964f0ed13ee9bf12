"""A real Milvus standalone server (PyPI ``milvus`` 2.3.5) on 127.0.0.1, started once per module."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from search_helpers import clustered_vectors, oracle_topk

from embedlab.exceptions import DataError, ServiceUnavailableError
from embedlab.search import build_index, load_index

pytest.importorskip("pymilvus", reason="pymilvus not installed (pip install 'embedlab[search]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def milvus_uri(tmp_path_factory):
    milvus = pytest.importorskip("milvus", reason="the 'milvus' server package is not installed")
    server = milvus.default_server
    server.set_base_dir(str(tmp_path_factory.mktemp("milvus")))
    server.listen_port = _free_port()
    try:
        server.start()
    except Exception as exc:  # pragma: no cover - the machine cannot run it
        pytest.skip(f"the Milvus server did not start: {exc}")
    try:
        yield f"http://127.0.0.1:{server.listen_port}"
    finally:
        server.stop()


@pytest.mark.slow
def test_server_insert_batches_search_and_compare_with_exact(milvus_uri, tmp_path):
    kv = clustered_vectors(n=3000, seed=5)
    # small batches: the rows reach the server in several inserts
    index = build_index(kv, "milvus", uri=milvus_uri, collection="test_flat", index_type="FLAT", batch_size=700,
                        recall_queries=300)
    try:
        assert index.metadata["recall_at_k"] == 1.0
        rows = np.arange(0, 3000, 37)
        _, truth = oracle_topk(kv.unit_vectors, kv.unit_vectors[rows], 10, exclude=list(rows))
        _, found = index.search_rows(rows, 10)
        assert found.tolist() == truth.tolist()
        index.save(tmp_path / "mv")
    finally:
        index.close()
    loaded = load_index(tmp_path / "mv")
    try:
        assert loaded.params["uri"] == milvus_uri and not (tmp_path / "mv" / "milvus.db").exists()
        assert [k for k, _ in loaded.search_keys(["w0"], k=10)[0]] == [kv.index_to_key[r] for r in truth[0]]
        hits = loaded.search_vectors(kv.vectors[:2], k=1)
        assert [h[0][0] for h in hits] == ["w0", "w1"]  # a stored vector finds itself
    finally:
        loaded.close()


@pytest.mark.slow
def test_server_hnsw_recall_and_existing_collection(milvus_uri):
    kv = clustered_vectors(n=3000, seed=6)
    index = build_index(kv, "milvus", uri=milvus_uri, collection="test_hnsw", index_type="HNSW", ef=64,
                        recall_queries=300)
    index.close()
    assert index.metadata["recall_at_k"] >= 0.95
    with pytest.raises(DataError, match="collection 'test_hnsw' already exists.*--overwrite"):
        build_index(kv, "milvus", uri=milvus_uri, collection="test_hnsw")


def test_unreachable_server_is_one_line_after_bounded_retry():
    port = _free_port()  # nothing listens there
    kv = clustered_vectors(n=50)
    with pytest.raises(ServiceUnavailableError, match=rf"Milvus at http://127.0.0.1:{port} is unreachable after 2 attempts"):
        build_index(kv, "milvus", uri=f"http://127.0.0.1:{port}", retries=2)
