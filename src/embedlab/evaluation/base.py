"""The evaluator contract: every evaluation returns an :class:`EvalResult` that carries its meaning.

An evaluator is any object with a ``name`` and ``evaluate(kv) -> EvalResult``. Results say which
metric is primary and whether greater is better, so the tuner and the comparison report need no
special cases. Evaluators are created from a spec string such as ``similarity:wordsim353`` or
``analogy:/path/questions-words.txt`` through :func:`make_evaluator`; new kinds (classification,
retrieval, ...) register themselves with :func:`register_evaluator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..exceptions import InvalidParameterError

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = [
    "EvalResult", "Evaluator", "register_evaluator", "make_evaluator", "evaluator_kinds", "checked_score", "accepts",
]


@dataclass
class EvalResult:
    """Outcome of one evaluation.

    ``metrics`` maps metric names to values (``spearman``, ``pearson``, ``accuracy`` ...);
    ``primary_metric`` names the one to optimise; ``coverage`` is the share of items (pairs,
    questions, queries) that had vectors, and for tasks on texts (classification, clustering, STS)
    the share of their tokens that had vectors (``details["oov"]`` adds the share of texts with a
    known word and the most frequent unknown words); ``n`` is the number of items evaluated;
    ``details`` holds per-section or per-item extras (JSON-serialisable).
    """

    name: str
    metrics: dict[str, float]
    primary_metric: str
    greater_is_better: bool = True
    coverage: float = 1.0
    n: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """The value of the primary metric."""
        return float(self.metrics[self.primary_metric])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def checked_score(result: EvalResult) -> EvalResult:
    """``result`` when its primary metric is a number; a :class:`DataError` saying why when it
    is NaN or infinite (e.g. every covered pair got the same cosine), so that no table, report
    or JSON ever shows ``nan`` as a score."""
    import math

    value = float(result.metrics.get(result.primary_metric, float("nan")))
    if not math.isfinite(value):
        from ..exceptions import DataError

        raise DataError(
            f"{result.name}: {result.primary_metric} is undefined on these vectors ({result.n} item(s) scored; "
            "all scores equal, e.g. zero vectors?)"
        )
    return result


@runtime_checkable
class Evaluator(Protocol):
    """Anything that scores a :class:`KeyedVectors`."""

    name: str

    def evaluate(self, kv: KeyedVectors) -> EvalResult: ...


_REGISTRY: dict[str, Callable[[str], Evaluator]] = {}


def register_evaluator(kind: str) -> Callable[[Callable[[str], Evaluator]], Callable[[str], Evaluator]]:
    """Register a factory ``factory(argument) -> Evaluator`` for specs ``"<kind>:<argument>"``."""

    def deco(factory: Callable[[str], Evaluator]) -> Callable[[str], Evaluator]:
        _REGISTRY[kind] = factory
        return factory

    return deco


def _load_builtin_kinds() -> None:
    # Importing the modules registers their kinds; kept lazy to avoid import cycles and cost.
    import importlib

    for module in _BUILTIN_MODULES:
        importlib.import_module(f"embedlab.evaluation.{module}")


# Modules that call register_evaluator at import. Add a module here when it defines a new kind.
_BUILTIN_MODULES: list[str] = ["similarity", "analogy", "classification", "clustering", "retrieval", "sts", "wordtasks", "nodes", "recommendation", "images"]


def evaluator_kinds() -> list[str]:
    """The registered spec kinds (``similarity``, ``analogy``, ...)."""
    _load_builtin_kinds()
    return sorted(_REGISTRY)


def accepts(spec: str, option: str) -> bool:
    """Whether the factory of ``spec``'s kind takes the keyword ``option`` (e.g. ``text_column``)."""
    import inspect

    _load_builtin_kinds()
    factory = _REGISTRY.get(spec.partition(":")[0])
    return factory is not None and option in inspect.signature(factory).parameters


def make_evaluator(spec: str, **options: Any) -> Evaluator:
    """Build an evaluator from ``"kind:argument"`` (argument: a bundled name or a file path).

    ``options`` (e.g. ``text_column="review"``) go to the kinds whose factory takes them (see
    :func:`accepts`); the others ignore them, so one set of options can serve several specs.
    """
    _load_builtin_kinds()
    kind, sep, arg = spec.partition(":")
    if not sep or not arg:
        raise InvalidParameterError(
            f"evaluation spec '{spec}' must look like KIND:NAME_OR_FILE, e.g. similarity:wordsim353; "
            f"kinds: {', '.join(sorted(_REGISTRY))}"
        )
    if kind not in _REGISTRY:
        raise InvalidParameterError(
            f"unknown evaluation kind '{kind}' in '{spec}'; valid kinds: {', '.join(sorted(_REGISTRY))}"
        )
    kwargs = {k: v for k, v in options.items() if v is not None and accepts(spec, k)}
    return _REGISTRY[kind](arg, **kwargs)
