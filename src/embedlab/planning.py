"""Will it fit? The memory planner's public face (see :mod:`embedlab.models._plan`).

``plan(model, corpus)`` predicts the peak memory of ``model.fit(corpus)`` per stage and proposes
parameter values that fit; training refuses a run predicted not to fit unless inside
``allow_overcommit()``.
"""

from __future__ import annotations

from .models._plan import (
    PLANNED_METHODS,
    CorpusStats,
    Plan,
    Stage,
    allow_overcommit,
    available_memory,
    format_bytes,
    parse_memory,
    plan,
    scan_corpus,
)

__all__ = ["PLANNED_METHODS", "CorpusStats", "Plan", "Stage", "allow_overcommit", "available_memory", "format_bytes",
           "parse_memory", "plan", "scan_corpus"]
