"""``embedlab plan METHOD CORPUS [method options] [--memory 8GB]``: will this training run fit in memory?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import InvalidParameterError
from . import _common as c

__all__ = ["register", "plan_command", "parse_method_options"]

_ALIASES = {"threads": "n_threads", "seed": "random_state", "t": "n_threads", "d": "vector_size", "e": "epochs",
            "a": "architecture"}


def _convert(name: str, raw: str, default: Any, method: str) -> Any:
    flag = "--" + name.replace("_", "-")
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise InvalidParameterError(f"{flag}: expected true or false for {method}; got {raw!r}")
    kind = type(default) if default is not None else None
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is None:  # optional numbers (max_vocab_size, n_threads, random_state)
            return int(raw)
    except ValueError:
        raise InvalidParameterError(
            f"{flag}: expected a {kind.__name__ if kind else 'whole number'} for {method}; got {raw!r}"
        ) from None
    return raw


def parse_method_options(method: str, args: list[str], params: dict[str, Any]) -> dict[str, Any]:
    """``--min-count 5 --vector-size 300 --hs --no-lowercase`` -> model parameters (checked names)."""
    out: dict[str, Any] = {}
    i = 0
    names = sorted("--" + k.replace("_", "-") for k in params if k not in ("callbacks", "checkpoint_path"))
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-"):
            raise InvalidParameterError(f"plan: unexpected argument {arg!r}; method options look like --min-count 5")
        key, _, inline = arg.lstrip("-").partition("=")
        negated = key.startswith("no-")
        name = _ALIASES.get(key, key.replace("-", "_"))
        if negated and name not in params:
            name = key[3:].replace("-", "_")
        if name not in params or name in ("callbacks", "checkpoint_path"):
            raise InvalidParameterError(
                f"plan: {method} has no option {arg.split('=')[0]}; its options: {', '.join(names)}"
            )
        default = params[name]
        if isinstance(default, bool) and not inline and (i + 1 >= len(args) or args[i + 1].startswith("-")):
            out[name] = not negated
            i += 1
            continue
        if inline:
            raw = inline
            i += 1
        else:
            if i + 1 >= len(args):
                raise InvalidParameterError(f"{arg}: needs a value (e.g. {arg} 5)")
            raw = args[i + 1]
            i += 2
        out[name] = _convert(name, raw, default, method)
    return out


def plan_command(
    ctx: typer.Context,
    method: Annotated[str, typer.Argument(help="word2vec, fasttext or glove.")],
    corpus: Annotated[Path, typer.Argument(help="Text file or folder (method options go after it).")],
    memory: Annotated[
        str | None, typer.Option("--memory", "-m", help="Memory to plan for, e.g. 512MB or 8GB (default: available).")
    ] = None,
    lowercase: c.Lowercase = True,
    tokenizer: c.TokenizerOpt = c.Tokenizer.unicode,
) -> None:
    """Predict the peak memory of training METHOD on CORPUS per stage, and what to change if it
    does not fit. Method options (--min-count 5, --vector-size 300, --bucket 500000 ...) follow
    those of `embedlab train METHOD`."""
    from ..models import get_model
    from ..models._plan import PLANNED_METHODS, parse_memory, plan

    if method not in PLANNED_METHODS:
        raise InvalidParameterError(
            f"plan: no memory model for method '{method}'; choose one of {', '.join(PLANNED_METHODS)}"
        )
    mem = parse_memory(memory) if memory is not None else None
    cls = get_model(method)
    defaults = cls().get_params()
    options = parse_method_options(method, list(ctx.args), defaults)
    options.setdefault("lowercase", lowercase)
    options["show_progress"] = False
    model = cls(**options)
    with c.cli_option_names():
        model._validate_params()
    data = c.make_corpus([corpus], lowercase=lowercase, tokenizer=tokenizer)
    result = plan(model, data, memory=mem)
    for line in result.lines():
        typer.echo(line)
    if not result.fits:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(
        "plan",
        help="Will it fit? Predicted peak memory per stage of a training run, and settings that fit.",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(plan_command)

