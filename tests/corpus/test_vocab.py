"""Vocabulary: counts vs a Counter oracle, pruning, subsampling and noise distributions."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from embedlab.corpus import Vocabulary
from embedlab.exceptions import DataError, FormatError, InvalidParameterError


def test_counts_match_counter(zipf_sentences: list[list[str]]) -> None:
    oracle = Counter(w for s in zipf_sentences for w in s)
    vocab = Vocabulary.build(zipf_sentences, min_count=1)
    assert vocab.total_words == sum(oracle.values())
    assert vocab.n_sentences == len(zipf_sentences)
    assert set(vocab.words) == set(oracle)
    assert all(vocab.count(w) == c for w, c in oracle.items())
    assert np.all(np.diff(vocab.counts) <= 0)
    assert vocab.counts.dtype == np.int64
    assert all(vocab.word_to_id[w] == i for i, w in enumerate(vocab.words))


def test_ties_keep_first_occurrence() -> None:
    vocab = Vocabulary.build([["b", "a", "c"], ["c", "a", "b", "d"], ["d"]], min_count=1)
    assert vocab.words == ["b", "a", "c", "d"]
    assert vocab.counts.tolist() == [2, 2, 2, 2]


def test_min_count_and_max_vocab_size(zipf_sentences: list[list[str]]) -> None:
    oracle = Counter(w for s in zipf_sentences for w in s)
    vocab = Vocabulary.build(zipf_sentences, min_count=5)
    assert set(vocab.words) == {w for w, c in oracle.items() if c >= 5}
    assert vocab.total_words == sum(oracle.values())
    small = Vocabulary.build(zipf_sentences, min_count=1, max_vocab_size=10)
    assert len(small) == 10
    assert small.counts.tolist() == sorted(oracle.values(), reverse=True)[:10]
    assert "w1" not in small or small.count("w1") >= small.counts[-1]
    assert small.words == Vocabulary.build(zipf_sentences, min_count=1).words[:10]


def test_empty_vocabulary_names_min_count() -> None:
    with pytest.raises(DataError, match=r"no word occurs min_count=50 times \(the most frequent occurs 3 times"):
        Vocabulary.build([["a", "a", "a", "b"]], min_count=50)
    with pytest.raises(DataError, match="empty or blank"):
        Vocabulary.build([[], []], min_count=1)
    with pytest.raises(InvalidParameterError, match="'min_count' must be an int in"):
        Vocabulary.build([["a"]], min_count=0)
    with pytest.raises(InvalidParameterError, match="'max_vocab_size' must be"):
        Vocabulary.build([["a"]], max_vocab_size=0)


def test_keep_probabilities_formula(zipf_sentences: list[list[str]]) -> None:
    vocab = Vocabulary.build(zipf_sentences, min_count=2)
    for sample in (1e-3, 1e-2, 1e-5):
        t = sample * vocab.counts.sum()
        expected = np.minimum((np.sqrt(vocab.counts / t) + 1) * t / vocab.counts, 1.0)
        got = vocab.keep_probabilities(sample)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-6)
        assert got[0] < 1.0  # the most frequent word is subsampled
    assert np.all(vocab.keep_probabilities(0) == 1.0)
    with pytest.raises(InvalidParameterError, match="'sample' must be a number in"):
        vocab.keep_probabilities(-0.1)


def test_keep_probabilities_match_gensim(zipf_sentences: list[list[str]]) -> None:
    gensim_models = pytest.importorskip("gensim.models", reason="gensim.models is not installed: pip install 'embedlab[test]'")
    for sample in (1e-3, 1e-2):
        model = gensim_models.Word2Vec(vector_size=8, min_count=3, sample=sample, workers=1)
        model.build_vocab(zipf_sentences)
        vocab = Vocabulary.build(zipf_sentences, min_count=3)
        assert set(vocab.words) == set(model.wv.index_to_key)  # gensim breaks ties differently
        sample_int = np.array([model.wv.get_vecattr(w, "sample_int") for w in vocab.words], dtype=np.float64)
        ours = vocab.keep_probabilities(sample).astype(np.float64)
        np.testing.assert_allclose(ours, sample_int / 2**32, atol=1e-6)


def test_noise_cdf(zipf_sentences: list[list[str]]) -> None:
    vocab = Vocabulary.build(zipf_sentences, min_count=1)
    cdf = vocab.noise_cdf(0.75)
    assert cdf.dtype == np.float64 and cdf[-1] == 1.0 and np.all(np.diff(cdf) > 0)
    weights = vocab.counts.astype(np.float64) ** 0.75
    np.testing.assert_allclose(np.diff(cdf, prepend=0.0), weights / weights.sum(), rtol=1e-12, atol=1e-15)
    uniform = vocab.noise_cdf(0.0)
    np.testing.assert_allclose(np.diff(uniform, prepend=0.0), 1.0 / len(vocab))
    draws = np.searchsorted(cdf, np.random.default_rng(0).random(200_000), side="right")
    freq = np.bincount(draws, minlength=len(vocab)) / draws.size
    assert abs(freq[0] - weights[0] / weights.sum()) < 0.01


def test_dict_round_trip(zipf_sentences: list[list[str]]) -> None:
    vocab = Vocabulary.build(zipf_sentences, min_count=2, max_vocab_size=50)
    data = json.loads(json.dumps(vocab.to_dict()))
    back = Vocabulary.from_dict(data)
    assert back.words == vocab.words
    np.testing.assert_array_equal(back.counts, vocab.counts)
    assert (back.total_words, back.n_sentences, back.min_count, back.max_vocab_size) == (
        vocab.total_words,
        vocab.n_sentences,
        2,
        50,
    )
    with pytest.raises(FormatError, match="vocabulary data is malformed"):
        Vocabulary.from_dict({"words": ["a"]})
    with pytest.raises(DataError, match="1 words but 2 counts"):
        Vocabulary.from_dict({"words": ["a"], "counts": [1, 2]})
