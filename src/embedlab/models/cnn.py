"""Image embeddings from a small convolutional network trained on labelled images (PyTorch).

Network (:class:`ImageCNN`, plain torch, no torchvision): the images (read by
:mod:`embedlab.corpus.images`: ``size x size``, 1 or 3 channels, [0, 1]) are normalised by the
per-channel mean and standard deviation of the *training* images, then go through one block per
entry of ``widths`` (3x3 convolution without bias, batch norm, ReLU, 2x2 max pooling while the
feature map is at least 2 pixels wide), global average pooling and a linear layer to
``embedding_dim``: **that output is the embedding**. For training, a ReLU, dropout and a linear
classifier over the classes follow it.

Objectives (``objective``): ``"softmax"``: cross-entropy of the classifier; ``"triplet"``:
batch-hard triplet loss on the L2-normalised embeddings (for every image of a batch, its farthest
image of the same class and its nearest image of another class, ``max(0, d_pos - d_neg +
margin)`` averaged over images that have both; Hermans et al. 2017), no classifier.

Training: AdamW, mini-batches, a stratified validation split (``validation_fraction`` of each class
with at least two images, seeded), early stopping on the validation loss (the best epoch's
weights are kept, ``patience`` epochs without improvement stop). Images without a label are not
trained on but are embedded. Same ``random_state`` + ``n_threads=1`` on the CPU gives identical
vectors. Ctrl-C ends training after the current batch with ``interrupted_ = True`` (the CLI then
writes nothing). ``device``: ``None`` is the CPU; ``"auto"`` a GPU when torch sees one.

Outputs: ``vectors_`` (KeyedVectors keyed by image key: relative path or ``.npz`` key, metadata with
the classes, rules and scores); :meth:`ImageCNN.transform` / :meth:`ImageCNN.encode` embed other
images; :meth:`ImageCNN.save` / :meth:`ImageCNN.load` keep the model in one ``.npz`` (weights + a
JSON header ``embedlab-image-cnn``; no pickle).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._progress import logger, progress_bar
from .._validation import Callable_, Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError, TrainingError, require

__all__ = ["ImageCNN", "CHECKPOINT_FORMAT", "stratified_split"]

CHECKPOINT_FORMAT = "embedlab-image-cnn"
_HEADER = "__embedlab_header__"


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if k == "callbacks" else v) for k, v in params.items()}


def stratified_split(labels: Sequence[str], indices: np.ndarray, fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``(train, validation)`` indices: ``max(1, round(fraction * n))`` images of every class with
    ``n >= 2`` images go to validation (at most ``n - 1``), chosen at random; the rest train."""
    by_class: dict[str, list[int]] = {}
    for i in indices:
        by_class.setdefault(labels[int(i)], []).append(int(i))
    train, val = [], []
    for cls in sorted(by_class):
        members = np.array(by_class[cls], dtype=np.int64)
        rng.shuffle(members)
        k = 0 if len(members) < 2 else min(len(members) - 1, max(1, int(round(fraction * len(members)))))
        val.extend(members[:k].tolist())
        train.extend(members[k:].tolist())
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(val, dtype=np.int64))


def _network(torch: Any, in_channels: int, size: int, widths: Sequence[int], embedding_dim: int,
             n_classes: int, dropout: float) -> Any:
    nn = torch.nn

    class ImageNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mean", torch.zeros(1, in_channels, 1, 1))
            self.register_buffer("std", torch.ones(1, in_channels, 1, 1))
            layers: list[Any] = []
            c, side = in_channels, size
            for w in widths:
                layers += [nn.Conv2d(c, int(w), 3, padding=1, bias=False), nn.BatchNorm2d(int(w)), nn.ReLU()]
                if side >= 2:
                    layers.append(nn.MaxPool2d(2))
                    side //= 2
                c = int(w)
            self.features = nn.Sequential(*layers)
            self.embed = nn.Linear(c, embedding_dim)
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(embedding_dim, n_classes) if n_classes > 0 else None

        def embedding(self, x: Any) -> Any:
            z = self.features((x - self.mean) / self.std)
            return self.embed(z.mean(dim=(2, 3)))

        def forward(self, x: Any) -> tuple[Any, Any]:
            e = self.embedding(x)
            logits = None if self.head is None else self.head(self.drop(torch.relu(e)))
            return e, logits

    return ImageNet()


def batch_hard_triplet(torch: Any, emb: Any, y: Any, margin: float) -> Any:
    """Batch-hard triplet loss on L2-normalised embeddings (module docstring)."""
    e = torch.nn.functional.normalize(emb, dim=1)
    d = torch.cdist(e, e)
    same = y[:, None] == y[None, :]
    eye = torch.eye(len(y), dtype=torch.bool, device=emb.device)
    pos = same & ~eye
    neg = ~same
    ok = pos.any(dim=1) & neg.any(dim=1)
    if not bool(ok.any()):
        return emb.sum() * 0.0
    hardest_pos = torch.where(pos, d, torch.full_like(d, -1.0)).max(dim=1).values
    hardest_neg = torch.where(neg, d, torch.full_like(d, float("inf"))).min(dim=1).values
    return torch.relu(hardest_pos - hardest_neg + margin)[ok].mean()


class ImageCNN(BaseEmbedder):
    """A small CNN whose penultimate layer embeds images (see the module docstring).

    ``fit(data)``: ``data`` is an :class:`~embedlab.corpus.images.ImageCollection` (its ``size`` must
    equal the model's) or a path :func:`~embedlab.corpus.images.read_images` opens (folder, CSV/TSV
    list or .npz). Learned: ``vectors_``, ``classes_``, ``channels_``, ``mean_``/``std_`` (per
    channel, of the training images), ``history_`` (per epoch: train loss, validation loss and
    accuracy), ``loss_history_``, ``best_epoch_``, ``best_score_`` (validation accuracy; the
    validation loss for ``triplet``), ``epochs_run_``, ``interrupted_``, ``training_seconds_``,
    ``load_seconds_`` (time spent reading and decoding batches), ``images_per_sec_``.
    """

    name: ClassVar[str] = "cnn"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "size": [Interval(int, 1, None)],
        "channels": [Options(("auto", "grey", "rgb"))],
        "widths": [tuple, list],
        "embedding_dim": [Interval(int, 1, None, search=(16, 256), log=True)],
        "objective": [Options(("softmax", "triplet"), search=True)],
        "margin": [Interval(float, 0, None, closed="neither", search=(0.05, 1.0), when=("objective", ("triplet",)))],
        "epochs": [Interval(int, 1, None, search=(5, 50))],
        "patience": [Interval(int, 1, None)],
        "lr": [Interval(float, 0, None, closed="neither", search=(1e-4, 1e-2), log=True)],
        "batch_size": [Interval(int, 2, None, search=(16, 256), log=True)],
        "dropout": [Interval(float, 0, 1, closed="left")],
        "weight_decay": [Interval(float, 0, None, search=(1e-6, 1e-2), log=True)],
        "validation_fraction": [Interval(float, 0, 1, closed="neither")],
        "device": [str, None],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [bool],
        "callbacks": [Callable_(allow_list=True), None],
    }

    def __init__(
        self,
        size: int = 32,
        channels: str = "auto",
        widths: tuple[int, ...] = (32, 64, 128),
        embedding_dim: int = 64,
        objective: str = "softmax",
        margin: float = 0.2,
        epochs: int = 20,
        patience: int = 3,
        lr: float = 2e-3,
        batch_size: int = 64,
        dropout: float = 0.1,
        weight_decay: float = 1e-4,
        validation_fraction: float = 0.1,
        device: str | None = None,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
        callbacks: Callable[..., Any] | Sequence[Callable[..., Any]] | None = None,
    ) -> None:
        self.size = size
        self.channels = channels
        self.widths = widths
        self.embedding_dim = embedding_dim
        self.objective = objective
        self.margin = margin
        self.epochs = epochs
        self.patience = patience
        self.lr = lr
        self.batch_size = batch_size
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress
        self.callbacks = callbacks

    def _check_relations(self, params: Any) -> None:
        widths = params["widths"]
        if not widths or any(not isinstance(w, int) or isinstance(w, bool) or w < 1 for w in widths):
            raise InvalidParameterError(
                f"ImageCNN: parameter 'widths' must be a non-empty list of positive ints (channels per block); got {widths!r}")

    # ------------------------------------------------------------------ data
    def _collection(self, data: Any) -> Any:
        from ..corpus.images import ImageCollection, read_images

        if isinstance(data, ImageCollection):
            if data.size != self.size:
                raise InvalidParameterError(f"ImageCNN: parameter 'size' is {self.size} but the images were read at "
                                            f"size {data.size}; read them with size={self.size}")
            if self.channels != "auto" and data.channels != (3 if self.channels == "rgb" else 1):
                raise InvalidParameterError(f"ImageCNN: parameter 'channels' is {self.channels!r} but the images have "
                                            f"{data.channels} channel(s)")
            return data
        if isinstance(data, (str, os.PathLike)):
            return read_images(data, size=self.size, channels=self.channels)
        raise InvalidParameterError(f"ImageCNN.fit takes an ImageCollection or a path; got {type(data).__name__}")

    def _loss(self, torch: Any, net: Any, x: Any, y: Any) -> Any:
        """The training loss of one batch (``x`` in [0, 1], ``y`` class indices)."""
        emb, logits = net(x)
        if self.objective == "softmax":
            return torch.nn.functional.cross_entropy(logits, y)
        return batch_hard_triplet(torch, emb, y, float(self.margin))

    def _device(self) -> str:
        if self.device is None:
            return "cpu"
        from .transformer import pick_device

        return pick_device(self.device)

    # ------------------------------------------------------------------ fit
    def fit(self, data: Any) -> ImageCNN:
        """Train on labelled images (see the class docstring); returns ``self``."""
        torch = require("torch", "images")
        self._validate_params()
        device = self._device()
        images = self._collection(data)
        labelled = images.labelled_indices()
        classes = sorted({images.labels[i] for i in labelled})
        if len(classes) < 2:
            what = f"a single class ({classes[0]!r})" if classes else "no labels"
            raise DataError(f"{images.source}: the images have {what}; the {self.objective} objective needs at least 2 "
                            "classes (one sub-folder per class, or a path,label table)")
        if labelled.size < len(images):
            logger.warning("%s: %d image(s) without a label are embedded but not trained on", images.source,
                           len(images) - labelled.size)
        seed = self.random_state if self.random_state is not None else int(np.random.SeedSequence().entropy % 2**31)
        rng = np.random.default_rng(seed)
        tr_idx, val_idx = stratified_split(images.labels, labelled, float(self.validation_fraction), rng)
        if len({images.labels[i] for i in tr_idx}) < 2:
            raise DataError(f"{images.source}: the training images hold a single class; add images")
        cls_index = {c: k for k, c in enumerate(classes)}
        target = np.array([cls_index.get(lab, -1) if lab is not None else -1 for lab in images.labels], dtype=np.int64)
        self.classes_ = classes
        self.channels_ = images.channels
        self.random_state_ = seed
        self.callbacks_ = [] if self.callbacks is None else (
            [self.callbacks] if callable(self.callbacks) else list(self.callbacks))
        old_threads = torch.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(int(self.n_threads))
        try:
            torch.manual_seed(seed)
            self.mean_, self.std_ = self._channel_stats(images, tr_idx)
            net = _network(torch, images.channels, int(self.size), list(self.widths), int(self.embedding_dim),
                           len(classes) if self.objective == "softmax" else 0, float(self.dropout))
            net.mean.copy_(torch.from_numpy(self.mean_.reshape(1, -1, 1, 1)))
            net.std.copy_(torch.from_numpy(self.std_.reshape(1, -1, 1, 1)))
            net.to(device)
            self._train(torch, net, images, target, tr_idx, val_idx, rng, device)
        finally:
            torch.set_num_threads(old_threads)
        self.vectors_ = self.encode(images)
        self.vectors_.metadata.update(self._fit_metadata(images, tr_idx, val_idx))
        return self

    def _channel_stats(self, images: Any, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel mean and standard deviation of the pixels of ``idx`` (one streamed pass)."""
        c = images.channels
        total, total_sq, count = np.zeros(c), np.zeros(c), 0
        for _, batch in images.batches(idx, 256):
            x = batch.astype(np.float64)
            total += x.sum(axis=(0, 2, 3))
            total_sq += (x * x).sum(axis=(0, 2, 3))
            count += x.shape[0] * x.shape[2] * x.shape[3]
        mean = total / count
        std = np.sqrt(np.maximum(total_sq / count - mean**2, 0.0))
        return mean.astype(np.float32), np.where(std > 1e-6, std, 1.0).astype(np.float32)

    def _train(self, torch: Any, net: Any, images: Any, target: np.ndarray, tr_idx: np.ndarray, val_idx: np.ndarray,
               rng: np.random.Generator, device: str) -> None:
        opt = torch.optim.AdamW(net.parameters(), lr=float(self.lr), weight_decay=float(self.weight_decay))
        bs = int(self.batch_size)
        self.history_: list[dict[str, float]] = []
        self.loss_history_: list[float] = []
        self.interrupted_ = False
        self.best_epoch_, self.best_score_ = 0, float("nan")
        best, best_state, bad_epochs = float("inf"), None, 0
        self.load_seconds_ = 0.0
        t0 = time.perf_counter()
        seen = 0
        with progress_bar(self.epochs * len(tr_idx), "cnn", unit="images", enabled=self.show_progress) as bar:
            try:
                for epoch in range(self.epochs):
                    net.train()
                    order = rng.permutation(tr_idx)
                    if len(order) % bs == 1:  # batch norm cannot train on a last batch of one image
                        order = order[:-1]
                    total = 0.0
                    batches = images.batches(order, bs, prefetch=2)
                    while True:
                        t_load = time.perf_counter()
                        item = next(batches, None)
                        self.load_seconds_ += time.perf_counter() - t_load
                        if item is None:
                            break
                        idx, x_np = item
                        x = torch.from_numpy(x_np).to(device)
                        y = torch.from_numpy(target[idx]).to(device)
                        opt.zero_grad()
                        loss = self._loss(torch, net, x, y)
                        loss.backward()
                        opt.step()
                        total += float(loss.detach()) * len(idx)
                        seen += len(idx)
                        bar.advance(len(idx))
                    train_loss = total / max(1, len(order))
                    if not np.isfinite(train_loss):
                        raise TrainingError(f"ImageCNN: the loss became NaN in epoch {epoch + 1}; lower lr "
                                            f"(e.g. lr={self.lr / 4:.3g}; CLI: --lr)")
                    val = self._validate(torch, net, images, target, val_idx, device)
                    elapsed = time.perf_counter() - t0
                    row = {"epoch": epoch + 1, "train_loss": train_loss, **val, "elapsed": elapsed}
                    self.history_.append(row)
                    self.loss_history_.append(train_loss)
                    logger.info("ImageCNN epoch %d: train loss %.4f, validation loss %.4f", epoch + 1, train_loss,
                                val.get("val_loss", float("nan")))
                    score = val["val_loss"] if val_idx.size else train_loss
                    if score < best - 1e-6:
                        best, bad_epochs = score, 0
                        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                        self.best_epoch_ = epoch + 1
                        self.best_score_ = val.get("val_accuracy", val.get("val_loss", float("nan")))
                    else:
                        bad_epochs += 1
                    metrics = {"loss": train_loss, **val, "images_per_sec": seen / max(elapsed, 1e-9)}
                    stop = [cb(epoch + 1, elapsed, metrics) for cb in self.callbacks_]
                    if any(stop) or bad_epochs >= self.patience:
                        break
            except KeyboardInterrupt:
                self.interrupted_ = True
                logger.info("ImageCNN: interrupted after %d epoch(s)", len(self.history_))
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        self._net = net
        self._device_used = device
        self.epochs_run_ = len(self.history_)
        self.training_seconds_ = time.perf_counter() - t0
        self.images_per_sec_ = seen / max(self.training_seconds_, 1e-9)

    def _validate(self, torch: Any, net: Any, images: Any, target: np.ndarray, idx: np.ndarray,
                  device: str) -> dict[str, float]:
        if idx.size == 0:
            return {}
        net.eval()
        total, correct = 0.0, 0
        with torch.no_grad():
            if self.objective == "triplet":  # the batch-hard loss needs the whole validation set at once
                x = torch.from_numpy(images.load(idx)).to(device)
                y = torch.from_numpy(target[idx]).to(device)
                return {"val_loss": float(self._loss(torch, net, x, y))}
            for part, x_np in images.batches(idx, 256):
                x = torch.from_numpy(x_np).to(device)
                y = torch.from_numpy(target[part]).to(device)
                _, logits = net(x)
                total += float(torch.nn.functional.cross_entropy(logits, y, reduction="sum"))
                correct += int((logits.argmax(dim=1) == y).sum())
        return {"val_loss": total / idx.size, "val_accuracy": correct / idx.size}

    def _fit_metadata(self, images: Any, tr_idx: np.ndarray, val_idx: np.ndarray) -> dict[str, Any]:
        return {
            "training": {"images": int(tr_idx.size), "validation_images": int(val_idx.size),
                         "best_epoch": int(self.best_epoch_), "epochs_run": int(self.epochs_run_),
                         "best_validation": None if not np.isfinite(self.best_score_) else float(self.best_score_),
                         "validation_metric": "accuracy" if self.objective == "softmax" else "triplet_loss",
                         "interrupted": bool(self.interrupted_), "seconds": round(self.training_seconds_, 3),
                         "images_per_sec": round(self.images_per_sec_, 1), "seed": int(self.random_state_)},
            "skipped_files": len(images.skipped),
        }

    # ------------------------------------------------------------------ use
    def transform(self, images: Any, batch_size: int = 256) -> np.ndarray:
        """Embeddings ``(n, embedding_dim)`` float32 of an ImageCollection, a path, or an array of
        images ``(n, channels, size, size)`` in [0, 1]."""
        torch = require("torch", "images")
        net = self._check_net()
        if isinstance(images, np.ndarray):
            batches = ((None, images[lo:lo + batch_size]) for lo in range(0, len(images), batch_size))
        else:
            batches = self._collection(images).batches(None, batch_size)
        out = []
        net.eval()
        with torch.no_grad():
            for _, x in batches:
                out.append(net.embedding(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
                                         .to(self._device_used)).cpu().numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, int(self.embedding_dim)), np.float32)

    def encode(self, images: Any, batch_size: int = 256) -> Any:
        """KeyedVectors of an ImageCollection or a path, keyed by image key, with metadata."""
        from ..vectors import KeyedVectors

        self._check_net()
        col = self._collection(images)
        if col.channels != self.channels_:
            raise DataError(f"{col.source}: images with {col.channels} channel(s); this model was trained on "
                            f"{self.channels_} (read them with channels={'rgb' if self.channels_ == 3 else 'grey'})")
        vectors = self.transform(col, batch_size)
        labels = col.labels if col.has_labels else None
        return KeyedVectors(col.keys, vectors, metadata=self._metadata(col, labels))

    def _metadata(self, col: Any, labels: list[str | None] | None) -> dict[str, Any]:
        import torch

        from ._meta import versions

        return {
            "method": self.name, "params": _json_params(self.get_params()), "classes": list(self.classes_),
            "objective": self.objective, "images": col.describe(),
            "preprocessing": {"size": int(self.size), "channels": int(self.channels_),
                              "rule": "shorter side to size (bilinear), centre crop, [0,1], then (x - mean) / std",
                              "mean": [float(v) for v in self.mean_], "std": [float(v) for v in self.std_]},
            "labels": None if labels is None else ["" if v is None else v for v in labels],
            "versions": {**versions(), "torch": torch.__version__},
        }

    def _check_net(self) -> Any:
        check_is_fitted(self, ("classes_",))
        return self._net

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model to one ``.npz``: weights plus a JSON header (atomic; no pickle)."""
        from .._fileio import atomic_path

        net = self._check_net()
        header = {
            "format": CHECKPOINT_FORMAT, "version": 1, "architecture": "ImageCNN",
            "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in _json_params(self.get_params()).items()},
            "classes": list(self.classes_), "channels": int(self.channels_),
            "mean": [float(v) for v in self.mean_], "std": [float(v) for v in self.std_],
            "history": self.history_, "best_epoch": int(self.best_epoch_),
        }
        arrays = {f"w:{k}": v.detach().cpu().numpy() for k, v in net.state_dict().items()}
        target = Path(path)
        with atomic_path(target, suffix=".npz") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **{_HEADER: np.array(json.dumps(header))}, **arrays)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str], device: str | None = None) -> ImageCNN:
        """A fitted model from :meth:`save`'s file; any other file is refused in one line."""
        torch = require("torch", "images")
        p = Path(path)
        if not p.is_file():
            raise InputFileError(f"{p}: no such model file; give a checkpoint written by `embedlab train cnn --save-model`")
        try:
            data = np.load(p, allow_pickle=False)
        except (OSError, ValueError):
            kind = "a PyTorch/pickle checkpoint" if p.suffix.lower() in (".pt", ".pth", ".ckpt", ".bin") else "not an .npz"
            raise FormatError(f"{p}: {kind}, not an ImageCNN checkpoint; encode-images reads models saved by "
                              "`embedlab train cnn --save-model`") from None
        with data:
            if any(f.endswith("data.pkl") for f in data.files):
                raise FormatError(f"{p}: a PyTorch/pickle checkpoint (torch.save), not an ImageCNN checkpoint; "
                                  "encode-images reads models saved by `embedlab train cnn --save-model`")
            if _HEADER not in data.files:
                raise FormatError(f"{p}: not an ImageCNN checkpoint (no {CHECKPOINT_FORMAT} header; arrays: "
                                  f"{', '.join(data.files[:5])}); give a file saved by `embedlab train cnn --save-model`")
            header = json.loads(str(data[_HEADER]))
            if header.get("format") != CHECKPOINT_FORMAT or header.get("architecture") != "ImageCNN":
                raise FormatError(f"{p}: a {header.get('format')}/{header.get('architecture')} checkpoint, not an "
                                  "ImageCNN one")
            state = {k[2:]: torch.from_numpy(np.array(data[k])) for k in data.files if k.startswith("w:")}
        params = dict(header["params"])
        params["widths"] = tuple(params["widths"])
        params["device"] = device
        model = cls(**params)
        model.classes_ = header["classes"]
        model.channels_ = int(header["channels"])
        model.mean_ = np.asarray(header["mean"], dtype=np.float32)
        model.std_ = np.asarray(header["std"], dtype=np.float32)
        model.history_ = header.get("history", [])
        model.best_epoch_ = header.get("best_epoch", 0)
        net = _network(torch, model.channels_, int(model.size), list(model.widths), int(model.embedding_dim),
                       len(model.classes_) if model.objective == "softmax" else 0, float(model.dropout))
        try:
            net.load_state_dict(state)
        except RuntimeError as exc:
            raise FormatError(f"{p}: weights do not fit the ImageCNN the header describes "
                              f"({' '.join(str(exc).split())[:200]})") from None
        model._device_used = model._device()
        model._net = net.to(model._device_used).eval()
        return model
