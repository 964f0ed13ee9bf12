"""Loading the vector sets to serve and running uvicorn with the security rules.

Binds 127.0.0.1 by default; a non-loopback address needs a token (``--token`` or the
``EMBEDLAB_TOKEN`` environment variable) unless ``insecure`` is set; a port in use is one error.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import socket
from pathlib import Path
from typing import Any

from ..exceptions import DataError, InputFileError, InvalidParameterError, require

__all__ = ["is_loopback", "check_bind", "load_sets", "read_labels", "run_server", "run_workers", "set_name",
           "build_app", "app_from_env", "SPEC_ENV"]

SPEC_ENV = "EMBEDLAB_SERVE_SPEC"  # what each --workers process builds its app from


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, port: int, token: str | None, insecure: bool) -> None:
    """Refuse a non-loopback address without a token, and a port in use (before loading anything)."""
    if not is_loopback(host) and not token and not insecure:
        raise InvalidParameterError(
            f"--host {host} is reachable from other machines; give --token (or set EMBEDLAB_TOKEN), "
            "or pass --insecure to serve without one"
        )
    if not 0 <= port <= 65535:
        raise InvalidParameterError(f"--port must be in [0, 65535]; got {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InvalidParameterError(f"--port {port}: address {host}:{port} is already in use; "
                                            "choose another --port (or stop the other server)") from None
            raise InvalidParameterError(f"--host {host}: cannot bind ({exc.strerror or exc})") from None


def set_name(spec: str) -> tuple[str, str]:
    """``NAME=PATH`` or ``PATH`` (the name is the file's stem)."""
    if "=" in spec and not Path(spec).exists():
        name, path = spec.split("=", 1)
        return name, path
    return Path(spec).stem.split(".")[0] or spec, spec


def read_labels(path: Path) -> dict[str, str]:
    """A label file: ``key<TAB>label`` (or ``key label``) per line."""
    if not path.is_file():
        raise InputFileError(f"{path}: no such label file")
    labels: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            parts = line.split("\t") if "\t" in line else line.split(None, 1)
            if len(parts) != 2 or not parts[0] or not parts[1].strip():
                raise DataError(f"{path}, line {n}: expected 'key<TAB>label'")
            labels[parts[0]] = parts[1].strip()
    return labels


def load_sets(specs: list[str], index_paths: list[Path] | None = None, labels: Path | None = None,
              token_milvus: str | None = None) -> list[Any]:
    """:class:`VectorSet` objects for ``specs``; the i-th ``index_paths`` entry (if any) is checked
    against the i-th vectors by checksum and used for their neighbour queries."""
    from ..search import build_index, load_index
    from ..vectors.pretrained import resolve_vectors
    from .vectorset import VectorSet

    index_paths = list(index_paths or [])
    if len(index_paths) > len(specs):
        raise InvalidParameterError(f"{len(index_paths)} --index given for {len(specs)} vector sets")
    label_map = read_labels(labels) if labels is not None else None
    out = []
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        name, path = set_name(spec)
        while name in seen:
            name += "_"
        seen.add(name)
        kv = resolve_vectors(path)
        if i < len(index_paths):
            overrides = {"token": token_milvus} if token_milvus else {}
            index = load_index(index_paths[i], **overrides)
            index.check_matches(kv, where=f"--index {index_paths[i]}")
            if index.metric != "cosine":
                raise DataError(f"--index {index_paths[i]}: metric {index.metric}; the service needs a cosine index")
        else:
            index = build_index(kv, "exact", recall_queries=0, source=path)
        out.append(VectorSet(name=name, kv=kv, index=index, source=str(path), labels=label_map))
    return out


def set_search_threads(n: int) -> None:
    """Threads of one search (faiss OpenMP, numba, BLAS). The service answers batches of concurrent
    queries in its event loop; one thread each avoids thread wake-ups that cost more than they save
    on small batches (raise it for large ``/search`` batches on an idle machine)."""
    import sys

    if "faiss" in sys.modules:
        sys.modules["faiss"].omp_set_num_threads(n)
    try:
        import numba

        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    except ImportError:  # pragma: no cover - numba is a core dependency
        pass
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n)
    except ImportError:
        pass


def run_server(app: Any, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning",
               threads: int = 1) -> None:
    """Run uvicorn (one worker: the vectors live in this process)."""
    uvicorn = require("uvicorn", "serve")
    set_search_threads(threads)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            timeout_keep_alive=30, server_header=False, limit_concurrency=4096,
                            proxy_headers=False)
    uvicorn.Server(config).run()


def build_app(spec: dict[str, Any]) -> Any:
    """The app for ``spec`` (the ``serve`` options as plain values): load the sets, open the query log."""
    from .app import Limits, QueryLog, create_app

    sets = load_sets(spec["vectors"], [Path(p) for p in spec["index"]],
                     Path(spec["labels"]) if spec["labels"] else None, spec["milvus_token"])
    qlog = QueryLog(spec["log_queries"]) if spec["log_queries"] else None
    return create_app(sets, token=spec["token"], query_log=qlog,
                      limits=Limits(max_body_bytes=spec["max_body_bytes"], max_batch=spec["max_batch"]))


def app_from_env() -> Any:
    """uvicorn's app factory in each worker process: the spec comes in ``EMBEDLAB_SERVE_SPEC``."""
    spec = json.loads(os.environ[SPEC_ENV])
    set_search_threads(int(spec["threads"]))
    return build_app(spec)


def run_workers(spec: dict[str, Any], workers: int, host: str = "127.0.0.1", port: int = 8000,
                log_level: str = "warning") -> None:
    """Run ``workers`` uvicorn processes on one listening socket, each loading its own copy of the
    vectors and index (memory grows by that much per worker); ``/metrics`` counts the process
    that answers. The spec (with the token) reaches them through their environment."""
    uvicorn = require("uvicorn", "serve")
    os.environ[SPEC_ENV] = json.dumps(spec)
    uvicorn.run("embedlab.serve.server:app_from_env", factory=True, workers=workers, host=host, port=port,
                log_level=log_level, access_log=False, timeout_keep_alive=30, server_header=False,
                limit_concurrency=4096, proxy_headers=False)
