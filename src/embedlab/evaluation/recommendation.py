"""Ranking evaluation of recommenders on a split folder: spec ``recommendation:DIR``.

``DIR`` is what ``embedlab split-interactions`` writes: ``train.csv``, ``test.csv`` and maybe
``valid.csv``. The spec scores ``DIR/test.csv`` (``recommendation:DIR/valid.csv`` scores the
validation file); ``@K`` sets the cut-off (``recommendation:DIR@20``, default 10).

Protocol (full ranking, no sampled negatives: Krichene & Rendle 2020):

* every test user is ranked over **all** items of the vectors by exact top-k (blocked BLAS
  products + :func:`embedlab.kernels.topk.merge_topk`), leaving out the user's known items:
  ``train.csv``, plus ``valid.csv`` when scoring the test file (RecBole's rule);
* the user's query vector comes from the vectors' rule (stored user vectors, the mean of the
  items of the user's ``train.csv`` history, ...; see :mod:`embedlab.vectors.recommend`), so
  every model sees exactly the training file;
* relevant items are the user's items in the scored file; items the model does not know stay in
  the denominators (they can never be hit);
* a test user without training history (or without a stored vector) scores 0 on every metric
  (``unseen_users="miss"``, the default, reported in ``details``) or is left out (``"skip"``);
  ``coverage`` is the share of test users that could be scored.

Per-user metrics, averaged over test users with bootstrap 95% CIs: ``recall@k`` (hits / relevant,
as RecBole), ``precision@k``, ``ndcg@k`` (binary gains, ideal DCG over ``min(relevant, k)``),
``mrr@k`` (reciprocal rank of the first hit within k), ``hit@k``; plus ``catalogue_coverage``, the
share of items that appear in some user's top k. The primary metric is ``ndcg@k``.
``details["baseline"]`` holds the same metrics for the popularity recommender fitted on
``train.csv`` (every model must beat it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import DataError, InputFileError, InvalidParameterError
from .base import EvalResult, register_evaluator
from .stats import build_result

if TYPE_CHECKING:
    from ..corpus.interactions import Interactions
    from ..vectors import KeyedVectors

__all__ = ["Recommendation", "ranking_metrics_at_k", "parse_recommendation_spec"]

_K_SUFFIX = re.compile(r"^(.*)@(-?\d+)$")


def parse_recommendation_spec(arg: str) -> tuple[str, int]:
    """``"DIR@20"`` -> ``("DIR", 20)``; without ``@K`` the cut-off is 10."""
    m = _K_SUFFIX.match(arg)
    if m:
        return m.group(1), int(m.group(2))
    return arg, 10


def ranking_metrics_at_k(hits: np.ndarray, n_relevant: np.ndarray) -> dict[str, np.ndarray]:
    """Per-user metrics from a boolean ``hits`` matrix (users x k: is the item at rank r relevant)
    and each user's number of relevant items."""
    n, k = hits.shape
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = hits @ disc
    cum = np.concatenate([[0.0], np.cumsum(disc)])
    idcg = cum[np.minimum(n_relevant, k)]
    n_hits = hits.sum(axis=1)
    first = np.where(hits.any(axis=1), hits.argmax(axis=1), -1)
    safe_rel = np.maximum(n_relevant, 1)
    return {
        f"recall@{k}": np.where(n_relevant > 0, n_hits / safe_rel, 0.0),
        f"precision@{k}": n_hits / float(k),
        f"ndcg@{k}": np.divide(dcg, idcg, out=np.zeros(n), where=idcg > 0),
        f"mrr@{k}": np.divide(1.0, first + 1.0, out=np.zeros(n), where=first >= 0),
        f"hit@{k}": (n_hits > 0).astype(np.float64),
    }


def _csr_of(inter: Interactions, users: list[str], item_rows: dict[str, int], *, unique_sorted: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per user of ``users``: item rows of ``kv`` (via ``item_rows``) from ``inter`` (CSR)."""
    remap = np.array([item_rows.get(t, -1) for t in inter.item_ids], dtype=np.int64)
    ptr = [0]
    out: list[np.ndarray] = []
    umap = inter.user_map
    for u in users:
        r = umap.get(u)
        rows = remap[inter.row(r)] if r is not None else np.zeros(0, np.int64)
        rows = rows[rows >= 0]
        if unique_sorted:
            rows = np.unique(rows)
        out.append(rows)
        ptr.append(ptr[-1] + rows.size)
    idx = np.concatenate(out) if out else np.zeros(0, np.int64)
    return np.asarray(ptr, dtype=np.int64), idx.astype(np.int64)


class Recommendation:
    """Full-ranking evaluation of user/item vectors on a split folder (see the module docstring)."""

    greater_is_better = True

    def __init__(self, split: str | os.PathLike[str], *, k: int = 10, unseen_users: str = "miss",
                 n_boot: int = 1000, random_state: int = 0) -> None:
        from ..corpus.interactions import read_interactions

        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise InvalidParameterError(f"recommendation: k must be an int >= 1 (spec recommendation:DIR@K); got {k!r}")
        if unseen_users not in ("miss", "skip"):
            raise InvalidParameterError(f"recommendation: unseen_users must be 'miss' or 'skip'; got {unseen_users!r}")
        path = Path(split)
        if path.is_dir():
            folder, target = path, path / "test.csv"
        elif path.is_file():
            folder, target = path.parent, path
        else:
            raise InputFileError(f"{path}: no such split folder or file; create one with "
                                 "`embedlab split-interactions FILE -o DIR`")
        train_path = folder / "train.csv"
        for p in (train_path, target):
            if not p.is_file():
                raise InputFileError(f"{p}: missing; a split folder holds train.csv and test.csv "
                                     "(from `embedlab split-interactions`)")
        if target.resolve() == train_path.resolve():
            raise InvalidParameterError(f"{target}: scoring the training file itself measures nothing; give test.csv or valid.csv")
        self.split = str(split)
        self.k = int(k)
        self.unseen_users = unseen_users
        self.n_boot = n_boot
        self.random_state = random_state
        self.train = read_interactions(train_path, format="csv")
        self.target = read_interactions(target, format="csv")
        valid_path = folder / "valid.csv"
        self.known_extra = (read_interactions(valid_path, format="csv")
                            if target.name == "test.csv" and valid_path.is_file() else None)
        self.target_path = target
        self.name = f"recommendation:{folder.name}/{target.stem}@{self.k}"

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        ranked = self._rank(kv)
        ok, users, metrics, per_user = ranked["ok"], ranked["users"], ranked["metrics"], ranked["per_user"]
        per_item = {"ids": ranked["ids"].astype(str), **per_user}
        n_unseen = int((~ok).sum())
        warnings = []
        if n_unseen:
            what = "scored as misses" if self.unseen_users == "miss" else "left out"
            warnings.append(f"{n_unseen:,} of {len(users):,} test users have no training history these vectors can "
                            f"use; {what}")
        return build_result(
            self.name, metrics, f"ndcg@{self.k}", per_item, coverage=float(ok.mean()), n_boot=self.n_boot,
            random_state=self.random_state, warnings=warnings, k=self.k, n_test_users=len(users),
            n_unseen_users=n_unseen, unseen_users=self.unseen_users, n_items=len(kv),
            test_items_unknown_to_model=ranked["unknown"], split=self.split, baseline=self.popularity_baseline(),
        )

    def popularity_baseline(self) -> dict[str, Any]:
        """``{"name": "popularity", "metrics": {...}}``: the metrics of the popularity recommender
        (items ranked by their number of training users, :class:`~embedlab.models.recommend.Popularity`)
        fitted on ``train.csv`` and scored by this same protocol; computed once per evaluator."""
        if getattr(self, "_baseline", None) is None:
            from ..models.recommend import Popularity

            popularity = Popularity().fit(self.train).vectors_
            self._baseline = {"name": "popularity", "metrics": self._rank(popularity)["metrics"]}
        return self._baseline

    def _rank(self, kv: KeyedVectors) -> dict[str, Any]:
        """Rank every test user's items with ``kv``: per-user metrics, their means and who was scored."""
        from ..vectors.recommend import query_vectors, topk_items

        k = self.k
        item_rows = kv.key_to_index
        users = [u for u, n in zip(self.target.user_ids, np.diff(self.target.indptr)) if n > 0]
        if not users:
            raise DataError(f"{self.target_path}: no test interactions")
        rel_ptr, rel_idx = _csr_of(self.target, users, item_rows, unique_sorted=True)
        lens = np.diff(self.target.indptr)  # read with duplicates summed: unique items per user
        n_rel = lens[lens > 0].astype(np.int64)
        hist_ptr, hist_idx = _csr_of(self.train, users, item_rows, unique_sorted=False)
        ex_ptr, ex_idx = _csr_of(self.train, users, item_rows, unique_sorted=True)
        if self.known_extra is not None:
            vp, vi = _csr_of(self.known_extra, users, item_rows, unique_sorted=True)
            rows = [np.union1d(ex_idx[ex_ptr[j]: ex_ptr[j + 1]], vi[vp[j]: vp[j + 1]]) for j in range(len(users))]
            ex_ptr = np.concatenate([[0], np.cumsum([r.size for r in rows])]).astype(np.int64)
            ex_idx = np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64)
        queries, ok = query_vectors(kv, hist_ptr, hist_idx, users)
        if not ok.any():
            raise DataError(f"{self.name}: no test user could be scored (no training history with an item these "
                            f"vectors know); are these the vectors of a model trained on {self.train.source}?")
        top_idx, _ = topk_items(kv, queries, k, ex_ptr, ex_idx)
        n_items = max(len(kv), 1)
        user_of = np.repeat(np.arange(len(users), dtype=np.int64), np.diff(rel_ptr))
        rel_keys = user_of * n_items + rel_idx
        top_keys = np.arange(len(users), dtype=np.int64)[:, None] * n_items + top_idx
        hits = np.isin(top_keys, rel_keys) & (top_idx >= 0)
        hits[~ok] = False
        per_user = ranking_metrics_at_k(hits, n_rel)
        keep = ok if self.unseen_users == "skip" else np.ones(len(users), dtype=bool)
        ids = np.asarray(users, dtype=object)[keep]
        per_user = {m: v[keep] for m, v in per_user.items()}
        shown = top_idx[ok & keep]
        cat = float(np.unique(shown[shown >= 0]).size / n_items)
        metrics = {m: float(v.mean()) if v.size else 0.0 for m, v in per_user.items()}
        metrics["catalogue_coverage"] = cat
        return {"ok": ok, "users": users, "ids": ids, "per_user": per_user, "metrics": metrics,
                "unknown": int(n_rel.sum() - rel_idx.size)}


@register_evaluator("recommendation")
def _make(arg: str) -> Recommendation:
    path, k = parse_recommendation_spec(arg)
    return Recommendation(path, k=k)
