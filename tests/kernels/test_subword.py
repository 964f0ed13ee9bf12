"""Subword kernels against pure-Python / NumPy oracles (fastText's hashing, n-grams, training step)."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.kernels._rng import rand_float, rand_u32, seed_states, xorshift_next
from embedlab.kernels.hs import build_huffman
from embedlab.kernels.sampling import alias_draw, build_alias
from embedlab.kernels.subword import compose_rows, fnv1a_hash, subword_csr, train_block
from embedlab.vectors.subword import ngram_strings, subword_rows, wrap_words

WORDS = ["hello", "a", "naïve", "über", "日本語", "straße", "emoji😀x", "can't", "ab", "x" * 30]


def ft_hash(data: bytes) -> int:
    """fastText's Dictionary::hash: FNV-1a over bytes, each byte sign-extended (int8 -> uint32)."""
    h = 2166136261
    for c in data:
        signed = c - 256 if c >= 128 else c
        h = ((h ^ (signed & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def ft_ngrams(word: str, min_n: int, max_n: int) -> list[bytes]:
    """Dictionary::computeSubwords transcribed byte by byte (UTF-8 continuation bytes skipped)."""
    w = ("<" + word + ">").encode("utf-8")
    out = []
    for i in range(len(w)):
        if (w[i] & 0xC0) == 0x80:
            continue
        j, n = i, 1
        while j < len(w) and n <= max_n:
            j += 1
            while j < len(w) and (w[j] & 0xC0) == 0x80:
                j += 1
            if n >= min_n and not (n == 1 and (i == 0 or j == len(w))):
                out.append(w[i:j])
            n += 1
    return out


def test_hash_matches_fasttext_formula_with_sign_extension():
    rng = np.random.default_rng(0)
    samples = [b"", b"a", b"<hello>", "naïve".encode(), "日本語".encode(), bytes(range(256))]
    samples += [bytes(rng.integers(0, 256, size=int(rng.integers(1, 40)), dtype=np.uint8)) for _ in range(200)]
    for data in samples:
        buf = np.frombuffer(data, dtype=np.uint8) if data else np.zeros(0, np.uint8)
        assert fnv1a_hash(buf, 0, len(data)) == ft_hash(data)
    # the int8 quirk matters: a plain FNV-1a gives another value for non-ASCII bytes
    plain = 2166136261
    for c in "é".encode():
        plain = ((plain ^ c) * 16777619) & 0xFFFFFFFF
    assert ft_hash("é".encode()) != plain


@pytest.mark.parametrize("min_n,max_n", [(3, 6), (1, 3), (2, 5), (5, 5)])
def test_ngram_rows_match_the_byte_oracle(min_n, max_n):
    bucket, offset = 100_003, 17
    indptr, idx = subword_rows(WORDS, min_n, max_n, bucket, row_offset=offset)
    for w, word in enumerate(WORDS):
        grams = ft_ngrams(word, min_n, max_n)
        expected = [offset + ft_hash(g) % bucket for g in grams]
        assert idx[indptr[w]:indptr[w + 1]].tolist() == expected
        # on valid UTF-8 the byte walk equals the character walk
        assert [g.decode() for g in grams] == ngram_strings(word, min_n, max_n)


def test_include_word_and_disabled_ngrams():
    indptr, idx = subword_rows(["ab", "cd"], 3, 6, 1000, row_offset=2, include_word=True)
    assert idx[indptr[0]] == 0 and idx[indptr[1]] == 1
    assert np.diff(indptr).tolist() == [1 + len(ft_ngrams("ab", 3, 6)), 1 + len(ft_ngrams("cd", 3, 6))]
    buf, off = wrap_words(["hello"])
    for max_n, bucket in [(0, 1000), (6, 0)]:
        p, i = subword_csr(buf, off, 3, max_n, bucket, 0, True)
        assert p.tolist() == [0, 1] and i.tolist() == [0]


def test_compose_rows_is_the_mean_with_negative_rows_as_zero():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(6, 4)).astype(np.float32)
    indptr = np.array([0, 2, 2, 5], dtype=np.int64)
    idx = np.array([0, 3, 1, -1, 5], dtype=np.int64)
    out = compose_rows(m, indptr, idx)
    np.testing.assert_allclose(out[0], (m[0] + m[3]) / 2, rtol=1e-6)
    np.testing.assert_array_equal(out[1], np.zeros(4))
    np.testing.assert_allclose(out[2], (m[1] + m[5]) / 3, rtol=1e-6)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _sig_ft(x):
    """fastText's ``Loss::sigmoid`` transcribed: 0 below -8, 1 above 8, else ``t_sigmoid_[i]`` with
    ``i = int((x + 8) * 512 / 8 / 2)`` and ``t_sigmoid_[i] = 1 / (1 + exp(-(i * 16 / 512 - 8)))``."""
    if x < -8.0:
        return 0.0
    if x > 8.0:
        return 1.0
    i = int((x + 8.0) * 512 / 8.0 / 2)
    return 1.0 / (1.0 + np.exp(-(i * 16.0 / 512 - 8.0)))


def _oracle_step(w_in, w_out, syn1, tree, sent, sub, lr, cbow, negative, state, prob, alias, window=1,
                 return_state=False):
    """no subsampling; windows of 1..``window`` words drawn as the kernel draws them; hierarchical softmax (``tree``) then ``negative`` noise words drawn
    with the kernels' own generator (xorshift + alias table): fastText's updates, one per skip-gram
    pair (centre rows recomputed and updated each time), in float64."""
    w_in = w_in.astype(np.float64).copy()
    w_out = w_out.astype(np.float64).copy()
    syn1 = syn1.astype(np.float64).copy()

    def predict(h, t, g, state):
        if tree is not None:
            codes, points, lengths = tree
            for n in range(lengths[t]):
                p, code = points[t, n], codes[t, n]
                a = lr * (1.0 - code - _sig(h @ syn1[p]))
                g += a * syn1[p]
                syn1[p] += a * h
        outs = [(t, 1.0)] if negative else []
        while negative and len(outs) <= negative:  # fastText's getNegative: a draw equal to the target is redrawn
            state = np.uint64(xorshift_next(np.uint64(state)))  # np.uint64: keep numba's unsigned typing
            o = alias_draw(state, prob, alias)
            if o != t:
                outs.append((o, 0.0))
        for o, label in outs:
            a = lr * (label - _sig_ft(h @ w_out[o]))
            g += a * w_out[o]
            w_out[o] += a * h
        return state

    for pos in range(len(sent)):
        state = np.uint64(xorshift_next(np.uint64(state)))  # the window draw
        b = 1 + int(rand_u32(state)) % window
        ctx = [c for c in range(pos - b, pos + b + 1) if c != pos and 0 <= c < len(sent)]
        if cbow:  # one update: the context words' rows predict the centre word
            updates = [([r for c in ctx for r in sub[sent[c]]], sent[pos])]
        else:  # fastText's Model::update per pair: centre rows predict one context word at a time
            updates = [(sub[sent[pos]], sent[c]) for c in ctx]
        if not ctx:  # a one-word sentence: no pair (the kernel still drew its window)
            continue
        for rows, t in updates:
            h = w_in[rows].mean(axis=0)
            g = np.zeros_like(h)
            state = predict(h, t, g, state)
            for r in rows:
                w_in[r] += g
    if return_state:
        return w_in, w_out, syn1, state
    return w_in, w_out, syn1


NO_HS = (np.zeros((0, 1), np.uint8), np.zeros((0, 1), np.int32), np.zeros(0, np.int32))


@pytest.mark.parametrize("window", [1, 3])
@pytest.mark.parametrize("cbow", [False, True])
@pytest.mark.parametrize("hs,negative", [(False, 2), (True, 0), (True, 3), (False, 6)])
def test_train_block_matches_numpy_oracle(cbow, hs, negative, window):
    """Also with more noise draws than words (a row drawn twice in one pair is re-scored after its
    first update, as in fastText's sequential loop) and windows wider than one word."""
    rng = np.random.default_rng(2)
    n_words, n_rows, dim = 5, 9, 8
    sub = [[0, 5, 6], [1, 6], [2, 7, 8, 5], [3], [4, 8]]
    indptr = np.cumsum([0] + [len(s) for s in sub]).astype(np.int64)
    indices = np.array([r for s in sub for r in s], dtype=np.int32)
    sent = np.array([0, 1, 2, 3, 4, 2, 1], dtype=np.int32)
    offsets = np.array([0, len(sent)], dtype=np.int64)
    w_in = rng.uniform(-0.5, 0.5, size=(n_rows, dim)).astype(np.float32)
    w_out = rng.uniform(-0.5, 0.5, size=(n_words, dim)).astype(np.float32)
    syn1 = rng.uniform(-0.5, 0.5, size=(n_words - 1, dim)).astype(np.float32)
    tree = build_huffman(np.array([50, 20, 10, 5, 1], dtype=np.int64)) if hs else NO_HS
    prob, alias = build_alias(np.array([5.0, 4.0, 3.0, 2.0, 1.0]))
    keep = np.ones(n_words, dtype=np.float32)
    states = seed_states(3, n=1)
    exp_in, exp_out, exp_syn1 = _oracle_step(w_in, w_out, syn1, tree if hs else None, sent.tolist(), sub, 0.1,
                                             cbow, negative, states[0], prob, alias, window)
    loss, pairs = train_block(sent, offsets, 0, 1, indptr, indices, w_in, w_out, syn1, *tree, prob, alias, keep,
                              window, negative, cbow, 0.1, 0.1, states)
    if window == 1:
        assert pairs == (len(sent) if cbow else 2 * (len(sent) - 1))
    assert loss > 0
    # NS alone: fastText's table on both sides (float32 vs float64). With HS, word2vec's table vs the
    # exact sigmoid moves the scores, and one can fall into the next bin of fastText's (a 0.008 lr step)
    tol = 2e-3 if hs else 1e-5
    np.testing.assert_allclose(w_in, exp_in, atol=tol)
    np.testing.assert_allclose(w_out, exp_out, atol=tol)
    np.testing.assert_allclose(syn1, exp_syn1, atol=5e-4)  # table sigmoid vs exact


def _oracle_block(w_in, w_out, ids, offsets, sub, keep, lr0, lr1, cbow, negative, states, prob, alias, window):
    """The whole block as ``train_block`` specifies it, from the one-step oracle: sentences cut into
    ``len(states)`` slices of about equal tokens, each slice with its own generator; per sentence
    the learning rate falls linearly over the slice's tokens from ``lr0`` to ``lr1``, and a word is
    kept when a fresh uniform draw is below its keep probability (no draw when it is 1)."""
    n_threads = len(states)
    t0, t1 = offsets[0], offsets[-1]
    bounds = [0] + [int(np.searchsorted(offsets, t0 + (t1 - t0) * t // n_threads)) for t in range(1, n_threads)]
    bounds.append(len(offsets) - 1)
    syn1 = np.zeros((0, w_in.shape[1]))
    for t in range(n_threads):
        lo, hi = bounds[t], max(bounds[t], bounds[t + 1])
        state = states[t]
        total, done = offsets[hi] - offsets[lo], 0
        for s in range(lo, hi):
            lr = lr0 + (lr1 - lr0) * done / max(total, 1)
            kept = []
            for w in ids[offsets[s]:offsets[s + 1]]:
                if keep[w] < 1.0:
                    state = np.uint64(xorshift_next(np.uint64(state)))
                    if rand_float(state) >= keep[w]:
                        continue
                kept.append(int(w))
            done += offsets[s + 1] - offsets[s]
            w_in, w_out, syn1, state = _oracle_step(w_in, w_out, syn1, None, kept, sub, lr, cbow, negative, state,
                                                    prob, alias, window, return_state=True)
    return w_in, w_out


@pytest.mark.parametrize("cbow", [False, True])
def test_train_block_whole_block_with_decay_subsampling_and_slices_matches_oracle(cbow):
    """The real kernel over several sentences and three slices (one thread runs them in turn, so the
    result is exact): a falling learning rate, keep probabilities of 1, 0.5 and 0 (frequent words
    dropped, rare ones kept), each slice's own generator. A rising rate or an inverted keep test
    changes the rows far beyond the tolerance."""
    import numba

    rng = np.random.default_rng(6)
    n_words, n_rows, dim, window, negative = 6, 10, 8, 2, 2
    sub = [[0, 6, 7], [1, 7], [2, 8, 9, 6], [3], [4, 9], [5, 6]]
    indptr = np.cumsum([0] + [len(r) for r in sub]).astype(np.int64)
    indices = np.array([r for rows in sub for r in rows], dtype=np.int32)
    lengths = [7, 5, 9, 6, 8, 1, 7, 6]
    ids = rng.integers(0, n_words, sum(lengths)).astype(np.int32)
    offsets = np.cumsum([0] + lengths).astype(np.int64)
    keep = np.array([1.0, 0.5, 0.0, 1.0, 0.5, 1.0], dtype=np.float32)  # word 2 (frequent) never trained
    prob, alias = build_alias(np.array([3.0, 1.0, 2.0, 1.0, 2.0, 1.0]))
    w_in0 = rng.uniform(-0.5, 0.5, size=(n_rows, dim)).astype(np.float32)
    w_out0 = rng.uniform(-0.5, 0.5, size=(n_words, dim)).astype(np.float32)
    states = seed_states(11, 0, n=3)
    exp_in, exp_out = _oracle_block(w_in0, w_out0, ids, offsets, sub, keep, 0.2, 0.02, cbow, negative,
                                    states.copy(), prob, alias, window)
    w_in, w_out = w_in0.copy(), w_out0.copy()
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        _, pairs = train_block(ids, offsets, 0, len(lengths), indptr, indices, w_in, w_out,
                               np.zeros((0, dim), np.float32), *NO_HS, prob, alias, keep, window, negative, cbow,
                               0.2, 0.02, states)
    finally:
        numba.set_num_threads(before)
    assert pairs > 0
    np.testing.assert_allclose(w_in, exp_in, atol=1e-4)
    np.testing.assert_allclose(w_out, exp_out, atol=1e-4)
    # word 2's own row (keep 0) never moves; the oracle really depends on the rate and the keep test
    assert np.array_equal(w_in[2], w_in0[2]) and not np.array_equal(w_in[0], w_in0[0])
    rising, _ = _oracle_block(w_in0, w_out0, ids, offsets, sub, keep, 0.02, 0.2, cbow, negative,
                              seed_states(11, 0, n=3), prob, alias, window)
    inverted, _ = _oracle_block(w_in0, w_out0, ids, offsets, sub, 1.0 - keep, 0.2, 0.02, cbow, negative,
                                seed_states(11, 0, n=3), prob, alias, window)
    assert np.abs(rising - exp_in).max() > 1e-2 and np.abs(inverted - exp_in).max() > 1e-2


def test_train_block_is_deterministic_and_learns():
    rng = np.random.default_rng(4)
    n_words, dim = 50, 16
    ids = rng.integers(0, n_words, size=4000).astype(np.int32)
    ids[1::2] = (ids[::2] + 1) % n_words  # every even word is followed by its successor
    offsets = np.arange(0, 4001, 40, dtype=np.int64)
    indptr, indices = subword_rows([f"w{i}" for i in range(n_words)], 2, 3, 64, row_offset=n_words,
                                   include_word=True)
    prob, alias = build_alias(np.bincount(ids, minlength=n_words).astype(np.float64) ** 0.75)
    keep = np.ones(n_words, dtype=np.float32)
    results = []
    for _ in range(2):
        w_in = np.random.default_rng(5).uniform(-0.05, 0.05, size=(n_words + 64, dim)).astype(np.float32)
        w_out = np.zeros((n_words, dim), dtype=np.float32)
        losses = []
        for epoch in range(4):
            loss, pairs = train_block(ids, offsets, 0, len(offsets) - 1, indptr, indices.astype(np.int32),
                                      w_in, w_out, np.zeros((0, dim), np.float32), *NO_HS, prob, alias, keep,
                                      2, 5, False, 0.05, 0.05, seed_states(9, epoch, n=1))
            losses.append(loss / pairs)
        results.append((w_in, w_out, losses))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2][-1] < results[0][2][0]


def test_fasttext_sigmoid_is_fasttexts_table():
    """The subword kernels' sigmoid is fastText's (saturating at |x| = 8, its MAX_SIGMOID, not
    word2vec's 6; read at the left edge of 512 bins), so scores between 6 and 8 keep a gradient."""
    from embedlab.kernels._sigmoid import neg_log_sigmoid_ft, sigmoid, sigmoid_ft

    for x in (6.5, 7.0, 7.9):
        assert sigmoid(x) == 1.0 and sigmoid(-x) == 0.0
        assert 0.0 < 1.0 - sigmoid_ft(x) < 2e-3 and 0.0 < sigmoid_ft(-x) < 2e-3
        assert abs(neg_log_sigmoid_ft(-x) / np.log1p(np.exp(x)) - 1.0) < 1e-3  # loss: 4,096 bin centres
    grid = np.concatenate([np.linspace(-9.0, 9.0, 20001, dtype=np.float32), np.float32([-8, 8, 0, -7.96875])])
    for x in grid:
        assert abs(sigmoid_ft(x) - _sig_ft(float(x))) < 1e-7, x
    exact = 1.0 / (1.0 + np.exp(-grid.astype(np.float64)))
    assert max(abs(sigmoid_ft(x) - e) for x, e in zip(grid, exact)) < 8e-3  # half a bin of slope 1/4
