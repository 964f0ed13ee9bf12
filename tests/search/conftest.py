"""Fixtures for the search tests (helpers live in search_helpers.py)."""

from __future__ import annotations

import pytest
from search_helpers import clustered_vectors

from embedlab.vectors import KeyedVectors


@pytest.fixture(scope="session")
def kv() -> KeyedVectors:
    """Clustered low-rank vectors shaped like real embeddings."""
    return clustered_vectors()
