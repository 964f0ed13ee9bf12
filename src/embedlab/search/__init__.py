"""Vector search: an :class:`Index` protocol with backends in a registry.

* ``exact``: BLAS blocked matrix products + a compiled top-k merge (the oracle of the others);
* ``faiss``: any faiss ``index_factory`` string (``Flat``, ``HNSW32``, ``IVF4096,PQ16`` ...);
* ``milvus``: pymilvus ``MilvusClient``, a Milvus Lite ``.db`` file or a server URI.

:func:`build_index` builds one from :class:`~embedlab.vectors.KeyedVectors` and records, in
``index.metadata``, recall@k against exact search on sampled keys, build time, memory, size and a
checksum of the vectors; :func:`load_index` opens a saved index folder. Attach an index to
vectors with :meth:`KeyedVectors.attach_index` and ``most_similar`` uses it.

Example::

    from embedlab.search import build_index, load_index
    index = build_index(kv, "faiss", factory="HNSW32", ef_search=64)
    index.metadata["recall_at_k"]          # e.g. 0.99
    index.search_keys(["king"], k=10)      # [[("queen", 0.78), ...]]
    index.save("glove.index")
"""

from __future__ import annotations

from .base import (
    BACKENDS,
    MAX_K,
    METRICS,
    BaseIndex,
    Index,
    build_index,
    check_finite,
    check_query_vectors,
    get_backend,
    isotropy,
    load_index,
    measure_recall,
    read_metadata,
    register_backend,
    vectors_checksum,
)
from .queries import read_query_vectors

__all__ = [
    "Index",
    "BaseIndex",
    "BACKENDS",
    "MAX_K",
    "METRICS",
    "build_index",
    "load_index",
    "read_metadata",
    "measure_recall",
    "isotropy",
    "get_backend",
    "register_backend",
    "vectors_checksum",
    "check_finite",
    "check_query_vectors",
    "read_query_vectors",
]
