"""Word-level tasks: categorisation (clustering words against given categories) and outlier detection.

* :class:`WordCategorization` (kind ``categorization``): KMeans (scikit-learn, k = number of
  categories) on the unit vectors of the words found; purity (primary, as in Baroni et al.
  2014), V-measure and ARI with bootstrap 95% CIs over words.
* :class:`OutlierDetection` (kind ``outliers``): Camacho-Collados & Navigli (2016). For a cluster
  W and an outlier o, each word's compactness is its mean cosine to the other words of W + {o};
  the outlier position OP is the rank of o's compactness (0 = most compact). Accuracy = share of
  (set, outlier) items where o is the least compact; OPP = mean OP / |W|.

Words are looked up as given, then lowercased; words without a vector are left out and
``coverage`` says how many were found.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import DataError
from .base import EvalResult, register_evaluator
from .documents import lookup_index
from .stats import build_result
from ..corpus.taskdata import OutlierSets, WordCategories, load_outlier_sets, load_word_categories

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["WordCategorization", "OutlierDetection", "outlier_position"]


class WordCategorization:
    """Cluster the words of a categorisation set and score the clusters against the categories."""

    def __init__(
        self, dataset: str | os.PathLike[str] | WordCategories, *, n_boot: int = 1000, random_state: int = 0
    ) -> None:
        self.data = dataset if isinstance(dataset, WordCategories) else load_word_categories(dataset)
        self.n_boot = n_boot
        self.random_state = random_state
        self.name = f"categorization:{Path(self.data.source).name}"

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        from sklearn.cluster import KMeans
        from sklearn.metrics import adjusted_rand_score, v_measure_score
        from sklearn.metrics.cluster import contingency_matrix

        rows = [(w, c, lookup_index(kv, w)) for w, c in zip(self.data.words, self.data.categories)]
        found = [(w, c, i) for w, c, i in rows if i is not None]
        k = len(set(self.data.categories))
        if len(found) < k:
            raise DataError(
                f"{self.name}: only {len(found)} of {len(rows)} words have vectors, fewer than the {k} categories"
            )
        X = kv.unit_vectors[[i for _, _, i in found]]
        y = np.asarray([c for _, c, _ in found])
        pred = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit_predict(X)
        table = contingency_matrix(y, pred)
        metrics = {
            "purity": float(table.max(axis=0).sum() / table.sum()),
            "v_measure": float(v_measure_score(y, pred)),
            "ari": float(adjusted_rand_score(y, pred)),
        }
        per_item = {"ids": np.asarray([w for w, _, _ in found]), "y_true": y, "y_pred": pred}
        warnings = list(self.data.warnings)
        return build_result(
            self.name, metrics, "purity", per_item, coverage=len(found) / len(rows), n_boot=self.n_boot,
            random_state=self.random_state, warnings=warnings, n_categories=k,
            oov_words=[w for w, _, i in rows if i is None][:20],
        )


def outlier_position(unit: np.ndarray) -> int:
    """OP of the last row among all rows (unit vectors): how many rows are less compact than it."""
    sims = unit @ unit.T
    n = len(unit)
    compact = (sims.sum(axis=1) - np.diag(sims)) / (n - 1)
    return int(np.sum(compact[:-1] > compact[-1]))


class OutlierDetection:
    """Outlier detection over sets of cluster words and candidate outliers (8-8-8 style)."""

    def __init__(
        self, dataset: str | os.PathLike[str] | OutlierSets, *, n_boot: int = 1000, random_state: int = 0
    ) -> None:
        self.data = dataset if isinstance(dataset, OutlierSets) else load_outlier_sets(dataset)
        self.n_boot = n_boot
        self.random_state = random_state
        self.name = f"outliers:{Path(self.data.source).name}"

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        ids, acc, opp = [], [], []
        total = 0
        for name, cluster, outliers in zip(self.data.names, self.data.clusters, self.data.outliers):
            rows = [i for i in (lookup_index(kv, w) for w in cluster) if i is not None]
            total += len(outliers)
            if len(rows) < 2:
                continue
            for o in outliers:
                j = lookup_index(kv, o)
                if j is None:
                    continue
                op = outlier_position(kv.unit_vectors[rows + [j]])
                ids.append(f"{name}/{o}")
                acc.append(1.0 if op == len(rows) else 0.0)
                opp.append(op / len(rows))
        if not ids:
            raise DataError(f"{self.name}: no (set, outlier) item has vectors (vocabularies are disjoint)")
        metrics = {"accuracy": float(np.mean(acc)), "opp": float(np.mean(opp))}
        per_item = {"ids": np.asarray(ids), "accuracy": np.asarray(acc), "opp": np.asarray(opp)}
        return build_result(
            self.name, metrics, "accuracy", per_item, coverage=len(ids) / total, n_boot=self.n_boot,
            random_state=self.random_state, n_sets=len(self.data.names),
        )


@register_evaluator("categorization")
def _make_categorization(arg: str) -> WordCategorization:
    return WordCategorization(arg)


@register_evaluator("outliers")
def _make_outliers(arg: str) -> OutlierDetection:
    return OutlierDetection(arg)
