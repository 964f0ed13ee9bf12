"""The ``npz`` format: an uncompressed zip of ``.npy`` members plus embedded JSON metadata.

Members (all readable with ``np.load(path, allow_pickle=False)``):

* ``vectors.npy``: float32, shape ``(n, dim)``, C order;
* ``keys.npy``: uint8, the UTF-8 bytes of all keys concatenated;
* ``key_lengths.npy``: int64, the length of each key in characters (code points);
* ``counts.npy`` (optional): int64 corpus frequencies;
* recommenders (:class:`~embedlab.vectors.recommend.RecommenderVectors`) add ``user_keys.npy``,
  ``user_key_lengths.npy`` (as the keys), ``history_indptr.npy`` / ``history_indices.npy`` (each
  user's training items, CSR) and optionally ``user_vectors.npy`` / ``output_vectors.npy``; the vectors are the items;
* ``metadata.json``: UTF-8 JSON ``{"format": "embedlab-vectors", "version": 1, "metadata": {...}}``
  (``np.load`` returns it as raw bytes).

Members are stored uncompressed, so ``mmap=True`` maps ``vectors.npy`` in place: its data offset
inside the zip is found from the local file header and the ``.npy`` header, and ``np.memmap``
opens it read-only. Files written by ``np.savez`` with a unicode ``keys`` array are read too.
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..._progress import logger
from ...exceptions import DataError, FormatError
from ..keyed import KeyedVectors

__all__ = ["read_npz", "write_npz"]

_FORMAT_TAG = "embedlab-vectors"
_VERSION = 1
_RECOMMENDER_MEMBERS = ("user_keys.npy", "user_key_lengths.npy", "history_indptr.npy", "history_indices.npy",
                        "user_vectors.npy", "output_vectors.npy")
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zip local file header (30 bytes)


def _write_member(zf: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with zf.open(name, "w", force_zip64=True) as fh:
        np.lib.format.write_array(fh, array, allow_pickle=False)


def write_npz(kv: KeyedVectors, tmp: Path, target: Path) -> None:
    """Write ``kv`` to ``tmp`` in the npz layout described in the module docstring."""
    try:
        meta_text = json.dumps(
            {"format": _FORMAT_TAG, "version": _VERSION, "metadata": kv.metadata}, ensure_ascii=False
        )
    except (TypeError, ValueError) as exc:
        raise DataError(f"{target}: metadata is not JSON-serialisable ({exc}); store plain values") from None
    keys = kv.index_to_key
    key_bytes = np.frombuffer("".join(keys).encode("utf-8"), dtype=np.uint8)
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    vectors = kv.vectors if kv.vectors.dtype == np.float32 else kv.vectors.astype(np.float32)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_member(zf, "vectors.npy", np.ascontiguousarray(vectors))
        _write_member(zf, "keys.npy", key_bytes)
        _write_member(zf, "key_lengths.npy", lengths)
        if kv.counts is not None:
            _write_member(zf, "counts.npy", np.asarray(kv.counts, dtype=np.int64))
        extra = getattr(kv, "npz_members", None)  # e.g. RecommenderVectors: users and histories
        for name, array in (extra() if callable(extra) else {}).items():
            _write_member(zf, f"{name}.npy", array)
        zf.writestr("metadata.json", meta_text.encode("utf-8"))


def _read_member(zf: zipfile.ZipFile, path: Path, name: str) -> np.ndarray:
    try:
        with zf.open(name) as fh:
            return np.lib.format.read_array(fh, allow_pickle=False)
    except ValueError as exc:  # pickled object arrays, bad headers
        raise FormatError(f"{path}: member {name} is not a plain .npy array ({exc})") from None


def _memmap_member(zf: zipfile.ZipFile, path: Path, name: str) -> np.ndarray | None:
    """Map an uncompressed ``.npy`` member in place; None when it is compressed."""
    info = zf.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise FormatError(f"{path}: bad zip local header for {name} at byte {info.header_offset}")
        fields = _LOCAL_HEADER.unpack(header)
        fh.seek(info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11])
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        except ValueError as exc:
            raise FormatError(f"{path}: member {name} has a bad .npy header ({exc})") from None
        offset = fh.tell()
    if dtype.hasobject:
        raise FormatError(f"{path}: member {name} holds Python objects; refusing to load (no pickle)")
    if int(np.prod(shape)) == 0:
        return np.zeros(shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C")


def _decode_keys(path: Path, files: set[str], zf: zipfile.ZipFile) -> list[str]:
    raw = _read_member(zf, path, "keys.npy")
    if raw.dtype.kind == "U":  # a plain np.savez(keys=np.array([...])) file
        return [str(k) for k in raw.tolist()]
    if "key_lengths.npy" not in files:
        raise FormatError(f"{path}: keys.npy is {raw.dtype} bytes but key_lengths.npy is missing")
    lengths = _read_member(zf, path, "key_lengths.npy").astype(np.int64)
    try:
        text = raw.astype(np.uint8).tobytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: keys.npy is not valid UTF-8 at byte {exc.start}") from None
    ends = np.cumsum(lengths)
    if lengths.size and (ends[-1] != len(text) or lengths.min() < 0):
        raise FormatError(
            f"{path}: key_lengths.npy sums to {int(ends[-1])} characters but keys.npy holds {len(text)}"
        )
    starts = (ends - lengths).tolist()
    return [text[a:b] for a, b in zip(starts, ends.tolist())]


def read_npz(path: Path, mmap: bool = False) -> KeyedVectors:
    """Read an npz vectors file; ``mmap`` maps the vectors read-only instead of loading them."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormatError(f"{path}: not an npz (zip) file ({exc}); is it a text or .bin vectors file?") from None
    with zf:
        files = set(zf.namelist())
        for required in ("vectors.npy", "keys.npy"):
            if required not in files:
                raise FormatError(f"{path}: npz member {required} is missing; found {sorted(files)}")
        vectors = None
        if mmap:
            vectors = _memmap_member(zf, path, "vectors.npy")
            if vectors is None:
                logger.warning("%s: vectors are compressed and cannot be memory-mapped; loading them", path)
        if vectors is None:
            vectors = _read_member(zf, path, "vectors.npy")
        if vectors.ndim != 2:
            raise FormatError(f"{path}: vectors.npy has shape {vectors.shape}; expected (n_keys, dim)")
        if vectors.dtype != np.float32 and not isinstance(vectors, np.memmap):
            vectors = vectors.astype(np.float32)
        keys = _decode_keys(path, files, zf)
        if len(keys) != vectors.shape[0]:
            raise FormatError(f"{path}: {len(keys)} keys but {vectors.shape[0]} vector rows")
        counts = _read_member(zf, path, "counts.npy") if "counts.npy" in files else None
        if counts is not None and counts.shape != (len(keys),):
            raise FormatError(f"{path}: counts.npy has shape {counts.shape}; expected ({len(keys)},)")
        metadata: dict[str, Any] = {}
        if "metadata.json" in files:
            try:
                doc = json.loads(zf.read("metadata.json").decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise FormatError(f"{path}: metadata.json is not valid UTF-8 JSON ({exc})") from None
            if not isinstance(doc, dict) or not isinstance(doc.get("metadata", {}), dict):
                raise FormatError(f"{path}: metadata.json must hold a JSON object with a 'metadata' object")
            metadata = doc.get("metadata", {})
            if "epochs_run" in metadata and "epochs_trained" not in metadata:  # files written before the rename
                metadata["epochs_trained"] = metadata["epochs_run"]
        # a recommender's users, histories and user vectors (see embedlab.vectors.recommend)
        extra = {n[:-4]: _read_member(zf, path, n) for n in _RECOMMENDER_MEMBERS if n in files}
    try:
        kv = KeyedVectors(keys, vectors, counts, metadata)
        if "user_keys" in extra:
            from ..recommend import RecommenderVectors

            return RecommenderVectors.from_members(kv, extra)
        return kv
    except (DataError, KeyError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: {exc}") from None
