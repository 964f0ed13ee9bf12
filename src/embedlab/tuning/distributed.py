"""Trials as Dask tasks with driver-side ask/tell (``tune(..., dask="local" | ADDRESS)``).

The driver owns the study: it asks Optuna for parameters, submits one task per trial and tells
Optuna the result. Pruning stays with Optuna's pruner on the driver: after each epoch a task puts
``(epoch, value)`` on a Dask queue named after its trial and waits for the driver's answer
(prune or go on) on a second queue. ``"local"`` starts a LocalCluster bound to 127.0.0.1.
Tasks receive a JSON config (estimator class and params, corpus path, objective, space) and
return the scores and the vectors as arrays; the corpus path must be readable by the workers.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._progress import logger as _root_logger
from ..exceptions import EmbedlabError, InvalidParameterError
from ._trial import Pruned, TrialContext, run_trial, save_trial_vectors
from .space import suggest

if TYPE_CHECKING:
    import optuna

__all__ = ["run_dask", "dask_client"]

logger = _root_logger.getChild("tuning")
_ANSWER_TIMEOUT = 600.0


@contextlib.contextmanager
def dask_client(address: str, n_workers: int, threads_per_worker: int = 1) -> Iterator[Any]:
    """A distributed Client for ``address``, or for a new LocalCluster on 127.0.0.1 (``"local"``)."""
    from ..exceptions import require

    require("distributed", "tune")
    from distributed import Client, LocalCluster

    if address == "local":
        with LocalCluster(
            n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
            host="127.0.0.1", dashboard_address=None, silence_logs=40,
        ) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise InvalidParameterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        yield client
    finally:
        client.close()


def _remote_trial(config_json: str, params: dict[str, Any], number: int, queues: tuple[str, str] | None) -> dict[str, Any]:
    """Runs on a Dask worker: train one model; ask the driver about pruning after each epoch."""
    import numpy as np

    ctx = TrialContext.from_config(json.loads(config_json))
    report = None
    if queues is not None:
        from distributed import Queue

        up, down = Queue(queues[0]), Queue(queues[1])

        def report(step: int, value: float) -> bool:
            up.put((number, step, float(value)))
            return bool(down.get(timeout=_ANSWER_TIMEOUT))

    try:
        out = run_trial(ctx, params, report)
    except Pruned as exc:
        return {"state": "pruned", "epoch": exc.epoch, "value": exc.value}
    except EmbedlabError as exc:
        return {"state": "fail", "error": str(exc)}
    finally:
        ctx.close()
    kv = out.vectors
    return {
        "state": "complete",
        "values": out.values,
        "attrs": out.attrs,
        "keys": list(kv.index_to_key),
        "vectors": np.asarray(kv.vectors),
        "counts": None if kv.counts is None else np.asarray(kv.counts),
        "metadata": kv.metadata,
    }


def run_dask(study: optuna.Study, ctx: TrialContext, n_trials: int | None, timeout: float | None,
             address: str, n_parallel: int, vectors_dir: Path | None, watcher: Any) -> None:
    """Run ``n_trials`` trials (or until ``timeout``) as Dask tasks, ``n_parallel`` at a time."""
    import optuna
    from distributed import Queue, wait

    from ..vectors import KeyedVectors
    from .study import _better

    config = json.dumps(ctx.config())
    distributions = {k: ps.distribution() for k, ps in ctx.space.items()}
    prune = ctx.prune and not ctx.objective.multi_objective
    multi = ctx.objective.multi_objective
    with dask_client(address, n_parallel, 1) as client:
        slots = max(1, n_parallel if address == "local" else sum(
            w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values()))
        tag = f"embedlab-{study.study_name}-{int(time.time() * 1000)}"
        up = Queue(f"{tag}-up", client=client) if prune else None
        running: dict[Any, tuple[optuna.Trial, Any]] = {}
        submitted, start = 0, time.perf_counter()

        def more() -> bool:
            if n_trials is not None and submitted >= n_trials:
                return False
            return timeout is None or time.perf_counter() - start < timeout

        try:
            while running or more():
                while more() and len(running) < slots:
                    trial = study.ask(distributions)
                    params = suggest(trial, ctx.space)
                    queues = (f"{tag}-up", f"{tag}-down-{trial.number}") if prune else None
                    down = Queue(queues[1], client=client) if queues else None
                    fut = client.submit(_remote_trial, config, params, trial.number, queues, pure=False)
                    running[fut] = (trial, down)
                    submitted += 1
                if up is not None:
                    _answer(up, running, timeout_s=0.2)
                done = [f for f in running if f.done()]
                if not done:
                    if up is None:
                        wait(list(running), timeout=0.5, return_when="FIRST_COMPLETED")
                    continue
                for fut in done:
                    trial, _ = running.pop(fut)
                    _tell(study, trial, fut, multi, vectors_dir, KeyedVectors, _better)
                    watcher.poll()
        except KeyboardInterrupt:
            for fut, (trial, _) in running.items():
                fut.cancel()
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise


def _answer(up: Any, running: dict[Any, Any], timeout_s: float) -> None:
    """Answer every pending epoch report: report to Optuna and say whether to prune."""
    by_number = {trial.number: (trial, down) for trial, down in running.values()}
    while True:
        try:
            number, step, value = up.get(timeout=timeout_s)
        except Exception:  # nothing queued within the timeout (distributed raises TimeoutError)
            return
        entry = by_number.get(number)
        if entry is None:
            continue
        trial, down = entry
        trial.report(value, step)
        trial.set_user_attr("epochs_trained", step)
        down.put(bool(trial.should_prune()))
        timeout_s = 0.01


def _tell(study: Any, trial: Any, fut: Any, multi: bool, vectors_dir: Path | None, kv_cls: Any, better: Any) -> None:
    import optuna

    TrialState = optuna.trial.TrialState
    try:
        res = fut.result()
    except Exception as exc:  # a task that crashed on the worker
        logger.warning("trial %d failed on the Dask worker: %s", trial.number, exc)
        study.tell(trial, state=TrialState.FAIL)
        return
    if res["state"] == "pruned":
        trial.set_user_attr("epochs_trained", res["epoch"])
        study.tell(trial, state=TrialState.PRUNED)
        return
    if res["state"] == "fail":
        logger.warning("trial %d failed: %s", trial.number, res["error"])
        study.tell(trial, state=TrialState.FAIL)
        return
    for key, value in res["attrs"].items():
        trial.set_user_attr(key, value)
    values = res["values"]
    if vectors_dir is not None and (multi or better(study, values[0])):
        kv = kv_cls(res["keys"], res["vectors"], res["counts"], res["metadata"])
        save_trial_vectors(kv, vectors_dir, trial.number)
    study.tell(trial, values if multi else values[0])
