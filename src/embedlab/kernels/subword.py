"""fastText-style subword kernels: n-gram hashing exactly as fastText, and SGNS training over subwords.

Hashing follows ``Dictionary::computeSubwords`` and ``Dictionary::hash`` of fastText 0.9:

* a word is wrapped in ``<`` and ``>`` and handled as UTF-8 bytes;
* an n-gram starts at every byte that is not a UTF-8 continuation byte (``b & 0xC0 == 0x80``) and
  takes ``n`` characters (a character = a lead byte plus its continuation bytes), ``min_n <= n <=
  max_n``; the 1-grams ``<`` and ``>`` alone are skipped;
* the hash is 32-bit FNV-1a where each byte is sign-extended first (``h ^ uint32(int8(c))``);
* the row of an n-gram is ``nwords + hash % bucket``.

Training (``train_block``) is Hogwild over ``n_threads`` contiguous slices of a block of sentences,
with negative sampling and/or hierarchical softmax (the shared ``hs`` kernel's step). Negative
sampling uses fastText's sigmoid range (saturating at |x| = 8, not word2vec's 6) and redraws a
noise word equal to the target, as ``getNegative`` does.
The input vector of a word is the mean of its subword rows (word row + n-gram rows); the gradient
is added unscaled to every one of those rows, as fastText does. Skip-gram follows fastText's order
(each context word is predicted from the centre rows as updated by the previous pairs) without its
cost: adding a gradient to every row moves their mean by that gradient, so the centre's input
vector is summed once per window and then shifted after each pair in O(dim), and the rows are
written once per window with the sum of the pair gradients. Single-threaded this equals fastText's
per-pair update up to rounding (and up to n-gram rows listed twice for one word).

Memory stalls, not arithmetic, set the speed (measured: benchmarks README, fasttext_vs_fasttext):
each pair's output rows are scored before any is updated, so that their loads overlap (a row
drawn twice in one pair is scored again after its first update, keeping fastText's result), the
noise words of a whole window are drawn first and each pair's output rows are prefetched
``PAIRS_AHEAD`` pairs before it is scored (asking for the whole window's rows at once was about 8%
slower: benchmarks README), and the next centre word's n-gram rows are prefetched one window ahead
(:mod:`._prefetch`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._rng import rand_float, rand_u32, xorshift_next
from ._sigmoid import neg_log_sigmoid_ft, sigmoid_ft
from ._prefetch import prefetch_row
from .hs import hs_accumulate
from .sampling import alias_draw

__all__ = ["fnv1a_hash", "subword_csr", "train_block", "compose_rows"]

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_U32 = 0xFFFFFFFF


@njit(cache=True, nogil=True, inline="always")
def _fnv_step(h: int, byte: int) -> int:
    # fastText: h = h ^ uint32_t(int8_t(c)); h = h * 16777619 (mod 2**32)
    x = np.int64(byte)
    if x >= 128:
        x = x | 0xFFFFFF00
    return ((h ^ x) * _FNV_PRIME) & _U32


@njit(cache=True, nogil=True)
def fnv1a_hash(buf: np.ndarray, start: int, end: int) -> int:
    """fastText's ``Dictionary::hash`` of the bytes ``buf[start:end]`` (uint8) as a uint32 value."""
    h = np.int64(_FNV_OFFSET)
    for k in range(start, end):
        h = _fnv_step(h, buf[k])
    return h


@njit(cache=True, nogil=True)
def _subwords(buf, start, end, min_n, max_n, bucket, out, pos, offset, write):
    """Walk the n-grams of ``buf[start:end]`` (a wrapped word); count them or write their rows."""
    for i in range(start, end):
        if (buf[i] & 0xC0) == 0x80:
            continue
        h = np.int64(_FNV_OFFSET)
        j = i
        n = 1
        while j < end and n <= max_n:
            h = _fnv_step(h, buf[j])
            j += 1
            while j < end and (buf[j] & 0xC0) == 0x80:
                h = _fnv_step(h, buf[j])
                j += 1
            if n >= min_n and not (n == 1 and (i == start or j == end)):
                if write:
                    out[pos] = offset + h % bucket
                pos += 1
            n += 1
    return pos


@njit(cache=True, nogil=True)
def subword_csr(
    buf: np.ndarray,
    word_offsets: np.ndarray,
    min_n: int,
    max_n: int,
    bucket: int,
    row_offset: int,
    include_word: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Subword rows of many words as CSR ``(indptr int64, indices int64)``.

    ``buf[word_offsets[w]:word_offsets[w + 1]]`` holds the UTF-8 bytes of ``"<" + word + ">"``.
    Row ``w`` lists ``w`` itself first when ``include_word`` and then ``row_offset + hash % bucket``
    for each n-gram, in fastText's order (duplicates kept, as fastText does).
    """
    n_words = word_offsets.shape[0] - 1
    indptr = np.zeros(n_words + 1, dtype=np.int64)
    scratch = np.empty(0, dtype=np.int64)
    use_ngrams = bucket > 0 and max_n > 0
    extra = 1 if include_word else 0
    for w in range(n_words):
        cnt = 0
        if use_ngrams:
            cnt = _subwords(buf, word_offsets[w], word_offsets[w + 1], min_n, max_n, bucket,
                            scratch, 0, row_offset, False)
        indptr[w + 1] = indptr[w] + cnt + extra
    indices = np.empty(indptr[n_words], dtype=np.int64)
    for w in range(n_words):
        pos = indptr[w]
        if include_word:
            indices[pos] = w
            pos += 1
        if use_ngrams:
            _subwords(buf, word_offsets[w], word_offsets[w + 1], min_n, max_n, bucket,
                      indices, pos, row_offset, True)
    return indptr, indices


@njit(cache=True, nogil=True, fastmath=True)
def compose_rows(matrix: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Mean of ``matrix`` rows listed per CSR row (rows with index < 0 count as zero rows)."""
    n = indptr.shape[0] - 1
    dim = matrix.shape[1]
    out = np.zeros((n, dim), dtype=np.float32)
    for w in range(n):
        lo = indptr[w]
        hi = indptr[w + 1]
        if hi == lo:
            continue
        for k in range(lo, hi):
            r = indices[k]
            if r >= 0:
                for d in range(dim):
                    out[w, d] += matrix[r, d]
        inv = np.float32(1.0 / (hi - lo))
        for d in range(dim):
            out[w, d] *= inv
    return out


#: draws allowed per negative before giving up on finding one that differs from the target
MAX_NEGATIVE_TRIES = 64  # draws per noise word before giving up on one that is not the target
#: skip-gram: a pair's output rows are prefetched this many pairs before the pair is scored
PAIRS_AHEAD = 2


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _draw(target, negative, prob, alias, state, w_out, tgt, fetch=True):
    """Write ``target`` and its ``negative`` noise draws into ``tgt`` and (with ``fetch``) prefetch
    their output rows; returns ``(count, state)``. A draw equal to the target is drawn again, as fastText's
    ``getNegative`` does (word2vec.c skips it instead), up to ``MAX_NEGATIVE_TRIES`` draws per negative so
    that a noise distribution concentrated on one word cannot loop forever."""
    tgt[0] = target
    if fetch:
        prefetch_row(w_out, target)
    m = 1
    tries = 0
    while m <= negative and tries < negative * MAX_NEGATIVE_TRIES:
        tries += 1
        state = xorshift_next(state)
        t = alias_draw(state, prob, alias)
        if t == target:
            continue
        tgt[m] = t
        if fetch:
            prefetch_row(w_out, t)
        m += 1
    return m, state


@njit(cache=True, nogil=True, inline="always")
def _prefetch_pair(w_out, tgt, cnt_t, q, wanted):
    """Prefetch the output rows ``tgt[q, :cnt_t[q]]`` of the window's pair ``q`` when ``wanted``."""
    if wanted:
        for k in range(cnt_t[q]):
            prefetch_row(w_out, tgt[q, k])


@njit(cache=True, nogil=True, fastmath=True)
def _predict(h, g, w_out, syn1, codes, points, lengths, target, tgt, m, lr, sc):
    """Predict ``target`` from hidden ``h``: hierarchical softmax (when ``lengths`` is not empty)
    and/or the outputs ``tgt[:m]`` (``tgt[0]`` the target, then the drawn noise words), each output
    row updated right after its score, as fastText does. Adds the input grad to ``g``.

    Every score is computed before the first update, so that the row loads overlap; ``h`` does not
    change within a pair, so a score differs from fastText's only for a row drawn twice, and that
    one is scored again after the earlier update (the result is fastText's, bit for bit)."""
    loss = 0.0
    if lengths.shape[0] > 0:
        loss += hs_accumulate(h, syn1, codes, points, lengths, target, lr, g)
    if m == 0:
        return loss
    dim = h.shape[0]
    for k in range(m):
        t = tgt[k]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * w_out[t, d]
        sc[k] = f
    for k in range(m):
        t = tgt[k]
        f = sc[k]
        for j in range(k):
            if tgt[j] == t:
                f = np.float32(0.0)
                for d in range(dim):
                    f += h[d] * w_out[t, d]
                break
        if k == 0:
            loss += neg_log_sigmoid_ft(f)
            alpha = np.float32(lr) * (np.float32(1.0) - sigmoid_ft(f))
        else:
            loss += neg_log_sigmoid_ft(-f)
            alpha = np.float32(lr) * (np.float32(0.0) - sigmoid_ft(f))
        for d in range(dim):
            g[d] += alpha * w_out[t, d]
            w_out[t, d] += alpha * h[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def _train_slice(ids, offsets, s_lo, s_hi, sub_indptr, sub_indices, w_in, w_out, syn1, codes, points,
                 lengths, prob, alias, keep_prob, window, negative, cbow, alpha_start, alpha_end, state,
                 max_len):
    dim = w_in.shape[1]
    h = np.empty(dim, dtype=np.float32)
    g = np.empty(dim, dtype=np.float32)
    gp = np.empty(dim, dtype=np.float32)
    sent = np.empty(max_len, dtype=np.int32)
    tgt = np.empty((2 * window + 1, negative + 1), dtype=np.int64)  # outputs of each pair of a window
    cnt_t = np.zeros(2 * window + 1, dtype=np.int64)
    sc = np.empty(negative + 1, dtype=np.float32)
    total = offsets[s_hi] - offsets[s_lo]
    done = 0
    loss = 0.0
    pairs = 0
    for s in range(s_lo, s_hi):
        lr = alpha_start + (alpha_end - alpha_start) * (done / max(total, 1))
        n = 0
        for k in range(offsets[s], offsets[s + 1]):
            w = ids[k]
            if keep_prob[w] < 1.0:
                state = xorshift_next(state)
                if rand_float(state) >= keep_prob[w]:
                    continue
            sent[n] = w
            n += 1
        done += offsets[s + 1] - offsets[s]
        for pos in range(n):
            state = xorshift_next(state)
            b = 1 + np.int64(rand_u32(state) % np.uint64(window))
            lo = max(0, pos - b)
            hi = min(n, pos + b + 1)
            if hi - lo <= 1:
                continue
            if cbow:
                for d in range(dim):
                    h[d] = 0.0
                    g[d] = 0.0
                cnt = 0
                for c in range(lo, hi):
                    if c == pos:
                        continue
                    cw = sent[c]
                    for k in range(sub_indptr[cw], sub_indptr[cw + 1]):
                        r = sub_indices[k]
                        for d in range(dim):
                            h[d] += w_in[r, d]
                        cnt += 1
                inv = np.float32(1.0 / cnt)
                for d in range(dim):
                    h[d] *= inv
                m = 0
                if negative > 0:
                    m, state = _draw(sent[pos], negative, prob, alias, state, w_out, tgt[0])
                loss += _predict(h, g, w_out, syn1, codes, points, lengths, sent[pos], tgt[0], m, lr, sc)
                pairs += 1
                for c in range(lo, hi):
                    if c == pos:
                        continue
                    cw = sent[c]
                    for k in range(sub_indptr[cw], sub_indptr[cw + 1]):
                        r = sub_indices[k]
                        for d in range(dim):
                            w_in[r, d] += g[d]
            else:
                # the next centre word's rows are read in the next window: ask for them now
                if pos + 1 < n:
                    nw = sent[pos + 1]
                    for k in range(sub_indptr[nw], sub_indptr[nw + 1]):
                        prefetch_row(w_in, sub_indices[k])
                # every pair's noise words first (the same draws in the same order); the first
                # PAIRS_AHEAD pairs' output rows prefetched now, each later one PAIRS_AHEAD pairs ahead
                if negative > 0:
                    for c in range(lo, hi):
                        if c != pos:
                            cnt_t[c - lo], state = _draw(sent[c], negative, prob, alias, state, w_out,
                                                         tgt[c - lo], False)
                    for q in range(min(PAIRS_AHEAD, hi - lo)):
                        _prefetch_pair(w_out, tgt, cnt_t, q, lo + q != pos)
                cw = sent[pos]
                klo = sub_indptr[cw]
                khi = sub_indptr[cw + 1]
                for d in range(dim):
                    h[d] = 0.0
                    g[d] = 0.0
                for k in range(klo, khi):
                    r = sub_indices[k]
                    for d in range(dim):
                        h[d] += w_in[r, d]
                inv = np.float32(1.0 / (khi - klo))
                for d in range(dim):
                    h[d] *= inv
                for c in range(lo, hi):
                    if c == pos:
                        continue
                    if negative > 0:
                        q = c - lo + PAIRS_AHEAD
                        _prefetch_pair(w_out, tgt, cnt_t, q, q < hi - lo and lo + q != pos)
                    for d in range(dim):
                        gp[d] = 0.0
                    loss += _predict(h, gp, w_out, syn1, codes, points, lengths, sent[c], tgt[c - lo],
                                     cnt_t[c - lo], lr, sc)
                    pairs += 1
                    # fastText adds this pair's gradient to every centre row before the next pair, which
                    # moves their mean by exactly gp: track it in h, write the rows once per window.
                    for d in range(dim):
                        h[d] += gp[d]
                        g[d] += gp[d]
                for k in range(klo, khi):
                    r = sub_indices[k]
                    for d in range(dim):
                        w_in[r, d] += g[d]
    return loss, pairs, state


@njit(cache=True, nogil=True, parallel=True)
def train_block(
    ids: np.ndarray,
    offsets: np.ndarray,
    sent_lo: int,
    sent_hi: int,
    sub_indptr: np.ndarray,
    sub_indices: np.ndarray,
    w_in: np.ndarray,
    w_out: np.ndarray,
    syn1: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    lengths: np.ndarray,
    prob: np.ndarray,
    alias: np.ndarray,
    keep_prob: np.ndarray,
    window: int,
    negative: int,
    cbow: bool,
    alpha_start: float,
    alpha_end: float,
    states: np.ndarray,
) -> tuple[float, int]:
    """Train on sentences ``sent_lo..sent_hi`` of the encoded corpus; returns ``(loss_sum, pairs)``.

    ``w_out`` holds the negative-sampling output rows (used when ``negative > 0``); ``syn1`` the
    inner-node rows of the Huffman tree ``codes``/``points``/``lengths`` (:mod:`.hs`; pass empty
    arrays to turn hierarchical softmax off). ``prob``/``alias`` is the noise distribution's alias
    table (:mod:`.sampling`). ``states``
    (uint64, one xorshift state per thread, see :mod:`._rng`) is advanced in place; its length is the number of
    Hogwild threads, each taking a contiguous slice with about the same number of tokens. The
    learning rate falls linearly from ``alpha_start`` to ``alpha_end`` across each slice.
    """
    n_threads = states.shape[0]
    t0 = offsets[sent_lo]
    t1 = offsets[sent_hi]
    bounds = np.empty(n_threads + 1, dtype=np.int64)
    bounds[0] = sent_lo
    bounds[n_threads] = sent_hi
    for t in range(1, n_threads):
        target = t0 + (t1 - t0) * t // n_threads
        b = np.searchsorted(offsets[sent_lo:sent_hi + 1], target) + sent_lo
        bounds[t] = min(max(b, bounds[t - 1]), sent_hi)
    max_len = 1
    for s in range(sent_lo, sent_hi):
        max_len = max(max_len, offsets[s + 1] - offsets[s])
    losses = np.zeros(n_threads, dtype=np.float64)
    pairs = np.zeros(n_threads, dtype=np.int64)
    for t in prange(n_threads):
        ls, pr, st = _train_slice(ids, offsets, bounds[t], bounds[t + 1], sub_indptr, sub_indices,
                                  w_in, w_out, syn1, codes, points, lengths, prob, alias, keep_prob,
                                  window, negative, cbow, alpha_start, alpha_end, states[t], max_len)
        losses[t] = ls
        pairs[t] = pr
        states[t] = st
    return losses.sum(), pairs.sum()
