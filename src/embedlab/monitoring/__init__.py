"""Monitoring and refinement: drift between embedding versions, corpus drift, stability, queries.

* :mod:`.drift`: :func:`embedding_drift` (Procrustes on centred vectors, displacement, exact
  neighbour overlap@k, similarity rank correlation, frequency-aware ranking against a seed
  baseline, one global score) and :func:`compare_benchmarks`;
* :mod:`.corpus_drift`: :func:`corpus_drift` (OOV, Jensen-Shannon divergence, new frequent words,
  retrain recommendation);
* :mod:`.queries`: the query-log format of ``embedlab serve --log-queries`` and :func:`query_drift`;
* :mod:`.stability`: :func:`stability` across seeds and :func:`seed_item_bootstrap` (A vs B).

Continued training itself lives with the models (``save_state`` / ``continue_training`` /
``fit_from_vectors``, :mod:`embedlab.models._state`).
"""

from __future__ import annotations

from .corpus_drift import corpus_drift
from .drift import DriftResult, compare_benchmarks, embedding_drift, load_baseline, procrustes, seed_baseline
from .queries import query_drift, read_query_log
from .stability import seed_item_bootstrap, stability

__all__ = ["DriftResult", "embedding_drift", "seed_baseline", "load_baseline", "compare_benchmarks", "procrustes",
           "corpus_drift", "query_drift", "read_query_log", "stability", "seed_item_bootstrap"]
