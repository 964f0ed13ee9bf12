"""Analogy accuracy (``a : b :: c : ?``), vectorised over all questions.

Semantics equal gensim's ``KeyedVectors.evaluate_word_analogies`` (``dummy4unknown=False``):

* only the first ``restrict_vocab`` keys are used, both for the question words (a question with a
  word outside them is skipped and lowers ``coverage``) and for the candidate answers;
* with ``lowercase=True`` words match case-insensitively (upper-cased, as gensim's
  ``case_insensitive``); each question word maps to its most frequent case variant;
* 3CosAdd scores each candidate by the cosine with ``unit(b) + unit(c) - unit(a)``; the three
  question rows are excluded, then the best of the next 5 candidates whose (upper-cased) key is not
  a question word is the answer (if all 5 are, the 5th is taken, as in gensim);
* accuracy is correct / evaluated questions over all sections ("Total accuracy").

``method="3cosmul"`` (Levy & Goldberg 2014) uses gensim's ``most_similar_cosmul`` scores
``cos'(b) cos'(c) / (cos'(a) + 1e-6)`` with ``cos' = (1 + cos) / 2`` and the same selection rule.
Scoring is vectorised: the cosines of the distinct question words with a block of candidate keys
come from one matrix product, and a compiled kernel (:mod:`embedlab.kernels.analogy`) combines
three rows per question and keeps each question's top 5; no Python loop per question.
"""

from __future__ import annotations

import os

import numpy as np

from ..exceptions import DataError, InvalidParameterError
from ..vectors.keyed import KeyedVectors
from .base import EvalResult, register_evaluator
from .datasets import AnalogyDataset, load_analogy
from .similarity import vocab_lookup

__all__ = ["Analogy", "load_analogy"]

_METHODS = ("3cosadd", "3cosmul")
_TOPN = 5  # candidates gensim inspects after excluding the question rows
_BLOCK = 8192  # candidate keys per block: n_words x _BLOCK cosines at a time


class Analogy:
    """Analogy accuracy (primary), with coverage and per-section accuracy in ``details``.

    ``dataset``: a bundled name (``google``), a questions-words or vecto CSV file, or an
    :class:`AnalogyDataset`. ``restrict_vocab``: use only the first N keys (None: all).
    """

    def __init__(
        self,
        dataset: str | os.PathLike[str] | AnalogyDataset,
        restrict_vocab: int | None = 30000,
        method: str = "3cosadd",
        lowercase: bool = True,
        name: str | None = None,
    ) -> None:
        if method not in _METHODS:
            raise InvalidParameterError(f"analogy method must be one of {', '.join(_METHODS)}; got {method!r}")
        if restrict_vocab is not None and int(restrict_vocab) < 1:
            raise InvalidParameterError(f"restrict_vocab must be >= 1 or None; got {restrict_vocab}")
        self.dataset = dataset if isinstance(dataset, AnalogyDataset) else load_analogy(dataset)
        self.restrict_vocab = restrict_vocab
        self.method = method
        self.lowercase = lowercase
        self.name = name or f"analogy:{self.dataset.name}"
        # Distinct words and each question's 4 codes into them: lookups per word, not per question.
        index: dict[str, int] = {}
        self._codes = np.array(
            [[index.setdefault(w, len(index)) for w in q] for q in self.dataset.questions], dtype=np.int64
        ).reshape(-1, 4)
        self._words = list(index)

    def _question_rows(self, lookup: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """Rows (a, b, c, d) of the covered questions, and the covered questions' positions."""
        norm = str.upper if self.lowercase else str
        word_rows = np.fromiter((lookup.get(norm(w), -1) for w in self._words), np.int64, len(self._words))
        rows = word_rows[self._codes]
        covered = np.flatnonzero((rows >= 0).all(axis=1))
        return rows[covered], covered

    def predict(self, kv: KeyedVectors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(predicted row, expected row, question position) for every covered question.

        Rows are those of the most frequent case variant when ``lowercase``; -1 means no answer.
        """
        from ..kernels.analogy import METHOD_3COSADD, METHOD_3COSMUL, pick_answers, update_topk

        n_keys = len(kv) if self.restrict_vocab is None else min(len(kv), int(self.restrict_vocab))
        lookup = vocab_lookup(kv, n_keys, self.lowercase)
        rows, covered = self._question_rows(lookup)
        if self.lowercase:
            groups = np.fromiter((lookup[k.upper()] for k in kv.index_to_key[:n_keys]), np.int64, n_keys)
        else:
            groups = np.arange(n_keys, dtype=np.int64)
        # Cosines of the distinct question words with each block of candidates: one small matrix
        # product per block, then the kernel combines three rows per question (no per-question gemv).
        word_rows, q_words = np.unique(rows[:, :3], return_inverse=True)
        q_words = q_words.reshape(-1, 3).astype(np.int64)
        top_val = np.full((len(rows), _TOPN), -np.inf, dtype=np.float32)
        top_idx = np.full((len(rows), _TOPN), -1, dtype=np.int64)
        method = METHOD_3COSADD if self.method == "3cosadd" else METHOD_3COSMUL
        with np.errstate(divide="ignore", invalid="ignore"):
            words_unit = _unit(np.asarray(kv.vectors[word_rows], dtype=np.float32))
            for start in range(0, n_keys if len(rows) else 0, _BLOCK):
                block = _unit(np.asarray(kv.vectors[start : min(start + _BLOCK, n_keys)], dtype=np.float32))
                sims = words_unit @ block.T
                update_topk(sims, q_words, rows[:, :3], start, method, top_val, top_idx)
        predicted = pick_answers(top_idx, rows[:, :3], groups)
        return predicted, rows[:, 3], covered

    def evaluate(self, kv: KeyedVectors) -> EvalResult:
        """Score ``kv`` on the questions covered by its (restricted) vocabulary; raises DataError
        when no question is covered (as similarity does with fewer than 2 pairs), so that callers
        skip the set instead of reporting an accuracy of 0 over no question."""
        predicted, expected, covered = self.predict(kv)
        hit = predicted == expected
        total_questions = len(self.dataset)
        n = int(len(covered))
        if n == 0:
            searched = len(kv) if self.restrict_vocab is None else min(len(kv), int(self.restrict_vocab))
            raise DataError(
                f"{self.name}: none of the {total_questions} questions has all 4 words among the {searched:,} keys "
                "searched; use vectors with a larger vocabulary, a larger --restrict-vocab or another dataset"
            )
        correct = int(hit.sum())
        accuracy = correct / n
        coverage = n / total_questions
        sec_of = self.dataset.section_of[covered]
        n_sec = len(self.dataset.sections)
        sec_total = np.bincount(sec_of, minlength=n_sec)
        sec_correct = np.bincount(sec_of, weights=hit, minlength=n_sec).astype(np.int64)
        sec_all = np.bincount(self.dataset.section_of, minlength=n_sec)
        sections = [
            {
                "section": name,
                "correct": int(sec_correct[i]),
                "total": int(sec_total[i]),
                "questions": int(sec_all[i]),
                "accuracy": float(sec_correct[i] / sec_total[i]) if sec_total[i] else 0.0,
            }
            for i, name in enumerate(self.dataset.sections)
        ]
        details = {
            "dataset": self.dataset.source,
            "method": self.method,
            "restrict_vocab": self.restrict_vocab,
            "questions": total_questions,
            "sections": sections,
        }
        syntactic = np.array([s.startswith("gram") for s in self.dataset.sections])
        if syntactic.any() and not syntactic.all():  # the Google set: semantic vs syntactic
            for label, mask in (("semantic", ~syntactic), ("syntactic", syntactic)):
                t, c = int(sec_total[mask].sum()), int(sec_correct[mask].sum())
                details[f"{label}_accuracy"] = c / t if t else 0.0
        return EvalResult(
            name=self.name,
            metrics={"accuracy": accuracy, "coverage": coverage, "correct": correct, "total": n},  # counts stay ints
            primary_metric="accuracy",
            greater_is_better=True,
            coverage=coverage,
            n=n,
            details=details,
        )


def _unit(v: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32); zero rows give NaN cosines, never chosen."""
    return v / np.linalg.norm(v, axis=1, keepdims=True).astype(np.float32)


@register_evaluator("analogy")
def _make_analogy(arg: str) -> Analogy:
    return Analogy(arg)
