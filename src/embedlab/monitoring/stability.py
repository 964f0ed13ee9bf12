"""Stability across seeds: train one configuration with N seeds and measure what the seed changes.

:func:`stability` trains ``method`` with ``params`` once per seed (``jobs`` worker processes, each
training one seed with ``n_threads = 1`` unless given, or tasks on a Dask cluster through a
``runner``; the word vectors come back as arrays) and reports:

* every benchmark's primary metric per seed, its mean, standard deviation and a Student-t 95%
  confidence interval over seeds;
* neighbour-overlap stability (Antoniak & Mimno 2018; Wendlandt et al. 2018): for every pair of
  seeds, overlap@k of each key's exact neighbours (searched among all shared keys; query keys are
  all of them up to ``n_keys``, else the ``n_keys`` most frequent), averaged per key over the
  pairs, then by frequency bin, plus the least stable keys;
* ``versus``: the same seeds trained with other options (B), and for each benchmark a **paired
  bootstrap over seeds and items**: each round resamples seeds (A and B of one seed stay paired)
  and benchmark items (the same items for both), and takes the mean over the resampled seeds of
  metric(A) - metric(B) on the resampled items. The two-sided p-value is twice the share of
  rounds on the far side of zero; "significant" means the 95% interval excludes 0.
"""

from __future__ import annotations

import itertools
import math
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numpy as np

from .._progress import logger, progress_bar
from ..exceptions import DataError, InvalidParameterError

__all__ = ["stability", "seed_item_bootstrap", "overlap_stability", "process_runner"]


def _train_one(method: str, params: dict[str, Any], corpus: Any, seed: int) -> dict[str, Any]:
    """Train one seed (in a worker process, on a Dask worker or inline); the word vectors as arrays."""
    from ..models import get_model

    model = get_model(method)(**{**params, "random_state": seed})
    model.fit(corpus)
    if getattr(model, "interrupted_", False):
        raise KeyboardInterrupt
    kv = model.vectors_
    return {"keys": list(kv.index_to_key), "vectors": np.asarray(kv.vectors, dtype=np.float32),
            "counts": None if kv.counts is None else np.asarray(kv.counts), "metadata": dict(kv.metadata or {})}


Runner = Callable[[Callable[..., Any], list[tuple[Any, ...]]], list[Any]]


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_runner(jobs: int) -> Runner:
    """Run calls inline (``jobs == 1``) or in ``jobs`` spawned worker processes."""

    def run(fn: Callable[..., Any], calls: list[tuple[Any, ...]]) -> list[Any]:
        if jobs <= 1:
            return [fn(*args) for args in calls]
        # Workers ignore Ctrl-C (a terminal sends it to the whole process group, and a worker between
        # two calls would print a traceback); the driver stops them instead.
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_ignore_sigint)
        try:
            return [f.result() for f in [pool.submit(fn, *args) for args in calls]]
        except KeyboardInterrupt:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    return run


def _train_all(method: str, params: dict[str, Any], corpus: Any, seeds: Sequence[int], runner: Runner) -> list[Any]:
    from ..vectors import KeyedVectors

    out = runner(_train_one, [(method, params, corpus, s) for s in seeds])
    return [KeyedVectors(r["keys"], r["vectors"], counts=r["counts"], metadata=r["metadata"]) for r in out]


def _t_ci(values: np.ndarray) -> tuple[float, float]:
    from scipy.stats import t

    n = values.shape[0]
    if n < 2:
        return (float("nan"), float("nan"))
    half = float(t.ppf(0.975, n - 1)) * float(values.std(ddof=1)) / math.sqrt(n)
    m = float(values.mean())
    return (m - half, m + half)


QUERY_KEYS = ("frequent", "sample", "all")


def overlap_stability(kvs: Sequence[Any], k: int = 10, n_keys: int = 5000, max_pairs: int = 10,
                      least: int = 30, query_keys: str = "frequent", seed: int = 0) -> dict[str, Any]:
    """Per-key neighbour overlap@k across seed pairs, by frequency bin (see the module docstring).

    ``query_keys`` chooses the keys whose neighbours are compared (neighbours are always searched
    among every shared key): ``"frequent"`` the ``n_keys`` most frequent, ``"sample"`` a seeded
    uniform sample of ``n_keys`` (rare keys included, so every frequency bin is measured), ``"all"``
    every shared key. The result's ``queries`` says which were used."""
    if query_keys not in QUERY_KEYS:
        raise InvalidParameterError(f"query_keys must be one of {', '.join(QUERY_KEYS)}; got {query_keys!r}")
    if n_keys < 1:
        raise InvalidParameterError(f"n_keys must be >= 1; got {n_keys}")
    from .drift import frequency_bins, neighbour_overlap

    first = kvs[0]
    shared = [key for key in first.index_to_key if all(key in kv.key_to_index for kv in kvs[1:])]
    counts = first.counts
    if counts is not None:
        cnt = {key: int(counts[first.key_to_index[key]]) for key in shared}
        shared.sort(key=lambda key: -cnt[key])
    if len(shared) <= k:
        raise DataError(f"stability: only {len(shared)} keys are shared by every seed; overlap@{k} needs more")
    mats = [np.asarray(kv[shared], dtype=np.float32) for kv in kvs]
    if query_keys == "all" or n_keys >= len(shared):
        queries = np.arange(len(shared), dtype=np.int64)
        chosen = f"all {len(shared):,} keys shared by every seed"
    elif query_keys == "sample":
        rng = np.random.default_rng(seed)
        queries = np.sort(rng.choice(len(shared), size=n_keys, replace=False)).astype(np.int64)
        chosen = f"a seeded random sample of {n_keys:,} of the {len(shared):,} keys shared by every seed"
    else:
        queries = np.arange(n_keys, dtype=np.int64)
        chosen = f"the {n_keys:,} most frequent of the {len(shared):,} keys shared by every seed"
    pairs = list(itertools.combinations(range(len(kvs)), 2))[:max_pairs]
    per_pair = np.stack([neighbour_overlap(mats[a], mats[b], queries, k)[0] for a, b in pairs])
    per_key = per_pair.mean(axis=0)
    by_count = counts is not None
    freq = np.array([cnt[shared[i]] for i in queries]) if by_count else queries.copy()
    bins, labels, _ = frequency_bins(freq, by_count)
    rows = []
    for b, label in enumerate(labels):
        sel = bins == b
        if sel.any():
            rows.append({"bin": label, "n": int(sel.sum()), "overlap": float(per_key[sel].mean()),
                         "std": float(per_key[sel].std())})
    order = np.argsort(per_key, kind="stable")[:least]
    low = [{"key": shared[i], "overlap": float(per_key[i]), **({"count": int(freq[i])} if by_count else {})}
           for i in order]
    rho = None
    if by_count and queries.shape[0] > 2:
        from scipy.stats import spearmanr

        rho = float(spearmanr(np.log(freq + 1), per_key).statistic)
    return {"k": k, "n_keys": int(queries.shape[0]), "n_shared": len(shared), "n_pairs": len(pairs),
            "mean": float(per_key.mean()), "bins": rows, "least_stable": low, "spearman_with_log_frequency": rho,
            "query_keys": query_keys, "queries": f"{chosen}; neighbours among all of them"}


def _per_item(evaluator: Any, kv: Any) -> tuple[Any, dict[str, np.ndarray] | None]:
    from ..evaluation.compare import evaluate_with_cis

    result = evaluate_with_cis(evaluator, kv, n_boot=200)
    table = result.details.get("per_item")
    return result, ({k: np.asarray(v) for k, v in table.items()} if table else None)


def _common_items(tables: Sequence[Mapping[str, np.ndarray]]) -> list[np.ndarray]:
    ids = [[str(i) for i in t["ids"]] for t in tables]
    common = set(ids[0]).intersection(*ids[1:])
    if not common:
        raise DataError("no benchmark item is covered by every run")
    order = [i for i in ids[0] if i in common]
    return [np.array([pos[i] for i in order]) for pos in ({i: n for n, i in enumerate(x)} for x in ids)]


def seed_item_bootstrap(tables_a: Sequence[Mapping[str, np.ndarray]], tables_b: Sequence[Mapping[str, np.ndarray]],
                        metric: str, *, n_boot: int = 2000, random_state: int = 0,
                        greater_is_better: bool = True) -> Any:
    """Paired bootstrap over seeds and items (A and B of one seed paired; one item set for both).

    ``tables_a[i]`` / ``tables_b[i]`` are per-item outcome tables (``ids`` + metric inputs) of seed
    ``i``. Returns a :class:`~embedlab.evaluation.stats.PairedComparison` (test "paired bootstrap
    over seeds and items")."""
    from ..evaluation.stats import PairedComparison, item_metric

    if len(tables_a) != len(tables_b) or not tables_a:
        raise DataError("seed_item_bootstrap needs one table per seed for A and for B (same seeds)")
    idx = _common_items(list(tables_a) + list(tables_b))
    s = len(tables_a)
    ta = [{k: np.asarray(v)[ix] for k, v in t.items()} for t, ix in zip(tables_a, idx[:s])]
    tb = [{k: np.asarray(v)[ix] for k, v in t.items()} for t, ix in zip(tables_b, idx[s:])]
    f = item_metric(metric, ta[0])
    n = ta[0]["ids"].shape[0]
    every = np.arange(n)
    va = float(np.mean([f(t, every) for t in ta]))
    vb = float(np.mean([f(t, every) for t in tb]))
    rng = np.random.default_rng(random_state)
    diffs = np.empty(n_boot)
    for r in range(n_boot):
        seeds = rng.integers(0, s, s)
        items = rng.integers(0, n, n)
        diffs[r] = float(np.mean([f(ta[j], items) - f(tb[j], items) for j in seeds]))
    diffs = diffs[np.isfinite(diffs)]
    if diffs.size == 0:
        raise DataError(f"the metric {metric} is undefined on every resample (too few items?)")
    lo, hi = (float(x) for x in np.percentile(diffs, [2.5, 97.5]))
    p = 1.0 if np.all(diffs == 0) else min(1.0, 2.0 * min(np.mean(diffs <= 0), np.mean(diffs >= 0)))
    return PairedComparison(metric, va, vb, va - vb, (lo, hi), float(p), n, "paired bootstrap over seeds and items",
                            bool(lo > 0 or hi < 0), 0.05, greater_is_better)


def stability(method: str, corpus: Any, params: Mapping[str, Any], seeds: Sequence[int], evaluators: Sequence[Any], *,
              versus: Mapping[str, Any] | None = None, jobs: int = 1, k: int = 10, n_keys: int = 5000,
              query_keys: str = "frequent", n_boot: int = 2000, show_progress: bool = True, describe: tuple[str, str] = ("A", "B"),
              runner: Runner | None = None) -> dict[str, Any]:
    """Train ``method`` with ``params`` for every seed (and ``versus`` = B's params) and measure
    metric spread, per-key neighbour stability and, with ``versus``, A against B. Returns a
    JSON-serialisable dict (see the module docstring). ``runner(fn, calls)`` runs the trainings
    (default: :func:`process_runner` with ``jobs`` processes; the CLI passes a Dask one for ``--dask``)."""
    from ..models import get_model

    if len(seeds) < 2:
        raise InvalidParameterError(f"stability needs at least 2 seeds; got {len(seeds)}")
    if jobs < 1:
        raise InvalidParameterError(f"stability: jobs must be >= 1; got {jobs}")
    cls = get_model(method)
    params = dict(params)
    if jobs > 1:
        params.setdefault("n_threads", 1)
    params["show_progress"] = False
    cls(**params)._validate_params()  # bad options fail before any training
    params_b = None
    if versus is not None:
        params_b = {**params, **versus}
        cls(**params_b)._validate_params()
    t0 = time.perf_counter()
    warnings: list[str] = []
    corpus_arg = os.fspath(corpus) if isinstance(corpus, os.PathLike) else corpus
    run = runner if runner is not None else process_runner(jobs)
    with progress_bar(len(seeds) * (2 if params_b else 1), "training seeds", unit="runs", enabled=show_progress) as bar:
        kvs = _train_all(method, params, corpus_arg, seeds, run)
        bar.advance(len(seeds))
        kvs_b = _train_all(method, params_b, corpus_arg, seeds, run) if params_b else None
    metrics, versus_rows = [], []
    for ev in evaluators:
        try:
            res_a = [_per_item(ev, kv) for kv in kvs]
        except DataError as exc:
            warnings.append(f"{ev.name}: {exc}")
            continue
        pm = res_a[0][0].primary_metric
        vals = np.array([r.metrics[pm] for r, _ in res_a], dtype=float)
        lo, hi = _t_ci(vals)
        metrics.append({"task": ev.name, "metric": pm, "values": vals.tolist(), "mean": float(vals.mean()),
                        "std": float(vals.std(ddof=1)), "ci": [lo, hi]})
        if kvs_b is not None:
            try:
                res_b = [_per_item(ev, kv) for kv in kvs_b]
                ta, tb = [t for _, t in res_a], [t for _, t in res_b]
                if any(t is None for t in ta + tb):
                    raise DataError("no per-item outcomes to pair")
                pc = seed_item_bootstrap(ta, tb, pm, n_boot=n_boot, greater_is_better=res_a[0][0].greater_is_better)
            except DataError as exc:
                warnings.append(f"{ev.name}: A versus B not tested: {exc}")
                continue
            verdict = pc.verdict.replace("A is", f"A ({describe[0]}) is").replace("B is", f"B ({describe[1]}) is")
            versus_rows.append({"task": ev.name, "metric": pm, "a": pc.a, "b": pc.b, "diff": pc.diff,
                                "ci": list(pc.ci), "p_value": pc.p_value, "n_items": pc.n,
                                "significant": pc.significant, "verdict": verdict,
                                "b_values": [r.metrics[pm] for r, _ in res_b]})
    overlap = overlap_stability(kvs, k=k, n_keys=n_keys, query_keys=query_keys)
    out: dict[str, Any] = {
        "method": method, "params": {k_: v for k_, v in params.items() if k_ != "callbacks"}, "seeds": list(seeds),
        "n_seeds": len(seeds), "metrics": metrics, "overlap": overlap, "warnings": warnings,
        "jobs": jobs, "seconds": round(time.perf_counter() - t0, 2),
    }
    if params_b is not None:
        out["versus"] = {"a": describe[0], "b": describe[1], "b_params": dict(versus or {}),
                         "test": "paired bootstrap over seeds and items (A and B of one seed paired, the same items "
                                 f"for both; {n_boot} rounds)", "results": versus_rows,
                         "overlap_b": overlap_stability(kvs_b, k=k, n_keys=n_keys, query_keys=query_keys)["mean"]}  # type: ignore[arg-type]
    logger.info("stability: %d seeds, mean overlap@%d %.3f", len(seeds), k, overlap["mean"])
    return out
