"""Trustworthy numbers: bootstrap confidence intervals and paired tests between two embeddings.

Every downstream evaluator stores its per-item outcomes in ``EvalResult.details["per_item"]``
(a dict of equal-length lists: ``ids`` plus either per-item scores named after the metric, e.g.
``{"ids": [...], "ndcg@10": [...]}``, or label/score pairs such as ``y_true``/``y_pred``).
From those, :func:`item_metric` recomputes any metric on a subset of items, which is all the
percentile bootstrap (:func:`bootstrap_ci`) and the paired tests (:func:`paired_bootstrap`,
:func:`paired_permutation`, :func:`compare_results`) need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..exceptions import DataError, InvalidParameterError

__all__ = [
    "bootstrap_ci",
    "item_metric",
    "metric_cis",
    "PairedComparison",
    "paired_bootstrap",
    "paired_permutation",
    "compare_results",
]

ItemData = Mapping[str, np.ndarray]
MetricFn = Callable[[ItemData, np.ndarray], float]


def _accuracy(d: ItemData, idx: np.ndarray) -> float:
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(d["y_true"][idx], d["y_pred"][idx]))


def _macro_f1(d: ItemData, idx: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    labels = np.unique(d["y_true"])  # fixed label set, so resamples missing a class score it 0
    return float(f1_score(d["y_true"][idx], d["y_pred"][idx], labels=labels, average="macro", zero_division=0))


def _v_measure(d: ItemData, idx: np.ndarray) -> float:
    from sklearn.metrics import v_measure_score

    return float(v_measure_score(d["y_true"][idx], d["y_pred"][idx]))


def _ari(d: ItemData, idx: np.ndarray) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(d["y_true"][idx], d["y_pred"][idx]))


def _purity(d: ItemData, idx: np.ndarray) -> float:
    from sklearn.metrics.cluster import contingency_matrix

    m = contingency_matrix(d["y_true"][idx], d["y_pred"][idx])
    return float(m.max(axis=0).sum() / m.sum())


def _spearman(d: ItemData, idx: np.ndarray) -> float:
    from scipy.stats import spearmanr

    gold, pred = d["gold"][idx], d["pred"][idx]
    if np.ptp(gold) == 0 or np.ptp(pred) == 0:
        return 0.0  # a constant resample has no ranking; count it as no correlation
    return float(spearmanr(gold, pred).statistic)


def _pearson(d: ItemData, idx: np.ndarray) -> float:
    gold, pred = d["gold"][idx], d["pred"][idx]
    if np.ptp(gold) == 0 or np.ptp(pred) == 0:
        return 0.0
    return float(np.corrcoef(gold, pred)[0, 1])


# metric name -> function of the per-item arrays and an index array (the items to score)
ITEM_METRICS: dict[str, MetricFn] = {
    "accuracy": _accuracy,
    "macro_f1": _macro_f1,
    "v_measure": _v_measure,
    "ari": _ari,
    "purity": _purity,
    "spearman": _spearman,
    "pearson": _pearson,
}


def _as_arrays(per_item: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in per_item.items()}


def item_metric(metric: str, per_item: Mapping[str, Any]) -> MetricFn:
    """The function computing ``metric`` on a subset of items of ``per_item``.

    A per-item column named like the metric means "the metric is the mean of that column";
    otherwise the metric must be one of :data:`ITEM_METRICS`.
    """
    if metric in per_item and metric != "ids":
        return lambda d, idx: float(np.mean(d[metric][idx]))
    if metric in ITEM_METRICS:
        return ITEM_METRICS[metric]
    raise InvalidParameterError(
        f"no per-item definition for metric '{metric}'; per-item columns: {sorted(per_item)}, "
        f"known metrics: {sorted(ITEM_METRICS)}"
    )


def _percentile_ci(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return (float("nan"), float("nan"))
    a = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [a, 1.0 - a])
    return (float(lo), float(hi))


def bootstrap_ci(
    data: np.ndarray | Mapping[str, Any],
    metric: str | MetricFn = "mean",
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    random_state: int | None = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of a metric over items.

    ``data`` is either a 1-D array of per-item values (``metric="mean"``) or a per-item dict
    (see module doc) with ``metric`` a name known to :func:`item_metric` or a function
    ``f(arrays, idx) -> float``.
    """
    if not 0.0 < confidence < 1.0:
        raise InvalidParameterError(f"confidence must be in (0, 1); got {confidence}")
    if n_boot < 1:
        raise InvalidParameterError(f"n_boot must be >= 1; got {n_boot}")
    if isinstance(data, Mapping):
        arrays = _as_arrays(data)
        fn = item_metric(metric, arrays) if isinstance(metric, str) else metric
    else:
        arrays = {"value": np.asarray(data, dtype=np.float64)}
        if metric != "mean":
            raise InvalidParameterError("an array of values only supports metric='mean'; pass a per-item dict")
        fn = lambda d, idx: float(np.mean(d["value"][idx]))  # noqa: E731
    n = len(next(iter(arrays.values()))) if arrays else 0
    if n == 0:
        raise DataError("cannot bootstrap a metric over zero items")
    rng = np.random.default_rng(random_state)
    if not isinstance(data, Mapping):  # fast path: means of resamples in one matrix product
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)
        samples = counts @ arrays["value"] / n
    else:
        samples = np.array([fn(arrays, rng.integers(0, n, n)) for _ in range(n_boot)])
    return _percentile_ci(samples, confidence)


def metric_cis(
    per_item: Mapping[str, Any], metrics: list[str], *, n_boot: int = 1000, random_state: int | None = 0
) -> dict[str, list[float]]:
    """Bootstrap 95% CIs of several metrics, resampling the same items for all of them."""
    arrays = _as_arrays(per_item)
    n = len(arrays["ids"]) if "ids" in arrays else len(next(iter(arrays.values())))
    if n == 0:
        return {m: [float("nan"), float("nan")] for m in metrics}
    fns = {m: item_metric(m, arrays) for m in metrics}
    rng = np.random.default_rng(random_state)
    samples = {m: np.empty(n_boot) for m in metrics}
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        for m, f in fns.items():
            samples[m][b] = f(arrays, idx)
    return {m: list(_percentile_ci(s, 0.95)) for m, s in samples.items()}


@dataclass
class PairedComparison:
    """Outcome of a paired test of embedding A against embedding B on the same items."""

    metric: str
    a: float
    b: float
    diff: float  # a - b
    ci: tuple[float, float]  # CI of the difference
    p_value: float
    n: int
    test: str
    significant: bool
    alpha: float = 0.05
    greater_is_better: bool = True

    @property
    def verdict(self) -> str:
        """A one-line human reading of the test."""
        if not self.significant:
            return f"no significant difference in {self.metric} (p={self.p_value:.3g}, n={self.n})"
        better = "A" if (self.diff > 0) == self.greater_is_better else "B"
        return f"{better} is significantly better on {self.metric} (diff={self.diff:+.4f}, p={self.p_value:.3g}, n={self.n})"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ci"] = list(self.ci)
        d["verdict"] = self.verdict
        return d


def _check_paired(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[dict, dict]:
    a_arr, b_arr = _as_arrays(a), _as_arrays(b)
    if "ids" in a_arr and "ids" in b_arr:
        if len(a_arr["ids"]) != len(b_arr["ids"]) or not np.array_equal(a_arr["ids"], b_arr["ids"]):
            raise DataError("paired comparison needs both embeddings scored on the same items in the same order")
    elif len(next(iter(a_arr.values()))) != len(next(iter(b_arr.values()))):
        raise DataError("paired comparison needs the same number of items on both sides")
    return a_arr, b_arr


def paired_bootstrap(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    metric: str,
    *,
    n_boot: int = 2000,
    alpha: float = 0.05,
    greater_is_better: bool = True,
    random_state: int | None = 0,
) -> PairedComparison:
    """Paired bootstrap: resample items once per round and score both embeddings on them.

    The two-sided p-value is twice the share of resampled differences on the other side of zero
    (the usual bootstrap test); ``significant`` means the (1-alpha) CI of the difference excludes 0.
    """
    a_arr, b_arr = _check_paired(a, b)
    fa, fb = item_metric(metric, a_arr), item_metric(metric, b_arr)
    n = len(a_arr.get("ids", next(iter(a_arr.values()))))
    if n == 0:
        raise DataError("cannot compare embeddings on zero items")
    full = np.arange(n)
    va, vb = fa(a_arr, full), fb(b_arr, full)
    rng = np.random.default_rng(random_state)
    diffs = np.empty(n_boot)
    for i in range(n_boot):
        idx = rng.integers(0, n, n)
        diffs[i] = fa(a_arr, idx) - fb(b_arr, idx)
    lo, hi = _percentile_ci(diffs, 1.0 - alpha)
    p = min(1.0, 2.0 * min(np.mean(diffs <= 0), np.mean(diffs >= 0)))
    if np.all(diffs == 0):
        p = 1.0
    sig = bool(lo > 0 or hi < 0)
    return PairedComparison(
        metric, va, vb, va - vb, (lo, hi), float(p), n, "paired bootstrap", sig, alpha, greater_is_better
    )


def paired_permutation(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    metric: str,
    *,
    n_perm: int = 2000,
    alpha: float = 0.05,
    random_state: int | None = 0,
) -> PairedComparison:
    """Paired permutation (randomisation) test: swap the two embeddings' outcomes item by item.

    Valid for metrics whose per-item outcomes are exchangeable between systems (per-item scores,
    predicted labels). The CI reported is the paired bootstrap CI of the difference.
    """
    a_arr, b_arr = _check_paired(a, b)
    fa = item_metric(metric, a_arr)
    n = len(a_arr.get("ids", next(iter(a_arr.values()))))
    full = np.arange(n)
    observed = fa(a_arr, full) - fa(b_arr, full)
    rng = np.random.default_rng(random_state)
    swappable = [k for k in a_arr if k not in ("ids", "y_true", "gold")]
    extreme = 0
    for _ in range(n_perm):
        swap = rng.random(n) < 0.5
        pa, pb = dict(a_arr), dict(b_arr)
        for k in swappable:
            pa[k] = np.where(swap, b_arr[k], a_arr[k])
            pb[k] = np.where(swap, a_arr[k], b_arr[k])
        if abs(fa(pa, full) - fa(pb, full)) >= abs(observed) - 1e-12:
            extreme += 1
    p = (extreme + 1) / (n_perm + 1)
    boot = paired_bootstrap(a, b, metric, n_boot=1000, alpha=alpha, random_state=random_state)
    va, vb = fa(a_arr, full), fa(b_arr, full)
    return PairedComparison(metric, va, vb, observed, boot.ci, float(p), n, "paired permutation", p < alpha, alpha)


def compare_results(result_a: Any, result_b: Any, *, metric: str | None = None, **kwargs: Any) -> PairedComparison:
    """Paired bootstrap between two :class:`EvalResult` of the same evaluator on the same items."""
    metric = metric or result_a.primary_metric
    pa, pb = result_a.details.get("per_item"), result_b.details.get("per_item")
    if pa is None or pb is None:
        raise DataError(
            f"'{result_a.name}' has no per-item outcomes, so it cannot be compared pairwise; "
            "use a downstream evaluator (classification, retrieval, ...)"
        )
    return paired_bootstrap(pa, pb, metric, greater_is_better=result_a.greater_is_better, **kwargs)
