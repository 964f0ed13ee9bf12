"""Word2vec training kernels: skip-gram / CBOW with negative sampling and hierarchical softmax.

Layout: ``syn0`` (input vectors, V x D), ``syn1neg`` (negative-sampling output vectors, V x D),
``syn1`` (hierarchical-softmax inner nodes, V-1 x D), all float32 and updated in place; ``syn1neg``
may instead be the uint16 view of a float16 matrix (half the memory; read and written through
:mod:`._half`, stochastically rounded), the kernels compile a variant for each.

Skip-gram with negative sampling follows Ji et al. (2016): for one centre word the context
words' input rows and one shared set of ``[centre + K negatives]`` output rows form a small
``(n_ctx x (K+1))`` block of dot products; gradients are applied as two small matrix products.
This reads K output rows per centre word instead of K per (centre, context) pair, which is where
word2vec.c spends its time (cache misses), at equal quality on text. :func:`sg_neg_pairs` is the
per-pair alternative (word2vec.c / gensim: K fresh negatives for every (centre, context) pair),
selected with ``shared_negatives=False``; the graph methods use it (node2vec's link prediction
gains from up to 2 * window times more distinct negatives).

:func:`train_chunk` is the entry point: one call trains a chunk of sentences, split into one
contiguous slices spread over the threads (``numba.prange``, lock-free Hogwild updates). Each
slice has its own RNG state (``states[t]``), decays the learning rate linearly over its share of
``alpha0 -> alpha1``, and adds its loss and counts into ``results[t]`` = (loss sum, loss terms,
words trained after subsampling, raw words).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._half import add_w, float_bits, get_w, put_w
from ._rng import rand_float, rand_u32, xorshift_next
from ._sigmoid import ns_term
from ._prefetch import prefetch_row
from .hs import hs_accumulate
from .sampling import alias_draw

__all__ = ["sg_neg_window", "sg_neg_pairs", "neg_accumulate", "train_chunk", "RESULT_FIELDS"]

RESULT_FIELDS = ("loss_sum", "loss_terms", "words_trained", "words_seen")


@njit(cache=True, nogil=True, fastmath=True)
def sg_neg_window(
    syn0: np.ndarray,
    syn1neg: np.ndarray,
    ctx: np.ndarray,
    n_ctx: int,
    outs: np.ndarray,
    n_out: int,
    alpha: float,
    obuf: np.ndarray,
    gbuf: np.ndarray,
    tmp: np.ndarray,
    skip_saturated: bool = False,
) -> float:
    """Skip-gram negative-sampling update for one centre word (shared negatives).

    ``ctx[:n_ctx]`` are the context words (inputs), ``outs[0]`` the centre word (label 1) and
    ``outs[1:n_out]`` the negatives (label 0). Gradients are computed from the values before the
    update (a batch step). Returns the summed loss ``-log s(x.o) - sum log s(-x.n)`` over pairs.
    With ``skip_saturated`` a pair whose score ``|x| >= MAX_EXP`` gets no update (gensim); otherwise
    its sigmoid saturates to 0/1 (word2vec.c). The loss counts every pair either way.

    The three small products (scores, output and input gradients) are register-blocked: four
    context rows share each load of an output row, four context rows (three output rows) are summed
    per pass, and the last pass adds straight into the row (short windows need no accumulator);
    a short last block is padded with zero gradients. This halves the loads and stores of the
    plain loops (1.3-1.7x on 64- to 300-d rows that sit in cache, where memory operations bound
    the time).
    """
    dim = syn0.shape[1]
    a = np.float32(alpha)
    for k in range(n_out):
        o = outs[k]
        for d in range(dim):
            obuf[k, d] = get_w(syn1neg, o, d)
    loss = 0.0
    # scores, four contexts per pass over an output row (the last pass padded with ctx[j])
    j = 0
    while j < n_ctx:
        m = min(4, n_ctx - j)
        r0 = ctx[j]
        r1 = ctx[j + 1] if m > 1 else r0
        r2 = ctx[j + 2] if m > 2 else r0
        r3 = ctx[j + 3] if m > 3 else r0
        for k in range(n_out):
            s0 = np.float32(0.0)
            s1 = np.float32(0.0)
            s2 = np.float32(0.0)
            s3 = np.float32(0.0)
            for d in range(dim):
                o = obuf[k, d]
                s0 += syn0[r0, d] * o
                s1 += syn0[r1, d] * o
                s2 += syn0[r2, d] * o
                s3 += syn0[r3, d] * o
            l, gbuf[j, k] = ns_term(s0, k == 0, a, skip_saturated)
            loss += l
            if m > 1:
                l, gbuf[j + 1, k] = ns_term(s1, k == 0, a, skip_saturated)
                loss += l
            if m > 2:
                l, gbuf[j + 2, k] = ns_term(s2, k == 0, a, skip_saturated)
                loss += l
            if m > 3:
                l, gbuf[j + 3, k] = ns_term(s3, k == 0, a, skip_saturated)
                loss += l
        j += 4
    salt = float_bits(np.float32(loss))  # half-precision syn1neg: fresh rounding bits per call
    # output rows, four contexts per pass; the last pass adds straight into syn1neg
    for k in range(n_out):
        o = outs[k]
        j = 0
        first = True
        while j < n_ctx:
            m = min(4, n_ctx - j)
            r0 = ctx[j]
            g0 = gbuf[j, k]
            r1, g1 = (ctx[j + 1], gbuf[j + 1, k]) if m > 1 else (r0, np.float32(0.0))
            r2, g2 = (ctx[j + 2], gbuf[j + 2, k]) if m > 2 else (r0, np.float32(0.0))
            r3, g3 = (ctx[j + 3], gbuf[j + 3, k]) if m > 3 else (r0, np.float32(0.0))
            if j + 4 >= n_ctx:
                if first:
                    for d in range(dim):
                        add_w(syn1neg, o, d,
                              (g0 * syn0[r0, d] + g1 * syn0[r1, d]) + (g2 * syn0[r2, d] + g3 * syn0[r3, d]), salt)
                else:
                    for d in range(dim):
                        add_w(syn1neg, o, d, tmp[d] + (
                            (g0 * syn0[r0, d] + g1 * syn0[r1, d]) + (g2 * syn0[r2, d] + g3 * syn0[r3, d])
                        ), salt)
            elif first:
                for d in range(dim):
                    tmp[d] = (g0 * syn0[r0, d] + g1 * syn0[r1, d]) + (g2 * syn0[r2, d] + g3 * syn0[r3, d])
            else:
                for d in range(dim):
                    tmp[d] += (g0 * syn0[r0, d] + g1 * syn0[r1, d]) + (g2 * syn0[r2, d] + g3 * syn0[r3, d])
            first = False
            j += 4
    # input rows, three outputs per pass; the last pass adds straight into syn0
    for j in range(n_ctx):
        r = ctx[j]
        k = 0
        first = True
        while k < n_out:
            m = min(3, n_out - k)
            g0 = gbuf[j, k]
            k1 = k + 1 if m > 1 else k
            k2 = k + 2 if m > 2 else k
            g1 = gbuf[j, k1] if m > 1 else np.float32(0.0)
            g2 = gbuf[j, k2] if m > 2 else np.float32(0.0)
            if k + 3 >= n_out:
                if first:
                    for d in range(dim):
                        syn0[r, d] += g0 * obuf[k, d] + g1 * obuf[k1, d] + g2 * obuf[k2, d]
                else:
                    for d in range(dim):
                        syn0[r, d] += tmp[d] + (g0 * obuf[k, d] + g1 * obuf[k1, d] + g2 * obuf[k2, d])
            elif first:
                for d in range(dim):
                    tmp[d] = g0 * obuf[k, d] + g1 * obuf[k1, d] + g2 * obuf[k2, d]
            else:
                for d in range(dim):
                    tmp[d] += g0 * obuf[k, d] + g1 * obuf[k1, d] + g2 * obuf[k2, d]
            first = False
            k += 3
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def neg_accumulate(
    h: np.ndarray, syn1neg: np.ndarray, outs: np.ndarray, n_out: int, alpha: float, neu1e: np.ndarray,
    gbuf: np.ndarray, skip_saturated: bool = False,
) -> float:
    """Negative-sampling step from input vector ``h`` (CBOW): updates ``syn1neg``, adds the
    input gradient into ``neu1e`` and returns the loss. ``outs[0]`` is the positive word.

    All scores are computed before any update (``gbuf[:n_out]`` receives the gradients); the
    updates then run in order, each output row read just before it is changed. ``skip_saturated``
    as in :func:`sg_neg_window`."""
    dim = h.shape[0]
    a = np.float32(alpha)
    loss = 0.0
    # all scores first (independent row loads overlap their cache misses), then the updates
    for k in range(n_out):
        o = outs[k]
        s = np.float32(0.0)
        for d in range(dim):
            s += h[d] * get_w(syn1neg, o, d)
        term, gbuf[k] = ns_term(s, k == 0, a, skip_saturated)
        loss += term
    salt = float_bits(np.float32(loss))
    for k in range(n_out):
        o = outs[k]
        g = gbuf[k]
        for d in range(dim):
            v = get_w(syn1neg, o, d)
            neu1e[d] += g * v
            put_w(syn1neg, o, d, v + g * h[d], salt)
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def sg_neg_pairs(
    syn0: np.ndarray,
    syn1neg: np.ndarray,
    ctx: np.ndarray,
    n_ctx: int,
    centre: int,
    negative: int,
    alias_p: np.ndarray,
    alias_i: np.ndarray,
    state: np.uint64,
    alpha: float,
    outs: np.ndarray,
    neu1e: np.ndarray,
    gvec: np.ndarray,
    skip_saturated: bool = False,
) -> tuple[float, np.uint64]:
    """Skip-gram negative-sampling updates for one centre word, negatives drawn per pair.

    For each context word ``ctx[j]`` in order (gensim's ``fast_sentence_sg_neg``): ``negative``
    fresh noise draws (draws equal to ``centre`` are dropped), then :func:`neg_accumulate` from
    the input row ``syn0[ctx[j]]`` with ``centre`` as the positive output, then the input row is
    updated. ``outs`` (``n_ctx x (negative + 2)`` int32: count, then outputs per pair), ``neu1e``
    (dim) and ``gvec`` are scratch.
    Returns (summed loss over the pairs, advanced RNG state)."""
    dim = syn0.shape[1]
    loss = 0.0
    # every pair's draws first (the same draws in the same order), their rows and the input rows
    # prefetched, so that the cache misses of the window overlap instead of queueing pair by pair
    for j in range(n_ctx):
        outs[j, 1] = centre
        n_out = 1
        for _k in range(negative):
            state = xorshift_next(state)
            x = alias_draw(state, alias_p, alias_i)
            if x != centre:
                outs[j, 1 + n_out] = x
                prefetch_row(syn1neg, x)
                n_out += 1
        outs[j, 0] = n_out
        prefetch_row(syn0, ctx[j])
    for j in range(n_ctx):
        r = ctx[j]
        for d in range(dim):
            neu1e[d] = 0.0
        loss += neg_accumulate(syn0[r], syn1neg, outs[j, 1:], outs[j, 0], alpha, neu1e, gvec, skip_saturated)
        for d in range(dim):
            syn0[r, d] += neu1e[d]
    return loss, state


@njit(cache=True, nogil=True, fastmath=True)
def _train_slice(
    ids, offsets, s_lo, s_hi, syn0, syn1neg, syn1, keep, alias_p, alias_i, codes, points,
    code_lens, skipgram, negative, use_hs, window, shrink, cbow_mean, alpha0, alpha1, state,
    out, sent, ctx, outs, obuf, gbuf, tmp, h, neu1e, gvec, skip_saturated, shared_negatives, pouts,
):
    dim = syn0.shape[1]
    total = offsets[s_hi] - offsets[s_lo]
    if total <= 0:
        return state
    done = 0
    loss = 0.0
    terms = 0
    trained = 0
    win = np.uint64(window)
    for s in range(s_lo, s_hi):
        a0 = offsets[s]
        a1 = offsets[s + 1]
        alpha = alpha0 + (alpha1 - alpha0) * (done / total)
        done += a1 - a0
        # subsampling of frequent words, before the windows (as word2vec.c)
        n = 0
        for t in range(a0, a1):
            w = ids[t]
            kp = keep[w]
            if kp < 1.0:
                state = xorshift_next(state)
                if rand_float(state) >= kp:
                    continue
            sent[n] = w
            n += 1
        trained += n
        for i in range(n):
            b = window
            if shrink:
                state = xorshift_next(state)
                b = window - np.int64(rand_u32(state) % win)
            lo = max(0, i - b)
            hi = min(n, i + b + 1)
            nc = 0
            for j in range(lo, hi):
                if j != i:
                    ctx[nc] = sent[j]
                    nc += 1
            if nc == 0:
                continue
            w = sent[i]
            n_out = 0
            per_pair = skipgram and not shared_negatives
            if negative > 0 and not per_pair:
                outs[0] = w
                n_out = 1
                for _k in range(negative):
                    state = xorshift_next(state)
                    x = alias_draw(state, alias_p, alias_i)
                    if x != w:
                        outs[n_out] = x
                        n_out += 1
            if skipgram:
                if use_hs:
                    for j in range(nc):
                        r = ctx[j]
                        for d in range(dim):
                            neu1e[d] = 0.0
                        loss += hs_accumulate(syn0[r], syn1, codes, points, code_lens, w, alpha, neu1e)
                        for d in range(dim):
                            syn0[r, d] += neu1e[d]
                if negative > 0 and per_pair:
                    pl, state = sg_neg_pairs(syn0, syn1neg, ctx, nc, w, negative, alias_p, alias_i, state,
                                             alpha, pouts, neu1e, gvec, skip_saturated)
                    loss += pl
                elif negative > 0:
                    loss += sg_neg_window(syn0, syn1neg, ctx, nc, outs, n_out, alpha, obuf, gbuf, tmp,
                                          skip_saturated)
                terms += nc
            else:
                for d in range(dim):
                    h[d] = 0.0
                    neu1e[d] = 0.0
                for j in range(nc):
                    r = ctx[j]
                    for d in range(dim):
                        h[d] += syn0[r, d]
                inv = np.float32(1.0 / nc)
                if cbow_mean:
                    for d in range(dim):
                        h[d] *= inv
                if use_hs:
                    loss += hs_accumulate(h, syn1, codes, points, code_lens, w, alpha, neu1e)
                if negative > 0:
                    loss += neg_accumulate(h, syn1neg, outs, n_out, alpha, neu1e, gvec, skip_saturated)
                if not cbow_mean:
                    for d in range(dim):
                        neu1e[d] *= inv
                for j in range(nc):
                    r = ctx[j]
                    for d in range(dim):
                        syn0[r, d] += neu1e[d]
                terms += 1
    out[0] += loss
    out[1] += terms
    out[2] += trained
    out[3] += total
    return state


@njit(cache=True, nogil=True, fastmath=True, parallel=True)
def train_chunk(
    ids: np.ndarray,
    offsets: np.ndarray,
    bounds: np.ndarray,
    syn0: np.ndarray,
    syn1neg: np.ndarray,
    syn1: np.ndarray,
    keep: np.ndarray,
    alias_p: np.ndarray,
    alias_i: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    code_lens: np.ndarray,
    skipgram: bool,
    negative: int,
    use_hs: bool,
    window: int,
    shrink: bool,
    cbow_mean: bool,
    alpha0: float,
    alpha1: float,
    states: np.ndarray,
    results: np.ndarray,
    max_len: int,
    skip_saturated: bool = False,
    shared_negatives: bool = True,
) -> None:
    """Train sentences ``bounds[0]..bounds[-1]`` (indices into ``offsets``) in place.

    Slice ``t`` (sentences ``bounds[t]..bounds[t+1]``) is trained with RNG state ``states[t]``
    (advanced in place), its share of the ``alpha0 -> alpha1`` decay, and adds (loss sum, loss
    terms, words trained, raw words) into ``results[t]``. Slices are handed to threads by
    ``prange``; with ``numba.parallel_chunksize(1)`` they are dealt dynamically, so a thread that
    the OS delays holds up the chunk by one small slice only.
    ``ids`` are int32 word ids, ``offsets`` int64 sentence starts with a final end;
    ``keep`` float32 keep probabilities; ``alias_p``/``alias_i`` the noise alias table;
    ``skip_saturated``: negative-sampling pairs with ``|x| >= MAX_EXP`` are skipped, as gensim does
    (Word2Vec passes True: +0.3 to +0.5 analogy points over three seeds on ~11M tokens);
    ``shared_negatives``: skip-gram shares one negative set per centre word over its window
    (:func:`sg_neg_window`, the default); False draws them per pair (:func:`sg_neg_pairs`).
    CBOW ignores it.
    """
    n_slices = bounds.shape[0] - 1
    dim = syn0.shape[1]
    lo_tok = offsets[bounds[0]]
    total = max(offsets[bounds[n_slices]] - lo_tok, 1)
    for t in prange(n_slices):
        sent = np.empty(max_len, dtype=np.int32)
        ctx = np.empty(2 * window, dtype=np.int32)
        outs = np.empty(negative + 1, dtype=np.int32)
        pouts = np.empty((2 * window if not shared_negatives else 0, negative + 2), dtype=np.int32)
        obuf = np.empty((negative + 1, dim), dtype=np.float32)
        gbuf = np.empty((2 * window, negative + 1), dtype=np.float32)
        tmp = np.empty(dim, dtype=np.float32)
        h = np.empty(dim, dtype=np.float32)
        neu1e = np.empty(dim, dtype=np.float32)
        gvec = np.empty(negative + 1, dtype=np.float32)
        # the slice's share of the chunk's learning-rate decay, by token position
        f0 = (offsets[bounds[t]] - lo_tok) / total
        f1 = (offsets[bounds[t + 1]] - lo_tok) / total
        states[t] = _train_slice(
            ids, offsets, bounds[t], bounds[t + 1], syn0, syn1neg, syn1, keep, alias_p, alias_i,
            codes, points, code_lens, skipgram, negative, use_hs, window, shrink, cbow_mean,
            alpha0 + (alpha1 - alpha0) * f0, alpha0 + (alpha1 - alpha0) * f1, states[t], results[t],
            sent, ctx, outs, obuf, gbuf, tmp, h, neu1e, gvec, skip_saturated, shared_negatives, pouts,
        )
