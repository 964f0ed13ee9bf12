"""User-item interactions: a typed users x items CSR with id maps, readers, filters and splits.

:class:`Interactions` holds implicit-feedback events as a CSR structure over *users* (rows) and
*items* (columns) plus the two id maps, so users and items cannot be swapped (``implicit``'s
users keep transposing its matrix): ``indptr`` / ``indices`` / ``weights`` and, when known,
``times``; each user's row is in time order (file order breaks ties), which item2vec's
sequential windows and leave-last-out splits rely on. Ids of any kind are kept as strings.

Readers (:func:`read_interactions`):

* tables (CSV, TSV, Parquet) with named columns (``user_col``, ``item_col``, optional
  ``weight_col`` and ``time_col``); the defaults find ``user``/``user_id``/``userId`` and
  ``item``/``item_id``/``itemId``/``movieId``, ``weight``, ``timestamp``/``time``. A first line
  that names a known column, or a line of names above numeric rows, is a header: the file is a
  table, and a user or item column it lacks is an error that lists the columns found;
* RecBole atomic ``.inter`` files (tab-separated, ``name:type`` headers such as
  ``user_id:token``), e.g. MovieLens-100k from the ``recbole`` wheel (:func:`movielens_100k_path`);
* baskets or sessions, one per line, items separated by commas (when the line has one) or
  whitespace (``../shared/data/recommendation/groceries.csv``); basket ``n`` (1-based line
  number) is the user ``"n"`` and the position in the line is its time.

``Interactions.layout`` says how a file was read (the CLI prints it).

Duplicated (user, item) events are summed into one entry (``duplicates="sum"``, the latest time
kept) or kept as separate entries in time order (``duplicates="keep"``: sessions with repeats).
Splits (:func:`split_interactions`): leave-last-out by time per user, leave-one-out at random,
per-user random ratios (RecBole's 80/10/10 ``RS``) and a global time cut.
"""


from __future__ import annotations

from .core import (
    INTERACTION_FORMATS,
    SPLIT_METHODS,
    Interactions,
    as_interactions,
    from_baskets,
    from_pairs,
    movielens_100k_path,
    read_interactions,
    write_interactions,
)
from .splits import SplitResult, split_interactions

__all__ = [
    "Interactions",
    "read_interactions",
    "from_baskets",
    "from_pairs",
    "as_interactions",
    "split_interactions",
    "write_interactions",
    "SplitResult",
    "SPLIT_METHODS",
    "movielens_100k_path",
    "INTERACTION_FORMATS",
]
