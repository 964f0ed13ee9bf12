"""item2vec (Barkan & Koenigstein 2016): skip-gram negative sampling over baskets, sessions or
user histories, trained by word2vec's trainer (:mod:`embedlab.models._sgns`): this front end turns
interactions into item sequences and chooses defaults.

Each user's (or basket's) items in time order are one "sentence". The context of an item is
either every other item of the basket (``window_mode="basket"``: items in a basket are
unordered; the window spans the longest history, no shrinking) or the ``window`` items on each
side (``"sequential"``, word2vec's sampled window with ``shrink_windows``). The defaults suit
interaction data, not text: no subsampling (``sample=0``), ``min_count=1``, a 20-item sequential
window, 10 epochs and ``ns_exponent=-0.5`` (negatives drawn towards rare items; the noise
exponent is tunable from -1 to 1, Caselles-Dupré et al. 2018: on ML-100k leave-last-out NDCG@10
0.051 against popularity's 0.044; 0.75, word2vec's text default, lost to popularity on groceries).
The whole-basket window costs O(length^2) per history: right for baskets, slow for long user
histories (98 s against 20 s for a 50-item window on ML-100k, 10 epochs).

The item vectors are the input vectors (``syn0``; ``most_similar`` compares them); a user is the
mean (``user_vectors="mean"``) or a recency-weighted mean (``"recency"``, half-life
``recency_half_life`` items) of the input vectors of their history. ``scoring="output"`` (the
default) scores that user against the output vectors (``syn1neg``) by dot product, as the
training objective scores a context against a target; ``"cosine"`` compares the user with the
input vectors (the usual gensim-based item2vec), which on groceries baskets ranked the held-out
item below chance (hit@10 0.015 vs 0.39 with ``"output"``): it favours rare look-alikes. ``vectors_`` is a
:class:`~embedlab.vectors.recommend.RecommenderVectors` (items, users, histories).
Reproducibility as for Word2Vec: ``random_state`` + ``n_threads=1`` gives identical vectors.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .._progress import logger
from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import DataError, InvalidParameterError
from ._meta import EPOCHS_KEY, draw_seed, thread_count
from ._sgns import EncodedSequences, SGNSOptions, SGNSTrainer, init_weights
from .recommend import RecommenderMixin, _wrap

__all__ = ["Item2Vec"]

_CHUNK_PAIRS_PER_THREAD = 2_000_000  # (centre, context) pairs per chunk and thread


class Item2Vec(RecommenderMixin, BaseEmbedder):
    """item2vec: skip-gram with negative sampling over item sequences, user vectors from history.

    Parameters follow gensim's Word2Vec names (``vector_size``, ``window``, ``negative``,
    ``ns_exponent``, ``sample``, ``min_count``, ``epochs``, ``alpha``, ``min_alpha``) plus
    ``window_mode`` ("basket" or "sequential"), ``user_vectors`` ("mean" or "recency"),
    ``recency_half_life`` and ``scoring`` ("output" or "cosine").
    ``fit(data)``: :class:`~embedlab.corpus.interactions.Interactions`, a file path or a list of
    baskets. Learned: ``vectors_``, ``loss_history_``, ``epoch_metrics_``, ``interrupted_``,
    ``random_state_``, ``training_seconds_``, ``syn1neg_``.
    """

    name: ClassVar[str] = "item2vec"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(16, 128), log=True)],
        "window_mode": [Options(("basket", "sequential"))],
        "window": [Interval(int, 1, None, search=(2, 50), log=True)],
        "shrink_windows": [bool],
        "negative": [Interval(int, 1, None, search=(2, 20))],
        "ns_exponent": [Interval(float, -10, 10, search=(-1.0, 1.0))],
        "sample": [Interval(float, 0, None)],
        "min_count": [Interval(int, 1, None)],
        "epochs": [Interval(int, 1, None, search=(5, 30))],
        "alpha": [Interval(float, 0, None, closed="neither")],
        "min_alpha": [Interval(float, 0, None)],
        "user_vectors": [Options(("mean", "recency"), search=True)],
        "recency_half_life": [Interval(float, 0, None, closed="neither", search=(0.5, 50.0), log=True,
                                       when=("user_vectors", ("recency",)))],
        "scoring": [Options(("output", "cosine"))],
        "max_window": [Interval(int, 1, None)],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [bool],
        "callbacks": [Callable_(allow_list=True), None],
    }

    def __init__(
        self,
        vector_size: int = 64,
        window_mode: str = "sequential",
        window: int = 20,
        shrink_windows: bool = True,
        negative: int = 5,
        ns_exponent: float = -0.5,
        sample: float = 0.0,
        min_count: int = 1,
        epochs: int = 10,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        user_vectors: str = "mean",
        recency_half_life: float = 10.0,
        scoring: str = "output",
        max_window: int = 1000,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
        callbacks: Any = None,
    ) -> None:
        self.vector_size = vector_size
        self.window_mode = window_mode
        self.window = window
        self.shrink_windows = shrink_windows
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.sample = sample
        self.min_count = min_count
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.user_vectors = user_vectors
        self.recency_half_life = recency_half_life
        self.scoring = scoring
        self.max_window = max_window
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    def _check_relations(self, params: Mapping[str, Any]) -> None:
        if params["min_alpha"] > params["alpha"]:
            raise InvalidParameterError(
                f"Item2Vec: parameter 'min_alpha' ({params['min_alpha']}) must not exceed alpha ({params['alpha']})"
            )

    def fit(self, data: Any) -> Item2Vec:
        """Learn item vectors from ``data`` and return ``self``."""
        from ..corpus.interactions import as_interactions

        self._validate_params()
        t0 = time.perf_counter()
        seed = draw_seed(self.random_state)
        inter = as_interactions(data)
        if self.min_count > 1:
            inter = inter.filter(1, self.min_count, iterate=False)
        init = getattr(self, "_continue_init", None)
        if init is not None:  # continue_training: keep the state's items (old rows)
            inter = inter.with_items(init.union(list(inter.item_ids)))
        lens = np.diff(inter.indptr)
        if inter.nnz == 0 or int(lens.max()) < 2:
            raise DataError(f"Item2Vec: {inter.source or 'the data'} has no user or basket with two items; "
                            "item2vec learns from items that co-occur")
        counts = inter.item_counts()
        v, dim = inter.n_items, self.vector_size
        syn0, syn1neg, syn1 = init_weights(v, dim, seed)
        frozen = None
        if init is not None:
            syn0, syn1neg, frozen = init(list(inter.item_ids), counts, seed)
        max_len = int(lens.max())
        if self.window_mode == "basket":
            window, shrink = min(max_len, int(self.max_window)), False
        else:
            window, shrink = int(self.window), bool(self.shrink_windows)
        # work per sentence ~ its pairs: chunks and slices balanced by pairs, clocked in items
        pairs = lens * np.minimum(lens - 1, 2 * window)
        source = EncodedSequences(inter.indices.astype(np.int32), inter.indptr, chunk_work=_CHUNK_PAIRS_PER_THREAD,
                                  work=np.concatenate([[0], np.cumsum(pairs)]))
        options = SGNSOptions(negative=int(self.negative), window=window, shrink_windows=shrink, cbow_mean=False,
                              sample=float(self.sample), ns_exponent=float(self.ns_exponent))
        trainer = SGNSTrainer(options, counts, seed=seed, n_threads=thread_count(self.n_threads), frozen=frozen)
        self._live = (inter, syn0, syn1neg)
        try:
            result = trainer.train(
                source, syn0, syn1neg, syn1, epochs=self.epochs, alpha=float(self.alpha),
                min_alpha=float(self.min_alpha), callbacks=self.callbacks, show_progress=self.show_progress,
                description="item2vec", unit="items", owner="Item2Vec",
            )
        finally:
            self._live = None
        self.random_state_ = seed
        self.loss_history_ = result.loss_history
        self.epoch_metrics_ = result.epoch_metrics
        self.interrupted_ = result.interrupted
        self.training_seconds_ = result.seconds
        self.syn1neg_ = syn1neg
        logger.info("item2vec: %d items, %d users, window %s, %.1f s", v, inter.n_users,
                    "basket" if self.window_mode == "basket" else window, result.seconds)
        self.vectors_ = self._vectors(inter, syn0, syn1neg, time.perf_counter() - t0, result)
        return self

    def save_state(self, path: str | os.PathLike[str]) -> Any:
        """Write the training state (input and output rows, items with counts, learning-rate position,
        hyperparameters) to ``path`` (.npz with JSON metadata, no pickle)."""
        from ._continue import save_sgns_state

        return save_sgns_state(self, path)

    def continue_training(self, data: Any, state: str | os.PathLike[str], *, freeze_existing: bool = False) -> Item2Vec:
        """Train the saved ``state`` further on new interactions ``data``: known items keep their rows,
        new items start as in ``fit``; ``freeze_existing`` keeps the old items' input rows fixed.
        Returns ``self``."""
        from ._continue import continue_sgns

        return continue_sgns(self, data, state, freeze_existing)

    def _vectors(self, inter: Any, syn0: np.ndarray, syn1neg: np.ndarray, seconds: float, result: Any = None) -> Any:
        extra = {"n_threads": thread_count(self.n_threads)}
        if result is not None:
            extra.update({EPOCHS_KEY: result.epochs_done},  interrupted=result.interrupted,
                         final_loss=result.loss_history[-1] if result.loss_history else None)
        output = syn1neg if self.scoring == "output" else None
        return _wrap(self, inter, syn0, None, seconds, user_mode=self.user_vectors,
                     score="dot" if self.scoring == "output" else "cosine",
                     half_life=float(self.recency_half_life), extra=extra, output=output)

    def current_vectors(self) -> Any:
        """The vectors as they stand, also inside epoch callbacks (tuning prunes on them)."""
        live = getattr(self, "_live", None)
        if live is None:
            check_is_fitted(self)
            return self.vectors_
        inter, syn0, syn1neg = live
        return self._vectors(inter, syn0.copy(), syn1neg.copy(), 0.0)
