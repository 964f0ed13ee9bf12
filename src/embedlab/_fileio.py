"""Atomic output files: write to a temporary file beside the target, then rename.

An interrupted or failed write never leaves a partial file at the target path.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .exceptions import InputFileError


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def usual_modes(path: str | os.PathLike[str]) -> None:
    """Give ``path`` and everything under it the permissions the user's umask gives new files.

    ``tempfile.mkdtemp`` makes 0700 folders and ``mkstemp`` (and some writers, e.g. safetensors)
    0600 files; an output renamed from such a temporary place keeps them. Folders (and files
    already executable by their owner) get ``0o777 & ~umask``, other files ``0o666 & ~umask``.
    Symbolic links are left alone.
    """
    mask = _umask()
    root = Path(path)

    def fix(p: Path) -> None:
        if p.is_symlink():
            return
        mode = os.stat(p).st_mode
        os.chmod(p, (0o777 if p.is_dir() or mode & 0o100 else 0o666) & ~mask)

    if root.is_dir() and not root.is_symlink():
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                fix(Path(folder) / name)
    fix(root)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success.

    ``suffix`` keeps a meaningful ending on the temporary file (``np.savez`` appends ``.npz``
    otherwise). On any exception the temporary file is removed and the target is untouched.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        raise InputFileError(f"{folder}: output folder does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=folder)
    except OSError as exc:  # name the user's path, not the temporary file
        raise InputFileError(f"{target}: cannot write in {folder} ({exc.strerror or exc})") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():  # mkstemp makes 0600 files; give the target the usual permissions
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(
    target: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO]:
    """Open a temporary file for writing that replaces ``target`` only when closed cleanly."""
    if "b" in mode:
        encoding = None
    with atomic_path(target) as tmp, open(tmp, mode, encoding=encoding) as fh:
        yield fh
