"""Scoring a trained text classifier on labelled texts, as ``fasttext test`` does and more.

fastText's numbers over the top-``k`` predictions above ``threshold``: N (texts),
precision@k = correct predictions / predictions, recall@k = correct predictions / gold labels.
Added: accuracy (the top label is one of the text's labels) and macro-F1 over labels, each with a
bootstrap 95% CI over texts. A gold label the classifier never saw in training cannot be
predicted: it is counted as wrong and reported in ``details["unseen_labels"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._progress import logger
from ..exceptions import DataError
from .base import EvalResult
from .stats import build_result

__all__ = ["evaluate_classifier"]


def evaluate_classifier(
    model: Any,
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    *,
    k: int = 1,
    threshold: float = 0.0,
    name: str = "classifier",
    n_boot: int = 1000,
    random_state: int = 0,
) -> EvalResult:
    """Score ``model.predict_topk`` on ``texts`` with gold label lists ``labels``.

    Primary metric: accuracy. Per-text outcomes (``ids``, ``y_true``, ``y_pred``) are kept, so the
    tuner can split them into validation and test parts and ``compare`` can pair two models.
    """
    if len(texts) != len(labels):
        raise DataError(f"{name}: {len(texts)} texts but {len(labels)} label lists")
    if not texts:
        raise DataError(f"{name}: no texts to score")
    gold = [[str(v) for v in (labs if isinstance(labs, (list, tuple)) else [labs])] for labs in labels]
    known = set(model.classes_)
    unseen: dict[str, int] = {}
    for labs in gold:
        for v in labs:
            if v not in known:
                unseen[v] = unseen.get(v, 0) + 1
    warnings = []
    if unseen:
        total = sum(unseen.values())
        examples = ", ".join(repr(v) for v in sorted(unseen)[:3])
        msg = (f"{name}: {total} gold label(s) of {len(unseen)} kind(s) never seen in training "
               f"(e.g. {examples}); counted as wrong")
        logger.warning(msg)
        warnings.append(msg)
    kk = -1 if k == -1 else int(k)
    top = model.predict_topk(list(texts), k=max(kk, 1) if kk != -1 else -1, threshold=threshold)
    first = model.predict_topk(list(texts), k=1, threshold=0.0) if (kk != 1 or threshold > 0) else top
    predicted = gold_total = hits = 0
    y_true, y_pred = [], []
    for labs, preds, best in zip(gold, top, first):
        g = set(labs)
        gold_total += len(g)
        predicted += len(preds)
        hits += sum(1 for lab, _ in preds if lab in g)
        p = best[0][0] if best else ""
        y_pred.append(p)
        y_true.append(p if p in g else labs[0])
    y_true_a = np.asarray(y_true, dtype=object).astype(str)
    y_pred_a = np.asarray(y_pred, dtype=object).astype(str)
    from sklearn.metrics import f1_score

    accuracy = float(np.mean(y_true_a == y_pred_a))
    macro_f1 = float(f1_score(y_true_a, y_pred_a, average="macro", labels=sorted(set(y_true))))
    at = "all" if kk == -1 else str(kk)
    metrics = {
        "accuracy": accuracy,
        "macro_f1": macro_f1,
        f"precision_at_{at}": hits / predicted if predicted else 0.0,
        f"recall_at_{at}": hits / gold_total if gold_total else 0.0,
    }
    per_item = {"ids": np.arange(len(y_true_a)), "y_true": y_true_a, "y_pred": y_pred_a}
    return build_result(
        name, metrics, "accuracy", per_item, coverage=1.0, n_boot=n_boot, random_state=random_state,
        warnings=warnings, unseen_labels=unseen, k=kk, threshold=float(threshold), n_texts=len(texts),
        n_classes=len(known),
    )
