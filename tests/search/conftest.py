"""Fixtures for the search tests (helpers live in search_helpers.py)."""

from __future__ import annotations

import pytest
from search_helpers import clustered_vectors

from embedlab.vectors import KeyedVectors


@pytest.fixture(scope="session", autouse=True)
def _one_faiss_thread():
    """faiss's OpenMP threads spin while waiting; on a shared CI machine one thread is faster."""
    try:
        import faiss
    except ImportError:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


@pytest.fixture(scope="session")
def kv() -> KeyedVectors:
    """Clustered low-rank vectors shaped like real embeddings."""
    return clustered_vectors()
