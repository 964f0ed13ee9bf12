"""The vector service (``embedlab serve``): an HTTP JSON API on FastAPI + uvicorn and the explorer page.

See :mod:`embedlab.serve.app` for the routes, the security rules and the query-log format.
"""

from __future__ import annotations

from .server import is_loopback, load_sets, run_server

__all__ = ["create_app", "run_server", "load_sets", "is_loopback", "VectorSet", "Limits", "QueryLog"]


def __getattr__(name: str):
    if name in ("create_app", "Limits", "QueryLog"):
        from . import app

        return getattr(app, name)
    if name == "VectorSet":
        from .vectorset import VectorSet

        return VectorSet
    raise AttributeError(f"module 'embedlab.serve' has no attribute '{name}'")
