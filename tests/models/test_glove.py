"""GloVe: AdaGrad kernel vs a NumPy oracle, determinism, callbacks, quality on the KJV sample."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from embedlab.base import clone
from embedlab.corpus import Corpus, sample_corpus_path
from embedlab.corpus.readers import SAMPLE_KJV_LINES
from embedlab.evaluation.similarity import WordSimilarity
from embedlab.exceptions import InvalidParameterError, TrainingError
from embedlab.kernels import glove as K
from embedlab.models import get_model
from embedlab.models.glove import Glove
from embedlab.vectors import KeyedVectors


def _adagrad_oracle(rows, cols, x, W, C, bw, bc, gW, gC, gbw, gbc, x_max, alpha, eta, eta_bias, clip=100.0):
    """Reference glove.c updates, one nonzero after another, in float64 (its bias steps are not
    scaled by eta: ``eta_bias=1``)."""
    W, C, bw, bc, gW, gC, gbw, gbc = (a.astype(np.float64).copy() for a in (W, C, bw, bc, gW, gC, gbw, gbc))
    cost = 0.0
    for i, j, xij in zip(rows, cols, x):
        diff = W[i] @ C[j] + bw[i] + bc[j] - np.log(xij)
        fdiff = min(1.0, (xij / x_max) ** alpha) * diff
        cost += 0.5 * fdiff * diff
        g1 = np.clip(fdiff * C[j], -clip, clip) * eta
        g2 = np.clip(fdiff * W[i], -clip, clip) * eta
        W[i] -= g1 / np.sqrt(gW[i])
        C[j] -= g2 / np.sqrt(gC[j])
        gW[i] += g1**2
        gC[j] += g2**2
        fdiff *= eta_bias
        bw[i] -= fdiff / np.sqrt(gbw[i])
        bc[j] -= fdiff / np.sqrt(gbc[j])
        gbw[i] += fdiff**2
        gbc[j] += fdiff**2
    return cost, W, C, bw, bc, gW, gC, gbw, gbc


def test_adagrad_kernel_matches_numpy_oracle(seed):
    rng = np.random.default_rng(seed)
    V, d, n = 7, 5, 40
    rows = rng.integers(0, V, n).astype(np.int32)
    cols = rng.integers(0, V, n).astype(np.int32)
    x = (rng.random(n) * 150 + 0.2).astype(np.float32)  # some above x_max
    state = [(rng.random((V, d)) - 0.5).astype(np.float32), (rng.random((V, d)) - 0.5).astype(np.float32),
             (rng.random(V) - 0.5).astype(np.float32), (rng.random(V) - 0.5).astype(np.float32)]
    state += [np.ones((V, d), np.float32), np.ones((V, d), np.float32), np.ones(V, np.float32), np.ones(V, np.float32)]
    expected = _adagrad_oracle(rows, cols, x, *state, x_max=100.0, alpha=0.75, eta=0.05, eta_bias=1.0)
    logx, fx = np.empty(n, np.float32), np.empty(n, np.float32)
    K.log_and_weight(x, np.float32(100.0), np.float32(0.75), logx, fx)
    np.testing.assert_allclose(fx, np.minimum(1.0, (x.astype(np.float64) / 100) ** 0.75), rtol=1e-5)
    got = [a.copy() for a in state]
    cost, skipped = K.adagrad_epoch(rows, cols, logx, fx, 0, n, *got, np.float32(0.05), np.float32(1.0),
                                    np.float32(100.0), 1)
    assert skipped == 0
    assert cost == pytest.approx(expected[0], rel=1e-4)
    for g, e in zip(got, expected[1:]):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("n_threads", [2, 3, 4])
def test_adagrad_kernel_with_threads_matches_oracle_on_every_nonzero(seed, n_threads):
    """Several threads: the nonzeros are split into ``n_threads`` contiguous parts of
    ``ceil(n / n_threads)``, and part t uses only rows and columns of its own block, so the Hogwild
    run equals the sequential oracle exactly; n = 41 is not a multiple of the thread count, so a
    split that rounds down would leave the last nonzeros untrained (their rows unchanged)."""
    import numba

    rng = np.random.default_rng(seed)
    n, d, block = 41, 5, 6
    step = -(-n // n_threads)
    part = np.arange(n) // step  # the part each nonzero belongs to
    rows = (part * block + rng.integers(0, block, n)).astype(np.int32)
    cols = (part * block + rng.integers(0, block, n)).astype(np.int32)
    rows[-1], cols[-1] = part[-1] * block + block - 1, part[-1] * block + block - 1  # the tail's own row
    rows[:-1] = np.where(rows[:-1] == rows[-1], rows[-1] - 1, rows[:-1])
    v = block * n_threads
    x = (rng.random(n) * 150 + 0.2).astype(np.float32)
    state = [(rng.random((v, d)) - 0.5).astype(np.float32), (rng.random((v, d)) - 0.5).astype(np.float32),
             (rng.random(v) - 0.5).astype(np.float32), (rng.random(v) - 0.5).astype(np.float32)]
    state += [np.ones((v, d), np.float32), np.ones((v, d), np.float32), np.ones(v, np.float32), np.ones(v, np.float32)]
    expected = _adagrad_oracle(rows, cols, x, *state, x_max=100.0, alpha=0.75, eta=0.05, eta_bias=1.0)
    logx, fx = np.empty(n, np.float32), np.empty(n, np.float32)
    K.log_and_weight(x, np.float32(100.0), np.float32(0.75), logx, fx)
    got = [a.copy() for a in state]
    before = numba.get_num_threads()
    numba.set_num_threads(min(n_threads, numba.config.NUMBA_NUM_THREADS))
    try:
        cost, skipped = K.adagrad_epoch(rows, cols, logx, fx, 0, n, *got, np.float32(0.05), np.float32(1.0),
                                        np.float32(100.0), n_threads)
    finally:
        numba.set_num_threads(before)
    assert skipped == 0
    assert cost == pytest.approx(expected[0], rel=1e-4)
    for g, e in zip(got, expected[1:]):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-6)
    assert not np.array_equal(got[0][rows[-1]], state[0][rows[-1]])  # the last nonzero was trained


def test_shuffle_is_a_seeded_permutation_of_aligned_triples():
    rows = np.arange(1000, dtype=np.int32)
    cols, vals = rows * 2, rows.astype(np.float32) / 3
    a = [rows.copy(), cols.copy(), vals.copy()]
    b = [rows.copy(), cols.copy(), vals.copy()]
    K.shuffle_coo(*a, np.uint64(5))
    K.shuffle_coo(*b, np.uint64(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], rows) and np.array_equal(np.sort(a[0]), rows)
    np.testing.assert_array_equal(a[1], a[0] * 2)
    np.testing.assert_array_equal(a[2], a[0].astype(np.float32) / 3)


@pytest.fixture(scope="module")
def verses() -> list[list[str]]:
    return list(itertools.islice(Corpus(sample_corpus_path()), SAMPLE_KJV_LINES))  # the KJV part


def test_same_seed_one_thread_gives_identical_vectors(verses):
    small = verses[:1500]
    a = Glove(vector_size=16, epochs=2, n_threads=1, random_state=3, show_progress=False).fit(small)
    b = Glove(vector_size=16, epochs=2, n_threads=1, random_state=3, show_progress=False).fit(small)
    c = Glove(vector_size=16, epochs=2, n_threads=1, random_state=4, show_progress=False).fit(small)
    np.testing.assert_array_equal(a.vectors_.vectors, b.vectors_.vectors)
    assert not np.array_equal(a.vectors_.vectors, c.vectors_.vectors)
    assert a.loss_history_ == b.loss_history_ and a.loss_history_[1] < a.loss_history_[0]


def test_outputs_callbacks_and_metadata(verses):
    seen = []

    def stop_after_two(epoch, elapsed, metrics):
        seen.append((epoch, metrics["loss"]))
        return len(seen) >= 2

    model = Glove(vector_size=8, epochs=5, output="concat", n_threads=1, random_state=0, show_progress=False,
                  callbacks=[stop_after_two])
    model.fit(verses[:800])
    kv = model.vectors_
    assert [e for e, _ in seen] == [1, 2] and len(model.loss_history_) == 2
    assert kv.vector_size == 16 and len(kv) == len(model.vocab_)
    assert kv.metadata["method"] == "glove" and kv.metadata["cooccurrence"]["window"] == 10
    assert kv.metadata["params"]["output"] == "concat"
    live = model.current_vectors()
    np.testing.assert_array_equal(live.vectors, kv.vectors)


def test_zero_model_loss_is_the_loss_of_all_zero_vectors():
    x = np.array([1.0, 3.0, 40.0, 250.0], dtype=np.float32)
    logx, fx = np.empty(4, np.float32), np.empty(4, np.float32)
    K.log_and_weight(x, np.float32(10.0), np.float32(0.75), logx, fx)
    expected = np.mean(0.5 * np.minimum(1.0, (x / 10.0) ** 0.75) * np.log(x) ** 2)
    assert K.zero_model_loss(logx, fx) == pytest.approx(expected, rel=1e-5)


def test_a_blown_up_learning_rate_is_a_training_error_naming_it(verses, tmp_path):
    """eta 3 sends the loss to ~1e10 in the first epoch (finite, so only the loss ceiling sees it);
    eta 0.1 stays far below it."""
    fine = Glove(vector_size=16, epochs=1, n_threads=1, random_state=3, show_progress=False).fit(verses[:1500])
    assert np.isfinite(fine.loss_history_[0]) and fine.loss_history_[0] < 0.5
    with pytest.raises(TrainingError, match=r"diverged in epoch 1/3 at learning rate 3 \(mean loss .* above .*"
                                             r"twice the loss of all-zero vectors\); lower learning_rate "
                                             r"\(e\.g\. learning_rate=0\.75; CLI: --learning-rate\)"):
        Glove(vector_size=16, epochs=3, learning_rate=3.0, n_threads=1, random_state=3,
              show_progress=False).fit(verses[:1500])

    from typer.testing import CliRunner

    from embedlab.cli.app import app

    corpus = tmp_path / "kjv.txt"
    corpus.write_text("\n".join(" ".join(v) for v in verses[:1500]) + "\n")
    out = tmp_path / "g.npz"
    res = CliRunner().invoke(app, ["train", "glove", str(corpus), "-o", str(out), "-d", "16", "--epochs", "2",
                                   "--threads", "1", "--seed", "3", "--learning-rate", "3", "--no-progress"])
    assert res.exit_code == 2 and "lower learning_rate" in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_registry_params_and_invalid_values():
    assert get_model("glove") is Glove
    model = Glove(x_max=50.0, output="W")
    assert clone(model).get_params() == model.get_params()
    for params, match in [({"output": "C"}, "'output' must be one of 'W', 'W\\+C', 'concat'"),
                          ({"x_max": 0.0}, "'x_max' must be a number in \\(0, inf\\)"),
                          ({"alpha": 1.5}, "'alpha' must be a number in \\(0, 1\\]"),
                          ({"window": 0}, "'window' must be an int in \\[1, inf\\)")]:
        with pytest.raises(InvalidParameterError, match=match):
            Glove(**params).fit([["a", "b"]])


def test_quality_on_the_kjv_sample(verses, tmp_path):
    """Measured 0.23 WS353 Spearman (48 covered pairs) and moses ~ aaron/joshua; thresholds with margin."""
    model = Glove(vector_size=50, epochs=10, x_max=10.0, n_threads=1, random_state=3, show_progress=False)
    kv = model.fit(verses).vectors_
    result = WordSimilarity("wordsim353").evaluate(kv)
    assert result.metrics["spearman"] > 0.12
    neighbours = {w for w, _ in kv.most_similar("moses", topn=10)}
    assert neighbours & {"aaron", "joshua", "pharaoh"}
    kv.save(tmp_path / "g.vec")
    back = KeyedVectors.load(tmp_path / "g.vec")
    np.testing.assert_allclose(back["moses"], kv["moses"], rtol=1e-5, atol=1e-6)
