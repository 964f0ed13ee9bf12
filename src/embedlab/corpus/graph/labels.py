"""Node labels and benchmark graph layouts: :class:`NodeLabels`, Planetoid pickles, karateclub folders."""

from __future__ import annotations

import logging
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...exceptions import DataError, FormatError, InputFileError, InvalidParameterError

from .core import _COMMENTS, _HEADER_WORDS, Graph, _open_text, _sniff, read_edgelist


logger = logging.getLogger("embedlab")

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
