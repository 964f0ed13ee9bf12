"""Library versions recorded in every model's metadata (without importing numba just to ask)."""

from __future__ import annotations

import platform
from importlib import metadata

import numpy as np

__all__ = ["versions"]


def versions() -> dict[str, str]:
    """``{"embedlab", "numpy", "numba", "python"}`` versions; numba's read from its package metadata."""
    from .. import __version__

    try:
        numba_version = metadata.version("numba")
    except metadata.PackageNotFoundError:  # pragma: no cover - numba is a dependency
        numba_version = "not installed"
    return {"embedlab": __version__, "numpy": np.__version__, "numba": numba_version,
            "python": platform.python_version()}
