"""Trial records: progress lines, the trials table (CSV), the best trial's summary, importances.

Everything the tuning report shows is computed here (the report only renders it).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._fileio import atomic_open

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from ..vectors import KeyedVectors

__all__ = [
    "TuneResult",
    "StudySummary",
    "trial_line",
    "trials_rows",
    "write_trials_csv",
    "summarize_study",
    "finished_trials",
    "state_name",
]


def finished_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Complete, pruned and failed trials, in number order."""
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL))


def state_name(trial: FrozenTrial) -> str:
    """``complete``, ``pruned``, ``fail`` or ``interrupted`` (a trial stopped by Ctrl-C, which
    Optuna stores as failed; the tuner marks it with the ``interrupted`` user attribute)."""
    if trial.state.name == "FAIL" and trial.user_attrs.get("interrupted"):
        return "interrupted"
    return trial.state.name.lower()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def trial_line(trial: FrozenTrial) -> str:
    """One progress line: number, state, score (and test), epochs, elapsed, params."""
    state = state_name(trial)
    epochs = trial.user_attrs.get("epochs_trained")
    seconds = trial.duration.total_seconds() if trial.duration is not None else float("nan")
    parts = [f"trial {trial.number:>3} {state:<11}"]
    if trial.state.name == "PRUNED" and trial.intermediate_values:
        step = max(trial.intermediate_values)
        parts.append(f"value {trial.intermediate_values[step]:.4f} at epoch {step}")
    elif trial.values is not None:
        parts.append("value " + ", ".join(f"{v:.4f}" for v in trial.values))
        test = trial.user_attrs.get("test")
        if test is not None:
            parts.append(f"(test {test:.4f})")
        if epochs is not None:
            parts.append(f"epochs {epochs}")
    parts.append(f"{seconds:.1f}s")
    parts.append(" ".join(f"{k}={_fmt(v)}" for k, v in trial.params.items()))
    return "  ".join(parts)


def trials_rows(study: optuna.Study) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the trials table (one row per finished trial)."""
    trials = finished_trials(study)
    names = sorted({k for t in trials for k in t.params})
    n_values = len(study.directions)
    value_cols = ["value"] if n_values == 1 else [f"value_{i}" for i in range(n_values)]
    header = ["number", "state", *value_cols, "test", "epochs_trained", "seconds", *names]
    rows = []
    for t in trials:
        values = list(t.values) if t.values is not None else [None] * n_values
        seconds = round(t.duration.total_seconds(), 3) if t.duration is not None else None
        rows.append([
            t.number,
            state_name(t),
            *values,
            t.user_attrs.get("test"),
            t.user_attrs.get("epochs_trained"),
            seconds,
            *(t.params.get(n) for n in names),
        ])
    return header, rows


def write_trials_csv(study: optuna.Study, path: str | Path) -> Path:
    """Write the trials table as CSV (atomically)."""
    header, rows = trials_rows(study)
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return Path(path)


@dataclass
class TuneResult:
    """Outcome of :func:`embedlab.tuning.tune`.

    ``best_value`` is the best trial's validation score and ``best_test_value`` its score on the
    held-out test items (None without a split). For a Pareto study, ``best_trials`` is the front
    and ``best_*`` describe its member with the best first objective.
    """

    study: optuna.Study
    best_params: dict[str, Any]
    best_value: float | None
    best_test_value: float | None
    best_trial: int | None
    best_vectors: KeyedVectors | None
    best_trials: list[FrozenTrial] = field(default_factory=list)
    n_complete: int = 0
    n_pruned: int = 0
    n_failed: int = 0
    n_interrupted: int = 0
    epochs_trained: int = 0
    wall_seconds: float = 0.0
    interrupted: bool = False
    storage: str = "memory"
    files: dict[str, Path] = field(default_factory=dict)

    def summary(self) -> str:
        """A short multi-line text for terminals and logs."""
        lines = [
            f"study '{self.study.study_name}' ({self.storage}): {self.n_complete} complete, "
            f"{self.n_pruned} pruned, {self.n_failed} failed"
            + (f", {self.n_interrupted} interrupted" if self.n_interrupted else "")
            + f"; {self.epochs_trained} epochs trained",
        ]
        if not self.n_complete:
            lines.append("no trial has completed yet: there are no best parameters or vectors")
        if self.best_trial is not None:
            test = "" if self.best_test_value is None else f", test {self.best_test_value:.4f}"
            lines.append(f"best trial {self.best_trial}: validation {self.best_value:.4f}{test}")
            lines.append("best params: " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.best_params.items()))
        if len(self.best_trials) > 1:
            lines.append(f"Pareto front: trials {', '.join(str(t.number) for t in self.best_trials)}")
        return "\n".join(lines)


@dataclass
class StudySummary:
    """What the tuning report shows (computed from a study; the report only renders it)."""

    study_name: str
    directions: list[str]
    attrs: dict[str, Any]
    best: dict[str, Any] | None
    pareto: list[dict[str, Any]]
    importances: dict[str, float] | None
    importance_method: str
    importance_note: str
    history: list[tuple[int, float, str]]
    slices: dict[str, list[tuple[Any, float, str]]]
    table_header: list[str]
    table_rows: list[list[Any]]
    counts: dict[str, int]
    split_note: list[dict[str, Any]]
    importance_cis: dict[str, list[float]] = field(default_factory=dict)  # bootstrap 95% CI over trials
    importance_trials: int = 0  # complete trials the importances were estimated from


# Fewer complete trials than this: the importances come with a caveat in the report.
FEW_TRIALS = 20
IMPORTANCE_BOOT = 20


def _importance_cis(study: optuna.Study, complete: list[FrozenTrial], make_evaluator: Any, target: Any,
                    n_boot: int = IMPORTANCE_BOOT, seed: int = 0) -> dict[str, list[float]]:
    """Bootstrap 95% CIs of the importances: resample the complete trials, re-estimate, percentiles."""
    import numpy as np
    import optuna

    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(n_boot):
        picked = [complete[i] for i in rng.integers(0, len(complete), len(complete))]
        boot = optuna.create_study(directions=study.directions)
        boot.add_trials(picked)
        try:
            imp = optuna.importance.get_param_importances(boot, evaluator=make_evaluator(), target=target)
        except (ValueError, RuntimeError, ZeroDivisionError):  # a resample without variation
            continue
        for k in {k for t in complete for k in t.params}:
            samples.setdefault(k, []).append(float(imp.get(k, 0.0)))
    return {k: [float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))] for k, v in samples.items() if len(v) >= 5}


def _importances(study: optuna.Study) -> tuple[dict[str, float] | None, str, str, dict[str, list[float]]]:
    import optuna
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    varied = {k for t in complete for k in t.params if len({repr(u.params.get(k)) for u in complete}) > 1}
    if len(complete) < 3 or not varied:
        return None, "", "needs at least 3 complete trials with varied parameters", {}
    try:
        import sklearn  # noqa: F401 - fANOVA's random forest

        def make_evaluator() -> Any:
            return optuna.importance.FanovaImportanceEvaluator(seed=0)

        method = "fANOVA"
    except ImportError:
        def make_evaluator() -> Any:
            return optuna.importance.PedAnovaImportanceEvaluator()

        method = "PED-ANOVA"
    target = None if len(study.directions) == 1 else (lambda t: t.values[0])
    try:
        imp = optuna.importance.get_param_importances(study, evaluator=make_evaluator(), target=target)
    except (ValueError, RuntimeError) as exc:
        return None, method, f"could not be computed: {exc}", {}
    cis = _importance_cis(study, complete, make_evaluator, target)
    note = ""
    if len(complete) < FEW_TRIALS:
        note = (f"estimated from only {len(complete)} complete trials: a rough indication, not a ranking "
                f"(the 95% intervals resample the trials; {FEW_TRIALS}+ trials give steadier estimates)")
    return {k: float(v) for k, v in imp.items()}, method, note, cis


def summarize_study(study: optuna.Study) -> StudySummary:
    """Collect best params, importances, history, slices, trials table and split note."""
    from optuna.trial import TrialState

    trials = finished_trials(study)
    complete = [t for t in trials if t.state == TrialState.COMPLETE and t.values is not None]
    counts = {s: sum(state_name(t) == s for t in trials) for s in ("complete", "pruned", "fail", "interrupted")}
    best: dict[str, Any] | None = None
    pareto: list[dict[str, Any]] = []
    if complete:
        if len(study.directions) == 1:
            b = study.best_trial
            best = _trial_dict(b)
        else:
            pareto = [_trial_dict(t) for t in study.best_trials]
            sign = 1 if study.directions[0].name == "MAXIMIZE" else -1
            best = max(pareto, key=lambda d: sign * d["values"][0]) if pareto else None
    history: list[tuple[int, float, str]] = []
    slices: dict[str, list[tuple[Any, float, str]]] = {}
    for t in trials:
        if t.state == TrialState.COMPLETE and t.values is not None:
            value, state = t.values[0], "complete"
        elif t.state == TrialState.PRUNED and t.intermediate_values:
            # Optuna stores the last reported value as a pruned trial's value
            value, state = t.intermediate_values[max(t.intermediate_values)], "pruned"
        else:
            continue
        if not math.isfinite(value):
            continue
        history.append((t.number, value, state))
        for k, v in t.params.items():
            slices.setdefault(k, []).append((v, value, state))
    importances, method, note, importance_cis = _importances(study)
    header, rows = trials_rows(study)
    attrs = dict(study.user_attrs)
    split_note = _split_note(attrs, best)
    return StudySummary(
        study_name=study.study_name,
        directions=[d.name.lower() for d in study.directions],
        attrs=attrs,
        best=best,
        pareto=pareto,
        importances=importances,
        importance_method=method,
        importance_note=note,
        history=history,
        slices=slices,
        table_header=header,
        table_rows=rows,
        counts=counts,
        split_note=split_note,
        importance_cis=importance_cis,
        importance_trials=len(complete),
    )


def _trial_dict(t: FrozenTrial) -> dict[str, Any]:
    return {
        "number": t.number,
        "values": list(t.values or []),
        "params": dict(t.params),
        "validation": t.user_attrs.get("validation"),
        "test": t.user_attrs.get("test"),
        "terms": t.user_attrs.get("terms", {}),
        "epochs_trained": t.user_attrs.get("epochs_trained"),
        "train_seconds": t.user_attrs.get("train_seconds"),
    }


def _split_note(attrs: dict[str, Any], best: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per objective term: items in validation and test parts (as seen by the best trial)."""
    config = attrs.get("objective_config", {})
    fraction = config.get("validation_fraction")
    seed = config.get("split_seed")
    terms = (best or {}).get("terms", {}) or {}
    notes = []
    for spec in config.get("specs", []):
        key = spec.split("*", 1)[1] if "*" in spec.split(":", 1)[0] else spec
        t = terms.get(key, {})
        notes.append({
            "objective": spec,
            "validation_fraction": fraction,
            "split_seed": seed,
            "n_validation": t.get("n_validation"),
            "n_test": t.get("n_test"),
            "coverage": t.get("coverage"),
            "validation": t.get("validation"),
            "test": t.get("test"),
        })
    return notes


def epochs_of(trials: Sequence[FrozenTrial]) -> int:
    """Total epochs trained by ``trials`` (pruned ones count the epochs they ran)."""
    return int(sum(t.user_attrs.get("epochs_trained", 0) or 0 for t in trials))
