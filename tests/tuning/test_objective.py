"""Objectives: spec parsing, weights, the validation/test split and scores on real vectors."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.exceptions import InputFileError, InvalidParameterError
from embedlab.tuning.objective import Objective, parse_term, split_indices


@pytest.fixture(scope="module")
def glove():
    from embedlab.vectors.pretrained import load_glove_6b_50d

    return load_glove_6b_50d(limit=10000)


def test_weights_are_parsed():
    assert parse_term("0.7*similarity:wordsim353").weight == 0.7
    assert parse_term("similarity:wordsim353").spec == "similarity:wordsim353"
    with pytest.raises(InvalidParameterError, match="the weight must be a positive number"):
        parse_term("0*similarity:wordsim353")
    with pytest.raises(InvalidParameterError, match=r"write a weight as WEIGHT\*KIND:NAME"):
        parse_term("x*similarity:wordsim353")


def test_split_is_disjoint_complete_and_deterministic():
    val, test = split_indices(353, 0.5, seed=0)
    assert np.intersect1d(val, test).size == 0
    assert np.array_equal(np.union1d(val, test), np.arange(353))
    assert len(val) == 176
    again, _ = split_indices(353, 0.5, seed=0)
    other, _ = split_indices(353, 0.5, seed=1)
    assert np.array_equal(val, again) and not np.array_equal(val, other)
    obj = Objective("similarity:wordsim353", split_seed=3)
    parts = obj._parts[0]
    pairs = lambda ev: set(zip(ev.dataset.word1, ev.dataset.word2))  # noqa: E731
    assert not pairs(parts[0]) & pairs(parts[1])
    assert len(pairs(parts[0]) | pairs(parts[1])) == len(pairs(obj.evaluators[0]))


def test_validation_and_test_scores_on_pretrained_vectors(glove):
    obj = Objective(["similarity:wordsim353", "0.5*analogy:google"], validation_fraction=0.5, split_seed=0)
    scores = obj.score(glove)
    sim, ana = scores.terms["similarity:wordsim353"], scores.terms["analogy:google"]
    # GloVe 6B 50-d reaches ~0.5 Spearman on WS353 and ~0.4 on Google analogies
    assert 0.35 < sim["validation"] < 0.75 and 0.35 < sim["test"] < 0.75
    assert 0.2 < ana["validation"] < 0.7 and 0.2 < ana["test"] < 0.7
    assert sim["n_validation"] + sim["n_test"] == 353
    assert scores.validation == pytest.approx(sim["validation"] + 0.5 * ana["validation"])
    assert scores.test == pytest.approx(sim["test"] + 0.5 * ana["test"])
    # the full-set score lies between the two halves' scores for accuracy (a weighted mean)
    full = obj.evaluators[1].evaluate(glove).score
    assert min(ana["validation"], ana["test"]) - 1e-9 <= full <= max(ana["validation"], ana["test"]) + 1e-9
    only_val = obj.score(glove, test=False)
    assert only_val.test is None and only_val.validation == pytest.approx(scores.validation)


def test_no_split_and_pareto_directions():
    obj = Objective("similarity:wordsim353", validation_fraction=1.0, pareto=["vector_size", "time"])
    assert obj.directions == ["maximize", "minimize", "minimize"]
    assert not obj.has_test and obj.multi_objective


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ("similarity", InvalidParameterError, "must look like KIND:NAME_OR_FILE"),
        ("classify:foo", InvalidParameterError, "unknown evaluation kind 'classify'"),
        ("similarity:/no/such/file.txt", InputFileError, r"/no/such/file\.txt"),
    ],
)
def test_bad_objectives(spec, error, match):
    with pytest.raises(error, match=match):
        Objective(spec)
    with pytest.raises(InvalidParameterError, match="unknown Pareto objective 'size'"):
        Objective("similarity:wordsim353", pareto=["size"])
