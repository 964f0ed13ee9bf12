"""``embedlab explore VECTORS -o DIR``: the explorer as static files (open DIR/index.html; no server).

The page, its vendored WebGL library and ``data.js`` (keys, 2-D coordinates, colours and the unit
vectors, base64 float32) go into a temporary folder renamed onto DIR, plus ``coordinates.csv``
(key,x,y per set). Neighbours are computed in the browser by brute force over the exported
vectors, so sets are capped (``max_keys``, the most frequent keys first).
"""

from __future__ import annotations

import base64
import csv
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .._fileio import _umask

from ..exceptions import InputFileError
from .projection import color_by_cluster, color_by_frequency, color_by_label, project

__all__ = ["export_explorer"]


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


def export_explorer(sets: list[tuple[str, Any]], output: str | os.PathLike[str], *, method: str = "pca",
                    labels: dict[str, str] | None = None, seed: int = 0) -> dict[str, Any]:
    """Write the static explorer for ``sets`` (``(name, KeyedVectors)`` pairs) into ``output``."""
    from .app import _static_dir

    target = Path(output)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputFileError(f"{parent}: output folder does not exist; create it first")
    if target.exists() and not (target / "data.js").is_file():
        if not target.is_dir() or any(target.iterdir()):
            raise InputFileError(f"{target}: exists and is not an explorer export; choose another --output")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        static = _static_dir()
        shutil.copytree(static, tmp / "static", ignore=shutil.ignore_patterns("index.html"))
        page = (static / "index.html").read_text(encoding="utf-8")
        page = page.replace('<script src="static/explorer.js">', '<script src="data.js"></script>\n<script src="static/explorer.js">')
        (tmp / "index.html").write_text(page, encoding="utf-8")
        payload = []
        with open(tmp / "coordinates.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["set", "key", "x", "y"])
            for name, kv in sets:
                unit = kv.unit_vectors
                xy = project(unit, method=method, seed=seed)
                for key, (x, y) in zip(kv.index_to_key, xy.tolist(), strict=True):
                    writer.writerow([name, key, f"{x:.6f}", f"{y:.6f}"])
                colors = {"frequency": color_by_frequency(len(kv), kv.counts), "cluster": color_by_cluster(unit)}
                if labels:
                    colors["label"] = color_by_label(kv.index_to_key, labels)
                payload.append({
                    "name": name, "dim": kv.vector_size, "keys": kv.index_to_key, "map": _b64(xy.astype("<f4")),
                    "vectors": _b64(unit.astype("<f4")),
                    "colors": {by: {"values": _b64(c.astype(np.uint8)), "names": n} for by, (c, n) in colors.items()},
                })
        with open(tmp / "data.js", "w", encoding="utf-8") as fh:
            fh.write("window.EMBEDLAB_STATIC = ")
            json.dump({"method": method, "sets": payload}, fh, ensure_ascii=False)
            fh.write(";\n")
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / "x")
        os.chmod(tmp, 0o755 & ~_umask())
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"output": str(target), "sets": [(name, len(kv)) for name, kv in sets]}
