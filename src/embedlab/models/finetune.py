"""Fine-tuning a sentence-transformers model on domain pairs (optional extra ``transformers``).

:class:`SentenceFineTuner` wraps sentence-transformers' trainer:

* ``loss="mnrl"``: (anchor, positive) pairs with in-batch negatives
  (MultipleNegativesRankingLoss) in *no-duplicates* batches, so an anchor or positive that
  repeats in the file never lands twice in one batch (it would be its own false negative);
* ``loss="cosent"``: (sentence1, sentence2, score) pairs (CoSENTLoss);
* ``loss="triplet"``: (anchor, positive, negative) triplets (TripletLoss, cosine distance);
* ``loss="auto"``: cosent for scored pairs, triplet for triplets, mnrl otherwise.

Before and after training the model is scored on held-out data: the given ``evaluator`` (any
embedlab evaluator, e.g. ``SentenceSimilarity`` on STS-B dev or ``Retrieval`` on a retrieval
set) or else ``eval_fraction`` of the pairs kept out of training (STS Spearman for scored pairs,
retrieval MRR of the positives among all held-out texts otherwise: each task's primary metric, as
``evaluate`` and ``compare`` mark it). Every epoch end is
reported to ``callbacks(epoch, elapsed, metrics)`` (return True to stop) and snapshotted: Ctrl-C
keeps the model of the last finished epoch (``interrupted_`` and ``epochs_completed_`` say so).
Seeded (``random_state``: data order, dropout, initialisation of new layers); a GPU is used when
torch sees one. torch's thread count is set for the run (``n_threads``, default 1 on CPU: one
fine-tuning step on 2 loaded vCPUs ran ~6x faster with 1 thread than with 2, see
benchmarks/transformer_threads.py).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._fileio import usual_modes
from .._progress import logger, progress_bar
from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder
from ..exceptions import DataError, InputFileError, InvalidParameterError, TrainingError
from .transformer import (
    EncodeReport,
    _quiet_transformers,
    count_truncated,
    load_sentence_transformer,
    pick_device,
    resolve_model_path,
    torch_threads,
)

__all__ = ["SentenceFineTuner", "LiveEncoder", "save_model_folder", "LOSSES", "INFO_FILE"]

LOSSES = ("auto", "mnrl", "cosent", "triplet")
INFO_FILE = "embedlab_finetune.json"
_KIND_FOR_LOSS = {"mnrl": "pairs", "cosent": "scored", "triplet": "triplets"}


class LiveEncoder:
    """A text encoder over an in-memory SentenceTransformer (used for the held-out evaluations)."""

    def __init__(self, model: Any, batch_size: int = 32, name: str = "model") -> None:
        self.model = model
        self.batch_size = batch_size
        self.name = name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        self.last_report_ = EncodeReport(len(texts), sum(1 for t in texts if not t.strip()),
                                         count_truncated(self.model, texts), 0, int(self.model.max_seq_length))
        with _quiet_transformers():
            return self.model.encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                     convert_to_numpy=True, normalize_embeddings=True)


def save_model_folder(model: Any, folder: str | os.PathLike[str], info: dict[str, Any] | None = None,
                      overwrite: bool = False) -> Path:
    """Save ``model`` to ``folder`` atomically: written beside it, then renamed (no partial folder)."""
    target = Path(folder)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputFileError(f"{parent}: output folder's parent does not exist; create it first")
    if target.exists() and not overwrite:
        raise InputFileError(f"{target}: already exists; pass --overwrite (overwrite=True) to replace it")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        with _quiet_transformers():
            model.save(str(tmp), create_model_card=False)
        if info is not None:
            (tmp / INFO_FILE).write_text(json.dumps(info, indent=2, default=str) + "\n", encoding="utf-8")
        usual_modes(tmp)  # mkdtemp's 0700 folder, safetensors' 0600 weights
        old = None
        if target.exists():
            old = parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _heldout_evaluator(pairs: Any, name: str) -> Any:
    """An embedlab evaluator on held-out pairs: STS for scored pairs, retrieval otherwise."""
    from ..evaluation.retrieval import Retrieval
    from ..evaluation.sts import SentenceSimilarity
    from ..corpus.taskdata import RetrievalData, SentencePairs

    if pairs.scores is not None:
        ev = SentenceSimilarity(SentencePairs(list(pairs.anchors), list(pairs.positives), list(pairs.scores), name),
                                n_boot=200)
        ev.name = f"heldout-sts:{name}"
        return ev
    docs: dict[str, str] = {}
    for t in list(pairs.positives) + list(pairs.negatives or []):
        docs.setdefault(t, f"d{len(docs)}")
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, float]] = {}
    for a, p in zip(pairs.anchors, pairs.positives):
        qid = queries.setdefault(a, f"q{len(queries)}")
        qrels.setdefault(qid, {})[docs[p]] = 1.0
    data = RetrievalData(list(docs.values()), list(docs), list(queries.values()), list(queries), qrels, name)
    ev = Retrieval(data, n_boot=200)
    ev.name = f"heldout-retrieval:{name}"
    return ev


def _score(evaluator: Any, encoder: Any) -> dict[str, Any]:
    r = evaluator.evaluate(encoder)
    metric = r.primary_metric  # one primary metric per task, as evaluate and compare report it
    return {"task": r.name, "metric": metric, "value": float(r.metrics[metric]), "metrics": dict(r.metrics),
            "ci": r.details.get("ci", {}).get(metric), "n": r.n}


class SentenceFineTuner(BaseEmbedder):
    """Fine-tune a sentence model on pairs; ``fit(pairs)`` -> self with ``model_`` (a SentenceTransformer).

    Parameters
    ----------
    model:
        Start from a bundled name (``"minilm"``) or a local model folder.
    loss:
        ``auto``, ``mnrl``, ``cosent`` or ``triplet`` (see the module doc).
    epochs, batch_size, learning_rate, warmup_ratio:
        As sentence-transformers' trainer (linear decay after a linear warm-up).
    max_pairs:
        Train on at most this many pairs (a seeded sample; None: all).
    eval_fraction:
        Share of the pairs held out for the before/after evaluation when no evaluator is given
        (0: no held-out evaluation).
    max_seq_length:
        Token limit (None: the model's); longer texts are truncated and counted.
    n_threads, device, random_state, show_progress, callbacks:
        torch threads (None: 1 on CPU), ``cpu``/``cuda``/None (auto), seed, progress bar,
        epoch callbacks ``callback(epoch, elapsed, metrics) -> stop?``.
    """

    name: ClassVar[str] = "finetune"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "model": [str, os.PathLike],
        "loss": [Options(LOSSES)],
        "epochs": [Interval(int, 1, None, search=(1, 4))],
        "batch_size": [Interval(int, 2, None, search=(8, 64))],
        "learning_rate": [Interval(float, 0.0, 1.0, closed="neither", search=(1e-6, 1e-4), log=True)],
        "warmup_ratio": [Interval(float, 0.0, 1.0, closed="left", search=(0.0, 0.2))],
        "max_pairs": [None, Interval(int, 2, None)],
        "eval_fraction": [Interval(float, 0.0, 0.5)],
        "max_seq_length": [None, Interval(int, 8, None)],
        "n_threads": [None, Interval(int, 1, None)],
        "device": [None, str],
        "random_state": [Interval(int, 0, None)],
        "show_progress": [bool],
        "callbacks": [None, Callable_(allow_list=True)],
    }

    def __init__(
        self,
        model: str | os.PathLike[str] = "minilm",
        loss: str = "auto",
        epochs: int = 1,
        batch_size: int = 16,
        learning_rate: float = 2e-5,
        warmup_ratio: float = 0.1,
        max_pairs: int | None = None,
        eval_fraction: float = 0.1,
        max_seq_length: int | None = None,
        n_threads: int | None = None,
        device: str | None = None,
        random_state: int = 0,
        show_progress: bool = True,
        callbacks: Any = None,
    ) -> None:
        self.model = model
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.warmup_ratio = warmup_ratio
        self.max_pairs = max_pairs
        self.eval_fraction = eval_fraction
        self.max_seq_length = max_seq_length
        self.n_threads = n_threads
        self.device = device
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    @property
    def is_fitted(self) -> bool:
        return getattr(self, "model_", None) is not None

    def resolved_loss(self, pairs: Any) -> str:
        """The loss ``auto`` stands for with these pairs; checks that the pairs fit the loss."""
        kind = pairs.kind
        if self.loss == "auto":
            return {"scored": "cosent", "triplets": "triplet"}.get(kind, "mnrl")
        need = _KIND_FOR_LOSS[self.loss]
        if self.loss == "mnrl" and kind in ("pairs", "triplets"):
            return "mnrl"  # a triplet's negative is an extra hard negative for MNRL
        if kind != need:
            what = {"pairs": "(anchor, positive) pairs", "scored": "scored pairs (sentence1, sentence2, score)",
                    "triplets": "triplets (anchor, positive, negative)"}
            raise InvalidParameterError(f"loss '{self.loss}' (--loss) needs {what[need]}; {pairs.source or 'the data'} "
                                        f"has {what[kind]}")
        return self.loss

    # ------------------------------------------------------------------ data
    def _split(self, pairs: Any, has_evaluator: bool) -> tuple[Any, Any]:
        rng = np.random.default_rng(self.random_state)
        n = len(pairs)
        order = rng.permutation(n)
        held: list[int] = []
        if not has_evaluator and self.eval_fraction > 0:
            k = int(round(n * self.eval_fraction))
            if pairs.scores is None:  # keep all pairs of an anchor on one side (no leak of anchors)
                by_anchor: dict[str, list[int]] = {}
                for i in order:
                    by_anchor.setdefault(pairs.anchors[i], []).append(int(i))
                for group in by_anchor.values():
                    if len(held) >= k:
                        break
                    if len(held) + len(group) <= k or not held and len(group) <= n // 2:
                        held.extend(group)
            else:
                held = [int(i) for i in order[:k]]
            if k >= 1 and len(held) < 2:
                held = []
        held_set = set(held)
        train = [int(i) for i in order if int(i) not in held_set]
        if self.max_pairs is not None:
            train = train[: self.max_pairs]
        if len(train) < 2:
            raise DataError(f"{pairs.source or 'pairs'}: {len(train)} training pair(s) left after holding out "
                            f"{len(held)}; need at least 2 (lower --eval-fraction or give more pairs)")
        return pairs.subset(sorted(train)), (pairs.subset(sorted(held)) if held else None)

    def _dataset(self, pairs: Any, loss: str) -> Any:
        from datasets import Dataset

        if loss == "cosent":
            return Dataset.from_dict({"sentence1": pairs.anchors, "sentence2": pairs.positives,
                                      "score": [float(s) for s in pairs.scores]})
        cols = {"anchor": pairs.anchors, "positive": pairs.positives}
        if pairs.negatives is not None:
            cols["negative"] = pairs.negatives
        return Dataset.from_dict(cols)

    def _loss_module(self, model: Any, loss: str) -> Any:
        from sentence_transformers.sentence_transformer import losses

        if loss == "mnrl":
            return losses.MultipleNegativesRankingLoss(model)
        if loss == "cosent":
            return losses.CoSENTLoss(model)
        return losses.TripletLoss(model, distance_metric=losses.TripletDistanceMetric.COSINE, triplet_margin=0.5)

    # ------------------------------------------------------------------ fit
    def fit(self, pairs: Any, evaluator: Any = None) -> SentenceFineTuner:
        """Fine-tune on ``pairs`` (:class:`embedlab.corpus.texts.Pairs`); ``evaluator`` (an embedlab
        evaluator) scores before and after, else held-out pairs do."""
        self._validate_params()
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)
        loss = self.resolved_loss(pairs)
        resolve_model_path(self.model)
        train, held = self._split(pairs, evaluator is not None)
        if evaluator is None and held is not None:
            evaluator = _heldout_evaluator(held, Path(pairs.source).name or "pairs")
        import transformers
        from sentence_transformers.sentence_transformer.trainer import SentenceTransformerTrainer
        from sentence_transformers.sentence_transformer.training_args import (
            BatchSamplers,
            SentenceTransformerTrainingArguments,
        )

        device = pick_device(self.device)
        started = time.perf_counter()
        with torch_threads(self.n_threads), _quiet_transformers():
            transformers.set_seed(self.random_state)
            model = load_sentence_transformer(self.model, device, fresh=True)
            if self.max_seq_length is not None:
                model.max_seq_length = int(self.max_seq_length)
            texts = list(train.anchors) + list(train.positives) + list(train.negatives or [])
            self.n_truncated_ = count_truncated(model, texts)
            if self.n_truncated_:
                logger.info("%d of %d training texts are longer than %d tokens and were truncated",
                            self.n_truncated_, len(texts), model.max_seq_length)
            live = LiveEncoder(model, batch_size=max(32, self.batch_size), name=str(self.model))
            self.eval_before_ = _score(evaluator, live) if evaluator is not None else None
            steps_per_epoch = math.ceil(len(train) / self.batch_size)
            tmp = tempfile.mkdtemp(prefix="embedlab-finetune-")
            args = SentenceTransformerTrainingArguments(
                output_dir=tmp, num_train_epochs=self.epochs, per_device_train_batch_size=self.batch_size,
                learning_rate=self.learning_rate, warmup_ratio=self.warmup_ratio, seed=self.random_state,
                data_seed=self.random_state,
                batch_sampler=BatchSamplers.BATCH_SAMPLER if loss == "cosent" else BatchSamplers.NO_DUPLICATES,
                save_strategy="no", eval_strategy="no", report_to="none", disable_tqdm=True, logging_strategy="steps",
                logging_steps=1, use_cpu=device == "cpu", dataloader_num_workers=0, dataloader_drop_last=False,
            )
            recorder = _epoch_recorder(self, model, started)
            card = getattr(model, "model_card_data", None)
            if card is not None and hasattr(card, "widget") and not card.widget:
                card.widget = [{"text": ""}]  # no model card is written: skip its widget-example pass (and its bar)
            trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=self._dataset(train, loss),
                                                 loss=self._loss_module(model, loss), callbacks=[recorder])
            from transformers.trainer_callback import PrinterCallback, ProgressCallback

            trainer.remove_callback(PrinterCallback)  # logs go to our recorder, not to stdout
            trainer.remove_callback(ProgressCallback)
            self.interrupted_ = False
            t_train = time.perf_counter()
            try:
                with progress_bar(steps_per_epoch * self.epochs, "fine-tuning", unit="steps",
                                  enabled=self.show_progress) as bar:
                    recorder.bar = bar
                    t_train = time.perf_counter()
                    trainer.train()
            except KeyboardInterrupt:
                self.interrupted_ = True
                if recorder.snapshot is None:
                    shutil.rmtree(tmp, ignore_errors=True)
                    self.epochs_completed_ = 0
                    self.model_ = None
                    logger.warning("interrupted before the first epoch finished; no model kept")
                    return self
                model.load_state_dict(recorder.snapshot)
                logger.warning("interrupted; keeping the model of epoch %d", recorder.epochs_done)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            self.epochs_completed_ = recorder.epochs_done
            self.loss_history_ = np.asarray(recorder.losses, dtype=np.float64)
            if len(self.loss_history_) and not np.isfinite(self.loss_history_).all():
                raise TrainingError("fine-tuning loss became NaN or infinite; lower --lr")
            self.train_seconds_ = time.perf_counter() - t_train  # the training steps alone
            self.fit_seconds_ = time.perf_counter() - started  # with model load and the first evaluation
            model.eval()
            self.eval_after_ = _score(evaluator, live) if evaluator is not None else None
        self.n_train_pairs_ = len(train)
        self.n_heldout_pairs_ = 0 if held is None else len(held)
        self.loss_used_ = loss
        self.device_ = device
        self.model_ = model
        return self

    def info(self) -> dict[str, Any]:
        """What ``save`` writes to ``embedlab_finetune.json``: params, data, evaluations, timing."""
        from .transformer import _versions

        params = {k: (str(v) if isinstance(v, os.PathLike) else v) for k, v in self.get_params().items()
                  if k != "callbacks"}
        return {
            "method": self.name, "params": params, "base_model": str(self.model), "loss": getattr(self, "loss_used_", None),
            "n_train_pairs": getattr(self, "n_train_pairs_", None), "n_heldout_pairs": getattr(self, "n_heldout_pairs_", None),
            "n_truncated": getattr(self, "n_truncated_", None), "epochs_completed": getattr(self, "epochs_completed_", None),
            "interrupted": getattr(self, "interrupted_", None),
            "loss_history": [float(x) for x in getattr(self, "loss_history_", [])],
            "eval_before": getattr(self, "eval_before_", None), "eval_after": getattr(self, "eval_after_", None),
            "train_seconds": getattr(self, "train_seconds_", None), "fit_seconds": getattr(self, "fit_seconds_", None),
            "device": getattr(self, "device_", None),
            "versions": _versions(),
        }

    def save(self, folder: str | os.PathLike[str], overwrite: bool = False) -> Path:
        """Write the fine-tuned model (usable by ``SentenceEncoder`` / ``embedlab encode``)."""
        if not self.is_fitted:
            raise DataError("nothing to save: the fine-tuning finished no epoch")
        return save_model_folder(self.model_, folder, self.info(), overwrite=overwrite)


def _epoch_recorder(tuner: SentenceFineTuner, model: Any, started: float) -> Any:
    """A trainer callback: progress, per-epoch loss, user callbacks, snapshot of the last finished epoch."""
    from transformers import TrainerCallback

    class _EpochRecorder(TrainerCallback):
        def __init__(self) -> None:
            self.snapshot: dict[str, Any] | None = None
            self.epochs_done = 0
            self.losses: list[float] = []
            self._step_losses: list[float] = []
            self.bar: Any = None
            cbs = tuner.callbacks
            self.user = [] if cbs is None else list(cbs) if isinstance(cbs, (list, tuple)) else [cbs]

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if logs and "loss" in logs:
                self._step_losses.append(float(logs["loss"]))

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.bar is not None:
                self.bar.advance(1)

        def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.epochs_done += 1
            loss = float(np.mean(self._step_losses)) if self._step_losses else float("nan")
            self._step_losses = []
            self.losses.append(loss)
            self.snapshot = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            elapsed = float(time.perf_counter() - started)
            for cb in self.user:
                if cb(self.epochs_done, elapsed, {"loss": loss, "epoch": self.epochs_done}):
                    control.should_training_stop = True

    return _EpochRecorder()
