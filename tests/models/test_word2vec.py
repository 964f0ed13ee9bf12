"""Word2Vec estimator: parameters, determinism, loss, quality on real text, checkpoints, Ctrl-C."""

from __future__ import annotations

import itertools

import os
import signal

import numpy as np
import pytest

from embedlab.base import clone
from embedlab.corpus import Corpus, sample_corpus_path
from embedlab.corpus.readers import SAMPLE_KJV_LINES
from embedlab.exceptions import InputFileError, InvalidParameterError, TrainingError
from embedlab.models import get_model
from embedlab.models.word2vec import Word2Vec


@pytest.fixture(scope="module")
def kjv() -> list[list[str]]:
    """The KJV part of the bundled sample corpus as token lists (one verse per sentence)."""
    return list(itertools.islice(Corpus(sample_corpus_path()), SAMPLE_KJV_LINES))


@pytest.fixture(scope="module")
def small(kjv) -> list[list[str]]:
    return kjv[:2500]


def _fast(**kw) -> Word2Vec:
    params = dict(vector_size=24, epochs=2, n_threads=1, random_state=7, show_progress=False, window=3)
    params.update(kw)
    return Word2Vec(**params)


@pytest.mark.parametrize(
    "params,match",
    [
        ({"vector_size": 0}, r"'vector_size' must be an int in \[1, inf\); got 0"),
        ({"window": -1}, r"'window' must be an int in \[1, inf\); got -1"),
        ({"alpha": 0}, r"'alpha' must be a number in \(0, inf\); got 0"),
        ({"negative": -1}, r"'negative' must be an int in \[0, inf\); got -1"),
        ({"architecture": "skip"}, r"'architecture' must be one of 'skipgram', 'cbow'; got 'skip'"),
        ({"hs": 1}, r"'hs' must be one of False, True; got 1"),
        ({"sample": -0.1}, r"'sample' must be a number in \[0, inf\)"),
        ({"negative": 0, "hs": False}, r"negative=0 and hs=False leave nothing to train"),
        ({"min_alpha": 0.5}, r"'min_alpha' \(0.5\) must not exceed alpha"),
        ({"checkpoint_every": 1}, r"checkpoint_every > 0 needs checkpoint_path"),
        ({"callbacks": 3}, r"'callbacks' must be a callable or a list of callables or None"),
        ({"output_dtype": "float64"}, r"'output_dtype' must be one of 'float32', 'float16'; got 'float64'"),
        ({"output_dtype": "float16", "negative": 0, "hs": True}, r"output_dtype='float16' .* needs negative > 0"),
    ],
)
def test_invalid_parameters_raise(params, match, small):
    with pytest.raises(InvalidParameterError, match=match):
        _fast(**params).fit(small)


def test_registry_params_and_search_space():
    assert get_model("word2vec") is Word2Vec
    model = Word2Vec(window=7, architecture="cbow")
    assert model.get_params()["window"] == 7 and clone(model).architecture == "cbow"
    assert not hasattr(model, "vectors_")  # __init__ does no work
    c = Word2Vec._parameter_constraints
    assert c["vector_size"][0].search == (50, 300)
    assert c["alpha"][0].log and c["sample"][0].log
    assert c["architecture"][0].search and c["hs"][0].search


def test_one_thread_seed_is_bit_identical(small):
    a = _fast().fit(small)
    b = _fast().fit(small)
    c = _fast(random_state=8).fit(small)
    assert np.array_equal(a.vectors_.vectors, b.vectors_.vectors)
    assert a.loss_history_ == b.loss_history_
    assert not np.array_equal(a.vectors_.vectors, c.vectors_.vectors)
    meta = a.vectors_.metadata
    assert meta["method"] == "word2vec" and meta["seed"] == 7
    assert meta["corpus"]["vocab_size"] == len(a.vocab_) and meta["corpus"]["sentences"] == 2500
    assert set(meta["versions"]) >= {"embedlab", "numpy", "numba"}
    assert meta["final_loss"] == a.loss_history_[-1]


@pytest.mark.parametrize("architecture,hs,negative", [("skipgram", False, 5), ("cbow", False, 5), ("skipgram", True, 0), ("cbow", True, 2)])
def test_loss_falls_and_callbacks_get_metrics(small, architecture, hs, negative):
    seen = []
    model = _fast(architecture=architecture, hs=hs, negative=negative, epochs=3,
                  callbacks=lambda epoch, elapsed, m: seen.append((epoch, m))).fit(small)
    assert [e for e, _ in seen] == [1, 2, 3]
    assert all(m["words_per_sec"] > 0 and m["alpha"] > 0 for _, m in seen)
    assert seen[-1][1]["alpha"] == pytest.approx(model.min_alpha)
    assert model.loss_history_[-1] < model.loss_history_[0]
    assert model.loss_history_ == [m["loss"] for _, m in seen]


def test_loss_is_independent_of_thread_count(small):
    one = _fast(epochs=2, n_threads=1).fit(small).loss_history_
    two = _fast(epochs=2, n_threads=2).fit(small).loss_history_
    # Hogwild with 2 threads follows another trajectory on this small corpus (a few % apart in
    # epoch 1); a loss summed from one thread only, or not normalised by all threads' terms, would
    # be about half or double.
    assert np.allclose(one, two, rtol=0.10)
    assert two[-1] < two[0]


def _kjv_pair_ranks(kv) -> list[int]:
    """Rank of each related word among the other's 20 nearest neighbours (99: not among them)."""
    pairs = [("gold", "silver"), ("father", "mother"), ("seven", "six"), ("brass", "iron"),
             ("sheep", "goats"), ("david", "saul"), ("egypt", "canaan"), ("day", "month")]
    ranks = []
    for a, b in pairs:
        neighbours = [w for w, _ in kv.most_similar(a, topn=20)]
        ranks.append(neighbours.index(b) if b in neighbours else 99)
    return ranks


def test_quality_on_kjv_neighbours(kjv):
    """Trained on the first 15,000 verses, related words are near neighbours."""
    model = Word2Vec(epochs=5, n_threads=2, random_state=3, show_progress=False).fit(kjv[:15000])
    kv = model.vectors_
    ranks = _kjv_pair_ranks(kv)
    assert sum(r < 10 for r in ranks) >= 6, ranks
    assert kv.similarity("gold", "silver") > kv.similarity("gold", "mother") + 0.2


def test_nan_raises_training_error(small):
    # alpha overflows float32 in the kernel: the first steps are inf, the vectors NaN (a merely
    # huge alpha such as 1e30 stays finite: pairs beyond |x| >= 6 are skipped, as in gensim)
    with pytest.raises(TrainingError, match=r"diverged in epoch 1/2 .*lower alpha"):
        _fast(alpha=1e300, min_alpha=0.0).fit(small)


def test_callback_keyboard_interrupt_leaves_usable_model(small):
    def stop(epoch, elapsed, metrics):
        raise KeyboardInterrupt

    model = _fast(epochs=4, callbacks=stop).fit(small)
    assert model.interrupted_ is True
    assert len(model.loss_history_) == 1
    assert np.isfinite(model.vectors_.vectors).all()
    assert model.vectors_.metadata["interrupted"] is True
    assert len(model.vectors_.most_similar("god", topn=3)) == 3


def test_sigint_stops_after_current_chunk(kjv):
    def interrupt(epoch, elapsed, metrics):
        os.kill(os.getpid(), signal.SIGINT)

    # a runner started in the background inherits SIGINT ignored: install Python's own handler, as
    # an interactive session has it, and check that training puts it back
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        model = _fast(epochs=3, callbacks=interrupt).fit(kjv[:4000])
        assert model.interrupted_ is True
        assert len(model.loss_history_) == 1  # the signal arrived after epoch 1; epoch 2 stopped early
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)


def test_checkpoint_resume_equals_uninterrupted_run(small, tmp_path):
    full = _fast(epochs=3).fit(small)
    ckpt = tmp_path / "w2v.ckpt.npz"

    def stop_after_two(epoch, elapsed, metrics):
        return epoch == 2

    partial = _fast(epochs=3, checkpoint_every=1, checkpoint_path=str(ckpt), callbacks=stop_after_two).fit(small)
    assert len(partial.loss_history_) == 2 and ckpt.is_file()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    resumed = Word2Vec.resume(ckpt, small)
    assert np.array_equal(resumed.vectors_.vectors, full.vectors_.vectors)
    assert resumed.loss_history_ == full.loss_history_
    with pytest.raises(InputFileError, match=r"checkpoint not found"):
        Word2Vec.resume(tmp_path / "missing.npz", small)


def test_callback_exception_propagates(small):
    class Pruned(Exception):
        pass

    def prune(epoch, elapsed, metrics):
        raise Pruned("pruned at epoch %d" % epoch)

    with pytest.raises(Pruned, match="pruned at epoch 1"):
        _fast(callbacks=[prune]).fit(small)


def test_phrases_are_detected_and_trained(small):
    model = _fast(phrases=True, epochs=1).fit(small)
    assert model.phrases_ is not None
    joined = [w for w in model.vocab_.words if "_" in w]
    assert joined, "expected bigram phrases such as 'burnt_offering' in the vocabulary"
    assert all(p in model.vectors_ for p in joined[:5])


@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
def test_float16_output_weights_halve_that_matrix_and_keep_quality(kjv, architecture):
    """Same seed, same neighbour test as float32 (test_quality_on_kjv_neighbours), one seed's
    loss within 1% of float32's, and a single-thread run is bit-identical."""
    params = dict(epochs=5, n_threads=2, random_state=3, show_progress=False, architecture=architecture)
    half = Word2Vec(output_dtype="float16", **params).fit(kjv[:15000])
    full = Word2Vec(**params).fit(kjv[:15000])
    assert half.syn1neg_.dtype == np.float16 and half.vectors_.vectors.dtype == np.float32
    assert half.syn1neg_.nbytes * 2 == full.syn1neg_.nbytes
    assert half.loss_history_[-1] == pytest.approx(full.loss_history_[-1], rel=0.01)
    kv = half.vectors_
    ranks = _kjv_pair_ranks(kv)
    assert sum(r < 10 for r in ranks) >= 6, ranks
    one = [_fast(output_dtype="float16", architecture=architecture).fit(kjv[:2500]) for _ in range(2)]
    assert np.array_equal(one[0].vectors_.vectors, one[1].vectors_.vectors)
    assert np.array_equal(one[0].syn1neg_, one[1].syn1neg_)


def test_float16_state_continues_and_checkpoint_resumes(small, tmp_path):
    model = _fast(output_dtype="float16").fit(small)
    state = model.save_state(tmp_path / "w.state.npz")
    more = _fast(output_dtype="float16").continue_training(small[:500], state)
    assert more.syn1neg_.dtype == np.float16 and np.isfinite(more.vectors_.vectors).all()
    full = _fast(epochs=3, output_dtype="float16").fit(small)
    ckpt = tmp_path / "half.ckpt.npz"
    _fast(epochs=3, output_dtype="float16", checkpoint_every=1, checkpoint_path=str(ckpt),
          callbacks=lambda epoch, elapsed, m: epoch == 1).fit(small)
    resumed = Word2Vec.resume(ckpt, small)
    assert resumed.syn1neg_.dtype == np.float16
    assert np.array_equal(resumed.vectors_.vectors, full.vectors_.vectors)


def _alias_distribution(prob: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The distribution an alias table draws from: column i keeps prob[i], gives the rest to alias[i]."""
    n = len(prob)
    p = prob.astype(np.float64).copy()
    np.add.at(p, alias, 1.0 - prob.astype(np.float64))
    return p / n


@pytest.mark.parametrize("ns_exponent,sample", [(0.5, 1e-3), (1.0, 1e-4), (0.0, 0.0)])
def test_kernel_gets_the_noise_table_keep_probabilities_window_and_decay(small, monkeypatch, ns_exponent, sample):
    """What fit hands the kernel, against formulas written here: noise ~ count ** ns_exponent (an
    ignored exponent draws from raw counts), keep = min(1, (sqrt(c / t) + 1) t / c) with
    t = sample * total count (word2vec.c; sample 0 keeps all), the window as given, and a learning
    rate that falls within every chunk."""
    import embedlab.models._sgns as sgns  # the trainer behind Word2Vec, Item2Vec and Node2Vec

    calls = []
    real = sgns.train_chunk

    def spy(*args, **kwargs):
        calls.append({"keep": args[6].copy(), "prob": args[7].copy(), "alias": args[8].copy(), "window": args[15],
                      "a0": args[18], "a1": args[19]})
        return real(*args, **kwargs)

    monkeypatch.setattr(sgns, "train_chunk", spy)
    model = _fast(ns_exponent=ns_exponent, sample=sample, window=4, epochs=1).fit(small[:800])
    counts = model.vocab_.counts.astype(np.float64)
    assert calls
    noise = counts**ns_exponent
    np.testing.assert_allclose(_alias_distribution(calls[0]["prob"], calls[0]["alias"]), noise / noise.sum(),
                               rtol=1e-5, atol=1e-9)
    if sample == 0:
        want_keep = np.ones_like(counts)
    else:
        t = sample * counts.sum()
        want_keep = np.minimum(1.0, (np.sqrt(counts / t) + 1.0) * t / counts)
        assert (want_keep < 0.5).sum() >= 5  # the frequent words really are subsampled
    np.testing.assert_allclose(calls[0]["keep"], want_keep, rtol=1e-6)
    assert all(c["window"] == 4 for c in calls)
    assert all(c["a0"] > c["a1"] for c in calls)
