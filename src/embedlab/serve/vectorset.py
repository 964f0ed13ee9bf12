"""What the service serves: named vector sets, each with an index, a query batcher and a 2-D map.

Concurrent neighbour queries are batched: requests wait in a queue while one search runs in a
worker thread (BLAS and faiss release the GIL), then the next batch (all queries that arrived
meanwhile) is answered by one batch search, so throughput grows with concurrency.
"""

from __future__ import annotations

import asyncio
import difflib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import InvalidParameterError

__all__ = ["VectorSet", "QueryBatcher", "suggest"]


def suggest(keys: list[str], key: str, n: int = 5) -> list[str]:
    """Close spellings of ``key`` among ``keys`` (frequent keys first; bounded work per call)."""
    if not key:
        return []
    lo, hi = len(key) - 2, len(key) + 2
    first = key[:1].lower()
    pool = [k for k in keys[:200_000] if lo <= len(k) <= hi and k[:1].lower() == first][:20_000]
    return difflib.get_close_matches(key, pool, n=n, cutoff=0.7)


class QueryBatcher:
    """Answer ``search_rows`` / ``search`` calls of many coroutines with few batch searches."""

    def __init__(self, index: Any, max_batch: int = 512, inline: bool | None = None) -> None:
        self.index = index
        self.max_batch = max_batch
        # in-process backends run in the event loop's thread: one batch per loop turn, no thread
        # hops (on a busy machine each wake-up of a worker thread costs more than a search)
        self.inline = index.backend in ("exact", "faiss") if inline is None else inline
        self._queue: asyncio.Queue | None = None
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedlab-search")

    def _start(self) -> asyncio.Queue:
        if self._queue is None or self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run())
        return self._queue

    async def rows(self, row: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of a stored row (itself excluded)."""
        fut = asyncio.get_running_loop().create_future()
        self._start().put_nowait(("row", row, k, fut))
        return await fut

    async def vectors(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of query vectors (answered as one batch of their own)."""
        if self.inline and len(vectors) <= 16:
            return self.index.search(vectors, k)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.index.search, vectors, k)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queue
        assert queue is not None
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < self.max_batch:
                batch.append(queue.get_nowait())
            if self.inline:  # let the loop read every request that is already there first
                await asyncio.sleep(0)
                while not queue.empty() and len(batch) < self.max_batch:
                    batch.append(queue.get_nowait())
            k = max(item[2] for item in batch)
            rows = np.array([item[1] for item in batch], dtype=np.int64)
            try:
                if self.inline:
                    scores, found = self.index.search_rows(rows, k)
                else:
                    scores, found = await loop.run_in_executor(self._executor, self.index.search_rows, rows, k)
            except Exception as exc:  # hand the error to every waiting request
                for item in batch:
                    if not item[3].done():
                        item[3].set_exception(exc)
                continue
            for i, item in enumerate(batch):
                if not item[3].done():
                    item[3].set_result((scores[i, : item[2]], found[i, : item[2]]))

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class VectorSet:
    """One named set of vectors with its index (exact unless one was given)."""

    name: str
    kv: Any
    index: Any
    source: str = ""
    labels: dict[str, str] | None = None
    batcher: QueryBatcher = field(init=False)
    _maps: dict[str, np.ndarray] = field(default_factory=dict, init=False)
    _colors: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)  # guards _locks only
    _locks: dict[tuple[str, str], threading.Lock] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.batcher = QueryBatcher(self.index)

    def describe(self) -> dict[str, Any]:
        meta = getattr(self.index, "metadata", {}) or {}
        return {
            "name": self.name, "keys": len(self.kv), "dim": self.kv.vector_size, "source": self.source,
            "index": {"backend": self.index.backend, "recall_at_k": meta.get("recall_at_k"),
                      "recall_k": meta.get("recall_k"), "params": getattr(self.index, "params", {})},
            "labels": self.labels is not None, "method": self.kv.metadata.get("method"),
        }

    # ---------------------------------------------------------------- the 2-D map
    def _lock_for(self, what: str, name: str) -> threading.Lock:
        """One lock per (kind, method or colouring): a UMAP being computed (minutes) holds up only
        the requests waiting for that same UMAP, not the cached PCA map or the colours."""
        with self._lock:
            return self._locks.setdefault((what, name), threading.Lock())

    def projection(self, method: str = "pca", seed: int = 0) -> np.ndarray:
        """2-D coordinates (n x 2 float32, scaled to [-1, 1]), computed once per method."""
        from .projection import project

        found = self._maps.get(method)
        if found is not None:
            return found
        with self._lock_for("map", method):
            if method not in self._maps:
                self._maps[method] = project(self.kv.unit_vectors, method=method, seed=seed)
            return self._maps[method]

    def colors(self, by: str) -> tuple[np.ndarray, list[str]]:
        """Per-point category (uint8) and the category names, for ``by`` = frequency, cluster, label."""
        from .projection import color_by_cluster, color_by_frequency, color_by_label

        found = self._colors.get(by)
        if found is not None:
            return found
        with self._lock_for("colors", by):
            if by not in self._colors:
                if by == "frequency":
                    self._colors[by] = color_by_frequency(len(self.kv), self.kv.counts)
                elif by == "cluster":
                    self._colors[by] = color_by_cluster(self.kv.unit_vectors)
                elif by == "label":
                    if self.labels is None:
                        raise InvalidParameterError("this set has no label file; start serve with --labels FILE")
                    self._colors[by] = color_by_label(self.kv.index_to_key, self.labels)
                else:
                    raise InvalidParameterError(f"by must be frequency, cluster or label; got {by!r}")
            return self._colors[by]

    def close(self) -> None:
        self.batcher.close()
        close = getattr(self.index, "close", None)
        if close is not None:
            close()
