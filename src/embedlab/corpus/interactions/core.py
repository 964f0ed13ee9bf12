"""User-item interactions: :class:`Interactions` (CSR with id maps), building them, reading and writing files."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..._progress import logger
from ..._validation import is_number
from ...exceptions import DataError, FormatError, InputFileError, InvalidParameterError, require


INTERACTION_FORMATS = ("csv", "tsv", "parquet", "inter", "baskets")
SPLIT_METHODS = ("leave-last-out", "leave-one-out", "ratio", "time")
_USER_ALIASES = ("user", "user_id", "userid", "userId", "uid", "session", "session_id")
_ITEM_ALIASES = ("item", "item_id", "itemid", "itemId", "movieId", "movie_id", "iid", "product", "product_id")
_TIME_ALIASES = ("timestamp", "time", "ts", "date", "datetime")
_WEIGHT_ALIASES = ("weight",)  # what write_interactions writes; ratings are used only when named
_HEADER_NAMES = frozenset(a.lower() for a in _USER_ALIASES + _ITEM_ALIASES + _TIME_ALIASES + _WEIGHT_ALIASES
                          + ("rating", "ratings", "score", "count", "clicks"))


@dataclass(eq=False)
class Interactions:
    """Implicit feedback: users x items in CSR layout plus id maps.

    ``indptr`` (int64, n_users + 1), ``indices`` (int32 item rows), ``weights`` (float32) and
    optional ``times`` (float64) are aligned; row ``u`` lists user ``user_ids[u]``'s items in time
    order. Use :meth:`to_csr` for a scipy matrix (duplicates summed) and :meth:`user_index` /
    :meth:`item_index` to map ids.
    """

    user_ids: list[str]
    item_ids: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    times: np.ndarray | None = None
    source: str = ""
    _user_map: dict[str, int] | None = field(default=None, repr=False)
    _item_map: dict[str, int] | None = field(default=None, repr=False)
    layout: str = field(default="", repr=False)  # how the file was read, e.g. "baskets (...)"

    def __post_init__(self) -> None:
        self.indptr = np.asarray(self.indptr, dtype=np.int64)
        self.indices = np.asarray(self.indices, dtype=np.int32)
        self.weights = np.asarray(self.weights, dtype=np.float32)
        if self.times is not None:
            self.times = np.asarray(self.times, dtype=np.float64)
        if self.indptr.shape != (len(self.user_ids) + 1,) or int(self.indptr[-1]) != self.indices.shape[0]:
            raise DataError(f"Interactions: indptr does not fit {len(self.user_ids)} users and {self.indices.shape[0]} entries")
        if self.weights.shape != self.indices.shape or (self.times is not None and self.times.shape != self.indices.shape):
            raise DataError("Interactions: indices, weights and times must have the same length")
        if self.indices.size and (int(self.indices.min()) < 0 or int(self.indices.max()) >= len(self.item_ids)):
            raise DataError(f"Interactions: item rows outside 0..{len(self.item_ids) - 1}")

    # ------------------------------------------------------------------ sizes and maps
    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def nnz(self) -> int:
        return int(self.indices.shape[0])

    def __len__(self) -> int:
        return self.nnz

    def __repr__(self) -> str:
        return f"Interactions({self.n_users:,} users x {self.n_items:,} items, {self.nnz:,} entries)"

    @property
    def user_map(self) -> dict[str, int]:
        if self._user_map is None:
            self._user_map = {u: i for i, u in enumerate(self.user_ids)}
        return self._user_map

    @property
    def item_map(self) -> dict[str, int]:
        if self._item_map is None:
            self._item_map = {t: i for i, t in enumerate(self.item_ids)}
        return self._item_map

    def user_index(self, user: Any) -> int:
        try:
            return self.user_map[str(user)]
        except KeyError:
            raise InvalidParameterError(f"unknown user {user!r} ({self.n_users:,} users)") from None

    def item_index(self, item: Any) -> int:
        try:
            return self.item_map[str(item)]
        except KeyError:
            raise InvalidParameterError(f"unknown item {item!r} ({self.n_items:,} items)") from None

    def row(self, u: int) -> np.ndarray:
        """Item rows of user row ``u`` in time order."""
        return self.indices[self.indptr[u]: self.indptr[u + 1]]

    def user_lengths(self) -> np.ndarray:
        return np.diff(self.indptr)

    def item_counts(self) -> np.ndarray:
        """Number of entries per item."""
        return np.bincount(self.indices, minlength=self.n_items).astype(np.int64)

    def to_csr(self, binary: bool = False) -> Any:
        """A scipy ``csr_matrix`` (users x items, float32; duplicated entries summed)."""
        from scipy import sparse

        data = np.ones_like(self.weights) if binary else self.weights
        # copy=True: scipy would share these arrays, and sum_duplicates() sorts them in place,
        # which destroyed the time order of every user's items (recency, sequences)
        m = sparse.csr_matrix((data, self.indices, self.indptr), shape=(self.n_users, self.n_items), copy=True)
        m.sum_duplicates()
        if binary:
            m.data[:] = 1.0
        return m

    def sorted_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(indptr, indices)`` with each row's unique items sorted (exclusions for ranking)."""
        m = self.to_csr(binary=True)
        m.sort_indices()
        return m.indptr.astype(np.int64), m.indices.astype(np.int64)

    def sequences(self) -> list[np.ndarray]:
        """Each user's item rows in time order."""
        return [self.indices[a:b] for a, b in zip(self.indptr[:-1], self.indptr[1:])]

    # ------------------------------------------------------------------ building blocks
    def take(self, entries: np.ndarray, source: str = "") -> Interactions:
        """The interactions at entry positions ``entries`` (bool mask or positions), same id maps."""
        mask = np.zeros(self.nnz, dtype=bool)
        mask[entries] = True
        counts = np.add.reduceat(mask.astype(np.int64), self.indptr[:-1]) if self.nnz else np.zeros(self.n_users, np.int64)
        counts[np.diff(self.indptr) == 0] = 0  # reduceat over empty rows reads the next row
        indptr = np.concatenate([[0], np.cumsum(counts)])
        return Interactions(self.user_ids, self.item_ids, indptr, self.indices[mask], self.weights[mask],
                            None if self.times is None else self.times[mask], source or self.source,
                            self._user_map, self._item_map)

    def compact(self) -> Interactions:
        """Drop users and items without entries (ids renumbered)."""
        keep_users = np.flatnonzero(np.diff(self.indptr) > 0)
        counts = self.item_counts()
        keep_items = np.flatnonzero(counts > 0)
        remap = np.full(self.n_items, -1, dtype=np.int64)
        remap[keep_items] = np.arange(keep_items.size)
        lens = np.diff(self.indptr)[keep_users]
        pos = np.concatenate([np.arange(self.indptr[u], self.indptr[u + 1]) for u in keep_users]) if keep_users.size else np.zeros(0, np.int64)
        return Interactions(
            [self.user_ids[u] for u in keep_users], [self.item_ids[i] for i in keep_items],
            np.concatenate([[0], np.cumsum(lens)]), remap[self.indices[pos]], self.weights[pos],
            None if self.times is None else self.times[pos], self.source,
        )

    def filter(self, min_user_interactions: int = 1, min_item_interactions: int = 1, *, iterate: bool = True) -> Interactions:
        """Keep users with at least ``min_user_interactions`` entries and items with at least
        ``min_item_interactions`` (repeated until both hold when ``iterate``: a k-core)."""
        for name, v in (("min_user_interactions", min_user_interactions), ("min_item_interactions", min_item_interactions)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise InvalidParameterError(f"parameter '{name}' must be an int >= 1; got {v!r}")
        cur = self
        while True:
            item_ok = cur.item_counts() >= min_item_interactions
            keep = item_ok[cur.indices]
            user_ok = np.diff(cur.indptr) >= min_user_interactions
            keep &= np.repeat(user_ok, np.diff(cur.indptr))
            if keep.all():
                break
            cur = cur.take(keep)
            if not iterate:
                break
        out = cur.compact()
        if out.nnz == 0:
            raise DataError(f"{self.source or 'interactions'}: no interaction is left after filtering with "
                            f"min_user_interactions={min_user_interactions}, min_item_interactions={min_item_interactions}")
        return out

    def with_items(self, item_ids: Sequence[str]) -> Interactions:
        """The same interactions over another item catalogue (items missing there are dropped)."""
        target = {t: i for i, t in enumerate(item_ids)}
        remap = np.array([target.get(t, -1) for t in self.item_ids], dtype=np.int64)
        new = remap[self.indices] if self.nnz else np.zeros(0, np.int64)
        keep = new >= 0
        sub = self.take(keep)
        return Interactions(self.user_ids, list(item_ids), sub.indptr, new[keep], sub.weights, sub.times, self.source,
                            self._user_map)


# ---------------------------------------------------------------------- construction
def from_pairs(
    users: Sequence[Any] | np.ndarray,
    items: Sequence[Any] | np.ndarray,
    weights: Sequence[float] | np.ndarray | None = None,
    times: Sequence[float] | np.ndarray | None = None,
    *,
    duplicates: str = "sum",
    source: str = "",
) -> Interactions:
    """Interactions from parallel sequences of user ids, item ids and optional weights/times.

    Ids are compared as strings; users and items are numbered in order of first appearance.
    ``duplicates="sum"`` merges repeated (user, item) events (weights summed, latest time);
    ``"keep"`` keeps each event.
    """
    if duplicates not in ("sum", "keep"):
        raise InvalidParameterError(f"parameter 'duplicates' must be one of 'sum', 'keep'; got {duplicates!r}")
    u_codes, user_ids = _codes(users)
    i_codes, item_ids = _codes(items)
    n = u_codes.shape[0]
    if i_codes.shape[0] != n:
        raise DataError(f"{n} users but {i_codes.shape[0]} items given")
    w = np.ones(n, np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
    t = None if times is None else np.asarray(times, dtype=np.float64)
    order_key = np.arange(n, dtype=np.int64)
    if t is not None:
        order = np.lexsort((order_key, t, u_codes))
    else:
        order = np.lexsort((order_key, u_codes))
    u_codes, i_codes, w = u_codes[order], i_codes[order], w[order]
    t = None if t is None else t[order]
    if duplicates == "sum" and n:
        pair = u_codes.astype(np.int64) * max(len(item_ids), 1) + i_codes
        uniq, inverse = np.unique(pair, return_inverse=True)
        summed = np.bincount(inverse, weights=w.astype(np.float64), minlength=uniq.shape[0])
        last = np.zeros(uniq.shape[0], np.int64)
        np.maximum.at(last, inverse, np.arange(n, dtype=np.int64))  # the latest event keeps its place
        keep = np.sort(last)
        w = summed[inverse[keep]].astype(np.float32)
        u_codes, i_codes = u_codes[keep], i_codes[keep]
        t = None if t is None else t[keep]
    counts = np.bincount(u_codes, minlength=len(user_ids))
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return Interactions(user_ids, item_ids, indptr, i_codes, w, t, source)


def _codes(values: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Integer codes in order of first appearance and the string ids."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "US":
        arr = arr.astype(str)
    uniq, first, inverse = np.unique(arr, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[inverse].astype(np.int32), [str(x) for x in uniq[order]]


def from_baskets(baskets: Iterable[Sequence[Any]], *, duplicates: str = "sum", source: str = "",
                 basket_ids: Sequence[Any] | None = None) -> Interactions:
    """One user per basket (ids ``"1", "2", ...`` unless ``basket_ids``); position is the time."""
    users: list[str] = []
    items: list[str] = []
    times: list[int] = []
    for n, basket in enumerate(baskets):
        uid = str(basket_ids[n]) if basket_ids is not None else str(n + 1)
        for pos, item in enumerate(basket):
            users.append(uid)
            items.append(str(item))
            times.append(pos)
    if not users:
        raise DataError(f"{source or 'baskets'}: no items found")
    return from_pairs(users, items, None, times, duplicates=duplicates, source=source)


# ---------------------------------------------------------------------- readers
def movielens_100k_path() -> Path:
    """MovieLens-100k as shipped in the ``recbole`` wheel (``pip install --no-deps recbole==1.2.1``)."""
    import importlib.util

    spec = importlib.util.find_spec("recbole")
    if spec is None or not spec.submodule_search_locations:
        raise InputFileError("MovieLens-100k comes with the recbole package; install it with: "
                             "pip install --no-deps 'recbole==1.2.1' (or pip install 'embedlab[recommend-data]')")
    path = Path(next(iter(spec.submodule_search_locations))) / "dataset_example" / "ml-100k" / "ml-100k.inter"
    if not path.is_file():
        raise InputFileError(f"{path}: not found in the installed recbole package; reinstall recbole==1.2.1")
    return path


def _infer_format(path: Path, user_col: str | None, item_col: str | None, sep: str | None = None) -> str:
    name = path.name.lower()
    for suffix in (".gz", ".bz2"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith(".parquet") or name.endswith(".pq"):
        return "parquet"
    if name.endswith(".inter"):
        return "inter"
    lines = _head_lines(path, 20)
    first = lines[0]
    if sep is None:
        sep = "\t" if name.endswith(".tsv") or ("\t" in first and "," not in first) else ","
    table = "tsv" if sep == "\t" else "csv"
    if user_col or item_col:  # asked for columns: a table, whose columns may be missing
        return table
    split = (lambda line: [t.strip().strip('"') for t in line.split(sep)]) if sep != " " else str.split
    return table if _looks_like_header(split(first), [split(line) for line in lines[1:]]) else "baskets"


def _looks_like_header(first: list[str], rows: list[list[str]]) -> bool:
    """A known column name, or names above rows of the same width with a numeric column."""
    if any(t.lower() in _HEADER_NAMES for t in first):
        return True
    if len(first) < 2 or any(is_number(t) for t in first) or not rows:
        return False
    if any(len(r) != len(first) for r in rows):
        return False
    return any(all(is_number(r[j]) for r in rows) for j in range(len(first)))


def _head_lines(path: Path, n: int) -> list[str]:
    """The first ``n`` non-empty lines (stripped of line ends)."""
    from ..readers import _iter_file_lines

    out: list[str] = []
    lines = _iter_file_lines(path, "utf-8", "strict")
    try:
        for line in lines:
            if line.strip():
                out.append(line.rstrip("\r\n"))
                if len(out) >= n:
                    break
    finally:
        lines.close()  # type: ignore[attr-defined]
    if not out:
        raise DataError(f"{path}: the file is empty")
    return out


def _pick(header: Sequence[str], wanted: str | None, aliases: Sequence[str], what: str, path: Path, option: str,
          required: bool = True) -> str | None:
    if wanted is not None:
        if wanted in header:
            return wanted
        raise FormatError(f"{path}: no {what} column '{wanted}' ({option}); columns found: {', '.join(map(str, header))}")
    for a in aliases:
        if a in header:
            return a
    lower = {str(h).lower(): h for h in header}
    for a in aliases:
        if a.lower() in lower:
            return lower[a.lower()]
    if required:
        raise FormatError(f"{path}: no {what} column found (tried {', '.join(aliases)}); columns found: "
                          f"{', '.join(map(str, header))}; name it with {option}")
    return None


def read_interactions(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    user_col: str | None = None,
    item_col: str | None = None,
    weight_col: str | None = None,
    time_col: str | None = None,
    sep: str | None = None,
    duplicates: str = "sum",
    min_user_interactions: int = 1,
    min_item_interactions: int = 1,
) -> Interactions:
    """Read interactions from a table (CSV/TSV/Parquet), a RecBole ``.inter`` file or basket lines.

    ``format`` is inferred when None: ``.parquet``, ``.inter``, a CSV/TSV whose first line is a
    header (a known column name, or names above numeric rows), else basket lines. A table needs
    ``user_col`` and ``item_col`` (found by common names when not given; a missing one is an
    error listing the columns found); ``time_col`` is used when given or when a
    ``timestamp``/``time`` column exists; ``weight_col`` when given or when a ``weight`` column
    exists (else every event weighs 1); weights and times must be finite numbers (times may be
    dates). Errors name the file, the line and the option. The result's ``layout`` says how the
    file was read.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: no such file" + ("; give a file, not a folder" if p.is_dir() else ""))
    fmt = format or _infer_format(p, user_col, item_col, sep)
    if fmt not in INTERACTION_FORMATS:
        raise InvalidParameterError(f"unknown interactions format {fmt!r}; valid formats: {', '.join(INTERACTION_FORMATS)}")
    if fmt == "baskets":
        if any(c is not None for c in (user_col, item_col, weight_col, time_col)):
            raise InvalidParameterError(f"{p}: a basket file has no columns; drop --user-col/--item-col/--weight-col/--time-col "
                                        "or give a table with a header line")
        inter = _read_baskets(p, sep, duplicates)
    else:
        inter = _read_table(p, fmt, user_col, item_col, weight_col, time_col, sep, duplicates)
    layout = inter.layout
    if min_user_interactions > 1 or min_item_interactions > 1:
        inter = inter.filter(min_user_interactions, min_item_interactions)
        inter.layout = layout
    logger.info("%s: read as %s", p, layout)
    return inter


def _read_baskets(path: Path, sep: str | None, duplicates: str) -> Interactions:
    from ..readers import _iter_file_lines

    lines = list(_iter_file_lines(path, "utf-8", "strict"))
    if sep is None:  # one separator for the whole file: "whole milk" alone on a line is one item
        sep = "," if any("," in line for line in lines) else None
    baskets: list[list[str]] = []
    ids: list[str] = []
    for lineno, line in enumerate(lines, 1):
        items = [t.strip() for t in line.split(sep)] if sep is not None else line.split()
        items = [t for t in items if t]
        if items:
            baskets.append(items)
            ids.append(str(lineno))
    if not baskets:
        raise DataError(f"{path}: no basket found (one basket per line, items separated by commas or spaces)")
    inter = from_baskets(baskets, duplicates=duplicates, source=str(path), basket_ids=ids)
    between = "commas" if sep == "," else repr(sep) if sep else "whitespace"
    inter.layout = f"baskets (one per line, items separated by {between}; users are line numbers)"
    if int(np.diff(inter.indptr).max()) < 2:
        logger.warning("%s: every basket holds a single item; item2vec and item-kNN need items that co-occur "
                       "(is the separator right? use --sep)", path)
    return inter


def _read_table(path: Path, fmt: str, user_col: str | None, item_col: str | None, weight_col: str | None,
                time_col: str | None, sep: str | None, duplicates: str) -> Interactions:
    pd = require("pandas", "recommend")
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path)
            header_lines = 0
        else:
            delimiter = sep or ("\t" if fmt in ("tsv", "inter") else ",")
            frame = pd.read_csv(path, sep=delimiter, dtype=str, keep_default_na=False, na_filter=False,
                                quoting=csv.QUOTE_MINIMAL, engine="c")
            header_lines = 1
    except (ValueError, OSError, ImportError) as exc:
        raise FormatError(f"{path}: cannot read it as {fmt} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    except Exception as exc:  # pandas' ParserError and friends
        raise FormatError(f"{path}: cannot read it as {fmt} ({' '.join(str(exc).split())})") from None
    if fmt == "inter":  # RecBole: "user_id:token"
        frame.columns = [str(c).split(":", 1)[0] for c in frame.columns]
    header = [str(c) for c in frame.columns]
    ucol = _pick(header, user_col, _USER_ALIASES, "user", path, "--user-col")
    icol = _pick(header, item_col, _ITEM_ALIASES, "item", path, "--item-col")
    wcol = _pick(header, weight_col, _WEIGHT_ALIASES, "weight", path, "--weight-col", required=weight_col is not None)
    tcol = _pick(header, time_col, _TIME_ALIASES, "time", path, "--time-col", required=time_col is not None)
    if len(frame) == 0:
        raise DataError(f"{path}: the table has a header but no rows")
    users = frame[ucol].astype(str).str.strip().to_numpy()
    items = frame[icol].astype(str).str.strip().to_numpy()
    for name, values, option in ((ucol, users, "--user-col"), (icol, items, "--item-col")):
        empty = np.flatnonzero(values == "")
        if empty.size:
            raise FormatError(f"{path}, line {int(empty[0]) + 1 + header_lines}: the {name!r} column ({option}) is empty "
                              f"({empty.size:,} such rows); fill it or drop those rows")
    weights = _numeric(frame[wcol], path, wcol, "--weight-col", header_lines) if wcol else None
    times = _times(frame[tcol], path, tcol, header_lines) if tcol else None
    inter = from_pairs(users, items, weights, times, duplicates=duplicates, source=str(path))
    used = [f"{what} {col}" for what, col in (("user", ucol), ("item", icol), ("weight", wcol), ("time", tcol)) if col]
    ignored = [h for h in header if h not in (ucol, icol, wcol, tcol)]
    inter.layout = (f"a table ({fmt}): {', '.join(used)}" + ("" if wcol else "; every event weighs 1")
                    + (f"; ignored columns: {', '.join(ignored)}" if ignored else ""))
    return inter


def _numeric(column: Any, path: Path, name: str, option: str, header_lines: int) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise FormatError(f"{path}, line {int(bad[0]) + 1 + header_lines}: {name!r} ({option}) must be a number; "
                          f"got {str(column.iloc[int(bad[0])])!r}")
    return values


def _times(column: Any, path: Path, name: str, header_lines: int) -> np.ndarray:
    """Numbers, or dates when the first value is not a number; the first bad value is reported."""
    import warnings

    import pandas as pd

    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any() and bad[0]:  # a date column (the first value is not a number)
        with warnings.catch_warnings():  # "could not infer format": each value is parsed alone
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.to_datetime(column, errors="coerce", utc=True)
        bad = parsed.isna().to_numpy()
        if not bad.any():
            return parsed.astype("int64").to_numpy(dtype=np.float64) / 1e9
    else:
        bad = bad | ~np.isfinite(values.to_numpy(dtype=np.float64))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise FormatError(f"{path}, line {first + 1 + header_lines}: {name!r} (--time-col) must be a number or a date; "
                          f"got {str(column.iloc[first])!r}")
    return values.to_numpy(dtype=np.float64)


def write_interactions(inter: Interactions, path: str | os.PathLike[str]) -> None:
    """Write ``user,item,weight[,timestamp]`` CSV (atomic; ids quoted as needed)."""
    from ..._fileio import atomic_path

    users = np.repeat(np.arange(inter.n_users), np.diff(inter.indptr))
    uids = np.asarray(inter.user_ids, dtype=object)[users]
    iids = np.asarray(inter.item_ids, dtype=object)[inter.indices]
    with atomic_path(path, suffix=".csv") as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["user", "item", "weight"] + (["timestamp"] if inter.times is not None else []))
            weights = [f"{x:g}" for x in inter.weights.tolist()]
            if inter.times is not None:
                times = [f"{x:.17g}" for x in inter.times.tolist()]
                w.writerows(zip(uids.tolist(), iids.tolist(), weights, times))
            else:
                w.writerows(zip(uids.tolist(), iids.tolist(), weights))


# ---------------------------------------------------------------------- splits
def as_interactions(data: Any) -> Interactions:
    """``data`` as :class:`Interactions`: itself, a file path (read with the defaults of
    :func:`read_interactions`) or an iterable of baskets/sessions (lists of item ids)."""
    if isinstance(data, Interactions):
        return data
    if isinstance(data, (str, os.PathLike)):
        return read_interactions(data)
    if hasattr(data, "tocsr"):
        raise InvalidParameterError("give Interactions (users x items with id maps), not a bare sparse matrix: "
                                    "build it with from_pairs(users, items) so that users and items cannot be swapped")
    try:
        raw = list(data)
    except TypeError:
        raise InvalidParameterError(f"cannot read interactions from {type(data).__name__}; give Interactions, "
                                    "a file path or a list of baskets (lists of item ids)") from None
    if any(isinstance(b, str) for b in raw):
        raise InvalidParameterError("baskets must be lists of item ids, not strings")
    return from_baskets([list(b) for b in raw])
