"""Query vectors from a file, for ``embedlab index query --vector-file`` and Python alike."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..exceptions import DataError, FormatError, InputFileError
from .base import check_query_vectors

__all__ = ["read_query_vectors"]


def read_query_vectors(path: str | os.PathLike[str], dim: int, metric: str = "cosine") -> np.ndarray:
    """Query vectors from ``.npy`` (n x dim) or text (one vector per line, numbers separated by
    spaces or commas; an optional leading key is ignored when the line has ``dim + 1`` fields).
    NaN/inf rows, and all-zero rows for ``metric="cosine"``, are refused naming the row."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file; give a .npy array or a text file of query vectors")
    if path.suffix == ".npy":
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise FormatError(f"{path}: not a readable .npy array ({exc})") from None
        arr = np.atleast_2d(np.asarray(arr, dtype=np.float32))
        if arr.shape[1] != dim:
            raise DataError(f"{path}: query vectors have dimension {arr.shape[1]}; the index has dimension {dim}")
        rows = list(arr)
    else:
        rows = []
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            raise FormatError(f"{path}: not UTF-8 text; give a .npy file or text vectors") from None
        for n, line in enumerate(lines, 1):
            fields = line.replace(",", " ").split()
            if not fields:
                continue
            if len(fields) == dim + 1:
                fields = fields[1:]
            if len(fields) != dim:
                raise DataError(f"{path}, line {n}: {len(fields)} numbers; the index has dimension {dim}")
            try:
                rows.append(np.array([float(f) for f in fields], dtype=np.float32))
            except ValueError:
                raise FormatError(f"{path}, line {n}: not a number in the vector") from None
    if not rows:
        raise DataError(f"{path}: no query vectors")
    return check_query_vectors(np.vstack(rows), str(path), metric)
