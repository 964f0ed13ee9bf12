"""Embedding drift: Procrustes, overlap@k, planted shift, the CLI and its bad-input contract."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlab.exceptions import DataError
from embedlab.monitoring._neighbours import overlap_at_k, topk_neighbours, unit_rows
from embedlab.monitoring.drift import align, embedding_drift, neighbour_overlap, procrustes
from embedlab.vectors import KeyedVectors


def _rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


def test_procrustes_recovers_a_rotation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 16)).astype(np.float32)
    q = _rotation(16, rng)
    r = procrustes(x, x @ q)
    np.testing.assert_allclose(r, q, atol=1e-4)
    assert np.allclose(r.T @ r, np.eye(16), atol=1e-5)


def test_drift_of_a_rotated_copy_is_zero_and_recovers_the_rotation():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 12)).astype(np.float32) + 3.0  # a strong common direction, as word2vec has
    q = _rotation(12, rng)
    keys = [f"w{i}" for i in range(600)]
    counts = np.arange(600, 0, -1) * 10
    res = embedding_drift(KeyedVectors(keys, x, counts=counts), KeyedVectors(keys, x @ q, counts=counts))
    assert res.displacement.max() < 1e-4
    assert res.overlap["mean"] == pytest.approx(1.0)
    assert res.similarity["spearman"] > 0.999
    assert res.score == 0.0
    # the centred rows rotate by q as well
    xa, yn, _ = align(x, x @ q, np.arange(600))
    np.testing.assert_allclose(xa, yn, atol=1e-4)


def test_uncentred_alignment_would_hide_a_moved_key():
    """With a common direction, an uncentred comparison makes a moved key look less moved."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 10)).astype(np.float32) + 4.0
    y = x.copy()
    y[0] = rng.normal(size=10) + 4.0  # key 0 moves (keeps the common direction)
    anchors = np.arange(300)
    xa_c, yn_c, _ = align(x, y, anchors, centre=True)
    xa_u, yn_u, _ = align(x, y, anchors, centre=False)
    moved_c = 1 - float(xa_c[0] @ yn_c[0])
    moved_u = 1 - float(xa_u[0] @ yn_u[0])
    assert moved_c > 3 * moved_u


def test_overlap_at_k_hand_computed():
    # 6 keys on a line of angles; neighbours by cosine are the nearest angles
    ang_old = np.array([0.0, 0.1, 0.2, 1.0, 1.1, 1.2])
    ang_new = np.array([0.0, 0.1, 1.15, 1.0, 1.1, 1.2])  # key 2 moved into the second group
    old = np.c_[np.cos(ang_old), np.sin(ang_old)].astype(np.float32)
    new = np.c_[np.cos(ang_new), np.sin(ang_new)].astype(np.float32)
    ov, nb_old, nb_new = neighbour_overlap(old, new, np.arange(6), k=2)
    # old 2-NN: 0:{1,2} 1:{0,2} 2:{1,0} 3:{4,5} 4:{3,5} 5:{4,3}
    assert [set(r) for r in nb_old.tolist()] == [{1, 2}, {0, 2}, {1, 0}, {4, 5}, {3, 5}, {4, 3}]
    # new 2-NN: 0:{1,3} 1:{0,3} 2:{4,5} 3:{4,2} 4:{2,3 or 5} ...
    assert nb_new[0].tolist() == [1, 3] and nb_new[1].tolist() == [0, 3] and set(nb_new[2].tolist()) == {4, 5}
    expected = np.array([len({1, 2} & {1, 3}), len({0, 2} & {0, 3}), len({1, 0} & set(nb_new[2].tolist())),
                         len({4, 5} & set(nb_new[3].tolist())), len({3, 5} & set(nb_new[4].tolist())),
                         len({4, 3} & set(nb_new[5].tolist()))]) / 2
    np.testing.assert_allclose(ov, expected)
    assert ov[:3].tolist() == [0.5, 0.5, 0.0]


def test_topk_matches_numpy_oracle():
    rng = np.random.default_rng(3)
    u = unit_rows(rng.normal(size=(3000, 8)))
    q = rng.choice(3000, 50, replace=False)
    got = topk_neighbours(u, q, 7)
    s = u[q] @ u.T
    s[np.arange(50), q] = -np.inf
    want = np.argsort(-s, axis=1, kind="stable")[:, :7]
    assert np.array_equal(got, want)
    assert overlap_at_k(got, want).tolist() == [1.0] * 50


def test_no_shared_keys_and_too_few_anchors_are_refused():
    rng = np.random.default_rng(4)
    a = KeyedVectors([f"a{i}" for i in range(50)], rng.normal(size=(50, 8)))
    b = KeyedVectors([f"b{i}" for i in range(50)], rng.normal(size=(50, 8)))
    with pytest.raises(DataError, match="share no keys"):
        embedding_drift(a, b)
    c = KeyedVectors([f"a{i}" for i in range(50)], rng.normal(size=(50, 8)))
    with pytest.raises(DataError, match="only 5 shared anchor keys for dimension 8"):
        embedding_drift(a, c, anchors=[f"a{i}" for i in range(5)])


def test_different_dimensions_are_padded():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    q = _rotation(8, rng)
    y = np.c_[x, np.zeros((200, 2), np.float32)] @ q
    keys = [f"k{i}" for i in range(200)]
    res = embedding_drift(KeyedVectors(keys, x), KeyedVectors(keys, y))
    assert res.alignment["padded"] and res.displacement.max() < 1e-4
    assert any("padded" in w for w in res.warnings)


def test_planted_shift_is_found_and_seed_noise_scores_lower(planted):
    a, b, s = (KeyedVectors.load(planted[n]) for n in ("a", "b", "shifted"))
    base = embedding_drift(a, b)
    shifted = embedding_drift(a, s, baseline=base)
    top50 = [m["key"] for m in shifted.moved[:50]]
    found = sum(w in set(planted["words"]) for w in top50)
    print(f"planted words in top 50: {found}/40; score seeds {base.score:.4f} vs shifted {shifted.score:.4f}")
    assert found >= 36
    assert shifted.score > 0.005 and shifted.score > 4 * base.score
    # the seed-noise pattern: rare words are less stable than frequent ones
    by_bin = {r["bin"]: r["overlap"] for r in base.bins}
    assert by_bin["0-9"] < by_bin["100-999"]
    # moved list sorted from most to least moved, with neighbours
    zs = [m["z"] for m in shifted.moved]
    assert zs == sorted(zs, reverse=True) and shifted.moved[0]["old_neighbours"]


def test_cli_drift_json_html_and_fail_above(planted, run_cli, tmp_path):
    out = tmp_path / "drift"
    r = run_cli("drift", planted["a"], planted["shifted"], "-o", out, "--json", "--no-benchmarks",
                "--baseline", planted["a"], "--baseline", planted["b"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) >= {"score", "moved"} and data["score"] > 0
    disp = [m["displacement"] for m in data["moved"]]
    assert {"key", "displacement", "overlap"} <= set(data["moved"][0])
    assert data["moved"][0]["key"] in planted["words"] and len(disp) == 50
    html = (out / "drift.html").read_text(encoding="utf-8")
    assert "Most moved keys" in html and "<img" in html and data["moved"][0]["key"] in html
    assert json.loads((out / "drift.json").read_text())["score"] == data["score"]
    # a stored seed-pair report serves as the baseline too
    seeds = tmp_path / "seeds"
    assert run_cli("drift", planted["a"], planted["b"], "-o", seeds, "--no-benchmarks").exit_code == 0
    r = run_cli("drift", planted["a"], planted["shifted"], "-o", out, "--no-benchmarks",
                "--baseline", seeds / "drift.json", "--fail-above", 0.001)
    assert r.exit_code == 1 and "above --fail-above" in r.stderr
    r = run_cli("drift", planted["a"], planted["b"], "-o", out, "--no-benchmarks", "--fail-above", 0.001)
    assert r.exit_code == 0


def test_cli_drift_bad_input_one_line(run_cli, tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
    from cli_helpers import assert_cli_error

    rng = np.random.default_rng(6)
    KeyedVectors([f"a{i}" for i in range(30)], rng.normal(size=(30, 4))).save(tmp_path / "a.npz")
    KeyedVectors([f"b{i}" for i in range(30)], rng.normal(size=(30, 4))).save(tmp_path / "b.npz")
    out = tmp_path / "out"
    assert_cli_error(run_cli("drift", tmp_path / "a.npz", tmp_path / "b.npz", "-o", out), r"share no keys")
    assert not out.exists() or not any(out.iterdir())
    assert_cli_error(run_cli("drift", tmp_path / "a.npz", tmp_path / "missing.npz", "-o", out), r"NEW: .*missing.npz")
    assert_cli_error(run_cli("drift", tmp_path / "a.npz", tmp_path / "a.npz", "-o", out, "--k", 0), r"--k must be >= 1")
    assert_cli_error(run_cli("drift", tmp_path / "a.npz", tmp_path / "a.npz", "-o", out, "--anchors", "a1,a2",
                             "--no-benchmarks"), r"only 2 shared anchor keys for dimension 4")


def _noisy_pair(n: int = 3000, d: int = 16, seed: int = 9):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    noise = rng.normal(size=(n, d)) * np.linspace(0.05, 0.6, n)[:, None]  # rarer keys (later rows) move more
    keys = [f"k{i}" for i in range(n)]
    return KeyedVectors(keys, x), KeyedVectors(keys, (x + noise).astype(np.float32))


def test_z_scores_follow_the_bin_noise_formula_with_and_without_a_baseline():
    """z = (log(d + 0.001) - median) / (1.4826 MAD) per frequency bin, computed here from the
    displacements: from this pair's own bins without a baseline, from the baseline's bins with one.
    A baseline whose noise is twice as wide and centred higher changes the z-scores accordingly
    (an ignored baseline leaves them as they were)."""
    from embedlab.monitoring.drift import frequency_bins

    old, new = _noisy_pair()
    own = embedding_drift(old, new)
    bins, labels, _ = frequency_bins(own.freq, own.by_count)
    logd = np.log(own.displacement + 1e-3)
    want = np.empty_like(logd)
    for b in np.unique(bins):
        sel = bins == b
        med = np.median(logd[sel])
        scale = max(1.4826 * np.median(np.abs(logd[sel] - med)), 0.05)
        want[sel] = (logd[sel] - med) / scale
    np.testing.assert_allclose(own.z, want, rtol=1e-9, atol=1e-9)
    assert own.score == pytest.approx(np.mean(want > 3.5))

    base = own.to_dict()
    for row in base["bins"]:
        row["noise_log_median"] += 0.7
        row["noise_log_scale"] *= 2.0
    ref = {r["bin"]: (r["noise_log_median"], r["noise_log_scale"]) for r in base["bins"]}
    against = embedding_drift(old, new, baseline=base)
    med = np.array([ref[labels[b]][0] for b in bins])
    scale = np.array([ref[labels[b]][1] for b in bins])
    np.testing.assert_allclose(against.z, (logd - med) / scale, rtol=1e-9, atol=1e-9)
    assert np.mean(np.abs(against.z - own.z) > 0.1) > 0.9  # the z-scores moved
    assert against.baseline is not None and against.score == pytest.approx(np.mean(against.z > 3.5))
    # a baseline of a quieter pair (the same vectors) makes the noisy pair's keys stand out
    quiet = embedding_drift(old, KeyedVectors(old.index_to_key, old.vectors + np.float32(1e-3)))
    assert embedding_drift(old, new, baseline=quiet).score > 0.5 > own.score
