"""Monitoring and refinement: drift between embedding versions, corpus drift, stability, queries.

* :mod:`.drift`: :func:`embedding_drift` (Procrustes on centred vectors, displacement, neighbour
  overlap@k, similarity rank correlation, frequency-aware ranking against a seed baseline).
"""

from __future__ import annotations

from .drift import DriftResult, embedding_drift, procrustes

__all__ = ["DriftResult", "embedding_drift", "procrustes"]
