"""encode(): flat ids, offsets, OOV dropping, long-sentence split, memmap spill and cleanup."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest

from embedlab.corpus import Corpus, EncodedCorpus, Vocabulary, build_and_encode, encode
from embedlab.exceptions import DataError, InvalidParameterError


def filtered(sentences: list[list[str]], vocab: Vocabulary) -> list[list[str]]:
    out = [[w for w in s if w in vocab] for s in sentences]
    return [s for s in out if s]


@pytest.mark.parametrize("threshold", [0, 100, 10**9])
def test_round_trip(zipf_sentences: list[list[str]], threshold: int, tmp_path: Path) -> None:
    vocab = Vocabulary.build(zipf_sentences, min_count=4)
    with encode(zipf_sentences, vocab, memmap_threshold=threshold, temp_dir=str(tmp_path)) as enc:
        assert enc.ids.dtype == np.int32 and enc.offsets.dtype == np.int64
        assert enc.is_memmap == (threshold < 10**9)
        assert isinstance(enc.ids, np.memmap) == enc.is_memmap
        expected = filtered(zipf_sentences, vocab)
        assert list(enc.decode(vocab)) == expected
        assert enc.n_tokens == sum(map(len, expected)) == enc.offsets[-1]
        assert enc.n_sentences == len(expected) == len(enc.offsets) - 1
        assert enc.offsets[0] == 0 and np.all(np.diff(enc.offsets) > 0)
        temp = enc.temp_dir
        assert (temp is not None) == enc.is_memmap
    if temp is not None:
        assert not temp.exists()  # the context manager removed the temporary folder
    assert list(tmp_path.iterdir()) == []


def test_spill_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    enc_mod = importlib.import_module("embedlab.corpus.encode")  # the module, not the function

    monkeypatch.setattr(enc_mod, "_BATCH_TOKENS", 7)
    sentences = [["a", "b", "c", "x"][: 1 + i % 4] for i in range(500)]
    vocab = Vocabulary.build(sentences, min_count=1)
    enc = encode(sentences, vocab, memmap_threshold=50, temp_dir=str(tmp_path))
    assert enc.is_memmap
    assert list(enc.decode(vocab)) == sentences
    enc.close()
    enc.close()  # idempotent
    assert enc.n_tokens == 0 and list(tmp_path.iterdir()) == []


def test_long_sentences_split() -> None:
    sentence = [f"w{i % 7}" for i in range(25)] + ["oov"]
    vocab = Vocabulary.build([sentence[:-1]], min_count=1)
    enc = encode([sentence, ["w1", "oov", "w2"]], vocab, max_sentence_length=10)
    assert enc.offsets.tolist() == [0, 10, 20, 25, 27]
    assert [len(s) for s in enc] == [10, 10, 5, 2]
    assert sum(enc.decode(vocab), []) == sentence[:-1] + ["w1", "w2"]


def test_encode_corpus_file(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text("The cat sat.\nthe dog sat\n\nA cat!\n", encoding="utf-8")
    corpus = Corpus(path)
    vocab = Vocabulary.build(corpus, min_count=2)
    assert vocab.words == ["the", "cat", "sat"]
    enc = encode(corpus, vocab)
    assert isinstance(enc, EncodedCorpus)
    assert enc.ids.tolist() == [0, 1, 2, 0, 2, 1]
    assert enc.offsets.tolist() == [0, 3, 5, 6]


def test_bad_input() -> None:
    vocab = Vocabulary.build([["a", "b"]], min_count=1)
    with pytest.raises(DataError, match="no token of the corpus is in the vocabulary"):
        encode([["x", "y"]], vocab)
    with pytest.raises(InvalidParameterError, match="'max_sentence_length' must be an int in"):
        encode([["a"]], vocab, max_sentence_length=0)


@pytest.mark.parametrize(("threshold", "batch"), [(10**9, 1 << 16), (0, 1 << 16), (300, 5), (10**9, 5)])
def test_build_and_encode_equals_two_passes(
    zipf_sentences: list[list[str]], threshold: int, batch: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importlib.import_module("embedlab.corpus.encode"), "_BATCH_TOKENS", batch)
    for min_count, max_vocab_size, max_len in [(1, None, 10000), (4, None, 7), (2, 30, 3)]:
        expected_vocab = Vocabulary.build(zipf_sentences, min_count=min_count, max_vocab_size=max_vocab_size)
        expected = encode(zipf_sentences, expected_vocab, max_len)
        vocab, enc = build_and_encode(
            zipf_sentences, min_count, max_vocab_size, max_len, memmap_threshold=threshold, temp_dir=str(tmp_path)
        )
        assert vocab.words == expected_vocab.words
        np.testing.assert_array_equal(vocab.counts, expected_vocab.counts)
        assert (vocab.total_words, vocab.n_sentences) == (expected_vocab.total_words, len(zipf_sentences))
        np.testing.assert_array_equal(enc.ids, expected.ids)
        np.testing.assert_array_equal(enc.offsets, expected.offsets)
        assert enc.is_memmap == (threshold < 1000)
        enc.close()
        assert list(tmp_path.iterdir()) == []  # the scratch and output folders are gone


def test_build_and_encode_bad_input(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"min_count=9 times \(the most frequent occurs 2 times"):
        build_and_encode([["a", "b", "a"]], min_count=9, memmap_threshold=0, temp_dir=str(tmp_path))
    with pytest.raises(DataError, match="empty or blank"):
        build_and_encode([[]], min_count=1)
    assert list(tmp_path.iterdir()) == []
