"""Image inputs: folders (class sub-folders, labels tables), .npz arrays, the size/channel/scale rules,
and unreadable files reported by path (skipped with a warning, or refused with strict)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

Image = pytest.importorskip("PIL.Image", reason="image inputs need Pillow: pip install 'embedlab[images]'")

from embedlab.corpus.images import images_from_arrays, read_image_labels, read_images  # noqa: E402
from embedlab.exceptions import DataError, FormatError, InputFileError, InvalidParameterError  # noqa: E402


def _save(path, array, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, format=fmt)
    return path


@pytest.fixture
def folder(tmp_path):
    """Two classes, four formats, grey and colour, odd sizes; plus a zero-byte, a truncated and a text file."""
    root = tmp_path / "imgs"
    rng = np.random.default_rng(0)
    _save(root / "cat" / "a.png", rng.integers(0, 256, (10, 20), dtype=np.uint8))
    _save(root / "cat" / "b.gif", rng.integers(0, 256, (9, 9), dtype=np.uint8))
    _save(root / "dog" / "c.bmp", rng.integers(0, 256, (16, 12), dtype=np.uint8))
    _save(root / "dog" / "d.jpg", rng.integers(0, 256, (12, 12, 3), dtype=np.uint8))
    (root / "dog" / "empty.png").write_bytes(b"")
    whole = (root / "cat" / "a.png").read_bytes()
    big = _save(tmp_path / "big.png", rng.integers(0, 256, (64, 64), dtype=np.uint8)).read_bytes()
    (root / "cat" / "truncated.png").write_bytes(big[: len(big) // 2])
    (root / "notes.txt").write_text("not an image\n")
    assert whole
    return root


def test_folder_with_class_subfolders_skips_unreadable_files_by_path(folder, caplog):
    with caplog.at_level(logging.WARNING, logger="embedlab"):
        col = read_images(folder, size=8)
    assert col.keys == ["cat/a.png", "cat/b.gif", "dog/c.bmp", "dog/d.jpg"]
    assert col.labels == ["cat", "cat", "dog", "dog"] and col.classes() == ["cat", "dog"]
    assert col.channels == 3  # d.jpg is colour: every image gets 3 channels
    reasons = dict(col.skipped)
    assert set(reasons) == {str(folder / "dog" / "empty.png"), str(folder / "cat" / "truncated.png"),
                            str(folder / "notes.txt")}
    assert "empty file" in reasons[str(folder / "dog" / "empty.png")]
    assert "truncated" in reasons[str(folder / "cat" / "truncated.png")]
    assert "not an image" in reasons[str(folder / "notes.txt")]
    assert "skipped 3 unreadable file(s)" in caplog.text and "empty.png" in caplog.text
    x = col.load(np.arange(4))
    assert x.shape == (4, 3, 8, 8) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    np.testing.assert_array_equal(x[0, 0], x[0, 1])  # a grey image repeated in all three channels
    seen = [k for idx, batch in col.batches(batch_size=3) for k in idx]
    assert seen == [0, 1, 2, 3]


def test_strict_refuses_the_first_unreadable_file_in_one_line(folder):
    with pytest.raises(FormatError, match=r"notes\.txt: not an image.*and 2 more.*strict") as info:
        read_images(folder, size=8, strict=True)
    assert "\n" not in str(info.value)


def test_resize_rule_shorter_side_then_centre_crop(tmp_path):
    # 4 x 8 image: left half black, right half white; shorter side 4 -> 4, crop the centre 4 columns
    arr = np.zeros((4, 8), dtype=np.uint8)
    arr[:, 4:] = 255
    _save(tmp_path / "f" / "x.png", arr)
    col = read_images(tmp_path / "f", size=4)
    np.testing.assert_allclose(col.load([0])[0, 0], arr[:, 2:6] / 255.0, atol=1e-6)
    assert col.labels == [None] and col.channels == 1
    up = read_images(tmp_path / "f", size=8).load([0])  # upscaled: 8 x 16, centre 8 columns
    assert up.shape == (1, 1, 8, 8) and up[0, 0, :, 0].max() < 0.05 and up[0, 0, :, -1].min() > 0.95


def test_channel_rules_grey_forced_and_alpha_on_white(tmp_path):
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red, fully transparent on the left half
    rgba[:, 2:, 3] = 255
    _save(tmp_path / "f" / "x.png", rgba)
    rgb = read_images(tmp_path / "f", size=4).load([0])[0]
    np.testing.assert_allclose(rgb[:, :, :2], 1.0)  # transparent -> white
    np.testing.assert_allclose(rgb[:, :, 2:].transpose(1, 2, 0).reshape(-1, 3), [[1, 0, 0]] * 8)
    grey = read_images(tmp_path / "f", size=4, channels="grey").load([0])[0, 0]
    np.testing.assert_allclose(grey[:, 2:], 0.299, atol=1e-6)  # ITU-R 601-2 luma of pure red
    with pytest.raises(InvalidParameterError, match="'channels'"):
        read_images(tmp_path / "f", channels="cmyk")


def test_flat_folder_with_labels_table(tmp_path):
    rng = np.random.default_rng(1)
    for name in ("a.png", "b.png", "c.png"):
        _save(tmp_path / "flat" / name, rng.integers(0, 256, (5, 5), dtype=np.uint8))
    table = tmp_path / "labels.tsv"
    table.write_text("path\tlabel\na.png\tx\nb.png\ty\ngone.png\ty\n")
    col = read_images(tmp_path / "flat", size=5, labels=table)
    assert col.keys == ["a.png", "b.png", "c.png"] and col.labels == ["x", "y", None]
    assert [r for _, r in col.skipped] == [f"{(tmp_path / 'flat' / 'gone.png').as_posix()}: listed in {table} but not found"]
    # the table as the source itself (paths relative to its folder)
    (tmp_path / "flat" / "list.csv").write_text("a.png,x\nc.png,z\n")
    col = read_images(tmp_path / "flat" / "list.csv", size=5)
    assert col.keys == ["a.png", "c.png"] and col.labels == ["x", "z"]


def test_npz_arrays_shapes_and_scaling(tmp_path):
    digits = np.arange(2 * 4 * 4, dtype=np.float64).reshape(2, 4, 4) % 17  # 0..16, like sklearn's digits
    np.savez(tmp_path / "d.npz", images=digits, labels=np.array([3, 5]), keys=np.array(["p", "q"]))
    col = read_images(tmp_path / "d.npz", size=4)
    assert col.keys == ["p", "q"] and col.labels == ["3", "5"] and col.channels == 1
    np.testing.assert_allclose(col.load([0, 1])[:, 0], digits / 16.0, rtol=1e-6)
    chw = images_from_arrays(np.zeros((3, 3, 6, 6), dtype=np.uint8) + 255, size=6)  # (N, C, H, W)
    assert chw.channels == 3 and chw.keys == ["0", "1", "2"] and chw.load([2]).min() == 1.0
    np.savez(tmp_path / "bad.npz", pixels=digits)
    with pytest.raises(FormatError, match="no 'images' array"):
        read_images(tmp_path / "bad.npz")
    with pytest.raises(DataError, match="NaN"):
        images_from_arrays(np.full((1, 2, 2), np.nan))
    with pytest.raises(FormatError, match="shape"):
        images_from_arrays(np.zeros((2, 5, 5, 2)))


def test_missing_and_empty_sources(tmp_path):
    with pytest.raises(InputFileError, match="no such file or folder"):
        read_images(tmp_path / "nope")
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "z.png").write_bytes(b"")
    with pytest.raises(DataError, match=r"no readable image \(1 file\(s\) skipped\)"):
        read_images(tmp_path / "e")


def test_streaming_cache_budget(folder):
    col = read_images(folder, size=8, cache_mb=0)
    col.load([0, 1])
    assert col._cache == {}  # nothing kept: decoded again every time
    col = read_images(folder, size=8)
    col.load([0, 1])
    assert sorted(col._cache) == [0, 1]


def test_read_image_labels_without_decoding(folder, tmp_path):
    keys, labels, split, _ = read_image_labels(folder)
    assert "dog/d.jpg" in keys and labels[keys.index("dog/d.jpg")] == "dog" and split is None
    (tmp_path / "l.csv").write_text("key,label,split\na,1,train\nb,2,test\n")
    assert read_image_labels(tmp_path / "l.csv")[:3] == (["a", "b"], ["1", "2"], ["train", "test"])


def test_prefetch_gives_the_same_batches_and_reraises_errors(folder):
    col = read_images(folder, size=8, cache_mb=0)
    order = np.array([3, 1, 0, 2])
    plain = [(i.tolist(), x) for i, x in col.batches(order, 3)]
    ahead = [(i.tolist(), x) for i, x in col.batches(order, 3, prefetch=2)]
    assert [i for i, _ in plain] == [i for i, _ in ahead] == [[3, 1, 0], [2]]
    for (_, a), (_, b) in zip(plain, ahead):
        np.testing.assert_array_equal(a, b)
    early = col.batches(order, 1, prefetch=1)
    next(early)
    early.close()  # the consumer stops: the thread is stopped and joined
    (folder / "dog" / "c.bmp").unlink()  # gone after the reading check
    with pytest.raises(InputFileError, match=r"c\.bmp: no longer exists"):
        list(col.batches(order, 2, prefetch=2))
