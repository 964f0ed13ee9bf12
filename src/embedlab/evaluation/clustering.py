"""Document clustering as an evaluation: do texts of one label land in one k-means cluster?

Texts become unit-length document vectors; scikit-learn's KMeans (k = number of labels) clusters
them. Metrics from scikit-learn: V-measure (primary), adjusted Rand index, and the cosine
silhouette (on at most ``silhouette_sample`` texts), each with a bootstrap 95% CI over texts.
Spec kind ``clustering:FILE`` (labelled texts, any format :func:`load_labelled_texts` reads).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import DataError
from .base import EvalResult, register_evaluator
from .classification import check_labels
from .encoders import doc_method_of, document_embedder
from .stats import bootstrap_ci, build_result
from ..corpus.taskdata import LabelledTexts, load_labelled_texts

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["DocumentClustering", "cluster_metrics"]


def cluster_metrics(
    X: np.ndarray, y: np.ndarray, n_clusters: int, random_state: int, silhouette_sample: int = 2000
) -> tuple[np.ndarray, dict[str, float], np.ndarray]:
    """KMeans on unit rows of ``X``; returns predicted clusters, metrics and per-item silhouettes."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, silhouette_samples, v_measure_score

    norms = np.linalg.norm(X, axis=1, keepdims=True)
    Xn = X / np.where(norms > 0, norms, 1.0)
    pred = KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state).fit_predict(Xn)
    rng = np.random.default_rng(random_state)
    sub = rng.choice(len(y), size=min(len(y), silhouette_sample), replace=False)
    sil = silhouette_samples(Xn[sub], pred[sub], metric="cosine") if len(set(pred[sub])) > 1 else np.zeros(len(sub))
    metrics = {
        "v_measure": float(v_measure_score(y, pred)),
        "ari": float(adjusted_rand_score(y, pred)),
        "silhouette": float(np.mean(sil)),
    }
    return pred, metrics, sil


class DocumentClustering:
    """KMeans clustering of document vectors scored against given labels."""

    def __init__(
        self,
        dataset: str | os.PathLike[str] | LabelledTexts,
        *,
        doc_method: str = "mean",
        n_boot: int = 1000,
        random_state: int = 0,
        silhouette_sample: int = 2000,
        text_column: str | None = None,
        label_column: str | None = None,
    ) -> None:
        data = dataset if isinstance(dataset, LabelledTexts) else load_labelled_texts(
            dataset, text_column=text_column, label_column=label_column
        )
        self.text_column = text_column
        self.label_column = label_column
        self.data, self.warnings = check_labels(data)
        self.doc_method = doc_method
        self.n_boot = n_boot
        self.random_state = random_state
        self.silhouette_sample = silhouette_sample
        self.name = f"clustering:{Path(self.data.source).name}"

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        embedder = document_embedder(kv, self.doc_method)
        X = embedder.fit_transform(self.data.texts)
        oov = embedder.last_oov_
        if oov.n_empty_texts == oov.n_texts:
            raise DataError(f"{self.name}: no text has a word with a vector (vocabularies are disjoint)")
        y = np.asarray(self.data.labels)
        k = len(set(self.data.labels))
        pred, metrics, sil = cluster_metrics(X, y, k, self.random_state, self.silhouette_sample)
        per_item = {"ids": np.arange(len(y)), "y_true": y, "y_pred": pred}
        res = build_result(
            self.name, metrics, "v_measure", per_item, coverage=oov.token_coverage, n_boot=self.n_boot,
            random_state=self.random_state, warnings=self.warnings, oov=oov.to_dict(), n_clusters=k,
            doc_method=doc_method_of(kv, self.doc_method), silhouette_n=int(len(sil)),
        )
        res.details["ci"]["silhouette"] = list(bootstrap_ci(sil, n_boot=self.n_boot, random_state=self.random_state))
        return res


@register_evaluator("clustering")
def _make(arg: str, text_column: str | None = None, label_column: str | None = None) -> DocumentClustering:
    return DocumentClustering(arg, text_column=text_column, label_column=label_column)
