"""Slow, obviously-correct NumPy oracles for the compiled kernels (float64, exact sigmoid)."""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def neg_log_sigmoid(x: np.ndarray | float) -> np.ndarray:
    return np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


MAX_EXP = 6.0


def saturated_sigmoid(x: np.ndarray) -> np.ndarray:
    """The kernels' gradient sigmoid: exactly 0 / 1 beyond +-MAX_EXP (word2vec.c)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= MAX_EXP, 1.0, np.where(x <= -MAX_EXP, 0.0, sigmoid(x)))


def sg_neg_window(syn0, syn1neg, ctx, outs, alpha, skip_saturated=False):
    """Skip-gram NS batch step for one centre word: inputs = context rows, outputs = [centre, negatives].

    Returns (new syn0, new syn1neg, loss). Gradients use the values before the step; with
    ``skip_saturated`` a pair whose score is beyond +-MAX_EXP gets no update (gensim)."""
    syn0 = syn0.astype(np.float64).copy()
    syn1neg = syn1neg.astype(np.float64).copy()
    m = syn0[ctx]  # (n_ctx, D)
    o = syn1neg[outs]  # (n_out, D)
    scores = m @ o.T
    labels = np.zeros(len(outs))
    labels[0] = 1.0
    g = (labels[None, :] - saturated_sigmoid(scores)) * alpha
    if skip_saturated:
        g[np.abs(scores) >= MAX_EXP] = 0.0
    signs = 2 * labels - 1
    loss = float(neg_log_sigmoid(scores * signs[None, :]).sum())
    d_in = g @ o
    d_out = g.T @ m
    np.add.at(syn0, ctx, d_in)
    np.add.at(syn1neg, outs, d_out)
    return syn0, syn1neg, loss


def _neg_step(h, syn1neg, outs, alpha, skip_saturated):
    """One hidden vector ``h`` against outputs ``outs`` (``outs[0]`` positive): all scores from the
    old rows, then the rows updated in order (the input gradient reads each row just before its own
    update). Updates ``syn1neg`` in place; returns (input gradient, loss)."""
    scores = syn1neg[outs] @ h
    labels = np.zeros(len(outs))
    labels[0] = 1.0
    loss = float(neg_log_sigmoid(scores * (2 * labels - 1)).sum())
    g = (labels - saturated_sigmoid(scores)) * alpha
    if skip_saturated:
        g[np.abs(scores) >= MAX_EXP] = 0.0
    neu1e = np.zeros_like(h)
    for k, o in enumerate(outs):
        neu1e += g[k] * syn1neg[o]
        syn1neg[o] += g[k] * h
    return neu1e, loss


def cbow_neg(syn0, syn1neg, ctx, outs, alpha, cbow_mean=True, skip_saturated=False):
    """CBOW NS step: all scores from the old output rows, then the output rows updated in order
    (the input gradient reads each row just before its own update)."""
    syn0 = syn0.astype(np.float64).copy()
    syn1neg = syn1neg.astype(np.float64).copy()
    h = syn0[ctx].sum(axis=0)
    if cbow_mean:
        h /= len(ctx)
    neu1e, loss = _neg_step(h, syn1neg, outs, alpha, skip_saturated)
    if not cbow_mean:
        neu1e /= len(ctx)
    for c in ctx:
        syn0[c] += neu1e
    return syn0, syn1neg, loss


def sg_neg_pairs(syn0, syn1neg, ctx, centre, negatives, alpha, skip_saturated=False):
    """Skip-gram NS with negatives per (centre, context) pair (gensim's ``fast_sentence_sg_neg``).

    ``negatives[j]`` are the raw noise draws of pair ``j`` (draws equal to ``centre`` are dropped).
    Pairs run in order, each one a full step that sees the rows the earlier pairs changed: scores
    from the current rows, output rows updated in order (the input gradient reads each row just
    before its own update), then the input row. Returns (new syn0, new syn1neg, loss)."""
    syn0 = syn0.astype(np.float64).copy()
    syn1neg = syn1neg.astype(np.float64).copy()
    loss = 0.0
    for r, draws in zip(ctx, negatives):
        outs = [centre] + [int(x) for x in draws if x != centre]
        neu1e, pair_loss = _neg_step(syn0[r].copy(), syn1neg, outs, alpha, skip_saturated)
        loss += pair_loss
        syn0[r] += neu1e
    return syn0, syn1neg, loss


def huffman_paths(counts):
    """Huffman codes by the textbook heap algorithm: {word: (codes, inner-node depth)} lengths only."""
    import heapq

    heap = [(int(c), i, (i,)) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    depth = np.zeros(len(counts), dtype=int)
    tie = len(counts)
    while len(heap) > 1:
        c1, _, w1 = heapq.heappop(heap)
        c2, _, w2 = heapq.heappop(heap)
        for w in w1 + w2:
            depth[w] += 1
        heapq.heappush(heap, (c1 + c2, tie, w1 + w2))
        tie += 1
    return depth


def hs_pair(syn0, syn1, codes, points, length, inp, word, alpha):
    """Skip-gram hierarchical-softmax step: input row ``inp`` predicts ``word`` along its path."""
    syn0 = syn0.astype(np.float64).copy()
    syn1 = syn1.astype(np.float64).copy()
    h = syn0[inp].copy()
    neu1e = np.zeros_like(h)
    loss = 0.0
    for n in range(length[word]):
        p, code = int(points[word, n]), int(codes[word, n])
        s = float(h @ syn1[p])
        loss += float(neg_log_sigmoid((1 - 2 * code) * s))
        g = (1 - code - float(sigmoid(s))) * alpha
        neu1e += g * syn1[p]
        syn1[p] += g * h
    syn0[inp] += neu1e
    return syn0, syn1, loss
