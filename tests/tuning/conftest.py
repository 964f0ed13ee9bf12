"""Shared fixtures of the tuning tests: a small real corpus, a small model, a small space."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def corpus() -> Path:
    """gensim's Lee news corpus (300 documents, 60k words; gensim is a test dependency)."""
    import gensim

    path = Path(gensim.__file__).parent / "test" / "test_data" / "lee_background.cor"
    if not path.is_file():
        pytest.skip(f"gensim's test corpus not found at {path}")
    return path


@pytest.fixture
def model():
    from embedlab.models.word2vec import Word2Vec

    return Word2Vec(vector_size=16, epochs=3, min_count=2, n_threads=1, random_state=0, show_progress=False)


@pytest.fixture
def space() -> dict:
    return {"window": (2, 8), "alpha": (0.005, 0.1, "log"), "negative": (2, 8)}
