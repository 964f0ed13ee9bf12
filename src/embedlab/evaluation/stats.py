"""Trustworthy numbers: bootstrap confidence intervals and paired tests between two embeddings.

Every downstream evaluator stores its per-item outcomes in ``EvalResult.details["per_item"]``:
a dict of equal-length lists with ``ids`` plus either per-item scores named after the metric
(``{"ids": [...], "ndcg@10": [...]}``: the metric is their mean) or label columns
``y_true``/``y_pred`` (accuracy, macro-F1, purity, V-measure, ARI) or ``gold``/``pred``
(Spearman, Pearson). From those the percentile bootstrap (:func:`bootstrap_ci`,
:func:`metric_cis`) and the paired tests (:func:`paired_bootstrap`, :func:`paired_permutation`,
:func:`compare_results`) recompute any metric on resampled items.

Ranges: every interval stays inside its metric's range (the bias shift of the percentile
interval can push it past a bound): correlations and ARI in [-1, 1], label metrics, rates and
ranking metrics in [0, 1], and a mean of per-item values within their smallest and largest value
(:func:`metric_range`). Differences of two embeddings stay within the range's width either side.

Few items: an interval bootstrapped from fewer than :data:`SMALL_N` (30) items is flagged
(``details["small_n"]`` and a warning, see :func:`note_small_n`): the percentile bootstrap
under-covers on few items, and a correlation's sampling distribution is strongly skewed there, so
such an interval is a rough guide, not a 95% guarantee. One rule for every metric keeps the flag
easy to read.

Speed: label metrics are functions of the contingency table, and resampling n items with
replacement draws the table's cells from a multinomial, so thousands of resamples cost one
``multinomial`` call (the table formulas are checked against scikit-learn in the tests; point
estimates reported by evaluators come from scikit-learn itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..exceptions import DataError, InvalidParameterError

__all__ = [
    "TABLE_METRICS",
    "PAIR_METRICS",
    "SMALL_N",
    "metric_range",
    "note_small_n",
    "bootstrap_ci",
    "metric_value",
    "item_metric",
    "metric_cis",
    "PairedComparison",
    "paired_bootstrap",
    "paired_permutation",
    "compare_results",
    "build_result",
    "format_p",
]

_CHUNK = 4_000_000  # max resampled entries held at once for mean metrics
SMALL_N = 30  # fewer items than this: a bootstrap interval is flagged as rough (module doc)


# ------------------------------------------------------------------ contingency-table metrics
# Each takes tables of shape (B, L, L) (rows: true label, columns: predicted label/cluster) and
# returns B values. ``mask`` marks the labels present in the full data (macro averages).
def _t_accuracy(c: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.trace(c, axis1=1, axis2=2) / c.sum(axis=(1, 2))


def _t_macro_f1(c: np.ndarray, mask: np.ndarray) -> np.ndarray:
    tp = np.diagonal(c, axis1=1, axis2=2)
    denom = c.sum(axis=1) + c.sum(axis=2)  # (tp+fp) + (tp+fn)
    f1 = np.divide(2.0 * tp, denom, out=np.zeros_like(denom, dtype=np.float64), where=denom > 0)
    return f1[:, mask].mean(axis=1)


def _t_purity(c: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return c.max(axis=1).sum(axis=1) / c.sum(axis=(1, 2))


def _xlogx_sum(counts: np.ndarray, axis: tuple[int, ...]) -> np.ndarray:
    c = counts.astype(np.float64)
    return np.sum(np.where(c > 0, c * np.log(np.where(c > 0, c, 1.0)), 0.0), axis=axis)


def _t_v_measure(c: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n = c.sum(axis=(1, 2)).astype(np.float64)
    a, b = c.sum(axis=2), c.sum(axis=1)
    h_true = np.log(n) - _xlogx_sum(a, (1,)) / n
    h_pred = np.log(n) - _xlogx_sum(b, (1,)) / n
    mi = _xlogx_sum(c, (1, 2)) / n + np.log(n) - _xlogx_sum(a, (1,)) / n - _xlogx_sum(b, (1,)) / n
    hom = np.where(h_true > 1e-12, mi / np.where(h_true > 1e-12, h_true, 1.0), 1.0)
    com = np.where(h_pred > 1e-12, mi / np.where(h_pred > 1e-12, h_pred, 1.0), 1.0)
    s = hom + com
    return np.where(s > 0, 2.0 * hom * com / np.where(s > 0, s, 1.0), 0.0)


def _t_ari(c: np.ndarray, mask: np.ndarray) -> np.ndarray:
    c = c.astype(np.float64)
    n = c.sum(axis=(1, 2))
    a, b = c.sum(axis=2), c.sum(axis=1)
    sq = (c**2).sum(axis=(1, 2))
    tp = sq - n
    fp = np.einsum("bij,bj->b", c, b) - sq
    fn = np.einsum("bij,bi->b", c, a) - sq
    tn = n**2 - fp - fn - sq
    denom = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)
    ari = np.divide(2.0 * (tp * tn - fn * fp), denom, out=np.ones_like(denom), where=denom != 0)
    return np.where((fn == 0) & (fp == 0), 1.0, ari)


TABLE_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "accuracy": _t_accuracy,
    "macro_f1": _t_macro_f1,
    "purity": _t_purity,
    "v_measure": _t_v_measure,
    "ari": _t_ari,
}


# ------------------------------------------------------------------ pair (gold, pred) metrics
def _spearman(gold: np.ndarray, pred: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.ptp(gold) == 0 or np.ptp(pred) == 0:
        return 0.0  # a constant resample has no ranking; count it as no correlation
    return float(spearmanr(gold, pred).statistic)


def _pearson(gold: np.ndarray, pred: np.ndarray) -> float:
    if np.ptp(gold) == 0 or np.ptp(pred) == 0:
        return 0.0
    return float(np.corrcoef(gold, pred)[0, 1])


PAIR_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"spearman": _spearman, "pearson": _pearson}


# Ranges of metrics that are not a mean of per-item values (those are bounded by the values).
_SIGNED = ("spearman", "pearson", "ari", "silhouette", "cosine")
_UNIT = ("accuracy", "f1", "purity", "v_measure", "roc_auc", "average_precision", "recall", "precision", "ndcg",
         "mrr", "hit", "map", "coverage", "rate")


def metric_range(metric: str, per_item: Mapping[str, Any] | None = None) -> tuple[float, float] | None:
    """The values ``metric`` can take: ``(-1, 1)`` for correlations, ARI and silhouette, ``(0, 1)``
    for accuracies, F1, rates and ranking metrics (``ndcg@10``, ``roc_auc`` ...); for a metric that
    is the mean of a per-item column of ``per_item``, the column's smallest and largest value (a
    resampled mean cannot leave them). None when unknown."""
    if per_item is not None and metric in per_item and metric != "ids":
        col = np.asarray(per_item[metric], dtype=np.float64)
        col = col[np.isfinite(col)]
        return (float(col.min()), float(col.max())) if col.size else None
    name = metric.split("@")[0].lower()
    if any(name == m or name.endswith("_" + m) or name.startswith(m + "_") for m in _SIGNED):
        return (-1.0, 1.0)
    if any(name == m or name.endswith("_" + m) or name.startswith(m + "_") for m in _UNIT):
        return (0.0, 1.0)
    return None


def note_small_n(details: dict[str, Any], name: str, n: int) -> None:
    """Flag ``details`` (``small_n`` and a warning) when its CIs rest on fewer than
    :data:`SMALL_N` items; sets ``small_n`` False for CIs on enough items. Idempotent."""
    if not details.get("ci") or "small_n" in details:
        return
    details["small_n"] = bool(n < SMALL_N)
    if details["small_n"]:
        details.setdefault("warnings", []).append(
            f"{name}: only {n} item(s); bootstrap CIs from fewer than {SMALL_N} items are rough, not 95% guarantees"
        )


def _as_arrays(per_item: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in per_item.items()}


def _n_items(arrays: Mapping[str, np.ndarray]) -> int:
    return len(arrays["ids"]) if "ids" in arrays else len(next(iter(arrays.values())))


def _kind(metric: str, arrays: Mapping[str, np.ndarray]) -> str:
    if metric in arrays and metric != "ids":
        return "mean"
    if metric in TABLE_METRICS and "y_true" in arrays:
        return "table"
    if metric in PAIR_METRICS and "gold" in arrays:
        return "pair"
    raise InvalidParameterError(
        f"no per-item definition for metric '{metric}'; per-item columns: {sorted(arrays)}; "
        f"label metrics: {sorted(TABLE_METRICS)}; pair metrics: {sorted(PAIR_METRICS)}"
    )


def _label_codes(tables: Sequence[Mapping[str, np.ndarray]]) -> tuple[np.ndarray, list[np.ndarray], int, np.ndarray]:
    """Integer codes of y_true and each table's y_pred over one shared label set."""
    true = tables[0]["y_true"]
    labels, inv = np.unique(np.concatenate([true.astype(str)] + [t["y_pred"].astype(str) for t in tables]), return_inverse=True)
    n = len(true)
    preds = [inv[n * (k + 1): n * (k + 2)] for k in range(len(tables))]
    mask = np.zeros(len(labels), dtype=bool)
    mask[np.unique(inv)] = True  # labels present in y_true or a y_pred (scikit-learn's default set)
    return inv[:n], preds, len(labels), mask


def _table_samples(metric: str, tables: Sequence[Mapping[str, np.ndarray]], n_boot: int, rng: np.random.Generator) -> list[np.ndarray]:
    from scipy.sparse import csr_matrix

    t, preds, n_labels, mask = _label_codes(tables)
    n = len(t)
    joint = np.stack([t, *preds], axis=1)
    cells, inv = np.unique(joint, axis=0, return_inverse=True)
    probs = np.bincount(inv.ravel(), minlength=len(cells)) / n
    fn = TABLE_METRICS[metric]
    out = []
    counts = rng.multinomial(n, probs, size=n_boot)  # (B, n_cells)
    for k in range(len(tables)):
        flat = cells[:, 0] * n_labels + cells[:, k + 1]
        onehot = csr_matrix((np.ones(len(cells)), (np.arange(len(cells)), flat)), shape=(len(cells), n_labels * n_labels))
        tab = np.asarray((onehot.T @ counts.T).T).reshape(n_boot, n_labels, n_labels)
        out.append(fn(tab, mask))
    return out


def _resampled(metric: str, tables: Sequence[Mapping[str, np.ndarray]], n_boot: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Bootstrap samples of ``metric`` for each table, all drawn on the same resampled items."""
    kind = _kind(metric, tables[0])
    n = _n_items(tables[0])
    if n == 0:
        raise DataError("cannot bootstrap a metric over zero items")
    if kind == "table":
        return _table_samples(metric, tables, n_boot, rng)
    out = [np.empty(n_boot) for _ in tables]
    if kind == "mean":
        step = max(1, _CHUNK // n)
        cols = [t[metric].astype(np.float64) for t in tables]
        for s in range(0, n_boot, step):
            idx = rng.integers(0, n, (min(step, n_boot - s), n))
            for o, col in zip(out, cols):
                o[s: s + len(idx)] = col[idx].mean(axis=1)
        return out
    from scipy.stats import rankdata

    step = max(1, _CHUNK // (4 * n))
    for s in range(0, n_boot, step):
        idx = rng.integers(0, n, (min(step, n_boot - s), n))
        for o, t in zip(out, tables):
            g, p = t["gold"].astype(np.float64)[idx], t["pred"].astype(np.float64)[idx]
            if metric == "spearman":  # Spearman = Pearson of (average) ranks, as scipy's spearmanr
                g, p = rankdata(g, axis=1), rankdata(p, axis=1)
            o[s: s + len(idx)] = _rowwise_pearson(g, p)
    return out


def _rowwise_pearson(g: np.ndarray, p: np.ndarray) -> np.ndarray:
    gc, pc = g - g.mean(axis=1, keepdims=True), p - p.mean(axis=1, keepdims=True)
    den = np.sqrt((gc**2).sum(axis=1) * (pc**2).sum(axis=1))
    return np.divide((gc * pc).sum(axis=1), den, out=np.zeros(len(g)), where=den > 0)


def item_metric(metric: str, per_item: Mapping[str, Any]) -> Callable[[Mapping[str, Any], np.ndarray], float]:
    """A function ``f(per_item, idx)`` computing ``metric`` on the items ``idx`` of a per-item
    table (used e.g. by the tuner to score validation and test items apart)."""
    _kind(metric, _as_arrays(per_item))  # unknown metrics fail here, with the valid names

    def on_items(table: Mapping[str, Any], idx: np.ndarray) -> float:
        return metric_value(metric, {k: np.asarray(v)[idx] for k, v in table.items()})

    return on_items


def metric_value(metric: str, per_item: Mapping[str, Any]) -> float:
    """``metric`` computed on all items of a per-item table."""
    arrays = _as_arrays(per_item)
    kind = _kind(metric, arrays)
    if kind == "mean":
        return float(np.mean(arrays[metric]))
    if kind == "pair":
        return PAIR_METRICS[metric](arrays["gold"], arrays["pred"])
    t, (p,), n_labels, mask = _label_codes([arrays])
    table = np.bincount(t * n_labels + p, minlength=n_labels * n_labels).reshape(1, n_labels, n_labels)
    return float(TABLE_METRICS[metric](table, mask)[0])


def _percentile_ci(samples: np.ndarray, confidence: float, point: float | None = None,
                   bounds: tuple[float, float] | None = None) -> tuple[float, float]:
    """Percentile interval of bootstrap samples. With ``point`` the interval is shifted by the
    bootstrap bias (median of the samples minus ``point``): resampling with duplicates inflates
    metrics such as V-measure and ARI, and the shift keeps their interval around the estimate
    (for unbiased metrics such as means the shift is ~0). ``bounds``: the metric's range, which
    the interval never leaves (the shift alone can push it past 1 on few items)."""
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return (float("nan"), float("nan"))
    a = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [a, 1.0 - a])
    if point is not None and np.isfinite(point):
        shift = float(np.median(samples)) - point
        lo, hi = lo - shift, hi - shift
    if bounds is not None:
        lo, hi = np.clip(lo, *bounds), np.clip(hi, *bounds)
    return (float(lo), float(hi))


def _diff_range(metric: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[float, float] | None:
    """The range of ``metric(a) - metric(b)``."""
    ra, rb = metric_range(metric, a), metric_range(metric, b)
    if ra is None or rb is None:
        return None
    return (ra[0] - rb[1], ra[1] - rb[0])


def _check_boot(n_boot: int, confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise InvalidParameterError(f"confidence must be in (0, 1); got {confidence}")
    if n_boot < 1:
        raise InvalidParameterError(f"n_boot must be >= 1; got {n_boot}")


def bootstrap_ci(
    data: np.ndarray | Mapping[str, Any],
    metric: str = "mean",
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    random_state: int | None = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of a metric over items.

    ``data`` is a 1-D array of per-item values (its mean is the metric) or a per-item dict (see
    the module doc) with ``metric`` naming a column or a label/pair metric.
    """
    _check_boot(n_boot, confidence)
    if not isinstance(data, Mapping):
        data, metric = {"mean": np.asarray(data, dtype=np.float64)}, "mean"
    arrays = _as_arrays(data)
    (samples,) = _resampled(metric, [arrays], n_boot, np.random.default_rng(random_state))
    return _percentile_ci(samples, confidence, bounds=metric_range(metric, arrays))


def metric_cis(
    per_item: Mapping[str, Any], metrics: Sequence[str], *, n_boot: int = 1000, random_state: int | None = 0
) -> dict[str, list[float]]:
    """Bootstrap 95% CIs (bias-shifted percentile) of several metrics of one per-item table."""
    arrays = _as_arrays(per_item)
    if _n_items(arrays) == 0:
        return {m: [float("nan"), float("nan")] for m in metrics}
    out = {}
    for m in metrics:
        (samples,) = _resampled(m, [arrays], n_boot, np.random.default_rng(random_state))
        out[m] = list(_percentile_ci(samples, 0.95, metric_value(m, arrays), metric_range(m, arrays)))
    return out


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
    resamples: int = 0  # bootstrap rounds or permutations behind p_value (its resolution)

    @property
    def p_text(self) -> str:
        """``p=0.034``, or ``p < 0.001`` (never ``p=0``; see :func:`format_p`)."""
        return format_p(self.p_value, self.resamples)

    @property
    def verdict(self) -> str:
        """A one-line human reading of the test."""
        if not self.significant:
            return f"no significant difference in {self.metric} ({self.p_text}, n={self.n})"
        better = "A" if (self.diff > 0) == self.greater_is_better else "B"
        return f"{better} is significantly better on {self.metric} (diff={self.diff:+.4f}, {self.p_text}, n={self.n})"

    def verdict_for(self, name_a: str, name_b: str) -> str:
        """The verdict naming both sides, the difference always A - B:
        ``minilm vs glove: minilm better on mrr (diff minilm-glove=+0.0897, p < 0.001, n=225)``."""
        return named_verdict(self.to_dict(), name_a, name_b)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ci"] = list(self.ci)
        d["verdict"] = self.verdict
        return d


def named_verdict(p: Mapping[str, Any], name_a: str, name_b: str) -> str:
    """:meth:`PairedComparison.verdict_for` from its ``to_dict()`` (as compare's JSON holds it)."""
    detail = (f"diff {name_a}-{name_b}={p['diff']:+.4f}, {format_p(p['p_value'], p.get('resamples', 0))}, "
              f"n={p['n']}")
    if not p["significant"]:
        return f"{name_a} vs {name_b}: no significant difference in {p['metric']} ({detail})"
    a_better = (p["diff"] > 0) == p.get("greater_is_better", True)
    return f"{name_a} vs {name_b}: {name_a if a_better else name_b} better on {p['metric']} ({detail})"


def format_p(p: float, resamples: int = 0) -> str:
    """A p-value as people write it: ``p=0.034``, ``p < 0.001``. A resampling p-value of 0 only
    says p is below the test's resolution (2 / rounds for a two-sided bootstrap), never 0."""
    if p != p:
        return "p undefined"
    floor = 2.0 / resamples if resamples else 0.0
    if p <= 0.0 or p < floor:
        bound = max(0.001, floor)
        return f"p < {bound:.2g}" if bound > 0.001 else "p < 0.001"
    if p < 0.001:
        return "p < 0.001"
    return f"p={p:.2g}" if p < 0.01 else f"p={p:.3f}".rstrip("0").rstrip(".") if p < 1 else "p=1"


def _check_paired(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[dict, dict]:
    a_arr, b_arr = _as_arrays(a), _as_arrays(b)
    if _n_items(a_arr) != _n_items(b_arr) or (
        "ids" in a_arr and "ids" in b_arr and not np.array_equal(a_arr["ids"], b_arr["ids"])
    ):
        raise DataError("paired comparison needs both embeddings scored on the same items in the same order")
    if _n_items(a_arr) == 0:
        raise DataError("cannot compare embeddings on zero items")
    for key in ("y_true", "gold"):
        if key in a_arr and not np.array_equal(a_arr[key], b_arr.get(key)):
            raise DataError(f"paired comparison needs the same '{key}' on both sides")
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

    The two-sided p-value is twice the share of resampled differences on the far side of zero;
    ``significant`` means the (1-alpha) percentile CI of the difference excludes 0.
    """
    _check_boot(n_boot, 1.0 - alpha)
    a_arr, b_arr = _check_paired(a, b)
    va, vb = metric_value(metric, a_arr), metric_value(metric, b_arr)
    sa, sb = _resampled(metric, [a_arr, b_arr], n_boot, np.random.default_rng(random_state))
    diffs = sa - sb
    lo, hi = _percentile_ci(diffs, 1.0 - alpha, va - vb, _diff_range(metric, a_arr, b_arr))
    p = 1.0 if np.all(diffs == 0) else min(1.0, 2.0 * min(np.mean(diffs <= 0), np.mean(diffs >= 0)))
    sig = bool(lo > 0 or hi < 0)
    return PairedComparison(
        metric, va, vb, va - vb, (lo, hi), float(p), _n_items(a_arr), "paired bootstrap", sig, alpha, greater_is_better,
        n_boot,
    )


def paired_permutation(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    metric: str,
    *,
    n_perm: int = 2000,
    alpha: float = 0.05,
    greater_is_better: bool = True,
    random_state: int | None = 0,
) -> PairedComparison:
    """Paired permutation (randomisation) test: swap the two embeddings' outcomes item by item.

    Valid when per-item outcomes are exchangeable between systems (per-item scores, predicted
    labels; not raw cosines of different embeddings). The CI is the paired bootstrap CI.
    """
    a_arr, b_arr = _check_paired(a, b)
    observed = metric_value(metric, a_arr) - metric_value(metric, b_arr)
    rng = np.random.default_rng(random_state)
    swappable = [k for k in a_arr if k not in ("ids", "y_true", "gold")]
    n = _n_items(a_arr)
    extreme = 0
    for _ in range(n_perm):
        swap = rng.random(n) < 0.5
        pa, pb = dict(a_arr), dict(b_arr)
        for k in swappable:
            pa[k] = np.where(swap, b_arr[k], a_arr[k])
            pb[k] = np.where(swap, a_arr[k], b_arr[k])
        if abs(metric_value(metric, pa) - metric_value(metric, pb)) >= abs(observed) - 1e-12:
            extreme += 1
    p = (extreme + 1) / (n_perm + 1)
    boot = paired_bootstrap(a_arr, b_arr, metric, n_boot=1000, alpha=alpha, random_state=random_state)
    return PairedComparison(
        metric, boot.a, boot.b, observed, boot.ci, float(p), n, "paired permutation", p < alpha, alpha, greater_is_better,
        n_perm,
    )


def _align(pa: Mapping[str, Any], pb: Mapping[str, Any]) -> tuple[dict, dict]:
    """Restrict both per-item tables to the items both embeddings covered (in A's order)."""
    ida, idb = [str(i) for i in pa["ids"]], [str(i) for i in pb["ids"]]
    if ida == idb:
        return _as_arrays(pa), _as_arrays(pb)
    pos_b = {i: k for k, i in enumerate(idb)}
    keep_a = [k for k, i in enumerate(ida) if i in pos_b]
    if not keep_a:
        raise DataError("the two embeddings have no evaluated item in common (disjoint vocabularies?)")
    keep_b = [pos_b[ida[k]] for k in keep_a]
    return ({k: np.asarray(v)[keep_a] for k, v in pa.items()}, {k: np.asarray(v)[keep_b] for k, v in pb.items()})


def compare_results(result_a: Any, result_b: Any, *, metric: str | None = None, **kwargs: Any) -> PairedComparison:
    """Paired bootstrap between two :class:`EvalResult` of one evaluator, on the items both covered."""
    metric = metric or result_a.primary_metric
    pa, pb = result_a.details.get("per_item"), result_b.details.get("per_item")
    if pa is None or pb is None:
        raise DataError(f"'{result_a.name}' kept no per-item outcomes, so it cannot be compared pairwise")
    pa, pb = _align(pa, pb)
    return paired_bootstrap(pa, pb, metric, greater_is_better=result_a.greater_is_better, **kwargs)


def build_result(
    name: str,
    metrics: dict[str, float],
    primary: str,
    per_item: dict[str, Any],
    *,
    coverage: float,
    greater_is_better: bool = True,
    n_boot: int = 1000,
    random_state: int | None = 0,
    warnings: list[str] | None = None,
    **details: Any,
) -> Any:
    """An :class:`EvalResult` whose details carry bootstrap 95% CIs of every metric that can be
    recomputed from ``per_item``, the per-item outcomes themselves and any warnings."""
    from .base import EvalResult

    arrays = _as_arrays(per_item)
    n = _n_items(arrays)
    with_items = []
    for m in metrics:
        try:
            _kind(m, arrays)
            with_items.append(m)
        except InvalidParameterError:
            pass
    cis = metric_cis(arrays, with_items, n_boot=n_boot, random_state=random_state) if n_boot > 0 and n else {}
    out = {"ci": cis, "n_boot": n_boot, "warnings": list(warnings or []), **details}
    note_small_n(out, name, n)
    out["per_item"] = {k: v.tolist() for k, v in arrays.items()}
    return EvalResult(name, {k: float(v) for k, v in metrics.items()}, primary, greater_is_better, float(coverage), n, out)
