"""Graph neural network encoders (PyTorch Geometric): unsupervised GraphSAGE and semi-supervised GCN.

Both read node features where the graph has them (e.g. Cora's bag-of-words; a
:class:`~embedlab.corpus.graph.PlanetoidData` brings its own), train full-batch on CPU by default
or on a GPU when torch sees one (``device``), and output a
:class:`~embedlab.vectors.KeyedVectors` keyed by node id like every other model.

* :class:`GraphSAGE` (Hamilton et al. 2017), unsupervised: a mean-aggregator SAGE encoder trained
  with the random-walk co-occurrence loss: node pairs that co-occur on short random walks (from
  :mod:`embedlab.kernels.walks`) are pulled together, uniformly drawn nodes pushed apart
  (``-log s(z_u . z_v) - negative * E log s(-z_u . z_n)``). Without features it learns a free
  input embedding per node (transductive).
* :class:`GCN` (Kipf & Welling 2017), semi-supervised: a two-layer graph convolution trained on the
  labelled training nodes (cross-entropy, Adam, dropout, weight decay as in the paper); the
  embedding is the last hidden layer, ``predict()`` gives the classifier's labels.

Epochs run through the shared driver (progress, callbacks, Ctrl-C, NaN checks). Seeds:
``random_state`` fixes torch's and the walks' RNG; ``n_threads=1`` on CPU gives identical vectors.
PyTorch and PyTorch Geometric are the optional extra ``graph`` (``pip install 'embedlab[graph]'``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._progress import logger
from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError, require
from ._meta import draw_seed
from ._sgd import ChunkStats, run_sgd

__all__ = ["GraphSAGE", "GCN", "read_features"]


def _torch() -> Any:
    require("torch_geometric", "graph")
    return require("torch", "graph")


def read_features(path: str | os.PathLike[str], nodes: list[str]) -> np.ndarray:
    """Node features aligned to ``nodes``: a text file of ``node f1 f2 ...`` rows (CSV/TSV/spaces,
    header optional), an ``.npz`` with ``ids`` and ``features``, or an ``.npy`` matrix whose rows
    are the nodes in graph order. Every node needs a row; rows of unknown nodes are ignored."""
    from ..corpus.graph.core import _open_text, _sniff

    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: no such features file")
    n = len(nodes)
    if p.suffix == ".npy":
        try:
            X = np.load(p, allow_pickle=False)
        except ValueError as exc:
            raise FormatError(f"{p}: not a readable .npy matrix ({exc})") from None
        if X.ndim != 2 or X.shape[0] != n:
            raise DataError(f"{p}: {X.shape[0] if X.ndim else 0} feature rows for {n} nodes; an .npy features "
                            "matrix needs one row per node in graph order (or use a 'node f1 f2 ...' text file)")
        return np.asarray(X, dtype=np.float32)
    index = {k: i for i, k in enumerate(nodes)}
    rows: dict[int, np.ndarray] = {}
    if p.suffix == ".npz":
        with np.load(p, allow_pickle=False) as d:
            if "ids" not in d or "features" not in d:
                raise FormatError(f"{p}: an .npz features file needs arrays 'ids' and 'features'")
            ids, F = [str(x) for x in d["ids"]], np.asarray(d["features"], dtype=np.float32)
        if F.ndim != 2 or F.shape[0] != len(ids):
            raise FormatError(f"{p}: 'features' must have one row per id")
        rows = {index[k]: F[i] for i, k in enumerate(ids) if k in index}
        dim = F.shape[1]
        extra = len(ids) - len(rows)
    else:
        dim = -1
        extra = 0
        sep = None
        with _open_text(p, "utf-8") as fh:
            for lineno, raw in enumerate(fh, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                if sep is None:
                    sep = _sniff(line) or " "
                parts = line.split(sep) if sep != " " else line.split()
                try:
                    vals = np.array([float(x) for x in parts[1:]], dtype=np.float32)
                except ValueError:
                    if lineno == 1:
                        continue  # header
                    raise FormatError(f"{p}, line {lineno}: non-numeric feature value") from None
                if dim < 0:
                    dim = vals.shape[0]
                if vals.shape[0] != dim or dim == 0:
                    raise FormatError(f"{p}, line {lineno}: {vals.shape[0]} feature values, expected {dim}")
                key = parts[0].strip().strip('"')
                if key in index:
                    rows[index[key]] = vals
                else:
                    extra += 1
    missing = [nodes[i] for i in range(n) if i not in rows]
    if missing:
        raise DataError(f"{p}: no feature row for {len(missing)} of {n} graph nodes, e.g. {missing[0]!r}; "
                        "the features file needs one row per node (node id first)")
    if extra:
        logger.warning("%s: ignored %d feature row(s) of nodes not in the graph", p, extra)
    X = np.empty((n, dim), dtype=np.float32)
    for i, v in rows.items():
        X[i] = v
    return X


def _sparse_tensor(torch: Any, X: np.ndarray, device: Any) -> Any:
    """A torch sparse COO tensor of ``X`` (float32)."""
    rows, cols = np.nonzero(X)
    idx = torch.from_numpy(np.stack([rows, cols]).astype(np.int64))
    vals = torch.from_numpy(X[rows, cols].astype(np.float32))
    return torch.sparse_coo_tensor(idx, vals, X.shape, check_invariants=False).coalesce().to(device)


def _resolve(data: Any, features: Any, directed: bool, weighted: bool) -> tuple[Any, Any, Any]:
    """(graph, features matrix or None, PlanetoidData or None)."""
    from ..corpus.graph import PlanetoidData, as_graph, is_planetoid_dir, load_planetoid

    planetoid = None
    if isinstance(data, (str, os.PathLike)) and is_planetoid_dir(data):
        data = load_planetoid(data)
    if isinstance(data, PlanetoidData):
        planetoid = data
        graph = data.graph
        if features is None:
            features = data.features
    else:
        graph = as_graph(data, directed=directed, weighted=weighted)
    if features is None:
        return graph, None, planetoid
    if isinstance(features, (str, os.PathLike)):
        X = read_features(features, graph.nodes)
    else:
        from scipy import sparse

        X = features.toarray() if sparse.issparse(features) else np.asarray(features)
        if X.ndim != 2 or X.shape[0] != graph.n_nodes:
            raise DataError(f"features: {X.shape[0] if X.ndim else 0} rows for {graph.n_nodes} nodes; "
                            "give one row per node in graph order")
        X = X.astype(np.float32)
    if not np.isfinite(X).all():
        raise DataError("features: contain NaN or infinite values")
    return graph, X, planetoid


class _GNNBase(BaseEmbedder):
    """Shared plumbing: device, threads, seeds, torch tensors of the graph."""

    def _device(self, torch: Any) -> Any:
        if self.device is not None:
            return torch.device(self.device)
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def _setup(self, torch: Any, seed: int) -> None:
        if self.n_threads is not None:
            torch.set_num_threads(int(self.n_threads))
        torch.manual_seed(seed)

    @staticmethod
    def _edge_index(torch: Any, graph: Any, device: Any) -> Any:
        rows = np.repeat(np.arange(graph.n_nodes, dtype=np.int64), graph.degrees())
        # PyG convention: messages flow source -> target; for node v aggregate over its out-neighbours
        ei = np.stack([graph.indices.astype(np.int64), rows])
        return torch.from_numpy(ei).to(device)

    @staticmethod
    def _normalize(X: np.ndarray) -> np.ndarray:
        s = np.abs(X).sum(axis=1, keepdims=True)
        return X / np.where(s > 0, s, 1.0)

    def _finish(self, graph: Any, Z: np.ndarray, seed: int, result: Any, t0: float, extra: dict[str, Any]) -> None:
        from ..vectors import KeyedVectors
        from ._meta import versions as _versions
        from ._meta import json_params as _json_params

        self.graph_ = graph
        self.random_state_ = seed
        self.loss_history_ = result.loss_history
        self.epoch_metrics_ = result.epoch_metrics
        self.interrupted_ = result.interrupted
        self.training_seconds_ = result.seconds
        import torch

        meta = {"method": self.name, "params": _json_params(self.get_params()),
                "graph": {"source": graph.source, "nodes": graph.n_nodes, "edges": graph.n_edges},
                "versions": {**_versions(), "torch": torch.__version__}, "seed": int(seed),
                "training_seconds": round(result.seconds, 3), "fit_seconds": round(time.perf_counter() - t0, 3),
                "epochs_trained": result.epochs_done, "interrupted": result.interrupted, **extra}
        self.vectors_ = KeyedVectors(graph.nodes, np.ascontiguousarray(Z, dtype=np.float32), counts=graph.degrees(),
                                     metadata=meta)

    def current_vectors(self) -> Any:
        live = getattr(self, "_live", None)
        if live is None:
            check_is_fitted(self)
            return self.vectors_
        from ..vectors import KeyedVectors

        graph, embed = live
        return KeyedVectors(graph.nodes, embed())


_COMMON: dict[str, list[Any]] = {
    "learning_rate": [Interval(float, 0, None, closed="neither", search=(1e-3, 5e-2), log=True)],
    "dropout": [Interval(float, 0, 1, closed="left")],
    "epochs": [Interval(int, 1, None)],
    "normalize_features": [bool],
    "directed": [bool],
    "weighted": [bool],
    "device": [str, None],
    "n_threads": [Interval(int, 1, None), None],
    "random_state": [Interval(int, 0, None), None],
    "show_progress": [bool],
    "callbacks": [Callable_(allow_list=True), None],
}


class GraphSAGE(_GNNBase):
    """Unsupervised GraphSAGE: SAGE (mean) encoder + random-walk co-occurrence loss (see module doc).

    ``fit(graph, features=None)``: ``graph`` as for :class:`~embedlab.models.node2vec.Node2Vec`
    or a Planetoid folder / :class:`~embedlab.corpus.graph.PlanetoidData` (its features are used);
    ``features``: a matrix (rows in graph order), a features file (see :func:`read_features`)
    or None (a learnt input embedding of ``input_size`` per node). Features first pass through a
    learnt linear projection to ``input_size`` (a sparse product), then ``num_layers`` SAGE layers.
    """

    name: ClassVar[str] = "graphsage"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(32, 256))],
        "hidden_size": [Interval(int, 1, None)],
        "num_layers": [Interval(int, 1, 4)],
        "aggregator": [Options(("mean", "max", "sum"), search=True)],
        "walk_length": [Interval(int, 2, None)],
        "window": [Interval(int, 1, None)],
        "walks_per_node": [Interval(int, 1, None)],
        "negative": [Interval(int, 1, None)],
        "batch_size": [Interval(int, 1, None)],
        "input_size": [Interval(int, 1, None)],
        **_COMMON,
    }

    def __init__(
        self,
        vector_size: int = 128,
        hidden_size: int = 128,
        num_layers: int = 2,
        aggregator: str = "mean",
        walk_length: int = 5,
        window: int = 2,
        walks_per_node: int = 1,
        negative: int = 1,
        batch_size: int = 4096,
        input_size: int = 128,
        learning_rate: float = 0.01,
        dropout: float = 0.0,
        epochs: int = 20,
        normalize_features: bool = True,
        directed: bool = False,
        weighted: bool = False,
        device: str | None = None,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
        callbacks: Any = None,
    ) -> None:
        self.vector_size = vector_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.aggregator = aggregator
        self.walk_length = walk_length
        self.window = window
        self.walks_per_node = walks_per_node
        self.negative = negative
        self.batch_size = batch_size
        self.input_size = input_size
        self.learning_rate = learning_rate
        self.dropout = dropout
        self.epochs = epochs
        self.normalize_features = normalize_features
        self.directed = directed
        self.weighted = weighted
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    def _pairs(self, graph: Any, seed: int, epoch: int) -> np.ndarray:
        """Co-occurring node pairs (u, v) on this epoch's short walks."""
        from .node2vec import DeepWalk

        walker = DeepWalk(walk_length=self.walk_length, walks_per_node=self.walks_per_node, random_state=seed,
                          n_threads=self.n_threads, show_progress=False, weighted=graph.weighted)
        us, vs = [], []
        for ids, offsets in walker.generate_walks(graph, epoch=epoch):
            ids = ids.astype(np.int64)
            lens = np.diff(offsets)
            pos = np.arange(ids.shape[0]) - np.repeat(offsets[:-1], lens)
            length = np.repeat(lens, lens)
            for d in range(1, self.window + 1):
                ok = pos + d < length
                a = np.flatnonzero(ok)
                us.append(ids[a])
                vs.append(ids[a + d])
        u, v = np.concatenate(us), np.concatenate(vs)
        return np.stack([np.concatenate([u, v]), np.concatenate([v, u])], axis=1)

    def fit(self, data: Any, features: Any = None) -> GraphSAGE:
        """Learn node vectors without labels and return ``self``."""
        self._validate_params()
        torch = _torch()
        from torch_geometric.nn.models import GraphSAGE as PygSAGE

        t0 = time.perf_counter()
        graph, X, _ = _resolve(data, features, self.directed, self.weighted)
        seed = draw_seed(self.random_state)
        self._setup(torch, seed)
        device = self._device(torch)
        edge_index = self._edge_index(torch, graph, device)
        n = graph.n_nodes
        if X is not None:
            # features enter through a linear projection to input_size computed as a sparse product
            # (bag-of-words rows are ~1% dense): the SAGE layers then work on input_size dims
            x = _sparse_tensor(torch, self._normalize(X) if self.normalize_features else X, device)
            free = torch.nn.Linear(X.shape[1], self.input_size, bias=False).to(device)
        else:
            x = None
            free = torch.nn.Embedding(n, self.input_size).to(device)
        net = PygSAGE(self.input_size, self.hidden_size, self.num_layers, out_channels=self.vector_size,
                      dropout=self.dropout, aggr=self.aggregator).to(device)
        params = list(net.parameters()) + list(free.parameters())
        opt = torch.optim.Adam(params, lr=self.learning_rate)
        gen = np.random.default_rng(seed)
        state: dict[str, Any] = {"pairs": None, "epoch": -1}

        def inputs() -> Any:
            return free.weight if x is None else torch.sparse.mm(x, free.weight.t())

        n_batches = max(1, int(np.ceil(self._pairs(graph, seed, 0).shape[0] / self.batch_size)))

        def step(epoch: int, index: int, payload: Any, a0: float, a1: float) -> ChunkStats:
            if state["epoch"] != epoch:
                pairs = self._pairs(graph, seed, epoch)
                state["pairs"] = pairs[gen.permutation(pairs.shape[0])]
                state["epoch"] = epoch
            pairs = state["pairs"]
            lo = index * self.batch_size
            batch = pairs[lo: lo + self.batch_size]
            if batch.shape[0] == 0:
                return ChunkStats(0.0, 0.0, 1)
            net.train()
            opt.zero_grad()
            z = net(inputs(), edge_index)
            u = torch.from_numpy(batch[:, 0]).to(device)
            v = torch.from_numpy(batch[:, 1]).to(device)
            neg = torch.from_numpy(gen.integers(0, n, (batch.shape[0], self.negative))).to(device)
            pos_logit = (z[u] * z[v]).sum(-1)
            neg_logit = (z[u].unsqueeze(1) * z[neg]).sum(-1)
            loss = torch.nn.functional.softplus(-pos_logit).mean() + torch.nn.functional.softplus(neg_logit).sum(1).mean()
            loss.backward()
            opt.step()
            return ChunkStats(float(loss.item()) * batch.shape[0], float(batch.shape[0]), 1)

        def embed() -> np.ndarray:
            net.eval()
            with torch.no_grad():
                return net(inputs(), edge_index).detach().cpu().numpy()

        self._live = (graph, embed)
        try:
            result = run_sgd(step, [(None, 1)] * n_batches, epochs=self.epochs, alpha=self.learning_rate,
                             min_alpha=self.learning_rate, callbacks=self.callbacks, show_progress=self.show_progress,
                             description="graphsage", unit="batches", owner="GraphSAGE", rate_param="learning_rate")
            Z = embed()
        finally:
            self._live = None
        if not np.isfinite(Z).all():
            raise InvalidParameterError("GraphSAGE: the vectors became NaN; lower learning_rate (--learning-rate)")
        self._finish(graph, Z, seed, result, t0, {"features": None if X is None else int(X.shape[1]),
                                                  "device": str(device)})
        return self


class GCN(_GNNBase):
    """Semi-supervised GCN (Kipf & Welling 2017); the embedding is the last hidden layer.

    ``fit(graph, labels=None, features=None)``: a Planetoid folder / ``PlanetoidData`` brings
    features, labels and the standard split (trains on its 140 training nodes for Cora); otherwise
    ``labels`` (a labels file or :class:`~embedlab.corpus.graph.NodeLabels`: the training nodes,
    or all of them with its ``split["train"]``) and ``features`` (as for :class:`GraphSAGE`).
    After ``fit``: ``vectors_``, ``classes_``, ``predict(nodes=None)``.
    """

    name: ClassVar[str] = "gcn"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(8, 128))],
        "weight_decay": [Interval(float, 0, None)],
        "input_size": [Interval(int, 1, None)],
        **_COMMON,
    }

    def __init__(
        self,
        vector_size: int = 16,
        learning_rate: float = 0.01,
        weight_decay: float = 5e-4,
        dropout: float = 0.5,
        epochs: int = 200,
        input_size: int = 128,
        normalize_features: bool = True,
        directed: bool = False,
        weighted: bool = False,
        device: str | None = None,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
        callbacks: Any = None,
    ) -> None:
        self.vector_size = vector_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.epochs = epochs
        self.input_size = input_size
        self.normalize_features = normalize_features
        self.directed = directed
        self.weighted = weighted
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    def fit(self, data: Any, labels: Any = None, features: Any = None) -> GCN:
        """Train on the labelled training nodes and return ``self``."""
        self._validate_params()
        torch = _torch()
        from torch_geometric.nn import GCNConv

        from ..corpus.graph import NodeLabels, read_node_labels

        t0 = time.perf_counter()
        graph, X, planetoid = _resolve(data, features, self.directed, self.weighted)
        if labels is None:
            if planetoid is None:
                raise InvalidParameterError("GCN is semi-supervised: give labels (a 'node label' file; CLI: --labels)")
            labels = planetoid.node_labels()
        elif isinstance(labels, (str, os.PathLike)):
            from ..evaluation.nodes import load_node_labels

            labels = load_node_labels(labels) if Path(labels).is_dir() else read_node_labels(labels)
        if not isinstance(labels, NodeLabels):
            raise InvalidParameterError("GCN: labels must be a labels file or NodeLabels")
        train_pos = labels.split["train"] if labels.split is not None else np.arange(len(labels))
        idx = graph.key_to_index
        known = [(idx[labels.nodes[i]], labels.labels[i]) for i in train_pos if labels.nodes[i] in idx]
        if len(known) < len(train_pos):
            logger.warning("GCN: %d training label(s) name nodes that are not in the graph (ignored)",
                           len(train_pos) - len(known))
        classes = sorted({y for _, y in known})
        if len(classes) < 2:
            raise DataError(f"{labels.source}: the training nodes in the graph have fewer than 2 classes")
        cls_index = {c: i for i, c in enumerate(classes)}
        seed = draw_seed(self.random_state)
        self._setup(torch, seed)
        device = self._device(torch)
        edge_index = self._edge_index(torch, graph, device)
        n = graph.n_nodes
        if X is not None:
            x = torch.from_numpy(self._normalize(X) if self.normalize_features else X).to(device)
            free = None
        else:
            free = torch.nn.Embedding(n, self.input_size).to(device)
            x = None
        in_dim = self.input_size if X is None else X.shape[1]
        conv1 = GCNConv(in_dim, self.vector_size, cached=True).to(device)
        conv2 = GCNConv(self.vector_size, len(classes), cached=True).to(device)
        train_nodes = torch.tensor([i for i, _ in known], dtype=torch.long, device=device)
        train_y = torch.tensor([cls_index[y] for _, y in known], dtype=torch.long, device=device)
        F = torch.nn.functional
        drop = float(self.dropout)

        def forward(training: bool) -> tuple[Any, Any]:
            h = x if free is None else free.weight
            h = F.dropout(h, drop, training)
            hidden = F.relu(conv1(h, edge_index))
            out = conv2(F.dropout(hidden, drop, training), edge_index)
            return hidden, out

        # weight decay on the first layer only, as in the paper
        groups = [{"params": conv1.parameters(), "weight_decay": self.weight_decay},
                  {"params": conv2.parameters(), "weight_decay": 0.0}]
        if free is not None:
            groups.append({"params": free.parameters(), "weight_decay": 0.0})
        opt = torch.optim.Adam(groups, lr=self.learning_rate)

        def step(epoch: int, index: int, payload: Any, a0: float, a1: float) -> ChunkStats:
            conv1.train()
            conv2.train()
            opt.zero_grad()
            _, out = forward(True)
            loss = F.cross_entropy(out[train_nodes], train_y)
            loss.backward()
            opt.step()
            return ChunkStats(float(loss.item()), 1.0, 1)

        def embed() -> np.ndarray:
            conv1.eval()
            conv2.eval()
            with torch.no_grad():
                hidden, out = forward(False)
            self._logits = out.detach().cpu().numpy()
            return hidden.detach().cpu().numpy()

        self._live = (graph, embed)
        try:
            result = run_sgd(step, [(None, 1)], epochs=self.epochs, alpha=self.learning_rate,
                             min_alpha=self.learning_rate, callbacks=self.callbacks, show_progress=self.show_progress,
                             description="gcn", unit="epochs", owner="GCN", rate_param="learning_rate")
            Z = embed()
        finally:
            self._live = None
        self.classes_ = classes
        self.logits_ = self._logits
        self._finish(graph, Z, seed, result, t0, {"features": None if X is None else int(X.shape[1]),
                                                  "classes": classes, "train_nodes": len(known),
                                                  "device": str(device)})
        return self

    def predict(self, nodes: Any = None) -> list[str]:
        """The classifier's label for each of ``nodes`` (node ids; default all nodes in graph order)."""
        check_is_fitted(self)
        pred = self.logits_.argmax(axis=1)
        if nodes is None:
            return [self.classes_[i] for i in pred]
        idx = self.graph_.key_to_index
        out = []
        for node in nodes:
            if str(node) not in idx:
                from ..exceptions import VocabularyError

                raise VocabularyError(f"node {node!r} is not in the graph ({self.graph_.n_nodes:,} nodes)")
            out.append(self.classes_[pred[idx[str(node)]]])
        return out

    def _check_relations(self, params: Mapping[str, Any]) -> None:
        pass
