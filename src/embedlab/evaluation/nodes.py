"""Node embeddings as an evaluation: node classification and link prediction.

* ``node-classification:FILE|FOLDER`` (:class:`NodeClassification`): a scikit-learn logistic
  regression on the node vectors. FILE is CSV/TSV/space-separated ``node label`` lines (header
  optional): scored by stratified k-fold cross-validation (every node predicted once by a model
  that did not see it). A Planetoid folder (``ind.cora.*``) uses its standard split (train on
  the 140 training nodes, score the 1000 test nodes); a karateclub folder its ``target.csv``.
  Metrics: accuracy (primary), micro-F1 (equal to accuracy for one label per node) and macro-F1,
  each with a bootstrap 95% CI. Labelled nodes without a vector lower ``coverage``; they are not
  scored. ``details["baseline"]``: the majority-class baseline's accuracy and macro-F1 on the same
  nodes (the most frequent training label, per fold under cross-validation).
* ``link-prediction:DIR`` (:class:`LinkPrediction`): DIR as written by ``embedlab split-edges``
  (``train.csv``: the graph to train the vectors on; ``test.csv``: held-out edges and as many
  non-edges). Scores: ROC-AUC (primary) and average precision of a logistic regression on the
  Hadamard product of the two vectors, trained on edges of ``train.csv`` against sampled
  non-edges; and of the plain dot product. Bootstrap CIs over the test pairs.

For tuning, a standard split gives the validation part (its 500 validation nodes) and the test
part (the test nodes); otherwise the labelled nodes or test pairs are split at random.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import DataError, InvalidParameterError
from .base import EvalResult, register_evaluator
from .stats import build_result

if TYPE_CHECKING:
    from ..corpus.graph import LinkPairs, NodeLabels
    from ..vectors import KeyedVectors

__all__ = ["NodeClassification", "LinkPrediction", "load_node_labels", "roc_auc", "bootstrap_auc_ci"]


def load_node_labels(path: str | os.PathLike[str]) -> NodeLabels:
    """Node labels from a labels file, a Planetoid folder (with its split) or a karateclub folder."""
    from ..corpus.graph import is_planetoid_dir, load_planetoid, read_node_labels

    p = Path(path)
    if p.is_dir():
        if is_planetoid_dir(p):
            return load_planetoid(p).node_labels()
        if (p / "target.csv").is_file():
            return read_node_labels(p / "target.csv")
        raise DataError(f"{p}: a folder must hold Planetoid files (ind.<name>.*) or a karateclub target.csv")
    return read_node_labels(p)


class NodeClassification:
    """Logistic regression on node vectors (see the module docstring).

    ``dataset``: a labels file, a Planetoid or karateclub folder, or
    :class:`~embedlab.corpus.graph.NodeLabels`; ``cv`` folds when there is no standard split;
    ``C``: inverse L2 regularisation of the logistic regression.
    """

    greater_is_better = True

    def __init__(
        self,
        dataset: str | os.PathLike[str] | NodeLabels,
        *,
        cv: int = 5,
        C: float = 1.0,
        max_iter: int = 2000,
        n_boot: int = 1000,
        random_state: int = 0,
    ) -> None:
        from ..corpus.graph import NodeLabels

        if cv < 2:
            raise InvalidParameterError(f"cv must be >= 2; got {cv}")
        if not C > 0:
            raise InvalidParameterError(f"C must be > 0; got {C}")
        self.dataset = dataset if isinstance(dataset, NodeLabels) else load_node_labels(dataset)
        if len(set(self.dataset.labels)) < 2:
            raise DataError(f"{self.dataset.source}: labels have a single class; classification needs at least 2")
        self.cv = cv
        self.C = C
        self.max_iter = max_iter
        self.n_boot = n_boot
        self.random_state = random_state
        src = self.dataset.source
        self.name = f"node-classification:{Path(src).name if os.sep in src else src}"

    def _classifier(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=self.max_iter)

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        from sklearn.dummy import DummyClassifier
        from sklearn.metrics import accuracy_score, f1_score
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        data = self.dataset
        warnings: list[str] = []
        has = np.array([n in kv.key_to_index for n in data.nodes], dtype=bool)
        y_all = np.asarray(data.labels)
        if data.split is not None:
            train, test = np.asarray(data.split["train"]), np.asarray(data.split["test"])
            scored = test
            tr, te = train[has[train]], test[has[test]]
            coverage = float(has[test].mean()) if test.size else 0.0
            if tr.size == 0 or te.size == 0:
                raise DataError(f"{self.name}: no {'training' if tr.size == 0 else 'test'} node has a vector "
                                "(do the node ids match the graph's?)")
            if len(set(y_all[tr])) < 2:
                raise DataError(f"{self.name}: the training nodes with vectors have a single class")
            X = kv.vectors[[kv.key_to_index[data.nodes[i]] for i in tr]]
            clf = self._classifier().fit(X, y_all[tr])
            pred = clf.predict(kv.vectors[[kv.key_to_index[data.nodes[i]] for i in te]])
            items, y, folds = te, y_all[te], 0
            majority = np.full(y.shape, Counter(y_all[tr].tolist()).most_common(1)[0][0], dtype=y.dtype)
        else:
            scored = np.arange(len(data))
            items = np.flatnonzero(has)
            coverage = float(has.mean())
            if items.size == 0:
                raise DataError(f"{self.name}: no labelled node has a vector (do the node ids match the graph's?)")
            y = y_all[items]
            counts = Counter(y.tolist())
            if len(counts) < 2:
                raise DataError(f"{self.name}: the labelled nodes with vectors have a single class")
            folds = min(self.cv, min(counts.values()))
            if folds < 2:
                rare = [c for c, k in counts.items() if k < 2]
                keep = ~np.isin(y, rare)
                msg = f"{self.name}: dropped {int((~keep).sum())} node(s) of {len(rare)} label(s) with one example"
                warnings.append(msg)
                items, y = items[keep], y[keep]
                counts = Counter(y.tolist())
                folds = min(self.cv, min(counts.values()))
            elif folds < self.cv:
                warnings.append(f"{self.name}: smallest class has {folds} nodes; {folds}-fold CV instead of {self.cv}")
            X = kv.vectors[[kv.key_to_index[data.nodes[i]] for i in items]]
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
            pred = cross_val_predict(self._classifier(), X, y, cv=splitter)
            majority = cross_val_predict(DummyClassifier(strategy="most_frequent"), X, y, cv=splitter)
        if coverage < 1.0:
            warnings.append(f"{self.name}: {int((~has[scored]).sum())} labelled node(s) have no vector (not scored)")
        correct = (pred == y).astype(np.float64)
        metrics = {
            "accuracy": accuracy_score(y, pred),
            "micro_f1": f1_score(y, pred, average="micro"),
            "macro_f1": f1_score(y, pred, average="macro"),
        }
        per_item = {"ids": [data.nodes[i] for i in items], "y_true": y, "y_pred": pred, "micro_f1": correct}
        # what a model that ignores the vectors scores: the most frequent training label for every node
        baseline = {"name": "majority class", "metrics": {
            "accuracy": float(accuracy_score(y, majority)), "macro_f1": float(f1_score(y, majority, average="macro")),
        }}
        return build_result(
            self.name, metrics, "accuracy", per_item, coverage=coverage, n_boot=self.n_boot,
            random_state=self.random_state, warnings=warnings, n_classes=int(len(set(y.tolist()))),
            cv_folds=folds, split="standard" if data.split is not None else f"{folds}-fold", baseline=baseline,
        )


# ---------------------------------------------------------------------- link prediction
def _auc_groups(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order, tie-group starts and positive mask in sorted order (for :func:`_auc_sorted`)."""
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(s)) + 1])
    return order, starts, labels[order].astype(bool)


def _auc_sorted(w: np.ndarray, starts: np.ndarray, y: np.ndarray) -> float:
    pos_w = np.add.reduceat(w * y, starts)
    neg_w = np.add.reduceat(w * ~y, starts)
    neg_below = np.cumsum(neg_w) - neg_w
    P, N = pos_w.sum(), neg_w.sum()
    if P == 0 or N == 0:
        return float("nan")
    return float((pos_w * (neg_below + 0.5 * neg_w)).sum() / (P * N))


def roc_auc(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> float:
    """ROC-AUC (Mann-Whitney, ties count half) with optional per-item multiplicities."""
    order, starts, y = _auc_groups(np.asarray(scores), np.asarray(labels))
    w = np.ones(order.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)[order]
    return _auc_sorted(w, starts, y)


def bootstrap_auc_ci(scores: np.ndarray, labels: np.ndarray, n_boot: int = 1000, random_state: int = 0,
                     level: float = 0.95) -> list[float]:
    """Percentile bootstrap CI of the ROC-AUC over items (resampling as per-item multiplicities)."""
    n = int(np.asarray(scores).shape[0])
    if n_boot <= 0 or n == 0:
        return [float("nan"), float("nan")]
    rng = np.random.default_rng(random_state)
    order, starts, y = _auc_groups(np.asarray(scores), np.asarray(labels))
    vals = np.empty(n_boot)
    for b in range(n_boot):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)[order]
        vals[b] = _auc_sorted(w, starts, y)
    vals = vals[np.isfinite(vals)]
    a = (1 - level) / 2
    return [float(np.quantile(vals, a)), float(np.quantile(vals, 1 - a))] if vals.size else [float("nan")] * 2


def _ap(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(labels, scores))


class LinkPrediction:
    """Held-out edges against sampled non-edges, scored from the two nodes' vectors.

    ``dataset``: a ``split-edges`` folder or :class:`~embedlab.corpus.graph.LinkPairs`;
    ``max_train_pairs``: training edges (and as many non-edges) for the Hadamard classifier.
    """

    greater_is_better = True

    def __init__(
        self,
        dataset: str | os.PathLike[str] | LinkPairs,
        *,
        max_train_pairs: int = 100_000,
        C: float = 1.0,
        n_boot: int = 1000,
        random_state: int = 0,
    ) -> None:
        from ..corpus.graph import LinkPairs, load_link_pairs

        self.dataset = dataset if isinstance(dataset, LinkPairs) else load_link_pairs(dataset)
        if max_train_pairs < 1:
            raise InvalidParameterError(f"max_train_pairs must be >= 1; got {max_train_pairs}")
        self.max_train_pairs = max_train_pairs
        self.C = C
        self.n_boot = n_boot
        self.random_state = random_state
        self.name = f"link-prediction:{self.dataset.name}"

    def _train_pairs(self, kv: KeyedVectors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of kv for training edges and sampled non-edges of the training graph, and labels."""
        g = self.dataset.train
        rng = np.random.default_rng(self.random_state)
        edges = g.edge_array()
        rows = np.array([kv.key_to_index.get(k, -1) for k in g.nodes], dtype=np.int64)
        edges = edges[(rows[edges[:, 0]] >= 0) & (rows[edges[:, 1]] >= 0)]
        if edges.shape[0] == 0:
            raise DataError(f"{self.name}: no training edge has vectors at both ends (were the vectors trained on "
                            "this folder's train.csv?)")
        if edges.shape[0] > self.max_train_pairs:
            edges = edges[rng.choice(edges.shape[0], self.max_train_pairs, replace=False)]
        n = g.n_nodes
        covered = np.flatnonzero(rows >= 0)
        all_edges = g.edge_array()
        existing = np.unique(np.concatenate([all_edges[:, 0] * n + all_edges[:, 1], all_edges[:, 1] * n + all_edges[:, 0]]))
        test_keys = []
        for a, b in zip(self.dataset.sources, self.dataset.targets):
            ia, ib = g.key_to_index.get(a), g.key_to_index.get(b)
            if ia is not None and ib is not None:
                test_keys += [ia * n + ib, ib * n + ia]
        forbidden = np.union1d(existing, np.asarray(test_keys, dtype=np.int64))
        want = edges.shape[0]
        neg_a: list[np.ndarray] = []
        neg_b: list[np.ndarray] = []
        have = 0
        for _ in range(50):
            if have >= want:
                break
            a = covered[rng.integers(0, covered.size, 2 * (want - have) + 8)]
            b = covered[rng.integers(0, covered.size, a.size)]
            ok = (a != b) & ~np.isin(a * n + b, forbidden)
            neg_a.append(a[ok][: want - have])
            neg_b.append(b[ok][: want - have])
            have += neg_a[-1].size
        na, nb = np.concatenate(neg_a), np.concatenate(neg_b)
        left = np.concatenate([rows[edges[:, 0]], rows[na]])
        right = np.concatenate([rows[edges[:, 1]], rows[nb]])
        y = np.concatenate([np.ones(edges.shape[0]), np.zeros(na.size)])
        return left, right, y

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        d = self.dataset
        ia = np.array([kv.key_to_index.get(k, -1) for k in d.sources], dtype=np.int64)
        ib = np.array([kv.key_to_index.get(k, -1) for k in d.targets], dtype=np.int64)
        ok = (ia >= 0) & (ib >= 0)
        coverage = float(ok.mean())
        if not ok.any():
            raise DataError(f"{self.name}: no test pair has vectors at both ends (do the node ids match?)")
        y = d.labels[ok].astype(np.int64)
        if y.min() == y.max():
            raise DataError(f"{self.name}: the covered test pairs are all of one label")
        V = kv.vectors
        a, b = V[ia[ok]], V[ib[ok]]
        dot = np.einsum("ij,ij->i", a, b).astype(np.float64)
        left, right, ty = self._train_pairs(kv)
        clf = LogisticRegression(C=self.C, max_iter=2000).fit(V[left] * V[right], ty)
        had = clf.decision_function(a * b).astype(np.float64)
        metrics = {
            "roc_auc": float(roc_auc_score(y, had)),
            "average_precision": _ap(had, y),
            "roc_auc_dot": float(roc_auc_score(y, dot)),
            "average_precision_dot": _ap(dot, y),
        }
        warnings = []
        if coverage < 1.0:
            warnings.append(f"{self.name}: {int((~ok).sum())} test pair(s) lack a vector (not scored)")
        cis = {
            "roc_auc": bootstrap_auc_ci(had, y, self.n_boot, self.random_state),
            "roc_auc_dot": bootstrap_auc_ci(dot, y, self.n_boot, self.random_state),
        } if self.n_boot > 0 else {}
        ids = [f"{s}\x1f{t}" for s, t, k in zip(d.sources, d.targets, ok) if k]
        details = {"ci": cis, "n_boot": self.n_boot, "warnings": warnings, "train_pairs": int(ty.size),
                   "per_item": {"ids": ids, "y_true": y.tolist(), "score": had.tolist(), "score_dot": dot.tolist()}}
        return EvalResult(self.name, metrics, "roc_auc", True, coverage, int(y.size), details)


@register_evaluator("node-classification")
def _make_nodes(arg: str) -> NodeClassification:
    ev = NodeClassification(arg)
    ev.name = f"node-classification:{Path(arg).name or arg}"
    return ev


@register_evaluator("link-prediction")
def _make_links(arg: str) -> LinkPrediction:
    return LinkPrediction(arg)
