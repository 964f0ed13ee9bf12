"""The ``embedlab`` command-line interface (typer).

Commands live in their own modules, each exposing ``register(app)``; train methods live in
``cli/train_<method>.py``, each exposing ``register(train_app)``. To add one, add a line to
:data:`COMMAND_MODULES` or :data:`TRAIN_MODULES`. Command modules must import heavy parts
(numba models, optuna, scikit-learn) inside the command functions so that ``embedlab --help``
stays fast.

Errors: any :class:`~embedlab.exceptions.EmbedlabError`, an ``OSError`` (e.g. writing an output)
or Ctrl-C inside a command becomes one line ``error: <message>`` on stderr and exit code 2
(130 for Ctrl-C); never a traceback. Usage errors (unknown command or option, a value of the
wrong type) become one such line too, with click's exit code 2 and the command to ask for help.
"""

from __future__ import annotations

import errno
import importlib
import logging
import sys
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from .. import __version__
from ..exceptions import EmbedlabError
from ._common import EXIT_ERROR, EXIT_INTERRUPTED, cli_hints, fail, one_line

__all__ = ["app", "train_app", "main", "COMMAND_MODULES", "TRAIN_MODULES"]

# Modules adding top-level commands through ``register(app)``.
COMMAND_MODULES: list[str] = [
    "embedlab.cli.evaluate",
    "embedlab.cli.quickstart",
    "embedlab.cli.tune",
    "embedlab.cli.compare",
    "embedlab.cli.index",
    "embedlab.cli.serve",
    "embedlab.cli.explore",
    "embedlab.cli.plan",
    "embedlab.cli.split_edges",
    "embedlab.cli.recommend",
    "embedlab.cli.predict",
    "embedlab.cli.encode",
    "embedlab.cli.encode_images",
    "embedlab.cli.finetune",
    "embedlab.cli.pairs",
    "embedlab.cli.drift",
    "embedlab.cli.stability",
    "embedlab.cli.datasets",
]

# Modules adding ``embedlab train <method>`` commands through ``register(train_app)``.
TRAIN_MODULES: list[str] = [
    "embedlab.cli.train_word2vec",
    "embedlab.cli.train_fasttext",
    "embedlab.cli.train_glove",
    "embedlab.cli.train_ppmi_svd",
    "embedlab.cli.train_pca",
    "embedlab.cli.train_graph",
    "embedlab.cli.train_recommend",
    "embedlab.cli.train_supervised",
    "embedlab.cli.train_cnn",
]


# Typer 0.2x raises the exceptions of its own vendored copy of click, older ones click's.
_CLICK_EXCEPTIONS = [click.exceptions] + ([typer._click.exceptions] if hasattr(typer, "_click") else [])
_NO_ARGS_HELP = tuple(m.NoArgsIsHelpError for m in _CLICK_EXCEPTIONS if hasattr(m, "NoArgsIsHelpError"))
_USAGE_ERRORS = tuple(m.UsageError for m in _CLICK_EXCEPTIONS)


def _usage_error(exc: Any, fallback_path: str) -> typer.Exit:
    where = exc.ctx.command_path if exc.ctx is not None else fallback_path
    return fail(f"{exc.format_message().rstrip('.')} (see '{where} --help')", exc.exit_code)


def _tidy_help(command: click.Command) -> click.Command:
    """Make a command's --help read like the CLI works (once per command object):

    * help texts are literal, not rich markup (``[params.window]`` stays visible);
    * flags (``--json``, ``--prune/--no-prune``) show no ``<bool>`` value, and a repeatable
      option shows its item type (``<str>``), not ``<list[str]>``;
    * positional arguments are upper-case in the usage line and the table (``{VECTORS}``,
      ``{IN} {OUT}``), one style for every command.
    """
    if getattr(command, "_embedlab_tidy", False):
        return command
    from rich.markup import escape

    if command.help:
        command.help = escape(command.help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = escape(param.help)  # type: ignore[attr-defined]
        if param.param_type_name == "option":
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                param.metavar = ""
            elif getattr(param, "multiple", False) and param.metavar is None:
                param.metavar = _item_type(command, param)
        else:
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
            if param.nargs != 1:
                label = _item_type(command, param) + "..."
                param.display_type_rich = lambda ctx, label=label: label  # type: ignore[method-assign]
    if _narrow_terminal() and not hasattr(command, "get_command"):  # rich's option table cuts long flag
        # names below ~100 columns; click's wraps them (groups list short command names: rich is fine)
        command.rich_markup_mode = None  # type: ignore[attr-defined]
        command.context_settings.setdefault("terminal_width", _columns())
    help_option = command.get_help_option(click.Context(command, help_option_names=["-h", "--help"]))
    if help_option is not None:  # click caches it per command
        help_option.metavar = ""
    command._embedlab_tidy = True  # type: ignore[attr-defined]
    return command


def _columns() -> int:
    """The width help is written for: the terminal's, ``COLUMNS``, else 80 (a pipe, CI, a log)."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def _narrow_terminal() -> bool:
    """Whether help goes to fewer than 100 columns."""
    return _columns() < 100


def _item_type(command: click.Command, param: click.Parameter) -> str:
    """``<path>`` for a ``list[Path]`` parameter (typer shows ``<list[Path]>``)."""
    display = getattr(param, "display_type", None)
    label = display(click.Context(command)) if callable(display) else ""
    if label.startswith("<list[") and label.endswith("]>"):
        label = "<" + label[len("<list["):-2].lower() + ">"
    return label


def _leaf_command(ctx: click.Context, words: list[str]) -> click.Command | None:
    """The command ``words`` name under the root (``index build`` for ``embedlab index build ...``)."""
    command: click.Command | None = ctx.command
    while hasattr(command, "get_command") and words:
        command, words = command.get_command(ctx, words[0]), words[1:]
    return command


class _TidyGroup(TyperGroup):
    """A group whose commands' help texts follow :func:`_tidy_help`."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        return _tidy_help(command) if command is not None else command

    def format_help(self, ctx: click.Context, formatter: Any) -> None:
        _tidy_help(self)  # the group's own options (--version, --verbose)
        super().format_help(ctx, formatter)


class _ErrorHandlingGroup(_TidyGroup):
    """A group that turns library errors raised by any sub-command into ``error: ...`` lines."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        first = [n for n in ("quickstart", "train") if n in names]  # where a new user starts
        return first + [n for n in names if n not in first]

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:  # the root's own options (`embedlab --bogus`) are parsed here, before invoke
            return super().make_context(info_name, args, parent=parent, **extra)
        except _NO_ARGS_HELP:
            raise
        except _USAGE_ERRORS as exc:
            raise _usage_error(exc, info_name or "embedlab") from None

    def invoke(self, ctx: click.Context) -> Any:
        words = [*getattr(ctx, "_protected_args", []), *ctx.args]  # click empties them while invoking
        try:
            return super().invoke(ctx)
        except _NO_ARGS_HELP:
            raise  # `embedlab train` alone prints its help
        except _USAGE_ERRORS as exc:  # unknown command or option, bad value: one line, exit 2
            raise _usage_error(exc, ctx.command_path) from None
        except EmbedlabError as exc:
            raise fail(cli_hints(str(exc) or type(exc).__name__, _leaf_command(ctx, words))) from None
        except KeyboardInterrupt:
            raise fail("interrupted", EXIT_INTERRUPTED) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # output piped into `head`: let click quiet it
                raise
            detail = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
            raise fail(detail or type(exc).__name__) from None


class _StderrHandler(logging.StreamHandler):
    """Log handler writing to the *current* ``sys.stderr`` (works under test runners too)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:  # the base class assigns it; always use sys.stderr
        pass


def _configure_logging(verbose: int) -> None:
    log = logging.getLogger("embedlab")
    for handler in [h for h in log.handlers if isinstance(h, _StderrHandler)]:
        log.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"embedlab {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="embedlab",
    cls=_ErrorHandlingGroup,
    help="Create embeddings and prove they are good: train, evaluate, inspect and convert vectors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

train_app = typer.Typer(
    name="train",
    cls=_TidyGroup,
    help="Train embeddings with one of the methods below; `embedlab train METHOD --help` for its options.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(train_app, name="train")


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    ] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output on stderr (-v info, -vv debug).")
    ] = 0,
) -> None:
    """Create embeddings and prove they are good."""
    _configure_logging(verbose)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    for name in TRAIN_MODULES:
        importlib.import_module(name).register(train_app)


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``embedlab`` console script and ``python -m embedlab``."""
    try:
        app(args=argv, prog_name="embedlab")
    except EmbedlabError as exc:  # raised outside a command (e.g. while parsing)
        typer.echo(f"error: {one_line(str(exc))}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
