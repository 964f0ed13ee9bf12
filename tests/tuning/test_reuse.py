"""Work shared between trials: one prepared corpus per corpus setting, repeated points not retrained."""

from __future__ import annotations

import numpy as np
import pytest
from optuna.trial import TrialState

from embedlab.base import clone
from embedlab.exceptions import InvalidParameterError
from embedlab.tuning import tune
from embedlab.tuning._trial import TrialContext
from embedlab.tuning.objective import Objective
from embedlab.tuning.space import make_space

OBJ = "similarity:wordsim353"


def test_prepared_corpus_trains_the_same_vectors(corpus, model):
    model.set_params(epochs=1)
    with model.prepare_corpus(corpus) as prepared:
        a = clone(model).fit(prepared).vectors_
        b = clone(model).fit(corpus).vectors_
        assert a.index_to_key == b.index_to_key
        assert np.array_equal(a.vectors, b.vectors)
        # still usable after a fit (the fit only borrowed it), also for other training params
        assert prepared.encoded.n_tokens > 0
        c = clone(model, window=2).fit(prepared).vectors_
        assert np.array_equal(c.vectors, clone(model, window=2).fit(corpus).vectors_.vectors)
        with pytest.raises(InvalidParameterError, match="PreparedCorpus was built with .*min_count"):
            clone(model, min_count=3).fit(prepared)


def test_trial_context_prepares_once_per_corpus_setting(corpus, model):
    ctx = TrialContext(model, corpus, Objective(OBJ), make_space({"window": (2, 5)}, model))
    first = ctx.corpus_for(clone(model, window=2))
    assert ctx.corpus_for(clone(model, window=5, alpha=0.05)) is first
    other = ctx.corpus_for(clone(model, min_count=4))
    assert other is not first and len(other.vocab) < len(first.vocab)
    ctx.close()
    assert first.encoded.n_tokens == 0 and other.encoded.n_tokens == 0
    assert TrialContext(model, corpus, Objective(OBJ), ctx.space, cache_corpus=False).corpus_for(model) == corpus


def test_repeated_points_are_not_trained_again(corpus, model):
    res = tune(model, corpus, OBJ, space={"window": [2, 3]}, n_trials=6, sampler="random", pruner="none",
               random_state=0)
    trials = res.study.trials
    trained = [t for t in trials if "duplicate_of" not in t.user_attrs]
    repeats = [t for t in trials if "duplicate_of" in t.user_attrs]
    assert len(trained) == 2 and len(repeats) == 4  # 6 trials over 2 points
    assert all(t.user_attrs["epochs_trained"] == 3 for t in trained)
    for t in repeats:
        original = trials[t.user_attrs["duplicate_of"]]
        assert t.state == TrialState.COMPLETE and t.user_attrs["epochs_trained"] == 0
        assert t.params == original.params and t.value == original.value
        assert t.user_attrs["test"] == original.user_attrs["test"]
    assert res.epochs_trained == 2 * 3
    assert "duplicate_of" not in trials[res.best_trial].user_attrs and res.best_vectors is not None
    again = tune(model, corpus, OBJ, space={"window": [2, 3]}, n_trials=6, sampler="random", pruner="none",
                 random_state=0, skip_duplicates=False)
    assert again.epochs_trained == 6 * 3
