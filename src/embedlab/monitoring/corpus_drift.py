"""Corpus drift: how far new text has moved from what a model was trained on, and whether to retrain.

:func:`corpus_drift` compares the token counts of new text with a reference: the vocabulary and
counts of a trained model (``KeyedVectors.counts``, ``metadata["corpus"]["total_words"]``) or the
counts of an older corpus. It reports

* **OOV rate**: the share of the new text's tokens (and of its distinct words) that the reference
  vocabulary lacks, next to the reference's own rate (its rare-word tail, when its total is known:
  text like the reference misses that much too); the **excess OOV rate** is the difference;
* **Jensen-Shannon divergence** (base 2, in [0, 1]) between the two token distributions over the
  reference vocabulary plus one "other" bucket (the new text's OOV tokens; the reference's
  pruned tail, ``total_words - sum(counts)``, when known), so a model's ``min_count`` pruning
  does not count as drift;
* **new frequent words**: words absent from the reference vocabulary, seen at least ``min_count``
  times and often enough that, as frequent in the reference, they would have passed its
  ``min_count`` three times over (``3 x min_count x new tokens / reference tokens``), most frequent
  first, with their rate per million tokens;
* a plain **recommendation**: "retrain recommended" when the excess OOV token rate exceeds
  ``oov_threshold`` or the divergence exceeds ``js_threshold`` or the new frequent words cover
  more than ``new_words_threshold`` of the new tokens, else "retrain not needed", with the figure
  that decided and its threshold.

Default thresholds (``0.05`` excess OOV, ``0.10`` JS, ``0.02`` new-word share) sit well above what two
halves of one corpus give and below what text of another domain gives; the figures measured on
the bundled KJV sample and the ~11M-token corpus are in the README's "Monitoring" section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..exceptions import DataError

__all__ = ["DEFAULT_THRESHOLDS", "corpus_counts", "corpus_drift", "js_divergence"]

DEFAULT_THRESHOLDS: dict[str, float] = {"excess_oov_rate": 0.05, "js_divergence": 0.10, "new_word_share": 0.02}


def corpus_counts(sentences: Any, show_progress: bool = False) -> tuple[dict[str, int], int]:
    """Token counts of ``sentences`` (anything the corpus readers accept) and the token total."""
    from ..corpus import Vocabulary

    vocab = Vocabulary.build(sentences, min_count=1, show_progress=show_progress)
    return dict(zip(vocab.words, (int(c) for c in vocab.counts))), int(vocab.total_words)


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (base 2) of two count or probability vectors of one support."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.sum() <= 0 or q.sum() <= 0:
        raise DataError("Jensen-Shannon divergence needs two non-empty distributions")
    p = p / p.sum()
    q = q / q.sum()
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))

    return max(0.0, min(1.0, 0.5 * kl(p) + 0.5 * kl(q)))


def _reference_from_vectors(kv: Any) -> tuple[dict[str, int] | None, list[str], float | None]:
    counts = getattr(kv, "counts", None)
    keys = list(kv.index_to_key)
    if counts is None or len(counts) != len(keys) or not np.any(np.asarray(counts) > 0):
        return None, keys, None
    ref = dict(zip(keys, (int(c) for c in counts)))
    meta = (kv.metadata or {}).get("corpus") or {}
    total = meta.get("total_words") if isinstance(meta, Mapping) else None
    return ref, keys, float(total) if total else None


def corpus_drift(new_counts: Mapping[str, int], new_total: int, *, reference_vectors: Any = None,
                 reference_counts: Mapping[str, int] | None = None, reference_total: int | None = None,
                 min_count: int = 5, top: int = 50, thresholds: Mapping[str, float] | None = None,
                 reference_name: str = "") -> dict[str, Any]:
    """Drift of new text (its token counts) from a model's vocabulary or an older corpus's counts."""
    if new_total <= 0:
        raise DataError("the new corpus holds no tokens; nothing to compare")
    th = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    warnings: list[str] = []
    if reference_vectors is not None:
        ref_counts, ref_keys, ref_total = _reference_from_vectors(reference_vectors)
        if ref_counts is None:
            warnings.append("the vectors carry no corpus counts: no Jensen-Shannon divergence (OOV and new words only)")
        kind = "model vocabulary"
    elif reference_counts is not None:
        # an older corpus: its vocabulary is every word seen min_count times
        ref_counts = {w: c for w, c in reference_counts.items()}
        ref_keys = [w for w, c in ref_counts.items() if c >= min_count]
        ref_total = float(reference_total) if reference_total else float(sum(ref_counts.values()))
        kind = f"corpus vocabulary (words seen {min_count}+ times)"
    else:
        raise DataError("corpus_drift needs reference vectors or reference counts")
    vocab = set(ref_keys)
    if not vocab:
        raise DataError("the reference vocabulary is empty")
    oov_tokens = sum(c for w, c in new_counts.items() if w not in vocab)
    oov_types = sum(1 for w in new_counts if w not in vocab)
    figures: dict[str, Any] = {
        "new_tokens": int(new_total), "new_types": len(new_counts), "reference_vocabulary": len(vocab),
        "oov_rate": oov_tokens / new_total, "oov_type_rate": oov_types / max(len(new_counts), 1),
    }
    # the reference's own rare-word tail: text like the reference misses this share too
    ref_oov = None
    if ref_counts is not None and ref_total:
        ref_oov = max(0.0, 1.0 - sum(ref_counts.get(w, 0) for w in vocab) / ref_total)
        figures["reference_oov_rate"] = ref_oov
    figures["excess_oov_rate"] = max(0.0, figures["oov_rate"] - (ref_oov or 0.0))
    js = None
    if ref_counts is not None:
        keys = list(vocab)
        p = np.array([ref_counts.get(w, 0) for w in keys] + [0], dtype=np.float64)
        if ref_total is not None:
            p[-1] = max(0.0, ref_total - p[:-1].sum())  # the reference's own rare / pruned tokens
        q = np.array([new_counts.get(w, 0) for w in keys] + [oov_tokens], dtype=np.float64)
        js = js_divergence(p, q)
        figures["js_divergence"] = js
    # frequent enough that, as frequent in the reference, it would have passed min_count 3 times over
    floor = min_count
    if ref_total:
        floor = max(min_count, int(np.ceil(3 * min_count * new_total / ref_total)))
    figures["new_word_min_count"] = floor
    new_words = sorted(((w, c) for w, c in new_counts.items() if w not in vocab and c >= floor),
                       key=lambda wc: (-wc[1], wc[0]))
    figures["new_frequent_words"] = len(new_words)
    share = sum(c for _, c in new_words) / new_total
    figures["new_word_share"] = share
    checks = [("excess_oov_rate", figures["excess_oov_rate"]), ("new_word_share", share)]
    if js is not None:
        checks.insert(1, ("js_divergence", js))
    over = [(name, value) for name, value in checks if value > th[name]]
    if over:
        name, value = max(over, key=lambda nv: nv[1] / th[nv[0]])
        verdict = "retrain recommended"
        reason = f"{name.replace('_', ' ')} {value:.4f} is above the threshold {th[name]:g}" + (
            f" (also: {', '.join(n.replace('_', ' ') for n, _ in over if n != name)})" if len(over) > 1 else "")
    else:
        verdict = "retrain not needed"
        reason = "; ".join(f"{n.replace('_', ' ')} {v:.4f} <= {th[n]:g}" for n, v in checks)
    return {
        "reference": reference_name, "reference_kind": kind, "figures": figures,
        "score": js if js is not None else figures["oov_rate"],
        "score_definition": "Jensen-Shannon divergence (base 2)" if js is not None else "OOV token rate",
        "new_frequent_words": [{"word": w, "count": int(c), "per_million": 1e6 * c / new_total}
                               for w, c in new_words[:top]],
        "recommendation": {"verdict": verdict, "retrain": bool(over), "reason": reason},
        "thresholds": th, "min_count": min_count, "warnings": warnings,
    }
