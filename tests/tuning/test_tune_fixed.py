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
