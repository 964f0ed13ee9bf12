"""The running top-k kernel against a NumPy oracle (stable descending sort)."""

from __future__ import annotations

import numpy as np

from embedlab.kernels.topk import empty_topk, merge_topk, no_exclusions


def _oracle(scores: np.ndarray, k: int, excluded: list[set[int]]) -> np.ndarray:
    out = np.full((scores.shape[0], k), -1, dtype=np.int64)
    for q in range(scores.shape[0]):
        order = [int(j) for j in np.argsort(-scores[q], kind="stable") if int(j) not in excluded[q]]
        out[q, : min(k, len(order))] = order[:k]
    return out


def test_blocks_and_exclusions_match_oracle() -> None:
    rng = np.random.default_rng(3)
    n_q, n_db, k = 37, 1000, 10
    scores = rng.standard_normal((n_q, n_db)).astype(np.float32)
    scores[:, 500] = scores[:, 499]  # a tie: the lower row comes first
    excluded = [set(rng.choice(n_db, size=rng.integers(0, 50), replace=False).tolist()) for _ in range(n_q)]
    ptr = np.zeros(n_q + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(s) for s in excluded])
    idx = np.concatenate([np.sort(np.fromiter(s, dtype=np.int64, count=len(s))) for s in excluded])
    top_val, top_idx = empty_topk(n_q, k)
    for start in range(0, n_db, 128):  # blocks of 128 columns
        block = np.ascontiguousarray(scores[:, start : start + 128])
        merge_topk(block, start, top_val, top_idx, ptr, idx)
    np.testing.assert_array_equal(top_idx, _oracle(scores, k, excluded))
    np.testing.assert_allclose(top_val, np.take_along_axis(scores, top_idx, axis=1))


def test_fewer_candidates_than_k_leaves_minus_one() -> None:
    scores = np.array([[0.5, 0.1, 0.9]], dtype=np.float32)
    top_val, top_idx = empty_topk(1, 5)
    merge_topk(scores, 0, top_val, top_idx, *no_exclusions(1))
    assert top_idx.tolist() == [[2, 0, 1, -1, -1]]
    assert np.isneginf(top_val[0, 3:]).all()
