"""Geometry diagnostics on constructed data whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.evaluation.geometry import (
    geometry_report,
    hubness,
    isotropy,
    knn_indices,
    nn_overlap,
    norm_stats,
    project_2d,
    spectrum,
)
from embedlab.exceptions import DataError, InvalidParameterError
from embedlab.vectors import KeyedVectors


def _kv(x, prefix="w"):
    return KeyedVectors([f"{prefix}{i}" for i in range(len(x))], np.asarray(x, dtype=np.float32))


def test_isotropic_gaussian_vs_anisotropic(seed):
    rng = np.random.default_rng(seed)
    iso = isotropy(_kv(rng.normal(size=(4000, 20))))
    aniso = isotropy(_kv(rng.normal(size=(4000, 20)) * np.linspace(0.1, 2.0, 20) + 3.0))
    assert iso["partition_ratio"] > 0.5
    assert aniso["partition_ratio"] < 1e-3
    assert abs(iso["mean_cosine"]) < 0.02
    assert aniso["mean_cosine"] > 0.7
    assert iso["mean_vector_norm"] < 0.05 < 0.8 < aniso["mean_vector_norm"]


def test_effective_rank_of_r_equal_directions(seed):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(30, 30)))
    coef = rng.choice([-1.0, 1.0], size=(2000, 5))  # equal variance along 5 orthogonal directions
    s = spectrum(_kv(coef @ q[:5]))
    assert s["effective_rank"] == pytest.approx(5.0, rel=0.05)
    assert s["dims_for_90pct"] == 5
    assert sum(s["explained_variance_ratio"][:5]) == pytest.approx(1.0, abs=1e-6)


def test_hub_construction_is_detected(seed):
    # High-dimensional points sharing a component h: every point is closer (cosine ~0.45) to h
    # than to any other point (cosine 0.2 +- 0.06), so h is a hub in everyone's 5-NN list.
    rng = np.random.default_rng(seed)
    d = 200
    h = np.zeros(d)
    h[0] = 1.0
    x = 0.5 * h + rng.normal(size=(600, d)) / np.sqrt(d)
    plain = hubness(_kv(x), k=5)
    h_stats = hubness(_kv(np.vstack([x, h])), k=5)
    assert h_stats["top_hubs"][0] == ["w600", 600]
    assert h_stats["max_k_occurrence"] > 10 * plain["max_k_occurrence"]
    assert h_stats["skewness"] > plain["skewness"] + 10


def test_knn_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 8))
    got = knn_indices(x, 4, block=64)
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    sims = u @ u.T
    np.fill_diagonal(sims, -np.inf)
    np.testing.assert_array_equal(got, np.argsort(-sims, axis=1)[:, :4])
    with pytest.raises(InvalidParameterError, match="must be smaller"):
        knn_indices(x[:3], 3)


def test_nn_overlap_rotation_random_and_disjoint(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(500, 16))
    q, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    a, rotated = _kv(x), _kv(x @ q)
    assert nn_overlap(a, rotated, k=10, n_words=200)["overlap"] == pytest.approx(1.0)
    unrelated = nn_overlap(a, _kv(rng.normal(size=(500, 16))), k=10, n_words=200)["overlap"]
    assert unrelated < 0.1
    with pytest.raises(DataError, match="disjoint"):
        nn_overlap(a, _kv(x, prefix="other"))


def test_norm_stats_and_report_are_consistent(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1000, 12)) * np.linspace(3, 1, 1000)[:, None]  # frequent words longer
    ns = norm_stats(_kv(x))
    assert ns["spearman_norm_rank"] < -0.8
    assert sum(ns["hist_counts"]) == 1000
    assert ns["quantiles"]["min"] <= ns["quantiles"]["median"] <= ns["quantiles"]["max"]
    rep = geometry_report(_kv(x), n_words=500)
    assert rep["n_words"] == 500 and rep["norms"]["n"] == 500 and rep["hubness"]["n"] == 500
    with pytest.raises(DataError, match="at least 2 vectors"):
        norm_stats(_kv(x[:1]))


def test_project_2d_pca_preserves_the_main_axis(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(50, 10)) * 0.1
    x[:, 3] += np.linspace(-5, 5, 50)
    kv = _kv(x)
    xy = project_2d(kv, kv.index_to_key, "pca")
    assert xy.shape == (50, 2)
    assert abs(np.corrcoef(xy[:, 0], np.linspace(-5, 5, 50))[0, 1]) > 0.99
    with pytest.raises(InvalidParameterError, match="'pca' or 'umap'"):
        project_2d(kv, kv.index_to_key, "tsne")
    with pytest.raises(DataError, match="at least 3 words"):
        project_2d(kv, ["w0", "w1"])


def test_report_on_a_tiny_vocabulary_lowers_k(seed):
    rng = np.random.default_rng(seed)
    rep = geometry_report(_kv(rng.normal(size=(4, 3))))
    assert rep["hubness"]["k"] == 3 and rep["hubness"]["max_k_occurrence"] == 3


def test_umap_projections_print_no_warning_a_user_cannot_act_on():
    """umap-learn warns on every seeded call; compare and the explorer showed it (twice)."""
    import warnings

    pytest.importorskip("umap", reason="umap-learn is not installed: pip install 'embedlab[evaluate]'")
    from embedlab.serve.projection import project

    x = np.random.default_rng(0).normal(size=(120, 8)).astype(np.float32)
    kv = KeyedVectors([f"w{i}" for i in range(120)], x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert project_2d(kv, kv.index_to_key, "umap", 0).shape == (120, 2)
        assert project(x / np.linalg.norm(x, axis=1, keepdims=True), "umap", 0).shape == (120, 2)
    assert not [w for w in caught if issubclass(w.category, UserWarning)], [str(w.message) for w in caught]
