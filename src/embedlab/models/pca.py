"""Embeddings for the rows of a table: PCA or truncated SVD (scikit-learn) after encoding.

Numeric columns are standardised (``scale``), categorical ones (strings, categories, booleans)
one-hot or frequency encoded; each row becomes a vector keyed by the ``key`` column (or its row
number). Reads CSV, Parquet and ``.npy`` files, pandas DataFrames and 2-D NumPy arrays.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._progress import logger
from .._validation import Interval, Options
from ..base import BaseEmbedder
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError, require
from ._meta import versions as _versions

__all__ = ["TablePCA", "read_table"]

_READERS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".npy": "npy"}


def read_table(source: Any) -> tuple[Any, str]:
    """A pandas DataFrame from a path (CSV/TSV, Parquet, ``.npy``), a DataFrame or a 2-D array,
    and a name for messages."""
    pd = require("pandas", "methods")
    if isinstance(source, pd.DataFrame):
        return source, "table"
    if isinstance(source, np.ndarray):
        return _array_frame(source, "array"), "array"
    path = Path(source)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file; give a CSV, Parquet or .npy table")
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise FormatError(f"{path}: unknown table format '{path.suffix}'; use one of {', '.join(_READERS)}")
    try:
        if kind == "npy":
            return _array_frame(np.load(path, allow_pickle=False), str(path)), str(path)
        if kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep="\t" if kind == "tsv" else ",")
    except (ValueError, OSError, pd.errors.ParserError, ImportError) as exc:
        if isinstance(exc, InputFileError):
            raise
        raise FormatError(f"{path}: cannot read as {kind}: {' '.join(str(exc).split())}") from None
    if len(frame) == 0:
        raise FormatError(f"{path}: no data rows (columns {', '.join(map(str, frame.columns[:8]))}"
                          f"{', ...' if len(frame.columns) > 8 else ''}); a table needs at least one row")
    return frame, str(path)


def _array_frame(arr: np.ndarray, name: str) -> Any:
    import pandas as pd

    if arr.ndim != 2:
        raise FormatError(f"{name}: expected a 2-D array (rows x columns); got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"c{i}" for i in range(arr.shape[1])])


class TablePCA(BaseEmbedder):
    """Row embeddings of a table by PCA or truncated SVD.

    Parameters
    ----------
    n_components: dimension of the row vectors.
    method: ``"pca"`` (sklearn ``PCA``, centred) or ``"svd"`` (``TruncatedSVD``, uncentred).
    scale: standardise numeric columns (``StandardScaler``).
    categorical: ``"onehot"`` or ``"frequency"`` encoding of non-numeric columns.
    key: column holding the row keys (unique); ``None`` uses row numbers ``"0", "1", ...``.
    impute: what to do with missing cells: ``None`` (error naming the cell), ``"mean"`` /
        ``"median"`` (numeric; categorical cells get the most frequent value) or ``"drop"`` (rows).
    random_state: seed of the (randomized) solvers.

    Notes
    -----
    Learned: ``vectors_`` (KeyedVectors with explained variance in metadata), ``feature_names_``,
    ``explained_variance_ratio_``.
    """

    name: ClassVar[str] = "pca"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_components": [Interval(int, 1, None, search=(2, 50))],
        "method": [Options(("pca", "svd"), search=True)],
        "scale": [Options((True, False), search=True)],
        "categorical": [Options(("onehot", "frequency"), search=True)],
        "key": [str, None],
        "impute": [Options(("mean", "median", "drop")), None],
        "random_state": [Interval(int, 0, None), None],
    }

    def __init__(
        self,
        n_components: int = 10,
        method: str = "pca",
        scale: bool = True,
        categorical: str = "onehot",
        key: str | None = None,
        impute: str | None = None,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.method = method
        self.scale = scale
        self.categorical = categorical
        self.key = key
        self.impute = impute
        self.random_state = random_state

    def fit(self, data: Any) -> TablePCA:
        """Encode ``data`` (path, DataFrame or 2-D array) and fit PCA / truncated SVD."""
        self._validate_params()
        require("sklearn", "methods")
        start = time.perf_counter()
        frame, name = read_table(data)
        keys, frame = self._keys(frame, name)
        frame, keys = self._missing(frame, keys, name)
        matrix, features = self._encode(frame, name)
        k = self.n_components
        limit = min(matrix.shape) if self.method == "pca" else matrix.shape[1] - 1
        if k > limit:
            raise InvalidParameterError(
                f"TablePCA: n_components={k} is too large for a {matrix.shape[0]} x {matrix.shape[1]} "
                f"encoded table (at most {limit} with method={self.method!r}); lower n_components"
            )
        from sklearn.decomposition import PCA, TruncatedSVD

        if self.method == "pca":
            est = PCA(n_components=k, random_state=self.random_state)
        else:
            est = TruncatedSVD(n_components=k, random_state=self.random_state)
        vectors = est.fit_transform(matrix)
        self.feature_names_ = features
        self.explained_variance_ratio_ = np.asarray(est.explained_variance_ratio_)
        from ..vectors import KeyedVectors

        self.vectors_ = KeyedVectors(
            keys, vectors.astype(np.float32),
            metadata={
                "method": self.name, "params": self.get_params(), "seed": self.random_state,
                "table": {"source": name, "rows": int(matrix.shape[0]), "features": len(features),
                          "columns": [str(c) for c in frame.columns]},
                "explained_variance": [float(x) for x in est.explained_variance_],
                "explained_variance_ratio": [float(x) for x in self.explained_variance_ratio_],
                "explained_variance_ratio_total": float(self.explained_variance_ratio_.sum()),
                "training_time_s": round(time.perf_counter() - start, 3), "versions": _versions(),
            },
        )
        return self

    def _keys(self, frame: Any, name: str) -> tuple[list[str], Any]:
        if self.key is None:
            return [str(i) for i in range(len(frame))], frame
        if self.key not in frame.columns:
            raise InvalidParameterError(
                f"{name}: key column '{self.key}' not found; columns: {', '.join(map(str, frame.columns))}"
            )
        col = frame[self.key]
        if col.isna().any():
            row = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise DataError(f"{name}: key column '{self.key}' is empty at row {row}; every row needs a key")
        keys = [str(v) for v in col]
        dup = col.astype(str).duplicated(keep=False).to_numpy()
        if dup.any():
            rows = np.flatnonzero(dup)
            first = keys[rows[0]]
            same = [int(r) for r in rows if keys[r] == first][:2]
            raise DataError(
                f"{name}: key column '{self.key}' has duplicate key {first!r} (rows {same[0]} and {same[1]}); "
                "keys must be unique"
            )
        return keys, frame.drop(columns=[self.key])

    def _missing(self, frame: Any, keys: list[str], name: str) -> tuple[Any, list[str]]:
        na = frame.isna().to_numpy()
        if not na.any():
            return frame, keys
        if self.impute is None:
            row, col = (int(x[0]) for x in np.nonzero(na))
            raise DataError(
                f"{name}: missing value (NaN) in column '{frame.columns[col]}' at row {row} "
                f"({int(na.sum())} missing cells); impute them with impute='mean'|'median'|'drop' "
                "(CLI: --impute mean|median|drop)"
            )
        if self.impute == "drop":
            keep = ~na.any(axis=1)
            if not keep.any():
                raise DataError(f"{name}: every row has a missing value; impute='drop' leaves no rows")
            return frame[keep].reset_index(drop=True), [k for k, ok in zip(keys, keep) if ok]
        frame = frame.copy()
        for col in frame.columns[na.any(axis=0)]:
            s = frame[col]
            if _is_numeric(s):
                frame[col] = s.fillna(s.mean() if self.impute == "mean" else s.median())
            else:
                frame[col] = s.fillna(s.mode().iloc[0])
        return frame, keys

    def _encode(self, frame: Any, name: str) -> tuple[np.ndarray, list[str]]:
        import pandas as pd

        numeric = [c for c in frame.columns if _is_numeric(frame[c])]
        cats = [c for c in frame.columns if c not in numeric and _is_categorical(frame[c])]
        ids = [c for c in cats if len(frame) > 1 and frame[c].nunique() == len(frame)]
        if ids:  # one distinct value per row: an identifier, not a category
            logger.warning("%s: skipping column(s) %s: every value is distinct (use key=... for row keys)",
                           name, ", ".join(map(str, ids)))
            cats = [c for c in cats if c not in ids]
        if not numeric and not cats:
            raise DataError(
                f"{name}: no numeric or categorical columns to embed"
                + (f" (besides key column '{self.key}')" if self.key else "")
                + "; give a table with at least one such column"
            )
        parts: list[np.ndarray] = []
        features: list[str] = []
        if numeric:
            x = frame[numeric].to_numpy(dtype=np.float64)
            if self.scale:
                from sklearn.preprocessing import StandardScaler

                x = StandardScaler().fit_transform(x)
            parts.append(x)
            features += [str(c) for c in numeric]
        for c in cats:
            s = frame[c].astype(str)
            if self.categorical == "onehot":
                d = pd.get_dummies(s, prefix=str(c), prefix_sep="=")
                parts.append(d.to_numpy(dtype=np.float64))
                features += list(d.columns)
            else:
                freq = s.map(s.value_counts(normalize=True))
                parts.append(freq.to_numpy(dtype=np.float64)[:, None])
                features.append(f"{c}:frequency")
        return np.hstack(parts), features


def _is_numeric(s: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _is_categorical(s: Any) -> bool:
    import pandas as pd

    return (
        pd.api.types.is_object_dtype(s)
        or pd.api.types.is_string_dtype(s)
        or isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(s)
    )
