"""Output folders renamed from a temporary place get the user's umask, not mkdtemp's 0700 or
safetensors' 0600 (``pairs --heldout``, ``finetune -o``, ``explore -o``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    from embedlab import _fileio

    _fileio._umask.cache_clear()
    yield 0o027
    os.umask(old)
    _fileio._umask.cache_clear()


def _modes(root: Path) -> dict[str, int]:
    out = {".": stat.S_IMODE(root.stat().st_mode)}
    for p in root.rglob("*"):
        out[str(p.relative_to(root))] = stat.S_IMODE(p.stat().st_mode)
    return out


def _expect(root: Path, mask: int) -> None:
    for name, mode in _modes(root).items():
        want = (0o777 if (root / name).is_dir() else 0o666) & ~mask
        assert mode == want, f"{name}: {oct(mode)}, expected {oct(want)}"


def _tiny_retrieval(folder: Path) -> Path:
    """A BEIR folder with six queries, each judging one document."""
    import json

    folder.mkdir()
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for i in range(6):
            fh.write(json.dumps({"_id": f"d{i}", "text": f"document number {i} about topic {i}"}) + "\n")
    with open(folder / "queries.jsonl", "w", encoding="utf-8") as fh:
        for i in range(6):
            fh.write(json.dumps({"_id": f"q{i}", "text": f"topic {i}"}) + "\n")
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"q{i}\td{i}\t1\n" for i in range(6)), encoding="utf-8")
    return folder


def test_pairs_heldout_folder_follows_the_umask(tmp_path, umask_027):
    source = _tiny_retrieval(tmp_path / "beir")
    held = tmp_path / "held"
    r = CliRunner().invoke(app, ["pairs", str(source), "-o", str(tmp_path / "train.tsv"), "--split", "train",
                                 "--heldout", str(held)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert (held / "qrels" / "test.tsv").is_file()
    _expect(held, umask_027)
    assert stat.S_IMODE((tmp_path / "train.tsv").stat().st_mode) == 0o640


def test_saved_model_folder_follows_the_umask(tmp_path, umask_027):
    """A model whose save writes 0600 weights (as safetensors does) into mkdtemp's 0700 folder."""
    from embedlab.models.finetune import save_model_folder

    def save(path: str, create_model_card: bool = False) -> None:
        try:
            from safetensors.numpy import save_file

            save_file({"w": np.zeros(3, dtype=np.float32)}, os.path.join(path, "model.safetensors"))
        except ImportError:
            fd = os.open(os.path.join(path, "model.safetensors"), os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.mkdir(os.path.join(path, "1_Pooling"))
        Path(path, "1_Pooling", "config.json").write_text("{}")

    out = save_model_folder(SimpleNamespace(save=save), tmp_path / "ft", {"loss": "mnrl"})
    assert (out / "model.safetensors").is_file()
    _expect(out, umask_027)
