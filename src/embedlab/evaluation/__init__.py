"""Evaluation: intrinsic (similarity, analogy) and, later, downstream tasks. See base.py."""

from .base import EvalResult, Evaluator, evaluator_kinds, make_evaluator, register_evaluator

__all__ = ["EvalResult", "Evaluator", "evaluator_kinds", "make_evaluator", "register_evaluator"]
