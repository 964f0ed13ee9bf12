"""Co-occurrence counting: dict-based Python oracle, spilled runs, bad parameters."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from embedlab.corpus.cooccurrence import count_cooccurrences
from embedlab.exceptions import DataError, InvalidParameterError

V = 300


@pytest.fixture(scope="module")
def sentences() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [(rng.zipf(1.3, size=int(rng.integers(1, 30))) - 1) % V for _ in range(400)]


def _flat(sentences):
    ids = np.concatenate(sentences).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sentences])]).astype(np.int64)
    return ids, offsets


def _oracle(sentences, window, symmetric, weighting) -> np.ndarray:
    counts: dict[tuple[int, int], float] = defaultdict(float)
    for s in sentences:
        for p in range(len(s)):
            for q in range(max(0, p - window), p):
                d = p - q
                w = {"harmonic": 1.0 / d, "linear": (window - d + 1) / window, "constant": 1.0}[weighting]
                counts[int(s[p]), int(s[q])] += w
                if symmetric:
                    counts[int(s[q]), int(s[p])] += w
    m = np.zeros((V, V))
    for (i, j), v in counts.items():
        m[i, j] = v
    return m


@pytest.mark.parametrize("memory_mb", [256.0, 0.001])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("weighting", ["harmonic", "linear", "constant"])
def test_counts_match_python_oracle(sentences, memory_mb, symmetric, weighting):
    ids, offsets = _flat(sentences)
    with count_cooccurrences(ids, offsets, V, window=4, weighting=weighting, symmetric=symmetric,
                             memory_mb=memory_mb) as cooc:
        got = cooc.to_csr().toarray()
        expected = _oracle(sentences, 4, symmetric, weighting)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)
        assert cooc.nnz == np.count_nonzero(expected)  # each cell once: no duplicates left
        assert (cooc.stats["runs_spilled"] > 0) == (memory_mb < 1)


def test_spilled_runs_live_in_a_temp_folder_removed_by_close(sentences, tmp_path):
    ids, offsets = _flat(sentences)
    cooc = count_cooccurrences(ids, offsets, V, window=5, memory_mb=0.001, tmp_dir=tmp_path)
    assert cooc.stats["runs_spilled"] >= 2
    assert any(tmp_path.iterdir())
    assert isinstance(cooc.rows, np.memmap)
    cooc.close()
    assert not any(tmp_path.iterdir())


def test_window_does_not_cross_sentences():
    ids, offsets = _flat([np.array([0, 1]), np.array([2, 3])])
    with count_cooccurrences(ids, offsets, 4, window=10) as cooc:
        m = cooc.to_csr().toarray()
    assert m[1, 2] == 0 and m[0, 1] == 1.0 and m[2, 3] == 1.0


def test_bad_parameters_and_empty_input():
    ids, offsets = _flat([np.array([0, 1, 2])])
    with pytest.raises(InvalidParameterError, match="weighting.*harmonic"):
        count_cooccurrences(ids, offsets, 3, weighting="gaussian")
    with pytest.raises(InvalidParameterError, match="'window' must be an int >= 1"):
        count_cooccurrences(ids, offsets, 3, window=0)
    with pytest.raises(DataError, match="fewer than 2 in-vocabulary tokens"):
        count_cooccurrences(np.array([0], np.int32), np.array([0, 1]), 3)
