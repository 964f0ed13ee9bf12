"""Held-out edges for link prediction: :func:`split_edges`, :func:`write_edge_split`, :class:`LinkPairs`."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...exceptions import DataError, FormatError, InputFileError, InvalidParameterError

from .core import Graph, read_edgelist


logger = logging.getLogger("embedlab")

def write_rows(items: Iterable[Sequence[Any]], path: str | os.PathLike[str], sep: str = ",",
               header: Sequence[str] | None = None) -> None:
    """Write rows atomically as a delimited text file (used by ``split-edges``)."""
    from ..._fileio import atomic_path

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

    from ..._fileio import atomic_path

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
