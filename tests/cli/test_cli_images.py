"""``embedlab train cnn`` and ``embedlab encode-images``: folders with unreadable files, the saved
model, refusals in one line (one class, another checkpoint, a bad device) and Ctrl-C."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import assert_cli_error

pytest.importorskip("torch", reason="image embeddings need the images extra: pip install 'embedlab[images]'")
Image = pytest.importorskip("PIL.Image", reason="image inputs need Pillow: pip install 'embedlab[images]'")

from embedlab.vectors.io import load_vectors, save_vectors  # noqa: E402

FAST = ["--size", "8", "--widths", "4,8", "--dim", "4", "--epochs", "2", "--batch-size", "8", "--threads", "1",
        "--seed", "0", "--no-progress"]


def _folder(root, classes=("left", "right"), n=8):
    rng = np.random.default_rng(0)
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(n):
            img = rng.integers(0, 80, (10, 8), dtype=np.uint8)
            img[:, :4] += 150 if k == 0 else 0
            img[:, 4:] += 150 if k == 1 else 0
            Image.fromarray(img).save(root / name / f"{i}.png")
    return root


def test_train_then_encode_images_give_the_same_vectors(cli, tmp_path):
    root = _folder(tmp_path / "imgs")
    (root / "left" / "zero.png").write_bytes(b"")
    out, model = tmp_path / "v.npz", tmp_path / "model.npz"
    result = cli("train", "cnn", root, "-o", out, "--save-model", model, *FAST)
    assert result.exit_code == 0, result.stderr
    assert "WARNING: " in result.stderr and "skipped 1 unreadable file(s)" in result.stderr
    assert result.stderr.count("zero.png: empty file") == 1
    assert "ImageCNN trained" in result.stdout and "images/s" in result.stdout
    kv = load_vectors(out)
    assert len(kv) == 16 and kv.index_to_key[0] == "left/0.png" and kv.vector_size == 4
    assert kv.metadata["method"] == "cnn" and kv.metadata["classes"] == ["left", "right"]
    again = tmp_path / "again.npz"
    result = cli("encode-images", root, "--model", model, "-o", again, "--threads", "1")
    assert result.exit_code == 0, result.stderr
    back = load_vectors(again)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-5, atol=1e-6)
    strict = cli("encode-images", root, "--model", model, "-o", tmp_path / "s.npz", "--strict")
    assert_cli_error(strict, r"zero\.png: empty file \(0 bytes\).*strict")
    assert not (tmp_path / "s.npz").exists()


def test_one_class_refused_in_one_line_and_nothing_written(cli, tmp_path):
    root = _folder(tmp_path / "one", classes=("only",))
    result = cli("train", "cnn", root, "-o", tmp_path / "v.npz", *FAST)
    assert_cli_error(result, r"single class \('only'\); the softmax objective needs at least 2 classes")
    assert not (tmp_path / "v.npz").exists()


def test_other_checkpoints_and_bad_options_refused(cli, tmp_path):
    from embedlab.vectors import KeyedVectors

    root = _folder(tmp_path / "imgs")
    save_vectors(KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32)), tmp_path / "vectors.npz")
    result = cli("encode-images", root, "--model", tmp_path / "vectors.npz", "-o", tmp_path / "o.npz")
    assert_cli_error(result, r"vectors\.npz: not an ImageCNN checkpoint")
    result = cli("train", "cnn", root, "-o", tmp_path / "o.npz", *FAST, "--device", "tpu9")
    assert_cli_error(result, r"device 'tpu9' is not a torch device")
    result = cli("train", "cnn", root, "-o", tmp_path / "o.npz", *FAST, "--margin", "0.5")
    assert_cli_error(result, r"--margin is used by --objective triplet only")
    result = cli("train", "cnn", root, "-o", tmp_path / "o.npz", *FAST, "--lr", "-1")
    assert_cli_error(result, r"'lr' \(--lr\)")
    assert not (tmp_path / "o.npz").exists()


def test_ctrl_c_writes_nothing_and_says_so(cli, tmp_path, monkeypatch):
    from embedlab.models import cnn

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cnn.ImageCNN, "_validate", interrupted)
    root = _folder(tmp_path / "imgs")
    result = cli("train", "cnn", root, "-o", tmp_path / "v.npz", "--save-model", tmp_path / "m.npz", *FAST)
    assert_cli_error(result, r"interrupted after 0 epoch\(s\); nothing written to .*v\.npz or .*m\.npz", code=130)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imgs"]
