"""The benchmark data sets by name for tests: the path, or a skip naming the fetch command."""

from __future__ import annotations

from pathlib import Path

import pytest


def dataset_or_skip(name: str) -> Path:
    """The path of data set ``name`` (``embedlab datasets path NAME``), or a skip that says how to get it."""
    from embedlab.corpus.datasets import dataset_path
    from embedlab.exceptions import EmbedlabError

    try:
        return dataset_path(name)
    except EmbedlabError as exc:
        pytest.skip(str(exc))
