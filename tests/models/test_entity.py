"""EntityEmbedder: known-answer table, palmerpenguins, save, bad input (needs the torch extra)."""

from __future__ import annotations

import json

import re

import numpy as np
import pytest

pytest.importorskip("torch", reason="entity embeddings need the torch extra: pip install 'embedlab[torch]'")
pd = pytest.importorskip("pandas", reason="pandas is not installed: pip install 'embedlab[methods]'")

from embedlab.exceptions import DataError, InvalidParameterError  # noqa: E402
from embedlab.models.entity import UNKNOWN, EntityEmbedder, default_embedding_size  # noqa: E402
from embedlab.vectors import KeyedVectors  # noqa: E402
from embedlab.vectors.io import load_vectors  # noqa: E402

QUIET = dict(show_progress=False, n_threads=1, random_state=0)


@pytest.fixture(scope="module")
def synthetic():
    """Target = effect of the city (two groups of cities with the same effect) + noise."""
    rng = np.random.default_rng(0)
    effect = {"a": 10.0, "b": 10.0, "c": -10.0, "d": -10.0, "e": 0.0}
    city = rng.choice(sorted(effect), size=3000)
    x = rng.normal(size=3000)
    y = np.array([effect[c] for c in city]) + 2.0 * x + rng.normal(scale=0.5, size=3000)
    return pd.DataFrame({"city": city, "x": x, "y": y})


def test_learns_categories_with_equal_effects_close_together(synthetic):
    # a linear head on a 1-D embedding: each city's vector must be proportional to its effect
    model = EntityEmbedder(target="y", epochs=60, lr=2e-2, patience=8, embedding_sizes={"city": 1}, hidden=(),
                           dropout=0.0, **QUIET)
    model.fit(synthetic)
    assert model.task_ == "regression" and model.categorical_ == ["city"] and model.numeric_ == ["x"]
    assert model.best_score_ < 1.5  # validation RMSE; noise std 0.5, target std ~8
    kv = model.column_vectors_["city"]
    assert isinstance(kv, KeyedVectors) and kv.vector_size == 1 and UNKNOWN in kv
    d = lambda a, b: float(np.linalg.norm(kv[a] - kv[b]))  # noqa: E731
    assert d("a", "b") < 0.1 * d("a", "c") and d("c", "d") < 0.1 * d("b", "d")
    assert d("a", "e") == pytest.approx(d("c", "e"), rel=0.1)  # e (effect 0) halfway
    pred = model.predict(synthetic.head(200))
    assert np.sqrt(np.mean((pred - synthetic.y.head(200).to_numpy()) ** 2)) < 1.5
    feats = model.transform(synthetic.head(5))
    assert feats.shape == (5, 1)
    np.testing.assert_array_equal(feats[0], kv[synthetic.city[0]])


def test_penguins_classification_and_size_rule(tmp_path):
    pp = pytest.importorskip("palmerpenguins")
    df = pp.load_penguins()
    model = EntityEmbedder(target="species", epochs=60, lr=1e-2, patience=8, **QUIET).fit(df)
    assert model.task_ == "classification" and sorted(model.classes_) == ["Adelie", "Chinstrap", "Gentoo"]
    assert model.best_score_ > 0.9  # validation accuracy
    for col in model.categorical_:
        card = df[col].nunique()
        assert model.column_vectors_[col].vectors.shape == (card + 1, default_embedding_size(card))
    files = model.save(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["entity.json", "island.npz", "sex.npz",
                                                                     "weights.npz"]
    back = load_vectors(files["island"])
    np.testing.assert_array_equal(back.vectors, model.column_vectors_["island"].vectors)
    doc = json.loads(files["model"].read_text())
    assert doc["task"] == "classification" and doc["categories"]["island"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_same_seed_same_vectors(synthetic):
    a = EntityEmbedder(target="y", epochs=2, **QUIET).fit(synthetic)
    b = EntityEmbedder(target="y", epochs=2, **QUIET).fit(synthetic)
    np.testing.assert_array_equal(a.column_vectors_["city"].vectors, b.column_vectors_["city"].vectors)


def test_bad_tables(synthetic):
    with pytest.raises(DataError, match="no target column 'nope'"):
        EntityEmbedder(target="nope", **QUIET).fit(synthetic)
    with pytest.raises(DataError, match="target column 'city' is not numeric"):
        EntityEmbedder(target="city", task="regression", categorical=[], **QUIET).fit(synthetic)
    one = synthetic.assign(const="k")
    with pytest.raises(DataError, match="categorical column 'const' has a single value"):
        EntityEmbedder(target="y", categorical=["city", "const"], **QUIET).fit(one)
    ids = synthetic.assign(row=[f"r{i}" for i in range(len(synthetic))])
    with pytest.raises(DataError, match="categorical column 'row' has .* categories for .* training rows"):
        EntityEmbedder(target="y", categorical=["row"], **QUIET).fit(ids)
    with pytest.raises(DataError, match="no column"):
        EntityEmbedder(target="y", categorical=["town"], **QUIET).fit(synthetic)
    with pytest.raises(InvalidParameterError, match="embedding_sizes names non-categorical"):
        EntityEmbedder(target="y", embedding_sizes={"x": 3}, **QUIET).fit(synthetic)
    with pytest.raises(InvalidParameterError, match="'lr'"):
        EntityEmbedder(target="y", lr=0.0, **QUIET).fit(synthetic)


def test_cli_train_entity(tmp_path, synthetic):
    from typer.testing import CliRunner

    from embedlab.cli.app import app

    table = tmp_path / "t.csv"
    synthetic.to_csv(table, index=False)
    out = tmp_path / "emb"
    result = CliRunner().invoke(app, ["train", "entity", str(table), "--target", "y", "--categorical", "city",
                                      "-o", str(out), "--epochs", "3", "--threads", "1", "--seed", "1",
                                      "--no-progress"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert (out / "city.npz").is_file() and "city:" in result.stdout
    bad = CliRunner().invoke(app, ["train", "entity", str(table), "--target", "nope", "-o", str(tmp_path / "x")])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: table has no target column 'nope'")
    assert not (tmp_path / "x").exists()


def test_baseline_features_and_a_leaking_column_are_reported(tmp_path, synthetic):
    """A column that is the target plus a little noise (like dep_delay for arr_delay) is warned
    about; the summary names the features used and the training-mean baseline beside the score."""
    from typer.testing import CliRunner

    from embedlab.cli.app import app

    frame = synthetic.assign(y_soon=synthetic["y"] + np.random.default_rng(1).normal(scale=1.0, size=len(synthetic)))
    model = EntityEmbedder(target="y", epochs=2, **QUIET).fit(frame)
    assert model.features_ == ["city", "x", "y_soon"]
    assert list(model.leaky_columns_) == ["y_soon"] and "correlation +0.9" in model.leaky_columns_["y_soon"]
    y = frame["y"].to_numpy()
    assert abs(model.baseline_score_ - y.std()) < 0.1 * y.std()  # the mean predictor's RMSE ~ the target's sd
    assert model.best_score_ < model.baseline_score_
    clean = EntityEmbedder(target="y", numeric=["x"], epochs=1, **QUIET).fit(frame)
    assert clean.leaky_columns_ == {}
    table = tmp_path / "t.csv"
    frame.to_csv(table, index=False)
    result = CliRunner().invoke(app, ["train", "entity", str(table), "--target", "y", "-o", str(tmp_path / "e"),
                                      "--epochs", "2", "--threads", "1", "--seed", "1", "--no-progress"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert re.search(r"best validation rmse [\d.]+; training mean baseline [\d.]+, lower is better", flat), flat
    assert "features: city (embedded); x, y_soon (numeric)" in flat
    assert "warning: 'y_soon' nearly determines 'y' (correlation +0.9" in flat


def test_a_class_given_by_a_category_is_reported():
    rng = np.random.default_rng(0)
    kind = rng.choice(["p", "q", "r"], size=400)
    label = np.where(kind == "r", "no", "yes")
    frame = pd.DataFrame({"kind": kind, "noise": rng.choice(list("abcdef"), size=400), "label": label})
    model = EntityEmbedder(target="label", epochs=1, **QUIET).fit(frame)
    assert list(model.leaky_columns_) == ["kind"]
    counts = pd.Series(label).value_counts()
    assert abs(model.baseline_score_ - counts.max() / counts.sum()) < 0.1
