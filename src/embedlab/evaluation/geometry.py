"""Geometry diagnostics: what do the vectors look like, independently of any task?

* :func:`norm_stats`: distribution of vector norms, and how norms follow frequency rank.
* :func:`isotropy`: Mu & Viswanath's (2018) partition-function ratio
  ``min_c Z(c) / max_c Z(c)`` over the principal directions c (both signs), with
  ``Z(c) = sum_w exp(c . v_w)`` (1 = perfectly isotropic, -> 0 = one dominant direction),
  the mean cosine of random word pairs and the length of the mean unit vector.
* :func:`hubness`: k-occurrence ``N_k`` (how often a word is among the k nearest neighbours of
  others); its skewness (Radovanovic et al. 2010), top hubs and the share of anti-hubs.
* :func:`spectrum`: explained variance by dimension and the effective rank
  ``exp(H(s / sum s))`` of the centred matrix (Roy & Vetterli 2007).
* :func:`nn_overlap`: mean overlap@k of nearest-neighbour lists of two embeddings of the same
  vocabulary (on their common words).
* :func:`project_2d`: 2-D coordinates of chosen words (PCA, or UMAP when installed).

All work on the ``n_words`` first (most frequent) words so that they stay fast on large sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._progress import logger
from ..exceptions import DataError, InvalidParameterError

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = [
    "norm_stats",
    "isotropy",
    "hubness",
    "spectrum",
    "nn_overlap",
    "knn_indices",
    "project_2d",
    "geometry_report",
]


def _head(kv: KeyedVectors, n_words: int | None) -> np.ndarray:
    n = len(kv) if n_words is None else min(int(n_words), len(kv))
    if n < 2:
        raise DataError(f"geometry needs at least 2 vectors; got {n}")
    return np.asarray(kv.vectors[:n], dtype=np.float64)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def norm_stats(kv: KeyedVectors, n_words: int | None = None, bins: int = 30) -> dict[str, Any]:
    """Norm quantiles, mean/std, a histogram, and Spearman(norm, frequency rank)."""
    from scipy.stats import spearmanr

    norms = np.linalg.norm(_head(kv, n_words), axis=1)
    q = np.quantile(norms, [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0])
    counts, edges = np.histogram(norms, bins=bins)
    rho = float(spearmanr(np.arange(len(norms)), norms).statistic) if np.ptp(norms) > 0 else 0.0
    return {
        "n": int(len(norms)),
        "mean": float(norms.mean()),
        "std": float(norms.std()),
        "quantiles": dict(zip(["min", "p05", "p25", "median", "p75", "p95", "max"], map(float, q))),
        "zero_vectors": int(np.sum(norms < 1e-12)),
        "spearman_norm_rank": rho,
        "hist_counts": counts.tolist(),
        "hist_edges": edges.tolist(),
    }


def isotropy(kv: KeyedVectors, n_words: int | None = 10000, n_pairs: int = 20000, random_state: int = 0) -> dict[str, float]:
    """Partition-function isotropy ratio, mean cosine of random pairs, length of the mean unit vector."""
    from scipy.special import logsumexp

    x = _head(kv, n_words)
    _, _, vt = np.linalg.svd(x, full_matrices=False)  # eigenvectors of X^T X
    dirs = np.vstack([vt, -vt])
    log_z = logsumexp(x @ dirs.T, axis=0)
    unit = _unit(x)
    rng = np.random.default_rng(random_state)
    i, j = rng.integers(0, len(x), n_pairs), rng.integers(0, len(x), n_pairs)
    keep = i != j
    cos = np.einsum("ij,ij->i", unit[i[keep]], unit[j[keep]])
    return {
        "partition_ratio": float(np.exp(log_z.min() - log_z.max())),
        "mean_cosine": float(cos.mean()),
        "mean_vector_norm": float(np.linalg.norm(unit.mean(axis=0))),
    }


def knn_indices(x: np.ndarray, k: int, block: int = 2048) -> np.ndarray:
    """Indices of the k nearest rows (cosine) of every row of ``x``, itself excluded, best first."""
    if k >= len(x):
        raise InvalidParameterError(f"k={k} must be smaller than the number of words ({len(x)})")
    unit = _unit(x).astype(np.float32)
    out = np.empty((len(x), k), dtype=np.int64)
    for s in range(0, len(x), block):
        sims = unit[s: s + block] @ unit.T
        rows = np.arange(sims.shape[0])
        sims[rows, s + rows] = -np.inf
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1, kind="stable")
        out[s: s + block] = np.take_along_axis(part, order, axis=1)
    return out


def hubness(kv: KeyedVectors, k: int = 10, n_words: int | None = 5000, top: int = 10) -> dict[str, Any]:
    """k-occurrence skewness, largest N_k, anti-hub share and the top hubs."""
    from scipy.stats import skew

    x = _head(kv, n_words)
    nk = np.bincount(knn_indices(x, k).ravel(), minlength=len(x))
    hubs = np.argsort(-nk, kind="stable")[:top]
    return {
        "k": k,
        "n": int(len(x)),
        "skewness": float(skew(nk)) if np.ptp(nk) > 0 else 0.0,
        "max_k_occurrence": int(nk.max()),
        "antihub_share": float(np.mean(nk == 0)),
        "top_hubs": [[kv.index_to_key[i], int(nk[i])] for i in hubs],
    }


def spectrum(kv: KeyedVectors, n_words: int | None = 10000) -> dict[str, Any]:
    """Explained variance ratio per principal dimension and the effective rank."""
    x = _head(kv, n_words)
    s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
    var = s**2
    ratio = var / var.sum() if var.sum() > 0 else np.zeros_like(var)
    p = s / s.sum() if s.sum() > 0 else np.ones_like(s) / len(s)
    p = p[p > 0]
    cum = np.cumsum(ratio)
    return {
        "explained_variance_ratio": ratio.tolist(),
        "effective_rank": float(np.exp(-(p * np.log(p)).sum())),
        "dims_for_90pct": int(np.searchsorted(cum, 0.9) + 1),
        "dimension": int(x.shape[1]),
    }


def nn_overlap(
    kv_a: KeyedVectors,
    kv_b: KeyedVectors,
    k: int = 10,
    n_words: int = 1000,
    search_words: int = 10000,
    words: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Mean |kNN_a(w) & kNN_b(w)| / k over query words, neighbours searched in the common vocabulary.

    Common words are taken in ``kv_a``'s order (its most frequent first), at most
    ``search_words`` of them; queries are ``words`` or the first ``n_words`` common words.
    """
    common = [w for w in kv_a.index_to_key if w in kv_b.key_to_index][:search_words]
    if len(common) <= k:
        raise DataError(
            f"the two embeddings share {len(common)} words; nearest-neighbour overlap@{k} needs more than {k} "
            "(disjoint vocabularies?)"
        )
    if len(common) < 100:
        logger.warning("only %d common keys: nearest-neighbour overlap is noisy", len(common))
    xa = np.asarray(kv_a[common], dtype=np.float64)
    xb = np.asarray(kv_b[common], dtype=np.float64)
    pos = {w: i for i, w in enumerate(common)}
    q = [pos[w] for w in words if w in pos] if words is not None else list(range(min(n_words, len(common))))
    if not q:
        raise DataError("none of the query words is in both vocabularies")
    na, nb = knn_indices(xa, k), knn_indices(xb, k)
    overlap = np.array([len(set(na[i]) & set(nb[i])) / k for i in q])
    return {"k": k, "n_queries": len(q), "n_common": len(common), "overlap": float(overlap.mean()),
            "overlap_per_query": overlap.tolist()}


def umap_2d(x: np.ndarray, random_state: int, **options: Any) -> np.ndarray:
    """UMAP (cosine) to 2-D, seeded. umap-learn's notice that a seed turns off its parallelism is
    said on every call and asks nothing of the user: it is kept off the terminal and the logs."""
    import warnings

    import umap

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"n_jobs value .* overridden", category=UserWarning)
        reducer = umap.UMAP(n_components=2, metric="cosine", random_state=random_state, **options)
        return np.asarray(reducer.fit_transform(x))


def project_2d(kv: KeyedVectors, words: Sequence[str], method: str = "pca", random_state: int = 0) -> np.ndarray:
    """2-D coordinates of ``words`` (all must be in ``kv``): ``pca`` or ``umap`` (cosine)."""
    if len(words) < 3:
        raise DataError(f"a 2-D projection needs at least 3 words; got {len(words)}")
    x = np.asarray(kv[list(words)], dtype=np.float64)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=random_state).fit_transform(x)
    if method == "umap":
        from ..exceptions import require

        require("umap", "evaluate")
        return umap_2d(x, random_state, n_neighbors=min(15, len(x) - 1))
    raise InvalidParameterError(f"projection method must be 'pca' or 'umap'; got {method!r}")


def geometry_report(kv: KeyedVectors, n_words: int = 10000, k: int = 10, random_state: int = 0) -> dict[str, Any]:
    """All single-embedding diagnostics in one JSON-serialisable dict."""
    return {
        "n_words": min(n_words, len(kv)),
        "norms": norm_stats(kv, n_words),
        "isotropy": isotropy(kv, n_words, random_state=random_state),
        "hubness": hubness(kv, max(1, min(k, len(kv) - 1)), min(n_words, 5000)),
        "spectrum": spectrum(kv, n_words),
    }
