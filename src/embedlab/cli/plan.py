"""``embedlab plan METHOD CORPUS [method options] [--memory 8GB]``: will this training run fit in memory?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import InvalidParameterError
from . import _common as c
from ._method_options import parse_method_options

__all__ = ["register", "plan_command"]

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
    options = parse_method_options(method, list(ctx.args))
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

