"""Text classification as an evaluation: what are these word vectors worth for labelling texts?

Texts become document vectors (:class:`~embedlab.evaluation.documents.DocumentEmbedder`), then a
scikit-learn logistic regression is scored by stratified k-fold cross-validation (every text is
predicted once, by a model that did not see it), or, given a separate test file, trained on the
first file and scored on the test file. Metrics: accuracy (primary) and macro-F1, each with a
bootstrap 95% CI over (test) texts; per-text predictions are kept for paired comparisons.
Spec kind ``classification:FILE`` or ``classification:TRAIN_FILE::TEST_FILE`` (any format
:func:`load_labelled_texts` reads), e.g. SST-2's ``train.tsv::dev.tsv``. Given a trained text
classifier instead of vectors (anything with ``predict_topk``, e.g.
:class:`~embedlab.models.supervised.SupervisedClassifier`), the classifier's own predictions on the
(test) file are scored (:func:`embedlab.evaluation.supervised.evaluate_classifier`), so that
``embedlab tune supervised TRAIN --objective classification:VALID`` tunes it on VALID.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import DataError, InvalidParameterError
from .base import EvalResult, register_evaluator
from .encoders import doc_method_of, document_embedder
from .stats import build_result
from ..corpus.taskdata import LabelledTexts, _warn, load_labelled_texts

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["TextClassification", "check_labels"]


def check_labels(data: LabelledTexts, min_per_class: int = 2) -> tuple[LabelledTexts, list[str]]:
    """Drop classes with fewer than ``min_per_class`` texts (with a warning); need >= 2 classes."""
    counts = Counter(data.labels)
    if len(counts) < 2:
        only = next(iter(counts)) if counts else "none"
        raise DataError(f"{data.source}: labels have a single class ({only!r}); a task needs at least 2 classes")
    warnings = list(data.warnings)
    rare = sorted(c for c, k in counts.items() if k < min_per_class)
    if rare:
        keep = [i for i, y in enumerate(data.labels) if y not in rare]
        _warn(warnings, f"{data.source}: dropped {len(data.labels) - len(keep)} text(s) of {len(rare)} label(s) "
              f"with fewer than {min_per_class} examples, e.g. {rare[0]!r}")
        data = LabelledTexts([data.texts[i] for i in keep], [data.labels[i] for i in keep], data.source, warnings)
        if len(set(data.labels)) < 2:
            raise DataError(f"{data.source}: fewer than 2 labels have >= {min_per_class} examples; cannot evaluate")
    return data, warnings


class TextClassification:
    """Cross-validated logistic regression on document vectors.

    ``dataset`` is a path or :class:`LabelledTexts`; ``doc_method`` is ``mean``, ``tfidf`` or
    ``sif``; ``cv`` folds (lowered, with a warning, when the smallest class is smaller);
    ``C`` is the inverse regularisation of the logistic regression; ``test`` (a path or
    :class:`LabelledTexts`) switches from cross-validation to train-on-dataset, score-on-test.
    """

    def __init__(
        self,
        dataset: str | os.PathLike[str] | LabelledTexts,
        *,
        doc_method: str = "mean",
        cv: int = 5,
        C: float = 1.0,
        max_iter: int = 1000,
        n_boot: int = 1000,
        random_state: int = 0,
        text_column: str | None = None,
        label_column: str | None = None,
        test: str | os.PathLike[str] | LabelledTexts | None = None,
    ) -> None:
        if cv < 2:
            raise InvalidParameterError(f"cv must be >= 2; got {cv}")
        data = dataset if isinstance(dataset, LabelledTexts) else load_labelled_texts(
            dataset, text_column=text_column, label_column=label_column
        )
        self.data, self.warnings = check_labels(data)
        self.test = None
        if test is not None:
            self.test = test if isinstance(test, LabelledTexts) else load_labelled_texts(
                test, text_column=text_column, label_column=label_column
            )
            unseen = sorted(set(self.test.labels) - set(self.data.labels))
            if unseen:
                raise DataError(f"{self.test.source}: test labels {unseen[:3]} never occur in {self.data.source}")
            self.warnings += self.test.warnings
        self.doc_method = doc_method
        self.cv = cv
        self.C = C
        self.max_iter = max_iter
        self.n_boot = n_boot
        self.random_state = random_state
        self.name = f"classification:{Path(self.data.source).name}"
        if self.test is not None:
            self.name += f"::{Path(self.test.source).name}"

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        if callable(getattr(kv, "predict_topk", None)):  # a trained text classifier: score its own predictions
            from .supervised import evaluate_classifier

            data = self.test if self.test is not None else self.data
            return evaluate_classifier(kv, data.texts, [[y] for y in data.labels], name=self.name,
                                       n_boot=self.n_boot, random_state=self.random_state)
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score, f1_score
        from sklearn.model_selection import StratifiedKFold, cross_val_predict
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        embedder = document_embedder(kv, self.doc_method)
        X = embedder.fit_transform(self.data.texts)
        oov = embedder.last_oov_
        warnings = list(self.warnings)
        if oov.n_empty_texts == oov.n_texts:
            raise DataError(f"{self.name}: no text has a word with a vector (vocabularies are disjoint)")
        y = np.asarray(self.data.labels)
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter))
        if self.test is not None:
            X_test = embedder.transform(self.test.texts)
            oov = embedder.last_oov_
            pred = clf.fit(X, y).predict(X_test)
            y, folds = np.asarray(self.test.labels), 0
        else:
            folds = min(self.cv, int(min(Counter(self.data.labels).values())))
            if folds < self.cv:
                _warn(warnings, f"{self.name}: smallest class has {folds} texts; using {folds}-fold CV instead of {self.cv}")
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
            pred = cross_val_predict(clf, X, y, cv=splitter)
        metrics = {"accuracy": accuracy_score(y, pred), "macro_f1": f1_score(y, pred, average="macro")}
        per_item = {"ids": np.arange(len(y)), "y_true": y, "y_pred": pred}
        return build_result(
            self.name, metrics, "accuracy", per_item, coverage=oov.token_coverage, n_boot=self.n_boot,
            random_state=self.random_state, warnings=warnings, oov=oov.to_dict(), n_classes=int(len(set(y))),
            cv_folds=folds, doc_method=doc_method_of(kv, self.doc_method),
        )


@register_evaluator("classification")
def _make(arg: str, text_column: str | None = None, label_column: str | None = None) -> TextClassification:
    train, sep, test = arg.partition("::")
    return TextClassification(train if sep else arg, test=test if sep else None, text_column=text_column,
                              label_column=label_column)
