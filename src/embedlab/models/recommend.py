"""Recommenders for implicit feedback: popularity, item-kNN, EASE, and ALS / BPR through ``implicit``.

Every model is a :class:`~embedlab.base.BaseEmbedder` fitted on
:class:`~embedlab.corpus.interactions.Interactions` (or a file path or a list of baskets) and
produces a :class:`~embedlab.vectors.recommend.RecommenderVectors` in ``vectors_``: item vectors
as rows, the training users and their histories, stored user vectors where the model learns
them (ALS, BPR) and the rule that scores a user (see that module). So one ``.npz`` holds a whole
recommender, and ``recommend``, ``embedlab evaluate --eval recommendation:DIR`` and the tuner need
no model-specific code.

* :class:`Popularity`: items ranked by their number of users (or summed weights).
* :class:`ItemKNN`: cosine item-item similarities from co-occurrence, pruned to the
  ``n_neighbors`` nearest per item; a user scores ``sum_{j in history} sim(j, i)``.
* :class:`EASE` (Steck 2019): closed-form item-item ridge regression with a zero diagonal,
  ``B = I - P / diag(P)``, ``P = (X^T X + l2 I)^-1``; a user scores ``x_u @ B``.
* :class:`ALS` (Hu, Koren & Volinsky 2008, conjugate gradient, Takács et al. 2011) and
  :class:`BPR` (Rendle et al. 2009): thin wrappers of ``implicit`` (``pip install implicit``)
  with its parameter names; user and item factors become the stored vectors.
"""

from __future__ import annotations

import contextlib
import difflib
import sys
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import InvalidParameterError, VocabularyError, require
from ._meta import versions as _versions

__all__ = ["RecommenderMixin", "Popularity", "ItemKNN", "EASE", "ALS", "BPR", "unknown_user_message"]


def unknown_user_message(users: list[str], user: str) -> str:
    """One line saying ``user`` is unknown, with the nearest known ids."""
    close = difflib.get_close_matches(str(user), users[:200_000], n=5, cutoff=0.5)
    hint = f"; nearest known ids: {', '.join(close)}" if close else f"; known ids look like: {', '.join(users[:5])}"
    return f"unknown user '{user}' ({len(users):,} users in training){hint}"


class RecommenderMixin:
    """``recommend`` and ``similar_items`` on a fitted ``vectors_`` (a RecommenderVectors)."""

    def recommend(self, user: Any, k: int = 10, exclude_seen: bool = True) -> list[tuple[str, float]]:
        """The top ``k`` items for a training user, best first, leaving out seen items by default."""
        from ..vectors.recommend import query_vectors, topk_items

        check_is_fitted(self)  # type: ignore[arg-type]
        kv = self.vectors_  # type: ignore[attr-defined]
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise InvalidParameterError(f"k must be an int >= 1; got {k!r}")
        uid = str(user)
        if uid not in kv.user_to_index:
            raise VocabularyError(unknown_user_message(kv.user_ids, uid))
        hist = kv.history(uid)
        q, _ = query_vectors(kv, np.array([0, hist.size], np.int64), hist, [uid])
        excl = np.unique(hist) if exclude_seen else np.zeros(0, np.int64)
        idx, val = topk_items(kv, q, int(k), np.array([0, excl.size], np.int64), excl)
        return [(kv.index_to_key[int(i)], float(s)) for i, s in zip(idx[0], val[0]) if i >= 0]

    def similar_items(self, item: Any, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` items nearest to ``item`` by cosine of the item vectors."""
        check_is_fitted(self)  # type: ignore[arg-type]
        kv = self.vectors_  # type: ignore[attr-defined]
        if str(item) not in kv:
            raise VocabularyError(f"unknown item '{item}' ({len(kv):,} items)")
        return kv.most_similar(str(item), topn=k)


def _as_interactions(data: Any) -> Any:
    from ..corpus.interactions import as_interactions

    return as_interactions(data)


class _Recommender(RecommenderMixin, BaseEmbedder):
    """Shared fit: read the interactions, learn, wrap the result as RecommenderVectors."""

    user_mode: ClassVar[str] = "stored"
    score: ClassVar[str] = "dot"

    def fit(self, data: Any) -> _Recommender:
        """Learn from ``data`` (Interactions, a file path or a list of baskets); returns ``self``."""
        self._validate_params()
        inter = _as_interactions(data)
        t0 = time.perf_counter()
        items, users = self._learn(inter)
        seconds = time.perf_counter() - t0
        self.training_seconds_ = seconds
        self.vectors_ = _wrap(self, inter, items, users, seconds)
        return self

    def _learn(self, inter: Any) -> tuple[np.ndarray, np.ndarray | None]:  # pragma: no cover - abstract
        raise NotImplementedError


def _wrap(model: Any, inter: Any, items: np.ndarray, users: np.ndarray | None, seconds: float,
          *, user_mode: str | None = None, score: str | None = None, half_life: float = 10.0,
          extra: Mapping[str, Any] | None = None, output: np.ndarray | None = None) -> Any:
    from ..vectors.recommend import RecommenderVectors

    params = {k: v for k, v in model.get_params().items() if k != "callbacks"}
    metadata = {
        "method": model.name, "params": params, "seed": getattr(model, "random_state", None),
        "corpus": {"users": inter.n_users, "items": inter.n_items, "interactions": inter.nnz, "source": inter.source},
        "training_seconds": round(seconds, 3), "versions": _versions(), **dict(extra or {}),
    }
    return RecommenderVectors(
        inter.item_ids, np.ascontiguousarray(items, dtype=np.float32), inter.item_counts(), metadata,
        user_ids=inter.user_ids, history_indptr=inter.indptr, history_indices=inter.indices, user_vectors=users,
        user_mode=user_mode or model.user_mode, score=score or model.score, recency_half_life=half_life,
        output_vectors=output,
    )


def _binary_or_weights(inter: Any, binary: bool) -> Any:
    m = inter.to_csr(binary=binary)
    return m.astype(np.float32)


class Popularity(_Recommender):
    """Items ranked by how many users interacted with them (``weighting="count"``) or by their
    summed weights (``"weight"``). The strongest trivial baseline; every model must beat it."""

    name: ClassVar[str] = "popularity"
    user_mode: ClassVar[str] = "ones"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {"weighting": [Options(("count", "weight"))]}

    def __init__(self, weighting: str = "count") -> None:
        self.weighting = weighting

    def _learn(self, inter: Any) -> tuple[np.ndarray, None]:
        m = _binary_or_weights(inter, self.weighting == "count")
        pop = np.asarray(m.sum(axis=0), dtype=np.float64).ravel()
        return pop[:, None].astype(np.float32), None


_DENSE_ITEM_LIMIT = 30_000  # item-item models hold a dense n_items x n_items matrix


def _check_dense(owner: str, n_items: int) -> None:
    if n_items > _DENSE_ITEM_LIMIT:
        raise InvalidParameterError(
            f"{owner}: {n_items:,} items need a dense {n_items:,} x {n_items:,} item-item matrix "
            f"({n_items * n_items * 4 / 2**30:.1f} GiB); filter rare items first (min_item_interactions) "
            f"or use als/bpr/item2vec"
        )


class ItemKNN(_Recommender):
    """Item-item cosine similarities, each item keeping its ``n_neighbors`` nearest (implicit's
    ``CosineRecommender`` rule); a user scores ``sum_{j in history} sim(j, i)``."""

    name: ClassVar[str] = "itemknn"
    user_mode: ClassVar[str] = "indicator"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_neighbors": [Interval(int, 1, None, search=(10, 500), log=True)],
        "binary": [Options((True, False))],
    }

    def __init__(self, n_neighbors: int = 100, binary: bool = True) -> None:
        self.n_neighbors = n_neighbors
        self.binary = binary

    def _learn(self, inter: Any) -> tuple[np.ndarray, None]:
        _check_dense("ItemKNN", inter.n_items)
        x = _binary_or_weights(inter, self.binary)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
        g = np.asarray((x.T @ x).todense(), dtype=np.float32)
        g /= np.maximum(norms, 1e-12)[:, None]
        g /= np.maximum(norms, 1e-12)[None, :]
        np.fill_diagonal(g, 0.0)
        k = min(self.n_neighbors, max(inter.n_items - 1, 1))
        if k < inter.n_items - 1:  # keep each item's k nearest (rows: history item j)
            cut = np.argpartition(-g, k, axis=1)[:, k:]
            np.put_along_axis(g, cut, 0.0, axis=1)
        return np.ascontiguousarray(g.T), None  # item vector i = column i of the similarity matrix


class EASE(_Recommender):
    """EASE (Steck 2019): ``B = argmin ||X - XB||^2 + l2 ||B||^2`` with ``diag(B) = 0``, in closed form.

    ``l2`` is the ridge strength (Steck: 500 on MovieLens-20M; a few hundred on ML-100k).
    """

    name: ClassVar[str] = "ease"
    user_mode: ClassVar[str] = "indicator"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "l2": [Interval(float, 0, None, closed="neither", search=(10.0, 5000.0), log=True)],
        "binary": [Options((True, False))],
    }

    def __init__(self, l2: float = 500.0, binary: bool = True) -> None:
        self.l2 = l2
        self.binary = binary

    def _learn(self, inter: Any) -> tuple[np.ndarray, None]:
        _check_dense("EASE", inter.n_items)
        x = _binary_or_weights(inter, self.binary)
        g = np.asarray((x.T @ x).todense(), dtype=np.float64)
        g[np.diag_indices_from(g)] += float(self.l2)
        p = np.linalg.inv(g)
        b = -p / np.diag(p)[None, :]
        np.fill_diagonal(b, 0.0)
        return np.ascontiguousarray(b.T.astype(np.float32)), None  # item vector i = column i of B


# ---------------------------------------------------------------------- implicit wrappers
class _StopTraining(Exception):
    """A callback asked to stop (returned True): leaves implicit's loop after this iteration."""


def _implicit_callback(model: Any) -> Any:
    """implicit's ``callback(iteration, elapsed, *stats)`` -> ours ``callback(epoch, elapsed, metrics)``.

    ALS reports its training loss (computed when callbacks are given); BPR reports the share of
    sampled (positive, negative) pairs it ranks right, and ``loss`` is the share ranked wrong.
    A callback returning True stops training after that iteration.
    """
    user = model.callbacks
    cbs = [] if user is None else ([user] if callable(user) else list(user))
    history: list[dict[str, Any]] = []
    model._epoch_sink = history
    start = time.perf_counter()

    def bridge(iteration: int, seconds: float, *stats: Any) -> None:
        # implicit passes the iteration's own seconds; ours is the time since training started
        elapsed = time.perf_counter() - start
        metrics: dict[str, Any] = {"epoch": iteration + 1, "elapsed": elapsed, "seconds": float(seconds)}
        if len(stats) == 1 and stats[0] is not None:
            metrics["loss"] = float(stats[0])
        elif len(stats) == 2:
            metrics["correct"], metrics["skipped"] = float(stats[0]), float(stats[1])
            metrics["loss"] = 1.0 - float(stats[0])
        history.append(metrics)
        stop = False
        for cb in cbs:
            if cb(iteration + 1, float(elapsed), dict(metrics)) is True:
                stop = True
        if stop:
            raise _StopTraining

    return bridge


@contextlib.contextmanager
def _single_blas_thread() -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(1, "blas"):
        yield


class _ImplicitModel(_Recommender):
    _implicit_class: ClassVar[str] = ""

    def _n_threads(self) -> int:
        return 0 if self.n_threads is None else int(self.n_threads)

    def _make(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _learn(self, inter: Any) -> tuple[np.ndarray, np.ndarray]:
        require("implicit", "recommend")
        x = _binary_or_weights(inter, self.binary)
        if x.nnz == 0:
            raise InvalidParameterError(f"{type(self).__name__}: no interactions to learn from")
        self.interrupted_ = False
        with _single_blas_thread():  # implicit's own threads do the work; a BLAS pool only competes
            model = self._make()
            try:
                model.fit(x, show_progress=bool(self.show_progress and sys.stderr.isatty()),
                          callback=_implicit_callback(self))
            except _StopTraining:
                pass
            except KeyboardInterrupt:
                self.interrupted_ = True
        self.epoch_metrics_ = list(getattr(self, "_epoch_sink", []))
        self.loss_history_ = [m["loss"] for m in self.epoch_metrics_ if "loss" in m]
        self.implicit_model_ = model
        items, users = np.asarray(model.item_factors), np.asarray(model.user_factors)
        if hasattr(items, "to_numpy"):  # pragma: no cover - GPU models
            items, users = items.to_numpy(), users.to_numpy()
        return items, users

    def current_vectors(self) -> Any:
        check_is_fitted(self)
        return self.vectors_


class ALS(_ImplicitModel):
    """Implicit-feedback ALS (conjugate gradient) through ``implicit.cpu.als.AlternatingLeastSquares``.

    Parameters keep implicit's names and defaults (``factors=100, regularization=0.01, alpha=1.0,
    iterations=15, use_cg=True``); ``binary=True`` turns weights into 1 before the confidence
    ``1 + alpha * r`` (implicit's convention). ``n_threads=None`` uses all cores.
    """

    name: ClassVar[str] = "als"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "factors": [Interval(int, 1, None, search=(16, 256), log=True)],
        "regularization": [Interval(float, 0, None, search=(1e-3, 10.0), log=True)],
        "alpha": [Interval(float, 0, None, closed="neither", search=(0.5, 50.0), log=True)],
        "iterations": [Interval(int, 1, None, search=(5, 50))],
        "use_cg": [Options((True, False))],
        "binary": [Options((True, False))],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [Options((True, False))],
        "callbacks": [Callable_(allow_list=True), None],
    }

    def __init__(self, factors: int = 100, regularization: float = 0.01, alpha: float = 1.0, iterations: int = 15,
                 use_cg: bool = True, binary: bool = True, n_threads: int | None = None,
                 random_state: int | None = None, show_progress: bool = True, callbacks: Any = None) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.use_cg = use_cg
        self.binary = binary
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    def _make(self) -> Any:
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares(
            factors=self.factors, regularization=self.regularization, alpha=self.alpha, iterations=self.iterations,
            use_cg=self.use_cg, num_threads=self._n_threads(), random_state=self.random_state,
            calculate_training_loss=self.callbacks is not None,
        )


class BPR(_ImplicitModel):
    """Bayesian Personalised Ranking through ``implicit.cpu.bpr.BayesianPersonalizedRanking``.

    implicit's names and defaults (``factors=100, learning_rate=0.01, regularization=0.01,
    iterations=100``); the item bias is the last factor column (user column fixed at 1), so
    scores stay a plain dot product.
    """

    name: ClassVar[str] = "bpr"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "factors": [Interval(int, 1, None, search=(16, 256), log=True)],
        "learning_rate": [Interval(float, 0, None, closed="neither", search=(1e-3, 0.2), log=True)],
        "regularization": [Interval(float, 0, None, search=(1e-4, 0.1), log=True)],
        "iterations": [Interval(int, 1, None, search=(20, 300), log=True)],
        "verify_negative_samples": [Options((True, False))],
        "binary": [Options((True, False))],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [Options((True, False))],
        "callbacks": [Callable_(allow_list=True), None],
    }

    def __init__(self, factors: int = 100, learning_rate: float = 0.01, regularization: float = 0.01,
                 iterations: int = 100, verify_negative_samples: bool = True, binary: bool = True,
                 n_threads: int | None = None, random_state: int | None = None, show_progress: bool = True,
                 callbacks: Any = None) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.verify_negative_samples = verify_negative_samples
        self.binary = binary
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    def _make(self) -> Any:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        return BayesianPersonalizedRanking(
            factors=self.factors, learning_rate=self.learning_rate, regularization=self.regularization,
            iterations=self.iterations, verify_negative_samples=self.verify_negative_samples,
            num_threads=self._n_threads(), random_state=self.random_state,
        )

