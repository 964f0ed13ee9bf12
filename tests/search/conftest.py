"""Fixtures for the search tests: clustered low-rank vectors (shaped like real embeddings)."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def kv() -> KeyedVectors:
    return clustered_vectors()


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
