"""GloVe (Pennington, Socher & Manning 2014): weighted least squares on log co-occurrences.

Counting is memory-bounded (:mod:`embedlab.corpus.cooccurrence`), training is AdaGrad over the
shuffled nonzeros with Hogwild threads (:mod:`embedlab.kernels.glove`), as in the reference C
implementation. With ``n_threads=1`` and a ``random_state`` the vectors are identical run to
run; more threads give statistically equivalent vectors, and ``deterministic=True`` (conflict-free
strata of the nonzeros, :mod:`embedlab.kernels.deterministic`) identical ones on any thread count.
"""

from __future__ import annotations

import os
import time
from typing import Any, ClassVar

import numpy as np

from .._progress import logger
from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ._sgd import ChunkStats, run_sgd
from ._meta import EPOCHS_KEY, draw_seed, numba_threads, thread_count
from ._meta import versions as _versions

__all__ = ["Glove", "count_corpus"]

_CHUNK = 1 << 22  # nonzeros per kernel call (progress + Ctrl-C granularity)
_BIAS_ETA = 1.0  # AdaGrad step of the biases: the reference glove.c does not scale them by eta


def count_corpus(
    data: Any,
    *,
    min_count: int,
    max_vocab_size: int | None,
    lowercase: bool,
    window: int,
    weighting: str,
    symmetric: bool,
    memory_mb: float,
    show_progress: bool,
    sample: float = 0.0,
    seed: int | None = None,
) -> tuple[Any, Any]:
    """Vocabulary and co-occurrence counts of a corpus (anything ``as_sentences`` accepts).

    With ``sample > 0`` frequent tokens are first dropped at random (word2vec's formula; the
    survivors are then windowed, as Levy et al.'s "dirty" subsampling).
    """
    from ..corpus import Corpus, as_sentences, build_and_encode
    from ..corpus.cooccurrence import count_cooccurrences

    if isinstance(data, (str, os.PathLike)):
        data = Corpus(data, lowercase=lowercase)
    vocab, enc = build_and_encode(as_sentences(data), min_count=min_count, max_vocab_size=max_vocab_size,
                                  show_progress=show_progress)
    with enc:
        ids, offsets = enc.ids, enc.offsets
        if sample > 0:
            keep = vocab.keep_probabilities(sample)
            rng = np.random.default_rng(seed)
            mask = rng.random(ids.shape[0], dtype=np.float32) < keep[ids]
            ids = np.asarray(ids)[mask]
            kept = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
            offsets = kept[np.asarray(offsets)]
        cooc = count_cooccurrences(ids, offsets, len(vocab), window=window, weighting=weighting,
                                   symmetric=symmetric, memory_mb=memory_mb, show_progress=show_progress)
    return vocab, cooc


class Glove(BaseEmbedder):
    """GloVe word vectors.

    Parameters
    ----------
    vector_size: dimension of the vectors.
    window: context words on each side, weighted by 1/distance.
    symmetric: count left and right contexts (else left only).
    min_count, max_vocab_size: vocabulary pruning.
    x_max, alpha: the weighting function ``f(x) = min(1, (x/x_max)**alpha)``; x_max defaults to
        10 as in the reference demo.sh (its C default, 100, scored WS353 0.458 vs 0.569 on ~11M tokens).
    learning_rate: AdaGrad's initial step of the vectors (``eta`` in the reference, where it is
        0.05; 0.1 scored higher WS353 here: 0.589 vs 0.551 on ~11M tokens). The biases take
        AdaGrad steps of 1, as in the reference glove.c, which does not scale them by ``eta``.
    epochs: passes over the nonzeros.
    output: ``"W"`` word vectors, ``"W+C"`` word + context vectors (the reference default),
        ``"concat"`` both side by side (dimension ``2 * vector_size``).
    memory_mb: memory for co-occurrence counting; beyond it sorted runs spill to disk.
    lowercase: lowercase tokens when ``fit`` is given a path (a Corpus keeps its own setting).
    n_threads: Hogwild threads (None: all cores).
    random_state: seed of the initialisation and the shuffle.
    callbacks: ``callback(epoch, elapsed, metrics)`` after every epoch; True stops training.

    Notes
    -----
    Learned: ``vectors_`` (KeyedVectors), ``vocab_``, ``loss_history_``, ``epoch_metrics_``,
    ``cooccurrence_stats_``, ``interrupted_``.
    """

    name: ClassVar[str] = "glove"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(50, 300))],
        "window": [Interval(int, 1, None, search=(2, 15))],
        "symmetric": [Options((True, False))],
        "min_count": [Interval(int, 1, None, search=(1, 20), log=True)],
        "max_vocab_size": [Interval(int, 1, None), None],
        "x_max": [Interval(float, 0, None, closed="neither", search=(10.0, 200.0), log=True)],
        "alpha": [Interval(float, 0, 1, closed="right", search=(0.5, 1.0))],
        "learning_rate": [Interval(float, 0, None, closed="neither", search=(0.01, 0.2), log=True)],
        "epochs": [Interval(int, 1, None, search=(5, 50))],
        "output": [Options(("W", "W+C", "concat"), search=True)],
        "memory_mb": [Interval(float, 1, None, closed="neither")],
        "lowercase": [Options((True, False))],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [Options((True, False))],
        "callbacks": [Callable_(allow_list=True), None],
        "deterministic": [Options((False, True))],
    }

    def __init__(
        self,
        vector_size: int = 100,
        window: int = 10,
        symmetric: bool = True,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        x_max: float = 10.0,
        alpha: float = 0.75,
        learning_rate: float = 0.1,
        epochs: int = 15,
        output: str = "W+C",
        memory_mb: float = 1024.0,
        lowercase: bool = True,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
        callbacks: Any = None,
        deterministic: bool = False,
    ) -> None:
        self.vector_size = vector_size
        self.window = window
        self.symmetric = symmetric
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.x_max = x_max
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.output = output
        self.memory_mb = memory_mb
        self.lowercase = lowercase
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks
        self.deterministic = deterministic

    def fit(self, data: Any) -> Glove:
        """Count co-occurrences of ``data`` (a path, paths, Corpus or token lists) and train."""
        self._validate_params()
        start = time.perf_counter()
        vocab, cooc = count_corpus(
            data, min_count=self.min_count, max_vocab_size=self.max_vocab_size,
            lowercase=self.lowercase, window=self.window, weighting="harmonic",
            symmetric=self.symmetric, memory_mb=self.memory_mb, show_progress=self.show_progress,
        )
        count_time = time.perf_counter() - start
        with cooc:
            from ._plan import check_training_memory

            check_training_memory(self, vocab, nnz=cooc.nnz)
            self.vocab_ = vocab
            self.cooccurrence_stats_ = dict(cooc.stats)
            logger.info("glove: %d words, %d nonzeros counted in %.1f s", len(vocab), cooc.nnz, count_time)
            W, C = self._train(cooc, vocab)
        vectors = self._combine(W, C)
        from ..vectors import KeyedVectors

        params = {k: v for k, v in self.get_params().items() if k != "callbacks"}
        self.vectors_ = KeyedVectors(
            vocab.words, vectors, counts=vocab.counts,
            metadata={
                "method": self.name, "params": params, "seed": self.random_state_,
                "corpus": {"total_words": vocab.total_words, "n_sentences": vocab.n_sentences,
                           "vocab_size": len(vocab)},
                "cooccurrence": self.cooccurrence_stats_,
                "loss_history": [float(x) for x in self.loss_history_], "n_threads": thread_count(self.n_threads),
                EPOCHS_KEY: len(self.loss_history_),
                "counting_time_s": round(count_time, 3),
                "training_time_s": round(time.perf_counter() - start, 3),
                "interrupted": self.interrupted_, "versions": _versions(),
            },
        )
        return self

    def _train(self, cooc: Any, vocab: Any) -> tuple[np.ndarray, np.ndarray]:
        import numba

        from ..kernels import glove as K

        n_threads = thread_count(self.n_threads)
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        V, d, nnz = cooc.n_words, self.vector_size, cooc.nnz
        W = (rng.random((V, d), dtype=np.float32) - 0.5) / d
        C = (rng.random((V, d), dtype=np.float32) - 0.5) / d
        bw = (rng.random(V, dtype=np.float32) - 0.5) / d
        bc = (rng.random(V, dtype=np.float32) - 0.5) / d
        gW, gC = np.ones_like(W), np.ones_like(C)
        gbw, gbc = np.ones_like(bw), np.ones_like(bc)
        rows, cols = cooc.rows, cooc.cols
        K.shuffle_coo(rows, cols, cooc.values, np.uint64(rng.integers(0, 2**63)))
        spans = [(lo, min(nnz, lo + _CHUNK)) for lo in range(0, nnz, _CHUNK)]
        starts = None
        if self.deterministic:  # conflict-free strata: the same vectors on any number of threads
            from ..kernels.deterministic import GLOVE_STRATA, adagrad_strata, stratify_range

            starts = np.empty((len(spans), GLOVE_STRATA * GLOVE_STRATA + 1), dtype=np.int64)
            for k, (lo, hi) in enumerate(spans):
                stratify_range(rows, cols, cooc.values, lo, hi, GLOVE_STRATA, starts[k])
        logx = np.empty(nnz, np.float32)
        fx = np.empty(nnz, np.float32)
        K.log_and_weight(cooc.values, np.float32(self.x_max), np.float32(self.alpha), logx, fx)
        clip = np.float32(100.0)

        def step(epoch: int, index: int, span: tuple[int, int], eta: float, _: float) -> ChunkStats:
            lo, hi = span
            if starts is not None:
                with numba.parallel_chunksize(1):
                    cost, skipped = adagrad_strata(rows, cols, logx, fx, starts[index], W, C, bw, bc, gW, gC, gbw, gbc,
                                                   np.float32(eta), np.float32(_BIAS_ETA), clip, GLOVE_STRATA)
                return ChunkStats(cost, hi - lo - skipped, hi - lo)
            cost, skipped = K.adagrad_epoch(rows, cols, logx, fx, lo, hi, W, C, bw, bc, gW, gC, gbw, gbc,
                                            np.float32(eta), np.float32(_BIAS_ETA), clip, n_threads)
            return ChunkStats(cost, hi - lo - skipped, hi - lo)

        def finite() -> bool:
            return bool(np.isfinite(W).all() and np.isfinite(C).all())

        self._live = (vocab, W, C)
        try:
            with numba_threads(n_threads):
                result = run_sgd(
                    step, [((lo, hi), hi - lo) for lo, hi in spans],
                    epochs=self.epochs, alpha=float(self.learning_rate), min_alpha=float(self.learning_rate),
                    callbacks=self.callbacks, show_progress=self.show_progress, description="glove", unit="pairs",
                    owner="Glove", check_finite=finite, rate_param="learning_rate",
                    # worse than all-zero vectors: AdaGrad has blown up (eta too large)
                    loss_limit=(2.0 * float(K.zero_model_loss(logx, fx)), "twice the loss of all-zero vectors"),
                )
        finally:
            self._live = None
        self.loss_history_ = result.loss_history
        self.epoch_metrics_ = result.epoch_metrics
        self.interrupted_ = result.interrupted
        self.random_state_ = seed
        return W, C

    def _combine(self, W: np.ndarray, C: np.ndarray) -> np.ndarray:
        if self.output == "W":
            return W
        return W + C if self.output == "W+C" else np.hstack([W, C])

    def plan(self, corpus: Any, memory: int | str | None = None) -> Any:
        """Predicted peak memory of ``fit(corpus)`` per stage (:class:`embedlab.planning.Plan`), with
        parameter values that fit when it does not fit in ``memory`` (default: available memory)."""
        from ._plan import plan

        return plan(self, corpus, memory=memory)

    def current_vectors(self) -> Any:
        """The vectors as they stand, also inside epoch callbacks while training (for pruning)."""
        from ..vectors import KeyedVectors

        live = getattr(self, "_live", None)
        if live is None:
            check_is_fitted(self)
            return self.vectors_
        vocab, W, C = live
        return KeyedVectors(vocab.words, self._combine(W, C), counts=vocab.counts)
