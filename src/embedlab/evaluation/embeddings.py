"""What an embedding spec may name, resolved to an object (``compare``, ``evaluate`` and Python alike).

* a vectors file or a pre-trained name (``glove-6b-50d``): word vectors, pooled by each task's
  default; ``SPEC@POOLING`` (``glove-6b-50d@sif``) pools them with ``mean``, ``tfidf`` or ``sif``
  for every task;
* a transformer sentence model: a bundled name (``minilm``) or a model folder;
* ``bm25``: the lexical retrieval baseline (retrieval tasks only);
* with ``hybrid_embeddings`` (``--hybrid``): the reciprocal-rank fusion of BM25 with each dense
  embedding, added as a retrieval method of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..exceptions import InvalidParameterError
from .encoders import POOLINGS

__all__ = ["load_embedding", "hybrid_embeddings", "names_text_model", "EMBEDDING_HELP", "POOLINGS"]

EMBEDDING_HELP = (
    "vectors file (.npz, .vec/.txt, .bin, .parquet index), a pre-trained name (glove-6b-50d), "
    "SPEC@mean|tfidf|sif for a fixed pooling, a sentence model (minilm or a model folder), or bm25"
)


def _named(spec: str) -> bool:
    from ..vectors.pretrained import NAMED_VECTORS

    return spec in NAMED_VECTORS


def _is_transformer(spec: str) -> bool:
    from ..models.transformer import BUNDLED_MODELS, is_model_folder

    return spec in BUNDLED_MODELS or is_model_folder(Path(spec))


def load_embedding(spec: str, limit: int | None = None, show_progress: bool = False, nonfinite: str = "error") -> Any:
    """Word vectors, PooledVectors, a SentenceEncoder or BM25 for ``spec`` (see module doc); word
    vectors holding NaN/inf are refused, or dropped with ``nonfinite="drop"``.

    ``show_progress`` gives a sentence model its own encode bar (off under ``compare``, which
    shows one bar for all its steps: rich allows one live display at a time)."""
    from ..vectors.pretrained import resolve_vectors

    if spec == "bm25" and not Path(spec).exists():
        from ..models.bm25 import BM25

        return BM25()
    base, sep, pooling = spec.rpartition("@")
    if sep and pooling not in POOLINGS and not Path(spec).exists() and (Path(base).exists() or _named(base)):
        raise InvalidParameterError(f"{spec}: unknown pooling {pooling!r}; use {', '.join(POOLINGS)} "
                                    f"(e.g. {base}@sif)")
    if sep and pooling in POOLINGS and not Path(spec).exists():
        from ..evaluation.encoders import PooledVectors

        if _is_transformer(base):
            raise InvalidParameterError(f"{spec}: a pooling (@{pooling}) applies to word vectors, not to a sentence model")
        return PooledVectors(resolve_vectors(base, limit, nonfinite=nonfinite), pooling)
    if _is_transformer(spec):
        from ..models.transformer import SentenceEncoder

        return SentenceEncoder(spec, show_progress=show_progress)
    return resolve_vectors(spec, limit, nonfinite=nonfinite)


def hybrid_embeddings(embeddings: dict[str, Any], k: float = 60.0) -> dict[str, Any]:
    """``embeddings`` plus ``NAME+bm25`` (reciprocal-rank fusion with BM25) for each dense one."""
    from ..evaluation.encoders import HybridRanker, is_ranker
    from ..models.bm25 import BM25

    out = dict(embeddings)
    for name, emb in embeddings.items():
        if not is_ranker(emb):
            out[f"{name}+bm25"] = HybridRanker(BM25(), emb, k=k)
    return out


def names_text_model(spec: str) -> bool:
    """Whether ``spec`` names a sentence model or ``bm25`` rather than a vectors file."""
    if Path(spec).is_file():
        return False
    return spec == "bm25" or spec.rpartition("@")[2] in POOLINGS and not Path(spec).exists() or _is_transformer(spec)
