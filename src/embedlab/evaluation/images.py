"""Image vectors as an evaluation: k-NN classification and retrieval by label.

Spec kind ``image-knn:LABELS`` (:class:`ImageKNN`). LABELS is a CSV/TSV of ``key,label[,split]``
rows (header optional; ``split`` is ``train`` or ``test``), an ``.npz`` with ``labels`` (and
``keys``) arrays, or an image folder with one sub-folder per class (keys as ``embedlab train cnn``
writes them: ``class/file.png``). Keys without a vector lower ``coverage`` and are not scored.

Protocol: with a ``split`` column, every ``test`` image is a query against the ``train`` images
(the gallery); without one, leave-one-out: every image is a query against all the others.
Similarity is the cosine.

* **k-NN classification** (``k`` = 5): the label most frequent among the k most similar gallery
  images (ties: the larger summed similarity, then the nearest). Metrics ``accuracy`` (primary)
  and ``macro_f1``.
* **Retrieval by label**: the whole gallery ranked per query; relevant = same label. ``map`` (mean
  average precision) and ``recall@k`` for k in 1, 5 (the metric-learning definition: the share of
  queries with at least one relevant image among the first k, as in Musgrave et al. 2020).

Every metric has a bootstrap 95% CI over queries (:func:`~embedlab.evaluation.stats.build_result`),
so two sets of image vectors compare pairwise like any other evaluation. Queries whose label has
no other image in the gallery cannot be scored (a warning counts them).
``details["baseline"]``: the accuracy of always answering the gallery's most frequent label.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import DataError, InvalidParameterError
from .base import EvalResult, register_evaluator
from .stats import build_result

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["ImageKNN", "knn_and_retrieval"]

_BLOCK = 2_000_000  # similarity entries computed at once


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(n > 0, n, 1.0)).astype(np.float32)


def knn_and_retrieval(queries: np.ndarray, q_labels: np.ndarray, gallery: np.ndarray, g_labels: np.ndarray, *,
                      k: int = 5, recall_ks: Sequence[int] = (1, 5),
                      exclude_self: bool = False) -> dict[str, np.ndarray]:
    """Per-query ``y_pred`` (k-NN vote), ``ap`` and ``recall@k`` by cosine (module docstring).

    ``exclude_self``: queries are the gallery itself (row i of both is one image; leave-one-out).
    Labels are integer codes.
    """
    q, g = _unit(queries), _unit(gallery)
    nq = len(q)
    kk = min(k, len(g) - (1 if exclude_self else 0))
    pred = np.empty(nq, dtype=g_labels.dtype)
    ap = np.zeros(nq)
    recalls = {r: np.zeros(nq) for r in recall_ks}
    step = max(1, _BLOCK // max(1, len(g)))
    for lo in range(0, nq, step):
        sims = q[lo:lo + step] @ g.T
        rows = np.arange(sims.shape[0])
        if exclude_self:
            sims[rows, lo + rows] = -np.inf
        order = np.argsort(-sims, axis=1, kind="stable")
        if exclude_self:
            order = order[:, :-1]  # the query itself, ranked last
        ranked = g_labels[order]
        top_sims = np.take_along_axis(sims, order[:, :kk], axis=1)
        for r in rows:
            votes: dict[int, list[float]] = {}
            for lab, s in zip(ranked[r, :kk], top_sims[r]):
                v = votes.setdefault(int(lab), [0, 0.0])
                v[0] += 1
                v[1] += float(s)
            pred[lo + r] = max(votes, key=lambda lab: (votes[lab][0], votes[lab][1]))  # ties: first (nearest) wins
        rel = ranked == q_labels[lo:lo + step, None]
        hits = np.cumsum(rel, axis=1)
        n_rel = rel.sum(axis=1)
        prec = hits / np.arange(1, rel.shape[1] + 1)
        ap[lo:lo + step] = np.divide((prec * rel).sum(axis=1), n_rel, out=np.zeros(len(rel)), where=n_rel > 0)
        for r_k in recall_ks:
            recalls[r_k][lo:lo + step] = rel[:, :r_k].any(axis=1)
    return {"y_pred": pred, "ap": ap, **{f"recall@{r}": v for r, v in recalls.items()}}


class ImageKNN:
    """k-NN classification accuracy and retrieval mAP / recall@k of image vectors by label."""

    greater_is_better = True

    def __init__(self, labels: str | os.PathLike[str], *, k: int = 5, recall_ks: Sequence[int] = (1, 5),
                 n_boot: int = 1000, random_state: int = 0) -> None:
        from ..corpus.images import read_image_labels

        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InvalidParameterError(f"image-knn: k must be a positive int; got {k!r}")
        self.keys, self.labels, self.split, self.source = read_image_labels(labels)
        if len(set(self.labels)) < 2:
            raise DataError(f"{self.source}: labels have a single class; k-NN classification needs at least 2")
        self.k = k
        self.recall_ks = tuple(recall_ks)
        self.n_boot = n_boot
        self.random_state = random_state
        self.name = f"image-knn:{Path(self.source).name}"

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        from sklearn.metrics import accuracy_score, f1_score

        rows = np.array([kv.key_to_index.get(key, -1) for key in self.keys], dtype=np.int64)
        has = rows >= 0
        if not has.any():
            raise DataError(f"{self.name}: no labelled key has a vector (keys look like {self.keys[0]!r}; the vectors' "
                            f"like {kv.index_to_key[0]!r})")
        classes, codes = np.unique(np.asarray(self.labels), return_inverse=True)
        warnings = []
        if self.split is not None:
            part = np.asarray(self.split)
            q_idx, g_idx = np.flatnonzero(has & (part == "test")), np.flatnonzero(has & (part == "train"))
            if q_idx.size == 0 or g_idx.size == 0:
                raise DataError(f"{self.name}: no {'test' if q_idx.size == 0 else 'train'} image has a vector")
            protocol = "train/test"
            g_counts = Counter(codes[g_idx].tolist())
            scorable = np.array([g_counts[c] > 0 for c in codes[q_idx]], dtype=bool)
            out = knn_and_retrieval(kv.vectors[rows[q_idx]], codes[q_idx], kv.vectors[rows[g_idx]], codes[g_idx],
                                    k=self.k, recall_ks=self.recall_ks)
        else:
            q_idx = g_idx = np.flatnonzero(has)
            protocol = "leave-one-out"
            if q_idx.size < 3:
                raise DataError(f"{self.name}: {q_idx.size} labelled image(s) with vectors; need at least 3")
            g_counts = Counter(codes[q_idx].tolist())
            scorable = np.array([g_counts[c] > 1 for c in codes[q_idx]], dtype=bool)
            out = knn_and_retrieval(kv.vectors[rows[q_idx]], codes[q_idx], kv.vectors[rows[q_idx]], codes[q_idx],
                                    k=self.k, recall_ks=self.recall_ks, exclude_self=True)
        if not scorable.all():
            warnings.append(f"{self.name}: {int((~scorable).sum())} query image(s) whose label has no other image in "
                            "the gallery are not scored")
        if not scorable.any():
            raise DataError(f"{self.name}: no query image has another image of its label in the gallery")
        scored = q_idx[scorable]
        pool = np.asarray(self.split) == "test" if self.split is not None else np.ones(len(self.keys), dtype=bool)
        coverage = float(has[pool].mean())
        if coverage < 1.0:
            warnings.append(f"{self.name}: {int((~has & pool).sum())} labelled key(s) have no vector (not scored)")
        y_true, y_pred = classes[codes[scored]], classes[out["y_pred"][scorable]]
        metrics = {"accuracy": float(accuracy_score(y_true, y_pred)),
                   "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
                   "map": float(out["ap"][scorable].mean())}
        per_item = {"ids": [self.keys[i] for i in scored], "y_true": y_true, "y_pred": y_pred,
                    "map": out["ap"][scorable]}
        for r in self.recall_ks:
            metrics[f"recall@{r}"] = float(out[f"recall@{r}"][scorable].mean())
            per_item[f"recall@{r}"] = out[f"recall@{r}"][scorable]
        majority = Counter(codes[g_idx].tolist()).most_common(1)[0][0]
        baseline = {"name": "majority class", "metrics": {"accuracy": float(np.mean(codes[scored] == majority))}}
        return build_result(self.name, metrics, "accuracy", per_item, coverage=coverage, n_boot=self.n_boot,
                            random_state=self.random_state, warnings=warnings, k=self.k, protocol=protocol,
                            n_gallery=int(g_idx.size), n_classes=int(len(classes)), baseline=baseline)


@register_evaluator("image-knn")
def _make(arg: str) -> ImageKNN:
    return ImageKNN(arg)
