"""DeepWalk and node2vec: random walks on a graph fed to the skip-gram negative-sampling kernel.

Walks are generated in chunks by the compiled, multi-threaded kernels of
:mod:`embedlab.kernels.walks` (uniform walks for DeepWalk, second-order ``p``/``q`` walks by
rejection sampling for node2vec, memory at the graph's size) and each chunk goes straight into
word2vec's trainer (:mod:`embedlab.models._sgns`; the walker is its sequence source): no text
file, and never more than one chunk of walks in memory. Each epoch walks afresh (``walks_per_node`` walks from every node, nodes shuffled per
round, as node2vec and PecanPy do).

Negative sampling and frequent-node subsampling need node frequencies in the walks before the
walks exist; they are estimated as ``walks_per_node * (1 + (walk_length - 1) * n * pi)`` with
``pi`` the stationary distribution of the walk (proportional to the weighted degree for
undirected graphs, to the weighted in-degree as an approximation for directed ones).

Reproducibility: ``random_state`` + ``n_threads=1`` gives identical vectors; walks themselves
do not depend on the thread count. Directed graphs: walks stop at nodes without out-edges.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np

from .._progress import logger
from .._validation import Callable_, Interval
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import DataError, InvalidParameterError
from ..kernels._rng import seed_states
from ..kernels.walks import compact_walks, random_walks, row_cumsum
from ._meta import EPOCHS_KEY, draw_seed, json_params, numba_threads, thread_count
from ._meta import versions as _versions
from ._sgns import SLICES_PER_THREAD, SGNSOptions, SGNSTrainer, init_weights

__all__ = ["Node2Vec", "DeepWalk"]

_CHUNK_TOKENS_PER_THREAD = 200_000
_WALK_STREAM = 0x6E327677616C6B  # keeps walk RNG streams apart from training streams


class Node2Vec(BaseEmbedder):
    """Node2vec embeddings (Grover & Leskovec 2016): biased second-order walks + skip-gram.

    ``fit(graph)`` accepts an edge-list path (read with ``directed`` / ``weighted``), a
    :class:`~embedlab.corpus.graph.Graph`, a NetworkX graph or a SciPy sparse adjacency matrix.
    Defaults follow node2vec / PecanPy (``vector_size=128, walk_length=80, walks_per_node=10,
    window=10, p=q=1``) and gensim's SGNS (``negative=5, sample=1e-3, alpha=0.025``,
    ``epochs=1``). ``p`` is the return parameter (low ``p``: walks stay local), ``q`` the in-out
    parameter (low ``q``: walks explore outward, DFS-like; high ``q``: BFS-like).
    ``shared_negatives=False`` (default) draws ``negative`` noise nodes per (centre, context) pair,
    as gensim does; ``True`` shares one set per centre node over its window (word2vec's default
    kernel path): training 1.4x (Cora) to 2-4x (1M-edge graph) faster, but link-prediction AUC
    0.007 (Cora) to 0.019 (1M-edge power-law graph) below PecanPy's (benchmarks/README.md).

    Learned attributes: ``vectors_`` (:class:`~embedlab.vectors.KeyedVectors` keyed by node id),
    ``graph_``, ``loss_history_``, ``epoch_metrics_``, ``walk_seconds_`` (time spent walking),
    ``training_seconds_``, ``interrupted_``, ``random_state_``.
    """

    name: ClassVar[str] = "node2vec"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(32, 256))],
        "walk_length": [Interval(int, 2, None, search=(10, 80))],
        "walks_per_node": [Interval(int, 1, None)],
        "window": [Interval(int, 1, None, search=(2, 12))],
        "p": [Interval(float, 0, None, closed="neither", search=(0.25, 4.0), log=True)],
        "q": [Interval(float, 0, None, closed="neither", search=(0.25, 4.0), log=True)],
        "negative": [Interval(int, 1, None)],
        "sample": [Interval(float, 0, None)],
        "epochs": [Interval(int, 1, None)],
        "alpha": [Interval(float, 0, None, closed="neither")],
        "min_alpha": [Interval(float, 0, None)],
        "ns_exponent": [Interval(float, -10, 10)],
        "shrink_windows": [bool],
        "shared_negatives": [bool],
        "directed": [bool],
        "weighted": [bool],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [bool],
        "callbacks": [Callable_(allow_list=True), None],
    }
    # what changes the graph read from a path (tuning reads the graph once per setting)
    _corpus_params: ClassVar[tuple[str, ...]] = ("directed", "weighted")

    def __init__(
        self,
        vector_size: int = 128,
        walk_length: int = 80,
        walks_per_node: int = 10,
        window: int = 10,
        p: float = 1.0,
        q: float = 1.0,
        negative: int = 5,
        sample: float = 1e-3,
        epochs: int = 1,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        ns_exponent: float = 0.75,
        shrink_windows: bool = True,
        shared_negatives: bool = False,
        directed: bool = False,
        weighted: bool = False,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
        callbacks: Any = None,
    ) -> None:
        self.vector_size = vector_size
        self.walk_length = walk_length
        self.walks_per_node = walks_per_node
        self.window = window
        self.p = p
        self.q = q
        self.negative = negative
        self.sample = sample
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.ns_exponent = ns_exponent
        self.shrink_windows = shrink_windows
        self.shared_negatives = shared_negatives
        self.directed = directed
        self.weighted = weighted
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    def _check_relations(self, params: Mapping[str, Any]) -> None:
        if params["min_alpha"] > params["alpha"]:
            raise InvalidParameterError(
                f"{type(self).__name__}: parameter 'min_alpha' ({params['min_alpha']}) must not exceed "
                f"alpha ({params['alpha']})"
            )

    # ------------------------------------------------------------------ graph
    def _pq(self) -> tuple[float, float]:
        return float(self.p), float(self.q)

    def prepare_corpus(self, data: Any) -> Any:
        """The :class:`~embedlab.corpus.graph.Graph` that ``fit`` would read from ``data`` (tuning
        reads it once for all trials with the same ``directed`` / ``weighted``)."""
        self._validate_params()
        return self._graph(data)

    def _graph(self, data: Any) -> Any:
        from ..corpus.graph import as_graph

        graph = as_graph(data, directed=self.directed, weighted=self.weighted)
        if graph.n_nodes >= 2**31 - 1:
            raise DataError(f"{graph.source}: {graph.n_nodes:,} nodes; at most 2**31 - 2 are supported")
        return graph

    def generate_walks(self, data: Any, epoch: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The walks of one epoch, chunk by chunk, as ``(ids, offsets)``: int32 node positions
        (into ``graph.nodes``) and int64 walk starts with a final end. The same walks ``fit``
        trains on for that epoch with the same seed."""
        self._validate_params()
        graph = self._graph(data)
        walker = _Walker(graph, self, draw_seed(self.random_state), thread_count(self.n_threads))
        with numba_threads(walker.n_threads):
            for index in range(walker.n_chunks):
                ids, offsets = walker.walks(epoch, index)
                yield ids.copy(), offsets.copy()

    # ------------------------------------------------------------------ training
    def fit(self, data: Any) -> Node2Vec:
        """Learn one vector per node of ``data`` (see the class docstring) and return ``self``."""
        self._validate_params()
        t0 = time.perf_counter()
        graph = self._graph(data)
        seed = draw_seed(self.random_state)
        n_threads = thread_count(self.n_threads)
        walker = _Walker(graph, self, seed, n_threads)
        n, dim = graph.n_nodes, self.vector_size
        syn0, syn1neg, syn1 = init_weights(n, dim, seed)
        counts = walker.expected_counts()
        frozen = None
        init = getattr(self, "_continue_init", None)
        if init is not None:  # continue_training: old nodes start from the state
            syn0, syn1neg, frozen = init(list(graph.nodes), graph.degrees(), seed)
        options = SGNSOptions(negative=int(self.negative), window=int(self.window),
                              shrink_windows=bool(self.shrink_windows), shared_negatives=bool(self.shared_negatives),
                              sample=float(self.sample), ns_exponent=float(self.ns_exponent))
        trainer = SGNSTrainer(options, np.maximum(np.rint(counts), 1).astype(np.int64), seed=seed,
                              n_threads=n_threads, noise_counts=np.maximum(counts, 1.0), frozen=frozen)
        self._live = (graph, syn0)
        try:
            result = trainer.train(
                walker, syn0, syn1neg, syn1, epochs=self.epochs, alpha=float(self.alpha),
                min_alpha=float(self.min_alpha), callbacks=self.callbacks, show_progress=self.show_progress,
                description=self.name, unit="steps", owner=type(self).__name__,
            )
        finally:
            self._live = None
        from ..vectors import KeyedVectors

        self.graph_ = graph
        self.random_state_ = seed
        self.loss_history_ = result.loss_history
        self.epoch_metrics_ = result.epoch_metrics
        self.interrupted_ = result.interrupted
        self.training_seconds_ = result.seconds
        self.walk_seconds_ = walker.seconds
        self.syn1neg_ = syn1neg
        metadata = {
            "method": self.name,
            "params": json_params(self.get_params()),
            "graph": {"source": graph.source, "nodes": graph.n_nodes, "edges": graph.n_edges,
                      "directed": graph.directed, "weighted": graph.weighted, **graph.stats},
            "versions": _versions(),
            "seed": int(seed),
            "n_threads": n_threads,
            "walk_seconds": round(self.walk_seconds_, 3),
            "training_seconds": round(self.training_seconds_, 3),
            "fit_seconds": round(time.perf_counter() - t0, 3),
            EPOCHS_KEY: result.epochs_done,
            "final_loss": self.loss_history_[-1] if self.loss_history_ else None,
            "interrupted": result.interrupted,
        }
        # counts = degrees: "frequent" nodes for projections and reports are the best-connected ones
        self.vectors_ = KeyedVectors(graph.nodes, syn0, counts=graph.degrees(), metadata=metadata)
        logger.info("%s: %d nodes, walks %.1f s of %.1f s training", type(self).__name__, n,
                    self.walk_seconds_, self.training_seconds_)
        return self

    def save_state(self, path: str | os.PathLike[str]) -> Any:
        """Write the training state (input and output rows, nodes with counts, learning-rate position,
        hyperparameters) to ``path`` (.npz with JSON metadata, no pickle)."""
        from ._continue import save_sgns_state

        return save_sgns_state(self, path)

    def continue_training(self, data: Any, state: str | os.PathLike[str], *, freeze_existing: bool = False) -> Node2Vec:
        """Train the saved ``state`` further on the graph ``data``: nodes of the state keep their rows,
        new nodes start as in ``fit``, old nodes absent from ``data`` are kept unchanged;
        ``freeze_existing`` keeps the old nodes' input rows fixed. Returns ``self``."""
        from ._continue import continue_sgns

        return continue_sgns(self, data, state, freeze_existing)

    def current_vectors(self) -> Any:
        """The vectors as they stand, also inside epoch callbacks (tuning's pruning)."""
        live = getattr(self, "_live", None)
        if live is None:
            check_is_fitted(self)
            return self.vectors_
        from ..vectors import KeyedVectors

        graph, syn0 = live
        return KeyedVectors(graph.nodes, syn0)


class DeepWalk(Node2Vec):
    """DeepWalk (Perozzi et al. 2014): uniform random walks + skip-gram with negative sampling.

    Node2vec with ``p = q = 1`` (first-order walks, weighted by edge weight when ``weighted``);
    same parameters and defaults otherwise.
    """

    name: ClassVar[str] = "deepwalk"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        k: v for k, v in Node2Vec._parameter_constraints.items() if k not in ("p", "q")
    }

    def __init__(
        self,
        vector_size: int = 128,
        walk_length: int = 80,
        walks_per_node: int = 10,
        window: int = 10,
        negative: int = 5,
        sample: float = 1e-3,
        epochs: int = 1,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        ns_exponent: float = 0.75,
        shrink_windows: bool = True,
        shared_negatives: bool = False,
        directed: bool = False,
        weighted: bool = False,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
        callbacks: Any = None,
    ) -> None:
        super().__init__(
            vector_size=vector_size, walk_length=walk_length, walks_per_node=walks_per_node, window=window,
            negative=negative, sample=sample, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
            ns_exponent=ns_exponent, shrink_windows=shrink_windows, shared_negatives=shared_negatives,
            directed=directed, weighted=weighted,
            n_threads=n_threads, random_state=random_state, show_progress=show_progress, callbacks=callbacks,
        )
        del self.p, self.q

    def _pq(self) -> tuple[float, float]:
        return 1.0, 1.0


class _Walker:
    """Chunked walk generation for one graph and one model's settings (internal)."""

    def __init__(self, graph: Any, model: Node2Vec, seed: int, n_threads: int) -> None:
        self.graph = graph
        self.seed = int(seed)
        self.n_threads = n_threads
        self.L = int(model.walk_length)
        self.max_len = self.L
        self.seconds = 0.0  # spent walking
        self.rounds = int(model.walks_per_node)
        self.p, self.q = model._pq()
        self.weighted = graph.weights is not None
        self.cumw = row_cumsum(graph.indptr, graph.weights) if self.weighted else np.zeros(1, np.float32)
        n = graph.n_nodes
        self.total = n * self.rounds
        self.per_chunk = max(1, (_CHUNK_TOKENS_PER_THREAD * n_threads) // self.L)
        self.n_chunks = max(1, math.ceil(self.total / self.per_chunk))
        self.n_slices = SLICES_PER_THREAD * n_threads
        self._perm: dict[tuple[int, int], np.ndarray] = {}
        self.out = np.empty(self.per_chunk * self.L, dtype=np.int32)
        self.lengths = np.empty(self.per_chunk, dtype=np.int64)
        self.offsets = np.empty(self.per_chunk + 1, dtype=np.int64)

    def chunks(self, n_threads: int, deterministic: bool) -> list[tuple[int, int]]:
        """``[(chunk index, planned node steps), ...]``: the learning-rate clock (a SequenceSource)."""
        sizes = [min(self.per_chunk, self.total - i * self.per_chunk) for i in range(self.n_chunks)]
        return [(i, s * self.L) for i, s in enumerate(sizes)]

    def chunk(self, epoch: int, index: int, payload: int, n_slices: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The walks of chunk ``index`` and ``n_slices`` slices of equal walk counts (a SequenceSource)."""
        tw = time.perf_counter()
        ids, offsets = self.walks(epoch, index)
        self.seconds += time.perf_counter() - tw
        n_walks = offsets.shape[0] - 1
        bounds = np.clip(np.rint(np.linspace(0, n_walks, n_slices + 1)), 0, n_walks).astype(np.int64)
        return ids, offsets, bounds

    def expected_counts(self) -> np.ndarray:
        """Estimated visits of each node per epoch (see the module docstring)."""
        g = self.graph
        if g.directed:
            rows_in = np.bincount(g.indices, weights=g.weights, minlength=g.n_nodes).astype(np.float64)
            mass = rows_in
        else:
            mass = g.strengths()
        total = float(mass.sum())
        pi = mass / total if total > 0 else np.zeros(g.n_nodes)
        return self.rounds * (1.0 + (self.L - 1) * g.n_nodes * pi)

    def _round_perm(self, epoch: int, r: int) -> np.ndarray:
        key = (epoch, r)
        perm = self._perm.get(key)
        if perm is None:
            if len(self._perm) > 2:
                self._perm.clear()
            rng = np.random.default_rng([self.seed & (2**63 - 1), _WALK_STREAM, epoch, r])
            perm = self._perm[key] = rng.permutation(self.graph.n_nodes).astype(np.int64)
        return perm

    def starts(self, epoch: int, index: int) -> np.ndarray:
        n = self.graph.n_nodes
        a = index * self.per_chunk
        b = min(self.total, a + self.per_chunk)
        parts = []
        while a < b:
            r, pos = divmod(a, n)
            take = min(b - a, n - pos)
            parts.append(self._round_perm(epoch, r)[pos : pos + take])
            a += take
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def walks(self, epoch: int, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Walks of chunk ``index`` of ``epoch``: (ids view, offsets view) into reused buffers."""
        starts = self.starts(epoch, index)
        m = starts.shape[0]
        s = min(self.n_slices, m)
        bounds = np.rint(np.linspace(0, m, s + 1)).astype(np.int64)
        states = seed_states(self.seed ^ _WALK_STREAM, epoch, index, n=s)
        g = self.graph
        lengths = self.lengths[:m]
        random_walks(g.indptr, g.indices, self.cumw, self.weighted, starts, self.L, self.p, self.q,
                     bounds, states, self.out, lengths)
        offsets = self.offsets[: m + 1]
        used = compact_walks(self.out, lengths, self.L, offsets)
        return self.out[:used], offsets
