"""Windowed word co-occurrence counts in bounded memory (for GloVe and PPMI-SVD).

Counting follows the reference GloVe ``cooccur.c``: frequent pairs go to a dense block, the rest
to an in-memory hash table; when the table is full its entries are sorted and spilled to a run
file in a temporary folder, and the runs are merged (k-way, summing equal pairs) at the end. So
the memory used for counting is bounded by ``memory_mb`` whatever the corpus size; the result
(12 bytes per nonzero) is memory-mapped from the temporary folder when runs were spilled.

Input is an encoded corpus (:class:`embedlab.corpus.EncodedCorpus`: flat int32 ``ids`` and
``offsets``); a window never crosses a sentence (line) boundary.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._progress import logger, progress_bar
from ..exceptions import DataError, InvalidParameterError

__all__ = ["Cooccurrence", "count_cooccurrences", "WEIGHTINGS"]

#: distance weightings: name -> kernel code
WEIGHTINGS = {"harmonic": 0, "linear": 1, "constant": 2}

_TOKENS_PER_CALL = 1 << 20
_MIN_TABLE = 1 << 10


@dataclass
class Cooccurrence:
    """Co-occurrence counts as COO arrays (``rows``, ``cols`` int32; ``values`` float32).

    ``n_words`` is the matrix size; ``stats`` records tokens, pairs, runs spilled. Call
    :meth:`close` (or use it as a context manager) to delete the temporary run files.
    """

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    n_words: int
    stats: dict[str, Any] = field(default_factory=dict)
    _tmp: Path | None = None

    @property
    def nnz(self) -> int:
        return int(self.values.shape[0])

    def to_csr(self) -> Any:
        """The counts as a ``scipy.sparse.csr_matrix`` (float32, duplicates summed)."""
        from scipy import sparse

        m = sparse.csr_matrix(
            (np.asarray(self.values), (np.asarray(self.rows), np.asarray(self.cols))),
            shape=(self.n_words, self.n_words),
            dtype=np.float32,
        )
        m.sum_duplicates()
        return m

    def close(self) -> None:
        if self._tmp is not None:
            self.rows = self.cols = self.values = np.empty(0, np.float32)
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Cooccurrence:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _table_sizes(
    memory_mb: float, n_words: int, n_tokens: int, max_sentence: int, window: int
) -> tuple[int, int, int]:
    """(max_product of the dense block, hash capacity, fill limit) for a memory budget."""
    most_pairs = min(n_tokens * window, n_words * n_words)  # no table needs more slots
    budget = max(min(int(memory_mb * 2**20), most_pairs * 32), 1 << 14)
    dense_budget = budget // 4 // 8  # a quarter for the dense block (float64 cells)
    max_product = 1
    lo, hi = 1, max(n_words * n_words, 1)
    while lo <= hi:  # largest max_product whose dense block fits
        mid = (lo + hi) // 2
        size = _dense_size(mid, n_words)
        if size <= dense_budget:
            max_product, lo = mid, mid + 1
        else:
            hi = mid - 1
    headroom = max_sentence * window + 1
    capacity = _MIN_TABLE
    while capacity * 2 * 16 <= budget - dense_budget * 8:
        capacity *= 2
    while capacity * 0.7 < 2 * headroom:  # always room for one more sentence
        capacity *= 2
    return max_product, capacity, int(capacity * 0.7) - headroom


def _dense_size(max_product: int, n_words: int) -> int:
    from ..kernels.cooc import dense_offsets

    return int(dense_offsets(n_words, max_product)[-1])


def count_cooccurrences(
    ids: np.ndarray,
    offsets: np.ndarray,
    n_words: int,
    *,
    window: int = 10,
    weighting: str = "harmonic",
    symmetric: bool = True,
    memory_mb: float = 1024.0,
    tmp_dir: str | Path | None = None,
    show_progress: bool = False,
) -> Cooccurrence:
    """Count co-occurrences of word ids within ``window`` positions on each side.

    Parameters
    ----------
    ids, offsets:
        An encoded corpus (``EncodedCorpus.ids`` / ``.offsets``); ids must be ``< n_words`` and
        frequency ranked (id 0 the most frequent) for the dense block to pay.
    weighting:
        ``"harmonic"`` (1/distance, GloVe), ``"linear"`` ((window-d+1)/window, word2vec's dynamic
        window in expectation) or ``"constant"``.
    symmetric:
        Count left and right contexts (a symmetric matrix); else only left contexts.
    memory_mb:
        Memory for the counting tables; above it sorted runs are spilled to ``tmp_dir``.
    """
    from ..kernels import cooc as K

    if weighting not in WEIGHTINGS:
        raise InvalidParameterError(
            f"parameter 'weighting' must be one of {', '.join(WEIGHTINGS)}; got {weighting!r}"
        )
    if window < 1:
        raise InvalidParameterError(f"parameter 'window' must be an int >= 1; got {window!r}")
    ids = np.asarray(ids)
    offsets = np.asarray(offsets, dtype=np.int64)
    n_tokens = int(offsets[-1]) if offsets.size else 0
    if n_words < 1 or n_tokens < 2:
        raise DataError("no co-occurrences: the encoded corpus has fewer than 2 in-vocabulary tokens")
    n_sent = offsets.shape[0] - 1
    max_sentence = int(np.max(np.diff(offsets)))
    max_product, capacity, fill_limit = _table_sizes(
        memory_mb, n_words, n_tokens, max_sentence, window
    )
    dense_off = K.dense_offsets(n_words, max_product)
    dense = np.zeros(int(dense_off[-1]), dtype=np.float64)
    keys = np.full(capacity, -1, dtype=np.int64)
    vals = np.zeros(capacity, dtype=np.float64)
    tmp = Path(tempfile.mkdtemp(prefix="embedlab-cooc-", dir=tmp_dir))
    run_starts = [0]
    n_filled = 0
    wcode = WEIGHTINGS[weighting]
    try:
        with progress_bar(n_tokens, "co-occurrences", enabled=show_progress) as bar, open(
            tmp / "runs.keys", "wb"
        ) as fk, open(tmp / "runs.vals", "wb") as fv:
            s = 0
            while s < n_sent:
                last = int(np.searchsorted(offsets, offsets[s] + _TOKENS_PER_CALL, side="right"))
                last = min(max(last, s + 1), n_sent)
                nxt, n_filled = K.count_sentences(
                    ids, offsets, s, last, window, wcode, symmetric, n_words, max_product,
                    dense, dense_off, keys, vals, n_filled, fill_limit,
                )
                bar.advance(int(offsets[nxt] - offsets[s]))
                s = int(nxt)
                if n_filled > fill_limit:  # spill a sorted run
                    rk, rv = K.drain_table(keys, vals, True)
                    rk.tofile(fk)
                    rv.tofile(fv)
                    run_starts.append(run_starts[-1] + rk.shape[0])
                    n_filled = 0
                    logger.debug("co-occurrence: spilled run %d (%d pairs)", len(run_starts) - 1, rk.shape[0])
        n_runs = len(run_starts) - 1
        hk, hv = K.drain_table(keys, vals, n_runs > 0)
        del keys, vals
        dk, dv = K.dense_to_coo(dense, dense_off, n_words)
        del dense
        if n_runs:
            with open(tmp / "runs.keys", "ab") as fk, open(tmp / "runs.vals", "ab") as fv:
                hk.tofile(fk)
                hv.tofile(fv)
            run_starts.append(run_starts[-1] + hk.shape[0])
            del hk, hv
            total = run_starts[-1]
            rk = np.memmap(tmp / "runs.keys", dtype=np.int64, mode="r", shape=(total,))
            rv = np.memmap(tmp / "runs.vals", dtype=np.float64, mode="r", shape=(total,))
            mk = np.memmap(tmp / "merged.keys", dtype=np.int64, mode="w+", shape=(total,))
            mv = np.memmap(tmp / "merged.vals", dtype=np.float64, mode="w+", shape=(total,))
            n_merged = K.merge_runs(rk, rv, np.asarray(run_starts, dtype=np.int64), mk, mv)
            del rk, rv
            (tmp / "runs.keys").unlink()
            (tmp / "runs.vals").unlink()
            parts = [(mk[:n_merged], mv[:n_merged]), (dk, dv)]
        else:
            parts = [(hk, hv), (dk, dv)]
        n_out = sum(2 * p[0].shape[0] if symmetric else p[0].shape[0] for p in parts)
        if n_runs:
            rows = np.memmap(tmp / "rows", dtype=np.int32, mode="w+", shape=(max(n_out, 1),))
            cols = np.memmap(tmp / "cols", dtype=np.int32, mode="w+", shape=(max(n_out, 1),))
            values = np.memmap(tmp / "values", dtype=np.float32, mode="w+", shape=(max(n_out, 1),))
        else:
            rows = np.empty(n_out, np.int32)
            cols = np.empty(n_out, np.int32)
            values = np.empty(n_out, np.float32)
        j = 0
        for pk, pv in parts:
            j += K.unpack_keys(pk, pv, n_words, symmetric, rows[j:], cols[j:], values[j:])
        del parts
        if n_runs:
            for name in ("merged.keys", "merged.vals"):
                (tmp / name).unlink()
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    stats = {
        "n_tokens": n_tokens,
        "n_sentences": n_sent,
        "nnz": j,
        "window": window,
        "weighting": weighting,
        "symmetric": symmetric,
        "runs_spilled": n_runs,
        "max_product": max_product,
    }
    return Cooccurrence(rows[:j], cols[:j], values[:j], n_words, stats, tmp if n_runs else None)
