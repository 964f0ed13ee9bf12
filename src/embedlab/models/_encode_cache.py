"""On-disk cache of text embeddings, keyed by model and text hash.

One folder per *model key* (a digest of the model's files and the encode settings that change
vectors); inside it, append-only shards ``part-*.npz`` holding ``keys`` (16-byte BLAKE2b digests
of the UTF-8 texts, as ``uint8`` rows) and ``vectors`` (float32). Shards are written atomically
(:func:`embedlab._fileio.atomic_path`), so an interrupted encode leaves the cache consistent; a
shard that cannot be read (e.g. truncated by a full disk) is ignored with a warning.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._fileio import atomic_path
from .._progress import logger

__all__ = ["EncodeCache", "default_cache_dir", "text_keys", "folder_digest"]

_KEY_BYTES = 16


def default_cache_dir() -> Path:
    """``$EMBEDLAB_CACHE_DIR/encode`` or ``~/.cache/embedlab/encode`` (``$XDG_CACHE_HOME`` honoured)."""
    root = os.environ.get("EMBEDLAB_CACHE_DIR")
    if root:
        return Path(root) / "encode"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "embedlab" / "encode"


def text_keys(texts: Sequence[str]) -> np.ndarray:
    """One 16-byte digest per text, as an ``(n, 16)`` uint8 array."""
    out = np.empty((len(texts), _KEY_BYTES), dtype=np.uint8)
    for i, t in enumerate(texts):
        out[i] = np.frombuffer(hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=_KEY_BYTES).digest(),
                               dtype=np.uint8)
    return out


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _file_digest(path: Path) -> str:
    st = path.stat()
    memo = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if memo not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
        _DIGESTS[memo] = h.hexdigest()
    return _DIGESTS[memo]


def folder_digest(folder: Path) -> str:
    """SHA-256 over every file of a model folder (relative name + content digest)."""
    h = hashlib.sha256()
    for p in sorted(q for q in folder.rglob("*") if q.is_file() and not q.name.startswith(".")):
        h.update(str(p.relative_to(folder)).encode())
        h.update(_file_digest(p).encode())
    return h.hexdigest()


class EncodeCache:
    """Vectors of texts already encoded by one model with one set of settings."""

    def __init__(self, root: str | os.PathLike[str], model_key: str) -> None:
        self.folder = Path(root) / model_key[:32]

    def _shards(self) -> list[Path]:
        return sorted(self.folder.glob("part-*.npz")) if self.folder.is_dir() else []

    def lookup(self, keys: np.ndarray, dim: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``(found, vectors)``: a boolean mask over ``keys`` and the cached rows (zeros elsewhere)."""
        found = np.zeros(len(keys), dtype=bool)
        if not len(keys):
            return found, None
        wanted = {k.tobytes(): i for i, k in enumerate(keys)}
        out: np.ndarray | None = None
        for shard in self._shards():
            try:
                with np.load(shard, allow_pickle=False) as z:
                    skeys = z["keys"]
                    hits = [(j, wanted[k.tobytes()]) for j, k in enumerate(skeys) if k.tobytes() in wanted]
                    if not hits:
                        continue
                    vecs = z["vectors"]
            except (OSError, ValueError, KeyError) as exc:
                logger.warning("encode cache: ignoring unreadable shard %s (%s)", shard, type(exc).__name__)
                continue
            if dim is not None and vecs.shape[1] != dim:
                continue
            if out is None:
                out = np.zeros((len(keys), vecs.shape[1]), dtype=np.float32)
            rows, targets = np.asarray([h[0] for h in hits]), np.asarray([h[1] for h in hits])
            out[targets] = vecs[rows]
            found[targets] = True
        return found, out

    def store(self, keys: np.ndarray, vectors: np.ndarray) -> Path | None:
        """Append a shard; returns its path (None when there is nothing to store)."""
        if not len(keys):
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"part-{uuid.uuid4().hex}.npz"
        with atomic_path(target) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, keys=np.ascontiguousarray(keys, dtype=np.uint8),
                     vectors=np.ascontiguousarray(vectors, dtype=np.float32))
        return target

    def __len__(self) -> int:
        n = 0
        for shard in self._shards():
            try:
                with np.load(shard, allow_pickle=False) as z:
                    n += len(z["keys"])
            except (OSError, ValueError, KeyError):
                continue
        return n
