"""``embedlab encode-images``: embed images with a model saved by ``embedlab train cnn --save-model``
(an :class:`embedlab.models.cnn.ImageCNN` checkpoint; any other file is refused in one line)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import InvalidParameterError
from . import _common as c
from .train_cnn import Device, Images, Labels, Strict, read_for_cli

__all__ = ["register", "encode_images"]


def encode_images(
    images: Images,
    model_path: Annotated[Path, typer.Option("--model", "-m", help="An ImageCNN model file saved by `embedlab train cnn`.")],
    output: c.Output,
    labels: Labels = None,
    strict: Strict = False,
    batch_size: Annotated[int, typer.Option("--batch-size", "-b", help="Images per forward pass.")] = 256,
    device: Device = None,
    fmt: c.Format = None,
    threads: c.Threads = None,
) -> None:
    """Embed IMAGES with a saved ImageCNN model; save one vector per image (keyed by its path) to OUTPUT."""
    from ..models.cnn import ImageCNN

    if batch_size < 1:
        raise InvalidParameterError(f"--batch-size must be >= 1; got {batch_size}")
    c.check_output_path(output)
    fmt_name = c.resolve_format(output, fmt)
    model = ImageCNN.load(model_path, device=device)
    channels = "rgb" if model.channels_ == 3 else "grey"
    collection = read_for_cli(images, int(model.size), channels, labels, strict, 0.0)  # one pass: no cache
    start = time.perf_counter()
    import torch

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        kv = model.encode(collection, batch_size=batch_size)
    finally:
        torch.set_num_threads(before)
    elapsed = time.perf_counter() - start
    kv.metadata["model_file"] = str(model_path)
    c.write_vectors(kv, output, fmt_name)
    c.console().print(f"encoded {len(kv):,} images ({collection.size}x{collection.size}, {channels}) in {elapsed:.1f} s "
                      f"with {model_path}: {output} (dim {kv.vector_size})", soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    app.command("encode-images", help="Embed images with an ImageCNN model saved by `embedlab train cnn`.")(encode_images)
