"""``embedlab tune METHOD CORPUS`` and ``embedlab tune-report STORAGE``."""

from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import InputFileError, InvalidParameterError
from ..tuning.space import parse_fixed
from . import _common as c

__all__ = ["register", "tune", "tune_report"]


class SamplerName(str, Enum):
    tpe = "tpe"
    random = "random"
    grid = "grid"


class PrunerName(str, Enum):
    median = "median"
    hyperband = "hyperband"


def tune(
    method: Annotated[str, typer.Argument(help="Method to tune (word2vec, fasttext, glove, ...).")],
    corpus: Annotated[list[Path], typer.Argument(help="Corpus file(s) or folder: one sentence per line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder: journal, trials.csv, best vectors, report.")],
    objective: Annotated[
        list[str] | None,
        typer.Option("--objective", help="KIND:NAME|FILE, e.g. similarity:wordsim353 or 0.7*analogy:google; repeat to combine."),
    ] = None,
    trials: Annotated[int, typer.Option("--trials", "-n", help="New trials to run.")] = 20,
    timeout: Annotated[float | None, typer.Option(help="Stop starting trials after this many seconds.")] = None,
    storage: Annotated[str | None, typer.Option(help="Optuna storage: sqlite:///f.db, postgresql://..., or a journal file (default OUTDIR/tune.journal).")] = None,
    study: Annotated[str | None, typer.Option(help="Study name; an existing study is resumed.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Trials in parallel on this machine (worker processes).")] = 1,
    space: Annotated[Path | None, typer.Option(help="TOML search space: [params.window] low = 2 high = 10 ...")] = None,
    sampler: Annotated[SamplerName, typer.Option(help="Optuna sampler.")] = SamplerName.tpe,
    prune: Annotated[bool, typer.Option("--prune/--no-prune", help="Stop bad trials early (per-epoch reports).")] = True,
    pruner: Annotated[PrunerName, typer.Option(help="Pruner when pruning.")] = PrunerName.median,
    pareto: Annotated[
        list[str] | None, typer.Option(help="Also minimise vector_size or time (Pareto front); repeatable.")
    ] = None,
    dask: Annotated[str | None, typer.Option(help="Run trials on a Dask cluster: scheduler ADDRESS or 'local'.")] = None,
    validation_fraction: Annotated[
        float, typer.Option(help="Share of each dataset's items used for tuning; the rest is the test part.")
    ] = 0.5,
    split_seed: Annotated[int, typer.Option(help="Seed of the validation/test split.")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the sampler and of every trial's model.")] = 0,
    fixed: Annotated[
        list[str] | None, typer.Option("--set", help="Fix a hyperparameter: NAME=VALUE (e.g. --set epochs=3); repeatable.")
    ] = None,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write OUTDIR/report.html.")] = True,
) -> None:
    """Search hyperparameters with Optuna (TPE + pruning); OUTDIR gets the best vectors, trials.csv and a report."""
    from ..models import get_model
    from ..report.tuning_report import write_tuning_report
    from ..tuning.results import summarize_study
    from ..tuning.study import tune as run_tune

    if trials < 1:
        raise InvalidParameterError(f"--trials must be >= 1; got {trials}")
    if jobs < 1:
        raise InvalidParameterError(f"--jobs must be >= 1; got {jobs}")
    cls = get_model(method)
    params = parse_fixed(fixed)
    estimator = cls()
    if "random_state" in estimator.get_params() and "random_state" not in params:
        params["random_state"] = seed
    with c.cli_option_names(estimator.get_params(), style="set"):
        estimator.set_params(**params)
        estimator._validate_params()
    for p in corpus:
        c.check_input_path(p)
    c.check_output_folder(output)
    _quiet_optuna()
    logging.getLogger("embedlab.tuning").setLevel(logging.INFO)
    data: Any = str(corpus[0]) if len(corpus) == 1 else [str(p) for p in corpus]
    with c.output_folder(output):
        result = run_tune(
            estimator, data, objective or ["similarity:wordsim353"], space=space, n_trials=trials,
            timeout=timeout, storage=storage, study_name=study, n_jobs=jobs,
            pruner=pruner.value if prune else "none", sampler=sampler.value, outdir=output, dask=dask,
            random_state=seed, validation_fraction=validation_fraction, split_seed=split_seed, pareto=pareto,
            fixed=sorted(params),
        )
    if report:
        result.files["report"] = write_tuning_report(summarize_study(result.study), output / "report.html")
    typer.echo(result.summary())
    for name, path in result.files.items():
        typer.echo(f"{name}: {path}")
    if result.interrupted:
        raise c.fail(
            f"interrupted; finished trials are kept; resume with --study {result.study.study_name}"
            + (f" --storage {storage}" if storage else f" -o {output}"),
            c.EXIT_INTERRUPTED,
        )


def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


def tune_report(
    storage: Annotated[str, typer.Argument(help="Storage of the study: journal file, sqlite:///..., postgresql://...")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML report to write.")],
    study: Annotated[str | None, typer.Option(help="Study name (optional when the storage holds one study).")] = None,
) -> None:
    """Rebuild the HTML tuning report from a stored study."""
    import optuna

    from ..report.tuning_report import write_tuning_report
    from ..tuning.results import summarize_study
    from ..tuning.storage import describe_storage, make_storage

    _quiet_optuna()
    if "://" not in storage and not Path(storage).is_file():
        raise InputFileError(f"{storage}: no such journal file")
    c.check_output_path(output)
    store = make_storage(storage)
    names = [s.study_name for s in optuna.get_all_study_summaries(store, include_best_trial=False)]
    if study is None:
        if len(names) != 1:
            raise InvalidParameterError(
                f"{describe_storage(storage)} holds {len(names)} studies ({', '.join(names) or 'none'}); choose one with --study"
            )
        study = names[0]
    elif study not in names:
        raise InvalidParameterError(
            f"no study '{study}' in {describe_storage(storage)}; studies there: {', '.join(names) or 'none'}"
        )
    loaded = optuna.load_study(study_name=study, storage=store)
    path = write_tuning_report(summarize_study(loaded), output)
    typer.echo(f"report: {path}")


def register(app: typer.Typer) -> None:
    app.command("tune")(tune)
    app.command("tune-report")(tune_report)
