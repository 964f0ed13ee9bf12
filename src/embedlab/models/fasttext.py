"""FastText: skip-gram / CBOW over words plus hashed character n-grams (Bojanowski et al. 2017).

The input vector of a word is the mean of its own row and the rows of its character n-grams
(``min_n..max_n`` characters of ``"<" + word + ">"``, hashed into ``bucket`` rows exactly as
fastText hashes them), so every word, even one never seen in training, gets a vector. Training
is negative sampling with a dynamic window, frequent-word subsampling and a linearly decaying
learning rate; negatives are drawn from unigram counts ** ``ns_exponent``, 0.5 as in fastText
(word2vec and gensim use 0.75, which scored 1.8 analogy points lower on ~11M tokens here),
Hogwild over ``n_threads`` (numba); hierarchical softmax (``hs=True``) can replace or join
negative sampling. Only the hash buckets that vocabulary words use get a row, so memory is
``(vocabulary + used n-grams) x dim`` instead of ``bucket x dim``.

One thread and a fixed ``random_state`` give identical vectors; several threads give
statistically equivalent ones (Hogwild updates race).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ..corpus.encode import id_reader
from ..exceptions import DataError, InvalidParameterError
from ._meta import EPOCHS_KEY, draw_seed, numba_threads, thread_count
from ._meta import versions as _versions
from ._sgd import ChunkStats, run_sgd

__all__ = ["FastText"]

_BLOCK_TOKENS = 400_000  # tokens per kernel call and thread: progress / Ctrl-C granularity


class FastText(BaseEmbedder):
    """fastText-style subword embeddings; ``fit(corpus)`` returns ``self``.

    Learned attributes: ``vectors_`` (:class:`~embedlab.vectors.subword.SubwordKeyedVectors`:
    ``vectors_["unseenword"]`` is composed from n-grams), ``vocab_``, ``loss_history_`` (mean loss
    per epoch), ``epoch_metrics_``, ``interrupted_`` (Ctrl-C stopped training early).

    ``max_n=0`` disables n-grams (plain word2vec with fastText's defaults).
    """

    name: ClassVar[str] = "fasttext"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(50, 300))],
        "architecture": [Options(("skipgram", "cbow"), search=True)],
        "window": [Interval(int, 1, None, search=(2, 10))],
        "negative": [Interval(int, 0, None, search=(3, 15))],
        "hs": [bool],
        "sample": [Interval(float, 0, 1, closed="left", search=(1e-5, 1e-2), log=True)],
        "min_count": [Interval(int, 1, None, search=(1, 10))],
        "max_vocab_size": [Interval(int, 1, None), None],
        "epochs": [Interval(int, 1, None, search=(3, 15))],
        "alpha": [Interval(float, 0, None, closed="neither", search=(0.01, 0.1), log=True)],
        "min_alpha": [Interval(float, 0, None)],
        "min_n": [Interval(int, 1, None, search=(1, 4))],
        "max_n": [Interval(int, 0, None, search=(4, 7))],
        "bucket": [Interval(int, 0, 2**31 - 1, search=(100_000, 2_000_000), log=True)],
        "ns_exponent": [Interval(float, None, None, search=(0.5, 1.0))],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "lowercase": [bool],
        "show_progress": [bool],
        "callbacks": [Callable_(allow_list=True), None],
        "deterministic": [bool],
    }

    def __init__(
        self,
        vector_size: int = 100,
        architecture: str = "skipgram",
        window: int = 5,
        negative: int = 5,
        hs: bool = False,
        sample: float = 1e-4,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        epochs: int = 5,
        alpha: float = 0.05,
        min_alpha: float = 0.0,
        min_n: int = 3,
        max_n: int = 6,
        bucket: int = 2_000_000,
        ns_exponent: float = 0.5,
        n_threads: int | None = None,
        random_state: int | None = None,
        lowercase: bool = True,
        show_progress: bool = True,
        callbacks: Any = None,
        deterministic: bool = False,
    ) -> None:
        self.vector_size = vector_size
        self.architecture = architecture
        self.window = window
        self.negative = negative
        self.hs = hs
        self.sample = sample
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket
        self.ns_exponent = ns_exponent
        self.n_threads = n_threads
        self.random_state = random_state
        self.lowercase = lowercase
        self.show_progress = show_progress
        self.callbacks = callbacks
        self.deterministic = deterministic

    def _check_relations(self, params: Mapping[str, Any]) -> None:
        if params["negative"] == 0 and not params["hs"]:
            raise InvalidParameterError(
                "FastText: negative=0 with hs=False leaves no output layer to train; "
                "set negative > 0 (e.g. 5) or hs=True"
            )
        if params["max_n"] > 0:
            if params["min_n"] > params["max_n"]:
                raise InvalidParameterError(
                    f"FastText: min_n={params['min_n']} is larger than max_n={params['max_n']}; "
                    "set min_n <= max_n (or max_n=0 to turn n-grams off)"
                )
            if params["bucket"] == 0:
                raise InvalidParameterError(
                    "FastText: bucket=0 leaves no rows for the character n-grams; "
                    "set bucket > 0 (fastText uses 2000000) or max_n=0 to turn n-grams off"
                )
        if params["min_alpha"] > params["alpha"]:
            raise InvalidParameterError(
                f"FastText: min_alpha={params['min_alpha']} is larger than alpha={params['alpha']}"
            )

    # ------------------------------------------------------------------ training
    def _sentences(self, data: Any) -> Any:
        from ..corpus import Corpus, as_sentences

        if isinstance(data, (str, os.PathLike)) or (
            isinstance(data, (list, tuple)) and data and all(isinstance(x, (str, os.PathLike)) for x in data)
        ):
            return Corpus(data, lowercase=self.lowercase)
        return as_sentences(data)

    def fit(self, data: Any) -> FastText:
        """Build the vocabulary from ``data`` (a path, paths, a Corpus or token lists) and train."""
        from ..corpus import build_and_encode

        self._validate_params()
        t0 = time.perf_counter()
        # one pass: the corpus is read and tokenized once for the vocabulary and the ids
        vocab, encoded = build_and_encode(self._sentences(data), self.min_count, self.max_vocab_size,
                                          show_progress=self.show_progress)
        try:
            if len(vocab) < 2:
                raise DataError(
                    f"the vocabulary has {len(vocab)} word(s) with min_count={self.min_count}; "
                    "negative sampling needs at least 2: lower min_count or give more text"
                )
            from ._plan import check_training_memory

            table = self._subword_table(vocab.words)  # built once: the memory check counts its rows
            check_training_memory(self, vocab, encoded,
                                  ngram_rows=(int(table[0][-1]) - len(vocab), int(table[2].shape[0])))
            self._train(vocab, encoded, table)
        finally:
            encoded.close()
        self.vectors_.metadata["total_seconds"] = round(time.perf_counter() - t0, 3)
        return self

    def _subword_table(self, words: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR of input rows per word (own row first, then ``V + compact n-gram row``) + used buckets."""
        from ..vectors.subword import subword_rows

        n = len(words)
        ng_ptr, ng = subword_rows(words, self.min_n, self.max_n, self.bucket)
        used, inv = np.unique(ng, return_inverse=True)
        indptr = ng_ptr + np.arange(n + 1, dtype=np.int64)
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        is_word = np.zeros(indices.shape[0], dtype=bool)
        is_word[indptr[:-1]] = True
        indices[is_word] = np.arange(n, dtype=np.int32)
        indices[~is_word] = n + inv.astype(np.int32)
        return indptr, indices, used

    def _train(self, vocab: Any, encoded: Any, table: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        import numba

        from ..kernels._rng import seed_states
        from ..kernels.hs import build_huffman
        from ..kernels.sampling import build_alias
        from ..kernels.subword import train_block

        seed = draw_seed(self.random_state)
        n_threads = thread_count(self.n_threads)
        dim = self.vector_size
        words = vocab.words
        n_words = len(words)
        t_start = time.perf_counter()
        indptr, indices, used = table if table is not None else self._subword_table(words)
        rng = np.random.default_rng(seed)
        # uniform on [-1/dim, 1/dim): the same values as one rng.uniform call, drawn in blocks of rows
        # so that no float64 temporary of the whole (words + n-grams) x dim matrix is ever held
        w_in = np.empty((n_words + used.shape[0], dim), dtype=np.float32)
        step = max(1, (1 << 20) // max(dim, 1))
        for a in range(0, w_in.shape[0], step):
            b = min(w_in.shape[0], a + step)
            w_in[a:b] = rng.uniform(-1.0 / dim, 1.0 / dim, size=(b - a, dim))
        w_out = np.zeros((n_words if self.negative else 0, dim), dtype=np.float32)
        if self.hs:
            codes, points, lengths = build_huffman(vocab.counts)
            syn1 = np.zeros((max(n_words - 1, 1), dim), dtype=np.float32)
        else:
            codes, points = np.zeros((0, 1), dtype=np.uint8), np.zeros((0, 1), dtype=np.int32)
            lengths, syn1 = np.zeros(0, dtype=np.int32), np.zeros((0, dim), dtype=np.float32)
        frozen = None
        init = getattr(self, "_continue_init", None)  # continue_training / fit_from_vectors (_state.py)
        if init is not None:
            w_in, w_out, frozen = init(vocab, used, w_in, w_out)
        prob, alias = build_alias(vocab.counts.astype(np.float64) ** self.ns_exponent)
        keep = vocab.keep_probabilities(self.sample)
        ids, offsets = encoded.ids, encoded.offsets
        n_sent = encoded.n_sentences
        # deterministic mode: blocks and shards fixed whatever the thread count
        block = _BLOCK_TOKENS * 2 if self.deterministic else _BLOCK_TOKENS * n_threads
        # sentence boundaries of the blocks (about ``block`` tokens each)
        cuts = np.unique(np.searchsorted(offsets, np.arange(0, int(offsets[-1]), block), side="left"))
        blocks = np.append(cuts[cuts < n_sent], n_sent)
        chunks = [((int(blocks[b]), int(blocks[b + 1])), int(offsets[blocks[b + 1]] - offsets[blocks[b]]))
                  for b in range(len(blocks) - 1)]
        cbow = self.architecture == "cbow"

        read_ids = id_reader(ids)  # a spilled corpus is read block by block, never mapped whole

        def step(epoch: int, index: int, payload: tuple[int, int], a0: float, a1: float) -> ChunkStats:
            lo0, hi0 = payload
            block_ids = read_ids(int(offsets[lo0]), int(offsets[hi0]))
            block_offsets = np.asarray(offsets[lo0 : hi0 + 1]) - offsets[lo0]
            ids, offsets_, lo, hi = block_ids, block_offsets, 0, hi0 - lo0  # noqa: F841 - the kernels' names
            if self.deterministic:
                from ..kernels.deterministic import N_SHARDS, train_block_deterministic

                with numba.parallel_chunksize(1):
                    loss, pairs = train_block_deterministic(
                        ids, offsets_, lo, hi, indptr, indices, w_in, w_out, syn1, codes, points, lengths, prob, alias,
                        keep, self.window, self.negative, cbow, a0, a1, seed_states(seed, epoch, index, n=N_SHARDS))
                return ChunkStats(float(loss), float(pairs), int(offsets_[hi]))
            states = seed_states(seed, epoch, index, n=n_threads)
            loss, pairs = train_block(ids, offsets_, lo, hi, indptr, indices, w_in, w_out, syn1, codes, points,
                                      lengths, prob, alias, keep, self.window, self.negative, cbow, a0, a1,
                                      states)
            if frozen is not None:
                frozen.restore(w_in)
            return ChunkStats(float(loss), float(pairs), int(offsets_[hi]))

        t_train = time.perf_counter()
        self._live = (vocab, w_in, indptr, indices, used)  # for current_vectors() in epoch callbacks
        try:
            with numba_threads(n_threads):
                result = run_sgd(
                    step, chunks, epochs=self.epochs, alpha=self.alpha, min_alpha=self.min_alpha,
                    callbacks=self.callbacks, show_progress=self.show_progress, description="fasttext",
                    owner="FastText", check_finite=lambda: bool(np.isfinite(w_out).all() and np.isfinite(syn1).all()
                                                                and np.isfinite(w_in[:n_words]).all()),
                )
        finally:
            self._live = None
        self.loss_history_ = result.loss_history
        self.epoch_metrics_ = result.epoch_metrics
        self.interrupted_ = result.interrupted
        train_time = time.perf_counter() - t_train
        params = {k: v for k, v in self.get_params().items() if k != "callbacks"}
        metadata = {
            "method": self.name,
            "params": params,
            "seed": seed,
            "n_threads": n_threads,
            "corpus": {
                "total_words": int(vocab.total_words),
                "encoded_words": int(offsets[-1]),
                "sentences": int(n_sent),
                "vocabulary": n_words,
                "ngram_rows": int(used.shape[0]),
            },
            "training_seconds": round(train_time, 3),
            "setup_seconds": round(t_train - t_start, 3),
            EPOCHS_KEY: result.epochs_done,
            "interrupted": self.interrupted_,
            "versions": _versions(),
        }
        self.vocab_ = vocab
        self.vectors_ = self._keyed(vocab, w_in, indptr, indices, used, metadata)
        self._state_arrays = ({"w_in": w_in, "w_out": w_out, "syn1": syn1, "ngram_buckets": used}, seed)

    def _keyed(self, vocab: Any, w_in: np.ndarray, indptr: np.ndarray, indices: np.ndarray, used: np.ndarray,
               metadata: dict[str, Any] | None = None) -> Any:
        """SubwordKeyedVectors of the input rows ``w_in`` (words composed with their n-grams)."""
        from ..kernels.subword import compose_rows
        from ..vectors.subword import SubwordKeyedVectors

        n_words = len(vocab.words)
        ngram_index = np.full(self.bucket if used.size else 0, -1, dtype=np.int32)
        if used.size:
            ngram_index[used] = np.arange(used.shape[0], dtype=np.int32)
        return SubwordKeyedVectors(
            vocab.words, compose_rows(w_in, indptr, indices), np.ascontiguousarray(w_in[n_words:]),
            min_n=self.min_n, max_n=self.max_n, bucket=self.bucket if used.size else 0, ngram_index=ngram_index,
            counts=vocab.counts, metadata=metadata,
        )

    def plan(self, corpus: Any, memory: int | str | None = None) -> Any:
        """Predicted peak memory of ``fit(corpus)`` per stage (:class:`embedlab.planning.Plan`), with
        parameter values that fit when it does not fit in ``memory`` (default: available memory)."""
        from ._plan import plan

        return plan(self, corpus, memory=memory)

    # ------------------------------------------------------------------ continued training (models/_state.py)
    def save_state(self, path: str | os.PathLike[str]) -> Any:
        """Write the full training state (word and n-gram input rows, output weights, vocabulary with
        counts, learning-rate position, hyperparameters) to ``path`` (.npz + JSON metadata)."""
        from ._continue import save_fasttext_state

        return save_fasttext_state(self, path)

    def continue_training(self, data: Any, state: str | os.PathLike[str], *, freeze_existing: bool = False) -> FastText:
        """Train the saved ``state`` further on ``data``, growing the vocabulary (see Word2Vec)."""
        from ._continue import continue_fasttext

        return continue_fasttext(self, data, state, freeze_existing)

    def fit_from_vectors(self, data: Any, vectors: Any, *, freeze_existing: bool = False) -> FastText:
        """``fit`` with the words found in ``vectors`` starting at those vectors."""
        from ._continue import fasttext_from_vectors

        return fasttext_from_vectors(self, data, vectors, freeze_existing)

    def current_vectors(self) -> Any:
        """The vectors as they stand, also inside epoch callbacks while training (tuning's pruning).

        During training this composes a fresh SubwordKeyedVectors (a copy) from the current rows.
        """
        live = getattr(self, "_live", None)
        if live is None:
            check_is_fitted(self)
            return self.vectors_
        return self._keyed(*live)
