"""Search spaces: which hyperparameters the tuner explores, and over which values.

A space is a ``dict[str, ParamSpec]``. It comes from one of three places:

* :func:`default_space`: the estimator's ``_parameter_constraints`` (``Interval(..., search=(lo, hi),
  log=...)`` and ``Options(..., search=True)``), so every model is tuned the same way;
* :func:`make_space`: a dict in code, e.g. ``{"window": (2, 10), "alpha": {"low": 1e-3,
  "high": 0.1, "log": True}, "architecture": ["skipgram", "cbow"]}``;
* :func:`load_space`: a TOML file with one table per parameter::

      [params.window]
      low = 2
      high = 10

      [params.alpha]
      low = 0.005
      high = 0.1
      log = true

      [params.architecture]
      choices = ["skipgram", "cbow"]

Every entry is checked against the estimator: unknown parameter, empty or inverted range, a
bound the model would reject, a wrong type each raise a one-line error naming the source and key.
"""

from __future__ import annotations

import math
import numbers
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._validation import Interval, Options, check_param
from ..exceptions import FormatError, InputFileError, InvalidParameterError

if TYPE_CHECKING:
    import optuna

    from ..base import BaseEmbedder

__all__ = ["ParamSpec", "default_space", "make_space", "load_space", "suggest", "grid_values", "space_to_dict",
           "parse_fixed"]

_TYPES = ("int", "float", "categorical")
_KEYS = {"type", "low", "high", "log", "step", "choices", "when"}
# Grid search over a range without ``step`` takes this many points (log-spaced when ``log``).
GRID_POINTS = 3


@dataclass(frozen=True)
class ParamSpec:
    """One hyperparameter's search range: ``int``/``float`` in ``[low, high]`` or ``categorical``."""

    name: str
    type: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = field(default_factory=tuple)
    # conditional: sampled only when parameter when[0] takes one of the values when[1] (it has no
    # effect otherwise: recency_half_life with user_vectors="mean")
    when: tuple[str, tuple[Any, ...]] | None = None

    def active(self, params: Mapping[str, Any]) -> bool:
        """Whether this parameter matters given the values already chosen in ``params``."""
        return self.when is None or self.when[0] not in params or params[self.when[0]] in self.when[1]

    def distribution(self) -> optuna.distributions.BaseDistribution:
        """The equivalent Optuna distribution (for ``study.ask(fixed_distributions)``)."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.type == "categorical":
            return CategoricalDistribution(list(self.choices))
        if self.type == "int":
            step = 1 if self.step is None or self.log else int(self.step)
            return IntDistribution(int(self.low), int(self.high), log=self.log, step=step)  # type: ignore[arg-type]
        return FloatDistribution(float(self.low), float(self.high), log=self.log,  # type: ignore[arg-type]
                                 step=None if self.log else self.step)

    def describe(self) -> str:
        if self.type == "categorical":
            return "{" + ", ".join(map(str, self.choices)) + "}" + self._when_text()
        scale = " log" if self.log else ""
        step = f" step {self.step:g}" if self.step else ""
        return f"{self.type} [{self.low:g}, {self.high:g}]{scale}{step}{self._when_text()}"

    def _when_text(self) -> str:
        if self.when is None:
            return ""
        return f" when {self.when[0]}={'|'.join(map(str, self.when[1]))}"


# ------------------------------------------------------------------------- from constraints
def default_space(estimator: BaseEmbedder | type[BaseEmbedder]) -> dict[str, ParamSpec]:
    """The space declared by the estimator's constraints (``search=`` ranges, ``Options.search``)."""
    space: dict[str, ParamSpec] = {}
    for name, constraints in estimator._parameter_constraints.items():
        for c in constraints:
            if isinstance(c, Interval) and c.search is not None:
                lo, hi = c.search
                kind = "int" if c.type is int else "float"
                space[name] = ParamSpec(name, kind, lo, hi, log=c.log, when=c.when)
                break
            if isinstance(c, Options) and c.search:
                space[name] = ParamSpec(name, "categorical", choices=tuple(c.values), when=c.when)
                break
    if not space:
        raise InvalidParameterError(
            f"{_owner(estimator)} declares no default search space; pass space= or --space FILE.toml"
        )
    return space


def _owner(estimator: Any) -> str:
    return estimator.__name__ if isinstance(estimator, type) else type(estimator).__name__


# ------------------------------------------------------------------------- from dict / TOML
def make_space(
    spec: Mapping[str, Any], estimator: BaseEmbedder | type[BaseEmbedder], source: str = "space"
) -> dict[str, ParamSpec]:
    """Build and check a space from a mapping ``name -> ParamSpec | (low, high) | [choices] | {...}``.

    Table keys: ``low``, ``high``, ``log``, ``step``, ``choices``, ``type`` (int|float|categorical;
    inferred from the bounds or the choices when absent). ``source`` names the file in errors.
    """
    if not isinstance(spec, Mapping) or not spec:
        raise InvalidParameterError(f"{source}: the search space is empty; give at least one parameter")
    valid = set(_param_names(estimator))
    space: dict[str, ParamSpec] = {}
    for name, entry in spec.items():
        where = f"{source}: [params.{name}]"
        if name not in valid:
            raise InvalidParameterError(
                f"{where}: unknown parameter '{name}' for {_owner(estimator)}; valid: {', '.join(sorted(valid))}"
            )
        if isinstance(entry, ParamSpec):
            ps = entry if entry.name == name else ParamSpec(name, entry.type, entry.low, entry.high,
                                                            entry.log, entry.step, entry.choices)
            table: dict[str, Any] = {"type": ps.type, "low": ps.low, "high": ps.high, "log": ps.log,
                                     "step": ps.step, "choices": list(ps.choices) or None}
            table = {k: v for k, v in table.items() if v is not None}
            if entry.when is not None:
                table["when"] = {entry.when[0]: list(entry.when[1])}
        elif isinstance(entry, tuple) and len(entry) in (2, 3):
            table = {"low": entry[0], "high": entry[1]}
            if len(entry) == 3:
                if entry[2] != "log":
                    raise InvalidParameterError(f"{where}: the third item of a range must be 'log'; got {entry[2]!r}")
                table["log"] = True
        elif isinstance(entry, list):
            table = {"choices": entry}
        elif isinstance(entry, Mapping):
            table = dict(entry)
        else:
            raise InvalidParameterError(
                f"{where}: expected a table with low/high or choices; got {type(entry).__name__} {entry!r}"
            )
        when = table.pop("when", None)
        ps = _check_entry(name, table, where, estimator)
        space[name] = replace(ps, when=_check_when(when, where, estimator) if when is not None
                              else _declared_when(estimator, name))
    return space


def _declared_when(estimator: Any, name: str) -> tuple[str, tuple[Any, ...]] | None:
    """The condition the estimator's constraints declare for ``name`` (a property of the model)."""
    for c in estimator._parameter_constraints.get(name, []):
        if isinstance(c, (Interval, Options)) and c.when is not None:
            return c.when
    return None


def _check_when(when: Any, where: str, estimator: Any) -> tuple[str, tuple[Any, ...]]:
    """``when = { user_vectors = "recency" }`` (a value or a list) in a space file."""
    if not isinstance(when, Mapping) or len(when) != 1:
        raise InvalidParameterError(f"{where}: when must name one parameter and its value(s), "
                                    f"e.g. when = {{ user_vectors = \"recency\" }}; got {when!r}")
    (param, values), = when.items()
    if param not in _param_names(estimator):
        raise InvalidParameterError(f"{where}: when names unknown parameter '{param}' for {_owner(estimator)}")
    return str(param), tuple(values) if isinstance(values, (list, tuple)) else (values,)


def _param_names(estimator: Any) -> list[str]:
    return estimator._get_param_names()


def _check_entry(name: str, table: dict[str, Any], where: str, estimator: Any) -> ParamSpec:
    unknown = set(table) - _KEYS
    if unknown:
        raise InvalidParameterError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; valid keys: {', '.join(sorted(_KEYS))}"
        )
    kind = table.get("type")
    if kind is not None and kind not in _TYPES:
        raise InvalidParameterError(f"{where}: type must be one of {', '.join(_TYPES)}; got {kind!r}")
    constraints = estimator._parameter_constraints.get(name)
    log = table.get("log", False)
    if not isinstance(log, bool):
        raise InvalidParameterError(f"{where}: log must be true or false; got {log!r}")

    if "choices" in table:
        choices = table["choices"]
        if kind not in (None, "categorical"):
            raise InvalidParameterError(f"{where}: choices are only for type = \"categorical\"; got type {kind!r}")
        if not isinstance(choices, (list, tuple)) or not choices:
            raise InvalidParameterError(f"{where}: choices must be a non-empty list; got {choices!r}")
        if {"low", "high", "step"} & set(table) or log:
            raise InvalidParameterError(f"{where}: give either choices or low/high, not both")
        for value in choices:
            if not isinstance(value, (str, bool, int, float)) and value is not None:
                raise InvalidParameterError(f"{where}: choice {value!r} must be a string, number or boolean")
            _check_value(name, value, constraints, where)
        if len(set(map(repr, choices))) != len(choices):
            raise InvalidParameterError(f"{where}: choices contain duplicates: {choices!r}")
        return ParamSpec(name, "categorical", choices=tuple(choices))

    if "low" not in table or "high" not in table:
        raise InvalidParameterError(f"{where}: give both low and high (or choices = [...])")
    low, high = table["low"], table["high"]
    for key, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(float(v)):
            raise InvalidParameterError(f"{where}: {key} must be a number; got {v!r}")
    if kind is None:
        kind = "int" if isinstance(low, numbers.Integral) and isinstance(high, numbers.Integral) else "float"
    if kind == "categorical":
        raise InvalidParameterError(f"{where}: type = \"categorical\" needs choices = [...], not low/high")
    if kind == "int":
        for key, v in (("low", low), ("high", high)):
            if not float(v).is_integer():
                raise InvalidParameterError(f"{where}: {key} must be an integer for type = \"int\"; got {v!r}")
        low, high = int(low), int(high)
    else:
        low, high = float(low), float(high)
    if low > high:
        raise InvalidParameterError(f"{where}: inverted range: low {low:g} > high {high:g}")
    if low == high:
        raise InvalidParameterError(f"{where}: empty range: low = high = {low:g}; use choices = [{low:g}] to fix it")
    if log and low <= 0:
        raise InvalidParameterError(f"{where}: log = true needs low > 0; got {low:g}")
    step = table.get("step")
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, numbers.Real) or step <= 0:
            raise InvalidParameterError(f"{where}: step must be a positive number; got {step!r}")
        if kind == "int" and not float(step).is_integer():
            raise InvalidParameterError(f"{where}: step must be an integer for type = \"int\"; got {step!r}")
        if log:
            raise InvalidParameterError(f"{where}: step cannot be combined with log = true")
        step = int(step) if kind == "int" else float(step)
    for v in (low, high):
        _check_value(name, v, constraints, where)
    return ParamSpec(name, kind, low, high, log=log, step=step)


def _check_value(name: str, value: Any, constraints: Any, where: str) -> None:
    if not constraints:
        return
    try:
        check_param(name, value, constraints)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{where}: {exc}") from None


def load_space(path: str | Path, estimator: BaseEmbedder | type[BaseEmbedder]) -> dict[str, ParamSpec]:
    """Read a TOML space file (``[params.NAME]`` tables) and check it against ``estimator``."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: space file not found")
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise FormatError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    extra = set(doc) - {"params"}
    if extra:
        raise InvalidParameterError(f"{path}: unknown top-level key(s) {', '.join(sorted(extra))}; put parameters under [params.NAME]")
    params = doc.get("params")
    if not isinstance(params, dict) or not params:
        raise InvalidParameterError(f"{path}: no [params.NAME] tables; e.g. [params.window] low = 2 high = 10")
    for name, entry in params.items():
        if not isinstance(entry, dict):
            raise InvalidParameterError(f"{path}: [params.{name}] must be a table (low/high or choices); got {entry!r}")
    return make_space(params, estimator, source=str(path))


# ------------------------------------------------------------------------- use
def suggest(trial: optuna.trial.BaseTrial, space: Mapping[str, ParamSpec]) -> dict[str, Any]:
    """Ask ``trial`` for one value of every parameter in ``space``."""
    params: dict[str, Any] = {}
    for name, ps in _conditions_last(space).items():
        if not ps.active(params):
            continue  # no effect with the values chosen: not sampled, not reported
        if ps.type == "categorical":
            params[name] = trial.suggest_categorical(name, list(ps.choices))
        elif ps.type == "int":
            step = 1 if ps.step is None or ps.log else int(ps.step)
            params[name] = trial.suggest_int(name, int(ps.low), int(ps.high), step=step, log=ps.log)  # type: ignore[arg-type]
        else:
            params[name] = trial.suggest_float(name, float(ps.low), float(ps.high),  # type: ignore[arg-type]
                                               step=None if ps.log else ps.step, log=ps.log)
    return params


def _conditions_last(space: Mapping[str, ParamSpec]) -> dict[str, ParamSpec]:
    """``space`` with conditional parameters after the ones they depend on."""
    return {**{k: v for k, v in space.items() if v.when is None}, **{k: v for k, v in space.items() if v.when}}


def grid_values(ps: ParamSpec) -> list[Any]:
    """The values a grid search tries: the choices; every ``step``; else ``GRID_POINTS`` points.

    Integer ranges without a step try every integer when there are at most 10 of them.
    """
    if ps.type == "categorical":
        return list(ps.choices)
    low, high = float(ps.low), float(ps.high)  # type: ignore[arg-type]
    if ps.step:
        n = int(math.floor((high - low) / ps.step + 1e-9)) + 1
        vals = [low + i * ps.step for i in range(n)]
    elif ps.type == "int" and high - low + 1 <= 10:
        vals = list(range(int(low), int(high) + 1))
    elif ps.log:
        vals = [math.exp(math.log(low) + i * (math.log(high) - math.log(low)) / (GRID_POINTS - 1))
                for i in range(GRID_POINTS)]
    else:
        vals = [low + i * (high - low) / (GRID_POINTS - 1) for i in range(GRID_POINTS)]
    if ps.type == "int":
        return sorted({int(round(v)) for v in vals})
    return [float(f"{v:.6g}") for v in vals]


def space_to_dict(space: Mapping[str, ParamSpec]) -> dict[str, dict[str, Any]]:
    """A JSON-safe description of the space (stored with the study)."""
    out: dict[str, dict[str, Any]] = {}
    for name, ps in space.items():
        d: dict[str, Any] = {"type": ps.type}
        if ps.type == "categorical":
            d["choices"] = list(ps.choices)
        else:
            d.update(low=ps.low, high=ps.high, log=ps.log)
            if ps.step:
                d["step"] = ps.step
        if ps.when is not None:
            d["when"] = {ps.when[0]: list(ps.when[1])}
        out[name] = d
    return out


def parse_fixed(items: list[str] | None) -> dict[str, Any]:
    """``["vector_size=50", "architecture=cbow"]`` (the CLI's ``--set``) -> typed dict (int, float, bool,
    None, str), for fixed parameters of a tuning run."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(f"--set '{item}' must look like NAME=VALUE, e.g. --set vector_size=50")
        out[key.strip().replace("-", "_")] = _literal(raw.strip())
    return out


def _literal(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text
