"""Embedding drift: what changed between two versions of an embedding, and does it matter.

:func:`embedding_drift` compares an ``old`` and a ``new`` :class:`~embedlab.vectors.KeyedVectors`:

* **vocabulary**: keys added / removed, and the frequency shift of shared keys (relative corpus
  frequency from the ``counts`` both carry, log2 ratio);
* **alignment**: rows are unit-normalised, **centred** (the mean of the anchor rows is removed:
  word2vec vectors share a strong common direction, and uncentred, rare words would falsely look
  the most stable) and unit-normalised again; orthogonal Procrustes (``R = U V^T`` of the SVD of
  ``X_a^T Y_a`` over the anchor keys) maps old onto new. Anchors are the ``n_anchors`` most
  frequent shared keys, or given. Embeddings of different dimensions are aligned after padding
  the smaller one with zero columns (a semi-orthogonal map); fewer anchors than the dimension
  is refused (the rotation would be underdetermined);
* **displacement** per shared key: cosine distance ``1 - cos(x R, y)`` after alignment;
* **neighbour overlap@k** per key (no alignment needed): ``|kNN_old & kNN_new| / k``, exact
  neighbours among *all* shared keys (BLAS blocks + :func:`~embedlab.kernels.topk.merge_topk`),
  for a documented set of query keys: every shared key when there are at most ``overlap_all``
  of them, else a seeded random sample of ``overlap_sample`` keys plus the ``overlap_candidates``
  keys with the highest frequency-adjusted displacement (so every listed moved key has it);
* **similarity rank correlation**: Spearman between old and new cosines of ``n_pairs`` random
  pairs of shared keys;
* **frequency-aware ranking**: seed noise moves rare keys far more than frequent ones, so keys are
  put in frequency bins (corpus counts ``<10, 10-99, 100-999, 1,000-9,999, 10,000+``; frequency
  ranks when there are no counts) and each key's log-displacement is turned into a robust z-score
  against its bin: ``(log(d + 0.001) - median) / (1.4826 MAD)`` (in log space the noise is close
  to symmetric; raw cosine distances are right-skewed, which made ~1% of unchanged keys pass
  z > 3.5 in two seeds of the bundled sample corpus, and none in log space). The reference distribution per bin is the
  **seed baseline** (the drift between two seeds trained on the same data, ``baseline=``) when
  given, else this pair's own bin (which assumes most keys did not change). Keys are ranked by
  this z-score; the moved list gives key, displacement, overlap, z, counts, old and new neighbours;
* **one global score**: the share of shared keys whose displacement lies beyond the noise of their
  frequency bin (``z > z_moved``, 3.5 by default), in [0, 1]. Two seeds of one corpus give a score
  near the false-positive rate of that threshold; real change raises it. Without a baseline a change
  that moves every key alike scores 0 (each bin's noise then absorbs it): read the overlap and
  similarity correlation too, or give a baseline. Every bin figure is
  reported next to the baseline's when there is one.

Nothing here reads files or draws; :mod:`embedlab.report.drift_report` renders the result and
``embedlab drift`` (cli/drift.py) wires both to the command line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._progress import logger, progress_bar
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError
from ._neighbours import overlap_at_k, topk_neighbours, unit_rows

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = [
    "COUNT_BIN_EDGES",
    "DriftResult",
    "procrustes",
    "align",
    "neighbour_overlap",
    "similarity_correlation",
    "frequency_bins",
    "embedding_drift",
    "seed_baseline",
    "load_baseline",
]

# corpus-count bins (lower edges); "5-10 times" and "1,000+" fall on these
COUNT_BIN_EDGES: tuple[int, ...] = (0, 10, 100, 1_000, 10_000)
RANK_BIN_EDGES: tuple[int, ...] = (0, 1_000, 10_000, 100_000)  # frequency ranks, when no counts
_MAD_SCALE = 1.4826
_MIN_BIN = 20  # fewer keys than this: merged into the neighbouring (more frequent) bin


def procrustes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Orthogonal ``R`` minimising ``||x R - y||_F`` (Schönemann 1966): ``U V^T`` of ``svd(x^T y)``."""
    if x.shape != y.shape:
        raise DataError(f"procrustes needs matrices of one shape; got {x.shape} and {y.shape}")
    u, _, vt = np.linalg.svd(np.asarray(x, np.float64).T @ np.asarray(y, np.float64), full_matrices=False)
    return (u @ vt).astype(np.float32)


def _pad(x: np.ndarray, dim: int) -> np.ndarray:
    if x.shape[1] == dim:
        return x
    out = np.zeros((x.shape[0], dim), dtype=np.float32)
    out[:, : x.shape[1]] = x
    return out


def _centred_unit(x: np.ndarray, anchor_rows: np.ndarray) -> np.ndarray:
    u = unit_rows(x)
    u -= u[anchor_rows].mean(axis=0, keepdims=True)
    return unit_rows(u)


def align(old: np.ndarray, new: np.ndarray, anchor_rows: np.ndarray, centre: bool = True) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Rows of ``old`` and ``new`` (same keys, row for row) prepared and aligned on ``anchor_rows``.

    Returns ``(old_aligned, new_prepared, info)``: unit (centred) rows, old rotated onto new;
    ``info`` has the dimensions, whether padding was used and the anchors' mean residual.
    """
    dim = max(old.shape[1], new.shape[1])
    anchor_rows = np.asarray(anchor_rows, dtype=np.int64)
    if anchor_rows.shape[0] < dim:
        raise DataError(
            f"only {anchor_rows.shape[0]} shared anchor keys for dimension {dim}: orthogonal Procrustes needs at "
            f"least {dim}; give more anchors (--anchors) or compare embeddings with more keys in common"
        )
    prep = _centred_unit if centre else (lambda x, _rows: unit_rows(x))
    xo = _pad(prep(old, anchor_rows), dim)
    yn = _pad(prep(new, anchor_rows), dim)
    rot = procrustes(xo[anchor_rows], yn[anchor_rows])
    xa = np.ascontiguousarray(xo @ rot)
    resid = float(np.mean(1.0 - np.einsum("ij,ij->i", xa[anchor_rows], yn[anchor_rows])))
    info = {"dim_old": int(old.shape[1]), "dim_new": int(new.shape[1]), "padded": old.shape[1] != new.shape[1],
            "centred": centre, "n_anchors": int(anchor_rows.shape[0]), "anchor_mean_displacement": resid}
    return xa, yn, info


def neighbour_overlap(old: np.ndarray, new: np.ndarray, queries: np.ndarray, k: int = 10,
                      advance: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlap@k of rows ``queries``: neighbours of each among all rows of ``old`` and of ``new``
    (the same keys row for row), self excluded. Returns ``(overlap, nb_old, nb_new)``."""
    if old.shape[0] <= k:
        raise DataError(f"neighbour overlap@{k} needs more than {k} shared keys; got {old.shape[0]}")
    uo, un = unit_rows(old), unit_rows(new)
    nb_old = topk_neighbours(uo, queries, k, advance)
    nb_new = topk_neighbours(un, queries, k, advance)
    return overlap_at_k(nb_old, nb_new), nb_old, nb_new


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if a.shape[0] < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    return float(spearmanr(a, b).statistic)


def similarity_correlation(old: np.ndarray, new: np.ndarray, n_pairs: int = 20000, random_state: int = 0) -> dict[str, Any]:
    """Spearman correlation of old vs new cosines over ``n_pairs`` random pairs of distinct rows."""
    n = old.shape[0]
    rng = np.random.default_rng(random_state)
    i = rng.integers(0, n, n_pairs)
    j = rng.integers(0, n - 1, n_pairs)
    j = np.where(j >= i, j + 1, j)
    uo, un = unit_rows(old), unit_rows(new)
    so = np.einsum("ij,ij->i", uo[i], uo[j])
    sn = np.einsum("ij,ij->i", un[i], un[j])
    return {"n_pairs": int(n_pairs), "spearman": _spearman(so, sn)}


def frequency_bins(freq: np.ndarray, by_count: bool) -> tuple[np.ndarray, list[str], tuple[int, ...]]:
    """Bin index per key and the bin labels: counts (``by_count``) or frequency ranks (0 = most frequent)."""
    edges = COUNT_BIN_EDGES if by_count else RANK_BIN_EDGES
    idx = np.searchsorted(np.asarray(edges[1:]), freq, side="right")
    labels = []
    for b, lo in enumerate(edges):
        hi = edges[b + 1] if b + 1 < len(edges) else None
        if by_count:
            labels.append(f"{lo:,}+" if hi is None else f"{lo:,}-{hi - 1:,}")
        else:
            labels.append(f"rank {lo:,}+" if hi is None else f"rank {lo:,}-{hi - 1:,}")
    return idx.astype(np.int64), labels, edges


_LOG_EPS = 1e-3
_MIN_LOG_SCALE = 0.05  # floor of the noise scale: identical copies (float round-off only) stay at z ~ 0


def _log_disp(disp: np.ndarray) -> np.ndarray:
    return np.log(np.asarray(disp, dtype=np.float64) + _LOG_EPS)


def _bin_noise(disp: np.ndarray, bins: np.ndarray, n_bins: int, by_count: bool) -> list[tuple[float, float]]:
    """(median, robust scale) of log-displacement ``disp`` per bin; small bins borrow from the nearest frequent one."""
    stats: list[tuple[float, float] | None] = []
    for b in range(n_bins):
        d = disp[bins == b]
        if d.shape[0] >= _MIN_BIN:
            med = float(np.median(d))
            mad = float(np.median(np.abs(d - med))) * _MAD_SCALE
            stats.append((med, max(mad, _MIN_LOG_SCALE)))
        else:
            stats.append(None)
    # frequent direction: by counts the higher bins; by ranks the lower ones
    order = list(range(n_bins)) if not by_count else list(range(n_bins - 1, -1, -1))
    known = [b for b in order if stats[b] is not None]
    if not known:
        d = disp
        med = float(np.median(d)) if d.size else 0.0
        mad = float(np.median(np.abs(d - med))) * _MAD_SCALE if d.size else 1.0
        return [(med, max(mad, _MIN_LOG_SCALE))] * n_bins
    filled: list[tuple[float, float]] = []
    for b in range(n_bins):
        if stats[b] is not None:
            filled.append(stats[b])  # type: ignore[arg-type]
        else:
            nearest = min(known, key=lambda k: abs(k - b))
            filled.append(stats[nearest])  # type: ignore[arg-type]
    return filled


@dataclass
class DriftResult:
    """Everything :func:`embedding_drift` measured; :meth:`to_dict` is the JSON the CLI writes."""

    score: float
    z_moved: float
    k: int
    vocabulary: dict[str, Any]
    alignment: dict[str, Any]
    overlap: dict[str, Any]
    similarity: dict[str, Any]
    bins: list[dict[str, Any]]
    moved: list[dict[str, Any]]
    frequency_shift: dict[str, Any]
    baseline: dict[str, Any] | None
    keys: list[str] = field(repr=False, default_factory=list)
    displacement: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    z: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    freq: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    by_count: bool = True
    benchmarks: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def ranked_keys(self) -> list[str]:
        """Shared keys from most to least moved (frequency-adjusted z-score)."""
        return [self.keys[i] for i in np.argsort(-self.z, kind="stable")]

    def to_dict(self, per_key: bool = False) -> dict[str, Any]:
        d = {
            "score": self.score,
            "score_definition": f"share of shared keys with displacement z > {self.z_moved} against the noise of "
                                "their frequency bin" + (" in the seed baseline" if self.baseline else ""),
            "z_moved": self.z_moved,
            "k": self.k,
            "vocabulary": self.vocabulary,
            "alignment": self.alignment,
            "overlap": self.overlap,
            "similarity": self.similarity,
            "bins": self.bins,
            "moved": self.moved,
            "frequency_shift": self.frequency_shift,
            "baseline": self.baseline,
            "frequency_basis": "corpus counts" if self.by_count else "frequency rank",
            "benchmarks": self.benchmarks,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }
        if per_key:
            d["per_key"] = {"keys": self.keys, "displacement": self.displacement.tolist(), "z": self.z.tolist(),
                            "frequency": self.freq.tolist()}
        return d


def _counts(kv: KeyedVectors) -> np.ndarray | None:
    c = getattr(kv, "counts", None)
    if c is None or len(c) != len(kv) or not np.any(np.asarray(c) > 0):
        return None
    return np.asarray(c, dtype=np.int64)


def _total(kv: KeyedVectors, counts: np.ndarray) -> float:
    meta = (kv.metadata or {}).get("corpus") or {}
    total = meta.get("total_words") if isinstance(meta, Mapping) else None
    return float(total) if total else float(counts.sum())


def _frequency_shift(keys: list[str], co: np.ndarray, cn: np.ndarray, to: float, tn: float, top: int) -> dict[str, Any]:
    po = (co + 0.5) / to
    pn = (cn + 0.5) / tn
    lr = np.log2(pn / po)
    order = np.argsort(-lr, kind="stable")
    up = [{"key": keys[i], "count_old": int(co[i]), "count_new": int(cn[i]), "log2_ratio": float(lr[i])}
          for i in order[:top] if lr[i] > 0]
    down = [{"key": keys[i], "count_old": int(co[i]), "count_new": int(cn[i]), "log2_ratio": float(lr[i])}
            for i in order[::-1][:top] if lr[i] < 0]
    return {"available": True, "total_old": to, "total_new": tn, "mean_abs_log2_ratio": float(np.mean(np.abs(lr))),
            "increased": up, "decreased": down}


def _bin_table(bins: np.ndarray, labels: list[str], disp: np.ndarray, z: np.ndarray, z_moved: float,
               noise: list[tuple[float, float]], ov_idx: np.ndarray, ov: np.ndarray,
               baseline: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    base_bins = {b["bin"]: b for b in (baseline or {}).get("bins", [])}
    ov_bins = bins[ov_idx] if ov_idx.size else np.zeros(0, np.int64)
    rows = []
    for b, label in enumerate(labels):
        sel = bins == b
        n = int(sel.sum())
        if n == 0:
            continue
        ob = ov[ov_bins == b]
        row = {
            "bin": label, "n": n,
            "mean_displacement": float(disp[sel].mean()),
            "median_displacement": float(np.median(disp[sel])),
            "noise_log_median": float(noise[b][0]),
            "noise_log_scale": float(noise[b][1]),
            "overlap": float(ob.mean()) if ob.size else None, "overlap_n": int(ob.size),
            "moved_share": float(np.mean(z[sel] > z_moved)),
        }
        ref = base_bins.get(label)
        if ref is not None:
            row["baseline_median_displacement"] = ref.get("median_displacement")
            row["baseline_overlap"] = ref.get("overlap")
            row["baseline_moved_share"] = ref.get("moved_share")
        rows.append(row)
    return rows


def _check_inputs(old: KeyedVectors, new: KeyedVectors, k: int) -> None:
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameterError(f"drift: parameter 'k' must be an int >= 1; got {k!r}")
    for label, kv in (("old", old), ("new", new)):
        if len(kv) == 0:
            raise DataError(f"drift: the {label} embedding has no keys")
        if not np.isfinite(np.asarray(kv.vectors[: min(len(kv), 100000)], dtype=np.float32)).all():
            raise DataError(f"drift: the {label} embedding holds NaN or infinite values; it cannot be compared")


def embedding_drift(
    old: KeyedVectors,
    new: KeyedVectors,
    *,
    anchors: Sequence[str] | None = None,
    n_anchors: int = 10000,
    k: int = 10,
    top: int = 50,
    overlap_all: int = 20000,
    overlap_sample: int = 5000,
    overlap_candidates: int = 500,
    n_pairs: int = 20000,
    z_moved: float = 3.5,
    baseline: DriftResult | Mapping[str, Any] | None = None,
    neighbours: int = 10,
    max_keys: int | None = None,
    random_state: int = 0,
    show_progress: bool = False,
) -> DriftResult:
    """Measure drift from ``old`` to ``new`` (see the module docstring); returns a :class:`DriftResult`.

    ``baseline`` is the :class:`DriftResult` (or its ``to_dict()``) of two seeds trained on the
    same data: its per-bin displacement noise becomes the reference of the z-scores. ``max_keys``
    limits the comparison to the most frequent shared keys. ``show_progress``: a progress bar for
    the neighbour search (on a terminal).
    """
    t0 = time.perf_counter()
    _check_inputs(old, new, k)
    warnings: list[str] = []
    old_pos = old.key_to_index
    new_pos = new.key_to_index
    co_all, cn_all = _counts(old), _counts(new)
    by_count = co_all is not None and cn_all is not None
    # shared keys, most frequent first (old's counts or row order)
    shared_old = np.fromiter((i for i, key in enumerate(old.index_to_key) if key in new_pos), dtype=np.int64)
    if shared_old.size == 0:
        raise DataError("drift: the two embeddings share no keys; nothing can be compared (different tokenisation?)")
    if by_count:
        shared_old = shared_old[np.argsort(-co_all[shared_old], kind="stable")]
    if max_keys is not None and shared_old.size > max_keys:
        shared_old = shared_old[:max_keys]
    keys = [old.index_to_key[i] for i in shared_old]
    shared_new = np.fromiter((new_pos[key] for key in keys), dtype=np.int64, count=len(keys))
    n = len(keys)
    if n <= k:
        raise DataError(f"drift: only {n} shared keys; neighbour overlap@{k} needs more than {k}")
    added = [key for key in new.index_to_key if key not in old_pos]
    removed = [key for key in old.index_to_key if key not in new_pos]
    vocabulary = {"old": len(old), "new": len(new), "shared": n, "added": len(added), "removed": len(removed),
                  "added_examples": added[:top], "removed_examples": removed[:top]}
    if by_count:
        co, cn = co_all[shared_old], cn_all[shared_new]
        freq = np.minimum(co, cn)
        fshift = _frequency_shift(keys, co, cn, _total(old, co_all), _total(new, cn_all), top)
    else:
        co = cn = None
        freq = np.arange(n, dtype=np.int64)
        fshift = {"available": False, "reason": "no corpus counts in the vectors' metadata"}
        warnings.append("no corpus counts in one of the embeddings: frequency bins use frequency ranks")

    # ---- anchors and alignment
    pos = {key: i for i, key in enumerate(keys)}
    if anchors is not None:
        anchor_rows = np.array(sorted({pos[a] for a in anchors if a in pos}), dtype=np.int64)
        missing = sum(1 for a in anchors if a not in pos)
        if missing:
            warnings.append(f"{missing} of {len(anchors)} given anchors are not in both embeddings")
        anchor_source = "given"
    else:
        anchor_rows = np.arange(min(n, max(n_anchors, 1)), dtype=np.int64)
        anchor_source = f"the {anchor_rows.shape[0]:,} most frequent shared keys"
    xo = np.asarray(old.vectors[shared_old], dtype=np.float32)
    xn = np.asarray(new.vectors[shared_new], dtype=np.float32)
    xa, yn, info = align(xo, xn, anchor_rows)
    info["anchors"] = anchor_source
    if info["padded"]:
        warnings.append(f"dimensions differ ({info['dim_old']} vs {info['dim_new']}): the smaller was padded with "
                        "zero columns before Procrustes (semi-orthogonal map); overlap needs no alignment")
    disp = (1.0 - np.einsum("ij,ij->i", xa, yn)).astype(np.float64)
    disp = np.clip(disp, 0.0, 2.0)

    # ---- frequency bins and z-scores (against the seed baseline when given)
    bins, labels, _ = frequency_bins(freq, by_count)
    logd = _log_disp(disp)
    base = baseline.to_dict() if isinstance(baseline, DriftResult) else (dict(baseline) if baseline else None)
    if base is not None:
        try:
            ref = {b["bin"]: (b["noise_log_median"], b["noise_log_scale"]) for b in base.get("bins", [])}
        except (KeyError, TypeError):
            raise DataError("drift: the baseline is not a drift result of this version (no per-bin noise)") from None
        if not ref:
            raise DataError("drift: the baseline holds no frequency bins (not a drift result?)")
        own = _bin_noise(logd, bins, len(labels), by_count)
        noise = []
        for b, label in enumerate(labels):
            if label in ref:
                noise.append((float(ref[label][0]), max(float(ref[label][1]), _MIN_LOG_SCALE)))
            else:
                noise.append(own[b])
                if np.any(bins == b):
                    warnings.append(f"the baseline has no keys in bin {label}; that bin uses this pair's own noise")
    else:
        noise = _bin_noise(logd, bins, len(labels), by_count)
    med = np.array([m for m, _ in noise])[bins]
    scale = np.array([s for _, s in noise])[bins]
    z = (logd - med) / scale
    score = float(np.mean(z > z_moved))

    # ---- neighbour overlap on the documented query set
    if n <= overlap_all:
        queries = np.arange(n, dtype=np.int64)
        overlap_keys = f"all {n:,} shared keys"
    else:
        rng = np.random.default_rng(random_state)
        sample = rng.choice(n, size=min(overlap_sample, n), replace=False)
        cand = np.argsort(-z, kind="stable")[: max(overlap_candidates, top)]
        queries = np.unique(np.concatenate([sample, cand])).astype(np.int64)
        overlap_keys = (f"a random sample of {min(overlap_sample, n):,} shared keys (seed {random_state}) plus the "
                        f"{cand.shape[0]:,} keys with the highest displacement z-score; neighbours searched among "
                        f"all {n:,} shared keys")
    kk = min(k, n - 1)
    with progress_bar(2 * queries.shape[0], "neighbours", unit="keys", enabled=show_progress) as bar:
        ov, nb_old, nb_new = neighbour_overlap(xo, xn, queries, kk, bar.advance)
    in_sample = np.ones(queries.shape[0], dtype=bool)
    if n > overlap_all:
        in_sample = np.isin(queries, sample)
    overlap = {"k": kk, "queries": overlap_keys, "n_queries": int(queries.shape[0]),
               "mean": float(ov[in_sample].mean()), "n_sample": int(in_sample.sum())}
    ov_sample_idx = queries[in_sample]
    bin_rows = _bin_table(bins, labels, disp, z, z_moved, noise, ov_sample_idx, ov[in_sample], base)

    # ---- the moved keys with their neighbours
    q_pos = {int(q): i for i, q in enumerate(queries)}
    nshow = min(max(neighbours, 0), kk)
    moved = []
    for i in np.argsort(-z, kind="stable")[:top]:
        qi = q_pos.get(int(i))
        entry: dict[str, Any] = {"key": keys[i], "displacement": float(disp[i]),
                                 "overlap": float(ov[qi]) if qi is not None else None, "z": float(z[i]),
                                 "bin": labels[bins[i]]}
        if by_count:
            entry["count_old"], entry["count_new"] = int(co[i]), int(cn[i])  # type: ignore[index]
        if qi is not None:
            entry["old_neighbours"] = [keys[j] for j in nb_old[qi][:nshow] if j >= 0]
            entry["new_neighbours"] = [keys[j] for j in nb_new[qi][:nshow] if j >= 0]
        moved.append(entry)

    sim = similarity_correlation(xo, xn, n_pairs=n_pairs, random_state=random_state)
    baseline_summary = None
    if base is not None:
        baseline_summary = {"score": base.get("score"), "overlap": (base.get("overlap") or {}).get("mean"),
                            "similarity_spearman": (base.get("similarity") or {}).get("spearman"),
                            "bins": base.get("bins"),
                            "score_ratio": (score / base["score"]) if base.get("score") else None}
    logger.info("drift: %d shared keys, score %.4f, mean overlap@%d %.3f", n, score, kk, overlap["mean"])
    return DriftResult(
        score=score, z_moved=z_moved, k=kk, vocabulary=vocabulary, alignment=info, overlap=overlap, similarity=sim,
        bins=bin_rows, moved=moved, frequency_shift=fshift, baseline=baseline_summary, keys=keys, displacement=disp,
        z=z, freq=freq, by_count=by_count, warnings=warnings, seconds=time.perf_counter() - t0,
    )


def compare_benchmarks(old: KeyedVectors, new: KeyedVectors, evaluators: Sequence[Any], *, n_boot: int = 1000,
                       random_state: int = 0) -> dict[str, Any]:
    """Each evaluator's primary metric on both versions (bootstrap 95% CIs) and a paired bootstrap
    test on the items both versions cover (:func:`embedlab.evaluation.stats.compare_results`)."""
    from ..evaluation.compare import evaluate_with_cis
    from ..evaluation.stats import compare_results
    from ..exceptions import EmbedlabError

    rows, warnings = [], []
    for ev in evaluators:
        try:
            ra = evaluate_with_cis(ev, old, n_boot, random_state)
            rb = evaluate_with_cis(ev, new, n_boot, random_state)
        except DataError as exc:
            warnings.append(f"{ev.name}: {exc}")
            continue
        m = ra.primary_metric
        row: dict[str, Any] = {"task": ev.name, "metric": m, "old": ra.metrics[m], "new": rb.metrics[m],
                               "old_ci": ra.details.get("ci", {}).get(m), "new_ci": rb.details.get("ci", {}).get(m),
                               "coverage_old": ra.coverage, "coverage_new": rb.coverage}
        try:
            pc = compare_results(rb, ra, n_boot=n_boot, random_state=random_state)  # new minus old
            row.update({"diff": pc.diff, "diff_ci": list(pc.ci), "p_value": pc.p_value, "n": pc.n,
                        "significant": pc.significant, "test": pc.test})
        except EmbedlabError as exc:
            warnings.append(f"{ev.name}: not compared pairwise: {exc}")
        rows.append(row)
    return {"results": rows, "warnings": warnings}


def seed_baseline(seed_a: KeyedVectors, seed_b: KeyedVectors, **options: Any) -> dict[str, Any]:
    """The drift between two seeds of the same data: the noise a real drift is measured against
    (``embedding_drift(old, new, baseline=seed_baseline(a, b))``); ``options`` as for
    :func:`embedding_drift`."""
    return embedding_drift(seed_a, seed_b, **options)


def load_baseline(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A seed baseline saved earlier: the ``drift.json`` that ``embedlab drift A B`` wrote for two seeds."""
    import json
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: no such file (a seed baseline is two vectors files or one drift.json)")
    if p.suffix != ".json":
        raise InvalidParameterError(f"{p}: one baseline file must be the drift.json of two seeds; "
                                    "for vectors files give two")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{p}: not a JSON drift report ({exc})") from None
    if not isinstance(data, dict) or "bins" not in data:
        raise FormatError(f"{p}: not a drift.json written by embedlab drift")
    return data
