"""Table embeddings (PCA / truncated SVD): class structure on real data, encodings, typed errors, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine

from embedlab.base import clone
from embedlab.exceptions import DataError, FormatError, InvalidParameterError
from embedlab.models import get_model
from embedlab.models.pca import TablePCA
from embedlab.vectors import KeyedVectors


@pytest.fixture(scope="module")
def wine() -> pd.DataFrame:
    data = load_wine(as_frame=True)
    frame = data.frame.rename(columns={"target": "label"})
    frame.insert(0, "name", [f"wine{i}" for i in range(len(frame))])
    frame["label"] = frame["label"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    return frame


def _knn_agreement(vectors: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    d = ((vectors[:, None, :] - vectors[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1)[:, :k]
    return float((labels[nn] == labels[:, None]).mean())


def test_rows_keep_class_structure(wine):
    """Measured: 5-NN label agreement 0.945 scaled, 0.68 unscaled (proline dominates)."""
    features = wine.drop(columns=["label"])
    labels = wine["label"].to_numpy()
    model = TablePCA(n_components=5, key="name").fit(features)
    kv = model.vectors_
    assert kv.index_to_key[:2] == ["wine0", "wine1"] and kv.vector_size == 5
    assert _knn_agreement(kv.vectors, labels) > 0.9
    unscaled = clone(model, scale=False).fit(features).vectors_
    assert _knn_agreement(unscaled.vectors, labels) < 0.8  # the scaling option does something
    ratio = kv.metadata["explained_variance_ratio"]
    assert len(ratio) == 5 and ratio == sorted(ratio, reverse=True)
    assert kv.metadata["explained_variance_ratio_total"] == pytest.approx(sum(ratio))
    assert np.allclose(model.explained_variance_ratio_, ratio)


def test_categorical_encodings_and_svd(wine):
    onehot = TablePCA(n_components=4, key="name", method="svd").fit(wine)
    assert {"label=barolo", "label=barbera", "label=grignolino"} <= set(onehot.feature_names_)
    freq = TablePCA(n_components=4, key="name", categorical="frequency").fit(wine)
    assert "label:frequency" in freq.feature_names_ and len(freq.feature_names_) == wine.shape[1] - 1
    # the label column now feeds the vectors: classes separate even better
    assert _knn_agreement(onehot.vectors_.vectors, wine["label"].to_numpy()) > 0.9


def test_reads_csv_parquet_npy_and_saves(wine, tmp_path):
    wine.to_csv(tmp_path / "w.csv", index=False)
    wine.to_parquet(tmp_path / "w.parquet")
    numeric = wine.drop(columns=["name", "label"]).to_numpy()
    np.save(tmp_path / "w.npy", numeric)
    a = TablePCA(n_components=3, key="name", random_state=0).fit(tmp_path / "w.csv").vectors_
    b = TablePCA(n_components=3, key="name", random_state=0).fit(str(tmp_path / "w.parquet")).vectors_
    c = TablePCA(n_components=3, random_state=0).fit(tmp_path / "w.npy").vectors_
    np.testing.assert_allclose(a.vectors, b.vectors, rtol=1e-5, atol=1e-5)
    assert c.index_to_key[:3] == ["0", "1", "2"] and c.vectors.shape == (len(wine), 3)
    a.save(tmp_path / "rows.npz")
    back = KeyedVectors.load(tmp_path / "rows.npz")
    assert back.metadata["method"] == "pca" and back.most_similar("wine0", topn=1)[0][0] == a.most_similar("wine0", topn=1)[0][0]


def test_missing_values_are_named_or_imputed(wine):
    frame = wine.copy()
    frame.loc[7, "alcohol"] = np.nan
    with pytest.raises(DataError, match="column 'alcohol' at row 7 .*impute='mean'\\|'median'\\|'drop'"):
        TablePCA(key="name").fit(frame)
    mean = TablePCA(key="name", impute="mean").fit(frame).vectors_
    dropped = TablePCA(key="name", impute="drop").fit(frame).vectors_
    assert len(mean) == len(wine) and "wine7" not in dropped and len(dropped) == len(wine) - 1


def test_bad_tables_get_typed_one_line_errors(wine, tmp_path):
    dup = wine.copy()
    dup.loc[9, "name"] = "wine4"
    with pytest.raises(DataError, match="duplicate key 'wine4' \\(rows 4 and 9\\)"):
        TablePCA(key="name").fit(dup)
    with pytest.raises(InvalidParameterError, match="key column 'nope' not found; columns: name, alcohol"):
        TablePCA(key="nope").fit(wine)
    with pytest.raises(DataError, match="no numeric or categorical columns to embed"):
        TablePCA(key="name").fit(wine[["name"]])
    with pytest.raises(InvalidParameterError, match="n_components=20 is too large for a 178 x 13"):
        TablePCA(n_components=20, key="name").fit(wine.drop(columns=["label"]))
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(FormatError, match="unknown table format '.xlsx'"):
        TablePCA().fit(tmp_path / "t.xlsx")
    np.save(tmp_path / "v.npy", np.arange(5.0))
    with pytest.raises(FormatError, match="expected a 2-D array"):
        TablePCA().fit(tmp_path / "v.npy")
    with pytest.raises(InvalidParameterError, match="'method' must be one of 'pca', 'svd'"):
        TablePCA(method="ica").fit(wine)
    assert get_model("pca") is TablePCA


def test_cli_train_pca(wine, tmp_path):
    from typer.testing import CliRunner

    from embedlab.cli.app import app

    wine.to_csv(tmp_path / "w.csv", index=False)
    out = tmp_path / "rows.vec"
    ok = CliRunner().invoke(app, ["train", "pca", str(tmp_path / "w.csv"), "-o", str(out), "--key", "name", "-d", "4"])
    assert ok.exit_code == 0, ok.output
    assert out.read_text().splitlines()[0] == f"{len(wine)} 4"
    frame = wine.copy()
    frame.loc[3, "hue"] = np.nan
    frame.to_csv(tmp_path / "nan.csv", index=False)
    bad = CliRunner().invoke(app, ["train", "pca", str(tmp_path / "nan.csv"), "-o", str(tmp_path / "x.vec")])
    assert bad.exit_code == 2 and "column 'hue' at row 3" in bad.output and "--impute" in bad.output
    assert not (tmp_path / "x.vec").exists()
