"""Hyperparameter tuning: search spaces from the constraints, Optuna search with pruning, records.

``tune(estimator, data, objective, ...)`` works for every :class:`~embedlab.base.BaseEmbedder`
through ``get_params``/``set_params``/``clone``; objectives are evaluation specs whose
``primary_metric`` and ``greater_is_better`` say what to optimise. Optuna is imported only when
a function needs it.
"""

from __future__ import annotations

from .objective import Objective
from .results import StudySummary, TuneResult, summarize_study, write_trials_csv
from .space import ParamSpec, default_space, load_space, make_space
from .storage import make_storage
from .study import tune

__all__ = [
    "Objective",
    "ParamSpec",
    "StudySummary",
    "TuneResult",
    "default_space",
    "load_space",
    "make_space",
    "make_storage",
    "summarize_study",
    "tune",
    "write_trials_csv",
]
