"""2-D maps of vectors for the explorer (PCA by default, UMAP when installed) and point colours.

PCA is fitted on a seeded sample of at most 100,000 rows (randomised SVD) and applied to all
rows, so a million points take seconds. UMAP (``umap-learn``) is offered for up to
:data:`UMAP_MAX_POINTS` points. Coordinates are centred and scaled into [-1, 1], the same factor
on both axes and nothing clipped: outer points stay where the projection puts them.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InvalidParameterError, MissingDependencyError

__all__ = ["project", "PROJECTIONS", "UMAP_MAX_POINTS", "color_by_frequency", "color_by_cluster", "color_by_label",
           "umap_available"]

PROJECTIONS = ("pca", "umap")
UMAP_MAX_POINTS = 200_000
N_CLUSTERS = 12
FREQUENCY_BINS = 8


def umap_available() -> bool:
    try:
        import umap  # noqa: F401
    except ImportError:
        return False
    return True


def _scale(xy: np.ndarray) -> np.ndarray:
    """Centre the bounding box on 0 and divide by its larger half-side (shape and aspect kept;
    clipping at a quantile piled outer points on straight lines at the border)."""
    xy = np.asarray(xy, dtype=np.float64)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    half = float((hi - lo).max()) / 2
    out = (xy - (lo + hi) / 2) / (half if half > 0 else 1.0)
    return np.clip(out, -1.0, 1.0).astype(np.float32)  # only rounding can step outside


def _pca(unit: np.ndarray, seed: int) -> np.ndarray:
    n = len(unit)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=min(n, 100_000), replace=False))
    sample = np.asarray(unit[rows], dtype=np.float32)
    mean = sample.mean(axis=0)
    centred = sample - mean
    # randomised range finder for the top 2 components (a few BLAS products)
    omega = rng.normal(size=(unit.shape[1], min(unit.shape[1], 12))).astype(np.float32)
    q, _ = np.linalg.qr(centred @ omega)
    for _ in range(2):
        q, _ = np.linalg.qr(centred @ (centred.T @ q))
    _, _, vt = np.linalg.svd(q.T @ centred, full_matrices=False)
    components = vt[:2].T.astype(np.float32)
    out = np.empty((n, 2), dtype=np.float32)
    for i in range(0, n, 200_000):
        out[i : i + 200_000] = (np.asarray(unit[i : i + 200_000]) - mean) @ components
    return out


def project(unit: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """``n x 2`` float32 coordinates in [-1, 1] of the (unit) rows."""
    if method not in PROJECTIONS:
        raise InvalidParameterError(f"method must be one of {', '.join(PROJECTIONS)}; got {method!r}")
    if len(unit) < 3:
        return np.zeros((len(unit), 2), dtype=np.float32)
    if method == "pca":
        return _scale(_pca(unit, seed))
    if not umap_available():
        raise MissingDependencyError("umap-learn is needed for method=umap; install it with: pip install umap-learn")
    if len(unit) > UMAP_MAX_POINTS:
        raise InvalidParameterError(f"method=umap is limited to {UMAP_MAX_POINTS:,} points; this set has "
                                    f"{len(unit):,}; use method=pca")
    from ..evaluation.geometry import umap_2d

    return _scale(umap_2d(np.asarray(unit), seed, low_memory=True).astype(np.float32))


def color_by_frequency(n: int, counts: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
    """Log-spaced bins of frequency rank (1 = the most frequent key; by count when known, else by
    row: keys are frequency-ordered), named ``rank 1-3``, ``rank 4-12``, ... without overlap."""
    rank = np.arange(n, dtype=np.float64)
    if counts is not None and len(counts) == n:
        order = np.argsort(-np.asarray(counts), kind="stable")
        rank[order] = np.arange(n)
    edges = np.unique(np.round(np.logspace(0, np.log10(max(n, 2)), FREQUENCY_BINS + 1)).astype(np.int64))
    cat = np.clip(np.searchsorted(edges[1:], rank + 1, side="left"), 0, len(edges) - 2).astype(np.uint8)
    # bin 0 holds ranks 1..edges[1], bin i ranks edges[i]+1..edges[i+1]: the names do not overlap
    lows = [1] + [int(e) + 1 for e in edges[1:-1]]
    highs = [int(e) for e in edges[1:]]
    names = [f"rank {a:,}" if a == b else f"rank {a:,}-{b:,}" for a, b in zip(lows, highs, strict=True)]
    return cat, names


def color_by_cluster(unit: np.ndarray, n_clusters: int = N_CLUSTERS, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Spherical k-means (a few Lloyd steps on a sample, then every row assigned by BLAS)."""
    n = len(unit)
    k = max(1, min(n_clusters, n))
    rng = np.random.default_rng(seed)
    sample = np.asarray(unit[np.sort(rng.choice(n, size=min(n, 50_000), replace=False))], dtype=np.float32)
    centres = sample[rng.choice(len(sample), size=k, replace=False)].copy()
    for _ in range(15):
        assign = np.argmax(sample @ centres.T, axis=1)
        for c in range(k):
            members = sample[assign == c]
            if len(members):
                m = members.sum(axis=0)
                centres[c] = m / max(float(np.linalg.norm(m)), 1e-12)
    out = np.empty(n, dtype=np.uint8)
    for i in range(0, n, 200_000):
        out[i : i + 200_000] = np.argmax(np.asarray(unit[i : i + 200_000]) @ centres.T, axis=1)
    return out, [f"cluster {c + 1}" for c in range(k)]


def color_by_label(keys: list[str], labels: dict[str, str]) -> tuple[np.ndarray, list[str]]:
    """Category per key from a label map (category 0 = unlabelled; at most 255 labels)."""
    names = sorted(set(labels.values()))
    if len(names) > 255:
        raise InvalidParameterError(f"the label file has {len(names)} distinct labels; at most 255 can be coloured")
    code = {name: i + 1 for i, name in enumerate(names)}
    out = np.array([code.get(labels.get(k, ""), 0) for k in keys], dtype=np.uint8)
    return out, ["(no label)", *names]
