"""Image inputs: folders of image files or ``.npz`` arrays, read in batches, one stated rule each.

Sources (:func:`read_images`):

* a **folder with one sub-folder per class** (``root/cat/1.png``): the label of an image is the
  name of the first folder below ``root``; images lying directly in ``root`` have no label;
* a **flat folder with a labels table**: ``labels=`` (CLI ``--labels``) names a CSV/TSV file with
  ``path,label`` rows (header optional; paths relative to the folder); images not in it have no
  label, rows whose file is missing are reported like unreadable files;
* a **CSV/TSV file** of ``path,label`` rows given as the source itself (paths relative to the
  file's folder);
* an **.npz** of arrays: ``images`` (or ``x``/``X``), optional ``labels`` (or ``y``), optional
  ``keys``. Shapes ``(N, H, W)`` (grey), ``(N, H, W, C)`` with C in 1, 3, 4, or ``(N, C, H, W)``
  with C in 1, 3. An .npz is read whole into memory (use a folder for collections larger than it).

Keys are the path relative to the folder (``/``-separated) or the ``keys`` array (else ``0`` ..
``N-1``). Every non-hidden file of a folder is tried as an image (PNG, JPEG, GIF, BMP and whatever
else Pillow decodes; a GIF gives its first frame).

Rules (the same for training and encoding):

* **Reading check**: one pass decodes every file when the collection is opened; an empty,
  truncated, corrupt or non-image file is reported by path and skipped (a warning with the count:
  :attr:`ImageCollection.skipped`), or refused with ``strict=True`` (CLI ``--strict``).
* **Channels** (``channels``): ``"grey"`` (1 channel, ITU-R 601-2 luma ``0.299 R + 0.587 G +
  0.114 B``, Pillow's ``convert("L")``), ``"rgb"`` (3 channels; a grey image is repeated in all
  three), or ``"auto"`` (the default): ``rgb`` when any image of the collection is colour (some
  pixel with R, G, B not all equal; an array with 3 or 4 channels), else ``grey``. Transparency
  is composited onto white first.
* **Size**: the shorter side is resized to ``size`` (bilinear, antialiased, the longer side in
  proportion), then the centre ``size x size`` square is cropped. Images already ``size x size``
  are kept as they are.
* **Scale**: 8-bit images to [0, 1] by ``/255``, 16-bit by ``/65535``. Arrays: ``uint8 / 255``,
  ``uint16 / 65535``; other arrays already within [0, 1] are kept, any other range is mapped to
  [0, 1] by the array's global minimum and maximum (e.g. scikit-learn's digits, 0-16, by ``/16``).
  Per-channel mean/std normalisation is the model's (computed on its training images, stored in
  its checkpoint): see :mod:`embedlab.models.cnn`.

Streaming: :meth:`ImageCollection.batches` decodes a batch at a time (optionally in a background
thread, ``prefetch`` batches ahead); decoded images are kept in memory up to ``cache_mb`` (default
512 MB) so small sets are decoded once, larger ones every epoch.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._progress import logger
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError, require

__all__ = ["ImageCollection", "read_images", "images_from_arrays", "read_image_labels", "CHANNELS",
           "IMAGE_SUFFIXES", "TABLE_SUFFIXES"]

CHANNELS = ("auto", "grey", "rgb")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
_GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
_SHOWN = 5  # skipped files named in the warning


def _pil() -> Any:
    require("PIL", "images")
    from PIL import Image

    return Image


# ----------------------------------------------------------------------------- pixel rules
def _float_pixels(im: Any) -> np.ndarray:
    """``(H, W, C)`` float32 in [0, 1] (C = 1 or 3), transparency composited onto white."""
    mode = im.mode
    if mode.startswith("I;16"):
        return (np.asarray(im, dtype=np.float32) / 65535.0)[:, :, None]
    if mode in ("I", "F"):
        arr = np.asarray(im, dtype=np.float32)
        top = float(arr.max()) if arr.size else 0.0
        scale = 65535.0 if top > 255 else 255.0 if top > 1 else 1.0
        return np.clip(arr / scale, 0.0, 1.0)[:, :, None]
    has_alpha = mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info)
    if has_alpha:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
        rgb = rgba[:, :, :3] * rgba[:, :, 3:] + (1.0 - rgba[:, :, 3:])
        return rgb[:, :, :1] if mode == "LA" else rgb
    if mode in ("1", "L"):
        return (np.asarray(im.convert("L"), dtype=np.float32) / 255.0)[:, :, None]
    return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0


def _is_colour(pixels: np.ndarray) -> bool:
    if pixels.shape[2] == 1:
        return False
    return bool(np.any(pixels[:, :, 0] != pixels[:, :, 1]) or np.any(pixels[:, :, 1] != pixels[:, :, 2]))


def _set_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    c = pixels.shape[2]
    if c == channels:
        return pixels
    if channels == 3:
        return np.repeat(pixels, 3, axis=2)
    luma = 0.299 * pixels[:, :, 0] + 0.587 * pixels[:, :, 1] + 0.114 * pixels[:, :, 2]
    return luma[:, :, None].astype(np.float32)


def _resize_crop(pixels: np.ndarray, size: int) -> np.ndarray:
    """Shorter side to ``size`` (bilinear, antialiased), then the centre ``size x size`` crop."""
    h, w = pixels.shape[:2]
    if h == size and w == size:
        return pixels
    Image = _pil()
    scale = size / min(h, w)
    nh, nw = max(size, int(round(h * scale))), max(size, int(round(w * scale)))
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(pixels[:, :, k], dtype=np.float32)).resize(
        (nw, nh), Image.BILINEAR), dtype=np.float32) for k in range(pixels.shape[2])]
    out = np.stack(planes, axis=2)
    top, left = (nh - size) // 2, (nw - size) // 2
    return np.clip(out[top:top + size, left:left + size], 0.0, 1.0)


def _decode_file(path: Path) -> np.ndarray:
    """The file's pixels ``(H, W, C)`` in [0, 1]; raises :class:`FormatError` naming the path."""
    Image = _pil()
    try:
        if path.stat().st_size == 0:
            raise FormatError(f"{path}: empty file (0 bytes)")
        with Image.open(path) as im:
            im.seek(0)
            im.load()
            return _float_pixels(im)
    except FormatError:
        raise
    except PermissionError:
        raise InputFileError(f"{path}: cannot read (permission denied)") from None
    except FileNotFoundError:
        raise InputFileError(f"{path}: no longer exists (removed after the images were opened?)") from None
    except Exception as exc:  # PIL raises UnidentifiedImageError, OSError, SyntaxError, ValueError ...
        name = type(exc).__name__
        text = " ".join(str(exc).split()) or name
        if name == "UnidentifiedImageError":
            raise FormatError(f"{path}: not an image Pillow can read") from None
        raise FormatError(f"{path}: corrupt or truncated image ({text})") from None


# ----------------------------------------------------------------------------- collection
@dataclass
class ImageCollection:
    """Images with keys and optional labels, decoded in batches by one rule (module docstring).

    ``labels[i]`` is None for an unlabelled image. ``skipped`` lists ``(path, reason)`` of the
    files left out. ``channels`` is 1 or 3 (``channel_rule`` says how it was chosen).
    """

    source: str
    keys: list[str] = field(repr=False)
    labels: list[str | None] = field(repr=False)
    size: int
    channels: int
    channel_rule: str = "auto"
    skipped: list[tuple[str, str]] = field(default_factory=list, repr=False)
    cache_mb: float = 512.0
    _paths: list[Path] | None = field(default=None, repr=False)
    _arrays: np.ndarray | None = field(default=None, repr=False)  # (N, H, W, C) float32 in [0, 1] for arrays
    _cache: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _cached_bytes: int = field(default=0, repr=False)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def has_labels(self) -> bool:
        return any(lab is not None for lab in self.labels)

    def labelled_indices(self) -> np.ndarray:
        return np.array([i for i, lab in enumerate(self.labels) if lab is not None], dtype=np.int64)

    def classes(self) -> list[str]:
        return sorted({lab for lab in self.labels if lab is not None})

    def image(self, i: int) -> np.ndarray:
        """Image ``i`` as ``(channels, size, size)`` float32 in [0, 1]."""
        hit = self._cache.get(i)
        if hit is not None:
            return hit
        if self._arrays is not None:
            pixels = self._arrays[i]
        else:
            assert self._paths is not None
            pixels = _decode_file(self._paths[i])
        out = np.ascontiguousarray(
            np.transpose(_resize_crop(_set_channels(pixels, self.channels), self.size), (2, 0, 1)), dtype=np.float32)
        if self._cached_bytes + out.nbytes <= self.cache_mb * 2**20:
            self._cache[i] = out
            self._cached_bytes += out.nbytes
        return out

    def load(self, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        """``(len(indices), channels, size, size)`` float32 in [0, 1]."""
        out = np.empty((len(indices), self.channels, self.size, self.size), dtype=np.float32)
        for j, i in enumerate(indices):
            out[j] = self.image(int(i))
        return out

    def batches(self, indices: Sequence[int] | np.ndarray | None = None, batch_size: int = 64,
                prefetch: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(indices, images)`` batches in the given order (all images by default).

        ``prefetch > 0``: a background thread decodes up to that many batches ahead (Pillow and
        torch release the GIL, so decoding overlaps training); same batches, same order.
        """
        idx = np.arange(len(self)) if indices is None else np.asarray(indices, dtype=np.int64)

        def produce() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for lo in range(0, len(idx), batch_size):
                part = idx[lo:lo + batch_size]
                yield part, self.load(part)

        if prefetch <= 0:
            yield from produce()
        else:
            yield from _in_background(produce(), prefetch)

    def describe(self) -> dict[str, Any]:
        """JSON-safe summary for metadata."""
        return {"source": self.source, "images": len(self), "labelled": int(self.labelled_indices().size),
                "classes": len(self.classes()), "size": self.size, "channels": self.channels,
                "channel_rule": self.channel_rule, "skipped": len(self.skipped)}


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _in_background(items: Iterator[Any], depth: int) -> Iterator[Any]:
    """``items`` produced by a daemon thread, at most ``depth`` ahead; its exceptions re-raised
    here; stopped (and joined) when the consumer stops early."""
    import queue
    import threading

    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put(_Failed(exc))

    worker = threading.Thread(target=run, name="embedlab-image-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join()


def _check_options(size: Any, channels: Any) -> None:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise InvalidParameterError(f"parameter 'size' must be a positive int (pixels per side); got {size!r}")
    if channels not in CHANNELS:
        raise InvalidParameterError(f"parameter 'channels' must be one of {', '.join(CHANNELS)}; got {channels!r}")


def _report(skipped: list[tuple[str, str]], strict: bool, source: str) -> None:
    if not skipped:
        return
    if strict:
        path, reason = skipped[0]
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        raise FormatError(f"{reason}{more}; remove it, or read without strict=True (--strict) to skip unreadable "
                          "files with a warning")
    shown = "; ".join(reason for _, reason in skipped[:_SHOWN])
    more = f"; and {len(skipped) - _SHOWN} more" if len(skipped) > _SHOWN else ""
    logger.warning("%s: skipped %d unreadable file(s): %s%s", source, len(skipped), shown, more)


def _read_table(path: Path) -> list[tuple[str, str]]:
    """``(path, label)`` rows of a CSV/TSV (header optional, detected by its names)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not UTF-8 text; a labels table is CSV/TSV with path,label rows") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise FormatError(f"{path}: empty labels table; expected path,label rows")
    delim = "\t" if "\t" in lines[0] else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
    first = [f.strip().lower() for f in rows[0]]
    if first and first[0] in ("path", "file", "filename", "image", "key", "id"):
        rows = rows[1:]
    out = []
    for n, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise FormatError(f"{path}: row {n} {','.join(row)[:60]!r} is not 'path,label'")
        out.append((row[0].strip(), row[1].strip()))
    return out


def _list_folder(root: Path, exclude: set[Path]) -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            p = Path(folder) / name
            if not name.startswith(".") and p.resolve() not in exclude:
                files.append(p)
    return files


def read_images(source: str | os.PathLike[str], *, size: int = 32, channels: str = "auto",
                labels: str | os.PathLike[str] | None = None, strict: bool = False,
                cache_mb: float = 512.0) -> ImageCollection:
    """Open a folder, a CSV/TSV of ``path,label`` rows or an ``.npz`` (module docstring)."""
    _check_options(size, channels)
    path = Path(source)
    if not path.exists():
        raise InputFileError(f"{path}: no such file or folder; give a folder of images, a CSV/TSV of "
                             "path,label rows or an .npz of arrays")
    if path.is_file() and path.suffix.lower() == ".npz":
        if labels is not None:
            raise InvalidParameterError(f"{path}: an .npz carries its own 'labels' array; a labels table is for folders")
        return _read_npz(path, size=size, channels=channels, cache_mb=cache_mb)
    label_of: dict[str, str] | None = None
    if path.is_file():
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise InputFileError(f"{path}: is a file; give a folder of images, a CSV/TSV of path,label rows or an .npz")
        root, rows, exclude = path.parent, _read_table(path), {path.resolve()}
        files = [root / p for p, _ in rows]
        label_of = {(root / p).as_posix(): lab for p, lab in rows}
    else:
        root, exclude = path, set()
        if labels is not None:
            table = Path(labels)
            if not table.is_file():
                raise InputFileError(f"{table}: labels table not found (CSV/TSV of path,label rows)")
            exclude.add(table.resolve())
            label_of = {(root / p).as_posix(): lab for p, lab in _read_table(table)}
        files = _list_folder(root, exclude)
    skipped: list[tuple[str, str]] = []
    keys: list[str] = []
    labs: list[str | None] = []
    paths: list[Path] = []
    colour = False
    if label_of is not None and labels is not None:
        listed = {f.as_posix() for f in files}
        for p in label_of:
            if p not in listed:
                skipped.append((p, f"{p}: listed in {labels} but not found"))
    for f in files:
        if not f.is_file():
            skipped.append((str(f), f"{f}: listed in {path} but not found"))
            continue
        try:
            pixels = _decode_file(f)
        except FormatError as exc:
            skipped.append((str(f), str(exc)))
            continue
        colour = colour or _is_colour(pixels)
        rel = f.relative_to(root)
        keys.append(rel.as_posix())
        if label_of is not None:
            labs.append(label_of.get(f.as_posix()))
        else:
            labs.append(rel.parts[0] if len(rel.parts) > 1 else None)
        paths.append(f)
    _report(skipped, strict, str(path))
    if not keys:
        raise DataError(f"{path}: no readable image" + (f" ({len(skipped)} file(s) skipped)" if skipped else ""))
    n_channels = 3 if channels == "rgb" or (channels == "auto" and colour) else 1
    return ImageCollection(str(path), keys, labs, int(size), n_channels, channels, skipped, cache_mb, _paths=paths)


def _pick(data: Any, names: Sequence[str]) -> str | None:
    return next((n for n in names if n in data.files), None)


def _read_npz(path: Path, *, size: int, channels: str, cache_mb: float) -> ImageCollection:
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise FormatError(f"{path}: not a readable .npz ({' '.join(str(exc).split())})") from None
    with data:
        name = _pick(data, ("images", "x", "X"))
        if name is None:
            raise FormatError(f"{path}: no 'images' array (arrays: {', '.join(data.files) or 'none'}); save the "
                              "images as np.savez(path, images=..., labels=...)")
        try:
            images = data[name]
            lab_name, key_name = _pick(data, ("labels", "y")), _pick(data, ("keys",))
            labels = None if lab_name is None else data[lab_name]
            keys = None if key_name is None else data[key_name]
        except ValueError as exc:  # object arrays need pickle
            raise FormatError(f"{path}: {' '.join(str(exc).split())}; store labels and keys as strings or numbers") from None
    return images_from_arrays(images, labels, keys, size=size, channels=channels, source=str(path), cache_mb=cache_mb)


def images_from_arrays(images: np.ndarray, labels: Sequence[Any] | np.ndarray | None = None,
                       keys: Sequence[Any] | np.ndarray | None = None, *, size: int = 32, channels: str = "auto",
                       source: str = "arrays", cache_mb: float = 512.0) -> ImageCollection:
    """A collection from in-memory arrays (shapes and scaling: module docstring)."""
    _check_options(size, channels)
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[:, :, :, None]
    elif x.ndim == 4 and x.shape[3] not in (1, 3, 4) and x.shape[1] in (1, 3):
        x = np.transpose(x, (0, 2, 3, 1))
    if x.ndim != 4 or x.shape[3] not in (1, 3, 4) or x.shape[0] == 0:
        raise FormatError(f"{source}: images of shape {np.shape(images)}; expected (N, H, W), (N, H, W, C) with C in "
                          "1, 3, 4, or (N, C, H, W) with C in 1, 3")
    if x.dtype == np.uint8:
        xf = x.astype(np.float32) / 255.0
    elif x.dtype == np.uint16:
        xf = x.astype(np.float32) / 65535.0
    elif x.dtype.kind in "biuf":
        xf = x.astype(np.float32)
        if not np.isfinite(xf).all():
            bad = int(np.flatnonzero(~np.isfinite(xf).reshape(len(xf), -1).all(axis=1))[0])
            raise DataError(f"{source}: image {bad} holds NaN or infinite values")
        lo, hi = float(xf.min()), float(xf.max())
        if lo < 0 or hi > 1:
            xf = (xf - lo) / (hi - lo) if hi > lo else np.zeros_like(xf)
    else:
        raise FormatError(f"{source}: images of dtype {x.dtype}; expected numbers")
    if xf.shape[3] == 4:  # RGBA: composite onto white
        xf = xf[:, :, :, :3] * xf[:, :, :, 3:] + (1.0 - xf[:, :, :, 3:])
    n = len(xf)
    if keys is None:
        key_list = [str(i) for i in range(n)]
    else:
        key_list = [str(k) for k in np.asarray(keys).tolist()]
        if len(key_list) != n:
            raise DataError(f"{source}: {len(key_list)} keys for {n} images")
        if len(set(key_list)) != n:
            raise DataError(f"{source}: keys are not unique")
    if labels is None:
        lab_list: list[str | None] = [None] * n
    else:
        lab_list = [str(v) for v in np.asarray(labels).tolist()]
        if len(lab_list) != n:
            raise DataError(f"{source}: {len(lab_list)} labels for {n} images")
    n_channels = 3 if channels == "rgb" or (channels == "auto" and xf.shape[3] == 3) else 1
    return ImageCollection(source, key_list, lab_list, int(size), n_channels, channels, [], cache_mb,
                           _arrays=np.ascontiguousarray(xf, dtype=np.float32))


def read_image_labels(source: str | os.PathLike[str]) -> tuple[list[str], list[str], list[str] | None, str]:
    """``(keys, labels, split or None, source)`` without decoding any image, for evaluation:

    a folder (labels from sub-folders, keys as :func:`read_images` makes them; files in the root
    have no label and are left out), an .npz with ``keys``/``labels`` arrays, or a CSV/TSV of
    ``key,label[,split]`` rows (``split``: ``train`` or ``test``; header optional).
    """
    path = Path(source)
    if path.is_dir():
        keys, labs = [], []
        for f in _list_folder(path, set()):
            rel = f.relative_to(path)
            if len(rel.parts) > 1:
                keys.append(rel.as_posix())
                labs.append(rel.parts[0])
        if not keys:
            raise DataError(f"{path}: no image in a class sub-folder; labels come from sub-folder names")
        return keys, labs, None, str(path)
    if not path.is_file():
        raise InputFileError(f"{path}: labels not found; give a CSV/TSV of key,label rows, an .npz or an image folder")
    if path.suffix.lower() == ".npz":
        with np.load(path, allow_pickle=False) as data:
            lab_name = _pick(data, ("labels", "y"))
            if lab_name is None:
                raise FormatError(f"{path}: no 'labels' array (arrays: {', '.join(data.files)})")
            labels = [str(v) for v in data[lab_name].tolist()]
            keys = ([str(k) for k in data["keys"].tolist()] if "keys" in data.files
                    else [str(i) for i in range(len(labels))])
        return keys, labels, None, str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not UTF-8 text; expected key,label[,split] rows") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise FormatError(f"{path}: empty; expected key,label[,split] rows")
    delim = "\t" if "\t" in lines[0] else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
    if rows[0] and rows[0][0].strip().lower() in ("path", "file", "filename", "image", "key", "id"):
        rows = rows[1:]
    keys, labs, split = [], [], []
    for n, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise FormatError(f"{path}: row {n} {delim.join(row)[:60]!r} is not 'key,label[,split]'")
        keys.append(row[0].strip())
        labs.append(row[1].strip())
        part = row[2].strip().lower() if len(row) > 2 else ""
        if part and part not in ("train", "test"):
            raise FormatError(f"{path}: row {n}: split {row[2]!r} must be train or test")
        split.append(part)
    has_split = any(split)
    if has_split and not all(split):
        raise FormatError(f"{path}: some rows have a split column and some do not; give train or test on every row")
    return keys, labs, split if has_split else None, str(path)
