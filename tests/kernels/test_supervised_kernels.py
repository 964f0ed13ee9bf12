"""Supervised kernels against NumPy oracles: one SGD step of each loss, word n-gram hashing."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.kernels._rng import seed_states
from embedlab.kernels.hs import build_huffman
from embedlab.kernels.supervised import (
    HS,
    OVA,
    SOFTMAX,
    line_rows,
    map_buckets,
    ova_step,
    softmax_step,
    token_hashes,
    slice_bounds,
    train_slice,
)


def ft_hash(data: bytes) -> int:
    """fastText's Dictionary::hash (FNV-1a, bytes sign-extended)."""
    h = 2166136261
    for c in data:
        h = ((h ^ ((c - 256 if c >= 128 else c) & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def ft_word_ngrams(hashes: list[int], n: int, bucket: int, nwords: int) -> list[int]:
    """Dictionary::addWordNgrams: int32 hashes widened to uint64 (sign extension), mod 2**64."""
    out = []
    mask = (1 << 64) - 1
    as_i32 = [h - (1 << 32) if h >= (1 << 31) else h for h in hashes]
    for i in range(len(hashes)):
        h = as_i32[i] & mask
        for j in range(i + 1, min(len(hashes), i + n)):
            h = (h * 116049371 + (as_i32[j] & mask)) & mask
            out.append(nwords + h % bucket)
    return out


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def oracle_softmax(h, w_out, target, lr):
    w = w_out.astype(np.float64).copy()
    z = w @ h
    p = np.exp(z - z.max())
    p /= p.sum()
    label = np.zeros(len(w))
    label[target] = 1.0
    alpha = lr * (label - p)
    grad = alpha @ w
    w += np.outer(alpha, h)
    return w, grad, -np.log(p[target] + 1e-5)


def oracle_ova(h, w_out, targets, lr):
    w = w_out.astype(np.float64).copy()
    p = sigmoid(w @ h)
    label = np.isin(np.arange(len(w)), targets).astype(np.float64)
    alpha = lr * (label - p)
    grad = alpha @ w
    w += np.outer(alpha, h)
    loss = -np.sum(np.where(label > 0, np.log(p + 1e-5), np.log(1 - p + 1e-5)))
    return w, grad, loss


def oracle_hs(h, syn1, codes, points, length, lr):
    w = syn1.astype(np.float64).copy()
    grad = np.zeros_like(h)
    loss = 0.0
    for n in range(length):
        p, code = int(points[n]), int(codes[n])
        s = w[p] @ h
        loss += np.logaddexp(0.0, -(1 - 2 * code) * s)
        g = (1 - code - sigmoid(s)) * lr
        grad += g * w[p]
        w[p] += g * h
    return w, grad, loss


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_token_hashes_match_fasttext(rng):
    words = [b"hello", "naïve".encode(), "日本語".encode(), b"</s>", b"a", bytes([200, 201, 65])]
    buf = np.frombuffer(b"".join(words), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum([len(w) for w in words])]).astype(np.int64)
    assert token_hashes(buf, offsets).tolist() == [ft_hash(w) for w in words]


@pytest.mark.parametrize("n", [2, 3])
def test_word_ngram_rows_match_add_word_ngrams(n):
    tokens = [b"the", "naïve".encode(), b"film", b"is", b"</s>", "über".encode()]
    hashes = [ft_hash(t) for t in tokens]
    assert any(h >= 2**31 for h in hashes) and any(h < 2**31 for h in hashes)  # both widening branches
    bucket, nwords = 1000, 6
    # two texts: tokens 0..3 and 2..5, each token contributes its own row (the token id)
    tok = np.array([0, 1, 2, 3, 2, 3, 4, 5], dtype=np.int32)
    line_off = np.array([0, 4, 8], dtype=np.int64)
    tok_ptr = np.arange(7, dtype=np.int64)
    tok_rows = np.arange(6, dtype=np.int64)
    bucket_map = np.arange(bucket, dtype=np.int32)  # identity: raw bucket ids stay visible
    indptr, rows, used = line_rows(tok, line_off, tok_ptr, tok_rows, np.array(hashes, dtype=np.int64), n, bucket,
                                   nwords, bucket_map, bucket, False)
    for s in range(2):
        ids = tok[line_off[s]:line_off[s + 1]].tolist()
        expected = ids + ft_word_ngrams([hashes[i] for i in ids], n, bucket, nwords)
        assert rows[indptr[s]:indptr[s + 1]].tolist() == expected
    assert used == bucket


def test_bucket_map_grows_compactly_and_marks_unknown():
    nwords = 3
    bucket_map = np.full(50, -1, dtype=np.int32)
    rows = np.array([0, 3 + 40, 2, 3 + 7, 3 + 40], dtype=np.int64)
    used = map_buckets(rows, nwords, bucket_map, 0, True)
    assert used == 2 and rows.tolist() == [0, 3, 2, 4, 3]
    unseen = np.array([1, 3 + 7, 3 + 9], dtype=np.int64)
    assert map_buckets(unseen, nwords, bucket_map, used, False) == 2
    assert unseen.tolist() == [1, 4, -1]


def test_softmax_step_matches_oracle(rng):
    h = rng.normal(size=8).astype(np.float32)
    w_out = rng.normal(scale=0.5, size=(5, 8)).astype(np.float32)
    want_w, want_g, want_loss = oracle_softmax(h.astype(np.float64), w_out, 3, 0.2)
    grad = np.zeros(8, dtype=np.float32)
    loss = softmax_step(h, grad, w_out, 3, 0.2, np.empty(5, dtype=np.float32))
    np.testing.assert_allclose(w_out, want_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, want_g, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(want_loss, rel=1e-5)


def test_ova_step_matches_oracle(rng):
    h = rng.normal(size=6).astype(np.float32)
    w_out = rng.normal(scale=0.5, size=(4, 6)).astype(np.float32)
    targets = np.array([0, 2], dtype=np.int64)
    want_w, want_g, want_loss = oracle_ova(h.astype(np.float64), w_out, targets, 0.3)
    grad = np.zeros(6, dtype=np.float32)
    loss = ova_step(h, grad, w_out, targets, 0.3)
    np.testing.assert_allclose(w_out, want_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, want_g, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(want_loss, rel=1e-5)


def _one_text_step(loss_kind, rng, labels, n_out):
    """train_epoch on one text with rows [1, 4, 1, 2] (row 1 twice) against the oracle."""
    dim = 6
    w_in = rng.normal(scale=0.3, size=(6, dim)).astype(np.float32)
    w_out = rng.normal(scale=0.3, size=(n_out, dim)).astype(np.float32)
    rows = np.array([1, 4, 1, 2], dtype=np.int64)
    in_ptr = np.array([0, 4], dtype=np.int64)
    lab = np.array(labels, dtype=np.int64)
    lab_ptr = np.array([0, len(labels)], dtype=np.int64)
    work = np.array([3], dtype=np.int64)
    counts = np.array([5, 3, 2, 1], dtype=np.int64)
    codes, points, lengths = build_huffman(counts)
    if loss_kind != HS:
        codes, points, lengths = np.zeros((0, 1), np.uint8), np.zeros((0, 1), np.int32), np.zeros(0, np.int32)
    h = w_in[rows].astype(np.float64).mean(axis=0)
    lr = 0.25
    if loss_kind == SOFTMAX:
        want_out, grad, want_loss = oracle_softmax(h, w_out, labels[0], lr)
    elif loss_kind == OVA:
        want_out, grad, want_loss = oracle_ova(h, w_out, lab, lr)
    else:
        want_out, grad, want_loss = oracle_hs(h, w_out, codes[labels[0]], points[labels[0]], lengths[labels[0]], lr)
    want_in = w_in.astype(np.float64).copy()
    for r in rows:  # fastText: grad / number of input rows, added once per listed row
        want_in[r] += grad / len(rows)
    loss, examples, _ = train_slice(in_ptr, rows, lab_ptr, lab, work, 0, 1, w_in, w_out, codes, points, lengths,
                                    loss_kind, lr, lr, seed_states(1, n=1)[0])
    assert examples == 1
    tol = 2e-3 if loss_kind == HS else 1e-5  # hs uses the shared sigmoid table (bin width 0.006)
    np.testing.assert_allclose(w_out, want_out, rtol=tol, atol=tol * 0.1)
    np.testing.assert_allclose(w_in, want_in, rtol=tol, atol=tol * 0.1)
    assert loss == pytest.approx(want_loss, rel=tol)


def test_train_step_softmax(rng):
    _one_text_step(SOFTMAX, rng, [2], 4)


def test_train_step_one_vs_all(rng):
    _one_text_step(OVA, rng, [0, 3], 4)


def test_train_step_hierarchical_softmax(rng):
    _one_text_step(HS, rng, [3], 3)  # 4 labels -> 3 inner nodes; label 3 is the deepest


def test_softmax_with_several_labels_draws_one_per_step_reproducibly(rng):
    dim, n_texts = 4, 400
    w_in0 = rng.normal(scale=0.3, size=(3, dim)).astype(np.float32)
    in_ptr = np.arange(n_texts + 1, dtype=np.int64)
    rows = np.zeros(n_texts, dtype=np.int64)
    lab = np.tile(np.array([0, 1], dtype=np.int64), n_texts)
    lab_ptr = np.arange(0, 2 * n_texts + 1, 2, dtype=np.int64)
    work = np.ones(n_texts, dtype=np.int64)
    empty = (np.zeros((0, 1), np.uint8), np.zeros((0, 1), np.int32), np.zeros(0, np.int32))
    outs = []
    for _ in range(2):
        w_in, w_out = w_in0.copy(), np.zeros((3, dim), dtype=np.float32)
        train_slice(in_ptr, rows, lab_ptr, lab, work, 0, n_texts, w_in, w_out, *empty, SOFTMAX, 0.1, 0.1,
                    seed_states(5, n=1)[0])
        outs.append(w_out)
    np.testing.assert_array_equal(outs[0], outs[1])
    # both labels were drawn about equally often: their scores stay close, label 2 (never drawn) lowest
    h = w_in0[0]
    s = outs[0] @ h
    assert s[2] < min(s[0], s[1])
    assert abs(s[0] - s[1]) < 0.5 * (min(s[0], s[1]) - s[2])


def test_slice_bounds_balance_work():
    work = np.array([5, 1, 1, 1, 1, 1, 5, 1, 1, 1], dtype=np.int64)
    b = slice_bounds(work, 1, 10, 3)
    assert b[0] == 1 and b[-1] == 10 and (np.diff(b) >= 0).all()
    sums = [work[b[t]:b[t + 1]].sum() for t in range(3)]
    assert sum(sums) == work[1:].sum() and max(sums) <= 7
