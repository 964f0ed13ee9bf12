"""What the tuner optimises: evaluator specs, weights, a validation/test split and Pareto terms.

An objective is one or more evaluation specs (``similarity:wordsim353``, ``analogy:google``,
``analogy:/path/questions-words.txt``, any kind registered with
:func:`embedlab.evaluation.register_evaluator`), each with an optional weight
(``0.7*similarity:wordsim353``). The tuned value is the weighted sum of the evaluators' primary
metrics; the direction comes from their ``greater_is_better``.

**No overfitting to the benchmark.** Each dataset's items (pairs, questions, ...) are split into a
validation part and a test part by a seeded permutation (:func:`split_indices`). Trials are
scored and pruned on the validation part only; the test part is scored once per finished trial,
for the record, and shown beside it. Evaluators with a ``dataset`` attribute (similarity,
analogy) are copied onto each part (a dataset with ``tuning_split(fraction, seed)`` says which
items validate, e.g. Planetoid's standard validation nodes); others must give per-item results
(``EvalResult.details["per_item"]``, see :mod:`embedlab.evaluation.stats`), from which the
primary metric is recomputed on each part.

**Pareto.** ``pareto=["vector_size"]`` or ``["time"]`` adds objectives to minimise (the model's
``vector_size``, training seconds): the study then returns a Pareto front instead of one best.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidParameterError, TrainingError

if TYPE_CHECKING:
    from ..evaluation.base import EvalResult, Evaluator
    from ..vectors import KeyedVectors

__all__ = ["Objective", "Term", "Scores", "parse_term", "split_indices", "split_mask", "subset_dataset", "PARETO_TERMS"]

# Pareto companions: name -> what is minimised
PARETO_TERMS = {"vector_size": "the model's vector_size", "time": "training time in seconds"}
_WEIGHT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\*\s*(\S.*)$")


@dataclass(frozen=True)
class Term:
    """One evaluation spec with its weight."""

    spec: str
    weight: float = 1.0

    def __str__(self) -> str:
        return self.spec if self.weight == 1.0 else f"{self.weight:g}*{self.spec}"


def parse_term(text: str) -> Term:
    """``"similarity:wordsim353"`` or ``"0.7*similarity:wordsim353"`` -> :class:`Term`."""
    text = text.strip()
    m = _WEIGHT.match(text)
    if m:
        weight, spec = float(m.group(1)), m.group(2).strip()
        if not math.isfinite(weight) or weight <= 0:
            raise InvalidParameterError(f"objective '{text}': the weight must be a positive number")
        return Term(spec, weight)
    if "*" in text.split(":", 1)[0]:
        raise InvalidParameterError(f"objective '{text}': write a weight as WEIGHT*KIND:NAME, e.g. 0.7*similarity:wordsim353")
    return Term(text, 1.0)


def split_indices(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted validation and test item positions of a dataset of ``n`` items (disjoint, seeded)."""
    perm = np.random.default_rng(seed).permutation(n)
    k = int(round(fraction * n))
    if fraction < 1.0:
        k = min(max(k, 1), n - 1) if n > 1 else n
    return np.sort(perm[:k]), np.sort(perm[k:])


def split_mask(ids: Sequence[Any], fraction: float, seed: int) -> np.ndarray:
    """Boolean mask over item ids, True for validation items (for per-item results).

    The decision for each item depends only on ``(seed, id)``, so it is deterministic and does
    not change when another vocabulary covers other items.
    """
    out = np.empty(len(ids), dtype=bool)
    limit = fraction * 2.0**32
    for i, item in enumerate(ids):
        out[i] = zlib.crc32(f"{seed}\x1f{item}".encode()) < limit
    return out


def subset_dataset(dataset: Any, idx: np.ndarray, part: str) -> Any:
    """The items ``idx`` of a similarity or analogy dataset (or any with ``subset(idx)``)."""
    from ..evaluation.datasets import AnalogyDataset, SimilarityDataset

    name = f"{dataset.name}[{part}]" if hasattr(dataset, "name") else part
    pos = idx.tolist()
    if hasattr(dataset, "subset"):
        return dataset.subset(idx)
    if isinstance(dataset, SimilarityDataset):
        return replace(
            dataset, name=name,
            word1=[dataset.word1[i] for i in pos], word2=[dataset.word2[i] for i in pos],
            scores=np.asarray(dataset.scores)[idx],
            lines=[dataset.lines[i] for i in pos] if len(dataset.lines) == len(dataset) else [],
        )
    if isinstance(dataset, AnalogyDataset):
        return replace(dataset, name=name, questions=[dataset.questions[i] for i in pos],
                       section_of=np.asarray(dataset.section_of)[idx])
    return None


@dataclass
class Scores:
    """Validation and test values of the objective, and each term's details."""

    validation: float
    test: float | None
    terms: dict[str, dict[str, Any]] = field(default_factory=dict)


class Objective:
    """A (weighted) combination of evaluators, split into validation and test items.

    Parameters
    ----------
    specs:
        Evaluation specs, optionally weighted (``"0.7*similarity:wordsim353"``).
    pareto:
        Extra objectives to minimise: ``"vector_size"`` and/or ``"time"``.
    validation_fraction:
        Share of each dataset's items used for tuning; the rest is the test part. ``1.0`` tunes
        on all items and reports no test score.
    split_seed:
        Seed of the validation/test split.
    """

    def __init__(
        self,
        specs: str | Sequence[str],
        *,
        pareto: Sequence[str] | None = None,
        validation_fraction: float = 0.5,
        split_seed: int = 0,
    ) -> None:
        if isinstance(specs, str):
            specs = [specs]
        if not specs:
            raise InvalidParameterError("give at least one objective, e.g. similarity:wordsim353")
        if not 0.0 < validation_fraction <= 1.0:
            raise InvalidParameterError(
                f"validation_fraction must be in (0, 1]; got {validation_fraction!r}"
            )
        self.terms = [parse_term(s) for s in specs]
        self.pareto = list(pareto or [])
        for p in self.pareto:
            if p not in PARETO_TERMS:
                raise InvalidParameterError(
                    f"unknown Pareto objective '{p}'; valid: {', '.join(PARETO_TERMS)}"
                )
        self.validation_fraction = float(validation_fraction)
        self.split_seed = int(split_seed)
        from ..evaluation import make_evaluator

        self.evaluators: list[Evaluator] = [make_evaluator(t.spec) for t in self.terms]
        signs = {bool(getattr(ev, "greater_is_better", True)) for ev in self.evaluators}
        # mixed directions are folded into one maximised value (lower-is-better terms negated)
        self._mixed = len(signs) > 1
        self.greater_is_better = True if self._mixed else signs.pop()
        # per term: (validation evaluator, test evaluator) when the dataset can be split
        self._parts: list[tuple[Any, Any] | None] = [self._split(ev) for ev in self.evaluators]
        self._assign: dict[tuple[int, Any], bool] = {}

    def _split(self, ev: Any) -> tuple[Any, Any] | None:
        dataset = getattr(ev, "dataset", None)
        if not self.has_test or dataset is None or not hasattr(dataset, "__len__") or isinstance(dataset, str):
            return None
        if callable(getattr(dataset, "tuning_split", None)):  # the dataset knows its split (e.g. Planetoid's)
            subs = dict(zip(("validation", "test"), dataset.tuning_split(self.validation_fraction, self.split_seed)))
        else:
            val_idx, test_idx = split_indices(len(dataset), self.validation_fraction, self.split_seed)
            subs = {part: subset_dataset(dataset, idx, part) for part, idx in (("validation", val_idx), ("test", test_idx))}
        parts = []
        for part, sub in subs.items():
            if sub is None:
                return None
            parts.append(_rebuild(ev, sub, f"{ev.name}[{part}]"))
        return parts[0], parts[1]

    # ----------------------------------------------------------------- description
    @property
    def directions(self) -> list[str]:
        main = "maximize" if self.greater_is_better else "minimize"
        return [main] + ["minimize"] * len(self.pareto)

    @property
    def multi_objective(self) -> bool:
        return bool(self.pareto)

    @property
    def has_test(self) -> bool:
        return self.validation_fraction < 1.0

    def label(self) -> str:
        text = " + ".join(str(t) for t in self.terms)
        return text + "".join(f" | pareto:{p}" for p in self.pareto)

    def config(self) -> dict[str, Any]:
        """JSON-safe description (stored with the study, used to rebuild it in workers)."""
        return {
            "specs": [str(t) for t in self.terms],
            "pareto": list(self.pareto),
            "validation_fraction": self.validation_fraction,
            "split_seed": self.split_seed,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Objective:
        return cls(
            config["specs"],
            pareto=config.get("pareto"),
            validation_fraction=config.get("validation_fraction", 0.5),
            split_seed=config.get("split_seed", 0),
        )

    # ----------------------------------------------------------------- scoring
    def score(self, kv: KeyedVectors, test: bool = True) -> Scores:
        """Evaluate ``kv``: validation (and, with ``test``, test) values and per-term details."""
        val_total, test_total = 0.0, 0.0
        terms: dict[str, dict[str, Any]] = {}
        for i, (term, ev) in enumerate(zip(self.terms, self.evaluators)):
            parts = self._parts[i]
            if parts is not None:
                val_res = parts[0].evaluate(kv)
                self._check_direction(term, val_res)
                detail = {"metric": val_res.primary_metric, "validation": val_res.score,
                          "coverage": float(val_res.coverage), "n_validation": len(parts[0].dataset),
                          "n_test": len(parts[1].dataset), "test": None}
                if test:
                    test_res = parts[1].evaluate(kv)
                    detail.update(test=test_res.score, test_coverage=float(test_res.coverage))
            else:
                result = ev.evaluate(kv)
                self._check_direction(term, result)
                detail = self._split_result(i, term, result)
            sign = -1.0 if self._mixed and not getattr(ev, "greater_is_better", True) else 1.0
            terms[term.spec] = detail
            val_total += sign * term.weight * detail["validation"]
            if detail["test"] is not None:
                test_total += sign * term.weight * detail["test"]
        return Scores(val_total, test_total if (self.has_test and test) else None, terms)

    def _check_direction(self, term: Term, result: EvalResult) -> None:
        if not self._mixed and bool(result.greater_is_better) != self.greater_is_better:
            raise TrainingError(
                f"objective {term.spec}: evaluator says greater_is_better={result.greater_is_better} "
                "but declared the opposite; set a greater_is_better attribute on the evaluator"
            )

    def split_description(self) -> list[dict[str, Any]]:
        """Per term: how many items are in the validation and test parts."""
        out = []
        for term, ev, parts in zip(self.terms, self.evaluators, self._parts):
            d: dict[str, Any] = {"objective": str(term), "validation_fraction": self.validation_fraction,
                                 "split_seed": self.split_seed}
            if parts is not None:
                d.update(n_validation=len(parts[0].dataset), n_test=len(parts[1].dataset))
            out.append(d)
        return out

    def _split_result(self, index: int, term: Term, result: EvalResult) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "metric": result.primary_metric,
            "coverage": float(result.coverage),
        }
        if not self.has_test:
            detail.update(validation=result.score, test=None, n_validation=int(result.n), n_test=0)
            return detail
        per_item = (result.details or {}).get("per_item")
        if not per_item or "ids" not in per_item:
            raise InvalidParameterError(
                f"objective {term.spec}: the evaluator has no dataset to split and gives no per-item "
                "results; use validation_fraction=1.0 (--validation-fraction 1)"
            )
        from ..evaluation.stats import item_metric

        arrays = {k: np.asarray(v) for k, v in per_item.items()}
        fn = item_metric(result.primary_metric, arrays)
        mask = self._mask(index, arrays["ids"])
        val_idx, test_idx = np.flatnonzero(mask), np.flatnonzero(~mask)
        detail.update(
            validation=_safe(fn, arrays, val_idx),
            test=_safe(fn, arrays, test_idx),
            n_validation=int(val_idx.size),
            n_test=int(test_idx.size),
        )
        return detail

    def _mask(self, index: int, ids: np.ndarray) -> np.ndarray:
        items = ids.tolist()
        out = np.empty(len(items), dtype=bool)
        todo = [j for j, item in enumerate(items) if (index, item) not in self._assign]
        if todo:
            fresh = split_mask([items[j] for j in todo], self.validation_fraction, self.split_seed)
            for j, v in zip(todo, fresh):
                self._assign[(index, items[j])] = bool(v)
        for j, item in enumerate(items):
            out[j] = self._assign[(index, item)]
        return out

    def values(self, scores: Scores, params: Mapping[str, Any], train_seconds: float) -> list[float]:
        """The value(s) handed to Optuna: the validation score, then the Pareto terms."""
        out = [scores.validation]
        for p in self.pareto:
            if p == "vector_size":
                if "vector_size" not in params:
                    raise InvalidParameterError("pareto 'vector_size' needs a model with a vector_size parameter")
                out.append(float(params["vector_size"]))
            else:
                out.append(float(train_seconds))
        return out


def _rebuild(ev: Any, dataset: Any, name: str) -> Any:
    """A new evaluator of the same class and settings over ``dataset``.

    Settings are the constructor's keyword parameters stored as same-named attributes (the
    estimator convention), so evaluators that precompute in ``__init__`` stay consistent.
    """
    import inspect

    sig = inspect.signature(type(ev).__init__)
    kwargs: dict[str, Any] = {}
    for p in list(sig.parameters.values())[1:]:
        if p.name == "dataset" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name == "name":
            kwargs["name"] = name
        elif hasattr(ev, p.name):
            kwargs[p.name] = getattr(ev, p.name)
    out = type(ev)(dataset, **kwargs)
    if "name" not in kwargs:
        out.name = name
    return out


def _safe(fn: Any, arrays: Mapping[str, np.ndarray], idx: np.ndarray) -> float:
    if idx.size == 0:
        return float("nan")
    return float(fn(arrays, idx))
