"""The :class:`Index` protocol, the backend registry, and what every backend shares.

An index holds the vectors of a :class:`~embedlab.vectors.KeyedVectors` (rows in key order) and
answers top-k queries by cosine similarity (vectors are normalised, then searched by inner
product) or by raw inner product (``metric="ip"``). Backends (``exact``, ``faiss``, ``milvus``)
subclass :class:`BaseIndex` and implement five small methods on unit (or raw) float32 rows; the
base class does key lookup, self-exclusion, batching, checksums and persistence.

An index saved to disk is a folder::

    INDEX/
      index.json    backend, metric, dim, size, parameters, checksum of the source vectors,
                    build time, memory, size on disk, recall@k against exact search
      keys.json     the keys in row order
      ...           the backend's own files (vectors.npy, index.faiss, milvus.db)

Written to a temporary folder beside the target and renamed into place, so an interrupted build
never leaves a half-written index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from .._fileio import _umask

from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError, VocabularyError

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = [
    "Index",
    "BaseIndex",
    "BACKENDS",
    "register_backend",
    "get_backend",
    "vectors_checksum",
    "check_finite",
    "check_query_vectors",
    "METRICS",
    "MAX_K",
    "INDEX_FORMAT_VERSION",
]

METRICS = ("cosine", "ip")
MAX_K = 1000
INDEX_FORMAT_VERSION = 1
_EPS = 1e-12


@runtime_checkable
class Index(Protocol):
    """What every search backend offers (see :class:`BaseIndex` for the shared implementation)."""

    backend: ClassVar[str]
    metric: str
    keys: list[str]
    metadata: dict[str, Any]

    @property
    def dim(self) -> int: ...

    def __len__(self) -> int: ...

    def add(self, vectors: np.ndarray, keys: Sequence[str]) -> None: ...

    def search(self, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]: ...

    def search_keys(self, keys: Sequence[str], k: int = 10) -> list[list[tuple[str, float]]]: ...

    def save(self, path: str | os.PathLike[str]) -> None: ...


BACKENDS: dict[str, type[BaseIndex]] = {}
_BUILTIN = {"exact": "embedlab.search.exact", "faiss": "embedlab.search.faiss_index",
            "milvus": "embedlab.search.milvus_index"}


def register_backend(cls: type[BaseIndex]) -> type[BaseIndex]:
    """Class decorator: make ``cls`` available by its ``backend`` name."""
    BACKENDS[cls.backend] = cls
    return cls


def get_backend(name: str) -> type[BaseIndex]:
    """The backend class called ``name`` (the built-in ones load lazily)."""
    if name not in BACKENDS and name in _BUILTIN:
        import importlib

        importlib.import_module(_BUILTIN[name])
    try:
        return BACKENDS[name]
    except KeyError:
        valid = ", ".join(sorted(set(BACKENDS) | set(_BUILTIN)))
        raise InvalidParameterError(f"unknown search backend '{name}'; valid backends: {valid}") from None


def vectors_checksum(keys: Sequence[str], vectors: np.ndarray) -> str:
    """A BLAKE2b digest of the keys and the float32 rows: an index built from other vectors than
    the ones it is used with is detected by comparing this with ``metadata["checksum"]``."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{len(keys)}x{vectors.shape[1]}\n".encode())
    h.update("\n".join(keys).encode("utf-8", "surrogatepass"))
    step = max(1, (64 << 20) // max(1, vectors.shape[1] * 4))
    for i in range(0, vectors.shape[0], step):
        h.update(np.ascontiguousarray(vectors[i : i + step], dtype=np.float32).tobytes())
    return "blake2b:" + h.hexdigest()


def check_finite(vectors: np.ndarray, keys: Sequence[str], where: str = "vectors") -> None:
    """Refuse NaN/inf rows, naming the first bad key."""
    step = 65536
    for i in range(0, vectors.shape[0], step):
        ok = np.isfinite(vectors[i : i + step]).all(axis=1)
        if not ok.all():
            row = i + int(np.argmin(ok))
            n_bad = int((~np.isfinite(np.asarray(vectors))).any(axis=1).sum())
            raise DataError(
                f"{where}: the vector of key '{keys[row]}' (row {row + 1}) has NaN or inf values "
                f"({n_bad} such rows); refusing to index them; fix or drop those rows first"
            )


def check_query_vectors(vectors: Any, where: str = "query vectors", metric: str = "cosine") -> np.ndarray:
    """Query vectors as a float32 (n, dim) array, refusing rows that cannot be searched: NaN or
    inf values, and for ``metric="cosine"`` an all-zero row (its cosine with every key is
    undefined; searched anyway, it returns arbitrary keys with score 0). The message names the
    first bad row, counted from 1. Shared by :meth:`BaseIndex.search`, ``embedlab index query``
    and the service's ``POST /search``."""
    q = np.asarray(vectors, dtype=np.float32)
    if q.ndim == 1:
        q = q[None, :]
    bad = ~np.isfinite(q).all(axis=1) if q.ndim == 2 else np.zeros(0, bool)
    if bad.any():
        raise DataError(f"{where}: query vector {int(np.argmax(bad)) + 1} has NaN or inf values")
    if metric == "cosine" and q.ndim == 2 and q.shape[1]:
        zero = ~(np.abs(q) > 0).any(axis=1)
        if zero.any():
            raise DataError(f"{where}: query vector {int(np.argmax(zero)) + 1} is all zeros; cosine similarity "
                            "with a zero vector is undefined")
    return q


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_K:
        raise InvalidParameterError(f"k must be an integer in [1, {MAX_K}]; got {k!r}")
    return int(k)


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class BaseIndex:
    """Shared behaviour of the search backends.

    Subclasses set ``backend`` and implement :meth:`_add_rows`, :meth:`_search_rows`,
    :meth:`_reconstruct`, :meth:`_save_files`, :meth:`_load_files` and :meth:`memory_bytes`;
    they receive rows already normalised for ``metric="cosine"``.
    """

    backend: ClassVar[str] = ""
    #: backend parameters (``factory``, ``uri`` ...) recorded in the metadata and used by load
    params: dict[str, Any]

    def __init__(self, dim: int, metric: str = "cosine", **params: Any) -> None:
        if metric not in METRICS:
            raise InvalidParameterError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
        if not isinstance(dim, (int, np.integer)) or dim < 1:
            raise InvalidParameterError(f"dim must be a positive integer; got {dim!r}")
        self._dim = int(dim)
        self.metric = metric
        self.params = dict(params)
        self.keys: list[str] = []
        self.key_to_index: dict[str, int] = {}
        self.metadata: dict[str, Any] = {}

    # ------------------------------------------------------------------ backend hooks
    def _add_rows(self, rows: np.ndarray, start: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _search_rows(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        """Top-``k`` (scores float32, rows int64; -1 where fewer) of prepared ``queries``."""
        raise NotImplementedError

    def _reconstruct(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _save_files(self, folder: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _load_files(self, folder: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def memory_bytes(self) -> int:  # pragma: no cover - abstract
        """Bytes the index holds in memory (for the metadata)."""
        raise NotImplementedError

    def _build(self, vectors: np.ndarray, keys: Sequence[str]) -> None:
        """Fill a new index (backends that train, e.g. IVF, override this)."""
        self.add(vectors, keys)

    def close(self) -> None:
        """Release connections or files (a no-op for in-process indexes)."""

    # ------------------------------------------------------------------ basic access
    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} vectors, dim={self.dim}, metric={self.metric})"

    def get_index(self, key: str) -> int:
        try:
            return self.key_to_index[key]
        except KeyError:
            raise VocabularyError(f"key '{key}' is not in the index ({len(self)} keys)") from None

    def _prepare(self, vectors: np.ndarray, what: str = "vectors") -> np.ndarray:
        v = np.asarray(vectors, dtype=np.float32)
        if v.ndim == 1:
            v = v[None, :]
        if v.ndim != 2 or v.shape[1] != self.dim:
            raise DataError(f"{what} have dimension {v.shape[-1] if v.ndim else 0}; this index has dimension {self.dim}")
        if self.metric == "cosine":
            v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), _EPS)
        return np.ascontiguousarray(v, dtype=np.float32)

    # ------------------------------------------------------------------ building
    def add(self, vectors: np.ndarray, keys: Sequence[str]) -> None:
        """Append rows with their keys (keys must be new and unique; values finite)."""
        keys = [str(k) for k in keys]
        if len(keys) != len(vectors):
            raise DataError(f"{len(keys)} keys but {len(vectors)} vectors")
        seen = set()
        for key in keys:
            if key in self.key_to_index or key in seen:
                raise DataError(f"key '{key}' is already in the index; keys must be unique")
            seen.add(key)
        check_finite(np.asarray(vectors), keys)
        start = len(self.keys)
        step = 100_000
        progress = getattr(self, "_progress", None)
        for i in range(0, len(keys), step):
            self._add_rows(self._prepare(vectors[i : i + step]), start + i)
            if progress is not None:
                progress.advance(min(step, len(keys) - i))
        for i, key in enumerate(keys):
            self.key_to_index[key] = start + i
        self.keys.extend(keys)

    # ------------------------------------------------------------------ searching
    def search(self, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Batch search: ``(scores, rows)`` of shape ``(n_queries, k)``, best first; rows are -1
        (scores -inf) where the index holds fewer than ``k`` vectors."""
        k = _check_k(k)
        q = self._prepare(queries, "query vectors")
        check_query_vectors(q, metric=self.metric)  # a zero row stays zero through the normalisation
        if len(self) == 0:
            return np.full((len(q), k), -np.inf, np.float32), np.full((len(q), k), -1, np.int64)
        return self._search_rows(q, k)

    def search_rows(self, rows: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of stored rows, each row itself excluded (``k`` results where possible)."""
        k = _check_k(k)
        rows = np.asarray(rows, dtype=np.int64)
        vectors = self._reconstruct(rows)
        scores, found = self._search_rows(np.ascontiguousarray(vectors, dtype=np.float32), min(k + 1, MAX_K + 1))
        # per query, the first k results that are neither the row itself nor missing (-1), in order
        keep = (found != rows[:, None]) & (found >= 0)
        order = np.argsort(~keep, axis=1, kind="stable")[:, :k]
        kept = np.take_along_axis(keep, order, axis=1)
        out_r = np.where(kept, np.take_along_axis(found, order, axis=1), -1).astype(np.int64, copy=False)
        out_s = np.where(kept, np.take_along_axis(scores, order, axis=1), -np.inf).astype(np.float32, copy=False)
        return out_s, out_r

    def search_keys(self, keys: Sequence[str], k: int = 10) -> list[list[tuple[str, float]]]:
        """Neighbours of stored keys (each key itself excluded) as ``(key, score)`` lists."""
        rows = np.array([self.get_index(key) for key in keys], dtype=np.int64)
        scores, found = self.search_rows(rows, k)
        return [self._named(s, r) for s, r in zip(scores, found, strict=True)]

    def search_vectors(self, vectors: np.ndarray, k: int = 10) -> list[list[tuple[str, float]]]:
        """Neighbours of query vectors as ``(key, score)`` lists."""
        scores, found = self.search(vectors, k)
        return [self._named(s, r) for s, r in zip(scores, found, strict=True)]

    def _named(self, scores: np.ndarray, rows: np.ndarray) -> list[tuple[str, float]]:
        keys = self.keys
        return [(keys[r], float(s)) for s, r in zip(scores.tolist(), rows.tolist(), strict=True) if r >= 0]

    def get_vector(self, key: str) -> np.ndarray:
        """The stored (normalised, for cosine) vector of ``key``."""
        return self._reconstruct(np.array([self.get_index(key)], dtype=np.int64))[0]

    # ------------------------------------------------------------------ checks
    def check_matches(self, kv: KeyedVectors, where: str = "index") -> None:
        """Raise :class:`DataError` unless this index was built from exactly these vectors."""
        expected = self.metadata.get("checksum")
        if expected is None:
            return
        actual = vectors_checksum(kv.index_to_key, kv.vectors)
        if actual != expected:
            raise DataError(
                f"{where}: built from other vectors than these ({self.metadata.get('n_vectors')} x "
                f"{self.metadata.get('dim')} from {self.metadata.get('source', '?')}; these are "
                f"{len(kv)} x {kv.vector_size}): checksums differ; rebuild it with `embedlab index build`"
            )

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index folder atomically (a temporary folder renamed into place)."""
        target = Path(path)
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.is_dir():
            raise InputFileError(f"{parent}: output folder does not exist; create it first")
        if target.exists() and not (target.is_dir() and (target / "index.json").is_file()):
            raise InputFileError(f"{target}: exists and is not an index folder; choose another output path")
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
        try:
            self._save_files(tmp)
            (tmp / "keys.json").write_text(json.dumps(self.keys, ensure_ascii=False), encoding="utf-8")
            meta = dict(self.metadata)
            meta.update(format_version=INDEX_FORMAT_VERSION, backend=self.backend, metric=self.metric,
                        dim=self.dim, n_vectors=len(self), params=_jsonable(self.params))
            (tmp / "index.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            meta["size_bytes"] = _folder_bytes(tmp)
            (tmp / "index.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            self.metadata["size_bytes"] = meta["size_bytes"]
            old = None
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
                os.replace(target, old / "index")
            os.chmod(tmp, 0o755 & ~_umask())
            os.replace(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            self._saved_to(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _saved_to(self, folder: Path) -> None:
        """Hook: a backend whose files live on (Milvus Lite) re-points itself at ``folder``."""

    @classmethod
    def _from_metadata(cls, meta: dict[str, Any]) -> BaseIndex:
        return cls(int(meta["dim"]), metric=meta["metric"], **meta.get("params", {}))


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "token" and isinstance(v, (str, int, float, bool, type(None)))}


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``index.json`` of an index folder (one-line errors for a missing or foreign folder)."""
    folder = Path(path)
    if not folder.exists():
        raise InputFileError(f"{folder}: no such index; build one with `embedlab index build VECTORS -o {folder}`")
    meta_path = folder / "index.json"
    if not folder.is_dir() or not meta_path.is_file():
        raise FormatError(f"{folder}: not an embedlab index folder (no index.json); build one with `embedlab index build`")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"{meta_path}: not valid JSON ({exc})") from None
    for field in ("backend", "metric", "dim", "n_vectors"):
        if field not in meta:
            raise FormatError(f"{meta_path}: missing field '{field}'; rebuild the index")
    if meta.get("format_version", 1) > INDEX_FORMAT_VERSION:
        raise FormatError(f"{meta_path}: index format {meta['format_version']} is newer than this embedlab reads")
    return meta


def load_index(path: str | os.PathLike[str], **overrides: Any) -> BaseIndex:
    """Open a saved index folder (``overrides`` replace saved parameters, e.g. ``token``)."""
    folder = Path(path)
    meta = read_metadata(folder)
    cls = get_backend(meta["backend"])
    meta = dict(meta)
    meta["params"] = {**meta.get("params", {}), **overrides}
    index = cls._from_metadata(meta)
    try:
        keys = json.loads((folder / "keys.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FormatError(f"{folder / 'keys.json'}: cannot read the keys ({exc}); rebuild the index") from None
    if len(keys) != meta["n_vectors"]:
        raise FormatError(f"{folder}: keys.json has {len(keys)} keys but index.json says {meta['n_vectors']}")
    index.keys = keys
    index.key_to_index = {k: i for i, k in enumerate(keys)}
    index.metadata = {k: v for k, v in meta.items() if k != "params"}
    index._load_files(folder)
    return index


# ---------------------------------------------------------------- build with measurements
def _sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(size, n), replace=False)).astype(np.int64)


def isotropy(unit: np.ndarray, seed: int = 0, sample: int = 20_000) -> float:
    """Participation ratio of the covariance spectrum over the dimension, in (0, 1]: near 1 for
    isotropic random vectors (where graph and quantised indexes lose recall), well below 1 for
    real embeddings (a few directions carry most of the variance)."""
    rows = _sample_rows(len(unit), sample, seed)
    x = np.asarray(unit[rows], dtype=np.float64)
    x = x - x.mean(axis=0)
    eig = np.clip(np.linalg.eigvalsh(x.T @ x / max(1, len(x) - 1)), 0, None)
    if eig.sum() <= 0:
        return 0.0
    return float(eig.sum() ** 2 / (eig**2).sum() / unit.shape[1])


def build_index(
    kv: KeyedVectors,
    backend: str = "exact",
    *,
    metric: str = "cosine",
    recall_k: int = 10,
    recall_queries: int = 1000,
    seed: int = 0,
    source: str | None = None,
    show_progress: bool = False,
    **params: Any,
) -> BaseIndex:
    """Build an index of ``kv`` and measure it.

    Records in ``index.metadata``: ``checksum`` of the vectors, ``build_seconds``, ``memory_bytes``
    (what the index holds) and ``rss_growth_bytes`` (process growth while building),
    ``recall_at_k`` against exact search on ``recall_queries`` stored keys sampled with ``seed``
    (each key excluded from its own results), ``isotropy`` of the vectors and the query rate of
    that sample. ``show_progress`` shows a progress bar on a terminal. ``params`` go to the backend (``factory="HNSW32"``, ``uri=...``).
    """
    cls = get_backend(backend)
    vectors = kv.vectors
    if len(kv) == 0:
        raise DataError("no vectors to index")
    check_finite(np.asarray(vectors), kv.index_to_key, source or "vectors")
    checksum = vectors_checksum(kv.index_to_key, vectors)
    import inspect

    if "seed" in inspect.signature(cls.__init__).parameters:
        params.setdefault("seed", seed)
    rss0 = _rss_bytes()
    start = time.perf_counter()
    index = cls(kv.vector_size, metric=metric, **params)
    from .._progress import progress_bar

    with progress_bar(len(kv), f"indexing ({backend})", unit="vectors", enabled=show_progress) as bar:
        index._progress = bar
        try:
            index._build(np.asarray(vectors), kv.index_to_key)
        finally:
            del index._progress
    build_seconds = time.perf_counter() - start
    meta: dict[str, Any] = {
        "checksum": checksum,
        "source": source,
        "build_seconds": round(build_seconds, 4),
        "memory_bytes": int(index.memory_bytes()),
        "rss_growth_bytes": max(0, _rss_bytes() - rss0),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    k = min(int(recall_k), max(1, len(kv) - 1))
    if len(kv) > 1 and recall_queries > 0:
        meta.update(measure_recall(index, np.asarray(vectors), k=k, n_queries=recall_queries, seed=seed))
    if len(kv) >= 2 * kv.vector_size:
        prepared = index._prepare(vectors[: min(len(kv), 20_000)])
        meta["isotropy"] = round(isotropy(prepared, seed=seed), 4)
    index.metadata.update(meta)
    return index


def measure_recall(index: BaseIndex, vectors: np.ndarray, *, k: int = 10, n_queries: int = 1000,
                   seed: int = 0) -> dict[str, Any]:
    """Recall@k of ``index`` against exact search over the same vectors, on sampled stored rows."""
    from .exact import ExactIndex

    rows = _sample_rows(len(index), n_queries, seed)
    if index.backend == "exact":
        truth_rows = None
    else:
        oracle = ExactIndex(index.dim, metric=index.metric)
        oracle._build(vectors, index.keys)
        _, truth_rows = oracle.search_rows(rows, k)
    start = time.perf_counter()
    _, found = index.search_rows(rows, k)
    seconds = time.perf_counter() - start
    if truth_rows is None:
        recall = 1.0
    else:
        hits = sum(len(np.intersect1d(t[t >= 0], f[f >= 0], assume_unique=True)) for t, f in zip(truth_rows, found,
                                                                                                   strict=True))
        recall = hits / max(1, int((truth_rows >= 0).sum()))
    return {"recall_k": k, "recall_at_k": round(float(recall), 4), "recall_queries": len(rows),
            "batch_qps": round(len(rows) / max(seconds, 1e-9), 1)}


