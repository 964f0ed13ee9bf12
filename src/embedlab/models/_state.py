"""Full model state for continued training (word2vec, fastText-style, and any model on their driver).

A state file is one ``.npz`` (no pickle) holding the weight arrays and a ``meta`` entry with UTF-8
JSON: ``{"kind": "embedlab-model-state", "version": 1, "method": ..., "params": ...,
"vocab": {words, counts, total_words, ...}, "phrases": ..., "lr": {"alpha", "min_alpha",
"epochs_done", "work_done", "alpha_reached"}, "seed", "history": [...], "extra": {...}}``.

Word2Vec arrays: ``syn0`` (input), ``syn1neg`` (output, negative sampling), ``syn1`` (hierarchical
softmax inner nodes). FastText arrays: ``w_in`` (word rows then n-gram rows), ``w_out``, ``syn1``,
``ngram_buckets`` (the hash bucket of each n-gram row).

Continuing on new data (:func:`grow_vocabulary`): the new corpus is counted; old words keep their
vectors and get old + new counts; new words seen ``min_count`` times in the new data are added with
rows initialised as in a fresh fit (uniform ``[-1/dim, 1/dim]`` input rows, zero output rows); the
vocabulary is re-sorted by the merged counts (rows move with their words). The learning rate
decays again from ``alpha`` to ``min_alpha`` over the new run (as gensim's ``train`` on an updated
vocabulary); the state's position is recorded in the result's metadata. The Huffman tree of
hierarchical softmax is rebuilt from the merged counts, so ``syn1`` restarts at zero.

Structural hyperparameters (:data:`STRUCTURAL`) are kept from the state: a model whose value
differs is refused with the list of differences. Training hyperparameters (epochs, alpha, window,
sample, negative count, threads, seed ...) are the new run's.

``freeze_existing``: the input rows of the old words (for fastText also the old n-gram rows, which
old words are composed from) are restored after every training chunk, so old vectors come out
unchanged while new words learn against them (gensim's ``vectors_lockf`` idea; output weights still
train).

Models subclassing :class:`~embedlab.models.word2vec.Word2Vec` (item2vec, node2vec ...) inherit
``save_state`` / ``continue_training`` / ``fit_from_vectors``; the state's ``method`` is the
class's ``name``, so a node2vec state is refused by word2vec and vice versa.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._fileio import atomic_path
from .._progress import logger
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError
from ._meta import json_params

__all__ = ["STATE_KIND", "STATE_VERSION", "STRUCTURAL", "ModelState", "write_state", "read_state",
           "check_structural", "grow_vocabulary", "FrozenRows"]

STATE_KIND = "embedlab-model-state"
STATE_VERSION = 1
# hyperparameters that define the shape or meaning of the weights: always taken from the state
STRUCTURAL: dict[str, tuple[str, ...]] = {
    "word2vec": ("vector_size", "architecture", "hs", "phrases", "lowercase"),
    "fasttext": ("vector_size", "architecture", "hs", "min_n", "max_n", "bucket", "lowercase"),
}


@dataclass
class ModelState:
    """What :func:`read_state` returns: method, params, vocabulary, arrays and the lr position."""

    method: str
    params: dict[str, Any]
    vocab: Any
    arrays: dict[str, np.ndarray]
    lr: dict[str, Any]
    seed: int
    phrases: Any = None
    history: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    path: str = ""


def write_state(path: str | os.PathLike[str], *, method: str, params: Mapping[str, Any], vocab: Any,
                arrays: Mapping[str, np.ndarray], lr: Mapping[str, Any], seed: int, phrases: Any = None,
                history: Sequence[Mapping[str, Any]] = (), extra: Mapping[str, Any] | None = None) -> Path:
    """Write a state file atomically (``.npz`` with a JSON ``meta`` entry); returns its path."""
    from .. import __version__

    meta = {
        "kind": STATE_KIND, "version": STATE_VERSION, "embedlab": __version__, "method": method,
        "params": json_params(params), "vocab": vocab.to_dict(),
        "phrases": phrases.to_dict() if phrases is not None else None,
        "lr": dict(lr), "seed": int(seed), "history": list(history), "extra": dict(extra or {}),
        "arrays": sorted(arrays),
    }
    if "meta" in arrays:
        raise InvalidParameterError("write_state: 'meta' is reserved")
    blob = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    target = Path(path)
    with atomic_path(target, suffix=".npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, meta=blob, **{k: np.ascontiguousarray(v) for k, v in arrays.items()})
    logger.info("%s: model state written to %s", method, target)
    return target


def read_state(path: str | os.PathLike[str], method: str, option: str = "state") -> ModelState:
    """Read and check a state file written by :func:`write_state` for ``method``.

    A missing file, another kind of file, another method or another state version raises one
    line naming the file and what to do."""
    from ..corpus import Phrases, Vocabulary

    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: {option} file not found; write one with --save-state FILE (or save_state())")
    try:
        with np.load(p, allow_pickle=False) as data:
            if "meta" not in data.files:
                raise FormatError(f"{p}: not an embedlab model state (no 'meta' entry); write one with --save-state")
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            arrays = {k: data[k] for k in data.files if k != "meta"}
    except FormatError:
        raise
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise FormatError(f"{p}: not a readable embedlab model state ({exc})") from None
    if not isinstance(meta, dict) or meta.get("kind") != STATE_KIND:
        kind = meta.get("kind") if isinstance(meta, dict) else None
        hint = " (a --checkpoint file: continue it with --resume)" if kind and "checkpoint" in str(kind) else ""
        raise FormatError(f"{p}: not an embedlab model state (kind={kind!r}){hint}; write one with --save-state")
    if meta.get("version") != STATE_VERSION:
        raise FormatError(f"{p}: model state version {meta.get('version')!r}; this embedlab reads version "
                          f"{STATE_VERSION} (written by embedlab {meta.get('embedlab')}); retrain with --save-state")
    if meta.get("method") != method:
        raise FormatError(f"{p}: a {meta.get('method')} state, not {method}; continue it with "
                          f"'embedlab train {meta.get('method')} ... --continue-from {p}'")
    missing = [a for a in meta.get("arrays", []) if a not in arrays]
    if missing:
        raise FormatError(f"{p}: model state lacks array(s) {', '.join(missing)}; the file is damaged")
    vocab = Vocabulary.from_dict(meta["vocab"])
    phrases = Phrases.from_dict(meta["phrases"]) if meta.get("phrases") else None
    return ModelState(method=method, params=dict(meta["params"]), vocab=vocab, arrays=arrays, lr=dict(meta["lr"]),
                      seed=int(meta["seed"]), phrases=phrases, history=list(meta.get("history", [])),
                      extra=dict(meta.get("extra", {})), path=str(p))


def check_structural(model: Any, state: ModelState) -> None:
    """Refuse a model whose structural hyperparameters differ from the state's (list them all)."""
    names = STRUCTURAL.get(state.method, STRUCTURAL["word2vec"])
    diffs = [f"{n}={getattr(model, n)!r} (state: {state.params.get(n)!r})" for n in names
             if n in state.params and getattr(model, n, None) != state.params[n]]
    if diffs:
        raise InvalidParameterError(
            f"{state.path}: continued training keeps {', '.join(names)} from the state, but this model has "
            f"{'; '.join(diffs)}; drop those options (or set them as in the state)"
        )


def grow_vocabulary(old: Any, new_counts: Any, min_count: int, max_vocab_size: int | None = None
                    ) -> tuple[Any, np.ndarray, list[str]]:
    """Merge the old vocabulary with the counts of the new data.

    Returns ``(vocab, source, added)``: the merged :class:`Vocabulary` sorted by merged count (old
    words first on ties), ``source[i]`` = the old row of merged word ``i`` or -1 for a new word,
    and the new words. Old words are always kept; new ones need ``min_count`` in the new data
    (``max_vocab_size`` caps the number of new words added)."""
    from ..corpus import Vocabulary

    counts = dict(zip(old.words, (int(c) for c in old.counts)))
    add = []
    for w, c in zip(new_counts.words, new_counts.counts):
        if w in counts:
            counts[w] += int(c)
        elif c >= min_count:
            add.append((w, int(c)))
    add.sort(key=lambda wc: -wc[1])
    if max_vocab_size is not None:
        room = max(0, max_vocab_size - len(old))
        if len(add) > room:
            logger.info("continued training: %d new words, keeping the %d most frequent (max_vocab_size)", len(add), room)
            add = add[:room]
    for w, c in add:
        counts[w] = c
    words = list(old.words) + [w for w, _ in add]
    merged = np.array([counts[w] for w in words], dtype=np.int64)
    order = np.argsort(-merged, kind="stable")
    source = np.where(order < len(old), order, -1).astype(np.int64)
    vocab = Vocabulary([words[i] for i in order], merged[order],
                       total_words=int(old.total_words) + int(new_counts.total_words),
                       n_sentences=int(old.n_sentences) + int(new_counts.n_sentences), min_count=min_count,
                       max_vocab_size=max_vocab_size)
    return vocab, source, [w for w, _ in add]


def moved_rows(old_array: np.ndarray, source: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """``fresh`` with row ``i`` replaced by ``old_array[source[i]]`` where ``source[i] >= 0``."""
    keep = source >= 0
    if old_array.shape[0]:
        fresh[keep] = old_array[source[keep]]
    return fresh


class FrozenRows:
    """Rows of a weight matrix held fixed: :meth:`restore` writes the saved values back."""

    def __init__(self, array: np.ndarray, rows: np.ndarray) -> None:
        self.rows = np.asarray(rows, dtype=np.int64)
        self.values = array[self.rows].copy()

    def restore(self, array: np.ndarray) -> None:
        array[self.rows] = self.values

    def __len__(self) -> int:
        return int(self.rows.shape[0])


def uniform_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """word2vec/gensim's initial input rows: uniform on ``[-1/dim, 1/dim]`` (float32)."""
    x = rng.random((n, dim), dtype=np.float32)
    x *= np.float32(2.0)
    x -= np.float32(1.0)
    x /= np.float32(dim)
    return x


def count_new_data(model: Any, corpus: Any, phrases: Any) -> Any:
    """Count every token of ``corpus`` (``min_count=1``) as the model reads it (phrases applied)."""
    from ..corpus import PhrasedSentences, Vocabulary

    sentences = model._sentences(corpus)
    if phrases is not None:
        sentences = PhrasedSentences(sentences, phrases)
    return Vocabulary.build(sentences, min_count=1, show_progress=getattr(model, "show_progress", False))


def scaled_init(kv: Any, dim: int) -> tuple[dict[str, int], np.ndarray]:
    """Pre-trained rows for ``--init-vectors``, rescaled to a mean norm of 1 (GloVe's norms, ~5, would
    saturate the sigmoid of the first updates). Refuses another dimension."""
    if kv.vector_size != dim:
        raise InvalidParameterError(
            f"--init-vectors has dimension {kv.vector_size} but vector_size is {dim}; set --vector-size "
            f"{kv.vector_size} (or omit it)"
        )
    x = np.asarray(kv.vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1)
    mean = float(norms[norms > 0].mean()) if np.any(norms > 0) else 1.0
    return kv.key_to_index, x / np.float32(mean)


def lr_position(model: Any) -> dict[str, Any]:
    """The learning-rate position after a fit: configured range, epochs and work done, rate reached."""
    metrics = getattr(model, "epoch_metrics_", None) or []
    last = metrics[-1] if metrics else {}
    return {"alpha": float(model.alpha), "min_alpha": float(model.min_alpha),
            "epochs": int(model.epochs), "epochs_done": len(metrics),
            "work_done": int(sum(int(m.get("work", 0)) for m in metrics)),
            "alpha_reached": float(last.get("alpha", model.alpha))}


def history_entry(model: Any, corpus_words: int, added: int, source: str) -> dict[str, Any]:
    return {"source": source, "epochs": len(getattr(model, "epoch_metrics_", []) or []), "tokens": int(corpus_words),
            "added_words": int(added), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def check_not_empty(vocab: Any, method: str) -> None:
    if len(vocab) < 2:
        raise DataError(f"{method}: the vocabulary has {len(vocab)} word(s); continued training needs at least 2")
