"""tune() in one process: outputs, pruning, interruption and resume, refusal of mismatched studies."""

from __future__ import annotations

import csv
import json
import logging
import re

import optuna
import pytest
from optuna.trial import TrialState

from embedlab.exceptions import InvalidParameterError
from embedlab.tuning import summarize_study, tune
from embedlab.tuning.storage import make_storage
from embedlab.vectors.io import load_vectors

OBJ = "similarity:wordsim353"


def test_tune_writes_best_vectors_trials_and_params(tmp_path, corpus, model, space, caplog):
    out = tmp_path / "out"
    log = logging.getLogger("embedlab.tuning")
    attach = not logging.getLogger("embedlab").propagate  # the CLI may have stopped propagation
    if attach:
        log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="embedlab.tuning"):
            res = tune(model, corpus, OBJ, space=space, n_trials=4, outdir=out, pruner="none")
    finally:
        if attach:
            log.removeHandler(caplog.handler)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("trial ")]
    assert len(lines) == 4  # one live line per finished trial: number, state, score, epochs, time, params
    assert re.match(r"trial +0 complete +value -?\d\.\d{4} +\(test -?\d\.\d{4}\) +epochs 3 +\d+\.\ds +window=\d+ alpha=", lines[0])
    assert res.n_complete == 4 and res.best_trial is not None
    values = {t.number: t.value for t in res.study.trials}
    best = max(values, key=values.get)
    assert res.best_trial == best and res.best_value == pytest.approx(values[best])
    assert res.best_test_value is not None and -1 <= res.best_test_value <= 1
    # the saved vectors are the best trial's: re-scoring them gives its validation score again
    kv = load_vectors(out / "best_vectors.npz")
    assert kv.vectors.shape == res.best_vectors.vectors.shape
    from embedlab.tuning.objective import Objective

    assert Objective(OBJ).score(kv).validation == pytest.approx(res.best_value, abs=1e-6)
    rows = list(csv.DictReader(open(out / "trials.csv", encoding="utf-8")))
    assert [int(r["number"]) for r in rows] == [0, 1, 2, 3]
    assert {"window", "alpha", "negative", "value", "test", "epochs_trained"} <= set(rows[0])
    assert json.loads((out / "best_params.json").read_text())["params"] == res.best_params
    assert sorted(p.name for p in (out / "trial_vectors").iterdir()) == [f"trial-{best:05d}.npz"]


def test_pruning_stops_bad_trials_early(tmp_path, corpus, model, space):
    model.set_params(epochs=4)
    res = tune(model, corpus, OBJ, space=space, n_trials=10, pruner="median", random_state=1)
    pruned = [t for t in res.study.trials if t.state == TrialState.PRUNED]
    assert pruned, "the median pruner pruned no trial"
    for t in pruned:
        assert t.user_attrs["epochs_trained"] < 4
        assert max(t.intermediate_values) == t.user_attrs["epochs_trained"]
    complete = [t for t in res.study.trials if t.state == TrialState.COMPLETE]
    assert all(t.user_attrs["epochs_trained"] == 4 for t in complete)
    assert res.epochs_trained < 10 * 4
    assert res.n_pruned == len(pruned)
    summary = summarize_study(res.study)  # the report draws pruned trials as pruned
    assert {n for n, _, state in summary.history if state == "pruned"} == {t.number for t in pruned}
    assert [row[1] for row in summary.table_rows].count("pruned") == len(pruned)


def test_interrupted_tune_resumes_without_losing_trials(tmp_path, corpus, model, space):
    fits = {"n": 0}

    def ctrl_c_in_third_trial(epoch, elapsed, metrics):
        if epoch == 1:
            fits["n"] += 1
        if fits["n"] == 3:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    first = tune(model.set_params(callbacks=[ctrl_c_in_third_trial]), corpus, OBJ, space=space,
                 n_trials=5, outdir=out, study_name="s")
    assert first.interrupted and first.n_complete == 2
    before = {t.number: t.value for t in first.study.trials if t.state == TrialState.COMPLETE}
    model.set_params(callbacks=None)
    # the same command again continues to the 5 trials asked for (not 5 more)
    second = tune(model, corpus, OBJ, space=space, n_trials=5, outdir=out, study_name="s")
    assert not second.interrupted
    after = {t.number: t.value for t in second.study.trials if t.state == TrialState.COMPLETE}
    assert all(after[n] == v for n, v in before.items())
    states = [t.state for t in second.study.trials]
    assert states[2] == TrialState.FAIL  # the interrupted one is kept as failed
    assert sum(s in (TrialState.COMPLETE, TrialState.PRUNED) for s in states) == 5 and len(states) == 6
    third = tune(model, corpus, OBJ, space=space, n_trials=5, outdir=out, study_name="s")
    assert len(third.study.trials) == 6  # all 5 done: nothing more runs


def test_resuming_with_another_space_or_fixed_parameter_is_refused(tmp_path, corpus, model, space):
    tune(model, corpus, OBJ, space=space, n_trials=1, outdir=tmp_path, study_name="s", pruner="none")
    other = dict(space)
    name = sorted(other)[0]
    other.pop(name)
    with pytest.raises(InvalidParameterError, match=rf"created with another search space: {name} .*\(now absent\)"):
        tune(model, corpus, OBJ, space=other, n_trials=2, outdir=tmp_path, study_name="s")
    epochs = model.get_params()["epochs"]
    with pytest.raises(InvalidParameterError, match=rf"fixed parameters: epochs={epochs} \(now 1\)"):
        tune(model.set_params(epochs=1), corpus, OBJ, space=space, n_trials=2, outdir=tmp_path, study_name="s")
    model.set_params(epochs=epochs, n_threads=1)  # threads change speed, not results: fine
    res = tune(model, corpus, OBJ, space=space, n_trials=2, outdir=tmp_path, study_name="s", pruner="none")
    assert len(res.study.trials) == 2


def test_existing_study_with_other_direction_is_refused(tmp_path, corpus, model, space):
    path = tmp_path / "tune.journal"
    storage = make_storage(path)
    study = optuna.create_study(storage=storage, study_name="mine", direction="minimize")
    study.add_trial(optuna.trial.create_trial(value=1.0))
    with pytest.raises(InvalidParameterError, match=r"study 'mine' in .*tune\.journal exists with direction\(s\) minimize, not maximize"):
        tune(model, corpus, OBJ, space=space, n_trials=1, storage=path, study_name="mine")
    reloaded = optuna.load_study(study_name="mine", storage=make_storage(path))
    assert len(reloaded.trials) == 1 and reloaded.trials[0].value == 1.0


def test_another_objective_on_an_existing_study_is_refused(tmp_path, corpus, model, space):
    tune(model, corpus, OBJ, space=space, n_trials=1, outdir=tmp_path, study_name="s", pruner="none")
    with pytest.raises(InvalidParameterError, match=r"was created for objective 'similarity:wordsim353'"):
        tune(model, corpus, "similarity:simlex999", space=space, n_trials=1, outdir=tmp_path, study_name="s")


def test_pareto_front_and_grid(tmp_path, corpus, model):
    res = tune(model, corpus, OBJ, space={"vector_size": [8, 16], "window": [2, 5]}, n_trials=None,
               sampler="grid", pareto=["vector_size"], outdir=tmp_path)
    assert len(res.study.directions) == 2 and res.n_complete == 4  # the whole grid
    assert {(t.params["vector_size"], t.params["window"]) for t in res.study.trials} == {(8, 2), (8, 5), (16, 2), (16, 5)}
    front = {t.number for t in res.best_trials}
    assert front and front <= {t.number for t in res.study.trials}
    assert res.best_vectors is not None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_trials": 0}, "n_trials must be an int >= 1"),
        ({"n_jobs": 0}, "n_jobs must be an int >= 1"),
        ({"timeout": -1}, "timeout must be a positive number"),
        ({"callbacks": [print], "n_jobs": 2}, "callbacks run with in-process trials only"),
        ({"sampler": "bayes"}, "unknown sampler 'bayes'; valid samplers: tpe, random, grid"),
        ({"pruner": "early"}, "unknown pruner 'early'; valid pruners: median, hyperband, none"),
        ({"storage": "postgresql://nobody@127.0.0.1:1/none"}, r"cannot reach storage postgresql://nobody@127\.0\.0\.1:1/none"),
        ({"storage": "sqlite:////no/such/folder/x.db"}, r"cannot reach storage sqlite:////no/such/folder/x\.db"),
    ],
)
def test_bad_arguments(tmp_path, corpus, model, space, kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        tune(model, corpus, OBJ, space=space, **kwargs)


def test_current_vectors_follow_training(corpus, model):
    """The pruning hook: a callback sees the vectors of the epoch just finished."""
    seen = []
    model.set_params(epochs=2, callbacks=[lambda e, t, m: seen.append(model.current_vectors().vectors.copy())])
    model.fit(corpus)
    assert len(seen) == 2 and not (seen[0] == seen[1]).all()
    assert (seen[1] == model.vectors_.vectors).all()


def test_study_callbacks_can_stop_the_search(corpus, model, space):
    def stop_after_two(study, trial):
        if len(study.trials) >= 2:
            study.stop()

    model.set_params(epochs=1)
    res = tune(model, corpus, OBJ, space=space, n_trials=10, callbacks=[stop_after_two])
    assert len(res.study.trials) == 2
