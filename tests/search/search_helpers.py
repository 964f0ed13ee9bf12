"""Helpers of the search tests: clustered low-rank vectors, a NumPy top-k oracle, a real uvicorn server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import numpy as np
import pytest

from embedlab.vectors import KeyedVectors


def clustered_vectors(n: int = 4000, dim: int = 32, n_clusters: int = 40, rank: int = 12, seed: int = 0) -> KeyedVectors:
    """Points around cluster centres in a ``rank``-dimensional subspace plus small full-rank noise."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(rank, dim))
    centres = rng.normal(size=(n_clusters, rank)) * 2.0
    low = centres[rng.integers(0, n_clusters, n)] + rng.normal(size=(n, rank))
    x = (low @ basis + 0.3 * rng.normal(size=(n, dim))).astype(np.float32)
    return KeyedVectors([f"w{i}" for i in range(n)], x, counts=np.arange(n, 0, -1) * 3)


def oracle_topk(unit: np.ndarray, queries: np.ndarray, k: int, exclude: list[int] | None = None):
    """Slow NumPy reference: full scores, stable sort (ties keep the lower row), exclusions."""
    scores = queries @ unit.T
    rows, vals = [], []
    for i, s in enumerate(scores):
        order = np.argsort(-s, kind="stable")
        if exclude is not None:
            order = order[order != exclude[i]]
        rows.append(order[:k])
        vals.append(s[order[:k]])
    return np.array(vals), np.array(rows)


# ---------------------------------------------------------------- a real uvicorn server on loopback


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(app, host: str = "127.0.0.1"):
    """Run ``app`` on uvicorn in a thread on a free loopback port; yield its base URL."""
    uvicorn = pytest.importorskip("uvicorn", reason="uvicorn not installed (pip install 'embedlab[serve]')")
    port = free_port()
    config = uvicorn.Config(app, host=host, port=port, log_level="error", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
