"""Continued training and warm starts for Word2Vec (and subclasses) and FastText; state files and
continued training for node2vec / deepwalk / item2vec (:func:`continue_sgns`).

The models expose these as methods (``save_state``, ``continue_training``, ``fit_from_vectors``);
the state format, vocabulary growth and frozen rows live in :mod:`._state`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._progress import logger
from ..base import check_is_fitted
from ..exceptions import InvalidParameterError
from ._meta import draw_seed
from ._state import (
    FrozenRows,
    check_not_empty,
    check_structural,
    count_new_data,
    grow_vocabulary,
    history_entry,
    lr_position,
    moved_rows,
    read_state,
    scaled_init,
    uniform_rows,
    write_state,
)

__all__ = ["save_word2vec_state", "continue_word2vec", "word2vec_from_vectors", "save_fasttext_state",
           "continue_fasttext", "fasttext_from_vectors", "save_sgns_state", "continue_sgns"]


def _seed(model: Any) -> int:
    return draw_seed(model.random_state)


def _refuse_prepared(corpus: Any, method: str) -> None:
    from ..corpus.prepared import PreparedCorpus

    if isinstance(corpus, PreparedCorpus):
        raise InvalidParameterError(f"{method}: continued training reads the new corpus itself, not a PreparedCorpus")


def _history(model: Any, source: str) -> list[dict[str, Any]]:
    previous = list(getattr(model, "state_history_", []) or [])
    if previous:
        return previous
    tokens = int((model.vectors_.metadata.get("corpus") or {}).get("total_words", 0))
    return [history_entry(model, tokens, len(model.vocab_), source)]


def _record(model: Any, state: Any, added: list[str], new_tokens: int, freeze: bool, source: str,
            t0: float) -> None:
    entry = history_entry(model, new_tokens, len(added), source)
    model.state_history_ = list(state.history if state is not None else []) + [entry]
    model.added_words_ = added
    info = {"source": source, "new_words": len(added), "new_words_examples": added[:20],
            "new_data_tokens": int(new_tokens), "freeze_existing": freeze,
            "seconds": round(time.perf_counter() - t0, 3)}
    if state is not None:
        info["previous_lr"] = state.lr
        info["history"] = model.state_history_
    model.vectors_.metadata["continued_from"] = info


# ---------------------------------------------------------------------------------- word2vec
def save_word2vec_state(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write the full state of a fitted Word2Vec (or subclass) to ``path`` (.npz + JSON meta)."""
    check_is_fitted(model)
    return write_state(
        path, method=model.name, params=model.get_params(), vocab=model.vocab_,
        arrays={"syn0": model.vectors_.vectors, "syn1neg": model.syn1neg_, "syn1": model.syn1_},
        lr=lr_position(model), seed=model.random_state_, phrases=model.phrases_, history=_history(model, "fit"),
    )


def _train_word2vec(model: Any, corpus: Any, vocab: Any, phrases: Any, syn0: np.ndarray, seed: int,
                    syn1neg_old: np.ndarray | None, source: np.ndarray | None, frozen: FrozenRows | None,
                    t0: float, encoded: Any = None) -> None:
    v, dim = len(vocab), model.vector_size
    syn1neg = np.zeros((v if model.negative > 0 else 0, dim), dtype=getattr(model, "output_dtype", "float32"))
    if syn1neg_old is not None and source is not None and syn1neg.shape[0] and syn1neg_old.shape[0]:
        syn1neg = moved_rows(syn1neg_old, source, syn1neg)
    syn1 = np.zeros((max(v - 1, 0) if model.hs else 0, dim), dtype=np.float32)  # tree from the merged counts
    if encoded is None:
        _, phrases, encoded = model._prepare(corpus, vocab=vocab, phrases=phrases)
    state = {"epochs_done": 0, "work_done": 0, "loss_history": [], "epoch_metrics": []}
    model._frozen = frozen
    try:
        model._train(encoded, vocab, phrases, seed, syn0, syn1neg, syn1, state, t0)
    finally:
        encoded.close()
        model._frozen = None


def continue_word2vec(model: Any, corpus: Any, state_path: str | os.PathLike[str], freeze_existing: bool = False) -> Any:
    """Continue a saved Word2Vec state on ``corpus`` with ``model``'s training hyperparameters."""
    model._validate_params()
    _refuse_prepared(corpus, type(model).__name__)
    state = read_state(state_path, model.name)
    check_structural(model, state)
    t0 = time.perf_counter()
    seed = _seed(model)
    new_counts = count_new_data(model, corpus, state.phrases)
    vocab, source, added = grow_vocabulary(state.vocab, new_counts, model.min_count, model.max_vocab_size)
    check_not_empty(vocab, type(model).__name__)
    old0 = state.arrays["syn0"]
    if old0.shape != (len(state.vocab), model.vector_size):
        raise InvalidParameterError(f"{state.path}: syn0 has shape {old0.shape}, not ({len(state.vocab)}, "
                                    f"{model.vector_size}); the state file is damaged")
    syn0 = moved_rows(old0, source, uniform_rows(np.random.default_rng(seed), len(vocab), model.vector_size))
    frozen = FrozenRows(syn0, np.flatnonzero(source >= 0)) if freeze_existing else None
    logger.info("%s: continuing %s on new data: %d old words, %d new, freeze_existing=%s", type(model).__name__,
                state.path, len(state.vocab), len(added), freeze_existing)
    _train_word2vec(model, corpus, vocab, state.phrases, syn0, seed, state.arrays.get("syn1neg"), source, frozen, t0)
    _record(model, state, added, new_counts.total_words, freeze_existing, str(state.path), t0)
    return model


def word2vec_from_vectors(model: Any, corpus: Any, vectors: Any, freeze_existing: bool = False) -> Any:
    """Fit on ``corpus`` with the input rows of words found in ``vectors`` (KeyedVectors) initialised
    from them (rescaled to mean norm 1); the other rows as usual."""
    model._validate_params()
    _refuse_prepared(corpus, type(model).__name__)
    t0 = time.perf_counter()
    seed = _seed(model)
    key_to_index, rows = scaled_init(vectors, model.vector_size)
    vocab, phrases, encoded = model._prepare(corpus)
    if len(vocab) < 2:
        encoded.close()
        check_not_empty(vocab, type(model).__name__)
    syn0 = uniform_rows(np.random.default_rng(seed), len(vocab), model.vector_size)
    found = np.array([key_to_index.get(w, -1) for w in vocab.words], dtype=np.int64)
    syn0 = moved_rows(rows, found, syn0)
    n_found = int((found >= 0).sum())
    logger.info("%s: %d of %d words initialised from the given vectors", type(model).__name__, n_found, len(vocab))
    frozen = FrozenRows(syn0, np.flatnonzero(found >= 0)) if freeze_existing else None
    _train_word2vec(model, corpus, vocab, phrases, syn0, seed, None, None, frozen, t0, encoded=encoded)
    name = str((vectors.metadata or {}).get("name", "given vectors"))
    _record(model, None, [w for w, f in zip(vocab.words, found) if f < 0], vocab.total_words, freeze_existing,
            f"init-vectors: {name}", t0)
    model.vectors_.metadata["continued_from"]["initialised_words"] = n_found
    return model


# ---------------------------------------------------------------------------------- fastText
def save_fasttext_state(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write the full state of a fitted FastText to ``path``."""
    check_is_fitted(model)
    arrays, seed = model._state_arrays
    return write_state(path, method=model.name, params=model.get_params(), vocab=model.vocab_, arrays=arrays,
                       lr=lr_position(model), seed=seed, history=_history(model, "fit"))


def _fasttext_init(state: Any, source: np.ndarray, freeze: bool) -> Any:
    old_words = len(state.vocab)
    old_in, old_out = state.arrays["w_in"], state.arrays["w_out"]
    old_buckets = state.arrays["ngram_buckets"]

    def init(vocab: Any, used: np.ndarray, w_in: np.ndarray, w_out: np.ndarray) -> tuple[Any, Any, Any]:
        n = len(vocab)
        w_in[:n] = moved_rows(old_in[:old_words], source, w_in[:n])
        if old_buckets.size and used.size:
            pos = np.clip(np.searchsorted(old_buckets, used), 0, old_buckets.size - 1)
            match = old_buckets[pos] == used
            w_in[n + np.flatnonzero(match)] = old_in[old_words + pos[match]]
        else:
            match = np.zeros(used.shape[0], dtype=bool)
        if w_out.shape[0] and old_out.shape[0]:
            w_out = moved_rows(old_out, source, w_out)
        frozen = None
        if freeze:
            frozen = FrozenRows(w_in, np.concatenate([np.flatnonzero(source >= 0), n + np.flatnonzero(match)]))
        return w_in, w_out, frozen

    return init


def _train_fasttext(model: Any, corpus: Any, vocab: Any, init: Any, t0: float) -> None:
    from ..corpus import encode

    encoded = encode(model._sentences(corpus), vocab)
    model._continue_init = init
    try:
        model._train(vocab, encoded)
    finally:
        encoded.close()
        model._continue_init = None
    model.vectors_.metadata["total_seconds"] = round(time.perf_counter() - t0, 3)


def continue_fasttext(model: Any, corpus: Any, state_path: str | os.PathLike[str], freeze_existing: bool = False) -> Any:
    """Continue a saved FastText state on ``corpus`` (old word and n-gram rows kept, new ones fresh)."""
    model._validate_params()
    state = read_state(state_path, model.name)
    check_structural(model, state)
    t0 = time.perf_counter()
    new_counts = count_new_data(model, corpus, None)
    vocab, source, added = grow_vocabulary(state.vocab, new_counts, model.min_count, model.max_vocab_size)
    check_not_empty(vocab, "FastText")
    _train_fasttext(model, corpus, vocab, _fasttext_init(state, source, freeze_existing), t0)
    _record(model, state, added, new_counts.total_words, freeze_existing, str(state.path), t0)
    return model


def fasttext_from_vectors(model: Any, corpus: Any, vectors: Any, freeze_existing: bool = False) -> Any:
    """Fit on ``corpus`` with the own row of each word found in ``vectors`` set so that its composed
    vector (mean of own and n-gram rows, the n-gram rows starting near 0) starts at the given vector."""
    from ..corpus import Vocabulary

    model._validate_params()
    t0 = time.perf_counter()
    key_to_index, rows = scaled_init(vectors, model.vector_size)
    vocab = Vocabulary.build(model._sentences(corpus), model.min_count, model.max_vocab_size,
                             show_progress=model.show_progress)
    check_not_empty(vocab, "FastText")
    found = np.array([key_to_index.get(w, -1) for w in vocab.words], dtype=np.int64)

    def init(vocab: Any, used: np.ndarray, w_in: np.ndarray, w_out: np.ndarray) -> tuple[Any, Any, Any]:
        indptr, _, _ = model._subword_table(vocab.words)
        width = np.diff(indptr).astype(np.float32)  # own row + its n-grams
        keep = found >= 0
        w_in[np.flatnonzero(keep)] = rows[found[keep]] * width[keep, None]
        frozen = FrozenRows(w_in, np.flatnonzero(keep)) if freeze_existing else None
        return w_in, w_out, frozen

    _train_fasttext(model, corpus, vocab, init, t0)
    name = str((vectors.metadata or {}).get("name", "given vectors"))
    _record(model, None, [w for w, f in zip(vocab.words, found) if f < 0], vocab.total_words, freeze_existing,
            f"init-vectors: {name}", t0)
    model.vectors_.metadata["continued_from"]["initialised_words"] = int((found >= 0).sum())
    return model


# ------------------------------------------------------------------ SGNS models outside Word2Vec
# Node2Vec / DeepWalk / Item2Vec drive the SGNS kernel themselves: their ``fit`` asks
# ``model._continue_init`` (a :class:`_SGNSInit`, when continuing) for the starting rows.
def save_sgns_state(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write the state of a fitted node2vec / deepwalk / item2vec (input + output rows, keys with counts)."""
    from ..corpus import Vocabulary

    check_is_fitted(model)
    kv = model.vectors_
    counts = getattr(model, "state_counts_", None)
    if counts is None or len(counts) != len(kv.index_to_key):
        counts = kv.counts if kv.counts is not None else np.ones(len(kv.index_to_key), np.int64)
    vocab = Vocabulary(kv.index_to_key, np.asarray(counts, dtype=np.int64))
    return write_state(path, method=model.name, params=model.get_params(), vocab=vocab,
                       arrays={"syn0": np.asarray(kv.vectors, dtype=np.float32), "syn1neg": model.syn1neg_},
                       lr=lr_position(model), seed=model.random_state_,
                       history=list(getattr(model, "state_history_", []) or [])
                       or [history_entry(model, int(vocab.counts.sum()), len(vocab), "fit")])


class _SGNSInit:
    """Starting rows for a continued SGNS fit: old keys keep their rows, new ones start as in ``fit``."""

    def __init__(self, state: Any, dim: int, freeze: bool) -> None:
        self.state, self.dim, self.freeze = state, dim, freeze
        self.keys: list[str] = []
        self.counts = np.zeros(0, np.int64)
        self.source = np.zeros(0, np.int64)

    def union(self, keys: list[str]) -> list[str]:
        """``keys`` then the state's keys missing from them (so old rows are kept)."""
        present = set(keys)
        return list(keys) + [w for w in self.state.vocab.words if w not in present]

    def __call__(self, keys: list[str], counts: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, Any]:
        old = self.state.vocab.word_to_id
        self.keys, self.counts = list(keys), np.asarray(counts, dtype=np.int64)
        self.source = np.array([old.get(k, -1) for k in self.keys], dtype=np.int64)
        n = len(self.keys)
        syn0 = moved_rows(self.state.arrays["syn0"], self.source,
                          uniform_rows(np.random.default_rng(seed), n, self.dim))
        syn1neg = moved_rows(self.state.arrays["syn1neg"], self.source, np.zeros((n, self.dim), np.float32))
        frozen = FrozenRows(syn0, np.flatnonzero(self.source >= 0)) if self.freeze else None
        return syn0, syn1neg, frozen


def continue_sgns(model: Any, data: Any, state_path: str | os.PathLike[str], freeze_existing: bool = False) -> Any:
    """Continue a node2vec / deepwalk / item2vec state on new data (a new graph, new interactions)."""
    from ..vectors import KeyedVectors

    model._validate_params()
    state = read_state(state_path, model.name)
    check_structural(model, state)
    old0, old1 = state.arrays["syn0"], state.arrays["syn1neg"]
    if old0.shape != (len(state.vocab), model.vector_size) or old1.shape != old0.shape:
        raise InvalidParameterError(f"{state.path}: syn0/syn1neg have shapes {old0.shape}/{old1.shape}, not "
                                    f"({len(state.vocab)}, {model.vector_size}); the state file is damaged")
    t0 = time.perf_counter()
    init = _SGNSInit(state, int(model.vector_size), freeze_existing)
    model._continue_init = init
    try:
        model.fit(data)
    finally:
        model._continue_init = None
    src = init.source
    counts = init.counts + np.where(src >= 0, state.vocab.counts[np.maximum(src, 0)], 0)
    present = set(init.keys)
    rest = [i for i, w in enumerate(state.vocab.words) if w not in present]
    kv = model.vectors_
    if rest:  # old keys absent from the new data (graph models): rows appended unchanged
        if type(kv) is not KeyedVectors:
            raise InvalidParameterError(f"{type(model).__name__}: old keys missing from the continued vectors")
        keys = list(kv.index_to_key) + [state.vocab.words[i] for i in rest]
        kv_counts = kv.counts if kv.counts is not None else counts
        model.vectors_ = KeyedVectors(keys, np.vstack([kv.vectors, old0[rest]]),
                                      counts=np.concatenate([kv_counts, state.vocab.counts[rest]]),
                                      metadata=kv.metadata)
        model.syn1neg_ = np.vstack([model.syn1neg_, old1[rest]])
        counts = np.concatenate([counts, state.vocab.counts[rest]])
    model.state_counts_ = counts
    added = [k for k, s in zip(init.keys, src) if s < 0]
    logger.info("%s: continued %s: %d old keys, %d new, freeze_existing=%s", type(model).__name__, state.path,
                len(state.vocab), len(added), freeze_existing)
    _record(model, state, added, int(init.counts.sum()), freeze_existing, str(state.path), t0)
    return model
