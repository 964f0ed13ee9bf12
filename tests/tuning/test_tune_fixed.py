"""``tune --set NAME=VALUE``: a fixed parameter is taken out of the search space (default or not)."""

from __future__ import annotations

import json

import optuna
import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.tuning.storage import make_storage
from embedlab.vectors.io import load_vectors


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_set_values_leave_the_default_space(tmp_path, corpus):
    out = tmp_path / "T"
    res = _invoke("tune", "word2vec", str(corpus), "--objective", "similarity:wordsim353", "--trials", "1",
                  "--set", "epochs=1", "--set", "vector_size=20", "--set", "n_threads=1", "--no-report",
                  "-o", str(out))
    assert res.exit_code == 0, res.output
    study = optuna.load_study(study_name="word2vec", storage=make_storage(out / "tune.journal"))
    trial = study.trials[0]
    assert "epochs" not in trial.params and "vector_size" not in trial.params
    assert "epochs" not in study.user_attrs["space"] and "vector_size" not in study.user_attrs["space"]
    assert trial.user_attrs["epochs_trained"] == 1
    assert load_vectors(out / "best_vectors.npz").vector_size == 20
    best = json.loads((out / "best_params.json").read_text())
    assert best["fixed"]["epochs"] == 1 and best["fixed"]["vector_size"] == 20
    assert "epochs" not in best["params"]


def test_set_contradicting_an_explicit_space_is_refused(tmp_path, corpus):
    space = tmp_path / "space.toml"
    space.write_text("[params.window]\nlow = 2\nhigh = 8\n")
    out = tmp_path / "T"
    res = _invoke("tune", "word2vec", str(corpus), "--space", str(space), "--set", "window=3", "--trials", "1",
                  "-o", str(out))
    assert res.exit_code == 2
    assert "error: " in res.output and "[params.window] is searched but also fixed with --set window" in res.output
    assert not out.exists()  # refused before any folder was made


def test_python_api_keeps_non_default_params_out_of_the_default_space(corpus):
    from embedlab.models.word2vec import Word2Vec
    from embedlab.tuning.space import default_space
    from embedlab.tuning.study import without_fixed

    est = Word2Vec(epochs=2, vector_size=16)
    space = without_fixed(default_space(est), est, None, default=True)
    assert "epochs" not in space and "vector_size" not in space and "window" in space
    with pytest.raises(Exception, match="default search space is fixed"):
        without_fixed(default_space(est), est, list(default_space(est)), default=True)


def test_an_interrupted_trial_says_interrupted_and_an_empty_report_says_so(tmp_path, corpus):
    """Ctrl-C in the first trial: the trial is 'interrupted' (not 'failed') in the log line, the
    trials table, the summary and the report, which says that no trial completed."""
    from embedlab.models.word2vec import Word2Vec
    from embedlab.report.tuning_report import write_tuning_report
    from embedlab.tuning import tune
    from embedlab.tuning.results import summarize_study, trial_line

    def ctrl_c(epoch, elapsed, metrics):
        raise KeyboardInterrupt

    model = Word2Vec(vector_size=12, epochs=2, min_count=2, n_threads=1, random_state=0, show_progress=False,
                     callbacks=[ctrl_c])
    result = tune(model, corpus, "similarity:wordsim353", space={"window": (2, 8)}, n_trials=2, outdir=tmp_path)
    assert result.interrupted and result.n_interrupted == 1 and result.n_failed == 0
    assert "0 failed, 1 interrupted" in result.summary() and "no trial has completed yet" in result.summary()
    trial = result.study.trials[0]
    assert "interrupted" in trial_line(trial) and "fail" not in trial_line(trial)
    assert (tmp_path / "trials.csv").read_text().splitlines()[1].split(",")[1] == "interrupted"
    html = write_tuning_report(summarize_study(result.study), tmp_path / "r.html").read_text()
    assert "No trial has completed</b> (1 interrupted)" in html
