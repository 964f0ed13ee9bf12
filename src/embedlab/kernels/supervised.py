"""Supervised text classification kernels (fastText's ``supervised`` mode).

A text's input is the mean of its rows of the input matrix: one per word (plus, with
``maxn > 0``, the word's character n-grams, hashed by :mod:`.subword` exactly as fastText does),
then its hashed word n-grams. The output is linear: softmax over the labels, hierarchical softmax
along a Huffman tree of the labels (the shared :func:`.hs.hs_accumulate` step), or one
independent logistic loss per label ("one-vs-all", for multi-label data). One SGD step follows
``Model::update`` of fastText 0.9:

* softmax: all scores from the old output rows, then for every label ``i``
  ``alpha = lr * (1[i == target] - p_i)``, ``grad += alpha * wo_i``, ``wo_i += alpha * h``;
* one-vs-all: the same with ``p_i = sigmoid(wo_i . h)`` and the target set of the text;
* the input gradient is divided by the number of input rows and added to each of them.

A text with several labels trains softmax / hierarchical softmax on one of them drawn at random
(fastText's ``uniform(0, labels.size() - 1)``). Word n-gram buckets follow ``addWordNgrams``:
the 32-bit word hashes are stored as ``int32`` and widened to ``uint64`` with sign extension,
``h = h * 116049371 + hash_j`` (mod 2**64), row ``nwords + h % bucket``. Hash buckets get a
row only when training text uses them (``bucket_map``: bucket -> compact row, -1 = none), so
memory is ``(words + used buckets) x dim`` instead of ``(words + bucket) x dim``; a bucket never
trained counts as a zero row in the mean, as fastText's untrained (near-zero) rows do.

Training is Hogwild over contiguous slices of the texts (:func:`slice_bounds`), one
:func:`train_slice` call per thread (it releases the GIL; the model runs the threads), each with
its own xorshift state; the learning rate falls linearly across each slice. Plain threads rather
than an OpenMP ``prange``: on a machine loaded by other work, OpenMP's spinning workers made two
threads 2-3x slower than one here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._rng import rand_u32, xorshift_next
from .hs import hs_accumulate
from .subword import fnv1a_hash

__all__ = [
    "SOFTMAX",
    "HS",
    "OVA",
    "token_hashes",
    "map_buckets",
    "line_rows",
    "train_slice",
    "slice_bounds",
    "softmax_step",
    "ova_step",
]

SOFTMAX = 0
HS = 1
OVA = 2

_NGRAM_MULT = np.uint64(116049371)
_SIGN_EXTEND = np.uint64(0xFFFFFFFF00000000)
_LOG_EPS = 1e-5  # fastText's std_log(x) = log(x + 1e-5)


@njit(cache=True, nogil=True)
def token_hashes(buf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """fastText's 32-bit hash of each token ``buf[offsets[i]:offsets[i + 1]]`` (UTF-8 bytes)."""
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = fnv1a_hash(buf, offsets[i], offsets[i + 1])
    return out


@njit(cache=True, nogil=True, inline="always")
def _bucket_row(b: int, nwords: int, bucket_map: np.ndarray, n_used: int, grow: bool) -> tuple[int, int]:
    r = bucket_map[b]
    if r < 0:
        if not grow:
            return -1, n_used
        r = n_used
        bucket_map[b] = r
        n_used += 1
    return nwords + r, n_used


@njit(cache=True, nogil=True)
def map_buckets(rows: np.ndarray, nwords: int, bucket_map: np.ndarray, n_used: int, grow: bool) -> int:
    """Replace raw rows ``nwords + bucket`` in place by ``nwords + compact row`` (-1: unused bucket).

    With ``grow`` a new bucket gets the next compact row; returns the number of used buckets.
    """
    for k in range(rows.shape[0]):
        r = rows[k]
        if r >= nwords:
            rows[k], n_used = _bucket_row(r - nwords, nwords, bucket_map, n_used, grow)
    return n_used


@njit(cache=True, nogil=True, inline="always")
def _widen(h: int) -> np.uint64:
    # fastText keeps word hashes in a std::vector<int32_t>: widening to uint64 sign-extends
    u = np.uint64(h)
    if h >= 2147483648:
        u = u | _SIGN_EXTEND
    return u


@njit(cache=True, nogil=True)
def line_rows(
    tok: np.ndarray,
    line_off: np.ndarray,
    tok_ptr: np.ndarray,
    tok_rows: np.ndarray,
    tok_hash: np.ndarray,
    word_ngrams: int,
    bucket: int,
    nwords: int,
    bucket_map: np.ndarray,
    n_used: int,
    grow: bool,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Input rows of every text as CSR ``(indptr, rows, n_used)``.

    Text ``s`` holds the token ids ``tok[line_off[s]:line_off[s + 1]]`` (ids of distinct tokens);
    token ``t`` contributes ``tok_rows[tok_ptr[t]:tok_ptr[t + 1]]`` (its word row and character
    n-gram rows, already compact), then come the word n-grams of length ``2..word_ngrams`` of the
    token hashes ``tok_hash``, mapped through ``bucket_map`` (see :func:`map_buckets`).
    """
    n = line_off.shape[0] - 1
    use_ngrams = word_ngrams > 1 and bucket > 0
    indptr = np.zeros(n + 1, dtype=np.int64)
    for s in range(n):
        lo = line_off[s]
        hi = line_off[s + 1]
        cnt = 0
        for k in range(lo, hi):
            t = tok[k]
            cnt += tok_ptr[t + 1] - tok_ptr[t]
        if use_ngrams:
            for i in range(lo, hi):
                cnt += min(hi, i + word_ngrams) - (i + 1)
        indptr[s + 1] = indptr[s] + cnt
    rows = np.empty(indptr[n], dtype=np.int64)
    ubucket = np.uint64(max(bucket, 1))
    for s in range(n):
        lo = line_off[s]
        hi = line_off[s + 1]
        pos = indptr[s]
        for k in range(lo, hi):
            t = tok[k]
            for j in range(tok_ptr[t], tok_ptr[t + 1]):
                rows[pos] = tok_rows[j]
                pos += 1
        if use_ngrams:
            for i in range(lo, hi):
                h = _widen(tok_hash[tok[i]])
                for j in range(i + 1, min(hi, i + word_ngrams)):
                    h = h * _NGRAM_MULT + _widen(tok_hash[tok[j]])
                    b = np.int64(h % ubucket)
                    rows[pos], n_used = _bucket_row(b, nwords, bucket_map, n_used, grow)
                    pos += 1
    return indptr, rows, n_used


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def softmax_step(h: np.ndarray, grad: np.ndarray, w_out: np.ndarray, target: int, lr: float,
                 scores: np.ndarray) -> float:
    """One softmax step predicting ``target`` from ``h``; updates ``w_out``, adds into ``grad``."""
    n_out, dim = w_out.shape
    top = -np.inf
    for i in range(n_out):
        s = np.float32(0.0)
        for d in range(dim):
            s += w_out[i, d] * h[d]
        scores[i] = s
        if s > top:
            top = s
    z = 0.0
    for i in range(n_out):
        e = np.exp(scores[i] - top)
        scores[i] = e
        z += e
    inv = 1.0 / z
    for i in range(n_out):
        scores[i] = scores[i] * inv
    loss = -np.log(scores[target] + _LOG_EPS)
    lr32 = np.float32(lr)
    for i in range(n_out):
        label = np.float32(1.0) if i == target else np.float32(0.0)
        alpha = lr32 * (label - scores[i])
        for d in range(dim):
            grad[d] += alpha * w_out[i, d]
            w_out[i, d] += alpha * h[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def ova_step(h: np.ndarray, grad: np.ndarray, w_out: np.ndarray, targets: np.ndarray, lr: float) -> float:
    """One-vs-all step: an independent logistic loss per label, positive for ``targets``."""
    n_out, dim = w_out.shape
    loss = 0.0
    lr32 = np.float32(lr)
    for i in range(n_out):
        match = False
        for t in targets:
            if t == i:
                match = True
        s = np.float32(0.0)
        for d in range(dim):
            s += w_out[i, d] * h[d]
        p = 1.0 / (1.0 + np.exp(-np.float64(s)))
        if match:
            loss -= np.log(p + _LOG_EPS)
            alpha = lr32 * np.float32(1.0 - p)
        else:
            loss -= np.log(1.0 - p + _LOG_EPS)
            alpha = lr32 * np.float32(-p)
        for d in range(dim):
            grad[d] += alpha * w_out[i, d]
            w_out[i, d] += alpha * h[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def train_slice(
    in_ptr: np.ndarray,
    in_rows: np.ndarray,
    lab_ptr: np.ndarray,
    labels: np.ndarray,
    work: np.ndarray,
    s_lo: int,
    s_hi: int,
    w_in: np.ndarray,
    w_out: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    lengths: np.ndarray,
    loss_kind: int,
    alpha_start: float,
    alpha_end: float,
    state: np.uint64,
) -> tuple[float, int, np.uint64]:
    """Train on texts ``s_lo..s_hi``; returns ``(loss_sum, examples, new rng state)``.

    ``in_ptr``/``in_rows``: input rows per text (:func:`line_rows`; -1 rows are skipped but count
    in the mean); ``lab_ptr``/``labels``: label ids per text; ``work[s]``: tokens of text ``s``
    (the learning-rate clock: the rate falls linearly from ``alpha_start`` to ``alpha_end`` over
    the slice). ``w_out`` holds one row per label (softmax, one-vs-all) or per inner node of the
    label tree ``codes``/``points``/``lengths`` (hierarchical softmax). Releases the GIL: Hogwild
    threads each run one slice (see :func:`slice_bounds`) on the shared matrices.
    """
    dim = w_in.shape[1]
    h = np.empty(dim, dtype=np.float32)
    grad = np.empty(dim, dtype=np.float32)
    scores = np.empty(max(w_out.shape[0], 1), dtype=np.float32)
    total = 0
    for s in range(s_lo, s_hi):
        total += work[s]
    done = 0
    loss = 0.0
    examples = 0
    for s in range(s_lo, s_hi):
        lr = alpha_start + (alpha_end - alpha_start) * (done / max(total, 1))
        done += work[s]
        lo = in_ptr[s]
        hi = in_ptr[s + 1]
        llo = lab_ptr[s]
        lhi = lab_ptr[s + 1]
        if hi == lo or lhi == llo:
            continue
        for d in range(dim):
            h[d] = 0.0
            grad[d] = 0.0
        for k in range(lo, hi):
            r = in_rows[k]
            if r >= 0:
                for d in range(dim):
                    h[d] += w_in[r, d]
        inv = np.float32(1.0 / (hi - lo))
        for d in range(dim):
            h[d] *= inv
        if loss_kind == OVA:
            loss += ova_step(h, grad, w_out, labels[llo:lhi], lr)
        else:
            target = labels[llo]
            if lhi - llo > 1:
                state = xorshift_next(state)
                target = labels[llo + np.int64(rand_u32(state) % np.uint64(lhi - llo))]
            if loss_kind == SOFTMAX:
                loss += softmax_step(h, grad, w_out, target, lr, scores)
            else:
                loss += hs_accumulate(h, w_out, codes, points, lengths, target, lr, grad)
        examples += 1
        for k in range(lo, hi):
            r = in_rows[k]
            if r >= 0:
                for d in range(dim):
                    w_in[r, d] += grad[d] * inv
    return loss, examples, state


@njit(cache=True, nogil=True)
def slice_bounds(work: np.ndarray, sent_lo: int, sent_hi: int, n_threads: int) -> np.ndarray:
    """``n_threads + 1`` text boundaries splitting ``sent_lo..sent_hi`` into slices of about equal work."""
    cum = np.zeros(sent_hi - sent_lo + 1, dtype=np.int64)
    for s in range(sent_lo, sent_hi):
        cum[s - sent_lo + 1] = cum[s - sent_lo] + work[s]
    bounds = np.empty(n_threads + 1, dtype=np.int64)
    bounds[0] = sent_lo
    bounds[n_threads] = sent_hi
    for t in range(1, n_threads):
        b = np.searchsorted(cum, cum[-1] * t // n_threads) + sent_lo
        bounds[t] = min(max(b, bounds[t - 1]), sent_hi)
    return bounds


_FNV64_OFFSET = np.uint64(14695981039346656037)
_FNV64_PRIME = np.uint64(1099511628211)


@njit(cache=True, nogil=True, inline="always")
def _is_space(b: int) -> bool:
    # fastText's Dictionary::readWord separators: space, \t, \n, \v, \f, \r, \0
    return b == 32 or b == 9 or b == 10 or b == 11 or b == 12 or b == 13 or b == 0


@njit(cache=True, nogil=True)
def _same(buf, a0, a1, b0, b1) -> bool:
    if a1 - a0 != b1 - b0:
        return False
    for k in range(a1 - a0):
        if buf[a0 + k] != buf[b0 + k]:
            return False
    return True


@njit(cache=True, nogil=True)
def tokenize_labelled(buf: np.ndarray, prefix: np.ndarray):
    """Split fastText ``__label__`` lines (UTF-8 bytes) into word and label token ids in one pass.

    Returns ``(line_no, word_ptr, word_ids, lab_ptr, lab_ids, tok_start, tok_end)``: per non-empty
    line its 1-based line number and CSR lists of word / label token ids, ids indexing the distinct
    tokens ``buf[tok_start[i]:tok_end[i]]`` (labels keep their prefix). Tokens are told apart by
    their bytes (a hash table keyed by 64-bit FNV-1a, bytes compared on a hash match).
    """
    n = buf.shape[0]
    plen = prefix.shape[0]
    cap = 1 << 16
    table = np.full(cap, -1, dtype=np.int64)
    t_start = np.empty(1024, dtype=np.int64)
    t_end = np.empty(1024, dtype=np.int64)
    t_hash = np.empty(1024, dtype=np.uint64)
    n_tok = 0
    ids = np.empty(max(n // 2 + 1, 16), dtype=np.int32)
    is_lab = np.empty(ids.shape[0], dtype=np.bool_)
    line_of = np.empty(ids.shape[0], dtype=np.int64)
    n_occ = 0
    line = 1
    i = 0
    while i < n:
        b = buf[i]
        if b == 10:
            line += 1
            i += 1
            continue
        if _is_space(b):
            i += 1
            continue
        j = i
        h = _FNV64_OFFSET
        while j < n and not _is_space(buf[j]):
            h = (h ^ np.uint64(buf[j])) * _FNV64_PRIME
            j += 1
        label = j - i >= plen
        if label:
            for k in range(plen):
                if buf[i + k] != prefix[k]:
                    label = False
                    break
        # look the token up
        slot = np.int64(h & np.uint64(cap - 1))
        tid = -1
        while table[slot] >= 0:
            c = table[slot]
            if t_hash[c] == h and _same(buf, t_start[c], t_end[c], i, j):
                tid = c
                break
            slot = (slot + 1) & (cap - 1)
        if tid < 0:
            tid = n_tok
            if n_tok == t_start.shape[0]:
                t_start = np.concatenate((t_start, np.empty(n_tok, dtype=np.int64)))
                t_end = np.concatenate((t_end, np.empty(n_tok, dtype=np.int64)))
                t_hash = np.concatenate((t_hash, np.empty(n_tok, dtype=np.uint64)))
            t_start[tid] = i
            t_end[tid] = j
            t_hash[tid] = h
            table[slot] = tid
            n_tok += 1
            if 2 * n_tok > cap:  # keep the load factor below 1/2
                cap *= 2
                table = np.full(cap, -1, dtype=np.int64)
                for c in range(n_tok):
                    s = np.int64(t_hash[c] & np.uint64(cap - 1))
                    while table[s] >= 0:
                        s = (s + 1) & (cap - 1)
                    table[s] = c
        ids[n_occ] = tid
        is_lab[n_occ] = label
        line_of[n_occ] = line
        n_occ += 1
        i = j
    # group the occurrences by line
    n_lines = 0
    for k in range(n_occ):
        if k == 0 or line_of[k] != line_of[k - 1]:
            n_lines += 1
    line_no = np.empty(n_lines, dtype=np.int64)
    word_ptr = np.zeros(n_lines + 1, dtype=np.int64)
    lab_ptr = np.zeros(n_lines + 1, dtype=np.int64)
    n_lab = 0
    for k in range(n_occ):
        if is_lab[k]:
            n_lab += 1
    word_ids = np.empty(n_occ - n_lab, dtype=np.int32)
    lab_ids = np.empty(n_lab, dtype=np.int32)
    li = -1
    nw = 0
    nl = 0
    for k in range(n_occ):
        if k == 0 or line_of[k] != line_of[k - 1]:
            li += 1
            line_no[li] = line_of[k]
        if is_lab[k]:
            lab_ids[nl] = ids[k]
            nl += 1
        else:
            word_ids[nw] = ids[k]
            nw += 1
        word_ptr[li + 1] = nw
        lab_ptr[li + 1] = nl
    return line_no, word_ptr, word_ids, lab_ptr, lab_ids, t_start[:n_tok].copy(), t_end[:n_tok].copy()
