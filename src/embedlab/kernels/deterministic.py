"""Deterministic parallel training kernels: the same seed gives bit-identical vectors on any thread count.

Scheme (exact, no locks, no atomics): a chunk of sentences is cut into a fixed number of
``n_shards`` contiguous shards (independent of the thread count), each with its own RNG stream.
Training alternates two phases until every shard is done:

1. **compute** (``prange`` over shards): each shard trains its next ``batch`` centre words
   sequentially, exactly as the lock-free kernels do, but on a *private copy* of the rows it
   touches (copied on first touch from the shared matrices, which nobody writes during this
   phase). A shard sees its own updates immediately and the others' at the next mini-batch;
2. **merge** (``prange`` over row owners): each shard's change (copy minus the snapshot value) is
   added to the shared rows in shard order (Huffman inner nodes get the mean of the shards'
   changes, see :data:`MERGE_MEAN`). A row is owned by one worker (``row % workers``),
   so every element receives its additions in the same order whatever the number of workers.

Nothing a thread does depends on which thread it is or when it runs, so the result depends only
on the data, the seed and ``n_shards``/``batch``. The per-window updates are the lock-free
kernels' own (:func:`~.sgns.sg_neg_window`, :func:`~.sgns.neg_accumulate`,
:func:`~.hs.hs_accumulate`), applied to the private row copies.

The private copies live in per-shard caches: an open-addressing hash map (row -> slot), the list
of rows, and two ``slots x dim`` float32 blocks (working copy and snapshot), sized for the worst
case of one mini-batch, so memory is ``O(n_shards x batch x window x dim)``, independent of the
vocabulary.
"""

from __future__ import annotations

import numpy as np
import numba
from numba import njit, prange

from ._half import add_w, float_bits, get_w
from ._rng import rand_float, rand_u32, xorshift_next
from .glove import _FASTMATH as _GLOVE_FASTMATH
from .glove import _adagrad_range
from ._sigmoid import neg_log_sigmoid_ft, sigmoid_ft
from .hs import hs_accumulate
from .sampling import alias_draw
from .sgns import neg_accumulate, sg_neg_window
from .subword import MAX_NEGATIVE_TRIES

__all__ = ["train_chunk_deterministic", "cache_slots", "N_SHARDS", "BATCH", "GLOVE_STRATA", "stratify_range",
           "adagrad_strata"]

#: fixed number of shards per chunk (upper bound on the useful thread count in this mode)
N_SHARDS = 16
#: centre words per shard and mini-batch
BATCH = 48
#: hierarchical softmax: merge an inner node changed by several shards with the mean of their
#: changes (the nodes near the root are on every path; summing 16 shards' stale gradients blew up
#: fastText's HS). Input and negative-sampling rows always get the sum (the mean slows learning).
MERGE_MEAN = True


def cache_slots(batch: int, window: int, negative: int, code_width: int, skipgram: bool) -> tuple[int, int, int]:
    """Worst-case rows one mini-batch touches: (input rows, negative-sampling rows, HS inner nodes)."""
    n_in = batch * (2 * window + 1)
    n_neg = batch * (negative + 1) if negative > 0 else 1
    n_hs = batch * code_width if code_width > 0 else 1
    return n_in, n_neg, n_hs


@njit(cache=True, nogil=True, inline="always")
def _slot(s, row, keys, vals, rows, cnt, work, orig, src):
    """Slot of ``row`` in shard ``s``'s cache, copying it from ``src`` on first touch."""
    mask = keys.shape[1] - 1
    h = (np.int64(row) * np.int64(2654435761)) & mask
    while True:
        k = keys[s, h]
        if k == row:
            return vals[s, h]
        if k < 0:
            n = cnt[s]
            keys[s, h] = row
            vals[s, h] = n
            rows[s, n] = row
            cnt[s] = n + 1
            for d in range(src.shape[1]):
                v = get_w(src, row, d)
                work[s, n, d] = v
                orig[s, n, d] = v
            return n
        h = (h + 1) & mask


@njit(cache=True, nogil=True, fastmath=True)
def _merge_rows(dst, rows, cnt, work, orig, t, nw, touch, mean):
    """Add the shards' changes to the rows owned by worker ``t`` (``row % nw == t``), in shard order.

    With ``mean`` a row changed by ``k`` shards in this mini-batch gets the mean of their changes
    (the sum would apply ``k`` stale gradients at once to the hottest rows, e.g. the Huffman root);
    ``touch`` (one counter per row, zero between calls) counts them."""
    dim = dst.shape[1]
    n_shards = rows.shape[0]
    if mean:
        for s in range(n_shards):
            for k in range(cnt[s]):
                r = rows[s, k]
                if r % nw == t:
                    touch[r] += 1
    for s in range(n_shards):
        for k in range(cnt[s]):
            r = rows[s, k]
            if r % nw == t:
                salt = float_bits(work[s, k, 0])  # half-precision dst: rounding bits per merge
                if mean and touch[r] > 1:
                    f = np.float32(1.0) / np.float32(touch[r])
                    for d in range(dim):
                        add_w(dst, r, d, (work[s, k, d] - orig[s, k, d]) * f, salt)
                else:
                    for d in range(dim):
                        add_w(dst, r, d, work[s, k, d] - orig[s, k, d], salt)
    if mean:
        for s in range(n_shards):
            for k in range(cnt[s]):
                r = rows[s, k]
                if r % nw == t:
                    touch[r] = 0


def _pow2(n: int) -> int:
    p = 1
    while p < 2 * n:
        p *= 2
    return p


@njit(cache=True, nogil=True, fastmath=True)
def _shard_step(
    s, ids, offsets, shard_hi, keep, alias_p, alias_i, codes, points, code_lens, skipgram, negative, use_hs,
    window, shrink, cbow_mean, alpha0, alpha1, batch, syn0, syn1neg, syn1,
    states, cur, pos, slen, sent, alpha_now, done, shard_tokens, results,
    k_in, v_in, r_in, c_in, w_in, o_in, k_ng, v_ng, r_ng, c_ng, w_ng, o_ng, k_hs, v_hs, r_hs, c_hs, w_hs, o_hs,
    ctx, lctx, outs, louts, lpts, llen, obuf, gbuf, tmp, h, neu1e, gvec, skip_saturated,
):
    """Train up to ``batch`` centre words of shard ``s`` on its private row copies.

    Returns False when the shard has no sentences left."""
    dim = syn0.shape[1]
    win = np.uint64(window)
    state = states[s]
    total = shard_tokens[s]
    loss = 0.0
    terms = 0
    c = 0
    alive = True
    wi = w_in[s]
    wn = w_ng[s]
    wh = w_hs[s]
    while c < batch:
        if pos[s] >= slen[s]:
            if cur[s] >= shard_hi[s]:
                alive = False
                break
            sidx = cur[s]
            a0 = offsets[sidx]
            a1 = offsets[sidx + 1]
            frac = done[s] / total if total > 0 else 0.0
            alpha_now[s] = alpha0[s] + (alpha1[s] - alpha0[s]) * frac
            done[s] += a1 - a0
            n = 0
            for t in range(a0, a1):
                w = ids[t]
                kp = keep[w]
                if kp < 1.0:
                    state = xorshift_next(state)
                    if rand_float(state) >= kp:
                        continue
                sent[s, n] = w
                n += 1
            results[s, 2] += n
            slen[s] = n
            pos[s] = 0
            cur[s] = sidx + 1
            continue
        i = pos[s]
        pos[s] = i + 1
        c += 1
        n = slen[s]
        alpha = alpha_now[s]
        b = window
        if shrink:
            state = xorshift_next(state)
            b = window - np.int64(rand_u32(state) % win)
        lo = max(0, i - b)
        hi = min(n, i + b + 1)
        nc = 0
        for j in range(lo, hi):
            if j != i:
                ctx[nc] = sent[s, j]
                nc += 1
        if nc == 0:
            continue
        w = sent[s, i]
        n_out = 0
        if negative > 0:
            outs[0] = w
            n_out = 1
            for _k in range(negative):
                state = xorshift_next(state)
                x = alias_draw(state, alias_p, alias_i)
                if x != w:
                    outs[n_out] = x
                    n_out += 1
            for k in range(n_out):
                louts[k] = _slot(s, outs[k], k_ng, v_ng, r_ng, c_ng, w_ng, o_ng, syn1neg)
        for j in range(nc):
            lctx[j] = _slot(s, ctx[j], k_in, v_in, r_in, c_in, w_in, o_in, syn0)
        if use_hs:
            llen[0] = code_lens[w]
            for q in range(code_lens[w]):
                lpts[0, q] = _slot(s, points[w, q], k_hs, v_hs, r_hs, c_hs, w_hs, o_hs, syn1)
        if skipgram:
            if use_hs:
                for j in range(nc):
                    r = lctx[j]
                    for d in range(dim):
                        neu1e[d] = 0.0
                    loss += hs_accumulate(wi[r], wh, codes[w:w + 1], lpts, llen, 0, alpha, neu1e)
                    for d in range(dim):
                        wi[r, d] += neu1e[d]
            if negative > 0:
                loss += sg_neg_window(wi, wn, lctx, nc, louts, n_out, alpha, obuf, gbuf, tmp, skip_saturated)
            terms += nc
        else:
            for d in range(dim):
                h[d] = 0.0
                neu1e[d] = 0.0
            for j in range(nc):
                r = lctx[j]
                for d in range(dim):
                    h[d] += wi[r, d]
            inv = np.float32(1.0 / nc)
            if cbow_mean:
                for d in range(dim):
                    h[d] *= inv
            if use_hs:
                loss += hs_accumulate(h, wh, codes[w:w + 1], lpts, llen, 0, alpha, neu1e)
            if negative > 0:
                loss += neg_accumulate(h, wn, louts, n_out, alpha, neu1e, gvec, skip_saturated)
            if not cbow_mean:
                for d in range(dim):
                    neu1e[d] *= inv
            for j in range(nc):
                r = lctx[j]
                for d in range(dim):
                    wi[r, d] += neu1e[d]
            terms += 1
    states[s] = state
    results[s, 0] += loss
    results[s, 1] += terms
    return alive


@njit(cache=True, nogil=True, fastmath=True, parallel=True)
def _train_chunk_det(
    ids, offsets, bounds, syn0, syn1neg, syn1, keep, alias_p, alias_i, codes, points, code_lens, skipgram,
    negative, use_hs, window, shrink, cbow_mean, alpha0, alpha1, states, results, max_len, batch,
    cap_in, cap_ng, cap_hs, h_in, h_ng, h_hs, skip_saturated, nw, mean,
):
    n_shards = bounds.shape[0] - 1
    dim = syn0.shape[1]
    lo_tok = offsets[bounds[0]]
    total = max(offsets[bounds[n_shards]] - lo_tok, 1)
    a0s = np.empty(n_shards, dtype=np.float64)
    a1s = np.empty(n_shards, dtype=np.float64)
    shard_hi = np.empty(n_shards, dtype=np.int64)
    cur = np.empty(n_shards, dtype=np.int64)
    shard_tokens = np.empty(n_shards, dtype=np.int64)
    for s in range(n_shards):
        f0 = (offsets[bounds[s]] - lo_tok) / total
        f1 = (offsets[bounds[s + 1]] - lo_tok) / total
        a0s[s] = alpha0 + (alpha1 - alpha0) * f0
        a1s[s] = alpha0 + (alpha1 - alpha0) * f1
        shard_hi[s] = bounds[s + 1]
        cur[s] = bounds[s]
        shard_tokens[s] = offsets[bounds[s + 1]] - offsets[bounds[s]]
        results[s, 3] += shard_tokens[s]
    pos = np.zeros(n_shards, dtype=np.int64)
    slen = np.zeros(n_shards, dtype=np.int64)
    done = np.zeros(n_shards, dtype=np.int64)
    alpha_now = np.zeros(n_shards, dtype=np.float64)
    sent = np.empty((n_shards, max(max_len, 1)), dtype=np.int32)
    alive = np.ones(n_shards, dtype=np.bool_)
    # per-shard caches: hash keys/slots, row lists, counts, working copies and snapshots
    k_in = np.full((n_shards, h_in), -1, dtype=np.int64)
    v_in = np.zeros((n_shards, h_in), dtype=np.int32)
    r_in = np.zeros((n_shards, cap_in), dtype=np.int64)
    c_in = np.zeros(n_shards, dtype=np.int64)
    w_in = np.empty((n_shards, cap_in, dim), dtype=np.float32)
    o_in = np.empty((n_shards, cap_in, dim), dtype=np.float32)
    k_ng = np.full((n_shards, h_ng), -1, dtype=np.int64)
    v_ng = np.zeros((n_shards, h_ng), dtype=np.int32)
    r_ng = np.zeros((n_shards, cap_ng), dtype=np.int64)
    c_ng = np.zeros(n_shards, dtype=np.int64)
    w_ng = np.empty((n_shards, cap_ng if negative > 0 else 1, dim), dtype=np.float32)
    o_ng = np.empty((n_shards, cap_ng if negative > 0 else 1, dim), dtype=np.float32)
    k_hs = np.full((n_shards, h_hs), -1, dtype=np.int64)
    v_hs = np.zeros((n_shards, h_hs), dtype=np.int32)
    r_hs = np.zeros((n_shards, cap_hs), dtype=np.int64)
    c_hs = np.zeros(n_shards, dtype=np.int64)
    w_hs = np.empty((n_shards, cap_hs if use_hs else 1, dim), dtype=np.float32)
    o_hs = np.empty((n_shards, cap_hs if use_hs else 1, dim), dtype=np.float32)
    t_in = np.zeros(syn0.shape[0], dtype=np.int32)
    t_ng = np.zeros(syn1neg.shape[0], dtype=np.int32)
    t_hs = np.zeros(syn1.shape[0], dtype=np.int32)
    width = codes.shape[1]
    n_alive = n_shards
    while n_alive > 0:
        for s in prange(n_shards):
            if not alive[s]:
                continue
            ctx = np.empty(2 * window, dtype=np.int32)
            lctx = np.empty(2 * window, dtype=np.int32)
            outs = np.empty(negative + 1, dtype=np.int32)
            louts = np.empty(negative + 1, dtype=np.int32)
            lpts = np.empty((1, width), dtype=np.int32)
            llen = np.empty(1, dtype=np.int32)
            obuf = np.empty((negative + 1, dim), dtype=np.float32)
            gbuf = np.empty((2 * window, negative + 1), dtype=np.float32)
            tmp = np.empty(dim, dtype=np.float32)
            hv = np.empty(dim, dtype=np.float32)
            neu1e = np.empty(dim, dtype=np.float32)
            gvec = np.empty(negative + 1, dtype=np.float32)
            alive[s] = _shard_step(
                s, ids, offsets, shard_hi, keep, alias_p, alias_i, codes, points, code_lens, skipgram, negative,
                use_hs, window, shrink, cbow_mean, a0s, a1s, batch, syn0, syn1neg, syn1,
                states, cur, pos, slen, sent, alpha_now, done, shard_tokens, results,
                k_in, v_in, r_in, c_in, w_in, o_in, k_ng, v_ng, r_ng, c_ng, w_ng, o_ng,
                k_hs, v_hs, r_hs, c_hs, w_hs, o_hs,
                ctx, lctx, outs, louts, lpts, llen, obuf, gbuf, tmp, hv, neu1e, gvec, skip_saturated,
            )
        for t in prange(nw):
            _merge_rows(syn0, r_in, c_in, w_in, o_in, t, nw, t_in, False)
            if negative > 0:
                _merge_rows(syn1neg, r_ng, c_ng, w_ng, o_ng, t, nw, t_ng, False)
            if use_hs:
                _merge_rows(syn1, r_hs, c_hs, w_hs, o_hs, t, nw, t_hs, mean)
        for s in prange(n_shards):
            if c_in[s] > 0:
                k_in[s, :] = -1
                c_in[s] = 0
            if c_ng[s] > 0:
                k_ng[s, :] = -1
                c_ng[s] = 0
            if c_hs[s] > 0:
                k_hs[s, :] = -1
                c_hs[s] = 0
        n_alive = 0
        for s in range(n_shards):
            if alive[s]:
                n_alive += 1


def train_chunk_deterministic(
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
    batch: int = BATCH,
    mean: bool | None = None,
) -> None:
    """:func:`~.sgns.train_chunk`'s contract, bit-identical on any thread count.

    ``bounds`` has ``n_shards + 1`` entries (the caller fixes ``n_shards``, e.g. :data:`N_SHARDS`,
    independently of the threads); ``states[s]``/``results[s]`` belong to shard ``s``.
    """
    cap_in, cap_ng, cap_hs = cache_slots(batch, window, negative, codes.shape[1] if use_hs else 0, skipgram)
    _train_chunk_det(
        ids, offsets, bounds, syn0, syn1neg, syn1, keep, alias_p, alias_i, codes, points, code_lens, skipgram,
        negative, use_hs, window, shrink, cbow_mean, alpha0, alpha1, states, results, max_len, batch,
        cap_in, cap_ng, cap_hs, _pow2(cap_in), _pow2(cap_ng), _pow2(cap_hs), skip_saturated,
        numba.get_num_threads(), MERGE_MEAN if mean is None else mean,
    )


# ---------------------------------------------------------------- GloVe: stratified AdaGrad
#: GloVe strata: a chunk's nonzeros are split into P x P blocks by (row % P, col % P)
GLOVE_STRATA = 16


@njit(cache=True, nogil=True)
def stratify_range(rows, cols, vals, lo, hi, p, starts):
    """Order nonzeros ``lo..hi-1`` by stratum, then block, keeping their (shuffled) order inside a block.

    Block ``(i, j)`` holds the nonzeros with ``row % p == i`` and ``col % p == j``; stratum
    ``q`` is the blocks ``(i, (i + q) % p)``, which share no row of W and no row of C, so they can be
    trained in parallel without any conflict. ``starts`` (``p*p + 1``) receives the block bounds,
    block ``(q, i)`` at ``starts[q*p + i] .. starts[q*p + i + 1]``.
    """
    n = hi - lo
    counts = np.zeros(p * p + 1, dtype=np.int64)
    keys = np.empty(n, dtype=np.int32)
    for k in range(n):
        i = rows[lo + k] % p
        q = (cols[lo + k] % p - i) % p
        key = q * p + i
        keys[k] = key
        counts[key + 1] += 1
    for b in range(p * p):
        counts[b + 1] += counts[b]
    pos = counts[:-1].copy()
    tr = np.empty(n, dtype=rows.dtype)
    tc = np.empty(n, dtype=cols.dtype)
    tv = np.empty(n, dtype=vals.dtype)
    for k in range(n):
        j = pos[keys[k]]
        pos[keys[k]] = j + 1
        tr[j] = rows[lo + k]
        tc[j] = cols[lo + k]
        tv[j] = vals[lo + k]
    for k in range(n):
        rows[lo + k] = tr[k]
        cols[lo + k] = tc[k]
        vals[lo + k] = tv[k]
    for b in range(p * p + 1):
        starts[b] = lo + counts[b]


@njit(cache=True, nogil=True, parallel=True, fastmath=_GLOVE_FASTMATH, error_model="numpy")
def adagrad_strata(rows, cols, logx, fx, starts, W, C, bw, bc, gW, gC, gbw, gbc, eta, eta_bias, grad_clip, p):
    """One pass over a stratified chunk (see :func:`stratify_range`): strata in order, the ``p``
    blocks of a stratum in parallel; each block sequentially with the lock-free kernel's update.
    The result does not depend on the thread count. Returns ``(loss sum, nonzeros skipped)``."""
    costs = np.zeros(p)
    skips = np.zeros(p, dtype=np.int64)
    for q in range(p):
        for i in prange(p):
            b = q * p + i
            c, s = _adagrad_range(rows, cols, logx, fx, starts[b], starts[b + 1], W, C, bw, bc, gW, gC, gbw, gbc,
                                  eta, eta_bias, grad_clip)
            costs[i] += c
            skips[i] += s
    total = 0.0
    skipped = 0
    for i in range(p):
        total += costs[i]
        skipped += skips[i]
    return total, skipped


# ---------------------------------------------------------------- fastText-style subword training
@njit(cache=True, nogil=True, fastmath=True)
def _ft_predict(s, h, g, target, negative, prob, alias, state, lr, use_hs, codes, points, lengths, lpts, llen,
                syn1, k_hs, v_hs, r_hs, c_hs, w_hs, o_hs, w_out, k_ng, v_ng, r_ng, c_ng, w_ng, o_ng):
    """:func:`embedlab.kernels.subword._predict` on shard ``s``'s private rows (same order, same RNG)."""
    loss = 0.0
    if use_hs:
        llen[0] = lengths[target]
        for q in range(lengths[target]):
            lpts[0, q] = _slot(s, points[target, q], k_hs, v_hs, r_hs, c_hs, w_hs, o_hs, syn1)
        loss += hs_accumulate(h, w_hs[s], codes[target:target + 1], lpts, llen, 0, lr, g)
    if negative == 0:
        return loss, state
    dim = h.shape[0]
    wo = w_ng[s]
    tries = 0
    for k in range(negative + 1):
        if k == 0:
            t = target
            label = np.float32(1.0)
        else:
            t = target
            while t == target and tries < negative * MAX_NEGATIVE_TRIES:  # getNegative: redraw the target
                tries += 1
                state = xorshift_next(state)
                t = alias_draw(state, prob, alias)
            if t == target:
                continue
            label = np.float32(0.0)
        lt = _slot(s, t, k_ng, v_ng, r_ng, c_ng, w_ng, o_ng, w_out)
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * wo[lt, d]
        loss += neg_log_sigmoid_ft(f) if k == 0 else neg_log_sigmoid_ft(-f)
        alpha = np.float32(lr) * (label - sigmoid_ft(f))
        for d in range(dim):
            g[d] += alpha * wo[lt, d]
            wo[lt, d] += alpha * h[d]
    return loss, state


@njit(cache=True, nogil=True, fastmath=True)
def _ft_shard_step(
    s, ids, offsets, shard_hi, sub_indptr, sub_indices, w_in, w_out, syn1, codes, points, lengths, prob, alias,
    keep_prob, window, negative, cbow, alpha0, alpha1, batch, states, cur, pos, slen, sent, lr_now, done,
    shard_tokens, results, caps,
    k_in, v_in, r_in, c_in, wk_in, o_in, k_ng, v_ng, r_ng, c_ng, w_ng, o_ng, k_hs, v_hs, r_hs, c_hs, w_hs, o_hs,
    lrows, lpts, llen, h, g, gp,
):
    """Up to ``batch`` centre words of shard ``s`` (fastText's order, see :mod:`.subword`) on private rows.
    A mini-batch also ends early when a cache could not hold the next window's rows."""
    dim = w_in.shape[1]
    use_hs = lengths.shape[0] > 0
    width = codes.shape[1] if use_hs else 0
    state = states[s]
    total = shard_tokens[s]
    loss = 0.0
    pairs = 0
    c = 0
    alive = True
    wi = wk_in[s]
    while c < batch:
        if pos[s] >= slen[s]:
            if cur[s] >= shard_hi[s]:
                alive = False
                break
            sidx = cur[s]
            lr_now[s] = alpha0[s] + (alpha1[s] - alpha0[s]) * (done[s] / max(total, 1))
            n = 0
            for k in range(offsets[sidx], offsets[sidx + 1]):
                w = ids[k]
                if keep_prob[w] < 1.0:
                    state = xorshift_next(state)
                    if rand_float(state) >= keep_prob[w]:
                        continue
                sent[s, n] = w
                n += 1
            done[s] += offsets[sidx + 1] - offsets[sidx]
            slen[s] = n
            pos[s] = 0
            cur[s] = sidx + 1
            continue
        n = slen[s]
        p = pos[s]
        # room for the widest window's rows (checked before any draw, so the RNG stream is unchanged)
        wlo = max(0, p - window)
        whi = min(n, p + window + 1)
        need_in = 0
        if cbow:
            for q in range(wlo, whi):
                if q != p:
                    need_in += sub_indptr[sent[s, q] + 1] - sub_indptr[sent[s, q]]
        else:
            need_in = sub_indptr[sent[s, p] + 1] - sub_indptr[sent[s, p]]
        n_targets = 1 if cbow else whi - wlo - 1
        if c > 0 and (c_in[s] + need_in > caps[0] or c_ng[s] + n_targets * (negative + 1) > caps[1]
                      or c_hs[s] + n_targets * width > caps[2]):
            break
        pos[s] = p + 1
        c += 1
        lr = lr_now[s]
        state = xorshift_next(state)
        b = 1 + np.int64(rand_u32(state) % np.uint64(window))
        lo = max(0, p - b)
        hi = min(n, p + b + 1)
        if hi - lo <= 1:
            continue
        if cbow:
            for d in range(dim):
                h[d] = 0.0
                g[d] = 0.0
            cnt = 0
            for q in range(lo, hi):
                if q == p:
                    continue
                cw = sent[s, q]
                for k in range(sub_indptr[cw], sub_indptr[cw + 1]):
                    r = _slot(s, sub_indices[k], k_in, v_in, r_in, c_in, wk_in, o_in, w_in)
                    lrows[cnt] = r
                    for d in range(dim):
                        h[d] += wi[r, d]
                    cnt += 1
            inv = np.float32(1.0 / cnt)
            for d in range(dim):
                h[d] *= inv
            ls, state = _ft_predict(s, h, g, sent[s, p], negative, prob, alias, state, lr, use_hs, codes, points,
                                    lengths, lpts, llen, syn1, k_hs, v_hs, r_hs, c_hs, w_hs, o_hs, w_out,
                                    k_ng, v_ng, r_ng, c_ng, w_ng, o_ng)
            loss += ls
            pairs += 1
            for j in range(cnt):
                r = lrows[j]
                for d in range(dim):
                    wi[r, d] += g[d]
        else:
            cw = sent[s, p]
            klo = sub_indptr[cw]
            khi = sub_indptr[cw + 1]
            for d in range(dim):
                h[d] = 0.0
                g[d] = 0.0
            for k in range(klo, khi):
                r = _slot(s, sub_indices[k], k_in, v_in, r_in, c_in, wk_in, o_in, w_in)
                lrows[k - klo] = r
                for d in range(dim):
                    h[d] += wi[r, d]
            inv = np.float32(1.0 / (khi - klo))
            for d in range(dim):
                h[d] *= inv
            for q in range(lo, hi):
                if q == p:
                    continue
                for d in range(dim):
                    gp[d] = 0.0
                ls, state = _ft_predict(s, h, gp, sent[s, q], negative, prob, alias, state, lr, use_hs, codes,
                                        points, lengths, lpts, llen, syn1, k_hs, v_hs, r_hs, c_hs, w_hs, o_hs,
                                        w_out, k_ng, v_ng, r_ng, c_ng, w_ng, o_ng)
                loss += ls
                pairs += 1
                for d in range(dim):
                    h[d] += gp[d]
                    g[d] += gp[d]
            for j in range(khi - klo):
                r = lrows[j]
                for d in range(dim):
                    wi[r, d] += g[d]
    states[s] = state
    results[s, 0] += loss
    results[s, 1] += pairs
    return alive


@njit(cache=True, nogil=True, parallel=True)
def _train_block_det(ids, offsets, bounds, sub_indptr, sub_indices, w_in, w_out, syn1, codes, points, lengths, prob,
                     alias, keep_prob, window, negative, cbow, alpha_start, alpha_end, states, batch, caps, hsize,
                     max_len, max_sub, nw, mean):
    n_shards = bounds.shape[0] - 1
    dim = w_in.shape[1]
    results = np.zeros((n_shards, 2))
    a0s = np.empty(n_shards)
    a1s = np.empty(n_shards)
    shard_hi = np.empty(n_shards, dtype=np.int64)
    cur = np.empty(n_shards, dtype=np.int64)
    shard_tokens = np.empty(n_shards, dtype=np.int64)
    for s in range(n_shards):
        a0s[s] = alpha_start
        a1s[s] = alpha_end
        shard_hi[s] = bounds[s + 1]
        cur[s] = bounds[s]
        shard_tokens[s] = offsets[bounds[s + 1]] - offsets[bounds[s]]
    pos = np.zeros(n_shards, dtype=np.int64)
    slen = np.zeros(n_shards, dtype=np.int64)
    done = np.zeros(n_shards, dtype=np.int64)
    lr_now = np.zeros(n_shards)
    sent = np.empty((n_shards, max(max_len, 1)), dtype=np.int32)
    alive = np.ones(n_shards, dtype=np.bool_)
    cap_in, cap_ng, cap_hs = caps[0], caps[1], caps[2]
    k_in = np.full((n_shards, hsize[0]), -1, dtype=np.int64)
    v_in = np.zeros((n_shards, hsize[0]), dtype=np.int32)
    r_in = np.zeros((n_shards, cap_in), dtype=np.int64)
    c_in = np.zeros(n_shards, dtype=np.int64)
    wk_in = np.empty((n_shards, cap_in, dim), dtype=np.float32)
    o_in = np.empty((n_shards, cap_in, dim), dtype=np.float32)
    k_ng = np.full((n_shards, hsize[1]), -1, dtype=np.int64)
    v_ng = np.zeros((n_shards, hsize[1]), dtype=np.int32)
    r_ng = np.zeros((n_shards, cap_ng), dtype=np.int64)
    c_ng = np.zeros(n_shards, dtype=np.int64)
    w_ng = np.empty((n_shards, cap_ng, dim), dtype=np.float32)
    o_ng = np.empty((n_shards, cap_ng, dim), dtype=np.float32)
    k_hs = np.full((n_shards, hsize[2]), -1, dtype=np.int64)
    v_hs = np.zeros((n_shards, hsize[2]), dtype=np.int32)
    r_hs = np.zeros((n_shards, cap_hs), dtype=np.int64)
    c_hs = np.zeros(n_shards, dtype=np.int64)
    w_hs = np.empty((n_shards, cap_hs, dim), dtype=np.float32)
    o_hs = np.empty((n_shards, cap_hs, dim), dtype=np.float32)
    t_in = np.zeros(w_in.shape[0], dtype=np.int32)
    t_ng = np.zeros(w_out.shape[0], dtype=np.int32)
    t_hs = np.zeros(syn1.shape[0], dtype=np.int32)
    width = codes.shape[1]
    n_alive = n_shards
    while n_alive > 0:
        for s in prange(n_shards):
            if not alive[s]:
                continue
            lrows = np.empty(max(2 * window * max_sub, 1), dtype=np.int32)
            lpts = np.empty((1, max(width, 1)), dtype=np.int32)
            llen = np.empty(1, dtype=np.int32)
            h = np.empty(dim, dtype=np.float32)
            g = np.empty(dim, dtype=np.float32)
            gp = np.empty(dim, dtype=np.float32)
            alive[s] = _ft_shard_step(
                s, ids, offsets, shard_hi, sub_indptr, sub_indices, w_in, w_out, syn1, codes, points, lengths, prob,
                alias, keep_prob, window, negative, cbow, a0s, a1s, batch, states, cur, pos, slen, sent, lr_now, done,
                shard_tokens, results, caps,
                k_in, v_in, r_in, c_in, wk_in, o_in, k_ng, v_ng, r_ng, c_ng, w_ng, o_ng, k_hs, v_hs, r_hs, c_hs,
                w_hs, o_hs, lrows, lpts, llen, h, g, gp,
            )
        for t in prange(nw):
            _merge_rows(w_in, r_in, c_in, wk_in, o_in, t, nw, t_in, False)
            _merge_rows(w_out, r_ng, c_ng, w_ng, o_ng, t, nw, t_ng, False)
            _merge_rows(syn1, r_hs, c_hs, w_hs, o_hs, t, nw, t_hs, mean)
        for s in prange(n_shards):
            if c_in[s] > 0:
                k_in[s, :] = -1
                c_in[s] = 0
            if c_ng[s] > 0:
                k_ng[s, :] = -1
                c_ng[s] = 0
            if c_hs[s] > 0:
                k_hs[s, :] = -1
                c_hs[s] = 0
        n_alive = 0
        for s in range(n_shards):
            if alive[s]:
                n_alive += 1
    loss = 0.0
    pairs = 0.0
    for s in range(n_shards):
        loss += results[s, 0]
        pairs += results[s, 1]
    return loss, pairs


def train_block_deterministic(
    ids: np.ndarray, offsets: np.ndarray, sent_lo: int, sent_hi: int, sub_indptr: np.ndarray,
    sub_indices: np.ndarray, w_in: np.ndarray, w_out: np.ndarray, syn1: np.ndarray, codes: np.ndarray,
    points: np.ndarray, lengths: np.ndarray, prob: np.ndarray, alias: np.ndarray, keep_prob: np.ndarray,
    window: int, negative: int, cbow: bool, alpha_start: float, alpha_end: float, states: np.ndarray,
    batch: int = BATCH,
    mean: bool | None = None,
) -> tuple[float, int]:
    """:func:`embedlab.kernels.subword.train_block`'s contract, bit-identical on any thread count:
    ``states`` has one entry per shard (fixed by the caller, e.g. :data:`N_SHARDS`)."""
    n_shards = states.shape[0]
    local = offsets[sent_lo:sent_hi + 1]
    targets = np.linspace(local[0], local[-1], n_shards + 1)
    bounds = np.clip(np.searchsorted(local, targets), 0, sent_hi - sent_lo).astype(np.int64) + sent_lo
    bounds[0], bounds[-1] = sent_lo, sent_hi
    sub = np.diff(sub_indptr)
    max_sub = int(sub.max()) if sub.size else 1
    mean_sub = float(sub.mean()) if sub.size else 1.0
    width = codes.shape[1] if lengths.shape[0] > 0 else 0
    caps = ftext_cache_slots(batch, window, negative, width, max_sub, mean_sub, cbow)
    hsize = np.array([_pow2(c) for c in caps], dtype=np.int64)
    max_len = int(np.diff(local).max()) if sent_hi > sent_lo else 1
    w_out_ = w_out if w_out.shape[0] > 0 else np.zeros((1, w_in.shape[1]), np.float32)
    syn1_ = syn1 if syn1.shape[0] > 0 else np.zeros((1, w_in.shape[1]), np.float32)
    loss, pairs = _train_block_det(ids, offsets, bounds, sub_indptr, sub_indices, w_in, w_out_, syn1_, codes, points,
                                   lengths, prob, alias, keep_prob, window, negative, cbow, alpha_start, alpha_end,
                                   states, batch, np.asarray(caps, dtype=np.int64), hsize, max_len, max_sub,
                                   numba.get_num_threads(), MERGE_MEAN if mean is None else mean)
    return loss, int(pairs)


def ftext_cache_slots(batch: int, window: int, negative: int, code_width: int, max_sub: int, mean_sub: float,
                      cbow: bool) -> tuple[int, int, int]:
    """Cache rows per shard for fastText mini-batches (input rows, output rows, HS nodes); a batch
    ends early when the next window might not fit, so these are sizes, not worst cases."""
    targets = 1 if cbow else 2 * window
    widest_in = (2 * window if cbow else 1) * max_sub
    n_in = widest_in + int(batch * mean_sub * 2) + 1
    n_ng = targets * (negative + 1) + batch * (negative + 1) * (1 if cbow else 2) + 1
    n_hs = targets * code_width + batch * code_width + 1
    return n_in, n_ng, n_hs
