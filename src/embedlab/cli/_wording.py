"""Library messages said in the CLI's terms: estimator parameter names become the flags of the
command that failed (``parameter 'min_count'`` -> ``--min-count``, ``negative=0`` -> ``--negative 0``)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..exceptions import InvalidParameterError

# estimator parameters whose CLI option has another name
_PARAM_ALIASES = {"n_threads": "threads", "random_state": "seed"}


def cli_hints(message: str, command: Any) -> str:
    """A library message's Python advice said in the terms of the command that failed: the
    ``nonfinite='drop'`` remedy becomes ``--drop-nonfinite`` where the command has that flag,
    else the command that writes a copy without such vectors."""
    if "(nonfinite='drop')" in message:
        names = {p.name for p in getattr(command, "params", [])}
        remedy = ("(--drop-nonfinite)" if "drop_nonfinite" in names else
                  "with 'embedlab convert IN OUT --drop-nonfinite', then use OUT")
        message = message.replace("(nonfinite='drop')", remedy)
    flags = {p.name: max(p.opts, key=len) for p in getattr(command, "params", [])
             if p.param_type_name == "option" and p.name and p.opts}
    if flags:  # Python names of the command's own options: "Corpus: parameter 'encoding'", "restrict_vocab must"
        names = "|".join(sorted(map(re.escape, flags), key=len, reverse=True))
        message = re.sub(rf"(?:\b[A-Z]\w*: )?parameter '({names})'(?! \(--)", lambda m: flags[m[1]], message)
        message = re.sub(rf"(?<![\w'-])({names}) (must|should)\b", lambda m: f"{flags[m[1]]} {m[2]}", message)
        message = re.sub(r"(--[\w-]+ must be [^;]*?) or None\b", r"\1", message)
        message = re.sub(rf"(?<![\w'-])({names}) \((--[\w-]+)\)", lambda m: m[2], message)  # "text_column (--text-column)"
    return message


def _current_command() -> Any:
    """The click command being run (typer's vendored click or click itself), or None."""
    import click

    try:
        import typer._click.globals as vendored  # typer >= 0.2x ships its own click
    except ImportError:  # pragma: no cover - older typer uses click itself
        vendored = None
    for module in (vendored, click.globals):
        ctx = module.get_current_context(silent=True) if module is not None else None
        if ctx is not None:
            return ctx.command
    return None


def cli_wording(message: str, params: Iterable[str], style: str = "flags") -> str:
    """Say ``message`` (about the estimator parameters ``params``) in the CLI's flags:
    ``parameter 'min_count'`` gets ``(--min-count)``; ``negative=0`` becomes ``--negative 0``,
    ``hs=True`` ``--hs``, ``hs=False`` ``--no-hs`` (or ``no --phrases`` for a flag without a
    ``--no-`` form), and ``negative > 0`` ``--negative > 0``. With ``style="set"`` (commands
    taking ``--set NAME=VALUE``, e.g. tune) the parameters are named as ``--set negative=0``."""
    if style == "set":
        names = "|".join(sorted((re.escape(p) for p in params), key=len, reverse=True))
        if not names:
            return message
        message = re.sub(rf"(?<!unknown )parameter '({names})'(?! \(--)", lambda m: f"{m[0]} (--set {m[1]}=...)", message)
        message = re.sub(rf"(?<![\w.-])(?<!--set )({names})=('[^']*'|\"[^\"]*\"|[\w.+-]+)",
                         lambda m: f"--set {m[1]}={m[2].strip(chr(39) + chr(34)).lower() if m[2] in ('True', 'False') else m[2]}",
                         message)
        return re.sub(rf"(?<![\w.'-])({names}) ([<>]=?) ", lambda m: f"--set {m[1]} {m[2]} ", message)
    command = _current_command()
    options: dict[str, Any] = {}
    for p in getattr(command, "params", []):
        if p.param_type_name == "option" and p.name:
            options[p.name] = p

    def flags(param: str) -> tuple[str, str | None, bool]:
        name = _PARAM_ALIASES.get(param, param)
        opt = options.get(name)
        if opt is None:
            return "--" + name.replace("_", "-"), None, False
        off = opt.secondary_opts[0] if getattr(opt, "secondary_opts", None) else None
        return max(opt.opts, key=len), off, bool(getattr(opt, "is_flag", False))

    names = "|".join(sorted((re.escape(p) for p in params), key=len, reverse=True))
    if not names:
        return message

    def assign(m: re.Match[str]) -> str:
        flag, off, is_flag = flags(m[1])
        value = m[2].strip("'\"")
        if value in ("True", "False") and (is_flag or m[1] not in options):
            return flag if value == "True" else (off or f"no {flag}")
        return f"{flag} {value}"

    message = re.sub(rf"parameter '({names})'(?! \(--)", lambda m: f"{m[0]} ({flags(m[1])[0]})", message)
    message = re.sub(rf"(?<![\w.-])({names})=('[^']*'|\"[^\"]*\"|[\w.+-]+)", assign, message)
    message = re.sub(rf"(?<![\w.'-])({names}) ([<>]=?) ", lambda m: f"{flags(m[1])[0]} {m[2]} ", message)
    message = re.sub(rf"(?<= [<>]= )({names})\b|(?<= [<>] )({names})\b", lambda m: flags(m[1] or m[2])[0], message)
    return message


@contextlib.contextmanager
def cli_option_names(params: Iterable[str] = (), style: str = "flags") -> Iterator[None]:
    """Re-raise an :class:`InvalidParameterError` in the CLI's words (see :func:`cli_wording`),
    e.g. ``Word2Vec: negative=0 and hs=False leave nothing to train`` becomes ``Word2Vec:
    --negative 0 and --no-hs leave nothing to train``.

    Train commands name their options after the estimator's parameters (``n_threads`` and
    ``random_state`` are ``--threads`` and ``--seed``).
    """
    try:
        yield
    except InvalidParameterError as exc:
        message = str(exc)
        names = set(params) | set(re.findall(r"parameter '(\w+)'", message))
        new = cli_wording(message, names, style)
        if new == message:
            raise
        raise InvalidParameterError(new) from None
