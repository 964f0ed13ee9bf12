"""``tune()``: Optuna search over any BaseEmbedder, with per-epoch pruning, resume and many workers.

Trials run in one of three ways, all against the same study storage:

* ``n_jobs=1``: in this process (``study.optimize``);
* ``n_jobs=K``: K worker processes, each running ``study.optimize`` on the shared storage
  (a journal file by default), the same way independent ``embedlab tune --study NAME`` processes
  on several machines share a PostgreSQL study;
* ``dask=ADDRESS|"local"``: driver-side ask/tell, each trial a Dask task (see
  :mod:`embedlab.tuning.distributed`).

Each trial's numba threads are ``cores // parallel trials`` so that trials do not oversubscribe.
Ctrl-C stops after the current epoch; finished trials stay in the storage and the same call with
the same ``study_name`` resumes.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import queue as queue_mod
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._fileio import atomic_open
from .._progress import logger as _root_logger
from ..base import BaseEmbedder
from ..exceptions import DataError, EmbedlabError, InvalidParameterError, TrainingError
from ._trial import Pruned, TrialContext, TrialOutcome, available_cores, run_trial, save_trial_vectors
from .objective import Objective
from .results import TuneResult, epochs_of, finished_trials, state_name, trial_line, write_trials_csv
from .space import ParamSpec, default_space, grid_values, load_space, make_space, space_to_dict, suggest
from .storage import describe_storage, make_storage, open_study

if TYPE_CHECKING:
    import optuna

__all__ = ["tune", "make_sampler", "make_pruner", "fixed_names", "without_fixed", "SAMPLERS", "PRUNERS"]

logger = _root_logger.getChild("tuning")

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "hyperband", "none")
VECTORS_DIR = "trial_vectors"


# ----------------------------------------------------------------------------- samplers, pruners
def make_sampler(sampler: Any, space: Mapping[str, ParamSpec], seed: int | None, multi: bool = False) -> Any:
    """An Optuna sampler from a name (tpe, random, grid) or the sampler itself."""
    import optuna

    if not isinstance(sampler, str):
        return sampler
    if sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=5 if not multi else 10)
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if sampler == "grid":
        return optuna.samplers.GridSampler({k: grid_values(ps) for k, ps in space.items()}, seed=seed)
    raise InvalidParameterError(f"unknown sampler '{sampler}'; valid samplers: {', '.join(SAMPLERS)}")


def make_pruner(pruner: Any) -> Any:
    """An Optuna pruner from a name (median, hyperband, none) or the pruner itself."""
    import optuna

    if pruner is None or pruner == "none" or pruner is False:
        return optuna.pruners.NopPruner()
    if not isinstance(pruner, str):
        return pruner
    if pruner == "median":
        # prune from the first epoch on, once 3 trials have finished
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, reduction_factor=3)
    raise InvalidParameterError(f"unknown pruner '{pruner}'; valid pruners: {', '.join(PRUNERS)}")


def fixed_names(estimator: BaseEmbedder, fixed: Sequence[str] | None) -> set[str]:
    """The parameters a search must not vary: ``fixed`` when given, else those whose value
    differs from the estimator class's default (``Word2Vec(epochs=2)`` keeps ``epochs=2``)."""
    if fixed is not None:
        return set(fixed)
    defaults = type(estimator)().get_params()
    return {k for k, v in estimator.get_params().items() if k in defaults and repr(v) != repr(defaults[k])}


def without_fixed(space: Mapping[str, ParamSpec], estimator: BaseEmbedder, fixed: Sequence[str] | None,
                  *, default: bool, source: str = "space") -> dict[str, ParamSpec]:
    """``space`` minus the fixed parameters (see :func:`fixed_names`).

    A default space simply loses them; an explicit space that also names a parameter given in
    ``fixed`` is a contradiction and is refused. A default space left empty is refused too.
    """
    names = fixed_names(estimator, fixed)
    clash = sorted(n for n in names if n in space)
    if not default:
        if fixed is not None and clash:
            raise InvalidParameterError(
                f"{source}: [params.{clash[0]}] is searched but also fixed with --set {clash[0]}=...; "
                "remove one of them"
            )
        return dict(space)
    out = {k: ps for k, ps in space.items() if k not in names}
    if not out:
        raise InvalidParameterError(
            f"every parameter of {type(estimator).__name__}'s default search space is fixed "
            f"({', '.join(clash)}); leave one free or give a space file (--space)"
        )
    return out


def _grid_size(space: Mapping[str, ParamSpec]) -> int:
    return math.prod(len(grid_values(ps)) for ps in space.values())


# ----------------------------------------------------------------------------- progress
class _Watcher:
    """Logs one line per trial that finishes after it was created."""

    def __init__(self, study: optuna.Study) -> None:
        self.study = study
        self.seen = {t.number for t in finished_trials(study)}

    def emit(self, trial: Any) -> None:
        if trial.number in self.seen or not trial.state.is_finished():
            return
        self.seen.add(trial.number)
        logger.info(trial_line(trial))

    def poll(self) -> None:
        with contextlib.suppress(Exception):  # a busy storage must not stop the tune
            for t in finished_trials(self.study):
                self.emit(t)


# ----------------------------------------------------------------------------- the objective
def _better(study: optuna.Study, value: float) -> bool:
    if value != value:
        return False
    try:
        best = study.best_value
    except ValueError:
        return True
    return value >= best if study.direction.name == "MAXIMIZE" else value <= best


def _seen(study: optuna.Study, trial: optuna.Trial, params: Mapping[str, Any]) -> Any:
    """A finished (complete or pruned) trial with the same params, or None."""
    from optuna.trial import TrialState

    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)):
        if t.number != trial.number and t.params == params:
            return t
    return None


def _repeat(trial: optuna.Trial, seen: Any) -> Any:
    """Give ``trial`` the outcome of ``seen`` (same params) without training: its value, or pruned."""
    import optuna

    original = seen.user_attrs.get("duplicate_of", seen.number)
    trial.set_user_attr("duplicate_of", original)
    trial.set_user_attr("epochs_trained", 0)
    if seen.state.name == "PRUNED":
        for step, value in sorted(seen.intermediate_values.items()):
            trial.report(value, step)
        raise optuna.TrialPruned(f"same params as trial {original} (pruned); not trained again")
    for key in ("validation", "test", "terms", "train_seconds"):
        if key in seen.user_attrs:
            trial.set_user_attr(key, seen.user_attrs[key])
    return seen.values if len(seen.values) > 1 else seen.values[0]


def _make_objective(study: optuna.Study, ctx: TrialContext, vectors_dir: Path | None,
                    skip_duplicates: bool = True):
    import optuna

    def objective(trial: optuna.Trial) -> Any:
        params = suggest(trial, ctx.space)
        seen = _seen(study, trial, params) if skip_duplicates else None
        if seen is not None:
            return _repeat(trial, seen)

        def report(step: int, value: float) -> bool:
            trial.report(value, step)
            trial.set_user_attr("epochs_trained", step)
            return trial.should_prune()

        try:
            out = run_trial(ctx, params, report)
        except KeyboardInterrupt:  # Optuna stores it as failed; say what happened
            trial.set_user_attr("interrupted", True)
            raise
        except Pruned as exc:
            trial.set_user_attr("epochs_trained", exc.epoch)
            raise optuna.TrialPruned(str(exc)) from None
        except (TrainingError, DataError) as exc:  # this trial fails; the study goes on
            trial.set_user_attr("fail_reason", str(exc))
            logger.warning("trial %d failed: %s", trial.number, exc)
            raise
        for key, value in out.attrs.items():
            trial.set_user_attr(key, value)
        _keep_vectors(study, trial.number, out, vectors_dir)
        return out.values if ctx.objective.multi_objective else out.values[0]  # type: ignore[index]

    return objective


def _keep_vectors(study: optuna.Study, number: int, out: TrialOutcome, vectors_dir: Path | None) -> None:
    if vectors_dir is None or out.vectors is None or out.values is None:
        return
    if len(out.values) > 1 or _better(study, out.values[0]):
        save_trial_vectors(out.vectors, vectors_dir, number)


# ----------------------------------------------------------------------------- worker processes
def _worker_main(config_json: str, errors: Any) -> None:
    """Entry point of a ``--jobs`` worker process: optimise the shared study for its share."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        cfg = json.loads(config_json)
        ctx = TrialContext.from_config(cfg["trial"])
        storage = make_storage(cfg["storage"])
        space = ctx.space
        sampler = make_sampler(cfg["sampler"], space, cfg["seed"], ctx.objective.multi_objective)
        study = optuna.load_study(study_name=cfg["study_name"], storage=storage, sampler=sampler,
                                  pruner=make_pruner(cfg["pruner"]))
        vectors_dir = Path(cfg["vectors_dir"]) if cfg["vectors_dir"] else None
        study.optimize(
            _make_objective(study, ctx, vectors_dir, cfg.get("skip_duplicates", True)),
            n_trials=cfg["n_trials"],
            timeout=cfg["timeout"],
            catch=(TrainingError, DataError),
        )
    except KeyboardInterrupt:
        pass
    except EmbedlabError as exc:
        errors.put(str(exc))
    except Exception as exc:  # reported by the driver as a one-line error
        errors.put(f"{type(exc).__name__}: {exc}")
    finally:
        if "ctx" in locals():
            ctx.close()


def _run_processes(study: optuna.Study, ctx: TrialContext, n_trials: int | None, timeout: float | None,
                   n_jobs: int, storage_ref: str, sampler: Any, pruner: Any, seed: int | None,
                   vectors_dir: Path | None, watcher: _Watcher, skip_duplicates: bool = True) -> None:
    if not isinstance(sampler, str) or not (pruner is None or isinstance(pruner, (str, bool))):
        raise InvalidParameterError("n_jobs > 1 needs the sampler and pruner given by name")
    base = {
        "trial": ctx.config(),
        "storage": storage_ref,
        "study_name": study.study_name,
        "sampler": sampler,
        "pruner": pruner if isinstance(pruner, str) else "none",
        "timeout": timeout,
        "vectors_dir": str(vectors_dir) if vectors_dir else None,
        "skip_duplicates": skip_duplicates,
    }
    mp = multiprocessing.get_context("spawn")
    errors = mp.Queue()
    procs = []
    for k in range(n_jobs):
        share = None if n_trials is None else n_trials // n_jobs + (1 if k < n_trials % n_jobs else 0)
        if share == 0:
            continue
        cfg = dict(base, n_trials=share, seed=None if seed is None else seed + k)
        p = mp.Process(target=_worker_main, args=(json.dumps(cfg), errors), daemon=False)
        p.start()
        procs.append(p)
    try:
        while any(p.is_alive() for p in procs):
            watcher.poll()
            time.sleep(0.5)
    finally:
        for p in procs:
            p.join(timeout=60)
        watcher.poll()
    messages = []
    with contextlib.suppress(queue_mod.Empty, OSError, ValueError):
        while True:
            messages.append(errors.get(timeout=0.2))
    if messages:
        raise TrainingError(f"a tuning worker failed: {messages[0]}")


# ----------------------------------------------------------------------------- tune
def tune(
    estimator: BaseEmbedder,
    data: Any,
    objective: Objective | str | Sequence[str],
    space: Mapping[str, Any] | str | Path | None = None,
    n_trials: int | None = 20,
    timeout: float | None = None,
    storage: Any = None,
    study_name: str | None = None,
    n_jobs: int = 1,
    pruner: Any = "median",
    sampler: Any = "tpe",
    *,
    outdir: str | Path | None = None,
    dask: str | None = None,
    random_state: int | None = 0,
    validation_fraction: float = 0.5,
    split_seed: int = 0,
    pareto: Sequence[str] | None = None,
    callbacks: Sequence[Callable[[Any, Any], None]] | None = None,
    skip_duplicates: bool = True,
    fixed: Sequence[str] | None = None,
) -> TuneResult:
    """Search hyperparameters of ``estimator`` on ``data`` for the best ``objective``.

    Parameters
    ----------
    estimator:
        Any :class:`~embedlab.base.BaseEmbedder`; its current params are the fixed ones.
    data:
        What ``estimator.fit`` accepts (a corpus path for parallel or Dask trials).
    objective:
        An :class:`Objective` or evaluation spec(s) such as ``"similarity:wordsim353"``,
        ``["0.7*similarity:wordsim353", "0.3*analogy:google"]``.
    space:
        A dict (see :func:`~embedlab.tuning.space.make_space`), a TOML file, or None for the
        estimator's default space.
    n_trials, timeout:
        New trials to run in this call (None with a timeout: until the time is up), seconds.
    storage, study_name:
        An Optuna storage URL, a journal file path or a storage object; None means the journal
        file ``outdir/tune.journal`` (memory without ``outdir``). An existing study of that name is
        resumed; one with other directions or another objective is refused.
    n_jobs:
        Trials in parallel on this machine (worker processes sharing the storage).
    pruner, sampler:
        ``"median"``, ``"hyperband"``, ``"none"`` / ``"tpe"``, ``"random"``, ``"grid"`` (or Optuna objects).
    outdir:
        Folder for the journal, ``trials.csv``, ``best_params.json`` and ``best_vectors.npz``.
    dask:
        A Dask scheduler address or ``"local"`` (a LocalCluster on 127.0.0.1 with ``n_jobs`` workers).
    random_state:
        Seed of the sampler (trials' models keep the estimator's own ``random_state``).
    validation_fraction, split_seed, pareto:
        See :class:`Objective` (used when ``objective`` is not one already).
    callbacks:
        Optuna study callbacks ``f(study, frozen_trial)`` called after each trial (e.g. to
        ``study.stop()`` on a compute budget); trials in this process only (``n_jobs=1``, no Dask).
    skip_duplicates:
        A trial whose params equal those of a finished trial (TPE repeats points of discrete
        spaces) is not trained again: it gets that trial's value, or is pruned again, with 0
        epochs and ``duplicate_of`` set (in-process and ``n_jobs`` trials; not under Dask).
    fixed:
        Names of parameters held at the estimator's value (the CLI's ``--set``): never searched,
        recorded in ``best_params.json``. See :func:`fixed_names` for the rule without it.
    """
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1):
        raise InvalidParameterError(f"n_trials must be an int >= 1 (or None with a timeout); got {n_trials!r}")
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
        raise InvalidParameterError(f"timeout must be a positive number of seconds; got {timeout!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise InvalidParameterError(f"n_jobs must be an int >= 1; got {n_jobs!r}")
    if callbacks and (n_jobs > 1 or dask is not None):
        raise InvalidParameterError("callbacks run with in-process trials only (n_jobs=1, no Dask)")
    if not isinstance(estimator, BaseEmbedder):
        raise InvalidParameterError(f"estimator must be a BaseEmbedder; got {type(estimator).__name__}")
    estimator._validate_params()
    if not isinstance(objective, Objective):
        objective = Objective(objective, pareto=pareto, validation_fraction=validation_fraction,
                              split_seed=split_seed)
    if space is None:
        space_ = default_space(estimator)
    elif isinstance(space, (str, Path)):
        space_ = load_space(space, estimator)
    else:
        space_ = make_space(space, estimator)
    space_ = without_fixed(space_, estimator, fixed, default=space is None,
                           source=str(space) if isinstance(space, (str, Path)) else "space")
    if n_trials is None and timeout is None:
        if sampler != "grid":
            raise InvalidParameterError("give n_trials or a timeout")
        n_trials = _grid_size(space_)
    prune = not (pruner is None or pruner is False or pruner == "none") and not objective.multi_objective
    make_pruner(pruner)  # unknown names fail before any file is written
    sampler_obj = make_sampler(sampler, space_, random_state, objective.multi_objective)
    pruner_obj = make_pruner(pruner if prune else None)

    out_path = Path(outdir) if outdir is not None else None
    if out_path is not None:
        out_path.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory(prefix="embedlab-tune-")
    try:
        parallel = n_jobs > 1 and dask is None
        storage_obj = make_storage(storage, out_path)
        storage_ref = storage if isinstance(storage, (str, Path)) else None
        if storage is None and out_path is not None:
            storage_ref = str(out_path / "tune.journal")
        if parallel and storage_ref is None:
            if storage is not None:
                raise InvalidParameterError("n_jobs > 1 needs storage as a URL or a journal file path")
            storage_ref = str(Path(tmp.name) / "tune.journal")
            storage_obj = make_storage(storage_ref)
        label = describe_storage(storage_ref if storage_ref is not None else storage_obj)
        name = study_name or (getattr(estimator, "name", "") or type(estimator).__name__.lower())
        attrs = {
            "estimator": type(estimator).__name__,
            "objective": objective.label(),
            "objective_config": objective.config(),
            "space": space_to_dict(space_),
            "fixed_params": {k: v for k, v in estimator.get_params().items() if k not in space_
                             and k != "callbacks" and isinstance(v, (str, int, float, bool, type(None)))},
        }
        study = open_study(storage_obj, name, objective.directions, sampler_obj, pruner_obj, attrs, label)
        done = sum(1 for t in study.get_trials(deepcopy=False) if t.state.name in ("COMPLETE", "PRUNED"))
        if n_trials is not None and done:  # a resumed study continues to n_trials results in all
            logger.info("study '%s' has %d finished trial(s); running %d more to reach %d",
                        name, done, max(0, n_trials - done), n_trials)
            n_trials = max(0, n_trials - done)

        n_parallel = n_jobs
        threads = max(1, available_cores() // n_parallel)
        ctx = TrialContext(estimator, data, objective, space_, n_threads=threads, prune=prune)
        vectors_dir = (out_path / VECTORS_DIR) if out_path is not None else Path(tmp.name) / VECTORS_DIR
        watcher = _Watcher(study)
        logger.info(
            "tuning %s on %s: %s; space %s; study '%s' in %s; %s trial(s) in parallel, %d thread(s) each",
            type(estimator).__name__, data if isinstance(data, (str, Path)) else type(data).__name__,
            objective.label(), ", ".join(f"{k} {ps.describe()}" for k, ps in space_.items()),
            name, label, n_parallel, threads,
        )
        start = time.perf_counter()
        interrupted = False
        try:
            if n_trials == 0:
                pass  # every requested trial is finished already
            elif dask is not None:
                from .distributed import run_dask

                run_dask(study, ctx, n_trials, timeout, dask, n_jobs, vectors_dir, watcher)
            elif parallel:
                _run_processes(study, ctx, n_trials, timeout, n_jobs, str(storage_ref), sampler,
                               pruner if prune else "none", random_state, vectors_dir, watcher, skip_duplicates)
            else:
                study.optimize(
                    _make_objective(study, ctx, vectors_dir, skip_duplicates),
                    n_trials=n_trials,
                    timeout=timeout,
                    callbacks=[lambda s, t: watcher.emit(t), *(callbacks or [])],
                    catch=(TrainingError, DataError),
                )
        except KeyboardInterrupt:
            interrupted = True
            logger.warning("interrupted: finished trials are kept in %s; resume with study '%s'", label, name)
        return _finish(study, vectors_dir, out_path, time.perf_counter() - start, interrupted, label)
    finally:
        if "ctx" in locals():
            ctx.close()
        tmp.cleanup()


def _finish(study: optuna.Study, vectors_dir: Path, out_path: Path | None, wall: float,
            interrupted: bool, label: str) -> TuneResult:
    from optuna.trial import TrialState

    trials = finished_trials(study)
    result = TuneResult(
        study=study,
        best_params={},
        best_value=None,
        best_test_value=None,
        best_trial=None,
        best_vectors=None,
        n_complete=sum(t.state == TrialState.COMPLETE for t in trials),
        n_pruned=sum(t.state == TrialState.PRUNED for t in trials),
        n_failed=sum(state_name(t) == "fail" for t in trials),
        n_interrupted=sum(state_name(t) == "interrupted" for t in trials),
        epochs_trained=epochs_of(trials),
        wall_seconds=wall,
        interrupted=interrupted,
        storage=label,
    )
    if not result.n_complete and result.n_failed and not interrupted:
        reasons = [t.user_attrs.get("fail_reason", "") for t in trials if state_name(t) == "fail"]
        reason = next((r for r in reasons if r), "see the log")
        raise TrainingError(f"all {result.n_failed} trial(s) failed; first reason: {reason.splitlines()[0]}")
    if result.n_complete:
        if len(study.directions) == 1:
            best = study.best_trial
            if "duplicate_of" in best.user_attrs:  # the trial that trained (and kept) the vectors
                best = study.trials[best.user_attrs["duplicate_of"]]
            result.best_trials = [best]
        else:
            result.best_trials = [t for t in study.best_trials if "duplicate_of" not in t.user_attrs]
            sign = 1 if study.directions[0].name == "MAXIMIZE" else -1
            best = max(result.best_trials, key=lambda t: sign * t.values[0])
        result.best_trial = best.number
        result.best_params = dict(best.params)
        result.best_value = best.user_attrs.get("validation", best.values[0])
        result.best_test_value = best.user_attrs.get("test")
        result.best_vectors = _load_best_vectors(vectors_dir, best.number)
        keep = {t.number for t in result.best_trials}
        for f in vectors_dir.glob("trial-*.npz") if vectors_dir.is_dir() else []:
            with contextlib.suppress(ValueError, OSError):
                if int(f.stem.split("-")[1]) not in keep:
                    for extra in vectors_dir.glob(f.name + "*"):
                        extra.unlink()
    if out_path is not None:
        result.files["trials"] = write_trials_csv(study, out_path / "trials.csv")
        if result.best_trial is not None:
            params_path = out_path / "best_params.json"
            with atomic_open(params_path, "w") as fh:
                json.dump({"trial": result.best_trial, "validation": result.best_value,
                           "test": result.best_test_value, "params": result.best_params,
                           "fixed": study.user_attrs.get("fixed_params", {})}, fh, indent=2)
            result.files["best_params"] = params_path
            if result.best_vectors is not None:
                from ..vectors.io import save_vectors

                save_vectors(result.best_vectors, out_path / "best_vectors.npz", format="npz")
                result.files["best_vectors"] = out_path / "best_vectors.npz"
        if (out_path / "tune.journal").is_file():
            result.files["storage"] = out_path / "tune.journal"
    return result


def _load_best_vectors(vectors_dir: Path, number: int) -> Any:
    path = vectors_dir / f"trial-{number:05d}.npz"
    if not path.is_file():
        logger.warning("the vectors of best trial %d were not kept (it ran in another place)", number)
        return None
    from ..vectors.io import load_vectors

    kv = load_vectors(path, format="npz")
    # copy out of any memory map: the file may be removed with a temporary folder (in place, so
    # that subclasses such as RecommenderVectors keep their users)
    kv.vectors = kv.vectors.copy()
    kv.invalidate()
    return kv
