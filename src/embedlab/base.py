"""BaseEmbedder: the estimator contract every embedding method follows (scikit-learn style).

* ``__init__`` stores keyword hyperparameters unchanged and does no work;
* ``fit(data) -> self`` learns; learned state ends in ``_`` (``vectors_``, ``vocab_``,
  ``loss_history_``);
* ``get_params`` / ``set_params`` / ``clone`` make tuning generic;
* ``_parameter_constraints`` (see :mod:`embedlab._validation`) is checked by ``fit`` through
  :meth:`_validate_params`, by the CLI before any work, and gives the tuner its default space.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._validation import Constraint, validate_params
from .exceptions import InvalidParameterError, NotFittedError

if TYPE_CHECKING:
    from .vectors import KeyedVectors

__all__ = ["BaseEmbedder", "clone", "check_is_fitted"]

E = TypeVar("E", bound="BaseEmbedder")


class BaseEmbedder:
    """Base class of all embedding models.

    Subclasses set ``name`` (the registry / CLI name, e.g. ``"word2vec"``) and
    ``_parameter_constraints``, and implement ``fit``. After ``fit`` they expose ``vectors_``
    (a :class:`~embedlab.vectors.KeyedVectors`).
    """

    name: ClassVar[str] = ""
    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {}

    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """Return the hyperparameters as a dict (the ``__init__`` keyword arguments)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self: E, **params: Any) -> E:
        """Set hyperparameters; unknown names raise :class:`InvalidParameterError`."""
        valid = set(self._get_param_names())
        for key, value in params.items():
            if key not in valid:
                raise InvalidParameterError(
                    f"{type(self).__name__}: unknown parameter '{key}'; valid parameters: "
                    + ", ".join(sorted(valid))
                )
            setattr(self, key, value)
        return self

    def _validate_params(self) -> None:
        """Check all hyperparameters against ``_parameter_constraints`` and ``_check_relations``."""
        validate_params(
            self._parameter_constraints, self.get_params(), type(self).__name__, self._check_relations
        )

    def _check_relations(self, params: Mapping[str, Any]) -> None:
        """Override to check relations between parameters (raise InvalidParameterError)."""

    def fit(self: E, data: Any) -> E:  # pragma: no cover - abstract
        """Learn embeddings from ``data`` and return ``self``."""
        raise NotImplementedError

    @property
    def is_fitted(self) -> bool:
        return getattr(self, "vectors_", None) is not None

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = [
            f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k, inspect._empty) != v
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


def clone(estimator: E, **overrides: Any) -> E:
    """A new unfitted estimator with the same hyperparameters (plus ``overrides``)."""
    params = estimator.get_params()
    params.update(overrides)
    return type(estimator)(**params)


def check_is_fitted(estimator: BaseEmbedder, attributes: Sequence[str] = ("vectors_",)) -> None:
    """Raise :class:`NotFittedError` unless the estimator has been fitted."""
    if any(getattr(estimator, a, None) is None for a in attributes):
        raise NotFittedError(
            f"this {type(estimator).__name__} is not fitted yet; call fit(...) first"
        )


def fitted_vectors(estimator: BaseEmbedder) -> KeyedVectors:
    """Return ``estimator.vectors_`` after checking that it is fitted."""
    check_is_fitted(estimator)
    return estimator.vectors_  # type: ignore[attr-defined]
