"""Exact (brute-force) search: BLAS matrix products over blocks of rows + a compiled top-k merge.

The oracle the approximate backends are measured against. Queries are taken in chunks and the
database in blocks; each block of scores (one ``sgemm``, multi-threaded by the BLAS) is merged into
running top-k lists by :func:`embedlab.kernels.topk.merge_topk` (parallel over queries), so memory
stays bounded (about ``block_mb`` of scores) whatever the number of rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import FormatError
from .base import BaseIndex, register_backend

__all__ = ["ExactIndex", "exact_topk"]


def exact_topk(
    database: np.ndarray,
    queries: np.ndarray,
    k: int,
    *,
    exclude: tuple[np.ndarray, np.ndarray] | None = None,
    block_mb: float = 32.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` inner products of ``queries`` against ``database`` rows: ``(scores, rows)``.

    ``exclude`` is an optional CSR ``(ptr, rows)`` of database rows (sorted per query) to skip.
    Ties keep the lower row; rows are -1 (scores -inf) where fewer than ``k`` remain.
    """
    from ..kernels.topk import empty_topk, merge_topk, merge_topk_serial, no_exclusions

    database = np.asarray(database, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    n_q, n_db = len(queries), len(database)
    top_val, top_idx = empty_topk(n_q, k)
    ptr, idx = exclude if exclude is not None else no_exclusions(n_q)
    if n_q == 0 or n_db == 0:
        return top_val, top_idx
    budget = int(block_mb * (1 << 20)) // 4  # floats of scores per block
    q_chunk = max(1, min(n_q, 4096))
    block = int(min(n_db, max(1024, budget // q_chunk)))
    # a few queries: merge in this thread (waking the worker threads costs more than it saves)
    merge = merge_topk_serial if n_q < 16 else merge_topk
    for q0 in range(0, n_q, q_chunk):
        q1 = min(n_q, q0 + q_chunk)
        qs = queries[q0:q1]
        tv, ti = top_val[q0:q1], top_idx[q0:q1]
        sub_ptr = ptr[q0 : q1 + 1] - ptr[q0]
        sub_idx = idx[ptr[q0] : ptr[q1]]
        out = np.empty((q1 - q0, block), dtype=np.float32)
        for b0 in range(0, n_db, block):
            b1 = min(n_db, b0 + block)
            scores = out[:, : b1 - b0]
            np.matmul(qs, database[b0:b1].T, out=scores)
            merge(scores, b0, tv, ti, sub_ptr, sub_idx)
    return top_val, top_idx


@register_backend
class ExactIndex(BaseIndex):
    """Brute-force search over all rows (cosine = inner product of normalised rows)."""

    backend = "exact"

    def __init__(self, dim: int, metric: str = "cosine", block_mb: float = 32.0, **params: Any) -> None:
        super().__init__(dim, metric, block_mb=float(block_mb), **params)
        self._rows = np.zeros((0, dim), dtype=np.float32)

    @property
    def rows(self) -> np.ndarray:
        """The stored (normalised, for cosine) rows."""
        return self._rows

    def _build(self, vectors: np.ndarray, keys: Any) -> None:
        # one preallocated copy instead of add()'s concatenations; keys are unique (KeyedVectors)
        self._rows = np.empty((len(vectors), self.dim), dtype=np.float32)
        for i in range(0, len(vectors), 100_000):
            self._rows[i : i + 100_000] = self._prepare(vectors[i : i + 100_000])
        self.keys = list(keys)
        self.key_to_index = {k: i for i, k in enumerate(self.keys)}

    def _add_rows(self, rows: np.ndarray, start: int) -> None:
        self._rows = np.concatenate([self._rows, rows]) if len(self._rows) else rows.copy()

    def _search_rows(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return exact_topk(self._rows, queries, k, block_mb=self.params["block_mb"])

    def search_rows(self, rows: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        from .base import _check_k

        k = _check_k(k)
        rows = np.asarray(rows, dtype=np.int64)
        exclude = (np.arange(len(rows) + 1, dtype=np.int64), rows.copy())
        return exact_topk(self._rows, self._rows[rows], k, exclude=exclude, block_mb=self.params["block_mb"])

    def _reconstruct(self, rows: np.ndarray) -> np.ndarray:
        return self._rows[rows]

    def memory_bytes(self) -> int:
        return int(self._rows.nbytes)

    def _save_files(self, folder: Path) -> None:
        np.save(folder / "vectors.npy", self._rows, allow_pickle=False)

    def _load_files(self, folder: Path) -> None:
        try:
            rows = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise FormatError(f"{folder / 'vectors.npy'}: cannot read the vectors ({exc}); rebuild the index") from None
        if rows.shape != (len(self.keys), self.dim) or rows.dtype != np.float32:
            raise FormatError(f"{folder / 'vectors.npy'}: shape {rows.shape} does not match index.json; rebuild it")
        self._rows = np.ascontiguousarray(rows)
