"""``embedlab train cnn``: image embeddings from a small CNN trained on labelled images (the model
is :class:`embedlab.models.cnn.ImageCNN`; inputs and their rules: :mod:`embedlab.corpus.images`)."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import InvalidParameterError
from . import _common as c

__all__ = ["register", "train_cnn", "read_for_cli"]

Images = Annotated[Path, typer.Argument(
    metavar="IMAGES", help="A folder of images (one sub-folder per class, or flat with --labels), a CSV/TSV of "
    "path,label rows, or an .npz with 'images' (+ 'labels', 'keys') arrays.")]
Labels = Annotated[Path | None, typer.Option(
    "--labels", help="CSV/TSV of path,label rows for a flat folder (paths relative to the folder).")]
Strict = Annotated[bool, typer.Option(
    "--strict", help="Refuse unreadable files (empty, truncated, corrupt, not images) instead of skipping them.")]
Device = Annotated[str | None, typer.Option("--device", help="cpu (default), cuda, cuda:1, mps, or auto (a GPU when torch sees one).")]
CacheMB = Annotated[float, typer.Option("--cache-mb", help="Decoded images kept in memory (MB); larger sets are decoded again each epoch.")]

FLAGS = {"lr": "--lr", "n_threads": "--threads", "random_state": "--seed", "embedding_dim": "--dim",
         "batch_size": "--batch-size", "validation_fraction": "--validation-fraction"}


class Channels(str, Enum):
    auto = "auto"
    grey = "grey"
    rgb = "rgb"


class Objective(str, Enum):
    softmax = "softmax"
    triplet = "triplet"


def read_for_cli(images: Path, size: int, channels: str, labels: Path | None, strict: bool, cache_mb: float) -> Any:
    from ..corpus.images import read_images

    c.check_input_path(images)
    # unreadable files: the library's warning (logger "embedlab", on stderr) names them and the count
    return read_images(images, size=size, channels=channels, labels=labels, strict=strict, cache_mb=cache_mb)


def train_cnn(
    images: Images,
    output: c.Output,
    save_model: Annotated[Path | None, typer.Option("--save-model", help="Also save the model (.npz) for `embedlab encode-images`.")] = None,
    labels: Labels = None,
    size: Annotated[int, typer.Option("--size", help="Pixels per side: the shorter side is resized to this, then the centre square is cropped.")] = 32,
    channels: Annotated[Channels, typer.Option("--channels", help="grey, rgb, or auto (rgb when any image is colour).")] = Channels.auto,
    widths: Annotated[str, typer.Option("--widths", help="Channels of each convolution block, comma-separated.")] = "32,64,128",
    dim: Annotated[int, typer.Option("--dim", "-d", help="Dimension of the embedding (the layer before the classifier).")] = 64,
    objective: Annotated[Objective, typer.Option("--objective", help="softmax (a classifier over the classes) or triplet (batch-hard, no classifier).")] = Objective.softmax,
    margin: Annotated[float, typer.Option("--margin", help="Triplet margin (with --objective triplet).")] = 0.2,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Most passes over the training images.")] = 20,
    patience: Annotated[int, typer.Option("--patience", help="Stop after this many epochs without a lower validation loss.")] = 3,
    lr: Annotated[float, typer.Option("--lr", help="AdamW learning rate.")] = 2e-3,
    batch_size: Annotated[int, typer.Option("--batch-size", "-b", help="Images per gradient step.")] = 64,
    validation_fraction: Annotated[float, typer.Option("--validation-fraction", help="Share of each class held out for early stopping.")] = 0.1,
    strict: Strict = False,
    cache_mb: CacheMB = 512.0,
    device: Device = None,
    fmt: c.Format = None,
    threads: c.Threads = None,
    seed: c.Seed = None,
    progress: c.Progress = True,
) -> None:
    """Train a small CNN on labelled IMAGES; save one vector per image (keyed by its path) to OUTPUT."""
    from ..models.cnn import ImageCNN
    from .train_supervised import flag_names

    try:
        width_list = tuple(int(w) for w in widths.split(",") if w.strip())
    except ValueError:
        raise InvalidParameterError(f"--widths: '{widths}' must be comma-separated integers, e.g. 32,64,128") from None
    if objective is not Objective.triplet and "margin" in c.options_given():
        raise InvalidParameterError("--margin is used by --objective triplet only; leave it out or add --objective triplet")
    model = ImageCNN(size=size, channels=channels.value, widths=width_list, embedding_dim=dim, objective=objective.value,
                     margin=margin, epochs=epochs, patience=patience, lr=lr, batch_size=batch_size,
                     validation_fraction=validation_fraction, device=device, n_threads=threads, random_state=seed,
                     show_progress=progress)
    with flag_names(FLAGS):
        model._validate_params()
        model._device()
    c.check_output_path(output)
    fmt_name = c.resolve_format(output, fmt)
    if save_model is not None:
        c.check_output_path(save_model, "--save-model")
    collection = read_for_cli(images, size, channels.value, labels, strict, cache_mb)
    start = time.perf_counter()
    with flag_names(FLAGS):
        model.fit(collection)
    elapsed = time.perf_counter() - start
    if model.interrupted_:
        raise c.fail(f"interrupted after {model.epochs_run_} epoch(s); nothing written to {output}"
                     + (f" or {save_model}" if save_model is not None else ""), c.EXIT_INTERRUPTED)
    if save_model is not None:
        model.save(save_model)
    c.write_vectors(model.vectors_, output, fmt_name)
    _summary(model, collection, output, save_model, elapsed)


def _summary(model: Any, collection: Any, output: Path, save_model: Path | None, elapsed: float) -> None:
    from rich.table import Table

    table = Table(title="ImageCNN trained", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    n_lab = int(collection.labelled_indices().size)
    table.add_row("images", f"{len(collection):,} ({n_lab:,} labelled, {len(collection.skipped):,} skipped), "
                            f"{collection.size}x{collection.size}, {collection.channels} channel(s)")
    shown = ", ".join(model.classes_[:5]) + (", ..." if len(model.classes_) > 5 else "")
    table.add_row("classes", f"{len(model.classes_)} ({shown})")
    best = (f"validation accuracy {model.best_score_:.4f}" if model.objective == "softmax"
            else f"validation triplet loss {model.best_score_:.4f}")
    table.add_row("epochs", f"{model.epochs_run_} (best {model.best_epoch_}: {best})")
    table.add_row("time", f"{elapsed:.1f} s ({model.images_per_sec_:,.0f} images/s training, "
                          f"{model.load_seconds_ / max(model.training_seconds_, 1e-9):.0%} of it reading images)")
    table.add_row("vectors", f"{output} (dim {model.vectors_.vector_size})")
    if save_model is not None:
        table.add_row("model", str(save_model))
    c.console().print(table)


def register(train_app: typer.Typer) -> None:
    train_app.command(
        "cnn", help="Image embeddings from a small CNN trained on labelled images (PyTorch; softmax or triplet)."
    )(train_cnn)
