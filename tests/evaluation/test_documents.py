"""Document embeddings: mean, TF-IDF and SIF against NumPy/scikit-learn oracles; OOV reporting."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.evaluation.documents import DocumentEmbedder, tokenize
from embedlab.exceptions import DataError, InvalidParameterError, NotFittedError
from embedlab.vectors import KeyedVectors

WORDS = ["good", "bad", "film", "plot", "great", "dull", "the", "a"]


@pytest.fixture
def kv(seed):
    rng = np.random.default_rng(seed)
    return KeyedVectors(WORDS, rng.normal(size=(len(WORDS), 6)), counts=np.array([50, 40, 30, 20, 10, 5, 500, 400]))


TEXTS = ["The good film", "a dull , dull plot", "great great film xyzzy", "qqq www"]


def test_tokenize_keeps_inner_apostrophes_and_punctuation():
    assert tokenize("It's a well-made Film, isn't it?") == ["it's", "a", "well-made", "film", ",", "isn't", "it", "?"]
    assert tokenize("A b\tC", lowercase=False, tokenizer="whitespace") == ["A", "b", "C"]


def test_mean_is_average_of_known_word_vectors_and_oov_is_reported(kv):
    emb = DocumentEmbedder(kv, method="mean")
    X = emb.fit_transform(TEXTS)
    v = kv.vectors.astype(np.float64)
    np.testing.assert_allclose(X[0], v[[6, 0, 2]].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(X[1], v[[7, 5, 5, 3]].mean(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(X[3], 0.0)  # no known word: zero row, kept for alignment
    oov = emb.last_oov_
    assert (oov.n_texts, oov.n_empty_texts) == (4, 1)
    assert oov.n_oov_tokens == 3  # "xyzzy", "qqq", "www"; "," is not looked up (no punctuation in kv)
    assert oov.text_coverage == pytest.approx(0.75)
    assert oov.token_coverage == pytest.approx(1 - 3 / 13)
    assert dict(oov.top_oov)["xyzzy"] == 1


def test_tfidf_idf_equals_sklearn_smooth_idf(kv):
    from sklearn.feature_extraction.text import TfidfVectorizer

    emb = DocumentEmbedder(kv, method="tfidf").fit(TEXTS)
    vec = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False).fit([t.lower() for t in TEXTS])
    for w, j in vec.vocabulary_.items():
        if w in kv:
            assert emb.idf_[kv.get_index(w)] == pytest.approx(vec.idf_[j])
    X = emb.transform(["good good film"])
    wts = emb.idf_[[0, 0, 2]]
    np.testing.assert_allclose(X[0], (kv.vectors[[0, 0, 2]] * wts[:, None]).sum(axis=0) / wts.sum(), rtol=1e-6)


def test_sif_weights_and_common_component_removal(kv):
    texts = TEXTS[:3] + ["the film the plot", "bad film", "good plot"]
    emb = DocumentEmbedder(kv, method="sif", sif_a=1e-3).fit(texts)
    assert emb.word_prob_source_ == "vectors"
    np.testing.assert_allclose(emb.word_prob_, kv.counts / kv.counts.sum())
    X = emb.transform(texts)
    assert np.abs(X @ emb.components_[0]).max() < 1e-8  # projection on the removed component is gone
    raw = DocumentEmbedder(kv, method="sif", n_components=0).fit(texts).transform(texts)
    w = 1e-3 / (1e-3 + emb.word_prob_)
    rows = [kv.get_index(t) for t in ["bad", "film"]]
    np.testing.assert_allclose(raw[4], (kv.vectors[rows] * w[rows, None]).sum(axis=0) / w[rows].sum(), rtol=1e-6)
    from_texts = DocumentEmbedder(kv, method="sif", word_frequencies="texts").fit(texts)
    assert from_texts.word_prob_source_ == "texts"
    assert from_texts.word_prob_[kv.get_index("the")] == pytest.approx(3 / 18)  # 18 known tokens, 3 of them "the"


def test_bad_parameters_and_states(kv):
    with pytest.raises(InvalidParameterError, match="parameter 'method'"):
        DocumentEmbedder(kv, method="max").fit(TEXTS)
    with pytest.raises(NotFittedError, match="not fitted"):
        DocumentEmbedder(kv).transform(TEXTS)
    with pytest.raises(DataError, match="at least one text"):
        DocumentEmbedder(kv).fit([])
    with pytest.raises(DataError, match="none of the texts"):
        DocumentEmbedder(kv, method="sif", word_frequencies="texts").fit(["qqq"])
    no_counts = KeyedVectors(WORDS, kv.vectors)
    with pytest.raises(DataError, match="carry no corpus counts"):
        DocumentEmbedder(no_counts, method="sif", word_frequencies="vectors").fit(TEXTS)



def test_coverage_counts_the_tokens_pooling_looks_up_the_way_the_vectors_were_made(kv):
    """Trained vectors are split with their training tokenizer (punctuation was dropped there);
    external ones with punctuation where their vocabulary has it, and clitics and hyphenated
    words in the parts their tokenizer made (GloVe: do n't, it 's)."""
    from embedlab.evaluation.documents import lookup_tokens

    trained = KeyedVectors(["it's", "a", "well", "made", "film"], np.eye(5),
                           metadata={"corpus": {"total_words": 100}, "params": {"lowercase": True}})
    assert lookup_tokens(trained)("It's a well-made film.") == ["it's", "a", "well", "made", "film"]
    glove_like = KeyedVectors(["it", "'s", "a", "well", "made", "film", ".", "do", "n't"], np.eye(9))
    assert lookup_tokens(glove_like)("It's a well-made film. Don't!") == \
        ["it", "'s", "a", "well", "made", "film", ".", "do", "n't", "!"]
    emb = DocumentEmbedder(glove_like).fit(["It's a well-made film. Don't!"])
    assert emb.oov_.n_oov_tokens == 1 and dict(emb.oov_.top_oov) == {"!": 1}
    regex = DocumentEmbedder(glove_like, tokenizer="regex").fit(["It's a well-made film. Don't!"])
    assert dict(regex.oov_.top_oov) == {"it's": 1, "well-made": 1, "don't": 1, "!": 1}  # the old count
