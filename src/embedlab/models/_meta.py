"""One home for the conventions every model shares: the library versions and the epoch count
recorded in metadata, JSON-safe hyperparameters, how a seed is drawn when none is given, and how
many threads a model uses (numba is imported only when a thread count is asked for)."""

from __future__ import annotations

import os
import platform
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from typing import Any

import numpy as np

__all__ = ["versions", "EPOCHS_KEY", "epochs_trained", "json_params", "draw_seed", "thread_count", "numba_threads"]

#: the metadata key of the number of completed epochs (files written before it used ``epochs_run``)
EPOCHS_KEY = "epochs_trained"


def versions() -> dict[str, str]:
    """``{"embedlab", "numpy", "numba", "python"}`` versions; numba's read from its package metadata."""
    from .. import __version__

    try:
        numba_version = metadata.version("numba")
    except metadata.PackageNotFoundError:  # pragma: no cover - numba is a dependency
        numba_version = "not installed"
    return {"embedlab": __version__, "numpy": np.__version__, "numba": numba_version,
            "python": platform.python_version()}


def epochs_trained(meta: Mapping[str, Any]) -> int | None:
    """The completed epochs recorded in ``meta``, also in files that recorded them as ``epochs_run``."""
    value = meta.get(EPOCHS_KEY, meta.get("epochs_run"))
    return None if value is None else int(value)


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Hyperparameters made JSON-safe (callbacks dropped, paths as strings)."""
    out = {}
    for k, v in params.items():
        if k == "callbacks":
            out[k] = None
        elif isinstance(v, os.PathLike):
            out[k] = os.fspath(v)
        else:
            out[k] = v
    return out


def draw_seed(random_state: int | None = None) -> int:
    """``random_state`` itself, or a fresh 63-bit seed when it is None (recorded as ``random_state_``)."""
    return int(random_state) if random_state is not None else secrets.randbits(63)


def thread_count(n_threads: int | None) -> int:
    """Threads a model trains with: ``n_threads`` (None: every CPU), at most numba's pool size."""
    import numba

    wanted = n_threads if n_threads is not None else (os.cpu_count() or 1)
    return max(1, min(int(wanted), numba.config.NUMBA_NUM_THREADS))


@contextmanager
def numba_threads(n: int) -> Iterator[int]:
    """numba's thread count set to ``n`` for the block, the previous one restored after it."""
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield n
    finally:
        numba.set_num_threads(previous)
