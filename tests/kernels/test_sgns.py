"""Word2vec kernels against the NumPy oracles in tests/reference.py, plus RNG/sampling checks."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from embedlab.kernels._rng import seed_states
from embedlab.kernels._sigmoid import neg_log_sigmoid, sigmoid
from embedlab.kernels.hs import build_huffman, hs_accumulate
from embedlab.kernels.sampling import build_alias, sample_alias_many, uniform_many
from embedlab.kernels.sgns import neg_accumulate, sg_neg_pairs, sg_neg_window, train_chunk

import reference as ref

DIM = 16


def _mats(rng, v=12, dim=DIM, scale=0.5):
    syn0 = rng.normal(0, scale, (v, dim)).astype(np.float32)
    syn1 = rng.normal(0, scale, (v, dim)).astype(np.float32)
    return syn0, syn1


# scale 1.5 puts many scores beyond +-6, where skip_saturated drops the update (gensim) and the
# default saturates it (word2vec.c)
_SATURATION = pytest.mark.parametrize("skip_saturated, scale", [(False, 0.5), (False, 1.5), (True, 1.5)])


def test_sigmoid_tables_match_exact_functions():
    xs = np.linspace(-8, 8, 401)
    got = np.array([sigmoid(x) for x in xs])
    assert np.allclose(got, ref.sigmoid(xs), atol=5e-3)
    got_l = np.array([neg_log_sigmoid(x) for x in xs])
    assert np.allclose(got_l, ref.neg_log_sigmoid(xs), atol=5e-3)


@_SATURATION
def test_sg_neg_window_matches_oracle(seed, skip_saturated, scale):
    rng = np.random.default_rng(seed)
    syn0, syn1 = _mats(rng, scale=scale)
    ctx = np.array([1, 2, 5, 2], dtype=np.int32)  # a repeated context word
    outs = np.array([3, 7, 0, 7, 9], dtype=np.int32)  # centre 3, a repeated negative
    if scale > 1:
        assert (np.abs(syn0[ctx] @ syn1[outs].T) >= 6).sum() >= 3  # the saturated branch is exercised
    want0, want1, want_loss = ref.sg_neg_window(syn0, syn1, ctx, outs, 0.05, skip_saturated)
    obuf = np.empty((len(outs), DIM), np.float32)
    gbuf = np.empty((len(ctx), len(outs)), np.float32)
    tmp = np.empty(DIM, np.float32)
    loss = sg_neg_window(syn0, syn1, ctx, len(ctx), outs, len(outs), 0.05, obuf, gbuf, tmp, skip_saturated)
    assert np.allclose(syn0, want0, atol=2e-4 * max(1.0, scale**2))  # sigmoid-table error grows with the rows
    assert np.allclose(syn1, want1, atol=2e-4 * max(1.0, scale**2))
    assert loss == pytest.approx(want_loss, rel=5e-3)
    # the update really moved the rows it should (and only those)
    original = _mats(np.random.default_rng(seed), scale=scale)[0]
    assert not np.allclose(want0[2], original[2])
    if skip_saturated:  # every score of context word 1 is beyond +-6 here: its row must not move
        assert np.array_equal(syn0[1], original[1])
    untouched = [i for i in range(12) if i not in (1, 2, 5)]
    assert np.array_equal(syn0[untouched], original[untouched])


@_SATURATION
def test_sg_neg_pairs_matches_oracle(seed, skip_saturated, scale):
    rng = np.random.default_rng(seed)
    syn0, syn1 = _mats(rng, scale=scale)
    original0, original1 = syn0.copy(), syn1.copy()
    ctx = np.array([1, 2, 5, 2], dtype=np.int32)  # a repeated context word: its second pair sees the first's update
    centre, negative = 3, 6
    # noise mass on the centre (3) and on few rows: draws of the centre and repeats within a pair happen
    prob, alias = build_alias(np.array([1, 0, 0, 6, 0, 0, 0, 3, 0, 2, 0, 0], dtype=np.float64))
    state = seed_states(seed, n=1)[0]
    draws, end_state = sample_alias_many(state, prob, alias, negative * len(ctx))
    per_pair = draws.reshape(len(ctx), negative)  # the kernel draws pair by pair from one stream
    assert (per_pair == centre).any() and any(len(set(row[row != centre])) < (row != centre).sum() for row in per_pair)
    assert len({tuple(row) for row in per_pair}) == len(ctx)  # fresh negatives for every pair
    want0, want1, want_loss = ref.sg_neg_pairs(syn0, syn1, ctx, centre, per_pair, 0.05, skip_saturated)
    outs = np.empty((len(ctx), negative + 2), np.int32)
    loss, state_after = sg_neg_pairs(syn0, syn1, ctx, len(ctx), centre, negative, prob, alias, state, 0.05, outs,
                                     np.empty(DIM, np.float32), np.empty(negative + 1, np.float32), skip_saturated)
    assert state_after == end_state
    tol = 2e-4 * max(1.0, scale**2)
    assert np.allclose(syn0, want0, atol=tol) and np.allclose(syn1, want1, atol=tol)
    assert loss == pytest.approx(want_loss, rel=5e-3)
    # a per-window (shared) update from the first pair's negatives gives something else
    first = np.array([centre] + [x for x in per_pair[0] if x != centre])
    shared0, _, _ = ref.sg_neg_window(original0, original1, ctx, first, 0.05, skip_saturated)
    assert not np.allclose(want0, shared0, atol=10 * tol)
    untouched = [i for i in range(12) if i not in (1, 2, 5)]
    assert np.array_equal(syn0[untouched], original0[untouched])
    assert np.array_equal(syn1[[1, 2, 4, 5, 6, 8, 10, 11]], original1[[1, 2, 4, 5, 6, 8, 10, 11]])


@pytest.mark.parametrize("cbow_mean", [True, False])
@_SATURATION
def test_cbow_neg_matches_oracle(seed, cbow_mean, skip_saturated, scale):
    rng = np.random.default_rng(seed)
    scale = scale if scale < 1 else 2.5  # the mean of the context rows is shorter than one row
    syn0, syn1 = _mats(rng, scale=scale)
    ctx = np.array([4, 6, 8], dtype=np.int32)
    outs = np.array([2, 11, 5, 11, 1], dtype=np.int32)  # a repeated negative
    want0, want1, want_loss = ref.cbow_neg(syn0, syn1, ctx, outs, 0.1, cbow_mean, skip_saturated)
    h = syn0[ctx].sum(axis=0)
    if cbow_mean:
        h /= len(ctx)
    if scale > 1:
        assert (np.abs(syn1[outs] @ h) >= 6).sum() >= 1  # the saturated branch is exercised
    neu1e = np.zeros(DIM, np.float32)
    loss = neg_accumulate(h.astype(np.float32), syn1, outs, len(outs), 0.1, neu1e, np.empty(len(outs), np.float32),
                          skip_saturated)
    if not cbow_mean:
        neu1e /= len(ctx)
    for c in ctx:
        syn0[c] += neu1e
    assert np.allclose(syn0, want0, atol=2e-4 * max(1.0, scale**2))
    assert np.allclose(syn1, want1, atol=2e-4 * max(1.0, scale**2))
    assert loss == pytest.approx(want_loss, rel=5e-3)


def test_huffman_is_optimal_and_prefix_free():
    counts = np.array([50, 3, 20, 20, 7, 1, 1, 90, 4], dtype=np.int64)
    codes, points, lens = build_huffman(counts)
    depth = ref.huffman_paths(counts)
    assert int((counts * lens).sum()) == int((counts * depth).sum())  # same weighted path length
    words = ["".join(map(str, codes[i, : lens[i]])) for i in range(len(counts))]
    assert len(set(words)) == len(words)
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    assert points[:, 0].tolist() == [len(counts) - 2] * len(counts)  # every path starts at the root
    assert points.max() <= len(counts) - 2 and points.min() >= 0


def test_hs_update_matches_oracle(seed):
    rng = np.random.default_rng(seed)
    counts = np.array([30, 12, 9, 9, 5, 2, 1], dtype=np.int64)
    codes, points, lens = build_huffman(counts)
    syn0 = rng.normal(0, 0.5, (7, DIM)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (6, DIM)).astype(np.float32)
    want0, want1, want_loss = ref.hs_pair(syn0, syn1, codes, points, lens, 3, 6, 0.05)
    neu1e = np.zeros(DIM, np.float32)
    loss = hs_accumulate(syn0[3], syn1, codes, points, lens, 6, 0.05, neu1e)
    syn0[3] += neu1e
    assert lens[6] >= 3
    assert np.allclose(syn0, want0, atol=2e-4)
    assert np.allclose(syn1, want1, atol=2e-4)
    assert loss == pytest.approx(want_loss, rel=5e-3)


def test_alias_table_draws_follow_weights(seed):
    weights = np.array([10.0, 1.0, 0.0, 5.0, 4.0])
    prob, alias = build_alias(weights)
    draws, _ = sample_alias_many(seed_states(seed, n=1)[0], prob, alias, 200_000)
    freq = np.bincount(draws, minlength=5) / len(draws)
    assert freq[2] == 0.0
    assert np.allclose(freq, weights / weights.sum(), atol=0.005)


def test_rng_is_uniform_and_seeded(seed):
    u1, _ = uniform_many(seed_states(seed, 0, 0, n=1)[0], 100_000)
    u2, _ = uniform_many(seed_states(seed, 0, 0, n=1)[0], 100_000)
    u3, _ = uniform_many(seed_states(seed, 0, 1, n=1)[0], 100_000)
    assert np.array_equal(u1, u2) and not np.array_equal(u1, u3)
    assert u1.min() >= 0.0 and u1.max() < 1.0
    assert np.allclose(np.histogram(u1, bins=10, range=(0, 1))[0] / 1e5, 0.1, atol=0.005)


# --------------------------------------------------------------------------- whole-chunk kernel
def _toy_corpus(rng, v=60, n_sent=300, length=30):
    """Sentences from a 'topic' model: each sentence uses one of 4 word groups."""
    groups = np.array_split(np.arange(v), 4)
    sents = [rng.choice(groups[rng.integers(4)], size=length) for _ in range(n_sent)]
    ids = np.concatenate(sents).astype(np.int32)
    offsets = np.arange(0, len(ids) + 1, length, dtype=np.int64)
    counts = np.bincount(ids, minlength=v).astype(np.int64)
    return ids, offsets, counts, groups


def _train(ids, offsets, counts, *, skipgram=True, hs=False, negative=5, threads=1, seed=1, epochs=3,
           keep=None, dim=DIM, shared=True):
    v = len(counts)
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((v, dim)) - 0.5) / dim).astype(np.float32)
    syn1neg = np.zeros((v, dim), np.float32)
    if hs:
        codes, points, lens = build_huffman(counts)
        syn1 = np.zeros((v - 1, dim), np.float32)
    else:
        codes, points, lens = np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)
        syn1 = np.zeros((0, dim), np.float32)
    prob, alias = build_alias(counts ** 0.75)
    keep = np.ones(v, np.float32) if keep is None else keep
    n_sent = len(offsets) - 1
    losses, trained = [], []
    numba.set_num_threads(threads)
    for epoch in range(epochs):
        states = seed_states(seed, epoch, 0, n=threads)
        bounds = np.linspace(0, n_sent, threads + 1).astype(np.int64)
        res = np.zeros((threads, 4))
        train_chunk(ids, offsets, bounds, syn0, syn1neg, syn1, keep, prob, alias, codes, points, lens,
                    skipgram, negative, hs, 3, True, True, 0.05, 0.02, states, res, 64, shared_negatives=shared)
        losses.append(res[:, 0].sum() / res[:, 1].sum())
        trained.append(res[:, 2].sum())
    return syn0, losses, trained


@pytest.mark.parametrize("skipgram,hs,negative", [(True, False, 5), (False, False, 5), (True, True, 0), (False, True, 3)])
def test_train_chunk_learns_groups_and_loss_falls(seed, skipgram, hs, negative):
    ids, offsets, counts, groups = _toy_corpus(np.random.default_rng(seed))
    syn0, losses, _ = _train(ids, offsets, counts, skipgram=skipgram, hs=hs, negative=negative, seed=seed, epochs=4)
    assert losses[-1] < losses[0]
    unit = syn0 / np.linalg.norm(syn0, axis=1, keepdims=True)
    sims = unit @ unit.T
    label = np.zeros(len(counts), int)
    for g, members in enumerate(groups):
        label[members] = g
    same = label[:, None] == label[None, :]
    np.fill_diagonal(same, False)
    other = label[:, None] != label[None, :]
    assert sims[same].mean() > sims[other].mean() + 0.3


def test_train_chunk_one_thread_is_deterministic(seed):
    ids, offsets, counts, _ = _toy_corpus(np.random.default_rng(seed))
    a, la, _ = _train(ids, offsets, counts, seed=seed)
    b, lb, _ = _train(ids, offsets, counts, seed=seed)
    c, _, _ = _train(ids, offsets, counts, seed=seed + 1)
    assert np.array_equal(a, b) and la == lb
    assert not np.array_equal(a, c)


def test_subsampling_keeps_expected_share(seed):
    ids, offsets, counts, _ = _toy_corpus(np.random.default_rng(seed))
    keep = np.full(len(counts), 0.25, np.float32)
    keep[:10] = 1.0
    _, _, trained = _train(ids, offsets, counts, seed=seed, epochs=1, keep=keep)
    expected = float(keep[ids].sum())
    assert trained[0] == pytest.approx(expected, rel=0.03)


def test_train_chunk_per_pair_matches_oracle_on_tiny_chunk(seed):
    """shared_negatives=False, one thread, no subsampling, fixed window, constant alpha: the chunk
    is the per-pair oracle applied centre by centre, with negatives from the slice's one stream."""
    rng = np.random.default_rng(seed)
    v, negative, window, alpha = 9, 3, 2, 0.05
    ids = np.array([0, 3, 3, 5, 8, 1, 2, 7, 4, 6, 6], dtype=np.int32)
    offsets = np.array([0, 5, 11], dtype=np.int64)
    syn0, syn1neg = _mats(rng, v=v)
    prob, alias = build_alias(np.arange(1, v + 1, dtype=np.float64))
    state = seed_states(seed, 0, 0, n=1)
    want0, want1, want_loss, s = syn0.astype(np.float64), syn1neg.astype(np.float64), 0.0, state[0]
    terms = 0
    for a0, a1 in zip(offsets[:-1], offsets[1:]):
        sent = ids[a0:a1]
        for i, centre in enumerate(sent):
            ctx = [sent[j] for j in range(max(0, i - window), min(len(sent), i + window + 1)) if j != i]
            # np.uint64: a Python int would be typed int64 and break the xorshift stream
            draws, s = sample_alias_many(np.uint64(s), prob, alias, negative * len(ctx))
            want0, want1, loss = ref.sg_neg_pairs(want0, want1, ctx, int(centre), draws.reshape(len(ctx), negative),
                                                  alpha, True)
            want_loss += loss
            terms += len(ctx)
    empty = np.zeros((0, DIM), np.float32)
    codes, points, lens = np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)
    res = np.zeros((1, 4))
    numba.set_num_threads(1)
    train_chunk(ids, offsets, np.array([0, 2], np.int64), syn0, syn1neg, empty, np.ones(v, np.float32), prob, alias,
                codes, points, lens, True, negative, False, window, False, True, alpha, alpha, state, res, 8,
                skip_saturated=True, shared_negatives=False)
    assert state[0] == s  # the kernel drew exactly negative draws per pair, nothing else
    assert np.allclose(syn0, want0, atol=1e-3) and np.allclose(syn1neg, want1, atol=1e-3)
    assert res[0, 0] == pytest.approx(want_loss, rel=5e-3)
    assert res[0, 1] == terms and res[0, 2] == len(ids) and res[0, 3] == len(ids)


def test_train_chunk_per_pair_learns_groups_and_is_seeded(seed):
    ids, offsets, counts, groups = _toy_corpus(np.random.default_rng(seed))
    a, losses, _ = _train(ids, offsets, counts, seed=seed, epochs=4, shared=False)
    b, _, _ = _train(ids, offsets, counts, seed=seed, epochs=4, shared=False)
    shared, _, _ = _train(ids, offsets, counts, seed=seed, epochs=4)
    assert np.array_equal(a, b) and not np.array_equal(a, shared)
    assert losses[-1] < losses[0]
    unit = a / np.linalg.norm(a, axis=1, keepdims=True)
    label = np.zeros(len(counts), int)
    for g, members in enumerate(groups):
        label[members] = g
    same = label[:, None] == label[None, :]
    np.fill_diagonal(same, False)
    sims = unit @ unit.T
    assert sims[same].mean() > sims[label[:, None] != label[None, :]].mean() + 0.3


class _Stream:
    """The kernels' generator in plain Python ints (xorshift64 state, xorshift64* outputs)."""

    MASK, MULT = (1 << 64) - 1, 0x2545F4914F6CDD1D

    def __init__(self, state):
        self.s = int(state)

    def _next(self):
        s = self.s
        s ^= s >> 12
        s ^= (s << 25) & self.MASK
        s ^= s >> 27
        self.s = s
        return (s * self.MULT) & self.MASK

    def uniform(self):
        return np.float32(self._next() >> 40) * np.float32(1.0 / (1 << 24))

    def u32(self):
        return self._next() >> 32

    def alias(self, prob, alias):
        x = self._next()
        i = ((x >> 32) * len(prob)) >> 32
        u = np.float32((x >> 8) & 0xFFFFFF) * np.float32(1.0 / (1 << 24))
        return int(i) if u < prob[i] else int(alias[i])


def _cbow_chunk_oracle(syn0, syn1neg, ids, offsets, bounds, keep, prob, alias, negative, window, cbow_mean,
                       alpha0, alpha1, states):
    """``train_chunk`` for CBOW with negative sampling, written from its docstring with the one-step
    oracle ``ref.cbow_neg``: slice ``t`` gets its token share of ``alpha0 -> alpha1`` and decays
    over it sentence by sentence; a word with keep probability < 1 survives a fresh uniform draw
    below it; windows shrink by ``u32 % window``; noise draws equal to the centre are dropped."""
    lo_tok, total = offsets[bounds[0]], max(offsets[bounds[-1]] - offsets[bounds[0]], 1)
    loss, terms = 0.0, 0
    for t in range(len(bounds) - 1):
        rng = _Stream(states[t])
        a0 = alpha0 + (alpha1 - alpha0) * (offsets[bounds[t]] - lo_tok) / total
        a1 = alpha0 + (alpha1 - alpha0) * (offsets[bounds[t + 1]] - lo_tok) / total
        slice_total, done = offsets[bounds[t + 1]] - offsets[bounds[t]], 0
        for s in range(bounds[t], bounds[t + 1]):
            alpha = a0 + (a1 - a0) * done / slice_total
            done += offsets[s + 1] - offsets[s]
            sent = [int(w) for w in ids[offsets[s]:offsets[s + 1]] if keep[w] >= 1.0 or rng.uniform() < keep[w]]
            for i, w in enumerate(sent):
                b = window - rng.u32() % window
                ctx = [sent[j] for j in range(max(0, i - b), min(len(sent), i + b + 1)) if j != i]
                if not ctx:
                    continue
                outs = [w] + [x for x in (rng.alias(prob, alias) for _ in range(negative)) if x != w]
                syn0, syn1neg, step_loss = ref.cbow_neg(syn0, syn1neg, ctx, outs, alpha, cbow_mean, True)
                loss += step_loss
                terms += 1
    return syn0, syn1neg, loss, terms


@pytest.mark.parametrize("cbow_mean", [True, False])
def test_train_chunk_cbow_whole_chunk_matches_oracle(seed, cbow_mean):
    """The real CBOW kernel over a chunk of sentences in three slices (one thread runs them in turn,
    so the result is exact), with learning-rate decay, subsampling (keep 1, 0.5 and 0) and shrinking
    windows: every row equals the oracle's. Averaging against summing the context rows, a rising
    rate or an inverted keep test each move the rows by far more than the tolerance."""
    rng = np.random.default_rng(seed)
    v, negative, window = 12, 3, 3
    lengths = [9, 6, 11, 7, 8, 5, 10, 9]
    ids = rng.integers(0, v, sum(lengths)).astype(np.int32)
    offsets = np.cumsum([0] + lengths).astype(np.int64)
    bounds = np.array([0, 3, 5, 8], np.int64)
    keep = np.ones(v, np.float32)
    keep[[1, 4, 7]] = 0.5
    keep[2] = 0.0
    syn0, syn1neg = _mats(rng, v=v, scale=0.4)
    prob, alias = build_alias(np.bincount(ids, minlength=v).astype(np.float64) ** 0.75)
    states = seed_states(seed, 0, 0, n=3)
    want0, want1, want_loss, want_terms = _cbow_chunk_oracle(syn0, syn1neg, ids, offsets, bounds, keep, prob, alias,
                                                             negative, window, cbow_mean, 0.2, 0.02, states)
    got0, got1 = syn0.copy(), syn1neg.copy()
    codes, points, lens = np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)
    res = np.zeros((3, 4))
    numba.set_num_threads(1)
    train_chunk(ids, offsets, bounds, got0, got1, np.zeros((0, DIM), np.float32), keep, prob, alias, codes, points,
                lens, False, negative, False, window, True, cbow_mean, 0.2, 0.02, states.copy(), res, 16,
                skip_saturated=True)
    tol = 2e-3  # ~130 steps at rates up to 0.2: the sigmoid table's error (< 2e-3 per score) adds up
    np.testing.assert_allclose(got0, want0, atol=tol)
    np.testing.assert_allclose(got1, want1, atol=tol)
    assert res[:, 0].sum() == pytest.approx(want_loss, rel=5e-3) and res[:, 1].sum() == want_terms
    assert res[:, 3].sum() == len(ids) and res[:, 2].sum() < len(ids)  # subsampling dropped some words
    assert np.array_equal(got0[2], syn0[2])  # keep 0: never a context word
    # the oracle itself is sensitive to each documented rule
    other = _cbow_chunk_oracle(syn0, syn1neg, ids, offsets, bounds, keep, prob, alias, negative, window, not cbow_mean,
                               0.2, 0.02, states)[0]
    rising = _cbow_chunk_oracle(syn0, syn1neg, ids, offsets, bounds, keep, prob, alias, negative, window, cbow_mean,
                                0.02, 0.2, states)[0]
    print(f"max error {np.abs(got0 - want0).max():.1e}; sum vs mean {np.abs(other - want0).max():.1e}, "
          f"rising rate {np.abs(rising - want0).max():.1e}")
    assert np.abs(other - want0).max() > 10 * tol and np.abs(rising - want0).max() > 10 * tol
