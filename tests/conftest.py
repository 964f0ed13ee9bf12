"""Shared fixtures: seeds and the benchmark data sets by name (``embedlab datasets``).

Data sets are found as ``embedlab datasets path NAME`` finds them: the ``EMBEDLAB_DATA`` mirror,
then the data home. In a checkout with ``../shared/data`` beside it (this project's CI), that folder
is the mirror unless ``EMBEDLAB_DATA`` says otherwise. A test whose data set is absent skips with
the command that fetches it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from data_sets import dataset_or_skip

REPO = Path(__file__).resolve().parents[1]
_NEIGHBOUR_MIRROR = REPO.parent / "shared" / "data"
if "EMBEDLAB_DATA" not in os.environ and _NEIGHBOUR_MIRROR.is_dir():
    os.environ["EMBEDLAB_DATA"] = str(_NEIGHBOUR_MIRROR)


@pytest.fixture
def seed() -> int:
    return 12345


@pytest.fixture
def data() -> Callable[[str], Path]:
    """``data("cora")``: the data set's file or folder; skips, naming the fetch command, if absent."""
    return dataset_or_skip
