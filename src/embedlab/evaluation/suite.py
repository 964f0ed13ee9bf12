"""Evaluation suites from the strings the CLI takes (``similarity:NAME``, ``KIND:FILE`` ...):
build the evaluators, run them with bootstrap CIs, skip the ones that cannot score with a reason.

``embedlab evaluate`` is these two calls plus printing; a Python user gets the same results with
``run_evaluations(build_evaluators(["wordsim353"], ["google"]), kv)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._progress import logger
from ..exceptions import DataError, FormatError, InvalidParameterError

if TYPE_CHECKING:
    from ..vectors import KeyedVectors
    from .base import EvalResult, Evaluator

__all__ = ["DEFAULT_SIMILARITY", "DEFAULT_ANALOGY", "build_evaluators", "run_evaluations"]

DEFAULT_SIMILARITY = ["wordsim353", "simlex999"]
DEFAULT_ANALOGY = ["google"]


def build_evaluators(
    similarity: list[str] | None,
    analogy: list[str] | None,
    specs: list[str] | None = None,
    restrict_vocab: int | None = 30000,
    analogy_method: str = "3cosadd",
    text_column: str | None = None,
    label_column: str | None = None,
) -> list[Evaluator]:
    """Evaluators for the given similarity/analogy sets (bundled names or files) and specs.

    With nothing given, the bundled WordSim353, SimLex-999 and Google analogy sets.
    ``text_column``/``label_column`` (``--text-column``/``--label-column``) choose the columns of
    the text tasks' tables (classification, clustering).
    """
    from . import make_evaluator
    from .analogy import Analogy
    from .base import accepts

    columns = {"text_column": text_column, "label_column": label_column}
    for option, value in columns.items():
        if value is not None and not any(accepts(spec, option) for spec in specs or []):
            flag = "--" + option.replace("_", "-")
            raise InvalidParameterError(
                f"{option} ({flag}) applies to text tasks with a table (classification:FILE, clustering:FILE); "
                "none was given"
            )
    if not similarity and not analogy and not specs:
        similarity, analogy = DEFAULT_SIMILARITY, DEFAULT_ANALOGY
    evaluators: list[Evaluator] = [make_evaluator(f"similarity:{s}") for s in similarity or []]
    evaluators += [Analogy(a, restrict_vocab=restrict_vocab, method=analogy_method) for a in analogy or []]
    evaluators += [make_evaluator(s, **columns) for s in specs or []]
    return evaluators


def run_evaluations(
    evaluators: list[Evaluator], kv: KeyedVectors, n_boot: int = 1000, seed: int = 0
) -> tuple[list[EvalResult], dict[str, str]]:
    """Run every evaluator, with bootstrap 95% CIs (``n_boot`` resamples, 0 = none; see
    :mod:`embedlab.evaluation.stats`); one that cannot score these vectors (e.g. too few covered
    pairs) is skipped with its reason, unless all are. Malformed dataset files still fail."""
    from .compare import evaluate_with_cis

    results: list[EvalResult] = []
    skipped: dict[str, str] = {}
    first_error: DataError | None = None
    for evaluator in evaluators:
        try:
            result = evaluate_with_cis(evaluator, kv, n_boot=n_boot, random_state=seed)
            result.details.pop("per_item", None)  # bulky; the CIs are kept
            results.append(result)
        except FormatError:
            raise
        except DataError as exc:
            first_error = first_error or exc
            skipped[evaluator.name] = str(exc)
    if first_error is not None and not results:
        raise first_error
    for reason in skipped.values():
        logger.warning("skipped %s", reason)
    return results, skipped
