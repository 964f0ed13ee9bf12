"""``embedlab index build`` and ``embedlab index query``: nearest-neighbour indexes of vectors."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import DataError, InputFileError, InvalidParameterError
from . import _common as c

__all__ = ["register", "index_app", "ISOTROPY_WARN", "RECALL_WARN"]

ISOTROPY_WARN = 0.9  # participation ratio / dim: isotropic random ~1.0, GloVe 6B 50d 0.74
RECALL_WARN = 0.95


class Backend(str, Enum):
    exact = "exact"
    faiss = "faiss"
    milvus = "milvus"


class Metric(str, Enum):
    cosine = "cosine"
    ip = "ip"


index_app = typer.Typer(
    name="index",
    help="Build and query nearest-neighbour indexes (exact, faiss, Milvus Lite or a Milvus server).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

TokenOpt = Annotated[
    str | None,
    typer.Option("--token", envvar="EMBEDLAB_MILVUS_TOKEN", help="Milvus token (user:password or API key; "
                 "env EMBEDLAB_MILVUS_TOKEN)."),
]


def _backend_params(backend: str, factory: str | None, index_type: str | None, ef_search: int | None,
                    nprobe: int | None, uri: str | None, token: str | None, collection: str | None,
                    overwrite: bool, seed: int) -> dict[str, Any]:
    if backend != "faiss" and factory is not None:
        raise InvalidParameterError(f"--factory applies to --backend faiss only (Milvus: --index-type); got --backend {backend}")
    if backend != "milvus":
        for flag, value in (("--uri", uri), ("--collection", collection), ("--index-type", index_type)):
            if value is not None:
                raise InvalidParameterError(f"{flag} applies to --backend milvus only; got --backend {backend}")
    if backend == "exact":
        if ef_search is not None or nprobe is not None:
            raise InvalidParameterError("--ef-search and --nprobe apply to approximate backends, not --backend exact")
        return {}
    if backend == "faiss":
        return {"factory": factory or "HNSW32", "ef_search": ef_search, "nprobe": nprobe}
    params: dict[str, Any] = {"uri": uri, "token": token or "", "collection": collection or "embedlab_vectors",
                              "index_type": index_type or "AUTOINDEX", "overwrite": overwrite,
                              "ef": ef_search, "nprobe": nprobe}
    return params


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


@index_app.command("build")
def build(
    vectors: Annotated[Path, typer.Argument(help="Vectors file (.npz, .vec/.txt, .bin) or a pre-trained name.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Index folder to write.")],
    backend: Annotated[Backend, typer.Option("--backend", "-b", help="exact, faiss or milvus.")] = Backend.faiss,
    factory: Annotated[str | None, typer.Option(
        "--factory", help="faiss index_factory string: Flat, HNSW32, IVF4096,PQ16 ... (default HNSW32).")] = None,
    ef_search: Annotated[int | None, typer.Option("--ef-search", min=1, help="HNSW efSearch (faiss) / ef (Milvus).")] = None,
    nprobe: Annotated[int | None, typer.Option("--nprobe", min=1, help="IVF lists probed per query.")] = None,
    ef_construction: Annotated[int | None, typer.Option(
        "--ef-construction", min=1, help="faiss HNSW efConstruction (default 128; higher builds slower, finds more).")] = None,
    uri: Annotated[str | None, typer.Option(
        "--uri", help="Milvus: a Lite file (x.db) or a server (http://host:19530); default: Lite inside the index.")] = None,
    token: TokenOpt = None,
    collection: Annotated[str | None, typer.Option("--collection", help="Milvus collection name.")] = None,
    index_type: Annotated[str | None, typer.Option(
        "--index-type", help="Milvus index type: AUTOINDEX, FLAT, HNSW, IVF_FLAT ...")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Milvus: replace an existing collection.")] = False,
    metric: Annotated[Metric, typer.Option("--metric", help="cosine (normalised inner product) or ip.")] = Metric.cosine,
    recall_queries: Annotated[int, typer.Option(
        "--recall-queries", min=0, help="Stored keys sampled to measure recall against exact search (0 = skip).")] = 1000,
    recall_k: Annotated[int, typer.Option("--recall-k", min=1, max=1000, help="k of the recall@k measurement.")] = 10,
    seed: c.Seed = None,
    from_format: c.FromFormat = None,
    progress: c.Progress = True,
) -> None:
    """Build an index of VECTORS; prints recall@k against exact search, build time and size."""
    from ..search import build_index

    params = _backend_params(backend.value, factory, index_type, ef_search, nprobe, uri, token, collection,
                             overwrite, seed or 0)
    if ef_construction is not None:
        if backend != Backend.faiss:
            raise InvalidParameterError("--ef-construction applies to --backend faiss (HNSW factories) only")
        params["ef_construction"] = ef_construction
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise InputFileError(f"{parent}: output folder does not exist; create it first")
    if output.exists() and not (output / "index.json").is_file():
        raise InputFileError(f"{output}: exists and is not an index folder; choose another --output")
    kv = c.read_vectors(vectors, from_format)
    index = build_index(kv, backend.value, metric=metric.value, recall_k=recall_k, recall_queries=recall_queries,
                        seed=seed or 0, source=str(vectors), show_progress=progress, **params)
    try:
        index.save(output)
    finally:
        index.close()
    meta = index.metadata
    out = c.console()
    out.print(f"index {output}: {backend.value} ({_describe(backend.value, params)}), {len(kv):,} x {kv.vector_size}, "
              f"{metric.value}")
    if "recall_at_k" in meta:
        out.print(f"recall@{meta['recall_k']} vs exact: {meta['recall_at_k']:.4f} on {meta['recall_queries']} keys "
                  f"({meta['batch_qps']:,.0f} queries/s in a batch)")
    growth = meta.get("rss_growth_bytes")
    out.print(f"build time: {meta['build_seconds']:.2f} s; size: {_size(meta['size_bytes'])}; "
              f"memory: {_size(meta['memory_bytes'])} of vectors in the index"
              + (f", {_size(growth)} process growth while building" if growth is not None else ""), soft_wrap=True)
    _warn_low_recall(meta)


def _describe(backend: str, params: dict[str, Any]) -> str:
    if backend == "faiss":
        extra = "".join(f", {k} {params[k]}" for k in ("ef_search", "nprobe") if params.get(k))
        return f"factory {params['factory']}{extra}"
    if backend == "milvus":
        return f"{params['index_type']} at {params['uri'] or 'Milvus Lite in the index'}, collection {params['collection']}"
    return "brute force"


def _warn_low_recall(meta: dict[str, Any]) -> None:
    recall = meta.get("recall_at_k")
    if recall is None or recall >= RECALL_WARN:
        return
    iso = meta.get("isotropy")
    err = c.console(stderr=True)
    if iso is not None and iso >= ISOTROPY_WARN:
        err.print(f"warning: recall@{meta['recall_k']} is {recall:.3f} and the vectors look near-isotropic "
                  f"(isotropy {iso:.2f}; GloVe 6B 50d has 0.74), where graph and quantised "
                  "indexes lose recall; raise --ef-search / --nprobe, or use --factory Flat / --backend exact",
                  soft_wrap=True)
    else:
        err.print(f"warning: recall@{meta['recall_k']} is {recall:.3f} (< {RECALL_WARN}); raise --ef-search / "
                  "--nprobe or choose a finer --factory", soft_wrap=True)


@index_app.command("query")
def query(
    index_path: Annotated[Path, typer.Argument(metavar="INDEX", help="Index folder (from `embedlab index build`).")],
    keys: Annotated[list[str] | None, typer.Argument(metavar="[KEY]...", help="Stored keys to find neighbours of.")] = None,
    vector_file: Annotated[Path | None, typer.Option(
        "--vector-file", help="Query vectors: .npy, or text with one vector per line.")] = None,
    k: Annotated[int, typer.Option("-k", "--topn", min=1, max=1000, help="Neighbours per query.")] = 10,
    ef_search: Annotated[int | None, typer.Option("--ef-search", min=1, help="Override HNSW efSearch.")] = None,
    nprobe: Annotated[int | None, typer.Option("--nprobe", min=1, help="Override IVF nprobe.")] = None,
    token: TokenOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """Neighbours of stored KEYs (each excluded from its own list) or of vectors from --vector-file."""
    import difflib

    from ..search import load_index, read_metadata

    if not keys and vector_file is None:
        raise InvalidParameterError("give one or more KEYs or --vector-file FILE")
    meta = read_metadata(index_path)
    overrides: dict[str, Any] = {}
    if ef_search is not None:
        overrides["ef" if meta["backend"] == "milvus" else "ef_search"] = ef_search
    if nprobe is not None:
        overrides["nprobe"] = nprobe
    if token is not None:
        overrides["token"] = token
    index = load_index(index_path, **overrides)
    try:
        results: list[tuple[str, list[tuple[str, float]]]] = []
        for key in keys or []:
            if key not in index:
                close = difflib.get_close_matches(key, index.keys[:50_000], n=3)
                hint = f"; close: {', '.join(close)}" if close else ""
                raise DataError(f"key '{key}' is not in index {index_path} ({len(index):,} keys){hint}")
        if keys:
            results += list(zip(keys, index.search_keys(keys, k), strict=True))
        if vector_file is not None:
            from ..search import read_query_vectors

            c.check_input_path(vector_file)
            vectors = read_query_vectors(vector_file, index.dim, index.metric)
            results += [(f"{vector_file.name}:{i + 1}", hits)
                        for i, hits in enumerate(index.search_vectors(vectors, k))]
    finally:
        index.close()
    if as_json:
        for q, hits in results:
            typer.echo(json.dumps({"query": q, "neighbors": [{"key": n, "score": round(s, 6)} for n, s in hits]},
                                  ensure_ascii=False))
        return
    from rich.table import Table

    out = c.console()
    for q, hits in results:
        table = Table(title=f"{q}", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("key")
        table.add_column("score", justify="right")
        for i, (n, s) in enumerate(hits, 1):
            table.add_row(str(i), n, f"{s:.4f}")
        out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")
