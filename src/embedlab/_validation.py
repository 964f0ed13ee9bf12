"""Declarative parameter constraints with uniform error messages.

Each estimator declares ``_parameter_constraints: dict[str, list[Constraint]]``. The same table
drives the checks in ``fit``, the CLI's early checks, the invalid-value tests and the tuner's
default search spaces (:attr:`Interval.search` and :attr:`Options.search`).

A parameter is valid when it satisfies *any* of its constraints, e.g.
``"max_vocab_size": [Interval(int, 1, None), None]``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .exceptions import InvalidParameterError

__all__ = ["Interval", "Options", "Callable_", "validate_params", "Constraint", "is_number"]


@dataclass(frozen=True)
class Interval:
    """A real or integer range. ``None`` bounds are open-ended.

    ``closed`` is one of "both", "left", "right", "neither". ``search`` is the default range the
    tuner explores (it must lie inside the interval) and ``log`` says whether to sample it on a
    log scale (learning rates, ``sample``).
    """

    type: type  # int or float
    low: float | None
    high: float | None
    closed: str = "both"
    search: tuple[float, float] | None = None
    log: bool = False
    # the tuner explores it only when another parameter takes one of these values: ("user_vectors", ("recency",))
    when: tuple[str, tuple[Any, ...]] | None = None

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.type is int:
            if not isinstance(value, numbers.Integral):
                return False
        elif not isinstance(value, numbers.Real):
            return False
        v = float(value)
        if math.isnan(v):
            return False
        if self.low is not None:
            if v < self.low or (v == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if v > self.high or (v == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        kind = "an int" if self.type is int else "a number"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        lb = "[" if self.closed in ("both", "left") and self.low is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        return f"{kind} in {lb}{lo}, {hi}{rb}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values (strings, bools). ``search`` marks it as tunable."""

    values: tuple[Any, ...]
    search: bool = False
    when: tuple[str, tuple[Any, ...]] | None = None  # as Interval.when

    def is_satisfied_by(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class Callable_:
    """Any callable (or list of callables, for ``callbacks``)."""

    allow_list: bool = False

    def is_satisfied_by(self, value: Any) -> bool:
        if callable(value):
            return True
        return self.allow_list and isinstance(value, (list, tuple)) and all(callable(v) for v in value)

    def __str__(self) -> str:
        return "a callable" + (" or a list of callables" if self.allow_list else "")


Constraint = Interval | Options | Callable_ | type | None


def _satisfies(constraint: Constraint, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        if constraint is float:
            return isinstance(value, numbers.Real) and not isinstance(value, bool)
        return isinstance(value, constraint) and not (constraint is int and isinstance(value, bool))
    return constraint.is_satisfied_by(value)


def _describe(constraint: Constraint) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return f"a {constraint.__name__}"
    return str(constraint)


def check_param(name: str, value: Any, constraints: Sequence[Constraint], owner: str = "") -> None:
    """Raise :class:`InvalidParameterError` unless ``value`` meets one of ``constraints``."""
    if any(_satisfies(c, value) for c in constraints):
        return
    expected = " or ".join(_describe(c) for c in constraints)
    where = f"{owner}: " if owner else ""
    raise InvalidParameterError(f"{where}parameter '{name}' must be {expected}; got {value!r}")


def validate_params(
    constraints: Mapping[str, Sequence[Constraint]],
    params: Mapping[str, Any],
    owner: str = "",
    extra_checks: Callable[[Mapping[str, Any]], None] | None = None,
) -> None:
    """Check every parameter in ``params`` that has constraints; then run ``extra_checks``.

    ``extra_checks`` is for relations between parameters (``min_n <= max_n``); it raises
    :class:`InvalidParameterError` itself.
    """
    for name, value in params.items():
        if name in constraints:
            check_param(name, value, constraints[name], owner)
    if extra_checks is not None:
        extra_checks(params)


def is_number(text: str, finite: bool = False) -> bool:
    """Whether ``text`` reads as a float (``finite=True``: and is neither NaN nor infinite); the
    one test readers use to tell a numeric column or a header line from data."""
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) if finite else True
