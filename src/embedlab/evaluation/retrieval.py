"""Retrieval as an evaluation: rank documents for queries by cosine of their text vectors.

Documents and queries become document vectors (TF-IDF-weighted means by default, the best of
mean/tfidf/sif on Cranfield with GloVe; the embedder is fitted on the documents); every
document is ranked for every query. Per-query metrics: reciprocal rank (MRR is their mean, the
primary metric), nDCG@10 with graded relevance (linear gains, as scikit-learn's ``ndcg_score``),
and recall@k; each with a bootstrap 95% CI over queries. A query without any known word scores
0 on every metric and counts as not covered. Spec kind ``retrieval:FOLDER`` (see
:func:`~embedlab.corpus.taskdata.load_retrieval`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import DataError, InvalidParameterError
from .base import EvalResult, register_evaluator
from .encoders import doc_method_of, retrieval_scorer
from .stats import build_result
from ..corpus.taskdata import RetrievalData, load_retrieval

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["Retrieval", "ranking_metrics"]


def ranking_metrics(
    scores: np.ndarray, relevance: np.ndarray, k_ndcg: int = 10, recall_ks: Sequence[int] = (10, 100)
) -> dict[str, np.ndarray]:
    """Per-query ranking metrics.

    ``scores`` (n_queries, n_docs) ranks documents (higher first; ties broken by document order);
    ``relevance`` (n_queries, n_docs) holds graded relevance (0 = not relevant). Returns arrays
    ``rr`` (reciprocal rank of the first relevant document), ``ndcg@k`` and ``recall@k``.
    """
    if scores.shape != relevance.shape:
        raise InvalidParameterError(f"scores {scores.shape} and relevance {relevance.shape} differ in shape")
    nq, nd = scores.shape
    order = np.argsort(-scores, axis=1, kind="stable")
    rel_sorted = np.take_along_axis(relevance, order, axis=1)
    hit = rel_sorted > 0
    first = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
    rr = np.divide(1.0, first + 1.0, out=np.zeros(nq), where=first >= 0)
    k = min(k_ndcg, nd)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = rel_sorted[:, :k] @ disc
    ideal = -np.sort(-relevance, axis=1)[:, :k] @ disc
    ndcg = np.divide(dcg, ideal, out=np.zeros(nq), where=ideal > 0)
    n_rel = hit.sum(axis=1)
    out = {"rr": rr, f"ndcg@{k_ndcg}": ndcg}
    for r in recall_ks:
        out[f"recall@{r}"] = np.divide(hit[:, :r].sum(axis=1), n_rel, out=np.zeros(nq), where=n_rel > 0)
    return out


class Retrieval:
    """Cosine retrieval of documents for queries with relevance judgements."""

    def __init__(
        self,
        dataset: str | os.PathLike[str] | RetrievalData,
        *,
        doc_method: str = "tfidf",
        k_ndcg: int = 10,
        recall_ks: Sequence[int] = (10, 100),
        n_boot: int = 1000,
        random_state: int = 0,
    ) -> None:
        self.data = dataset if isinstance(dataset, RetrievalData) else load_retrieval(dataset)
        self.doc_method = doc_method
        self.k_ndcg = k_ndcg
        self.recall_ks = tuple(recall_ks)
        self.n_boot = n_boot
        self.random_state = random_state
        self.name = f"retrieval:{Path(self.data.source).name}"

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        d = self.data
        qids = [q for q in d.query_ids if q in d.qrels]
        qtext = dict(zip(d.query_ids, d.queries))
        scorer = retrieval_scorer(kv, self.doc_method).fit(d.docs)
        doc_oov = scorer.doc_report_
        if doc_oov.n_empty_texts == doc_oov.n_texts:
            raise DataError(f"{self.name}: no document has a word with a vector (vocabularies are disjoint)")
        covered = scorer.set_queries([qtext[q] for q in qids])
        q_oov = scorer.query_report_
        col = {doc: j for j, doc in enumerate(d.doc_ids)}
        chunks = []
        step = max(1, 2_000_000 // max(1, len(d.doc_ids)))  # queries per block: bounded memory
        for s in range(0, len(qids), step):
            block = qids[s: s + step]
            rel = np.zeros((len(block), len(d.doc_ids)))
            for i, q in enumerate(block):
                for doc, r in d.qrels[q].items():
                    rel[i, col[doc]] = r
            chunks.append(ranking_metrics(scorer.block(s, s + step), rel, self.k_ndcg, self.recall_ks))
        per_query = {m: np.concatenate([c[m] for c in chunks]) for m in chunks[0]}
        for v in per_query.values():
            v[~covered] = 0.0  # a query without vectors retrieves nothing meaningful
        metrics = {"mrr" if m == "rr" else m: float(np.mean(v)) for m, v in per_query.items()}
        per_item = {"ids": np.asarray(qids), **{("mrr" if m == "rr" else m): v for m, v in per_query.items()}}
        return build_result(
            self.name, metrics, "mrr", per_item, coverage=float(covered.mean()), n_boot=self.n_boot,
            random_state=self.random_state, warnings=d.warnings, oov=doc_oov.to_dict(), query_oov=q_oov.to_dict(),
            n_documents=len(d.doc_ids), doc_method=doc_method_of(kv, self.doc_method),
        )


@register_evaluator("retrieval")
def _make(arg: str) -> Retrieval:
    return Retrieval(arg)
