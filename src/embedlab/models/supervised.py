"""Supervised text classifier in fastText's shape (Joulin et al. 2017, "Bag of Tricks").

A text is the mean of the input rows of its words (split at whitespace, plus fastText's
end-of-line token ``</s>``), optionally of its words' character n-grams (``min_n..max_n``,
hashed as fastText hashes them) and of its hashed word n-grams (``word_ngrams``); a linear layer
maps it to the labels with softmax, hierarchical softmax (``loss="hs"``, a Huffman tree over
label counts) or one logistic loss per label (``loss="ova"``, for several labels per text).
Hogwild SGD with a learning rate falling linearly to 0, multi-threaded; pre-trained word vectors
may initialise the input rows (``init_vectors``, as fastText's ``-pretrainedVectors``: their
words join the vocabulary). Only hash buckets that training text uses get a row.

The learned embedding layer is ``vectors_`` (KeyedVectors of the vocabulary; SubwordKeyedVectors
when character n-grams are on, so unseen words get vectors) and the output layer
``label_vectors_`` (softmax / one-vs-all). The model is saved as one npz file (arrays + JSON,
never pickle) with :meth:`SupervisedClassifier.save` / :meth:`SupervisedClassifier.load`.

One thread and a fixed ``random_state`` give identical models; several threads give
statistically equivalent ones (Hogwild updates race).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
import time
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._progress import logger
from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError
from ._meta import EPOCHS_KEY, draw_seed, epochs_trained, thread_count
from ._meta import versions as _versions
from ._sgd import ChunkStats, run_sgd
from ._supervised_prep import EOS, _Encoded, _keep_rows, _Prepared, _tokenize, _with_eos

__all__ = ["SupervisedClassifier", "EOS", "LABEL_PREFIX"]

LABEL_PREFIX = "__label__"
_BLOCK_TOKENS = 1_000_000  # tokens per kernel call and thread: progress / Ctrl-C granularity
_FORMAT_TAG = "embedlab-supervised"
_VERSION = 1
_LOSSES = {"softmax": 0, "hs": 1, "ova": 2}


class SupervisedClassifier(BaseEmbedder):
    """fastText-style supervised classifier; ``fit(texts, labels)`` or ``fit(path)`` returns ``self``.

    ``predict`` / ``predict_proba`` / ``predict_topk`` label new texts. Learned attributes:
    ``classes_`` (labels, most frequent first), ``vectors_`` (the embedding layer),
    ``label_vectors_``, ``loss_history_``, ``epoch_metrics_``, ``interrupted_``, ``warnings_``.
    """

    name: ClassVar[str] = "supervised"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(10, 200))],
        "epochs": [Interval(int, 1, None, search=(2, 50))],
        "alpha": [Interval(float, 0, None, closed="neither", search=(0.01, 2.0), log=True)],
        "min_alpha": [Interval(float, 0, None)],
        "word_ngrams": [Interval(int, 1, None, search=(1, 3))],
        "min_count": [Interval(int, 1, None, search=(1, 3))],
        "min_n": [Interval(int, 1, None)],
        "max_n": [Interval(int, 0, None)],
        "bucket": [Interval(int, 0, 2**31 - 1, search=(100_000, 2_000_000), log=True)],
        "loss": [Options(("softmax", "hs", "ova"))],
        "init_vectors": [str, os.PathLike, None],
        "lowercase": [bool],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [bool],
        "callbacks": [Callable_(allow_list=True), None],
    }

    def __init__(
        self,
        vector_size: int = 100,
        epochs: int = 5,
        alpha: float = 0.1,
        min_alpha: float = 0.0,
        word_ngrams: int = 1,
        min_count: int = 1,
        min_n: int = 3,
        max_n: int = 0,
        bucket: int = 2_000_000,
        loss: str = "softmax",
        init_vectors: str | os.PathLike[str] | None = None,
        lowercase: bool = False,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
        callbacks: Any = None,
    ) -> None:
        self.vector_size = vector_size
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.word_ngrams = word_ngrams
        self.min_count = min_count
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket
        self.loss = loss
        self.init_vectors = init_vectors
        self.lowercase = lowercase
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    def _check_relations(self, params: Mapping[str, Any]) -> None:
        if params["max_n"] > 0 and params["min_n"] > params["max_n"]:
            raise InvalidParameterError(
                f"SupervisedClassifier: min_n={params['min_n']} is larger than max_n={params['max_n']}; "
                "set min_n <= max_n (or max_n=0 to turn character n-grams off)"
            )
        if params["bucket"] == 0 and (params["max_n"] > 0 or params["word_ngrams"] > 1):
            raise InvalidParameterError(
                "SupervisedClassifier: bucket=0 leaves no rows for the n-grams; set bucket > 0 "
                "(fastText uses 2000000) or word_ngrams=1 and max_n=0"
            )
        if params["min_alpha"] > params["alpha"]:
            raise InvalidParameterError(
                f"SupervisedClassifier: min_alpha={params['min_alpha']} is larger than alpha={params['alpha']}"
            )

    @property
    def _uses_buckets(self) -> bool:
        return self.bucket > 0 and (self.max_n > 0 or self.word_ngrams > 1)

    # ------------------------------------------------------------------ data
    @staticmethod
    def _read(data: Any, y: Any) -> tuple[list[str], list[list[str]], str, list[int]]:
        if isinstance(data, (str, os.PathLike)):
            if y is not None:
                raise InvalidParameterError("fit(path) reads the labels from the file; do not pass y")
            from ..corpus.labelled import read_labelled

            data = read_labelled(data)
        if y is None and hasattr(data, "labels") and (hasattr(data, "texts") or hasattr(data, "tokens")):
            # LabelledLines (word lists of a fastText file are used as they are) / LabelledTexts
            ys = data.labels if all(type(v) is list for v in data.labels) else [
                list(v) if isinstance(v, (list, tuple)) else [v] for v in data.labels]
            tokens = getattr(data, "tokens", None)
            texts = tokens if tokens is not None else list(data.texts)
            return texts, ys, str(getattr(data, "source", "the training data")), list(getattr(data, "lines", []))
        if y is None:
            raise InvalidParameterError("fit(texts, labels): labels are missing; pass one label (or list) per text")
        texts = list(data)
        ys = [list(v) if isinstance(v, (list, tuple)) else [v] for v in y]
        if len(texts) != len(ys):
            raise DataError(f"{len(texts)} texts but {len(ys)} labels; give one label (or list) per text")
        for i, (t, labs) in enumerate(zip(texts, ys)):
            if not isinstance(t, str):
                raise DataError(f"text {i} is a {type(t).__name__}; give strings (whitespace-separated words)")
            if not labs or any(not str(v).strip() for v in labs):
                raise DataError(f"text {i} has no label; give one label (or a non-empty list) per text")
        return texts, [[str(v) for v in labs] for labs in ys], "the training data", []

    def fit(self, data: Any, y: Any = None) -> SupervisedClassifier:
        """Train on ``data`` (a labelled file) or on texts ``data`` with labels ``y``.

        A file is fastText's ``__label__X text`` lines or a CSV/TSV/JSONL with text and label
        columns (or what :func:`embedlab.corpus.labelled.read_labelled` returns); ``y`` holds one
        label or a list of labels per text.
        """
        self._validate_params()
        t0 = time.perf_counter()
        prepared = self._prepare(data, y)
        self._train(prepared)
        self.vectors_.metadata["total_seconds"] = round(time.perf_counter() - t0, 3)
        return self

    def _prepare(self, data: Any, y: Any) -> _Prepared:
        """Tokens (with ``</s>``) and label ids of the training texts; empty texts dropped."""
        if isinstance(data, (str, os.PathLike)):
            if y is not None:
                raise InvalidParameterError("fit(path) reads the labels from the file; do not pass y")
            from ..corpus.labelled import read_labelled

            data = read_labelled(data)
        encoded = getattr(data, "encoded", None) if y is None else None
        if encoded is not None and not self.lowercase:  # a fastText file split by the compiled reader
            word_ptr, word_ids, lab_ptr, label_ids, strings, classes = encoded
            tok, offsets, uniq = _with_eos(word_ptr, word_ids, list(strings))
            classes = list(classes)
            label_ids = label_ids.astype(np.int64)
            source, lines = data.source, list(data.lines)
        else:
            texts, labels, source, lines = self._read(data, y)
            tok, offsets, uniq = _tokenize(texts, self.lowercase)
            lab_ptr = np.zeros(len(labels) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, labels), dtype=np.int64, count=len(labels)), out=lab_ptr[1:])
            index: dict[str, int] = {}
            label_ids = np.fromiter((index.setdefault(v, len(index)) for labs in labels for v in labs),
                                    dtype=np.int64, count=int(lab_ptr[-1]))
            classes = list(index)
        n_texts = offsets.shape[0] - 1
        warnings: list[str] = []
        empty = np.diff(offsets) == 1  # only </s>
        if empty.all():
            raise DataError(f"{source}: every text is empty; a classifier needs words to learn from")
        if empty.any():
            first = int(np.flatnonzero(empty)[0])
            where = f"line {lines[first]}" if lines else f"text {first}"
            msg = f"{source}: dropped {int(empty.sum())} empty text(s) (first at {where})"
            logger.warning(msg)
            warnings.append(msg)
            tok, offsets = _keep_rows(tok, offsets, ~empty)
            label_ids, lab_ptr = _keep_rows(label_ids, lab_ptr, ~empty)
            n_texts = offsets.shape[0] - 1
        counts = np.bincount(label_ids, minlength=len(classes))
        present = np.flatnonzero(counts)
        if present.shape[0] < 2:
            raise DataError(
                f"{source}: every text has the label {classes[int(present[0])]!r}; a classifier needs at least 2 labels"
            )
        order = present[np.argsort(-counts[present], kind="mergesort")]  # most frequent first
        remap = np.full(len(classes), -1, dtype=np.int64)
        remap[order] = np.arange(order.shape[0])
        return _Prepared(tok, offsets, uniq, lab_ptr, remap[label_ids], [classes[i] for i in order],
                         counts[order].astype(np.int64), source, warnings, n_texts)

    # ------------------------------------------------------------------ encoding
    def _token_table(self, tokens: Sequence[str], word_ids: np.ndarray, nwords: int) -> tuple[np.ndarray, np.ndarray]:
        """CSR of raw input rows per distinct token: its word row (if known), then its n-gram rows."""
        n = len(tokens)
        has_word = word_ids >= 0
        if self.max_n > 0 and self.bucket > 0:
            from ..vectors.subword import subword_rows

            ng_ptr, ng_idx = subword_rows(tokens, self.min_n, self.max_n, self.bucket, row_offset=nwords)
            ng_cnt = np.diff(ng_ptr)
            eos = [i for i, t in enumerate(tokens) if t == EOS]
            if eos:  # fastText's end-of-line token has no n-grams
                drop = np.zeros(ng_idx.shape[0], dtype=bool)
                for e in eos:
                    drop[ng_ptr[e]:ng_ptr[e + 1]] = True
                    ng_cnt[e] = 0
                ng_idx = ng_idx[~drop]
        else:
            ng_cnt = np.zeros(n, dtype=np.int64)
            ng_idx = np.zeros(0, dtype=np.int64)
        cnt = has_word.astype(np.int64) + ng_cnt
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(cnt, out=ptr[1:])
        rows = np.empty(int(ptr[-1]), dtype=np.int64)
        rows[ptr[:-1][has_word]] = word_ids[has_word]
        if ng_idx.size:
            owner = np.repeat(np.arange(n), ng_cnt)
            start = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(ng_cnt, out=start[1:])
            within = np.arange(ng_idx.shape[0]) - start[owner]
            rows[ptr[owner] + has_word[owner] + within] = ng_idx
        return ptr, rows

    def _encode(self, texts: Sequence[str], word_index: Mapping[str, int], nwords: int,
                bucket_map: np.ndarray, n_used: int, grow: bool, tokens: Any = None) -> tuple[_Encoded, int]:
        from ..kernels.supervised import line_rows, map_buckets, token_hashes

        tok, offsets, uniq = tokens if tokens is not None else _tokenize(texts, self.lowercase)
        word_ids = np.fromiter((word_index.get(t, -1) for t in uniq), dtype=np.int64, count=len(uniq))
        ptr, rows = self._token_table(uniq, word_ids, nwords)
        if self._uses_buckets:
            n_used = map_buckets(rows, nwords, bucket_map, n_used, grow)
            encoded = [t.encode("utf-8", "surrogateescape") for t in uniq]
            tok_off = np.zeros(len(uniq) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=tok_off[1:])
            buf = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, np.uint8)
            hashes = token_hashes(buf, tok_off)
            word_ngrams = self.word_ngrams
        else:
            hashes = np.zeros(len(uniq), dtype=np.int64)
            word_ngrams = 1
        indptr, in_rows, n_used = line_rows(tok, offsets, ptr, rows, hashes, word_ngrams, self.bucket, nwords,
                                            bucket_map, n_used, grow)
        return _Encoded(indptr, in_rows, np.diff(offsets)), n_used

    # ------------------------------------------------------------------ training
    def _initial_vectors(self) -> Any:
        if self.init_vectors is None:
            return None
        from ..vectors.pretrained import resolve_vectors

        kv = resolve_vectors(self.init_vectors)
        if kv.vector_size != self.vector_size:
            raise InvalidParameterError(
                f"SupervisedClassifier: init_vectors {self.init_vectors} have dimension {kv.vector_size} but "
                f"vector_size={self.vector_size}; set vector_size={kv.vector_size}"
            )
        return kv

    def _train(self, prep: _Prepared) -> None:
        from ..kernels._rng import seed_states
        from ..kernels.hs import build_huffman
        from ..kernels.supervised import slice_bounds, train_slice

        seed = draw_seed(self.random_state)
        n_threads = thread_count(self.n_threads)
        dim = self.vector_size
        t_start = time.perf_counter()
        pretrained = self._initial_vectors()
        # vocabulary: tokens with count >= min_count, most frequent first (then pre-trained words)
        tok, offsets, uniq = prep.tok, prep.offsets, prep.uniq
        classes, label_counts, source, warnings = prep.classes, prep.label_counts, prep.source, prep.warnings
        counts = np.bincount(tok, minlength=len(uniq))
        order = np.argsort(-counts, kind="mergesort")
        order = order[counts[order] >= self.min_count]
        words = [uniq[i] for i in order]
        word_counts = counts[order].astype(np.int64)
        word_index = {w: i for i, w in enumerate(words)}
        n_train_words = len(words)
        if pretrained is not None:
            extra = [w for w in pretrained.index_to_key if w not in word_index]
            for w in extra:
                word_index[w] = len(words)
                words.append(w)
            word_counts = np.concatenate([word_counts, np.zeros(len(extra), dtype=np.int64)])
        nwords = len(words)
        bucket_map = np.full(self.bucket if self._uses_buckets else 0, -1, dtype=np.int32)
        enc, n_used = self._encode([], word_index, nwords, bucket_map, 0, True, (tok, offsets, uniq))
        lab_ptr, lab_ids = prep.lab_ptr, prep.lab_ids
        rng = np.random.default_rng(seed)
        w_in = rng.random((nwords + n_used, dim), dtype=np.float32)  # uniform(-1/dim, 1/dim) as fastText
        w_in *= np.float32(2.0 / dim)
        w_in -= np.float32(1.0 / dim)
        if pretrained is not None:
            rows = np.fromiter((word_index[w] for w in pretrained.index_to_key), dtype=np.int64,
                               count=len(pretrained))
            w_in[rows] = np.asarray(pretrained.vectors, dtype=np.float32)
        n_labels = len(classes)
        loss_kind = _LOSSES[self.loss]
        if self.loss == "hs":
            codes, points, lengths = build_huffman(label_counts.astype(np.int64))
            w_out = np.zeros((max(n_labels - 1, 1), dim), dtype=np.float32)
        else:
            codes, points = np.zeros((0, 1), dtype=np.uint8), np.zeros((0, 1), dtype=np.int32)
            lengths = np.zeros(0, dtype=np.int32)
            w_out = np.zeros((n_labels, dim), dtype=np.float32)
        n_texts = prep.n_texts
        cum = np.concatenate([[0], np.cumsum(enc.work)])
        block = _BLOCK_TOKENS * n_threads
        cuts = np.unique(np.searchsorted(cum, np.arange(0, int(cum[-1]), block), side="left"))
        blocks = np.append(cuts[cuts < n_texts], n_texts)
        chunks = [((int(blocks[b]), int(blocks[b + 1])), int(cum[blocks[b + 1]] - cum[blocks[b]]))
                  for b in range(len(blocks) - 1)]

        pool = ThreadPoolExecutor(n_threads) if n_threads > 1 else None

        def step(epoch: int, index: int, payload: tuple[int, int], a0: float, a1: float) -> ChunkStats:
            lo, hi = payload
            states = seed_states(seed, epoch, index, n=n_threads)
            bounds = slice_bounds(enc.work, lo, hi, n_threads)

            def run(t: int) -> tuple[float, int, Any]:
                return train_slice(enc.indptr, enc.rows, lab_ptr, lab_ids, enc.work, bounds[t], bounds[t + 1], w_in,
                                   w_out, codes, points, lengths, loss_kind, a0, a1, states[t])

            parts = list(pool.map(run, range(n_threads))) if pool is not None else [run(0)]
            return ChunkStats(float(sum(p[0] for p in parts)), float(sum(p[1] for p in parts)),
                              int(cum[hi] - cum[lo]))

        t_train = time.perf_counter()
        try:
            result = run_sgd(
                step, chunks, epochs=self.epochs, alpha=self.alpha, min_alpha=self.min_alpha,
                callbacks=self.callbacks, show_progress=self.show_progress, description="supervised",
                owner="SupervisedClassifier", check_finite=lambda: bool(np.isfinite(w_out).all()),
            )
        finally:
            if pool is not None:
                pool.shutdown()
        train_time = time.perf_counter() - t_train
        self.loss_history_ = result.loss_history
        self.epoch_metrics_ = result.epoch_metrics
        self.interrupted_ = result.interrupted
        self.warnings_ = warnings
        self.classes_ = list(classes)
        self.label_counts_ = np.asarray(label_counts, dtype=np.int64)
        self._state = {
            "words": words, "word_counts": word_counts, "word_index": word_index, "w_in": w_in, "w_out": w_out,
            "bucket_map": bucket_map, "n_used": n_used, "codes": codes, "points": points, "lengths": lengths,
        }
        params = {k: (str(v) if isinstance(v, os.PathLike) else v) for k, v in self.get_params().items()
                  if k != "callbacks"}
        self._metadata = {
            "method": self.name,
            "params": params,
            "seed": seed,
            "n_threads": n_threads,
            "source": source,
            "corpus": {
                "texts": n_texts,
                "tokens": int(cum[-1]),
                "vocabulary": nwords,
                "training_words": n_train_words,
                "bucket_rows": int(n_used),
                "labels": n_labels,
            },
            "training_seconds": round(train_time, 3),
            "setup_seconds": round(t_train - t_start, 3),
            EPOCHS_KEY: result.epochs_done,
            "interrupted": self.interrupted_,
            "versions": _versions(),
        }
        self._export()

    def _export(self) -> None:
        """``vectors_`` and ``label_vectors_`` from the trained rows."""
        from ..kernels.subword import compose_rows
        from ..vectors import KeyedVectors

        st = self._state
        words, w_in, nwords = st["words"], st["w_in"], len(st["words"])
        meta = dict(self._metadata)
        if self.max_n > 0 and self.bucket > 0:
            from ..kernels.supervised import map_buckets
            from ..vectors.subword import SubwordKeyedVectors

            ptr, rows = self._token_table(words, np.arange(nwords, dtype=np.int64), nwords)
            map_buckets(rows, nwords, st["bucket_map"], st["n_used"], False)
            vectors = compose_rows(w_in, ptr, rows)
            # n-gram rows shared with the word n-grams, as in fastText's input matrix
            self.vectors_ = SubwordKeyedVectors(
                words, vectors, np.ascontiguousarray(w_in[nwords:]), min_n=self.min_n, max_n=self.max_n,
                bucket=self.bucket, ngram_index=st["bucket_map"], counts=st["word_counts"], metadata=meta,
            )
        else:
            self.vectors_ = KeyedVectors(words, np.array(w_in[:nwords]), st["word_counts"], meta)
        if self.loss != "hs":
            self.label_vectors_ = KeyedVectors(self.classes_, np.array(st["w_out"]), self.label_counts_,
                                               {"method": self.name, "layer": "output"})
        else:
            self.label_vectors_ = None

    # ------------------------------------------------------------------ prediction
    def _hidden(self, texts: Sequence[str]) -> np.ndarray:
        from ..kernels.subword import compose_rows

        check_is_fitted(self, ("classes_",))
        if isinstance(texts, str):
            raise InvalidParameterError("give a list of texts, not one string (wrap it: [text])")
        st = self._state
        enc, _ = self._encode(list(texts), st["word_index"], len(st["words"]), st["bucket_map"], st["n_used"],
                              False)
        return compose_rows(st["w_in"], enc.indptr, enc.rows)

    def _scores(self, hidden: np.ndarray) -> np.ndarray:
        st = self._state
        z = hidden @ st["w_out"].T
        if self.loss == "softmax":
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            return z
        if self.loss == "ova":
            return 1.0 / (1.0 + np.exp(-z))
        # hierarchical softmax: p(label) = prod over its path of sigmoid(+-score of the inner node)
        codes, points, lengths = st["codes"], st["points"], st["lengths"]
        logp = np.zeros((hidden.shape[0], len(self.classes_)), dtype=np.float64)
        for lab in range(len(self.classes_)):
            n = int(lengths[lab])
            if n == 0:
                continue
            sign = 1.0 - 2.0 * codes[lab, :n].astype(np.float64)
            logp[:, lab] = -np.logaddexp(0.0, -(z[:, points[lab, :n]] * sign)).sum(axis=1)
        return np.exp(logp).astype(np.float32)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(n_texts, n_labels)`` probabilities in ``classes_`` order (independent ones for ``ova``)."""
        return self._scores(self._hidden(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most probable label of each text (array of strings)."""
        proba = self.predict_proba(texts)
        return np.asarray(self.classes_, dtype=object)[proba.argmax(axis=1)]

    def predict_topk(self, texts: Sequence[str], k: int = 1, threshold: float = 0.0) -> list[list[tuple[str, float]]]:
        """Up to ``k`` (label, probability) pairs per text with probability >= ``threshold``, best first.

        ``k = -1`` keeps every label above the threshold (fastText's ``-k -1``).
        """
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or (k < 1 and k != -1):
            raise InvalidParameterError(f"k must be a positive int or -1 (all labels); got {k!r}")
        if not 0.0 <= float(threshold) <= 1.0:
            raise InvalidParameterError(f"threshold must be in [0, 1]; got {threshold!r}")
        proba = self.predict_proba(texts)
        n_labels = proba.shape[1]
        kk = n_labels if k == -1 else min(int(k), n_labels)
        top = np.argsort(-proba, axis=1, kind="stable")[:, :kk]
        out = []
        for i in range(proba.shape[0]):
            row = []
            for j in top[i]:
                p = float(proba[i, j])
                if p < threshold:
                    break
                row.append((self.classes_[j], p))
            out.append(row)
        return out

    def scoring_target(self) -> SupervisedClassifier:
        """What tuning objectives score: the classifier itself (``classification:VALID`` predicts VALID)."""
        return self

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model to one npz file (arrays + JSON, no pickle), atomically."""
        from .._fileio import atomic_path

        check_is_fitted(self, ("classes_",))
        st = self._state
        target = Path(path)
        doc = {
            "format": _FORMAT_TAG, "version": _VERSION, "params": self._metadata["params"],
            "classes": self.classes_, "metadata": self._metadata, "n_used": int(st["n_used"]),
            "loss_history": [float(v) for v in self.loss_history_], "warnings": list(self.warnings_),
        }
        words = st["words"]
        encoded = [w.encode("utf-8", "surrogateescape") for w in words]
        arrays = {
            "w_in": st["w_in"], "w_out": st["w_out"],
            "word_bytes": np.frombuffer(b"".join(encoded), dtype=np.uint8),
            "word_lengths": np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
            "word_counts": st["word_counts"], "label_counts": self.label_counts_,
            "used_buckets": np.flatnonzero(st["bucket_map"] >= 0)[np.argsort(st["bucket_map"][st["bucket_map"] >= 0])]
            .astype(np.int64),
        }
        with atomic_path(target) as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                for name, arr in arrays.items():
                    with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                        np.lib.format.write_array(fh, np.ascontiguousarray(arr), allow_pickle=False)
                zf.writestr("model.json", json.dumps(doc, ensure_ascii=False).encode("utf-8"))
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SupervisedClassifier:
        """Read a model written by :meth:`save` (never unpickles anything)."""
        p = Path(path)
        if not p.is_file():
            raise InputFileError(f"{p}: no such model file; train one with `embedlab train supervised`")
        try:
            with zipfile.ZipFile(p) as zf:
                names = set(zf.namelist())
                if "model.json" not in names:
                    what = ("a vectors file (embedlab npz), not a supervised model" if "vectors.npy" in names
                            else "not an embedlab supervised model (no model.json inside)")
                    raise FormatError(f"{p}: {what}; train one with `embedlab train supervised`")
                doc = json.loads(zf.read("model.json").decode("utf-8"))
                arrays = {}
                for name in ("w_in", "w_out", "word_bytes", "word_lengths", "word_counts", "label_counts",
                             "used_buckets"):
                    with zf.open(f"{name}.npy") as fh:
                        arrays[name] = np.lib.format.read_array(fh, allow_pickle=False)
        except zipfile.BadZipFile:
            raise FormatError(f"{p}: not an embedlab supervised model (not a zip/npz file)") from None
        except FormatError:
            raise
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            raise FormatError(f"{p}: damaged supervised model ({exc})") from None
        if doc.get("format") != _FORMAT_TAG:
            raise FormatError(f"{p}: not an embedlab supervised model (format {doc.get('format')!r})")
        model = cls(**{k: v for k, v in doc["params"].items() if k in cls._get_param_names()})
        raw = arrays["word_bytes"].tobytes()
        ends = np.cumsum(arrays["word_lengths"])
        starts = ends - arrays["word_lengths"]
        words = [raw[a:b].decode("utf-8", "surrogateescape") for a, b in zip(starts.tolist(), ends.tolist())]
        bucket_map = np.full(model.bucket if model._uses_buckets else 0, -1, dtype=np.int32)
        used = arrays["used_buckets"]
        bucket_map[used] = np.arange(used.shape[0], dtype=np.int32)
        codes, points = np.zeros((0, 1), dtype=np.uint8), np.zeros((0, 1), dtype=np.int32)
        lengths = np.zeros(0, dtype=np.int32)
        if model.loss == "hs":
            from ..kernels.hs import build_huffman

            codes, points, lengths = build_huffman(arrays["label_counts"].astype(np.int64))
        model.classes_ = list(doc["classes"])
        model.label_counts_ = arrays["label_counts"]
        model.loss_history_ = list(doc.get("loss_history", []))
        model.epoch_metrics_ = []
        model.interrupted_ = False
        model.warnings_ = list(doc.get("warnings", []))
        model._state = {
            "words": words, "word_counts": arrays["word_counts"], "word_index": {w: i for i, w in enumerate(words)},
            "w_in": arrays["w_in"], "w_out": arrays["w_out"], "bucket_map": bucket_map, "n_used": int(doc["n_used"]),
            "codes": codes, "points": points, "lengths": lengths,
        }
        model._metadata = dict(doc["metadata"])
        if EPOCHS_KEY not in model._metadata and "epochs_run" in model._metadata:  # written before the rename
            model._metadata[EPOCHS_KEY] = epochs_trained(model._metadata)
        model._export()
        return model
