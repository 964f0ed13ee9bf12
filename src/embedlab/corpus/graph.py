"""Graph input: edge lists, NetworkX graphs and SciPy matrices as a compact CSR with a node-id map.

:class:`Graph` holds a graph as compressed sparse rows: ``indptr`` (int64, one entry per node
plus one), ``indices`` (int32, or int64 beyond 2**31 nodes, sorted within each row) and, when
weighted, ``weights`` (float32). An undirected edge is stored in both rows. Node ids of any kind
(integers or strings) are kept, as strings, in ``nodes`` (they become the vector keys), in the
order they first appear.

Readers:

* :func:`read_edgelist`: CSV, TSV or space-separated edge lists, with or without a header line
  (detected, or forced with ``header=``), ``#``/``%`` comment lines, an optional numeric weight as
  the third column (read with ``weighted=True``; weights must be positive numbers; any other
  extra column is an error); duplicate edges are merged (weights summed) and self-loops dropped
  (``self_loops=True`` keeps them), both counted in ``Graph.stats`` and logged. While reading,
  edges are held as int32 pairs (plus float32 weights), so memory stays close to the CSR itself
  (~12 bytes per edge).
* :meth:`Graph.from_networkx`, :meth:`Graph.from_scipy`, :func:`as_graph` (any of those, or a path).
* :func:`load_planetoid` (``ind.<name>.*`` pickles with the standard train/val/test split) and
  :func:`load_karateclub` (``edges.csv`` + ``target.csv``): benchmark layouts.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError

__all__ = [
    "Graph",
    "read_edgelist",
    "as_graph",
    "NodeLabels",
    "read_node_labels",
    "PlanetoidData",
    "load_planetoid",
    "load_karateclub",
    "is_planetoid_dir",
    "EdgeSplit",
    "split_edges",
    "write_edge_split",
    "LinkPairs",
    "load_link_pairs",
]

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


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _looks_like_header(first: list[str], second: list[str] | None) -> bool:
    names = [t.strip().strip('"').lower() for t in first]
    if all(n in _HEADER_WORDS for n in names[:2]):
        return True
    if len(names) >= 3 and not _is_number(names[2]) and second is not None and len(second) >= 3 and _is_number(second[2]):
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
        first_extra = 3 if _is_number(parts[2].strip()) else 2
        extra = ", ".join(repr(t.strip()[:40]) for t in parts[first_extra:first_extra + 5])
        raise FormatError(f"{path}, line {lineno}: {len(parts)} columns (extra: {extra}); an edge list has "
                          f"'source target [weight]' (a numeric weight as the third column only); remove the others")
    if len(parts) == 3 and wts is None and not _is_number(parts[2].strip()):
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


def as_graph(data: Any, *, directed: bool = False, weighted: bool = False, self_loops: bool = False) -> Graph:
    """A :class:`Graph` from a Graph, an edge-list path, a Planetoid folder (or
    :class:`PlanetoidData`), a NetworkX graph or a SciPy/NumPy matrix.

    A Graph keeps its own direction (``weighted=False`` drops its weights); a NetworkX graph its
    ``is_directed()``; paths and matrices follow ``directed``.
    """
    if isinstance(data, Graph):
        if not weighted and data.weights is not None:
            return Graph(data.indptr, data.indices, data.nodes, None, data.directed, data.source, dict(data.stats))
        if weighted and data.weights is None:
            raise InvalidParameterError(f"{data.source}: weighted=True but the graph has no weights")
        return data
    if isinstance(data, PlanetoidData):
        return data.graph
    if isinstance(data, (str, os.PathLike)):
        if Path(data).is_dir() and is_planetoid_dir(data):
            return load_planetoid(data).graph
        return read_edgelist(data, directed=directed, weighted=weighted, self_loops=self_loops)
    if hasattr(data, "is_directed") and hasattr(data, "edges") and hasattr(data, "nodes"):
        return Graph.from_networkx(data, weighted=weighted, self_loops=self_loops)
    try:
        from scipy import sparse
    except ImportError:  # pragma: no cover
        sparse = None
    if (sparse is not None and sparse.issparse(data)) or isinstance(data, np.ndarray):
        return Graph.from_scipy(data, directed=directed, weighted=weighted, self_loops=self_loops)
    raise InvalidParameterError(
        f"cannot read a graph from {type(data).__name__}; give an edge-list path, a Graph, a NetworkX graph "
        "or a SciPy sparse adjacency matrix"
    )


# ---------------------------------------------------------------------- node labels
@dataclass
class NodeLabels:
    """Labels of nodes: ``nodes[i]`` has ``labels[i]``; ``split`` maps "train"/"val"/"test" to
    positions into them when the data has a standard split."""

    nodes: list[str]
    labels: list[str]
    source: str
    split: dict[str, np.ndarray] | None = None
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.nodes)

    def tuning_split(self, fraction: float, seed: int) -> tuple[NodeLabels, NodeLabels]:
        """(validation, test) parts for tuning. A standard split scores its validation nodes and
        its test nodes (both classifiers trained on its training nodes); otherwise the labelled
        nodes are split at random, stratified by label (``fraction`` of each label validates)."""
        if self.split is not None and len(self.split.get("val", ())) > 0:
            parts = []
            train = np.asarray(self.split["train"])
            for part, name in (("val", "validation"), ("test", "test")):
                keep = np.concatenate([train, np.asarray(self.split[part])])
                k = train.shape[0]
                parts.append(NodeLabels([self.nodes[i] for i in keep], [self.labels[i] for i in keep],
                                        f"{self.source}[{name}]",
                                        {"train": np.arange(k), "test": np.arange(k, keep.shape[0])}))
            return parts[0], parts[1]
        rng = np.random.default_rng(seed)
        y = np.asarray(self.labels)
        val: list[int] = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            val += members[: int(round(fraction * members.shape[0]))].tolist()
        is_val = np.zeros(len(y), dtype=bool)
        is_val[val] = True
        out = []
        for name, ids in (("validation", np.flatnonzero(is_val)), ("test", np.flatnonzero(~is_val))):
            out.append(NodeLabels([self.nodes[i] for i in ids], [self.labels[i] for i in ids], f"{self.source}[{name}]"))
        return out[0], out[1]


def read_node_labels(path: str | os.PathLike[str], *, delimiter: str | None = None,
                     encoding: str = "utf-8") -> NodeLabels:
    """A CSV/TSV/space-separated file of ``node label`` lines (header optional, detected)."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: no such labels file")
    nodes: list[str] = []
    labels: list[str] = []
    seen: dict[str, int] = {}
    sep = delimiter
    first = True
    try:
        with _open_text(p, encoding) as fh:
            for lineno, raw in enumerate(fh, 1):
                line = raw.strip()
                if not line or line.startswith(_COMMENTS):
                    continue
                if sep is None:
                    sep = _sniff(line)
                parts = [t.strip().strip('"') for t in (line.split(sep) if sep not in (None, " ") else line.split())]
                if first:
                    first = False
                    if len(parts) >= 2 and parts[0].lower() in {"id", "node", "node_id", "nodeid", "name"} | _HEADER_WORDS \
                            and parts[1].lower() in ("label", "target", "class", "y", "category", "labels"):
                        continue
                if len(parts) < 2:
                    raise FormatError(f"{p}, line {lineno}: one column; a labels file has 'node label' per line")
                if parts[0] in seen:
                    raise FormatError(f"{p}, line {lineno}: node {parts[0]!r} is labelled twice "
                                      f"(first on line {seen[parts[0]]}); give one label per node")
                seen[parts[0]] = lineno
                nodes.append(parts[0])
                labels.append(parts[1])
    except UnicodeDecodeError as exc:
        raise FormatError(f"{p}: not {encoding} text ({exc.reason}); is it a binary file?") from None
    if not nodes:
        raise DataError(f"{p}: no labelled nodes found")
    return NodeLabels(nodes, labels, str(p))


# ---------------------------------------------------------------------- benchmark layouts
@dataclass
class PlanetoidData:
    """A Planetoid citation graph: graph, bag-of-words features (rows = ``graph.nodes``), labels
    (int, -1 for the few unlabelled test-range nodes) and the standard split (node positions)."""

    graph: Graph
    features: Any  # scipy.sparse.csr_matrix, float32
    labels: np.ndarray
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    name: str

    def node_labels(self) -> NodeLabels:
        """Labels of all labelled nodes, with the standard split."""
        keep = np.flatnonzero(self.labels >= 0)
        pos = {int(v): i for i, v in enumerate(keep)}
        split = {part: np.array([pos[int(i)] for i in getattr(self, part) if int(i) in pos], dtype=np.int64)
                 for part in ("train", "val", "test")}
        return NodeLabels([self.graph.nodes[i] for i in keep], [str(int(self.labels[i])) for i in keep],
                          f"planetoid-{self.name}", split)


class _SafeUnpickler(pickle.Unpickler):
    """Only the classes Planetoid pickles contain (NumPy arrays, SciPy sparse matrices, dicts)."""

    _ALLOWED_PREFIXES = ("numpy", "scipy.sparse")
    _ALLOWED = {("collections", "defaultdict"), ("builtins", "list"), ("builtins", "dict"),
                ("builtins", "set"), ("builtins", "tuple"), ("copy_reg", "_reconstructor"),
                ("copyreg", "_reconstructor"), ("builtins", "object")}

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":  # Python 2 pickles
            module = "builtins"
        elif module.startswith("scipy.sparse."):  # old private module paths (scipy.sparse.csr)
            module = "scipy.sparse"
        if (module, name) in self._ALLOWED or module.split(".")[0] == "numpy" or module.startswith("scipy.sparse"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"class {module}.{name} is not allowed in a Planetoid file")


def _load_pickle(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            return _SafeUnpickler(fh, encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError) as exc:
        raise FormatError(f"{path}: not a readable Planetoid pickle ({exc})") from None


def is_planetoid_dir(path: str | os.PathLike[str]) -> str | None:
    """The dataset name (``cora``) when ``path`` is a folder of ``ind.<name>.graph`` files."""
    p = Path(path)
    if not p.is_dir():
        return None
    found = sorted(p.glob("ind.*.graph"))
    return found[0].name.split(".")[1] if found else None


def load_planetoid(path: str | os.PathLike[str], name: str | None = None) -> PlanetoidData:
    """Load a Planetoid dataset (Yang et al. 2016 layout: ``ind.<name>.{x,y,tx,ty,allx,ally,graph,test.index}``).

    The standard split: the first ``len(y)`` nodes train (140 for Cora), the next 500 validate,
    ``test.index`` tests (1000), as in Kipf & Welling's GCN code and PyTorch Geometric.
    """
    from scipy import sparse

    folder = Path(path)
    if name is None:
        name = is_planetoid_dir(folder)
        if name is None:
            raise InputFileError(f"{folder}: no ind.<name>.graph file; not a Planetoid folder")
    parts = {}
    for part in ("x", "y", "tx", "ty", "allx", "ally", "graph"):
        f = folder / f"ind.{name}.{part}"
        if not f.is_file():
            raise InputFileError(f"{f}: missing; a Planetoid folder holds ind.{name}.x/y/tx/ty/allx/ally/graph/test.index")
        parts[part] = _load_pickle(f)
    index_file = folder / f"ind.{name}.test.index"
    if not index_file.is_file():
        raise InputFileError(f"{index_file}: missing")
    test_index = np.array([int(line) for line in index_file.read_text().split()], dtype=np.int64)
    test_sorted = np.sort(test_index)
    tx, allx = parts["tx"], parts["allx"]
    y, ty, ally = (np.asarray(parts[k]) for k in ("y", "ty", "ally"))
    if name == "citeseer":  # isolated test nodes are missing from tx/ty: pad them (as the GCN code)
        full = np.arange(test_sorted.min(), test_sorted.max() + 1)
        tx_ext = sparse.lil_matrix((len(full), tx.shape[1]))
        tx_ext[test_sorted - test_sorted.min(), :] = tx
        tx = tx_ext
        ty_ext = np.zeros((len(full), ty.shape[1]))
        ty_ext[test_sorted - test_sorted.min(), :] = ty
        ty = ty_ext
    features = sparse.vstack([sparse.csr_matrix(allx), sparse.csr_matrix(tx)]).tolil()
    features[test_index, :] = features[test_sorted, :]
    onehot = np.vstack([ally, ty])
    onehot[test_index, :] = onehot[test_sorted, :]
    labels = np.where(onehot.sum(axis=1) > 0, onehot.argmax(axis=1), -1).astype(np.int64)
    n = features.shape[0]
    adj = parts["graph"]
    src_l: list[int] = []
    dst_l: list[int] = []
    for u, nbrs in adj.items():
        for v in nbrs:
            src_l.append(int(u))
            dst_l.append(int(v))
    n = max(n, max(src_l) + 1, max(dst_l) + 1)
    graph = Graph.from_edges(np.array(src_l, dtype=np.int64), np.array(dst_l, dtype=np.int64),
                             [str(i) for i in range(n)], None, directed=False, source=f"planetoid-{name}",
                             report=False)  # adjacency lists name each edge from both ends
    return PlanetoidData(
        graph=graph,
        features=sparse.csr_matrix(features, dtype=np.float32),
        labels=labels,
        train=np.arange(len(y), dtype=np.int64),
        val=np.arange(len(y), len(y) + 500, dtype=np.int64),
        test=test_sorted,
        name=name,
    )


def load_karateclub(path: str | os.PathLike[str]) -> tuple[Graph, NodeLabels]:
    """A karateclub dataset folder: ``edges.csv`` (``id_1,id_2``) and ``target.csv`` (``id,target``)."""
    folder = Path(path)
    edges, target = folder / "edges.csv", folder / "target.csv"
    for f in (edges, target):
        if not f.is_file():
            raise InputFileError(f"{f}: missing; a karateclub folder holds edges.csv and target.csv")
    graph = read_edgelist(edges)
    labels = read_node_labels(target)
    return graph, labels


def write_rows(items: Iterable[Sequence[Any]], path: str | os.PathLike[str], sep: str = ",",
               header: Sequence[str] | None = None) -> None:
    """Write rows atomically as a delimited text file (used by ``split-edges``)."""
    from .._fileio import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        if header is not None:
            fh.write(sep.join(header) + "\n")
        for row in items:
            fh.write(sep.join(str(x) for x in row) + "\n")


# ---------------------------------------------------------------------- link-prediction split
@dataclass
class EdgeSplit:
    """Held-out edges for link prediction: the training graph's edges (positions into
    ``nodes``) and test pairs with labels (1 = held-out edge, 0 = sampled non-edge)."""

    nodes: list[str]
    train: np.ndarray  # (m_train, 2) int64
    train_weights: np.ndarray | None
    test: np.ndarray  # (k, 2) int64
    labels: np.ndarray  # (k,) int8
    directed: bool
    stats: dict[str, Any] = field(default_factory=dict)


def _random_spanning_forest(n: int, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of the edges of a random spanning forest (minimum spanning forest under
    random weights), so that removing any other edges keeps every node's connectivity."""
    from scipy import sparse
    from scipy.sparse.csgraph import minimum_spanning_tree

    w = rng.random(edges.shape[0]) + 1e-9
    u, v = np.minimum(edges[:, 0], edges[:, 1]), np.maximum(edges[:, 0], edges[:, 1])
    mat = sparse.csr_matrix((w, (u, v)), shape=(n, n))
    tree = minimum_spanning_tree(mat).tocoo()
    keys = np.sort(tree.row.astype(np.int64) * n + tree.col.astype(np.int64))
    ek = u * n + v
    pos = np.searchsorted(keys, ek)
    pos[pos >= keys.shape[0]] = 0
    hit = keys[pos] == ek if keys.shape[0] else np.zeros(ek.shape[0], bool)
    # parallel edges with the same endpoints (directed u->v and v->u): keep only the first in the forest
    mask = np.zeros(ek.shape[0], dtype=bool)
    _, first = np.unique(np.where(hit, ek, -1), return_index=True)
    mask[first] = True
    return mask & hit


def split_edges(graph: Graph, test_fraction: float = 0.1, seed: int = 0) -> EdgeSplit:
    """Hold out ``test_fraction`` of the edges (never edges of a random spanning forest, so every
    node stays covered and connected where the graph allows), plus as many sampled non-edges."""
    if not 0.0 < test_fraction < 1.0:
        raise InvalidParameterError(f"test_fraction must be in (0, 1); got {test_fraction!r} (--test-fraction)")
    rng = np.random.default_rng(seed)
    edges = graph.edge_array()
    loops = edges[:, 0] == edges[:, 1]
    if graph.weights is not None:
        rows = np.repeat(np.arange(graph.n_nodes, dtype=np.int64), graph.degrees())
        wkeep = graph.weights if graph.directed else graph.weights[rows <= graph.indices]
    else:
        wkeep = None
    m = edges.shape[0]
    n = graph.n_nodes
    want = int(round(test_fraction * m))
    tree = _random_spanning_forest(n, edges, rng)
    candidates = np.flatnonzero(~tree & ~loops)
    stats: dict[str, Any] = {"edges": int(m), "test_fraction": float(test_fraction), "seed": int(seed)}
    if candidates.shape[0] < want:
        logger.warning("%s: only %d edges can be held out without disconnecting nodes (asked for %d)",
                       graph.source, candidates.shape[0], want)
        want = int(candidates.shape[0])
    if want == 0:
        raise DataError(f"{graph.source}: no edge can be held out without disconnecting a node "
                        "(the graph is a forest); link prediction needs cycles")
    held = np.sort(rng.choice(candidates, size=want, replace=False))
    is_test = np.zeros(m, dtype=bool)
    is_test[held] = True
    # negatives: uniform node pairs that are not edges (either direction when undirected)
    def key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if graph.directed:
            return a * n + b
        return np.minimum(a, b) * n + np.maximum(a, b)

    existing = np.unique(key(edges[:, 0], edges[:, 1]))
    max_pairs = n * (n - 1) // (1 if graph.directed else 2)
    if max_pairs - existing.shape[0] < want:
        raise DataError(f"{graph.source}: too dense to sample {want} non-edges")
    neg = np.empty((0, 2), dtype=np.int64)
    taken = np.empty(0, dtype=np.int64)
    while neg.shape[0] < want:
        k = 2 * (want - neg.shape[0]) + 16
        a, b = rng.integers(0, n, k), rng.integers(0, n, k)
        ok = a != b
        a, b = a[ok], b[ok]
        kk = key(a, b)
        ok = ~np.isin(kk, existing) & ~np.isin(kk, taken)
        a, b, kk = a[ok], b[ok], kk[ok]
        _, first = np.unique(kk, return_index=True)
        first = np.sort(first)[: want - neg.shape[0]]
        neg = np.concatenate([neg, np.stack([a[first], b[first]], axis=1)])
        taken = np.concatenate([taken, kk[first]])
    test = np.concatenate([edges[is_test], neg])
    labels = np.concatenate([np.ones(want, np.int8), np.zeros(want, np.int8)])
    order = rng.permutation(test.shape[0])
    train_mask = ~is_test
    stats.update(train_edges=int(train_mask.sum()), test_edges=int(want), test_non_edges=int(want))
    return EdgeSplit(graph.nodes, edges[train_mask], None if wkeep is None else wkeep[train_mask],
                     test[order], labels[order], graph.directed, stats)


def write_edge_split(split: EdgeSplit, folder: str | os.PathLike[str]) -> dict[str, Path]:
    """``folder/train.csv`` (``source,target[,weight]``) and ``folder/test.csv``
    (``source,target,label``), both written atomically (both or neither)."""
    import contextlib
    import json

    from .._fileio import atomic_path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    nodes = split.nodes
    files = {"train": out / "train.csv", "test": out / "test.csv", "meta": out / "split.json"}
    with contextlib.ExitStack() as stack:
        tmp = {k: stack.enter_context(atomic_path(p)) for k, p in files.items()}
        with open(tmp["train"], "w", encoding="utf-8") as fh:
            if split.train_weights is not None:
                fh.write("source,target,weight\n")
                for (a, b), w in zip(split.train.tolist(), split.train_weights.tolist()):
                    fh.write(f"{nodes[a]},{nodes[b]},{w:g}\n")
            else:
                fh.write("source,target\n")
                fh.writelines(f"{nodes[a]},{nodes[b]}\n" for a, b in split.train.tolist())
        with open(tmp["test"], "w", encoding="utf-8") as fh:
            fh.write("source,target,label\n")
            fh.writelines(f"{nodes[a]},{nodes[b]},{y}\n" for (a, b), y in zip(split.test.tolist(), split.labels.tolist()))
        with open(tmp["meta"], "w", encoding="utf-8") as fh:
            json.dump({**split.stats, "directed": split.directed}, fh, indent=2)
    return files


@dataclass
class LinkPairs:
    """Test pairs of a link-prediction folder (node ids and 0/1 labels) with the training graph."""

    train: Graph
    sources: list[str]
    targets: list[str]
    labels: np.ndarray
    name: str

    def __len__(self) -> int:
        return len(self.sources)

    def subset(self, idx: np.ndarray) -> LinkPairs:
        pos = np.asarray(idx).tolist()
        return LinkPairs(self.train, [self.sources[i] for i in pos], [self.targets[i] for i in pos],
                         self.labels[np.asarray(idx, dtype=np.int64)], self.name)


def load_link_pairs(folder: str | os.PathLike[str]) -> LinkPairs:
    """Read ``folder/train.csv`` and ``folder/test.csv`` as written by :func:`write_edge_split`."""
    out = Path(folder)
    if not out.is_dir():
        raise InputFileError(f"{out}: not a folder; give the -o folder of 'embedlab split-edges'")
    train_file, test_file = out / "train.csv", out / "test.csv"
    for f in (train_file, test_file):
        if not f.is_file():
            raise InputFileError(f"{f}: missing; create the folder with 'embedlab split-edges EDGES -o {out}'")
    directed = False
    meta = out / "split.json"
    if meta.is_file():
        import json

        try:
            directed = bool(json.loads(meta.read_text()).get("directed", False))
        except ValueError:
            raise FormatError(f"{meta}: not valid JSON") from None
    train = read_edgelist(train_file, directed=directed)
    sources, targets, labels = [], [], []
    with open(test_file, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or (lineno == 1 and line.lower().startswith("source")):
                continue
            parts = line.split(",")
            if len(parts) < 3 or parts[2].strip() not in ("0", "1"):
                raise FormatError(f"{test_file}, line {lineno}: expected 'source,target,label' with label 0 or 1")
            sources.append(parts[0].strip())
            targets.append(parts[1].strip())
            labels.append(int(parts[2]))
    if not sources:
        raise DataError(f"{test_file}: no test pairs")
    y = np.asarray(labels, dtype=np.int8)
    if y.min() == y.max():
        raise DataError(f"{test_file}: all labels are {int(y[0])}; link prediction needs edges and non-edges")
    return LinkPairs(train, sources, targets, y, out.name)
