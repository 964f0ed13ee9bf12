"""Logging, progress bars and training callbacks. Library code never prints.

* ``logger``: the package logger "embedlab"; the CLI attaches a handler, the library does not.
* :class:`Callback`: ``callback(epoch, elapsed, metrics) -> bool | None``; return ``True`` to stop
  training after this epoch. ``metrics`` holds at least ``loss`` and ``words_per_sec``. Exceptions
  raised by a callback (e.g. ``optuna.TrialPruned``) propagate to the caller of ``fit``.
* :func:`progress_bar`: a rich progress bar on a terminal (words/s and ETA), nothing otherwise.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

logger = logging.getLogger("embedlab")

__all__ = ["logger", "Callback", "progress_bar", "Progress"]


@runtime_checkable
class Callback(Protocol):
    """Called after every epoch; return True to stop training early."""

    def __call__(self, epoch: int, elapsed: float, metrics: dict[str, Any]) -> bool | None: ...


class Progress:
    """Handle returned by :func:`progress_bar`; ``advance(n)`` adds ``n`` units of work."""

    def __init__(self, bar: Any = None, task: Any = None) -> None:
        self._bar = bar
        self._task = task

    def advance(self, n: float) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def update(self, description: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=description)


def _on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress_bar(total: float, description: str, unit: str = "words", enabled: bool = True) -> Iterator[Progress]:
    """Show a progress bar with throughput and ETA on stderr when it is a terminal."""
    if not (enabled and _on_terminal()):
        yield Progress()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress as RichProgress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class _Rate(TextColumn):
        def render(self, task: Any) -> Any:  # noqa: D401 - rich API
            from rich.text import Text

            speed = task.finished_speed or task.speed or 0.0
            return Text(f"{speed/1e3:,.0f}k {unit}/s" if speed >= 1e3 else f"{speed:,.0f} {unit}/s")

    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        _Rate(""),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    if unit != "words":
        columns.insert(2, MofNCompleteColumn())
    with RichProgress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield Progress(bar, task)
