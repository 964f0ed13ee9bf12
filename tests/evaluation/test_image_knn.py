"""image-knn: k-NN votes, average precision and recall@k against brute-force oracles; both
protocols (leave-one-out, train/test split); through make_evaluator and the CLI."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="image-knn needs scikit-learn: pip install 'embedlab[images]'")

from sklearn.metrics import average_precision_score  # noqa: E402

from embedlab.evaluation import make_evaluator  # noqa: E402
from embedlab.evaluation.images import ImageKNN, knn_and_retrieval  # noqa: E402
from embedlab.exceptions import DataError  # noqa: E402
from embedlab.vectors import KeyedVectors  # noqa: E402


def _oracle(q, ql, g, gl, k, self_rows):
    """One query at a time, as the definitions say."""
    cos = lambda a, b: a @ b / (np.linalg.norm(a) * np.linalg.norm(b))  # noqa: E731
    out = {"y_pred": [], "ap": [], "recall@1": [], "recall@3": []}
    for i in range(len(q)):
        cand = [j for j in range(len(g)) if not (self_rows and j == i)]
        sims = np.array([cos(q[i], g[j]) for j in cand])
        order = np.argsort(-sims, kind="stable")
        labs = np.array([gl[cand[j]] for j in order])
        top = order[:k]
        votes = {}
        for j in top:
            c, s = votes.get(gl[cand[j]], (0, 0.0))
            votes[gl[cand[j]]] = (c + 1, s + sims[j])
        out["y_pred"].append(max(votes, key=lambda lab: votes[lab]))
        rel = (np.array([gl[c] for c in cand]) == ql[i]).astype(int)
        out["ap"].append(average_precision_score(rel, sims) if rel.any() else 0.0)
        out["recall@1"].append(float((labs[:1] == ql[i]).any()))
        out["recall@3"].append(float((labs[:3] == ql[i]).any()))
    return {k: np.asarray(v) for k, v in out.items()}


@pytest.mark.parametrize("self_rows", [True, False])
def test_knn_and_retrieval_match_the_oracle(self_rows):
    rng = np.random.default_rng(3)
    g = rng.normal(size=(40, 5))
    gl = rng.integers(0, 3, 40)
    q, ql = (g, gl) if self_rows else (rng.normal(size=(15, 5)), rng.integers(0, 3, 15))
    got = knn_and_retrieval(q, ql, g, gl, k=4, recall_ks=(1, 3), exclude_self=self_rows)
    want = _oracle(q, ql, g, gl, 4, self_rows)
    np.testing.assert_array_equal(got["y_pred"], want["y_pred"])
    np.testing.assert_allclose(got["ap"], want["ap"], rtol=1e-5)
    np.testing.assert_array_equal(got["recall@1"], want["recall@1"])
    np.testing.assert_array_equal(got["recall@3"], want["recall@3"])


def _clusters(n=20, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.repeat(["a", "b", "c"], n)
    centres = {"a": [5, 0, 0], "b": [0, 5, 0], "c": [0, 0, 5]}
    x = np.array([centres[lab] for lab in labels]) + rng.normal(size=(3 * n, 3))
    keys = [f"{lab}/{i}.png" for i, lab in enumerate(labels)]
    return KeyedVectors(keys, x.astype(np.float32)), keys, labels


def test_separated_clusters_score_one_and_noise_scores_chance(tmp_path):
    kv, keys, labels = _clusters()
    table = tmp_path / "labels.csv"
    table.write_text("key,label\n" + "".join(f"{k},{lab}\n" for k, lab in zip(keys, labels)))
    res = make_evaluator(f"image-knn:{table}").evaluate(kv)
    assert res.name == "image-knn:labels.csv" and res.primary_metric == "accuracy" and res.greater_is_better
    assert res.metrics["accuracy"] == 1.0 and res.metrics["map"] == pytest.approx(1.0)
    assert res.metrics["recall@1"] == 1.0 and res.details["protocol"] == "leave-one-out" and res.n == 60
    assert res.details["ci"]["accuracy"][0] > 0.9 and res.details["baseline"]["metrics"]["accuracy"] < 0.5
    noise = KeyedVectors(keys, np.random.default_rng(1).normal(size=(60, 3)).astype(np.float32))
    low = ImageKNN(table, n_boot=200).evaluate(noise)
    assert low.metrics["accuracy"] < 0.6 and low.metrics["map"] < 0.6


def test_split_column_queries_test_against_train_and_missing_keys_lower_coverage(tmp_path):
    kv, keys, labels = _clusters()
    rows = [f"{k},{lab},{'test' if i % 4 == 0 else 'train'}\n" for i, (k, lab) in enumerate(zip(keys, labels))]
    rows.append("gone.png,a,test\n")
    (tmp_path / "split.tsv").write_text("".join(rows).replace(",", "\t"))
    res = ImageKNN(tmp_path / "split.tsv", n_boot=100).evaluate(kv)
    assert res.details["protocol"] == "train/test" and res.details["n_gallery"] == 45 and res.n == 15
    assert res.coverage == pytest.approx(15 / 16) and any("1 labelled key(s) have no vector" in w for w in res.details["warnings"])
    with pytest.raises(DataError, match="no labelled key has a vector"):
        ImageKNN(tmp_path / "split.tsv").evaluate(KeyedVectors(["x", "y"], np.eye(2, dtype=np.float32)))


def test_labels_from_an_image_folder_and_the_cli(tmp_path):
    from typer.testing import CliRunner

    from embedlab.cli.app import app
    from embedlab.vectors.io import save_vectors

    kv, keys, labels = _clusters()
    for k in keys:
        (tmp_path / "imgs" / k).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "imgs" / k).write_bytes(b"")  # labels come from folder names; nothing is decoded
    assert ImageKNN(tmp_path / "imgs", n_boot=50).evaluate(kv).metrics["accuracy"] == 1.0
    save_vectors(kv, tmp_path / "v.npz")
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "v.npz"), "-e", f"image-knn:{tmp_path / 'imgs'}"])
    assert result.exit_code == 0, result.output
    assert "image-knn:imgs" in result.output and "accuracy" in result.output
