"""Fixtures shared by the corpus tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def zipf_sentences(seed: int) -> list[list[str]]:
    """400 sentences of 0-39 words drawn from a Zipf-like distribution over 300 words."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(300)]
    probs = 1.0 / np.arange(1, 301)
    probs /= probs.sum()
    return [[str(w) for w in rng.choice(words, size=rng.integers(0, 40), p=probs)] for _ in range(400)]
