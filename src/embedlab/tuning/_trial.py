"""One trial: build the estimator from sampled params, train with a per-epoch pruning hook, score.

The same code runs in-process, in ``--jobs`` worker processes and in Dask tasks; only the
``report`` function that turns an epoch's value into a prune decision differs (Optuna's trial
in-process, a round trip to the driver under Dask). Everything a worker needs travels as a
JSON-safe config (:meth:`TrialContext.config`), never as pickled objects.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from collections.abc import Callable, Mapping
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..base import BaseEmbedder, clone
from ..exceptions import InvalidParameterError
from .objective import Objective
from .space import ParamSpec, make_space, space_to_dict

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["TrialContext", "TrialOutcome", "run_trial", "current_vectors", "available_cores"]

# report(step, value) -> True when the trial should stop (pruned)
ReportFn = Callable[[int, float], bool]
# prepared corpora kept at once (one per distinct corpus setting, e.g. min_count, in the space)
MAX_PREPARED = 2


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def current_vectors(estimator: Any, metrics: Mapping[str, Any]) -> KeyedVectors | None:
    """The vectors as they stand during training (``metrics["vectors"]`` or ``current_vectors()``)."""
    kv = metrics.get("vectors") if isinstance(metrics, Mapping) else None
    if kv is not None:
        return kv() if callable(kv) else kv
    getter = getattr(estimator, "current_vectors", None)
    if callable(getter):
        return getter()
    return None


class Pruned(Exception):
    """Raised by the epoch hook when the report function says stop (turned into TrialPruned)."""

    def __init__(self, epoch: int, value: float) -> None:
        super().__init__(f"pruned after epoch {epoch} (validation {value:.4f})")
        self.epoch = epoch
        self.value = value


@dataclass
class TrialOutcome:
    """What a finished (or pruned) trial produced."""

    params: dict[str, Any]
    values: list[float] | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    vectors: KeyedVectors | None = None
    pruned: bool = False
    intermediate: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class TrialContext:
    """Everything needed to run a trial: estimator, data, objective, space, resources."""

    estimator: BaseEmbedder
    data: Any
    objective: Objective
    space: dict[str, ParamSpec]
    n_threads: int | None = None
    prune: bool = True
    cache_corpus: bool = True
    _prepared: OrderedDict[str, Any] = field(default_factory=OrderedDict, repr=False)

    def make_estimator(self, params: Mapping[str, Any], callback: Any) -> BaseEmbedder:
        names = set(self.estimator.get_params())
        extra: dict[str, Any] = {}
        if "n_threads" in names and self.estimator.get_params().get("n_threads") is None and self.n_threads:
            extra["n_threads"] = self.n_threads
        if "show_progress" in names:
            extra["show_progress"] = False
        if "callbacks" in names:
            user = self.estimator.get_params().get("callbacks") or []
            user = list(user) if isinstance(user, (list, tuple)) else [user]
            extra["callbacks"] = [*user, callback]
        return clone(self.estimator, **extra, **params)

    def corpus_for(self, model: Any) -> Any:
        """What ``model.fit`` gets: the data, or a corpus prepared once per corpus setting.

        Estimators with ``prepare_corpus`` and ``_corpus_params`` (Word2Vec) read, count and
        encode the corpus once for all trials that share those params (in this process), so that
        the trials differ only in training. The results are the same as fitting on the data.
        """
        names = getattr(model, "_corpus_params", None)
        if not self.cache_corpus or names is None or not callable(getattr(model, "prepare_corpus", None)):
            return self.data
        params = model.get_params()
        key = json.dumps({k: params.get(k) for k in names}, sort_keys=True, default=str)
        prepared = self._prepared.get(key)
        if prepared is None:
            while len(self._prepared) >= MAX_PREPARED:
                self._prepared.popitem(last=False)[1].close()
            prepared = self._prepared[key] = model.prepare_corpus(self.data)
        self._prepared.move_to_end(key)
        return prepared

    def close(self) -> None:
        """Release the prepared corpora."""
        while self._prepared:
            self._prepared.popitem()[1].close()

    # ------------------------------------------------------------------ transport to workers
    def config(self) -> dict[str, Any]:
        cls = type(self.estimator)
        params = {k: v for k, v in self.estimator.get_params().items() if k != "callbacks"}
        try:
            json.dumps(params)
        except TypeError as exc:
            raise InvalidParameterError(
                f"parallel trials need JSON-safe hyperparameters to send to workers: {exc}"
            ) from None
        data = self.data
        if isinstance(data, (str, os.PathLike)):
            data = str(data)
        elif isinstance(data, (list, tuple)) and data and all(isinstance(d, (str, os.PathLike)) for d in data):
            data = [str(d) for d in data]
        else:
            raise InvalidParameterError(
                "parallel trials (n_jobs > 1, Dask) need the corpus as a file path or a list of paths, "
                f"not {type(self.data).__name__}"
            )
        return {
            "estimator": f"{cls.__module__}:{cls.__qualname__}",
            "params": params,
            "data": data,
            "objective": self.objective.config(),
            "space": space_to_dict(self.space),
            "n_threads": self.n_threads,
            "prune": self.prune,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TrialContext:
        module, _, name = config["estimator"].partition(":")
        est_cls = getattr(importlib.import_module(module), name)
        estimator = est_cls(**config["params"])
        return cls(
            estimator=estimator,
            data=config["data"],
            objective=Objective.from_config(config["objective"]),
            space=make_space(config["space"], estimator),
            n_threads=config.get("n_threads"),
            prune=config.get("prune", True),
        )


def run_trial(ctx: TrialContext, params: dict[str, Any], report: ReportFn | None) -> TrialOutcome:
    """Train one model with ``params``; call ``report(epoch, value)`` after each epoch.

    Raises :class:`Pruned` when ``report`` returns True, ``KeyboardInterrupt`` when training was
    interrupted by Ctrl-C (so that the tuner stops and keeps finished trials).
    """
    outcome = TrialOutcome(params=dict(params))
    state = {"epochs": 0, "eval_seconds": 0.0}

    def on_epoch(epoch: int, elapsed: float, metrics: dict[str, Any]) -> None:
        state["epochs"] += 1
        if report is None or not ctx.prune or ctx.objective.multi_objective:
            return
        kv = current_vectors(model, metrics)
        if kv is None:
            return
        t = time.perf_counter()
        value = ctx.objective.score(kv, test=False).validation
        state["eval_seconds"] += time.perf_counter() - t
        step = state["epochs"]
        outcome.intermediate.append((step, value))
        last = step >= int(model.get_params().get("epochs") or 0) > 0
        # NaN (nothing covered) is never pruned on; nor is the last epoch (the work is done)
        if value == value and report(step, value) and not last:
            outcome.attrs.update(epochs_trained=step)
            raise Pruned(step, value)

    model = ctx.make_estimator(params, on_epoch)
    data = ctx.corpus_for(model)
    start = time.perf_counter()
    model.fit(data)
    wall = time.perf_counter() - start
    if getattr(model, "interrupted_", False):
        raise KeyboardInterrupt
    kv = model.vectors_  # type: ignore[attr-defined]
    train_seconds = max(wall - state["eval_seconds"], 0.0)
    # a classifier is scored on its own predictions (scoring_target), other models on their vectors
    target = model.scoring_target() if callable(getattr(model, "scoring_target", None)) else kv
    scores = ctx.objective.score(target)
    outcome.values = ctx.objective.values(scores, model.get_params(), train_seconds)
    outcome.vectors = kv
    outcome.attrs.update(
        epochs_trained=state["epochs"],
        train_seconds=round(train_seconds, 3),
        eval_seconds=round(state["eval_seconds"], 3),
        validation=scores.validation,
        test=scores.test,
        terms=scores.terms,
    )
    return outcome


def save_trial_vectors(kv: KeyedVectors, folder: Path, number: int) -> Path:
    """Write a trial's vectors as ``folder/trial-NNNNN.npz`` (atomically)."""
    from ..vectors.io import save_vectors

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"trial-{number:05d}.npz"
    save_vectors(kv, path, format="npz")
    return path
