"""Shared fixtures: seeds, paths to the repo's sample data and to ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def seed() -> int:
    return 12345


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (benchmark and task data); skips when the folder is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared benchmark data not found at {SHARED_DATA} (set EMBEDLAB_SHARED_DATA)")
    return SHARED_DATA
