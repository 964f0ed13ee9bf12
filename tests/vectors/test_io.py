"""Vector formats: round trips, gensim interop in both directions, mmap, and malformed files."""

from __future__ import annotations

import gzip
import zipfile

import numpy as np
import pytest

from embedlab.exceptions import DataError, FormatError, InputFileError, InvalidParameterError
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import FORMATS, infer_format, load_vectors, register_format, save_vectors

gensim_kv = pytest.importorskip("gensim.models.keyedvectors", reason="gensim.models.keyedvectors is not installed: pip install 'embedlab[test]'")

KEYS = ["the", "Straße", "日本", "naïve", "café", "x", "emoji🙂", "UPPER"]


@pytest.fixture
def kv(seed) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    vectors = (rng.standard_normal((len(KEYS), 7)) * np.logspace(-3, 3, 7)).astype(np.float32)
    counts = np.arange(len(KEYS), 0, -1) * 10
    return KeyedVectors(KEYS, vectors, counts, {"method": "test", "params": {"dim": 7}, "seed": seed})


def _to_gensim(kv: KeyedVectors):
    g = gensim_kv.KeyedVectors(kv.vector_size)
    g.add_vectors(kv.index_to_key, kv.vectors)
    return g


@pytest.mark.parametrize("name", ["v.npz", "v.vec", "v.txt", "v.vec.gz", "v.txt.bz2", "v.bin"])
def test_round_trip_every_format(kv, tmp_path, name):
    save_vectors(kv, tmp_path / name)
    back = load_vectors(tmp_path / name)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)  # 9 digits round-trip float32 exactly
    assert back.vectors.dtype == np.float32
    assert [p.name for p in tmp_path.iterdir()] == [name]  # atomic: no temp files left


def test_npz_keeps_counts_and_metadata_without_pickle(kv, tmp_path):
    kv.save(tmp_path / "v.npz")
    back = KeyedVectors.load(tmp_path / "v.npz")
    np.testing.assert_array_equal(back.counts, kv.counts)
    assert back.metadata == kv.metadata
    with np.load(tmp_path / "v.npz", allow_pickle=False) as z:  # plain npy members, no pickle
        np.testing.assert_array_equal(z["vectors"], kv.vectors)
        assert {"vectors", "keys", "key_lengths", "counts"} <= set(z.files)
    with zipfile.ZipFile(tmp_path / "v.npz") as zf:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())


def test_npz_mmap_returns_memmap_equal_to_saved(kv, tmp_path):
    save_vectors(kv, tmp_path / "v.npz")
    back = load_vectors(tmp_path / "v.npz", mmap=True)
    assert isinstance(back.vectors, np.memmap)
    assert not back.vectors.flags.writeable
    np.testing.assert_array_equal(np.asarray(back.vectors), kv.vectors)
    assert back.index_to_key == kv.index_to_key
    assert back.most_similar("the", topn=2) == kv.most_similar("the", topn=2)


def test_npz_written_by_numpy_savez_compressed_loads_even_with_mmap(kv, tmp_path):
    path = tmp_path / "plain.npz"
    np.savez_compressed(path, vectors=kv.vectors, keys=np.array(kv.index_to_key))
    back = load_vectors(path, mmap=True)  # compressed members cannot be mapped: loaded instead
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    assert back.counts is None


def test_gensim_loads_our_text_and_binary(kv, tmp_path):
    save_vectors(kv, tmp_path / "v.vec")
    save_vectors(kv, tmp_path / "v.bin")
    text = gensim_kv.KeyedVectors.load_word2vec_format(str(tmp_path / "v.vec"), binary=False)
    binary = gensim_kv.KeyedVectors.load_word2vec_format(str(tmp_path / "v.bin"), binary=True)
    for g in (text, binary):
        assert g.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(binary.vectors, kv.vectors)
    np.testing.assert_allclose(text.vectors, kv.vectors, rtol=1e-7, atol=0)


@pytest.mark.parametrize("binary", [False, True])
def test_we_load_gensim_outputs(kv, tmp_path, binary):
    path = tmp_path / ("g.bin" if binary else "g.txt")
    _to_gensim(kv).save_word2vec_format(str(path), binary=binary)
    back = load_vectors(path)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)  # gensim writes shortest repr: exact


def test_glove_without_header_and_fasttext_trailing_spaces(tmp_path):
    glove = tmp_path / "glove.txt"
    glove.write_text("the 0.1 -0.2 3e-3\nof 1 2 3\n", encoding="utf-8")
    kv = load_vectors(glove)
    assert kv.index_to_key == ["the", "of"]
    np.testing.assert_allclose(kv.vectors, [[0.1, -0.2, 0.003], [1, 2, 3]], rtol=1e-7)
    fasttext = tmp_path / "ft.vec"
    fasttext.write_bytes(b"2 3\r\n</s> 0.5 0.25 -1 \r\nword 1 2 3 \r\n")  # fastText ends values with a space
    kv = load_vectors(fasttext)
    assert kv.index_to_key == ["</s>", "word"]
    np.testing.assert_array_equal(kv.vectors[0], np.array([0.5, 0.25, -1], dtype=np.float32))


def test_glove_format_has_no_header_and_gensim_reads_it(kv, tmp_path):
    save_vectors(kv, tmp_path / "glove.txt", format="glove")
    first = (tmp_path / "glove.txt").read_text(encoding="utf-8").splitlines()[0]
    assert first.split()[0] == "the" and len(first.split()) == 8
    g = gensim_kv.KeyedVectors.load_word2vec_format(str(tmp_path / "glove.txt"), no_header=True)
    assert g.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(g.vectors, kv.vectors)
    np.testing.assert_array_equal(load_vectors(tmp_path / "glove.txt").vectors, kv.vectors)


def test_format_inference_and_registry(kv, tmp_path):
    assert infer_format("a/b.vec.gz") == "word2vec"
    assert infer_format("x.BIN") == "word2vec-binary"
    with pytest.raises(InvalidParameterError, match=r"cannot infer .*npz \(\.npz\).*word2vec-binary \(\.bin\)"):
        infer_format("vectors.parquetx")
    with pytest.raises(InvalidParameterError, match="unknown vectors format 'glovex'; valid formats: npz, word2vec"):
        save_vectors(kv, tmp_path / "v.vec", format="glovex")
    save_vectors(kv, tmp_path / "odd.name", format="word2vec-binary")
    assert load_vectors(tmp_path / "odd.name", format="word2vec-binary").index_to_key == kv.index_to_key


def test_register_format_adds_a_reader_and_writer(kv, tmp_path):
    def write(k, tmp, target):
        with open(tmp, "wb") as fh:
            np.save(fh, np.asarray(k.vectors), allow_pickle=False)

    def read(path, mmap):
        with open(path, "rb") as fh:
            vectors = np.load(fh, allow_pickle=False)
        return KeyedVectors([f"k{i}" for i in range(len(vectors))], vectors)

    register_format("rows-npy", (".rowsnpy",), read, write)
    try:
        save_vectors(kv, tmp_path / "a.rowsnpy")
        back = load_vectors(tmp_path / "a.rowsnpy")
        np.testing.assert_array_equal(back.vectors, kv.vectors)
    finally:
        del FORMATS["rows-npy"]


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputFileError, match=r"nope\.vec: vectors file not found"):
        load_vectors(tmp_path / "nope.vec")
    (tmp_path / "d.npz").mkdir()
    with pytest.raises(InputFileError, match="is a directory"):
        load_vectors(tmp_path / "d.npz")


def test_key_with_space_is_refused_for_text_and_nothing_is_written(tmp_path):
    kv = KeyedVectors(["new york", "b"], np.ones((2, 3), dtype=np.float32))
    for name in ("v.vec", "v.bin"):
        with pytest.raises(DataError, match=r"key #0 'new york' .*contains whitespace.*save as npz"):
            save_vectors(kv, tmp_path / name)
    assert list(tmp_path.iterdir()) == []
    save_vectors(kv, tmp_path / "v.npz")  # npz stores any key
    assert load_vectors(tmp_path / "v.npz").index_to_key == ["new york", "b"]


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"2 3\na 1 2 3\nb 1 2\n", r"bad\.vec:3: expected a word and 3 values, found 2 values"),
        (b"2 3\na 1 2 3\nb 1 2 3 4\n", r"bad\.vec:3: expected a word and 3 values, found 4"),
        (b"2 3\na 1 2 3\nb 1 zz 3\n", r"bad\.vec:3: value 'zz' is not a number"),
        (b"2 3\na 1 2 3 4\nb 1 2\n", r"bad\.vec:2: expected a word and 3 values, found 4"),  # totals match
        (b"3 3\na 1 2 3\nb 1 2 3\n", r"bad\.vec: header says 3 vectors but the file holds 2 \(truncated\?\)"),
        (b"1 3\na 1 2 3\nb 1 2 3\n", r"header says 1 vectors but the file holds 2 \(header count too small\)"),
        (b"2 3\na 1 2 3\na 4 5 6\n", r"bad\.vec: duplicate key 'a' at line 3"),
        (b"2 3\na 1 2 3\nb\xff 1 2 3\n", r"bad\.vec:3: not UTF-8 text .*word2vec-binary"),
        (b"", r"bad\.vec: empty vectors file"),
        (b"2 0\n", r"bad\.vec:1: bad header"),
    ],
)
def test_malformed_text_names_file_and_line(tmp_path, data, message):
    path = _write(tmp_path, "bad.vec", data)
    with pytest.raises(FormatError, match=message):
        load_vectors(path)


def test_malformed_glove_line_numbers_count_from_one(tmp_path):
    path = _write(tmp_path, "g.txt", b"a 1 2\nb 1 2\nc 1\n")
    with pytest.raises(FormatError, match=r"g\.txt:3: expected a word and 2 values, found 1"):
        load_vectors(path)


def test_truncated_gzip_text(kv, tmp_path):
    save_vectors(kv, tmp_path / "v.vec.gz")
    data = (tmp_path / "v.vec.gz").read_bytes()
    path = _write(tmp_path, "cut.vec.gz", data[: len(data) // 2])
    with pytest.raises(FormatError, match=r"cut\.vec\.gz: truncated or corrupt compressed file"):
        load_vectors(path)
    assert gzip.decompress(data).startswith(b"8 7\n")


def test_malformed_binary_names_record_and_byte_offset(kv, tmp_path):
    save_vectors(kv, tmp_path / "v.bin")
    data = (tmp_path / "v.bin").read_bytes()
    cut = _write(tmp_path, "cut.bin", data[:-10])
    with pytest.raises(FormatError, match=r"cut\.bin: record 8 of 8 \('UPPER'\) at byte \d+: truncated, needs 28 bytes"):
        load_vectors(cut)
    more = _write(tmp_path, "more.bin", data.replace(b"8 7\n", b"9 7\n", 1))
    with pytest.raises(FormatError, match=r"more\.bin: record 9 of 9 at byte \d+: truncated"):
        load_vectors(more)
    fewer = _write(tmp_path, "fewer.bin", data.replace(b"8 7\n", b"7 7\n", 1))
    with pytest.raises(FormatError, match=r"fewer\.bin: byte \d+: data after the 7 records"):
        load_vectors(fewer)
    text = _write(tmp_path, "text.bin", b"the 0.1 0.2\n")
    with pytest.raises(FormatError, match=r"text\.bin: byte 0: expected a header line 'count dim'"):
        load_vectors(text)


def test_npz_errors(kv, tmp_path):
    not_zip = _write(tmp_path, "x.npz", b"2 3\na 1 2 3\n")
    with pytest.raises(FormatError, match=r"x\.npz: not an npz \(zip\) file"):
        load_vectors(not_zip)
    np.savez(tmp_path / "nokeys.npz", vectors=kv.vectors)
    with pytest.raises(FormatError, match=r"nokeys\.npz: npz member keys\.npy is missing"):
        load_vectors(tmp_path / "nokeys.npz")
    np.savez(tmp_path / "rows.npz", vectors=kv.vectors, keys=np.array(KEYS[:3]))
    with pytest.raises(FormatError, match=r"rows\.npz: 3 keys but 8 vector rows"):
        load_vectors(tmp_path / "rows.npz")
    bad = KeyedVectors(["a"], np.ones((1, 2), dtype=np.float32), metadata={"f": object()})
    with pytest.raises(DataError, match="metadata is not JSON-serialisable"):
        save_vectors(bad, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()
