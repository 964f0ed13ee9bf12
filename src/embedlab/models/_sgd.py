"""Shared epoch/chunk driver for SGD-trained models (word2vec, fastText, GloVe ...).

The model supplies a ``step`` function that trains one chunk with a compiled kernel and returns
its :class:`ChunkStats`; :func:`run_sgd` does the rest in Python (umap's ``layouts.py`` habit):

* linear learning-rate decay from ``alpha`` to ``min_alpha`` over ``epochs x work per epoch``
  (each chunk gets the rate at its start and end, so kernels can decay it within the chunk);
* a progress bar (work units/s and ETA) and one log line per epoch;
* per-epoch metrics and callbacks ``callback(epoch, elapsed, metrics)`` (return True to stop;
  exceptions such as ``optuna.TrialPruned`` propagate);
* Ctrl-C: the first SIGINT is turned into a request that stops training after the current chunk
  (a second one raises at once); a ``KeyboardInterrupt`` raised by a callback does the same.
  The result says ``interrupted=True`` and the model stays usable;
* NaN/inf checks on every chunk's loss and, through ``check_finite``, on the parameters after
  every epoch, and optionally a ceiling on the epoch loss (``loss_limit``): :class:`TrainingError`
  names the epoch and suggests a lower learning rate (``rate_param``, ``alpha`` by default);
* resumption: ``start_epoch`` / ``work_done`` continue an interrupted schedule exactly, and
  ``on_epoch_end`` is where models write checkpoints;
* memory: in the first training of a process, before the first chunk and after it (the kernels
  are loaded by then), LLVM's code pages leave the RSS
  (:func:`embedlab.kernels._runtime.release_compiler_pages`, about 50 MB).

Epochs are counted from 1 in callbacks, metrics, logs and errors (``epoch`` = epochs completed).
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .._progress import logger, progress_bar
from ..exceptions import TrainingError
from ..kernels._runtime import release_compiler_pages

__all__ = ["ChunkStats", "SGDResult", "LinearDecay", "run_sgd", "stop_on_sigint"]


_llvm_releases_left = 2  # LLVM's pages are handed back at the first training of a process (twice)


def _release_llvm_pages(owner: str) -> None:
    """Hand LLVM's code pages back (~50 MB; each madvise costs ~6 ms, so only in the first training
    of a process: later ones touch few pages again)."""
    global _llvm_releases_left
    if _llvm_releases_left > 0:
        _llvm_releases_left -= 1
        logger.debug("%s: RSS %.0f MB lower after handing LLVM's code pages back", owner,
                     release_compiler_pages() / 2**20)


@dataclass
class ChunkStats:
    """What a kernel reports for one chunk: summed loss, number of loss terms, work done."""

    loss_sum: float = 0.0
    loss_terms: float = 0.0
    work: int = 0


@dataclass
class SGDResult:
    """Outcome of :func:`run_sgd`."""

    loss_history: list[float] = field(default_factory=list)
    epoch_metrics: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    stopped_by_callback: bool = False
    epochs_done: int = 0
    work_done: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class LinearDecay:
    """Learning rate falling linearly from ``alpha`` to ``min_alpha`` over ``total`` work units."""

    alpha: float
    min_alpha: float
    total: float

    def __call__(self, done: float) -> float:
        if self.total <= 0:
            return self.alpha
        frac = min(max(done / self.total, 0.0), 1.0)
        return self.alpha - (self.alpha - self.min_alpha) * frac


class _StopFlag:
    def __init__(self) -> None:
        self.requested = False


@contextmanager
def stop_on_sigint() -> Iterator[_StopFlag]:
    """Turn the first Ctrl-C into ``flag.requested = True``; a second one raises KeyboardInterrupt.

    Only in the main thread (signal handlers cannot be set elsewhere); the previous handler is
    restored on exit. A process that ignores Ctrl-C (a worker whose driver stops it) keeps ignoring it.
    """
    flag = _StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True
        logger.warning("interrupt received: stopping after the current chunk (Ctrl-C again to abort)")

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # pragma: no cover - e.g. embedded interpreters
        yield flag
        return
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _diverged(owner: str, epoch: int, epochs: int, alpha: float, what: str, rate_param: str) -> TrainingError:
    flag = "--" + rate_param.replace("_", "-")  # the CLI's flag convention
    return TrainingError(
        f"{owner}: training diverged in epoch {epoch}/{epochs} at learning rate {alpha:.4g} ({what}); "
        f"lower {rate_param} (e.g. {rate_param}={alpha / 4:.3g}; CLI: {flag})"
    )


def run_sgd(
    step: Callable[[int, int, Any, float, float], ChunkStats],
    chunks: Sequence[tuple[Any, int]],
    *,
    epochs: int,
    alpha: float,
    min_alpha: float,
    callbacks: Sequence[Callable[..., Any]] | Callable[..., Any] | None = None,
    show_progress: bool = True,
    description: str = "training",
    unit: str = "words",
    owner: str = "model",
    start_epoch: int = 0,
    work_done: int = 0,
    check_finite: Callable[[], bool] | None = None,
    on_epoch_end: Callable[[int, int], None] | None = None,
    extra_metrics: Callable[[], dict[str, Any]] | None = None,
    loss_limit: tuple[float, str] | None = None,
    rate_param: str = "alpha",
) -> SGDResult:
    """Run epochs ``start_epoch+1 .. epochs`` over ``chunks`` = [(payload, work units), ...].

    ``step(epoch_index, chunk_index, payload, alpha_start, alpha_end)`` trains one chunk (epoch
    index from 0) and returns :class:`ChunkStats`. ``on_epoch_end(epochs_done, work_done)`` runs
    after each complete epoch (checkpoints). ``extra_metrics()`` adds entries to each epoch's
    metrics. ``loss_limit = (value, what it is)``: an epoch whose mean loss exceeds ``value`` (e.g.
    the loss of an untrained model) counts as diverged. Errors name the learning-rate parameter
    ``rate_param`` and its CLI flag. Returns an :class:`SGDResult`; the caller turns it into ``loss_history_`` etc.
    """
    if callbacks is None:
        cbs: list[Callable[..., Any]] = []
    elif callable(callbacks):
        cbs = [callbacks]
    else:
        cbs = list(callbacks)
    per_epoch = int(sum(w for _, w in chunks))
    schedule = LinearDecay(alpha, min_alpha, float(per_epoch) * epochs)
    result = SGDResult(epochs_done=start_epoch, work_done=work_done)
    done = work_done
    t_start = time.perf_counter()
    remaining = max(0, per_epoch * epochs - work_done)
    _release_llvm_pages(owner)  # before the training arrays fill up; the first chunk touches a few again
    with stop_on_sigint() as flag, progress_bar(remaining, description, unit=unit, enabled=show_progress) as bar:
        try:
            for epoch in range(start_epoch, epochs):
                bar.update(f"{description} {epoch + 1}/{epochs}")
                t_epoch = time.perf_counter()
                loss_sum = 0.0
                loss_terms = 0.0
                epoch_work = 0
                for index, (payload, work) in enumerate(chunks):
                    a0, a1 = schedule(done), schedule(done + work)
                    stats = step(epoch, index, payload, a0, a1)
                    if epoch == start_epoch and index == 0:  # the training kernels are loaded now
                        _release_llvm_pages(owner)
                    if not math.isfinite(stats.loss_sum):
                        raise _diverged(owner, epoch + 1, epochs, a0, "the loss became NaN or infinite",
                                        rate_param)
                    loss_sum += stats.loss_sum
                    loss_terms += stats.loss_terms
                    epoch_work += work
                    done += work
                    result.work_done = done
                    bar.advance(work)
                    if flag.requested:
                        raise KeyboardInterrupt
                seconds = time.perf_counter() - t_epoch
                if check_finite is not None and not check_finite():
                    raise _diverged(owner, epoch + 1, epochs, schedule(done),
                                    "the parameters became NaN or infinite", rate_param)
                loss = loss_sum / loss_terms if loss_terms else 0.0
                if loss_limit is not None and loss > loss_limit[0]:
                    raise _diverged(owner, epoch + 1, epochs, schedule(done),
                                    f"mean loss {loss:.4g}, above {loss_limit[0]:.4g}, {loss_limit[1]}",
                                    rate_param)
                result.epochs_done = epoch + 1
                elapsed = time.perf_counter() - t_start
                metrics: dict[str, Any] = {
                    "epoch": epoch + 1,
                    "loss": loss,
                    "words_per_sec": epoch_work / seconds if seconds > 0 else float("inf"),
                    "alpha": schedule(done),
                    "elapsed": elapsed,
                    "seconds": seconds,
                    "work": epoch_work,
                    "unit": unit,
                }
                if extra_metrics is not None:
                    metrics.update(extra_metrics())
                result.loss_history.append(loss)
                result.epoch_metrics.append(metrics)
                logger.info(
                    "%s epoch %d/%d: loss %.4f, %.0f %s/s, alpha %.5f, %.1f s",
                    owner, epoch + 1, epochs, loss, metrics["words_per_sec"], unit, metrics["alpha"], seconds,
                )
                if on_epoch_end is not None:
                    on_epoch_end(epoch + 1, done)
                stop = False
                for cb in cbs:
                    if cb(epoch + 1, elapsed, dict(metrics)) is True:
                        stop = True
                if stop:
                    result.stopped_by_callback = True
                    logger.info("%s: a callback stopped training after epoch %d", owner, epoch + 1)
                    break
        except KeyboardInterrupt:
            result.interrupted = True
            logger.warning(
                "%s: training interrupted after %d complete epoch(s) and %d of %d %s (interrupted_ is set)",
                owner, result.epochs_done, result.work_done, per_epoch * epochs, unit,
            )
    result.seconds = time.perf_counter() - t_start
    return result
