"""Phrases: collocations in real text, equality with gensim's Phrases, persistence, bad input."""

from __future__ import annotations

import itertools
import json

import pytest

from embedlab.corpus import Corpus, PhrasedSentences, Phrases, sample_corpus_path
from embedlab.exceptions import InvalidParameterError, NotFittedError


@pytest.fixture(scope="module")
def kjv() -> list[list[str]]:
    """The first 8,000 verses (~220k tokens) of the bundled KJV sample corpus."""
    return list(itertools.islice(Corpus(sample_corpus_path()), 8000))


@pytest.fixture(scope="module")
def fitted(kjv: list[list[str]]) -> Phrases:
    return Phrases(min_count=5, threshold=10.0).fit(kjv)


def test_collocations_in_real_text(fitted: Phrases) -> None:
    assert fitted.transform(["through", "the", "red", "sea"]) == ["through", "the", "red_sea"]
    assert fitted.transform(["boards", "of", "shittim", "wood"]) == ["boards", "of", "shittim_wood"]
    assert ("mercy", "seat") in fitted.phrasegrams_
    # frequent but not collocated, and a pair of words never seen together
    for pair in [("and", "the"), ("of", "the"), ("the", "lord"), ("water", "king")]:
        assert pair not in fitted.phrasegrams_
    assert fitted.transform(["and", "the", "water", "king"]) == ["and", "the", "water", "king"]


@pytest.mark.parametrize(("scoring", "threshold"), [("default", 10.0), ("npmi", 0.5)])
def test_same_phrases_as_gensim(kjv: list[list[str]], scoring: str, threshold: float) -> None:
    gensim_phrases = pytest.importorskip("gensim.models.phrases", reason="gensim.models.phrases is not installed: pip install 'embedlab[test]'")
    sample = kjv[:4000]
    ours = Phrases(min_count=5, threshold=threshold, scoring=scoring).fit(sample)
    theirs = gensim_phrases.Phrases(sample, min_count=5, threshold=threshold, scoring=scoring)
    expected = theirs.export_phrases()
    got = ours.export_phrases()
    assert len(got) > 30
    assert got.keys() == expected.keys()
    assert all(got[k] == pytest.approx(expected[k], rel=1e-9) for k in expected)
    for sentence in sample[:500]:
        assert ours.transform(sentence) == theirs[sentence]


def test_phrased_sentences_reiterable(kjv: list[list[str]], fitted: Phrases) -> None:
    phrased = PhrasedSentences(kjv[:300], fitted)
    first = list(phrased)
    assert first == list(phrased)
    assert first == [fitted.transform(s) for s in kjv[:300]]
    assert sum(map(len, first)) < sum(map(len, kjv[:300]))  # some pairs were joined


def test_greedy_left_to_right() -> None:
    sentences = [["a", "b", "c"]] * 20 + [["x", "y"]] * 20
    phrases = Phrases(min_count=1, threshold=0.1).fit(sentences)
    assert ("a", "b") in phrases.phrasegrams_ and ("b", "c") in phrases.phrasegrams_
    assert phrases.transform(["a", "b", "c"]) == ["a_b", "c"]
    assert Phrases(min_count=1, threshold=0.1, delimiter="+").fit(sentences).transform(["x", "y"]) == ["x+y"]


def test_dict_round_trip(fitted: Phrases, kjv: list[list[str]]) -> None:
    back = Phrases.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert back.phrasegrams_ == fitted.phrasegrams_
    assert [back.transform(s) for s in kjv[:200]] == [fitted.transform(s) for s in kjv[:200]]


def test_bad_input() -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        Phrases().transform(["a", "b"])
    with pytest.raises(NotFittedError, match="call fit"):
        PhrasedSentences([["a"]], Phrases())
    with pytest.raises(InvalidParameterError, match="'min_count' must be an int in"):
        Phrases(min_count=0).fit([["a", "b"]])
    with pytest.raises(InvalidParameterError, match="'scoring' must be one of"):
        Phrases(scoring="pmi").fit([["a", "b"]])
    with pytest.raises(InvalidParameterError, match=r"'threshold' must be in \[-1, 1\] with scoring='npmi'"):
        Phrases(scoring="npmi", threshold=10.0).fit([["a", "b"]])
