"""The HTTP JSON API (FastAPI on uvicorn) and the explorer page.

Routes (``set`` picks a vector set by name; the first one by default):

* ``GET /neighbors?key=&k=`` -> ``{"key", "set", "neighbors": [{"key", "score"}, ...]}`` (the key
  itself excluded); ``POST /search`` ``{"vectors": [[...]], "k"}`` -> ``{"results": [{"neighbors"}]}``;
  ``GET /vector?key=``; ``GET /similarity?a=&b=``; ``GET /analogy?a=&b=&c=`` (a : b :: c : ?);
  ``GET /compare?key=&a=&b=`` (neighbours in two sets and their overlap);
* ``GET /sets``, ``GET /health`` (no token needed), ``GET /metrics`` (request counts by route and
  status, latency quantiles);
* explorer data: ``GET /map`` (float32 x, y pairs), ``GET /map.csv``, ``GET /keys`` (one per
  line), ``GET /colors?by=frequency|cluster|label`` (uint8 per point), ``GET /legend?by=``;
* ``GET /`` the explorer page and ``/static/...`` its assets (no data, no token needed);
  ``GET /docs`` the OpenAPI documentation.

Security: with a token every data route demands ``Authorization: Bearer <token>`` (compared in
constant time; 401 otherwise). Request bodies over ``max_body_bytes`` get 413, ``k`` outside
[1, 1000] or more than ``max_batch`` query vectors 422, unknown keys 404 with close spellings;
every error is JSON (``{"error": ..., "status": ...}``), never a stack trace.

Contract: ``/openapi.json`` documents every status and body a route answers, and carries the
rules the routes apply (``k`` bound, batch size, each set's dimension, no all-zero query vector;
see :mod:`embedlab.serve.contract`); a 405 names the allowed methods in ``Allow``.

Query log (``query_log``, ``serve --log-queries FILE``): one JSON object per key looked up, one
per line, appended and flushed per line::

    {"ts": "2026-12-01T23:59:59.123Z", "time": 1796169599.123, "endpoint": "neighbors",
     "set": "glove", "key": "kinng", "hit": false}

``ts`` is UTC ISO-8601 with milliseconds, ``time`` the same instant in Unix seconds, ``endpoint``
one of neighbors, vector, similarity, analogy, compare; ``hit`` says whether the key was in the
set. ``/similarity`` and ``/analogy`` log one line per key they take. ``embedlab drift --queries
FILE`` reads these lines.
"""


import contextlib
import functools
import hmac
import json
import os
import threading
import time
from collections import Counter, deque
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

import numpy as np

from ..exceptions import DataError, EmbedlabError, InvalidParameterError, MissingDependencyError, require
from ..search import check_query_vectors
from .vectorset import VectorSet, suggest

__all__ = ["create_app", "Limits", "QueryLog", "TOKEN_ENV", "MAX_K"]

TOKEN_ENV = "EMBEDLAB_TOKEN"
MAX_K = 1000
_ROUTES = ("/neighbors", "/search", "/vector", "/similarity", "/analogy", "/compare", "/sets", "/health",
           "/metrics", "/map", "/map.csv", "/keys", "/colors", "/legend", "/")


class Limits:
    """Request bounds: body size, query vectors per ``/search``, ``k``."""

    def __init__(self, max_body_bytes: int = 4 << 20, max_batch: int = 1000, max_k: int = MAX_K) -> None:
        self.max_body_bytes = int(max_body_bytes)
        self.max_batch = int(max_batch)
        self.max_k = int(max_k)


def openapi_html(spec: dict[str, Any]) -> str:
    """The API documentation as one self-contained page (no script, nothing fetched), from the
    OpenAPI schema that ``/openapi.json`` serves."""
    import html

    esc = html.escape
    rows = []
    for path, ops in sorted(spec.get("paths", {}).items()):
        for method, op in ops.items():
            params = ", ".join(
                f"<code>{esc(p['name'])}</code>{'' if p.get('required') else '?'}" for p in op.get("parameters", [])
            )
            body = " (JSON body)" if "requestBody" in op else ""
            rows.append(f"<tr><td><b>{esc(method.upper())}</b></td><td><code>{esc(path)}</code></td>"
                        f"<td>{esc(op.get('summary', ''))}</td><td>{params}{body}</td></tr>")
    info = spec.get("info", {})
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(info.get('title', 'API'))}</title>"
            "<meta name='viewport' content='width=device-width'><style>body{font-family:sans-serif;margin:1em}"
            "td{padding:.3em .6em;border-bottom:1px solid #ddd;vertical-align:top}</style></head><body>"
            f"<h1>{esc(info.get('title', 'API'))}</h1><p>{esc(info.get('description', ''))}</p>"
            "<p>Machine-readable schema: <a href='openapi.json'>openapi.json</a>. With a token, send "
            "<code>Authorization: Bearer TOKEN</code>.</p><table><tr><th>method</th><th>path</th><th>what</th>"
            f"<th>parameters</th></tr>{''.join(rows)}</table></body></html>")


class QueryLog:
    """Append one JSON line per key looked up (see the module docstring for the format)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fh = open(self.path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - kept open
        self._lock = threading.Lock()

    def write(self, endpoint: str, set_name: str, key: str, hit: bool) -> None:
        now = time.time()
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
        line = json.dumps({"ts": ts, "time": round(now, 3), "endpoint": endpoint, "set": set_name, "key": key,
                           "hit": bool(hit)}, ensure_ascii=False)
        with self._lock:
            self._fh.write(line + "\n")

    def close(self) -> None:
        with self._lock:
            self._fh.close()


class _Metrics:
    def __init__(self) -> None:
        self.started = time.time()
        self.requests: Counter[str] = Counter()
        self.status: Counter[int] = Counter()
        self.latency: dict[str, deque[float]] = {}

    def record(self, route: str, status: int, seconds: float) -> None:
        self.requests[route] += 1
        self.status[status] += 1
        buf = self.latency.get(route)
        if buf is None:
            buf = self.latency[route] = deque(maxlen=20_000)
        buf.append(seconds)

    def snapshot(self) -> dict[str, Any]:
        latency = {}
        for route, buf in self.latency.items():
            arr = np.fromiter(buf, dtype=np.float64) * 1000.0
            if len(arr):
                p50, p90, p99 = np.quantile(arr, [0.5, 0.9, 0.99])
                latency[route] = {"p50_ms": round(float(p50), 3), "p90_ms": round(float(p90), 3),
                                  "p99_ms": round(float(p99), 3),
                                  "max_ms": round(float(arr.max()), 3), "window": len(arr)}
        return {"uptime_s": round(time.time() - self.started, 1), "requests": dict(self.requests),
                "status": {str(k): v for k, v in sorted(self.status.items())}, "latency": latency}


def _json_bytes(obj: Any) -> bytes:
    try:
        import orjson

        return orjson.dumps(obj)
    except ImportError:  # pragma: no cover - orjson comes with the serve extra
        return json.dumps(obj, ensure_ascii=False).encode()


class _MetricsAndLimits:
    """Pure ASGI middleware: per-route latency/status metrics and the request-body bound."""

    def __init__(self, app: Any, metrics: _Metrics, max_body: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body

    async def _reject(self, send: Any, status: int, message: str) -> None:
        body = _json_bytes({"error": message, "status": status})
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = scope.get("path", "")
        route = path if path in _ROUTES else ("/static" if path.startswith("/static/") else "other")
        status_box = [500]

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
            await send(message)

        try:
            length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                status_box[0] = 413
                await self._reject(send, 413, f"request body over {self.max_body} bytes")
                return
            received = 0
            too_large = False

            async def limited_receive() -> Any:
                # past the bound the app sees a disconnect (it stops reading) and 413 is sent here
                nonlocal received, too_large
                if too_large:
                    return {"type": "http.disconnect"}
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body:
                        too_large = True
                        return {"type": "http.disconnect"}
                return message

            async def guarded_send(message: Any) -> None:
                if not too_large:
                    await send_wrapper(message)

            try:
                await self.app(scope, limited_receive, guarded_send)
            except Exception:
                if not too_large:
                    raise
            if too_large:
                status_box[0] = 413
                await self._reject(send, 413, f"request body over {self.max_body} bytes")
        finally:
            self.metrics.record(route, status_box[0], time.perf_counter() - start)


class _NeighborsFastPath:
    """The plain ``GET /neighbors`` request (token right, ``key`` and ``k`` valid, ``set`` known, key
    stored, no body), answered ahead of FastAPI's middleware stack and its per-request dependency
    and validation machinery (most of the CPU of a request): the same checks and answer as the
    route, counted in the same metrics. Anything else, every error included, goes on to the FastAPI
    route, so errors and messages stay one."""

    def __init__(self, answer: Any, expected: bytes | None, max_k: int, metrics: _Metrics) -> None:
        self.answer = answer  # async (key, k, set name) -> bytes, or None to decline
        self.expected = expected
        self.max_k = max_k
        self.metrics = metrics

    def _parse(self, scope: Any) -> tuple[str, int, str | None] | None:
        auth: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if auth is None:  # the first one counts, as for the route
                    auth = value
            elif name == b"content-length" or name == b"transfer-encoding":
                return None  # a GET with a body: the route (and the body bound) deal with it
        if self.expected is not None and not hmac.compare_digest(auth or b"", self.expected):
            return None
        key: str | None = None
        k, set_name = 10, None
        for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True,
                                     encoding="utf-8", errors="strict", max_num_fields=8):
            if name == "key":
                key = value
            elif name == "k":
                if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= self.max_k:
                    return None
                k = int(value)
            elif name == "set":
                set_name = value
        if key is None or len(key) > 1000:
            return None
        return key, k, set_name

    async def handle(self, scope: Any, send: Any) -> bool:
        """Answer the request and return True, or return False (nothing sent) to decline it."""
        start = time.perf_counter()
        try:  # undecodable query, too many parameters, a failing search: the route says what is wrong
            parsed = self._parse(scope)
            body = None if parsed is None else await self.answer(*parsed)
        except Exception:  # noqa: BLE001 - the route answers it again with its error mapping
            return False
        if body is None:
            return False
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", str(len(body)).encode()),
                                    (b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
        finally:
            self.metrics.record("/neighbors", 200, time.perf_counter() - start)
        return True


@functools.cache
def _service_class() -> type:
    """FastAPI whose plain ``GET /neighbors`` is tried on its fast path before the middleware stack."""
    from fastapi import FastAPI

    class ServiceApp(FastAPI):
        fast_path: _NeighborsFastPath | None = None

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            fast = self.fast_path
            if (fast is not None and scope["type"] == "http" and scope["path"] == "/neighbors"
                    and scope["method"] == "GET" and await fast.handle(scope, send)):
                return
            await super().__call__(scope, receive, send)

    return ServiceApp


def _json_integer(value: Any) -> Any:
    """A JSON Schema integer: an int or a float with no fraction (10.0), never a bool or a string."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("Input should be a valid integer")
    return value


def _static_dir() -> Path:
    return Path(str(resources.files("embedlab.serve") / "static"))


def create_app(
    sets: list[VectorSet],
    *,
    token: str | None = None,
    limits: Limits | None = None,
    query_log: QueryLog | None = None,
    title: str = "embedlab",
) -> Any:
    """The FastAPI application serving ``sets`` (the first is the default)."""
    require("fastapi", "serve")
    from fastapi import Depends, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, Response
    from fastapi.staticfiles import StaticFiles
    from pydantic import BaseModel, BeforeValidator, Field, Strict
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from . import contract as api

    if not sets:
        raise InvalidParameterError("no vector sets to serve")
    limits = limits or Limits()
    by_name = {s.name: s for s in sets}
    default = sets[0].name
    metrics = _Metrics()
    expected = f"Bearer {token}".encode() if token else None

    class ApiError(Exception):
        def __init__(self, status: int, message: str, **extra: Any) -> None:
            self.status, self.message, self.extra = status, message, extra

    def respond(obj: Any, status: int = 200) -> Response:
        return Response(_json_bytes(obj), status_code=status, media_type="application/json")

    async def require_token(request: Request) -> None:
        if expected is None:
            return
        got = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(got, expected):
            raise ApiError(401, "missing or wrong token: send 'Authorization: Bearer <token>'")

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        yield
        for vs in sets:
            vs.close()
        if query_log is not None:
            query_log.close()

    app = _service_class()(title=f"{title} vector service", version="1", docs_url=None, redoc_url=None,
                           lifespan=lifespan,
                           description="Nearest neighbours, similarities and analogies over embedlab vectors.")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:  # FastAPI's own /docs page loads Swagger UI from a CDN
        return Response(openapi_html(app.openapi()), media_type="text/html")

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        body = {"error": exc.message, "status": exc.status, **exc.extra}
        return Response(_json_bytes(body), status_code=exc.status, media_type="application/json", headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        parts = []
        for e in errors[:5]:
            if e.get("type") == "json_invalid":
                parts.append(f"malformed JSON body ({e.get('ctx', {}).get('error', 'decode error')})")
                continue
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "body"))
            parts.append(f"{loc or 'body'}: {e.get('msg', 'invalid')}")
        return respond({"error": "; ".join(parts) or "invalid request", "status": 422}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):  # e.g. not UTF-8: as malformed JSON
            return respond({"error": "malformed JSON body (could not be decoded)", "status": 422}, 422)
        resp = respond({"error": str(exc.detail), "status": exc.status_code}, exc.status_code)
        for name, value in (exc.headers or {}).items():  # 405 lists the methods in Allow (RFC 9110)
            resp.headers[name] = value
        return resp

    @app.exception_handler(EmbedlabError)
    async def _embedlab(request: Request, exc: EmbedlabError) -> Response:
        status = 422 if isinstance(exc, (InvalidParameterError, ValueError)) else 503
        if isinstance(exc, MissingDependencyError):
            status = 501
        return respond({"error": " ".join(str(exc).split()), "status": status}, status)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:  # never a stack trace
        return respond({"error": f"internal error ({type(exc).__name__})", "status": 500}, 500)

    async def fast_neighbors(key: str, k: int, set_name: str | None) -> bytes | None:
        vs = by_name.get(set_name or default)
        if vs is None:
            return None
        row = vs.kv.key_to_index.get(key)
        if row is None:
            return None  # the route logs the miss and answers 404 with suggestions
        if query_log is not None:
            query_log.write("neighbors", vs.name, key, True)
        scores, rows = await vs.batcher.rows(row, k)
        return _json_bytes({"key": key, "set": vs.name, "neighbors": named(vs, scores, rows)})

    app.fast_path = _NeighborsFastPath(fast_neighbors, expected, limits.max_k, metrics)
    app.add_middleware(_MetricsAndLimits, metrics=metrics, max_body=limits.max_body_bytes)

    # ---------------------------------------------------------------- helpers
    def get_set(name: str | None) -> VectorSet:
        name = name or default
        found = by_name.get(name)
        if found is None:
            raise ApiError(404, f"no vector set '{name}'; sets: {', '.join(by_name)}")
        return found

    def row_of(vs: VectorSet, key: str, endpoint: str) -> int:
        row = vs.kv.key_to_index.get(key)
        if query_log is not None:
            query_log.write(endpoint, vs.name, key, row is not None)
        if row is None:
            close = suggest(vs.kv.index_to_key, key)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ApiError(404, f"key '{key}' is not in set '{vs.name}' ({len(vs.kv):,} keys){hint}",
                           key=key, suggestions=close)
        return row

    def check_k(k: int) -> int:
        if k > limits.max_k:
            raise ApiError(422, f"k: must be <= {limits.max_k}")
        return k

    def named(vs: VectorSet, scores: np.ndarray, rows: np.ndarray) -> list[dict[str, Any]]:
        keys = vs.kv.index_to_key
        return [{"key": keys[r], "score": round(s, 6)} for s, r in zip(scores.tolist(), rows.tolist(), strict=True)
                if r >= 0]

    K = Query(10, ge=1, le=limits.max_k, description=f"Number of neighbours (1-{limits.max_k}).")  # noqa: N806
    SET = Query(None, description=f"Vector set name (default: {default}).")  # noqa: N806
    auth = [Depends(require_token)]
    tok = expected is not None
    first = sets[0].kv.index_to_key[:3] or [""]

    def key_query(i: int = 0) -> Any:  # a stored key as the example (generated clients and docs show it)
        return Query(..., max_length=1000, examples=[first[min(i, len(first) - 1)]], description="A key of the set.")

    def doc(ok: Any, *codes: int) -> dict[Any, Any]:
        return api.responses(ok, *codes, token=tok)

    # the choices offered are the ones that can be served: label colours when a set has labels,
    # UMAP when umap-learn is installed (a set without them answers 404)
    from .projection import umap_available

    color_choices = "frequency|cluster" + ("|label" if any(s.labels is not None for s in sets) else "")
    map_choices = "pca" + ("|umap" if umap_available() else "")

    # ---------------------------------------------------------------- API routes
    @app.get("/health", summary="Liveness (no token needed)", responses=api.responses(api.HealthOut, token=False))
    async def health() -> Response:
        return respond({"status": "ok", "sets": list(by_name)})

    @app.get("/sets", dependencies=auth, summary="The vector sets served", responses=doc(api.SetsOut))
    async def list_sets() -> Response:
        return respond({"default": default, "sets": [s.describe() for s in sets]})

    @app.get("/neighbors", dependencies=auth, summary="Nearest neighbours of a key (the key excluded)",
             responses=doc(api.NeighborsOut, 404, 422, 503))
    async def neighbors(key: str = key_query(), k: int = K, set: str | None = SET) -> Response:
        vs = get_set(set)
        row = row_of(vs, key, "neighbors")
        scores, rows = await vs.batcher.rows(row, check_k(k))
        return respond({"key": key, "set": vs.name, "neighbors": named(vs, scores, rows)})

    search_schema = api.search_body_schema(sets, limits.max_batch, limits.max_k)

    class SearchRequest(BaseModel):
        model_config = {"json_schema_extra": lambda schema, cls: (schema.clear(), schema.update(search_schema))}
        # as the schema says: true or "1.5" is not a number, "10" not an integer (10.0 is)
        vectors: list[list[Annotated[float, Strict()]]] = Field(..., min_length=1)
        k: Annotated[int, BeforeValidator(_json_integer)] = Field(10, ge=1, le=limits.max_k)
        set: str | None = None

    @app.post("/search", dependencies=auth, summary="Nearest neighbours of query vectors",
              responses=doc(api.SearchOut, 404, 413, 422, 503))
    async def search(body: SearchRequest) -> Response:
        vs = get_set(body.set)
        if len(body.vectors) > limits.max_batch:
            raise ApiError(422, f"vectors: {len(body.vectors)} query vectors; at most {limits.max_batch} per request")
        dims = {len(v) for v in body.vectors}
        if dims != {vs.kv.vector_size}:
            raise ApiError(422, f"vectors: dimension {sorted(dims)[0] if len(dims) == 1 else sorted(dims)}; "
                                f"set '{vs.name}' has dimension {vs.kv.vector_size}")
        # cosine ignores a row's scale: each row is divided by its largest |value| first, so values
        # beyond float32's range or below its smallest step still make a searchable query
        q64 = np.asarray(body.vectors, dtype=np.float64)
        if vs.index.metric == "cosine":
            with np.errstate(invalid="ignore", divide="ignore"):
                peak = np.abs(q64).max(axis=1, keepdims=True)
                q64 = np.where(peak > 0, q64 / np.where(peak > 0, peak, 1.0), q64)
        try:  # NaN/inf or an all-zero row (cosine undefined), named by its position from 1
            q = check_query_vectors(q64, "vectors", vs.index.metric)
        except DataError as exc:
            raise ApiError(422, str(exc)) from None
        scores, rows = await vs.batcher.vectors(q, check_k(body.k))
        return respond({"set": vs.name, "results": [{"neighbors": named(vs, s, r)} for s, r in zip(scores, rows,
                                                                                                    strict=True)]})

    @app.get("/vector", dependencies=auth, summary="The vector of a key", responses=doc(api.VectorOut, 404, 422))
    async def vector(key: str = key_query(), set: str | None = SET) -> Response:
        vs = get_set(set)
        row = row_of(vs, key, "vector")
        return respond({"key": key, "set": vs.name, "vector": np.asarray(vs.kv.vectors[row], dtype=np.float64).tolist()})

    @app.get("/similarity", dependencies=auth, summary="Cosine similarity of two keys",
             responses=doc(api.SimilarityOut, 404, 422))
    async def similarity(a: str = key_query(0), b: str = key_query(1),
                         set: str | None = SET) -> Response:
        vs = get_set(set)
        ra, rb = row_of(vs, a, "similarity"), row_of(vs, b, "similarity")
        unit = vs.kv.unit_vectors
        return respond({"a": a, "b": b, "set": vs.name, "similarity": round(float(unit[ra] @ unit[rb]), 6)})

    @app.get("/analogy", dependencies=auth, summary="a : b :: c : ? (3CosAdd: b - a + c)",
             responses=doc(api.AnalogyOut, 404, 422, 503))
    async def analogy(a: str = key_query(0), b: str = key_query(1), c: str = key_query(2), k: int = K, set: str | None = SET) -> Response:
        vs = get_set(set)
        rows = [row_of(vs, w, "analogy") for w in (a, b, c)]
        unit = vs.kv.unit_vectors
        q = unit[rows[1]] - unit[rows[0]] + unit[rows[2]]
        scores, found = await vs.batcher.vectors(q[None, :], min(check_k(k) + 3, MAX_K))
        keep = [i for i, r in enumerate(found[0]) if r not in rows][:k]
        return respond({"a": a, "b": b, "c": c, "set": vs.name,
                        "neighbors": named(vs, scores[0][keep], found[0][keep])})

    @app.get("/compare", dependencies=auth, summary="A key's neighbours in two sets and their overlap",
             responses=doc(api.CompareOut, 404, 422, 503))
    async def compare(key: str = key_query(), a: str | None = Query(None, description="First set."),
                      b: str | None = Query(None, description="Second set."),
                      k: int = K) -> Response:
        names = list(by_name)
        sa = get_set(a or names[0])
        sb = get_set(b or (names[1] if len(names) > 1 else names[0]))
        na = named(sa, *await sa.batcher.rows(row_of(sa, key, "compare"), check_k(k)))
        nb = named(sb, *await sb.batcher.rows(row_of(sb, key, "compare"), k))
        shared = sorted({n["key"] for n in na} & {n["key"] for n in nb})
        return respond({"key": key, "a": {"set": sa.name, "neighbors": na}, "b": {"set": sb.name, "neighbors": nb},
                        "overlap": round(len(shared) / k, 4), "shared": shared})

    @app.get("/metrics", dependencies=auth, summary="Request counts and latency quantiles",
             responses=doc(api.MetricsOut))
    async def get_metrics() -> Response:
        return respond(metrics.snapshot())

    # ---------------------------------------------------------------- explorer data
    inflight: dict[tuple[str, str, str], Any] = {}

    async def computed(vs: VectorSet, kind: str, name: str) -> Any:
        """``vs.projection(name)`` or ``vs.colors(name)`` in a worker thread, one computation per
        (set, kind, name) however many requests wait for it: they wait here, holding no thread,
        and other maps and colours of the set are answered meanwhile."""
        import asyncio

        key = (vs.name, kind, name)
        fut = inflight.get(key)
        if fut is None:
            fn = vs.projection if kind == "map" else vs.colors
            fut = asyncio.ensure_future(asyncio.get_running_loop().run_in_executor(None, fn, name))
            inflight[key] = fut
            fut.add_done_callback(lambda _: inflight.pop(key, None))
        return await asyncio.shield(fut)

    def servable_map(vs: VectorSet, method: str) -> None:
        from .projection import UMAP_MAX_POINTS

        if method == "umap" and len(vs.kv) > UMAP_MAX_POINTS:
            raise ApiError(404, f"no UMAP map for set '{vs.name}': UMAP is limited to {UMAP_MAX_POINTS:,} points "
                                f"and this set has {len(vs.kv):,}; use method=pca")

    def servable_colors(vs: VectorSet, by: str) -> None:
        if by == "label" and vs.labels is None:
            raise ApiError(404, f"set '{vs.name}' has no labels; start serve with --labels FILE")

    @app.get("/map", dependencies=auth, summary="2-D coordinates: little-endian float32 x, y per key",
             response_class=Response, responses=doc(api.BINARY, 404, 422))
    async def get_map(set: str | None = SET, method: str = Query("pca", pattern=f"^({map_choices})$")) -> Response:
        vs = get_set(set)
        servable_map(vs, method)
        xy = await computed(vs, "map", method)
        return Response(np.ascontiguousarray(xy, dtype="<f4").tobytes(), media_type="application/octet-stream",
                        headers={"X-Points": str(len(xy)), "Cache-Control": "no-store"})

    @app.get("/map.csv", dependencies=auth, summary="The projected coordinates as CSV (key,x,y)",
             response_class=Response, responses=doc(api.CSV, 404, 422))
    async def get_map_csv(set: str | None = SET, method: str = Query("pca", pattern=f"^({map_choices})$")) -> Response:
        import csv
        import io

        vs = get_set(set)
        servable_map(vs, method)
        xy = await computed(vs, "map", method)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["key", "x", "y"])
        for key, (x, y) in zip(vs.kv.index_to_key, xy.tolist(), strict=True):
            writer.writerow([key, f"{x:.6f}", f"{y:.6f}"])
        return Response(buf.getvalue(), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{vs.name}-{method}.csv"'})

    @app.get("/keys", dependencies=auth, summary="The keys in row order, one per line",
             response_class=Response, responses=doc(api.TEXT, 404, 422))
    async def get_keys(set: str | None = SET) -> Response:
        vs = get_set(set)
        return Response("\n".join(vs.kv.index_to_key), media_type="text/plain; charset=utf-8")

    @app.get("/colors", dependencies=auth, summary="Category per point (uint8) by frequency, cluster or label",
             response_class=Response, responses=doc(api.BINARY, 404, 422))
    async def get_colors(by: str = Query("frequency", pattern=f"^({color_choices})$"),
                         set: str | None = SET) -> Response:
        vs = get_set(set)
        servable_colors(vs, by)
        cats, names = await computed(vs, "colors", by)
        return Response(cats.tobytes(), media_type="application/octet-stream",
                        headers={"X-Categories": str(len(names))})

    @app.get("/legend", dependencies=auth, summary="Names of the colour categories", responses=doc(api.LegendOut, 404, 422))
    async def get_legend(by: str = Query("frequency", pattern=f"^({color_choices})$"),
                         set: str | None = SET) -> Response:
        vs = get_set(set)
        servable_colors(vs, by)
        _, names = await computed(vs, "colors", by)
        return respond({"by": by, "categories": names})

    # ---------------------------------------------------------------- the page
    static = _static_dir()

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return FileResponse(static / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    app.state.sets = by_name
    app.state.metrics = metrics
    return app
