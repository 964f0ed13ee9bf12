"""Graphs as compact CSR with a node-id map: :class:`Graph`, :func:`read_edgelist`, :func:`as_graph`."""

from __future__ import annotations

import io
import logging
import os
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..._validation import is_number
from ...exceptions import DataError, FormatError, InputFileError


logger = logging.getLogger("embedlab")

_HEADER_WORDS = {
    "source", "target", "src", "dst", "from", "to", "node1", "node2", "node_1", "node_2", "id_1", "id_2",
    "head", "tail", "weight", "node", "id", "start", "end", "source_id", "target_id",
}  # single letters (u, v, a, b) are read as node ids: use header=True for such headers
_COMMENTS = ("#", "%")


@dataclass
class Graph:
    """A graph in CSR form with its node ids (see the module docstring)."""

    indptr: np.ndarray
    indices: np.ndarray
    nodes: list[str]
    weights: np.ndarray | None = None
    directed: bool = False
    source: str = "graph"
    stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._key_to_index: dict[str, int] | None = None

    @property
    def n_nodes(self) -> int:
        return int(self.indptr.shape[0] - 1)

    @property
    def n_edges(self) -> int:
        """Edges as given: undirected edges count once."""
        nnz = int(self.indptr[-1])
        if self.directed:
            return nnz
        loops = int(self.stats.get("self_loops_kept", 0))
        return (nnz - loops) // 2 + loops

    @property
    def weighted(self) -> bool:
        return self.weights is not None

    @property
    def nbytes(self) -> int:
        """Memory of the CSR arrays."""
        return int(self.indptr.nbytes + self.indices.nbytes + (0 if self.weights is None else self.weights.nbytes))

    def degrees(self) -> np.ndarray:
        """Out-degree of every node (int64)."""
        return np.diff(self.indptr)

    def strengths(self) -> np.ndarray:
        """Sum of edge weights per node (the degree when unweighted), float64."""
        if self.weights is None:
            return self.degrees().astype(np.float64)
        rows = np.repeat(np.arange(self.n_nodes), self.degrees())
        return np.bincount(rows, weights=self.weights, minlength=self.n_nodes)

    @property
    def key_to_index(self) -> dict[str, int]:
        if self._key_to_index is None:
            self._key_to_index = {k: i for i, k in enumerate(self.nodes)}
        return self._key_to_index

    def neighbors(self, node: str) -> list[str]:
        """Out-neighbours of ``node`` (by id)."""
        i = self.key_to_index[str(node)]
        return [self.nodes[j] for j in self.indices[self.indptr[i] : self.indptr[i + 1]]]

    def to_scipy(self) -> Any:
        """The adjacency as a ``scipy.sparse.csr_matrix`` (weights, or ones)."""
        from scipy import sparse

        data = self.weights if self.weights is not None else np.ones(self.indices.shape[0], dtype=np.float32)
        return sparse.csr_matrix((data, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))

    def edge_array(self) -> np.ndarray:
        """(m, 2) int64 array of edges (each undirected edge once, ``u <= v``)."""
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), self.degrees())
        cols = self.indices.astype(np.int64)
        if not self.directed:
            keep = rows <= cols
            rows, cols = rows[keep], cols[keep]
        return np.stack([rows, cols], axis=1)

    def close(self) -> None:
        """Nothing to release (lets a Graph stand in for a prepared corpus in tuning)."""

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        w = ", weighted" if self.weighted else ""
        return f"Graph({self.n_nodes:,} nodes, {self.n_edges:,} edges, {kind}{w}, source={self.source!r})"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_edges(
        cls,
        src: np.ndarray,
        dst: np.ndarray,
        nodes: Sequence[Any],
        weights: np.ndarray | None = None,
        *,
        directed: bool = False,
        self_loops: bool = False,
        source: str = "graph",
        stats: dict[str, Any] | None = None,
        report: bool = True,
    ) -> Graph:
        """CSR from integer edge endpoints ``src[i] -> dst[i]`` into ``nodes`` (duplicates merged,
        weights summed; self-loops dropped unless ``self_loops``)."""
        n = len(nodes)
        stats = dict(stats or {})
        src = np.asarray(src)
        dst = np.asarray(dst)
        if src.shape != dst.shape:
            raise DataError(f"{source}: {src.shape[0]} sources but {dst.shape[0]} targets")
        loops = src == dst
        n_loops = int(loops.sum())
        if n_loops and not self_loops:
            keep = ~loops
            src, dst = src[keep], dst[keep]
            if weights is not None:
                weights = weights[keep]
        stats["self_loops"] = n_loops
        stats["self_loops_kept"] = n_loops if self_loops else 0
        if src.shape[0] == 0:
            raise DataError(f"{source}: the graph has no edges" + (" (only self-loops)" if n_loops else ""))
        if not directed:
            # both directions; a self-loop once
            nl = src != dst
            src, dst = np.concatenate([src, dst[nl]]), np.concatenate([dst, src[nl]])
            if weights is not None:
                weights = np.concatenate([weights, weights[nl]])
        idx_dtype = np.int32 if n < 2**31 - 1 else np.int64
        # sort by (row, col): one int64 key, stable sort keeps the first occurrence first
        key = src.astype(np.int64) * np.int64(n) + dst.astype(np.int64)
        order = np.argsort(key, kind="stable")
        key = key[order]
        uniq = np.ones(key.shape[0], dtype=bool)
        uniq[1:] = key[1:] != key[:-1]
        n_dup_entries = int(key.shape[0] - uniq.sum())
        w_out = None
        if weights is not None:
            w_sorted = np.asarray(weights, dtype=np.float64)[order]
            starts = np.flatnonzero(uniq)
            w_out = np.add.reduceat(w_sorted, starts).astype(np.float32)
        key = key[uniq]
        del order, uniq
        rows = key // np.int64(n)
        cols = (key - rows * np.int64(n)).astype(idx_dtype)
        counts = np.bincount(rows, minlength=n)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        stats["duplicates"] = n_dup_entries if directed else n_dup_entries // 2
        g = cls(indptr, cols, [str(x) for x in nodes], w_out, directed, source, stats)
        g._report(report)
        return g

    def _report(self, warn: bool = True) -> None:
        dup, loops = self.stats.get("duplicates", 0), self.stats.get("self_loops", 0)
        if dup:
            logger.log(logging.WARNING if warn else logging.DEBUG,"%s: merged %d duplicate edge(s)%s", self.source, dup,
                           " (weights summed)" if self.weighted else "")
        if loops:
            kept = self.stats.get("self_loops_kept", 0)
            logger.warning("%s: %s %d self-loop(s)", self.source, "kept" if kept else "dropped", loops)
        if self.directed:
            dead = int((self.degrees() == 0).sum())
            self.stats["dead_ends"] = dead
            if dead:
                logger.info("%s: %d node(s) without out-edges; walks stop there", self.source, dead)

    @classmethod
    def from_networkx(cls, G: Any, *, weight: str | None = "weight", weighted: bool | None = None,
                      self_loops: bool = False) -> Graph:
        """From a NetworkX graph: node objects become string keys; ``weight`` names the edge
        attribute (used when ``weighted`` or, by default, when any edge has it)."""
        nodes = list(G.nodes())
        if not nodes:
            raise DataError("the NetworkX graph has no nodes")
        index = {u: i for i, u in enumerate(nodes)}
        edges = list(G.edges(data=True))
        src = np.fromiter((index[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
        if weighted is None:
            weighted = weight is not None and any(weight in d for _, _, d in edges)
        w = None
        if weighted:
            w = np.array([float(d.get(weight, 1.0)) for _, _, d in edges], dtype=np.float64)
            _check_weight_array(w, "the NetworkX graph")
        keys = [str(u) for u in nodes]
        if len(set(keys)) != len(keys):
            raise DataError("the NetworkX graph has distinct nodes with the same string form; relabel them")
        return cls.from_edges(src, dst, keys, w, directed=bool(G.is_directed()), self_loops=self_loops,
                              source="networkx")

    @classmethod
    def from_scipy(cls, matrix: Any, nodes: Sequence[Any] | None = None, *, directed: bool = False,
                   weighted: bool = True, self_loops: bool = False) -> Graph:
        """From a square SciPy sparse (or dense NumPy) adjacency matrix; ``nodes`` names the rows
        (default ``"0".."n-1"``). Undirected: the matrix is read as symmetric (``A + A.T`` pattern)."""
        from scipy import sparse

        coo = sparse.coo_matrix(matrix)
        if coo.shape[0] != coo.shape[1]:
            raise DataError(f"the adjacency matrix must be square; got shape {coo.shape}")
        n = coo.shape[0]
        keys = [str(i) for i in range(n)] if nodes is None else [str(x) for x in nodes]
        if len(keys) != n:
            raise DataError(f"{len(keys)} node ids for a {n} x {n} matrix")
        nz = coo.data != 0
        src, dst, data = coo.row[nz].astype(np.int64), coo.col[nz].astype(np.int64), coo.data[nz]
        w = None
        if weighted:
            w = np.asarray(data, dtype=np.float64)
            _check_weight_array(w, "the adjacency matrix")
        if not directed:
            # each undirected edge once: (min, max); the symmetric duplicates merge (keep one weight)
            lo, hi = np.minimum(src, dst), np.maximum(src, dst)
            key = lo * n + hi
            _, first = np.unique(key, return_index=True)
            src, dst = lo[first], hi[first]
            w = None if w is None else w[first]
        return cls.from_edges(src, dst, keys, w, directed=directed, self_loops=self_loops, source="scipy matrix")


def _check_weight_array(w: np.ndarray, where: str) -> None:
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}: edge {i} has weight {w[i]!r}; weights must be positive finite numbers")


# ---------------------------------------------------------------------- edge-list reader
def _open_text(path: Path, encoding: str) -> io.TextIOBase:
    import bz2
    import gzip

    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding=encoding)  # type: ignore[return-value]
    if path.suffix == ".bz2":
        return bz2.open(path, "rt", encoding=encoding)  # type: ignore[return-value]
    return open(path, encoding=encoding)  # noqa: SIM115


def _sniff(line: str) -> str | None:
    if "\t" in line:
        return "\t"
    if "," in line:
        return ","
    if ";" in line:
        return ";"
    return None  # any whitespace


def _looks_like_header(first: list[str], second: list[str] | None) -> bool:
    names = [t.strip().strip('"').lower() for t in first]
    if all(n in _HEADER_WORDS for n in names[:2]):
        return True
    if len(names) >= 3 and not is_number(names[2]) and second is not None and len(second) >= 3 and is_number(second[2]):
        return True
    # integer ids everywhere but the first line
    return (second is not None and not any(_is_int(t) for t in first[:2])
            and all(_is_int(t) for t in second[:2]))


def _is_int(text: str) -> bool:
    t = text.strip()
    return t.lstrip("-").isdigit()


def read_edgelist(
    path: str | os.PathLike[str],
    *,
    directed: bool = False,
    weighted: bool = False,
    delimiter: str | None = None,
    header: bool | None = None,
    self_loops: bool = False,
    encoding: str = "utf-8",
) -> Graph:
    """Read an edge list (``source target [weight]`` per line) into a :class:`Graph`.

    ``delimiter``: ``","``, ``"\\t"``, ``" "``..., or None to detect it from the first line
    (tab, comma, semicolon, else any whitespace). ``header``: None detects a header line (known
    column names such as ``source,target`` or ``id_1,id_2``, or a non-numeric first line above
    numeric ones). A third column must be a number, the weight: ``weighted`` reads it as a
    positive weight (otherwise it is ignored); more columns, or a third that is not a number,
    are an error. Errors name the file and line.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p}: no such file")
    if p.is_dir():
        raise InputFileError(f"{p}: is a directory; give an edge-list file (source target [weight] per line)")
    index: dict[str, int] = {}
    nodes: list[str] = []
    src = array("i")
    dst = array("i")
    wts = array("f") if weighted else None
    sep = delimiter
    seen_first = False
    pending: list[tuple[int, list[str]]] = []
    try:
        with _open_text(p, encoding) as fh:
            lineno = 0
            for raw in fh:
                lineno += 1
                line = raw.strip()
                if not line or line.startswith(_COMMENTS):
                    continue
                if not seen_first:
                    if sep is None:
                        sep = _sniff(line)
                    seen_first = True
                parts = line.split(sep) if sep is not None and sep != " " else line.split()
                if header is None and len(pending) < 2:
                    pending.append((lineno, parts))
                    if len(pending) < 2:
                        continue
                    first, second = pending[0][1], pending[1][1]
                    rows = pending[1:] if _looks_like_header(first, second) else pending
                    if rows is not pending:
                        logger.info("%s: line %d read as a header", p, pending[0][0])
                    for ln, pr in rows:
                        _add_edge(p, ln, pr, index, nodes, src, dst, wts)
                    header = False  # decided
                    continue
                if header:
                    header = False
                    continue
                _add_edge(p, lineno, parts, index, nodes, src, dst, wts)
            if header is None and pending:  # a one-line file: a lone line is data unless it is a header
                ln, pr = pending[0]
                if not all(t.strip().strip('"').lower() in _HEADER_WORDS for t in pr[:2]):
                    _add_edge(p, ln, pr, index, nodes, src, dst, wts)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{p}: not {encoding} text ({exc.reason} at byte {exc.start}); is it a binary file?") from None
    except OverflowError:
        raise DataError(f"{p}: more than 2**31 nodes; too large for this reader") from None
    if len(src) == 0:
        raise DataError(f"{p}: no edges found (an edge list has lines 'source target [weight]')")
    s = np.frombuffer(src, dtype=np.int32)
    d = np.frombuffer(dst, dtype=np.int32)
    w = None if wts is None else np.frombuffer(wts, dtype=np.float32)
    g = Graph.from_edges(s, d, nodes, w, directed=directed, self_loops=self_loops, source=str(p))
    g.stats["lines"] = len(src)
    return g


def _add_edge(path: Path, lineno: int, parts: list[str], index: dict[str, int], nodes: list[str],
              src: array, dst: array, wts: array | None) -> None:
    if len(parts) < 2:
        raise FormatError(
            f"{path}, line {lineno}: one column ({parts[0][:40]!r}); an edge needs 'source target [weight]' "
            "(set the delimiter if it is not tab, comma or whitespace)"
        )
    while len(parts) > 2 and not parts[-1].strip():  # a trailing delimiter
        parts = parts[:-1]
    if len(parts) > 3:
        first_extra = 3 if is_number(parts[2].strip()) else 2
        extra = ", ".join(repr(t.strip()[:40]) for t in parts[first_extra:first_extra + 5])
        raise FormatError(f"{path}, line {lineno}: {len(parts)} columns (extra: {extra}); an edge list has "
                          f"'source target [weight]' (a numeric weight as the third column only); remove the others")
    if len(parts) == 3 and wts is None and not is_number(parts[2].strip()):
        raise FormatError(f"{path}, line {lineno}: third column {parts[2].strip()[:40]!r} is not a number; "
                          "an edge list has 'source target [weight]' (a numeric weight as the third column only)")
    a, b = parts[0].strip().strip('"'), parts[1].strip().strip('"')
    if not a or not b:
        raise FormatError(f"{path}, line {lineno}: empty node id")
    ia = index.get(a)
    if ia is None:
        ia = index[a] = len(nodes)
        nodes.append(a)
    ib = index.get(b)
    if ib is None:
        ib = index[b] = len(nodes)
        nodes.append(b)
    src.append(ia)
    dst.append(ib)
    if wts is not None:
        if len(parts) < 3:
            raise FormatError(f"{path}, line {lineno}: no weight column; weighted graphs need 'source target weight' "
                              "(or read it unweighted)")
        text = parts[2].strip()
        try:
            w = float(text)
        except ValueError:
            raise FormatError(f"{path}, line {lineno}: weight {text[:40]!r} is not a number") from None
        if not (w > 0 and np.isfinite(w)):
            raise FormatError(f"{path}, line {lineno}: weight {text!r} must be a positive number")
        wts.append(w)
