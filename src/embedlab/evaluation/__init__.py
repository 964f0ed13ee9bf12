"""Evaluation: intrinsic (similarity, analogy) and, later, downstream tasks. See base.py.

``WordSimilarity``, ``Analogy``, ``load_similarity`` and ``load_analogy`` are imported on first
access (they pull in scipy).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .base import EvalResult, Evaluator, evaluator_kinds, make_evaluator, register_evaluator

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = [
    "EvalResult",
    "Evaluator",
    "evaluator_kinds",
    "make_evaluator",
    "register_evaluator",
    "evaluate_all",
    "WordSimilarity",
    "Analogy",
    "load_similarity",
    "load_analogy",
    "DocumentEmbedder",
    "TextClassification",
    "DocumentClustering",
    "Retrieval",
    "SentenceSimilarity",
    "WordCategorization",
    "OutlierDetection",
    "compare_embeddings",
    "summarize_embedding",
    "compare_results",
    "PooledVectors",
    "HybridRanker",
]

_LAZY = {
    "WordSimilarity": "similarity",
    "Analogy": "analogy",
    "load_similarity": "datasets",
    "load_analogy": "datasets",
    "DocumentEmbedder": "documents",
    "TextClassification": "classification",
    "DocumentClustering": "clustering",
    "Retrieval": "retrieval",
    "SentenceSimilarity": "sts",
    "WordCategorization": "wordtasks",
    "OutlierDetection": "wordtasks",
    "compare_embeddings": "compare",
    "summarize_embedding": "compare",
    "compare_results": "stats",
    "PooledVectors": "encoders",
    "HybridRanker": "encoders",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def evaluate_all(kv: KeyedVectors, specs: Iterable[str | Evaluator]) -> list[EvalResult]:
    """Run each evaluator (a spec such as ``"similarity:wordsim353"`` or an Evaluator) on ``kv``."""
    evaluators = [make_evaluator(s) if isinstance(s, str) else s for s in specs]
    from .base import checked_score

    return [checked_score(e.evaluate(kv)) for e in evaluators]
