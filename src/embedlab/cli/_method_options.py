"""Method options given after a command's own (``embedlab plan word2vec C --min-count 5``,
``embedlab stability word2vec C --hs --versus "--window 2"``): one parser, one rule for flags,
booleans and ``None`` defaults, checked against the method's hyperparameters."""

from __future__ import annotations

import inspect
from typing import Any

from ..exceptions import InvalidParameterError

__all__ = ["parse_method_options", "ALIASES"]

# short and CLI names of estimator parameters (as the train commands spell them)
ALIASES = {"threads": "n_threads", "seed": "random_state", "d": "vector_size", "e": "epochs", "t": "n_threads"}
NEVER = frozenset({"callbacks", "checkpoint_path"})


def parse_method_options(method: str, args: list[str], *, where: str = "",
                         exclude: frozenset[str] | set[str] = NEVER) -> dict[str, Any]:
    """``--vector-size 50 --hs --no-phrases --sample=0.001`` -> ``{"vector_size": 50, "hs": True,
    "phrases": False, "sample": 0.001}``. A boolean is a flag (``--hs``, ``--no-hs``) or takes
    ``=true``/``=false``; a parameter whose default is ``None`` takes an int, else a number, else text.
    Unknown or ``exclude``-d names are refused listing the valid options; ``where`` prefixes messages."""
    from ..models import get_model

    cls = get_model(method)
    defaults = {n: p.default for n, p in inspect.signature(cls.__init__).parameters.items() if n != "self"}
    valid = sorted(n for n in defaults if n not in exclude)
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        tok = args[i]
        if not tok.startswith("-"):
            raise InvalidParameterError(f"{where}unexpected argument {tok!r}; method options look like --min-count 5")
        body, eq, value = tok.lstrip("-").partition("=")
        name = ALIASES.get(body, body.replace("-", "_"))
        negated = name.startswith("no_") and name[3:] in defaults and isinstance(defaults[name[3:]], bool)
        if negated:
            name = name[3:]
        if name not in defaults or name in exclude:
            raise InvalidParameterError(f"{where}{tok.split('=')[0]}: not a {method} option; valid: "
                                        + ", ".join("--" + n.replace("_", "-") for n in valid))
        default = defaults[name]
        if isinstance(default, bool) and not eq:
            out[name] = not negated
            i += 1
            continue
        if not eq:
            if i + 1 >= len(args):
                raise InvalidParameterError(f"{where}{tok} needs a value (e.g. {tok} 5)")
            value = args[i + 1]
            i += 1
        out[name] = _coerce(value, default, f"{where}{tok.split('=')[0]}")
        i += 1
    return out


def _coerce(raw: str, default: Any, flag: str) -> Any:
    if isinstance(default, bool):
        low = raw.lower()
        if low in ("true", "1", "yes", "on"):
            return True
        if low in ("false", "0", "no", "off"):
            return False
        raise InvalidParameterError(f"{flag}: expected true or false; got {raw!r}")
    kinds: list[type] = [type(default)] if default is not None else [int, float, str]
    for kind in kinds:
        try:
            return kind(raw)
        except (TypeError, ValueError):
            continue
    raise InvalidParameterError(f"{flag}: expected {type(default).__name__}; got {raw!r}")
