"""Bootstrap CIs and paired tests: formulas against scikit-learn, coverage on known truths."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.metrics.cluster import contingency_matrix

from embedlab.evaluation.base import EvalResult
from embedlab.evaluation.retrieval import ranking_metrics
from embedlab.evaluation.stats import (
    bootstrap_ci,
    build_result,
    compare_results,
    metric_cis,
    metric_range,
    metric_value,
    paired_bootstrap,
    paired_permutation,
)
from embedlab.exceptions import DataError, InvalidParameterError


@pytest.mark.parametrize("trial", range(4))
def test_label_metrics_equal_sklearn(trial):
    rng = np.random.default_rng(trial)
    y = rng.integers(0, 4, 300).astype(str)
    pred = np.where(rng.random(300) < 0.6, y, rng.integers(0, 5, 300).astype(str))
    d = {"y_true": y, "y_pred": pred}
    assert metric_value("accuracy", d) == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    assert metric_value("macro_f1", d) == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=1e-12)
    clusters = rng.integers(0, 6, 300)  # cluster ids live in another label space
    c = {"y_true": y, "y_pred": clusters}
    assert metric_value("v_measure", c) == pytest.approx(skm.v_measure_score(y, clusters), abs=1e-10)
    assert metric_value("ari", c) == pytest.approx(skm.adjusted_rand_score(y, clusters), abs=1e-10)
    table = contingency_matrix(y, clusters)
    assert metric_value("purity", c) == pytest.approx(table.max(axis=0).sum() / table.sum(), abs=1e-12)


def test_label_metric_edge_cases_match_sklearn():
    y = np.array(["a"] * 5 + ["b"] * 5)
    one_cluster = np.zeros(10, dtype=int)
    for m, f in (("v_measure", skm.v_measure_score), ("ari", skm.adjusted_rand_score)):
        assert metric_value(m, {"y_true": y, "y_pred": one_cluster}) == pytest.approx(f(y, one_cluster))
        assert metric_value(m, {"y_true": y, "y_pred": y}) == pytest.approx(f(y, y))


def test_pair_metrics_equal_scipy():
    from scipy.stats import pearsonr, spearmanr

    rng = np.random.default_rng(1)
    gold = rng.normal(size=200)
    pred = gold + rng.normal(size=200)
    d = {"gold": gold, "pred": pred}
    assert metric_value("spearman", d) == pytest.approx(spearmanr(gold, pred).statistic)
    assert metric_value("pearson", d) == pytest.approx(pearsonr(gold, pred).statistic)


def test_bootstrap_ci_of_a_mean_covers_the_truth_about_95_percent():
    rng = np.random.default_rng(7)
    true_mean = 2.0  # exponential with scale 2: skewed, mean known
    hits = 0
    for rep in range(200):
        x = rng.exponential(true_mean, size=60)
        lo, hi = bootstrap_ci(x, n_boot=500, random_state=rep)
        hits += lo <= true_mean <= hi
    assert 0.88 <= hits / 200 <= 0.99


def test_bootstrap_ci_of_accuracy_covers_the_truth():
    rng = np.random.default_rng(3)
    p = 0.7
    hits = 0
    for rep in range(200):
        y = rng.integers(0, 2, 150)
        pred = np.where(rng.random(150) < p, y, 1 - y)
        lo, hi = metric_cis({"ids": np.arange(150), "y_true": y, "y_pred": pred}, ["accuracy"], n_boot=500,
                            random_state=rep)["accuracy"]
        hits += lo <= p <= hi
    assert 0.88 <= hits / 200 <= 0.99


def test_ci_shrinks_with_more_items_and_contains_estimate():
    rng = np.random.default_rng(0)
    small, large = rng.normal(size=50), rng.normal(size=5000)
    w_small = np.subtract(*bootstrap_ci(small)[::-1])
    w_large = np.subtract(*bootstrap_ci(large)[::-1])
    assert w_large < w_small / 5
    lo, hi = bootstrap_ci(large)
    assert lo < large.mean() < hi


def _correct(rng, n, p):
    y = rng.integers(0, 3, n)
    pred = np.where(rng.random(n) < p, y, (y + 1) % 3)
    return {"ids": np.arange(n), "y_true": y, "y_pred": pred}


def test_paired_bootstrap_detects_a_real_difference():
    rng = np.random.default_rng(11)
    a, b = _correct(rng, 1000, 0.80), None
    b = dict(a)
    flip = rng.random(1000) < 0.12  # B loses ~12% of A's correct answers
    b["y_pred"] = np.where(flip, (a["y_true"] + 2) % 3, a["y_pred"])
    res = paired_bootstrap(a, b, "accuracy")
    assert res.significant and res.diff > 0 and res.ci[0] > 0
    assert res.p_value < 0.01
    assert res.verdict.startswith("A is significantly better")
    perm = paired_permutation(a, b, "macro_f1", n_perm=300)
    assert perm.significant and perm.p_value < 0.01


def test_paired_tests_do_not_flag_a_null_difference():
    rng = np.random.default_rng(5)
    flagged_boot = flagged_perm = 0
    for rep in range(20):
        y = rng.integers(0, 2, 300)
        a = {"ids": np.arange(300), "y_true": y, "y_pred": np.where(rng.random(300) < 0.75, y, 1 - y)}
        b = {"ids": np.arange(300), "y_true": y, "y_pred": np.where(rng.random(300) < 0.75, y, 1 - y)}
        flagged_boot += paired_bootstrap(a, b, "accuracy", n_boot=500, random_state=rep).significant
        flagged_perm += paired_permutation(a, b, "accuracy", n_perm=200, random_state=rep).significant
    assert flagged_boot <= 3
    assert flagged_perm <= 3


def test_paired_bootstrap_on_correlations_and_means():
    rng = np.random.default_rng(2)
    gold = rng.normal(size=400)
    a = {"ids": np.arange(400), "gold": gold, "pred": gold + 0.5 * rng.normal(size=400)}
    b = {"ids": np.arange(400), "gold": gold, "pred": gold + 2.0 * rng.normal(size=400)}
    assert paired_bootstrap(a, b, "spearman").significant
    same = paired_bootstrap(a, a, "spearman")
    assert not same.significant and same.p_value == 1.0
    m = {"ids": np.arange(100), "ndcg@10": rng.random(100)}
    assert paired_bootstrap(m, m, "ndcg@10").diff == 0.0


def _result(per_item, metric="accuracy"):
    return build_result("t", {metric: metric_value(metric, per_item)}, metric, per_item, coverage=1.0, n_boot=200)


def test_compare_results_aligns_on_common_items_and_rejects_disjoint_ones():
    rng = np.random.default_rng(0)
    a = {"ids": ["w1", "w2", "w3", "w4"], "accuracy": [1.0, 0.0, 1.0, 1.0]}
    b = {"ids": ["w4", "w2", "w9"], "accuracy": [0.0, 0.0, 1.0]}
    res = compare_results(_result(a), _result(b))
    assert res.n == 2 and res.a == pytest.approx(0.5) and res.b == pytest.approx(0.0)
    c = {"ids": ["x", "y"], "accuracy": [1.0, 0.0]}
    with pytest.raises(DataError, match="no evaluated item in common"):
        compare_results(_result(a), _result(c))
    plain = EvalResult("similarity:x", {"spearman": 0.5}, "spearman")
    with pytest.raises(DataError, match="no per-item outcomes"):
        compare_results(plain, plain)
    del rng


def test_build_result_records_cis_and_items():
    per_item = {"ids": np.arange(50), "y_true": np.arange(50) % 2, "y_pred": np.zeros(50, dtype=int)}
    res = build_result("x", {"accuracy": 0.5, "other": 1.0}, "accuracy", per_item, coverage=0.9, n_boot=100)
    assert res.n == 50 and res.coverage == 0.9
    assert set(res.details["ci"]) == {"accuracy"}
    lo, hi = res.details["ci"]["accuracy"]
    assert lo < 0.5 < hi
    assert res.details["per_item"]["y_pred"] == [0] * 50


def test_bad_inputs_raise_typed_errors():
    with pytest.raises(DataError, match="zero items"):
        bootstrap_ci(np.array([]))
    with pytest.raises(InvalidParameterError, match="n_boot"):
        bootstrap_ci(np.ones(3), n_boot=0)
    with pytest.raises(InvalidParameterError, match="no per-item definition for metric 'auc'"):
        metric_cis({"ids": [1], "x": [1.0]}, ["auc"])
    with pytest.raises(DataError, match="same items"):
        paired_bootstrap({"ids": [1, 2], "s": [1, 2]}, {"ids": [1], "s": [1]}, "s")


def test_ranking_metrics_equal_sklearn_ndcg_and_hand_oracle():
    rng = np.random.default_rng(4)
    scores = rng.random((30, 50))
    rel = np.where(rng.random((30, 50)) < 0.1, rng.integers(1, 4, (30, 50)), 0).astype(float)
    rel[0] = 0.0
    rel[0, 7] = 2.0
    out = ranking_metrics(scores, rel, k_ndcg=10, recall_ks=(5, 10))
    has = rel.sum(axis=1) > 0
    expected = [skm.ndcg_score(rel[i:i + 1], scores[i:i + 1], k=10) for i in np.flatnonzero(has)]
    np.testing.assert_allclose(out["ndcg@10"][has], expected, rtol=1e-10)
    for i in range(30):  # hand oracle: rank of the first relevant document, share found in top k
        order = np.argsort(-scores[i])
        ranks = [r for r, j in enumerate(order, 1) if rel[i, j] > 0]
        assert out["rr"][i] == pytest.approx(1.0 / ranks[0] if ranks else 0.0)
        if ranks:
            assert out["recall@5"][i] == pytest.approx(sum(r <= 5 for r in ranks) / len(ranks))


def test_item_metric_scores_a_subset_of_items():
    from embedlab.evaluation.stats import item_metric

    y = np.array([0, 1, 1, 0, 1, 0])
    pred = np.array([0, 1, 0, 0, 0, 1])
    table = {"ids": np.arange(6), "y_true": y, "y_pred": pred, "rr": np.array([1, 0.5, 0, 1, 0.25, 0])}
    idx = np.array([0, 1, 2])
    assert item_metric("accuracy", table)(table, idx) == pytest.approx(skm.accuracy_score(y[idx], pred[idx]))
    assert item_metric("rr", table)(table, idx) == pytest.approx(0.5)
    with pytest.raises(InvalidParameterError, match="no per-item definition for metric 'ndcg'"):
        item_metric("ndcg", table)


@pytest.mark.parametrize("n", [8, 20])
def test_cis_stay_inside_the_metric_range_on_few_items(n):
    """Simulated as in the report (40 data sets per n; 11 of 40 at n = 8 passed 1): no interval
    leaves [-1, 1] for correlations or [0, 1] for accuracy and macro-F1, and each holds its estimate."""
    for seed in range(40):
        rng = np.random.default_rng(seed)
        gold = rng.normal(size=n)
        pairs = {"ids": np.arange(n), "gold": gold, "pred": gold + rng.normal(size=n)}
        y = rng.integers(0, 2, n)
        labels = {"ids": np.arange(n), "y_true": y, "y_pred": np.where(rng.random(n) < 0.9, y, 1 - y)}
        for table, metrics in ((pairs, ["spearman", "pearson"]), (labels, ["accuracy", "macro_f1"])):
            for m, (lo, hi) in metric_cis(table, metrics, n_boot=300, random_state=seed).items():
                low, high = metric_range(m)
                assert low <= lo <= metric_value(m, table) <= hi <= high, (seed, m, lo, hi)


def test_metric_ranges_and_mean_bounds():
    assert metric_range("spearman") == (-1.0, 1.0) and metric_range("ari") == (-1.0, 1.0)
    for m in ("accuracy", "macro_f1", "ndcg@10", "roc_auc_dot", "hit@5", "catalogue_coverage"):
        assert metric_range(m) == (0.0, 1.0), m
    assert metric_range("loss") is None
    # a mean of per-item values stays between the smallest and largest value
    lo, hi = bootstrap_ci(np.array([0.0, 0.0, 0.0, 1.0]), n_boot=500)
    assert 0.0 <= lo <= hi <= 1.0
    a = {"ids": np.arange(6), "gold": np.arange(6.0), "pred": np.array([1, 0, 3, 2, 5, 4.0])}
    b = {"ids": np.arange(6), "gold": np.arange(6.0), "pred": -np.arange(6.0)}
    lo, hi = paired_bootstrap(a, b, "spearman", n_boot=300).ci
    assert -2.0 <= lo <= hi <= 2.0


def test_build_result_flags_small_n():
    few = build_result("t", {"accuracy": 1.0}, "accuracy", {"ids": [0, 1, 2], "y_true": [0, 1, 1], "y_pred": [0, 1, 1]},
                       coverage=1.0, n_boot=50)
    assert few.details["small_n"] is True and "fewer than 30 items" in few.details["warnings"][0]
    y = np.arange(40) % 2
    many = build_result("t", {"accuracy": 1.0}, "accuracy", {"ids": np.arange(40), "y_true": y, "y_pred": y},
                        coverage=1.0, n_boot=50)
    assert many.details["small_n"] is False and not many.details["warnings"]


# ------------------------------------------------------------------ calibration under a known truth
def _binomial_band(n: int, p: float, tail: float = 5e-4) -> tuple[float, float]:
    """Rates outside [lo, hi] have probability < 2 * tail for n Bernoulli(p) trials (exact binomial)."""
    from scipy.stats import binom

    return binom.ppf(tail, n, p) / n, binom.isf(tail, n, p) / n


def test_binomial_bands_separate_the_calibrated_rate_from_the_planted_bugs():
    lo, hi = _binomial_band(1000, 0.95)
    assert lo > 0.92 and hi < 0.98  # a 90% interval (coverage ~0.90) falls out
    lo, hi = _binomial_band(800, 0.05)
    assert hi < 0.08  # a one-sided p-value (false-positive rate ~0.10) falls out


def test_paired_bootstrap_false_positive_rate_is_alpha_under_the_null():
    """800 simulated null comparisons (two systems with the same per-item score distribution): the
    share with p < 0.05, and the share flagged significant, lie in the exact binomial band around
    0.05. A one-sided p-value (the factor 2 dropped) flags about 10%."""
    rng = np.random.default_rng(20)
    n_sim, n = 800, 200
    lo, hi = _binomial_band(n_sim, 0.05)
    p_values, flagged = np.empty(n_sim), np.empty(n_sim, bool)
    for i in range(n_sim):
        a = {"ids": np.arange(n), "score": rng.normal(size=n)}
        b = {"ids": np.arange(n), "score": rng.normal(size=n)}
        res = paired_bootstrap(a, b, "score", n_boot=400, random_state=i)
        p_values[i], flagged[i] = res.p_value, res.significant
    assert lo <= np.mean(p_values < 0.05) <= hi, np.mean(p_values < 0.05)
    assert lo <= np.mean(flagged) <= hi, np.mean(flagged)
    # p is two-sided: about uniform, so about half the p-values exceed 0.5
    assert 0.4 <= np.mean(p_values > 0.5) <= 0.6


def test_paired_permutation_false_positive_rate_is_alpha_under_the_null():
    """The permutation test under the null: rate of p < 0.05 within the exact binomial band; the
    p-value is never 0 ((extreme + 1) / (n_perm + 1)) and is two-sided."""
    rng = np.random.default_rng(21)
    n_sim, n, n_perm = 300, 60, 199
    lo, hi = _binomial_band(n_sim, 0.05)
    p_values = np.empty(n_sim)
    for i in range(n_sim):
        a = {"ids": np.arange(n), "score": rng.normal(size=n)}
        b = {"ids": np.arange(n), "score": rng.normal(size=n)}
        p_values[i] = paired_permutation(a, b, "score", n_perm=n_perm, random_state=i).p_value
    assert lo <= np.mean(p_values < 0.05) <= hi, np.mean(p_values < 0.05)
    assert p_values.min() >= 1 / (n_perm + 1)
    assert 0.4 <= np.mean(p_values > 0.5) <= 0.6
    # a clear difference in either direction gets the smallest p-value
    x = rng.normal(size=n)
    up = {"ids": np.arange(n), "score": x + 1.0}
    down = {"ids": np.arange(n), "score": x}
    for first, second in ((up, down), (down, up)):
        assert paired_permutation(first, second, "score", n_perm=n_perm).p_value == pytest.approx(1 / (n_perm + 1))


def test_bootstrap_ci_of_a_mean_covers_within_a_binomial_band_of_95_percent():
    """1000 normal samples of 100 items: the 95% percentile interval covers the true mean in a
    share inside the exact binomial band around 0.95 ([0.927, 0.970]); a 90% interval covers ~0.90."""
    rng = np.random.default_rng(22)
    n_sim = 1000
    lo_band, hi_band = _binomial_band(n_sim, 0.95)
    hits = 0
    for i in range(n_sim):
        lo, hi = bootstrap_ci(rng.normal(1.0, 2.0, size=100), n_boot=600, random_state=i)
        hits += lo <= 1.0 <= hi
    assert lo_band <= hits / n_sim <= hi_band, hits / n_sim


def test_metric_cis_of_accuracy_cover_within_a_binomial_band_of_95_percent():
    rng = np.random.default_rng(23)
    n_sim, n, p = 800, 300, 0.7
    lo_band, hi_band = _binomial_band(n_sim, 0.95)
    hits = 0
    for i in range(n_sim):
        y = rng.integers(0, 2, n)
        pred = np.where(rng.random(n) < p, y, 1 - y)
        lo, hi = metric_cis({"ids": np.arange(n), "y_true": y, "y_pred": pred}, ["accuracy"], n_boot=400,
                            random_state=i)["accuracy"]
        hits += lo <= p <= hi
    assert lo_band <= hits / n_sim <= hi_band, hits / n_sim


def test_bootstrap_spearman_is_rank_based_with_ties():
    """Spearman is the Pearson correlation of average ranks: a monotone but non-linear prediction
    with tied gold values has Spearman 1 on every resample (the interval is [1, 1]) while its
    Pearson correlation is well below 1; two such predictions do not differ."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(24)
    gold = rng.integers(0, 12, 150).astype(float)  # many ties
    curved = np.exp(gold / 1.5)
    table = {"ids": np.arange(150), "gold": gold, "pred": curved}
    assert metric_value("spearman", table) == pytest.approx(1.0)
    assert metric_value("pearson", table) < 0.9
    assert bootstrap_ci(table, "spearman", n_boot=300) == pytest.approx((1.0, 1.0))
    res = paired_bootstrap(table, {"ids": np.arange(150), "gold": gold, "pred": gold}, "spearman", n_boot=300)
    assert res.diff == pytest.approx(0.0) and res.ci == pytest.approx((0.0, 0.0), abs=1e-12) and not res.significant
    # with noise and ties on both sides: the bootstrap distribution is centred on scipy's value
    noisy = {"ids": np.arange(150), "gold": gold, "pred": np.round(gold + rng.normal(0, 4, 150))}
    lo, hi = bootstrap_ci(noisy, "spearman", n_boot=500)
    rho = spearmanr(noisy["gold"], noisy["pred"]).statistic
    assert lo < rho < hi and metric_value("spearman", noisy) == pytest.approx(rho)


def test_bootstrap_resamples_leave_out_each_item_about_a_third_of_the_time():
    """A resample of n items misses a given item with probability (1 - 1/n)^n ~ 0.36: with one
    outlier among zeros the 95% interval of the mean starts at exactly 0, and the share of resamples
    without it is about 0.36 (paired bootstrap differences too)."""
    n = 50
    x = np.zeros(n)
    x[0] = 1000.0
    lo, hi = bootstrap_ci(x, n_boot=2000, random_state=1)
    assert lo == 0.0 and hi > 1000.0 / n
    a = {"ids": np.arange(n), "score": x}
    b = {"ids": np.arange(n), "score": np.zeros(n)}
    res = paired_bootstrap(a, b, "score", n_boot=2000, random_state=2)
    assert res.ci[0] == 0.0 and res.p_value == pytest.approx(2 * (1 - 1 / n) ** n, abs=0.06)
