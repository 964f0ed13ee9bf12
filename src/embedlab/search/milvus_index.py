"""Milvus backend through pymilvus ``MilvusClient``: a Milvus Lite ``.db`` file or a server URI.

The same code serves both: ``uri="vectors.db"`` (Milvus Lite, embedded), ``uri="http://host:19530"``
(a standalone server or a cluster; ``token="user:password"`` or an API key). With ``uri=None`` a
Milvus Lite database is kept inside the index folder (``milvus.db``). Rows are stored with their
row number as the primary key and inserted in batches; the collection uses ``IP`` on normalised
rows for cosine. ``index_type`` is a Milvus index (``AUTOINDEX``, ``FLAT``, ``HNSW``,
``IVF_FLAT`` ...); search knobs ``ef`` (HNSW) and ``nprobe`` (IVF). Building flushes and loads the
collection, so searches can use ``Bounded`` consistency (the default ``consistency``; ``Strong``
waits for the newest timestamp on every query, hundreds of milliseconds on a server).

Connecting retries a bounded number of times, then raises
:class:`~embedlab.exceptions.ServiceUnavailableError` naming the URI.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import DataError, FormatError, InvalidParameterError, ServiceUnavailableError, require
from .base import BaseIndex, register_backend

__all__ = ["MilvusIndex", "connect"]

_LOCAL_DB = "milvus.db"
_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return " ".join(str(text).split())[:300] or type(exc).__name__


def _is_lite(uri: str) -> bool:
    return not uri.startswith(("http://", "https://", "tcp://", "grpc://", "unix:"))


def connect(uri: str, token: str = "", *, retries: int = 3, timeout: float = 5.0, wait: float = 1.0) -> Any:
    """A ``MilvusClient`` for ``uri``, retrying ``retries`` times; one-line error when unreachable."""
    pymilvus = require("pymilvus", "search")
    if _is_lite(uri):
        require("milvus_lite", "search")
        parent = Path(uri).expanduser().parent
        if not parent.is_dir():
            raise InvalidParameterError(f"--uri {uri}: folder {parent} does not exist (Milvus Lite file)")
    last = ""
    for attempt in range(max(1, retries)):
        try:
            return pymilvus.MilvusClient(uri=uri, token=token, timeout=timeout)
        except Exception as exc:  # pymilvus raises MilvusException, grpc errors, OSError ...
            last = _reason(exc)
            if attempt + 1 < retries:
                time.sleep(wait)
    raise ServiceUnavailableError(
        f"Milvus at {uri} is unreachable after {max(1, retries)} attempts ({last}); "
        "start the server or check --uri and --token"
    )


def _release_lite(path: str) -> None:
    """Stop the in-process Milvus Lite server of ``path`` (it holds a lock on the folder)."""
    with contextlib.suppress(ImportError):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(path)


@register_backend
class MilvusIndex(BaseIndex):
    """Vectors in a Milvus collection (Lite file or server)."""

    backend = "milvus"

    def __init__(
        self,
        dim: int,
        metric: str = "cosine",
        uri: str | None = None,
        token: str = "",
        collection: str = "embedlab_vectors",
        index_type: str = "AUTOINDEX",
        ef: int | None = None,
        nprobe: int | None = None,
        overwrite: bool = False,
        batch_size: int | None = None,
        retries: int = 3,
        timeout: float = 30.0,
        consistency: str = "Bounded",
        **params: Any,
    ) -> None:
        if not collection or not set(collection) <= _NAME_OK or collection[0].isdigit():
            raise InvalidParameterError(
                f"collection name {collection!r} is invalid; use letters, digits and underscores, not starting with a digit"
            )
        super().__init__(dim, metric, uri=uri, collection=collection, index_type=str(index_type).upper(), ef=ef,
                         nprobe=nprobe, batch_size=batch_size, retries=int(retries), timeout=float(timeout),
                         consistency=str(consistency), **params)
        self._token = token
        self._overwrite = bool(overwrite)
        self._client: Any = None
        self._tmpdir: str | None = None
        self._db_path: str | None = None  # the Lite file in use (when uri is None)

    # ------------------------------------------------------------------ connection
    @property
    def uri(self) -> str:
        if self.params["uri"] is not None:
            return str(self.params["uri"])
        if self._db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="embedlab-milvus-")
            self._db_path = str(Path(self._tmpdir) / _LOCAL_DB)
        return self._db_path

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect(self.uri, self._token, retries=self.params["retries"])
        return self._client

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None

    def __del__(self) -> None:  # pragma: no cover - best effort
        self.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, timeout=self.params["timeout"], **kwargs)
        except Exception as exc:
            if isinstance(exc, (InvalidParameterError, DataError)):
                raise
            reason = _reason(exc)
            raise ServiceUnavailableError(f"Milvus at {self.uri}: {what} failed ({reason})") from None

    # ------------------------------------------------------------------ building
    def _index_params(self) -> Any:
        pymilvus = require("pymilvus", "search")
        ip = pymilvus.MilvusClient.prepare_index_params()
        extra: dict[str, Any] = {}
        if self.params["index_type"] == "HNSW":
            extra = {"M": int(self.params.get("M", 32)), "efConstruction": int(self.params.get("ef_construction", 200))}
        elif self.params["index_type"].startswith("IVF"):
            extra = {"nlist": int(self.params.get("nlist", 1024))}
        ip.add_index(field_name="vector", index_type=self.params["index_type"], metric_type="IP", params=extra)
        return ip

    def _build(self, vectors: np.ndarray, keys: Any) -> None:
        pymilvus = require("pymilvus", "search")
        name = self.params["collection"]
        client = self.client
        if self._call("listing collections", client.has_collection, name):
            if not self._overwrite:
                raise DataError(
                    f"collection '{name}' already exists at {self.uri}; choose another --collection or pass --overwrite"
                )
            self._call("dropping the old collection", client.drop_collection, name)
        schema = pymilvus.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", pymilvus.DataType.INT64, is_primary=True)
        schema.add_field("vector", pymilvus.DataType.FLOAT_VECTOR, dim=self.dim)
        self._call("creating the collection", client.create_collection, name, schema=schema,
                   index_params=self._index_params(), consistency_level="Strong")
        super()._build(vectors, keys)
        self._call("flushing", client.flush, name)
        self._call("loading the collection", client.load_collection, name)

    def _add_rows(self, rows: np.ndarray, start: int) -> None:
        batch = self.params["batch_size"] or max(256, 2_000_000 // self.dim)
        name = self.params["collection"]
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            data = [{"id": start + i + j, "vector": v} for j, v in enumerate(chunk)]
            self._call("inserting rows", self.client.insert, name, data)

    def _search_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.params.get("ef") is not None:
            params["ef"] = int(self.params["ef"])
        if self.params.get("nprobe") is not None:
            params["nprobe"] = int(self.params["nprobe"])
        return {"metric_type": "IP", "params": params}

    def _search_rows(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(queries)
        scores = np.full((n, k), -np.inf, np.float32)
        rows = np.full((n, k), -1, np.int64)
        limit = k
        if self.params.get("ef") is not None and int(self.params["ef"]) < k:
            raise InvalidParameterError(f"ef ({self.params['ef']}) must be >= k ({k}) for Milvus HNSW")
        for q0 in range(0, n, 1000):
            chunk = queries[q0 : q0 + 1000]
            hits = self._call("searching", self.client.search, self.params["collection"], data=list(chunk),
                              limit=limit, search_params=self._search_params(), output_fields=[],
                              consistency_level=self.params["consistency"])
            for i, result in enumerate(hits):
                for j, hit in enumerate(result[:k]):
                    rows[q0 + i, j] = int(hit["id"])
                    scores[q0 + i, j] = float(hit["distance"])
        return scores, rows

    def _reconstruct(self, rows: np.ndarray) -> np.ndarray:
        ids = [int(r) for r in rows]
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        found: dict[int, Any] = {}
        for i in range(0, len(ids), 1000):
            got = self._call("reading vectors", self.client.get, self.params["collection"], ids=ids[i : i + 1000],
                             output_fields=["vector"])
            found.update({int(g["id"]): g["vector"] for g in got})
        for i, row in enumerate(ids):
            if row not in found:
                raise DataError(f"row {row} is missing from collection '{self.params['collection']}' at {self.uri}")
            out[i] = found[row]
        return out

    def memory_bytes(self) -> int:
        return len(self) * self.dim * 4  # the vectors the collection holds (Milvus keeps its own copy)

    # ------------------------------------------------------------------ persistence
    def _save_files(self, folder: Path) -> None:
        if self.params["uri"] is None:  # the embedded Lite database moves into the index folder
            self.close()
            _release_lite(self.uri)
            shutil.move(self.uri, folder / _LOCAL_DB)
            self._db_path = None

    def _saved_to(self, folder: Path) -> None:
        if self.params["uri"] is None:
            self._db_path = str(folder / _LOCAL_DB)

    def _load_files(self, folder: Path) -> None:
        if self.params["uri"] is None:
            path = folder / _LOCAL_DB
            if not path.exists():
                raise FormatError(f"{path}: the Milvus Lite database is missing; rebuild the index")
            self._db_path = str(path)
        name = self.params["collection"]
        if not self._call("listing collections", self.client.has_collection, name):
            raise FormatError(f"collection '{name}' is not at {self.uri}; rebuild the index")
        self._call("loading the collection", self.client.load_collection, name)

    @classmethod
    def _from_metadata(cls, meta: dict[str, Any]) -> MilvusIndex:
        params = dict(meta.get("params", {}))
        return cls(int(meta["dim"]), metric=meta["metric"], **params)
