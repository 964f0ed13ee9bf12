"""Generic pre-trained vectors: the .npy + .parquet layout and the glove-6b-50d name."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.vectors.pretrained import load_named_vectors, read_npy_parquet, resolve_vectors
from embedlab.exceptions import FormatError, InputFileError, InvalidParameterError
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import load_vectors, save_vectors

from downstream_helpers import glove


def test_glove_6b_50d_is_real_glove():
    kv = glove(20000)
    assert len(kv) == 20000 and kv.vector_size == 50
    assert kv.index_to_key[:3] == ["the", ",", "."]  # frequency order
    assert [w for w, _ in kv.most_similar("king", topn=3)][:2] == ["prince", "queen"]
    assert kv.metadata["name"] == "glove-6b-50d"
    assert resolve_vectors("glove-6b-50d", limit=100).index_to_key == kv.index_to_key[:100]


def test_npy_parquet_round_trip_through_the_format_registry(tmp_path):
    rng = np.random.default_rng(0)
    kv = KeyedVectors(["a", "b", "c"], rng.normal(size=(3, 4)))
    save_vectors(kv, tmp_path / "toy_index.parquet")
    assert (tmp_path / "toy_emb.npy").is_file()
    back = load_vectors(tmp_path / "toy_index.parquet")
    assert back.index_to_key == ["a", "b", "c"]
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    mapped = read_npy_parquet(tmp_path / "toy_index.parquet", mmap=True)
    np.testing.assert_array_equal(np.asarray(mapped.vectors), kv.vectors)


def test_npy_parquet_errors(tmp_path):
    rng = np.random.default_rng(0)
    save_vectors(KeyedVectors(["a", "b"], rng.normal(size=(2, 3))), tmp_path / "x_index.parquet")
    np.save(tmp_path / "x_emb.npy", np.zeros((5, 3), dtype=np.float32))
    with pytest.raises(FormatError, match=r"shape \(5, 3\) does not match 2 keys"):
        load_vectors(tmp_path / "x_index.parquet")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(FormatError, match="not a readable parquet index"):
        read_npy_parquet(tmp_path / "bad.parquet")
    with pytest.raises(InvalidParameterError, match="unknown pre-trained vectors 'glove-7b'"):
        load_named_vectors("glove-7b")
    with pytest.raises(InputFileError, match="nor a pre-trained name"):
        resolve_vectors(str(tmp_path / "nothing.npz"))
