"""The service's OpenAPI contract: response bodies, error statuses per route, and the request rules
that depend on the sets served (dimension, batch size, ``k`` bound), so that a client generated
from ``/openapi.json`` gets exactly what the schema promises. Imported by :func:`create_app` only
(it needs pydantic)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ErrorBody", "responses", "BINARY", "TEXT", "CSV", "search_body_schema"]


class ErrorBody(BaseModel):
    """Every error: a one-line message and the status (an unknown key adds close spellings)."""

    error: str
    status: int
    key: str | None = Field(None, description="The key not found (404 for an unknown key).")
    suggestions: list[str] | None = Field(None, description="Close spellings of an unknown key.")


class Neighbor(BaseModel):
    key: str
    score: float


class NeighborsOut(BaseModel):
    key: str
    set: str
    neighbors: list[Neighbor]


class SearchResult(BaseModel):
    neighbors: list[Neighbor]


class SearchOut(BaseModel):
    set: str
    results: list[SearchResult]


class VectorOut(BaseModel):
    key: str
    set: str
    vector: list[float]


class SimilarityOut(BaseModel):
    a: str
    b: str
    set: str
    similarity: float


class AnalogyOut(BaseModel):
    a: str
    b: str
    c: str
    set: str
    neighbors: list[Neighbor]


class CompareSide(BaseModel):
    set: str
    neighbors: list[Neighbor]


class CompareOut(BaseModel):
    key: str
    a: CompareSide
    b: CompareSide
    overlap: float = Field(..., description="Shared neighbours / k.")
    shared: list[str]


class HealthOut(BaseModel):
    status: str
    sets: list[str]


class IndexInfo(BaseModel):
    backend: str
    recall_at_k: float | None = None
    recall_k: int | None = None
    params: dict[str, Any]


class SetInfo(BaseModel):
    name: str
    keys: int
    dim: int
    source: str
    index: IndexInfo
    labels: bool
    method: str | None = None


class SetsOut(BaseModel):
    default: str
    sets: list[SetInfo]


class Latency(BaseModel):
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    window: int


class MetricsOut(BaseModel):
    uptime_s: float
    requests: dict[str, int]
    status: dict[str, int]
    latency: dict[str, Latency]


class LegendOut(BaseModel):
    by: str
    categories: list[str]


_WHY = {
    401: "Missing or wrong token (send 'Authorization: Bearer <token>').",
    404: "Unknown vector set or key (an unknown key comes with close spellings), or data this set lacks.",
    413: "Request body over the size limit.",
    422: "A parameter or the body breaks a rule of this schema.",
    503: "The index backend failed (e.g. a vector database that went away).",
}

BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
TEXT = {"text/plain": {"schema": {"type": "string"}}}
CSV = {"text/csv": {"schema": {"type": "string"}}}


def responses(ok: type[BaseModel] | dict[str, Any], *codes: int, token: bool) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route: 200 (a model, or a ``{media type: ...}`` content) and the
    errors it can answer (401 added when a token is needed), all :class:`ErrorBody`."""
    out: dict[int | str, dict[str, Any]] = {}
    if isinstance(ok, dict):
        out[200] = {"content": ok, "description": "Successful Response"}
    else:
        out[200] = {"model": ok, "description": "Successful Response"}
    for code in sorted(set(codes) | ({401} if token else set())):
        out[code] = {"model": ErrorBody, "description": _WHY[code]}
    return out


def search_body_schema(sets: list[Any], max_batch: int, max_k: int) -> dict[str, Any]:
    """JSON Schema of the ``POST /search`` body with the rules the route applies: 1 to ``max_batch``
    query vectors of the set's dimension, not all zeros (cosine is undefined), ``k`` in
    [1, ``max_k``]. With sets of different dimensions the body is one of a variant per dimension,
    chosen by ``set`` (absent or null: the first set)."""
    default_dim = sets[0].kv.vector_size

    def variant(dim: int) -> dict[str, Any]:
        return {"type": "array", "minItems": 1, "maxItems": max_batch, "description":
                f"Query vectors (at most {max_batch}), each of {dim} numbers, not all zero.",
                "items": {"type": "array", "minItems": dim, "maxItems": dim,
                          "items": {"type": "number"}, "not": {"items": {"const": 0}}}}

    base: dict[str, Any] = {
        "type": "object", "title": "SearchRequest", "required": ["vectors"],
        "properties": {
            "vectors": variant(default_dim),
            "k": {"type": "integer", "minimum": 1, "maximum": max_k, "default": 10,
                  "description": f"Number of neighbours (1-{max_k})."},
            "set": {"anyOf": [{"type": "string"}, {"type": "null"}],
                    "description": f"Vector set name (default: {sets[0].name})."},
        },
    }
    dims: dict[int, list[str]] = {}
    for vs in sets:
        dims.setdefault(vs.kv.vector_size, []).append(vs.name)
    if len(dims) == 1:
        return base
    variants = []
    for dim, names in dims.items():
        v = {"properties": {"vectors": variant(dim), "set": {"enum": names}}, "required": ["vectors", "set"]}
        if dim == default_dim:  # the set may be left out for the default set
            v = {"properties": {"vectors": variant(dim), "set": {"enum": [*names, None]}}}
        variants.append(v)
    others = [n for vs in sets if vs.kv.vector_size != default_dim for n in [vs.name]]
    base["properties"]["vectors"] = {"type": "array", "description": "Query vectors of the set's dimension."}
    base["properties"]["set"]["description"] += f" Sets of another dimension: {', '.join(others)}."
    base["oneOf"] = variants
    return base
