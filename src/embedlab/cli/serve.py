"""``embedlab serve``: the HTTP JSON API and the explorer page over one or more vector sets."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "serve"]


def serve(
    vectors: Annotated[list[str], typer.Argument(
        metavar="VECTORS...", help="Vectors files or pre-trained names; NAME=PATH names a set (default: the file stem).")],
    index: Annotated[list[Path] | None, typer.Option(
        "--index", help="Index folder (from `embedlab index build`) for the set in the same position; repeatable.")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind; non-loopback needs --token or --insecure.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port (0 = any free port).")] = 8000,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="EMBEDLAB_TOKEN", help="Demand 'Authorization: Bearer TOKEN' (env EMBEDLAB_TOKEN).")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Allow a non-loopback --host without a token.")] = False,
    labels: Annotated[Path | None, typer.Option("--labels", help="key<TAB>label file to colour the map by.")] = None,
    log_queries: Annotated[Path | None, typer.Option(
        "--log-queries", help="Append one JSON line per key asked for (with misses) to FILE.")] = None,
    max_body_mb: Annotated[float, typer.Option("--max-body-mb", min=0.001, help="Largest request body (MB).")] = 4.0,
    max_batch: Annotated[int, typer.Option("--max-batch", min=1, max=100_000, help="Most query vectors per /search.")] = 1000,
    milvus_token: Annotated[str | None, typer.Option(
        "--milvus-token", envvar="EMBEDLAB_MILVUS_TOKEN", help="Token of a Milvus --index server.")] = None,
    threads: Annotated[int, typer.Option("--threads", "-t", min=1, help="Threads per search batch (faiss, BLAS, "
                                         "numba); 1 suits many small concurrent queries.")] = 1,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=64, help="Server processes on the one port, "
                                         "each holding its own copy of the vectors and index.")] = 1,
    print_token: Annotated[bool, typer.Option(
        "--generate-token", help="Make up a random token and print it (with the page's URL).")] = False,
) -> None:
    """Serve VECTORS over HTTP: /neighbors, /search, /vector, /similarity, /analogy, /metrics, /docs and
    the explorer page at /."""
    from ..serve.app import Limits, QueryLog, create_app
    from ..serve.server import check_bind, load_sets, run_server, run_workers

    if print_token and token is None:
        token = secrets.token_urlsafe(18)
    check_bind(host, port, token, insecure)
    if log_queries is not None:
        c.check_output_path(log_queries, "--log-queries")
    spec = {"vectors": list(vectors), "index": [str(p) for p in index or []],
            "labels": str(labels) if labels is not None else None, "milvus_token": milvus_token,
            "log_queries": str(log_queries) if log_queries is not None else None, "token": token,
            "max_body_bytes": int(max_body_mb * (1 << 20)), "max_batch": max_batch, "threads": threads}
    sets = load_sets(vectors, index, labels, milvus_token)  # with --workers: only checked here, then dropped
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    fragment = f"#token={token}" if token and print_token else ""
    err = c.console(stderr=True)
    described = ", ".join(f"{s.name} ({len(s.kv):,} x {s.kv.vector_size}, {s.index.backend})" for s in sets)
    procs = f" in {workers} processes" if workers > 1 else ""
    err.print(f"serving {described}{procs} on http://{shown}:{port}/{fragment} (API docs at /docs; Ctrl-C stops)",
              soft_wrap=True)
    if token and not print_token:
        err.print("token required: open the page and paste the token, or add #token=TOKEN to its URL", soft_wrap=True)
    if workers > 1:
        for vs in sets:
            vs.close()
        del sets
        run_workers(spec, workers, host=host, port=port)
        return
    qlog = QueryLog(log_queries) if log_queries is not None else None
    app = create_app(sets, token=token, limits=Limits(max_body_bytes=spec["max_body_bytes"], max_batch=max_batch),
                     query_log=qlog)
    run_server(app, host=host, port=port, threads=threads)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
