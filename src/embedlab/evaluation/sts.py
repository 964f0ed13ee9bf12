"""Sentence similarity (STS) as an evaluation: do cosines of sentence vectors rank pairs like people?

Both sentences of a pair become document vectors (fitted on all sentences); the metric is the
Spearman correlation (primary) and Pearson correlation between their cosine and the gold score,
with bootstrap 95% CIs over pairs. A sentence without any known word has a zero vector and
cosine 0 (its pair is kept and counted as not covered). Spec kind ``sts:FILE`` (STS-B files or
a table with sentence1, sentence2, score).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import DataError
from .base import EvalResult, register_evaluator
from .encoders import doc_method_of, document_embedder
from .stats import PAIR_METRICS, build_result
from ..corpus.taskdata import SentencePairs, load_sentence_pairs

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["SentenceSimilarity"]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    ok = (na > 0) & (nb > 0)
    out = np.zeros(len(a))
    out[ok] = np.einsum("ij,ij->i", a[ok], b[ok]) / (na[ok] * nb[ok])
    return out


class SentenceSimilarity:
    """Spearman/Pearson between sentence-vector cosines and gold similarity scores."""

    def __init__(
        self,
        dataset: str | os.PathLike[str] | SentencePairs,
        *,
        doc_method: str = "sif",
        n_boot: int = 1000,
        random_state: int = 0,
    ) -> None:
        self.data = dataset if isinstance(dataset, SentencePairs) else load_sentence_pairs(dataset)
        self.doc_method = doc_method
        self.n_boot = n_boot
        self.random_state = random_state
        self.name = f"sts:{Path(self.data.source).name}"

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        n = len(self.data.s1)
        embedder = document_embedder(kv, self.doc_method).fit(self.data.s1 + self.data.s2)
        both = embedder.transform(self.data.s1 + self.data.s2)
        a, b = both[:n], both[n:]
        pred = _cosines(a, b)
        covered = (np.abs(a).sum(axis=1) > 0) & (np.abs(b).sum(axis=1) > 0)
        if not covered.any():
            raise DataError(f"{self.name}: no sentence pair has known words (vocabularies are disjoint)")
        gold = np.asarray(self.data.scores, dtype=np.float64)
        metrics = {m: PAIR_METRICS[m](gold, pred) for m in ("spearman", "pearson")}
        per_item = {"ids": np.arange(n), "gold": gold, "pred": pred}
        return build_result(
            self.name, metrics, "spearman", per_item, coverage=embedder.last_oov_.token_coverage, n_boot=self.n_boot,
            random_state=self.random_state, warnings=self.data.warnings, oov=embedder.last_oov_.to_dict(),
            doc_method=doc_method_of(kv, self.doc_method),
        )


@register_evaluator("sts")
def _make(arg: str) -> SentenceSimilarity:
    return SentenceSimilarity(arg)
