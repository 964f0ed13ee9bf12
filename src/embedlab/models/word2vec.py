"""Word2Vec: skip-gram and CBOW with negative sampling and/or hierarchical softmax.

The estimator builds a :class:`~embedlab.corpus.Vocabulary` (optionally after phrase detection),
encodes the corpus once into flat int32 ids, then trains them with the skip-gram trainer shared
with item2vec and node2vec (:mod:`embedlab.models._sgns`: the compiled kernels of
:mod:`embedlab.kernels.sgns` chunk by chunk through :func:`~embedlab.models._sgd.run_sgd`, with
linear learning-rate decay, progress, callbacks, Ctrl-C, NaN checks); checkpoints are its own.

Reproducibility: ``random_state`` + ``n_threads=1`` gives bit-identical vectors. With more
threads the updates are lock-free (Hogwild) and results are statistically equivalent; the
reported loss is the mean loss per training example on any thread count (comparable, not equal:
it moves with the vectors).
``deterministic=True`` trains with :mod:`embedlab.kernels.deterministic` instead (fixed shards,
mini-batches merged in a fixed order): the same seed gives bit-identical vectors on any number
of threads and on every run. Models built on this driver (``_train``) inherit the mode.
"""

from __future__ import annotations

import ctypes
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._fileio import atomic_path
from .._progress import logger
from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError
from ..kernels._half import HALF_DTYPES
from ._meta import EPOCHS_KEY, draw_seed, json_params, thread_count
from ._meta import versions as _versions
from ._plan import check_training_memory
from ._sgns import EncodedSequences, SGNSOptions, SGNSTrainer, init_weights

__all__ = ["Word2Vec"]

_CHECKPOINT_KIND = "embedlab-word2vec-checkpoint"
_CHUNK_TOKENS_PER_THREAD = 200_000
_DETERMINISTIC_CHUNK_TOKENS = 800_000  # deterministic mode: chunks independent of the thread count


class Word2Vec(BaseEmbedder):
    """Word2vec embeddings (Mikolov et al. 2013) trained with compiled, multi-threaded kernels.

    Parameters follow gensim's names where they exist, with words instead of flags:
    ``architecture="skipgram"|"cbow"``, ``hs=True`` for hierarchical softmax (``negative=0``
    turns negative sampling off). ``fit(corpus)`` accepts a path, a list of paths, a
    :class:`~embedlab.corpus.Corpus` or a re-iterable of token lists.
    ``output_dtype="float16"`` stores the negative-sampling output weights (``syn1neg_``, which
    no saved vector file contains) in half precision with stochastic rounding: that matrix takes
    half the memory (230k words x 300: 138 MB less) while the vectors stay float32.

    Learned attributes: ``vectors_`` (:class:`~embedlab.vectors.KeyedVectors` with metadata),
    ``vocab_``, ``phrases_``, ``loss_history_`` (mean loss per training example, one value per
    epoch), ``epoch_metrics_``, ``interrupted_``, ``random_state_`` (the seed used),
    ``training_seconds_``.
    """

    name: ClassVar[str] = "word2vec"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(50, 300))],
        "architecture": [Options(("skipgram", "cbow"), search=True)],
        "window": [Interval(int, 1, None, search=(2, 10))],
        "negative": [Interval(int, 0, None, search=(2, 15))],
        "hs": [Options((False, True), search=True)],
        "sample": [Interval(float, 0, None, search=(1e-5, 1e-2), log=True)],
        "min_count": [Interval(int, 1, None, search=(1, 20))],
        "max_vocab_size": [Interval(int, 1, None), None],
        "epochs": [Interval(int, 1, None, search=(1, 15))],
        "alpha": [Interval(float, 0, None, closed="neither", search=(0.005, 0.1), log=True)],
        "min_alpha": [Interval(float, 0, None)],
        "cbow_mean": [bool],
        "shrink_windows": [bool],
        "ns_exponent": [Interval(float, -10, 10)],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "phrases": [bool],
        "lowercase": [bool],
        "show_progress": [bool],
        "callbacks": [Callable_(allow_list=True), None],
        "checkpoint_every": [Interval(int, 0, None)],
        "checkpoint_path": [str, os.PathLike, None],
        "deterministic": [bool],
        "output_dtype": [Options(HALF_DTYPES)],
    }

    def __init__(
        self,
        vector_size: int = 100,
        architecture: str = "skipgram",
        window: int = 5,
        negative: int = 5,
        hs: bool = False,
        sample: float = 1e-3,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        epochs: int = 5,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        cbow_mean: bool = True,
        shrink_windows: bool = True,
        ns_exponent: float = 0.75,
        n_threads: int | None = None,
        random_state: int | None = None,
        phrases: bool = False,
        lowercase: bool = True,
        show_progress: bool = True,
        callbacks: Any = None,
        checkpoint_every: int = 0,
        checkpoint_path: str | os.PathLike[str] | None = None,
        deterministic: bool = False,
        output_dtype: str = "float32",
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
        self.cbow_mean = cbow_mean
        self.shrink_windows = shrink_windows
        self.ns_exponent = ns_exponent
        self.n_threads = n_threads
        self.random_state = random_state
        self.phrases = phrases
        self.lowercase = lowercase
        self.show_progress = show_progress
        self.callbacks = callbacks
        self.checkpoint_every = checkpoint_every
        self.checkpoint_path = checkpoint_path
        self.deterministic = deterministic
        self.output_dtype = output_dtype

    # ------------------------------------------------------------------ validation
    def _check_relations(self, params: Mapping[str, Any]) -> None:
        if params["negative"] == 0 and not params["hs"]:
            raise InvalidParameterError(
                "Word2Vec: negative=0 and hs=False leave nothing to train; set negative > 0 or hs=True"
            )
        if params["min_alpha"] > params["alpha"]:
            raise InvalidParameterError(
                f"Word2Vec: parameter 'min_alpha' ({params['min_alpha']}) must not exceed alpha ({params['alpha']})"
            )
        if params["output_dtype"] != "float32" and params["negative"] == 0:
            raise InvalidParameterError(
                f"Word2Vec: output_dtype={params['output_dtype']!r} stores the negative-sampling output weights; "
                "it needs negative > 0 (hierarchical softmax's inner nodes stay float32)"
            )
        if params["checkpoint_every"] > 0 and params["checkpoint_path"] is None:
            raise InvalidParameterError(
                "Word2Vec: checkpoint_every > 0 needs checkpoint_path (where to write the checkpoint)"
            )

    # ------------------------------------------------------------------ corpus
    def _sentences(self, corpus: Any) -> Any:
        from ..corpus import Corpus, as_sentences

        if isinstance(corpus, (str, os.PathLike)) or (
            isinstance(corpus, (list, tuple)) and corpus and all(isinstance(c, (str, os.PathLike)) for c in corpus)
        ):
            return Corpus(corpus, lowercase=self.lowercase)
        return as_sentences(corpus)

    # the hyperparameters that change the vocabulary or the ids (see prepare_corpus)
    _corpus_params: ClassVar[tuple[str, ...]] = ("min_count", "max_vocab_size", "phrases", "lowercase")

    def prepare_corpus(self, corpus: Any) -> Any:
        """Read, count and encode ``corpus`` once: a :class:`~embedlab.corpus.prepared.PreparedCorpus`
        that ``fit`` accepts in place of the corpus, for any params with the same corpus settings
        (``min_count``, ``max_vocab_size``, ``phrases``, ``lowercase``). The caller closes it."""
        from ..corpus.prepared import PreparedCorpus

        self._validate_params()
        vocab, phrases, encoded = self._prepare(corpus)
        settings = {k: getattr(self, k) for k in self._corpus_params}
        return PreparedCorpus(vocab=vocab, encoded=encoded, phrases=phrases, settings=settings)

    def _prepared(self, prepared: Any, vocab: Any, phrases: Any) -> tuple[Any, Any, Any]:
        """Vocabulary, phrases and a borrowed view of the ids of a prepared corpus (checked)."""
        if vocab is not None or phrases is not None:
            raise InvalidParameterError("Word2Vec.resume needs the corpus itself, not a PreparedCorpus")
        ours = {k: getattr(self, k) for k in self._corpus_params}
        if dict(prepared.settings) != ours:
            raise InvalidParameterError(
                f"Word2Vec: the PreparedCorpus was built with {dict(prepared.settings)} but this model has "
                f"{ours}; prepare it with this model's corpus settings"
            )
        return prepared.vocab, prepared.phrases, prepared.borrow()

    def _prepare(self, corpus: Any, vocab: Any = None, phrases: Any = None) -> tuple[Any, Any, Any]:
        """Vocabulary (built unless given), phrases and the encoded corpus."""
        from ..corpus import Phrases, PhrasedSentences, Vocabulary, encode
        from ..corpus.prepared import PreparedCorpus

        if isinstance(corpus, PreparedCorpus):
            return self._prepared(corpus, vocab, phrases)
        sentences = self._sentences(corpus)
        if self.phrases:
            if phrases is None:
                phrases = Phrases().fit(sentences)
            sentences = PhrasedSentences(sentences, phrases)
        if vocab is None:
            vocab = Vocabulary.build(
                sentences, min_count=self.min_count, max_vocab_size=self.max_vocab_size,
                show_progress=self.show_progress,
            )
        encoded = encode(sentences, vocab)
        _release_free_memory()
        return vocab, phrases, encoded

    # ------------------------------------------------------------------ training
    def fit(self, corpus: Any) -> Word2Vec:
        """Learn word vectors from ``corpus`` and return ``self``."""
        self._validate_params()
        t0 = time.perf_counter()
        seed = draw_seed(self.random_state)
        vocab, phrases, encoded = self._prepare(corpus)
        try:
            check_training_memory(self, vocab, encoded)
            syn0, syn1neg, syn1 = init_weights(len(vocab), self.vector_size, seed, negative=self.negative > 0,
                                               hs=self.hs, output_dtype=self.output_dtype)
            state = {"epochs_done": 0, "work_done": 0, "loss_history": [], "epoch_metrics": []}
            self._train(encoded, vocab, phrases, seed, syn0, syn1neg, syn1, state, t0)
        finally:
            encoded.close()
        return self

    def _options(self) -> SGNSOptions:
        return SGNSOptions(skipgram=self.architecture == "skipgram", negative=int(self.negative), hs=bool(self.hs),
                           window=int(self.window), shrink_windows=bool(self.shrink_windows),
                           cbow_mean=bool(self.cbow_mean), sample=float(self.sample),
                           ns_exponent=float(self.ns_exponent), deterministic=bool(self.deterministic))

    def _train(self, encoded: Any, vocab: Any, phrases: Any, seed: int, syn0: np.ndarray,
               syn1neg: np.ndarray, syn1: np.ndarray, state: dict[str, Any], t0: float) -> None:
        n_threads = thread_count(self.n_threads)
        if syn1neg.dtype != np.dtype(self.output_dtype):  # a state or checkpoint of the other precision
            syn1neg = syn1neg.astype(self.output_dtype)
        source = EncodedSequences(encoded.ids, encoded.offsets, chunk_work=_CHUNK_TOKENS_PER_THREAD,
                                  deterministic_chunk_work=_DETERMINISTIC_CHUNK_TOKENS)
        offsets = source.offsets
        trainer = SGNSTrainer(self._options(), vocab.counts, seed=seed, n_threads=n_threads,
                              frozen=getattr(self, "_frozen", None))
        per_epoch = int(offsets[-1])

        def checkpoint(epochs_done: int) -> None:
            if self.checkpoint_every > 0 and epochs_done % self.checkpoint_every == 0 and epochs_done < self.epochs:
                snapshot = dict(state, epochs_done=epochs_done, work_done=epochs_done * per_epoch,
                                loss_history=state["loss_history"] + [m["loss"] for m in result_metrics],
                                epoch_metrics=state["epoch_metrics"] + result_metrics,
                                training_seconds=float(state.get("training_seconds", 0.0)) + result_metrics[-1]["elapsed"],
                                corpus={"n_sentences": int(offsets.shape[0] - 1), "n_tokens": per_epoch})
                self._write_checkpoint(Path(self.checkpoint_path), vocab, phrases, seed, syn0, syn1neg, syn1, snapshot)

        result_metrics: list[dict[str, Any]] = []
        self._live = (vocab, syn0)  # for current_vectors() in epoch callbacks (tuning's pruning)
        # chunk work is counted in encoded tokens: the lr clock of chunk (lo, hi)
        result = trainer.train(
            source, syn0, syn1neg, syn1, epochs=self.epochs, alpha=float(self.alpha), min_alpha=float(self.min_alpha),
            callbacks=self._epoch_callbacks(result_metrics, checkpoint), show_progress=self.show_progress,
            description="word2vec", owner="Word2Vec", start_epoch=state["epochs_done"], work_done=state["work_done"],
        )
        if self.checkpoint_every > 0 and result.epochs_done >= self.epochs and not result.interrupted:
            self._remove_checkpoint(Path(self.checkpoint_path))
        from ..vectors import KeyedVectors

        self.vocab_ = vocab
        self.phrases_ = phrases
        self.random_state_ = seed
        self.loss_history_ = state["loss_history"] + result.loss_history
        self.epoch_metrics_ = state["epoch_metrics"] + result.epoch_metrics
        self.interrupted_ = result.interrupted
        self.training_seconds_ = float(state.get("training_seconds", 0.0)) + result.seconds
        self.syn1neg_ = syn1neg
        self.syn1_ = syn1
        metadata = {
            "method": "word2vec",
            "params": json_params(self.get_params()),
            "corpus": {
                "total_words": int(vocab.total_words),
                "trained_tokens": int(offsets[-1]),
                "vocab_size": len(vocab),
                "sentences": int(vocab.n_sentences),
            },
            "versions": _versions(),
            "seed": int(seed),
            "n_threads": n_threads,
            "training_seconds": round(self.training_seconds_, 3),
            "fit_seconds": round(time.perf_counter() - t0, 3),
            EPOCHS_KEY: result.epochs_done,
            "final_loss": self.loss_history_[-1] if self.loss_history_ else None,
            "interrupted": result.interrupted,
        }
        self.vectors_ = KeyedVectors.from_vocabulary(vocab, syn0, metadata=metadata)

    def plan(self, corpus: Any, memory: int | str | None = None) -> Any:
        """Predicted peak memory of ``fit(corpus)`` per stage (:class:`embedlab.planning.Plan`), with
        parameter values that fit when it does not fit in ``memory`` (default: available memory)."""
        from ._plan import plan

        return plan(self, corpus, memory=memory)

    def current_vectors(self) -> Any:
        """The vectors as they stand, also inside epoch callbacks while training (no copy).

        Tuning evaluates them after every epoch to prune bad trials early.
        """
        live = getattr(self, "_live", None)
        if live is None:
            check_is_fitted(self)
            return self.vectors_
        from ..vectors import KeyedVectors

        vocab, syn0 = live
        return KeyedVectors(vocab.words, syn0, counts=vocab.counts)

    def _epoch_callbacks(self, sink: list[dict[str, Any]], checkpoint: Any) -> list[Any]:
        """The user's callbacks, preceded by one that records the metrics and writes checkpoints
        (so a checkpoint exists even when a user callback then stops or prunes the run)."""

        def record(epoch: int, elapsed: float, metrics: dict[str, Any]) -> None:
            sink.append(dict(metrics))
            checkpoint(epoch)

        user = self.callbacks
        user_list = [] if user is None else ([user] if callable(user) else list(user))
        return [record, *user_list]

    # ------------------------------------------------------------------ continued training (models/_state.py)
    def save_state(self, path: str | os.PathLike[str]) -> Path:
        """Write the full training state (input and output weights, vocabulary with counts,
        learning-rate position, hyperparameters) to ``path`` (.npz with JSON metadata, no pickle)."""
        from ._continue import save_word2vec_state

        return save_word2vec_state(self, path)

    def continue_training(self, corpus: Any, state: str | os.PathLike[str], *, freeze_existing: bool = False) -> Word2Vec:
        """Train the saved ``state`` further on ``corpus``: the vocabulary grows with the new words
        (new rows initialised as in ``fit``), old rows start from the state; this model's training
        hyperparameters apply, its structural ones must match the state's. ``freeze_existing``
        keeps the old words' vectors fixed. Returns ``self``."""
        from ._continue import continue_word2vec

        return continue_word2vec(self, corpus, state, freeze_existing)

    def fit_from_vectors(self, corpus: Any, vectors: Any, *, freeze_existing: bool = False) -> Word2Vec:
        """``fit`` with the input rows of words found in ``vectors`` (KeyedVectors, e.g. GloVe)
        initialised from them (domain adaptation). Returns ``self``."""
        from ._continue import word2vec_from_vectors

        return word2vec_from_vectors(self, corpus, vectors, freeze_existing)

    # ------------------------------------------------------------------ checkpoints
    def _write_checkpoint(self, path: Path, vocab: Any, phrases: Any, seed: int, syn0: np.ndarray,
                          syn1neg: np.ndarray, syn1: np.ndarray, state: dict[str, Any]) -> None:
        meta = {
            "kind": _CHECKPOINT_KIND,
            "version": 1,
            "params": json_params(self.get_params()),
            "vocab": vocab.to_dict(),
            "phrases": phrases.to_dict() if phrases is not None else None,
            "seed": int(seed),
            "rng": {"generator": "xorshift64*", "derived_from": ["seed", "epoch", "chunk", "thread"],
                    "next_epoch": state["epochs_done"]},
            "epochs_done": state["epochs_done"],
            "work_done": state["work_done"],
            "loss_history": state["loss_history"],
            "epoch_metrics": state["epoch_metrics"],
            "training_seconds": state.get("training_seconds", 0.0),
            # what was trained on: the encoded corpus's shape, and where a caller said it came from
            "corpus": state.get("corpus"),
            "source": getattr(self, "corpus_source", None),
        }
        blob = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        with atomic_path(path, suffix=".npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, syn0=syn0, syn1neg=syn1neg, syn1=syn1, meta=blob)
        logger.info("Word2Vec: checkpoint after epoch %d written to %s", state["epochs_done"], path)

    @staticmethod
    def _remove_checkpoint(path: Path) -> None:
        """A finished run's checkpoint is stale (it holds an earlier epoch): remove it."""
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            logger.warning("Word2Vec: training finished but the old checkpoint %s could not be removed (%s)", path, exc)
            return
        logger.info("Word2Vec: training finished; checkpoint %s removed", path)

    @staticmethod
    def _read_checkpoint(path: Path, arrays: bool = True) -> tuple[dict[str, Any], tuple[np.ndarray, ...]]:
        if not path.is_file():
            raise InputFileError(f"{path}: checkpoint not found; give the checkpoint_path of the interrupted run")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode("utf-8"))
                syn = (data["syn0"], data["syn1neg"], data["syn1"]) if arrays else ()
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
            raise FormatError(f"{path}: not a readable word2vec checkpoint ({exc})") from None
        if meta.get("kind") != _CHECKPOINT_KIND:
            raise FormatError(f"{path}: not a word2vec checkpoint (kind={meta.get('kind')!r})")
        return meta, syn

    @classmethod
    def checkpoint_params(cls, checkpoint_path: str | os.PathLike[str]) -> tuple[dict[str, Any], int]:
        """The hyperparameters a checkpoint was written with, and its completed epochs."""
        meta, _ = cls._read_checkpoint(Path(checkpoint_path), arrays=False)
        return dict(meta["params"]), int(meta["epochs_done"])

    @classmethod
    def checkpoint_source(cls, checkpoint_path: str | os.PathLike[str]) -> Any:
        """The ``corpus_source`` recorded when the checkpoint was written (None if none was set)."""
        meta, _ = cls._read_checkpoint(Path(checkpoint_path), arrays=False)
        return meta.get("source")

    @classmethod
    def resume(cls, checkpoint_path: str | os.PathLike[str], corpus: Any, *, callbacks: Any = None,
               show_progress: bool | None = None, n_threads: int | None = None) -> Word2Vec:
        """Continue training from a checkpoint written with ``checkpoint_every``/``checkpoint_path``.

        ``corpus`` must be the corpus of the original run; the hyperparameters are the
        checkpoint's (only ``n_threads`` and progress may change). With ``n_threads=1`` and a
        seed, the result equals an uninterrupted run bit for bit. A run that finishes removes its
        checkpoint.
        """
        from ..corpus import Phrases, Vocabulary

        path = Path(checkpoint_path)
        meta, (syn0, syn1neg, syn1) = cls._read_checkpoint(path)
        params = dict(meta["params"])
        params["callbacks"] = callbacks
        if show_progress is not None:
            params["show_progress"] = show_progress
        if n_threads is not None:
            params["n_threads"] = n_threads
        params["checkpoint_path"] = str(path)  # later checkpoints (and the final removal) use this file
        model = cls(**params)
        model._validate_params()
        vocab = Vocabulary.from_dict(meta["vocab"])
        phrases = Phrases.from_dict(meta["phrases"]) if meta.get("phrases") else None
        t0 = time.perf_counter()
        _, phrases, encoded = model._prepare(corpus, vocab=vocab, phrases=phrases)
        saved = meta.get("corpus")
        now = {"n_sentences": int(encoded.n_sentences), "n_tokens": int(encoded.n_tokens)}
        if saved and saved != now:
            encoded.close()
            raise DataError(
                f"{path}: the checkpoint is of a run on another corpus ({saved['n_sentences']:,} sentences, "
                f"{saved['n_tokens']:,} tokens in its vocabulary; this corpus has {now['n_sentences']:,} and "
                f"{now['n_tokens']:,}): resume with the corpus of the interrupted run, or start a new run")
        model.corpus_source = meta.get("source")
        state = {k: meta[k] for k in ("epochs_done", "work_done", "loss_history", "epoch_metrics", "training_seconds")}
        state["corpus"] = saved
        logger.info("Word2Vec: resuming from %s after epoch %d/%d", path, state["epochs_done"], model.epochs)
        try:
            model._train(encoded, vocab, phrases, int(meta["seed"]), syn0, syn1neg, syn1, state, t0)
        finally:
            encoded.close()
        return model


def _release_free_memory() -> None:
    """Give the heap pages freed by vocabulary building back to the OS (glibc only) so that
    they do not add to the peak memory of training."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass
