"""The one skip-gram / CBOW trainer (negative sampling and/or hierarchical softmax) behind Word2Vec,
Item2Vec, Node2Vec and DeepWalk.

The front ends turn their input into integer sequences (sentences, baskets, random walks) and choose
defaults; everything from there on lives here: the input-matrix initialisation
(:func:`init_weights`), the subsampling and noise tables, the Huffman tree, the thread count, the
chunk step that calls the compiled kernel (:func:`embedlab.kernels.sgns.train_chunk`, or
:func:`embedlab.kernels.deterministic.train_chunk_deterministic` in the deterministic mode), the
frozen rows of continued training, the finite check and the epoch loop (:func:`~._sgd.run_sgd`).

Sequences come from a *source*: :class:`EncodedSequences` holds flat int32 ids (or a spilled,
memory-mapped corpus read chunk by chunk) with int64 offsets and cuts them into chunks by a work
measure (tokens for word2vec, (centre, context) pairs for item2vec); node2vec's walk generator is
another source (walks made chunk by chunk). Each method keeps its own chunking, so seeded
single-thread runs stay bit-identical to the trainers this one replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numba
import numpy as np

from ..corpus.encode import id_reader
from ..corpus.vocab import keep_probabilities
from ..exceptions import InvalidParameterError
from ..kernels._half import kernel_view
from ..kernels._rng import seed_states
from ..kernels.deterministic import N_SHARDS, train_chunk_deterministic
from ..kernels.hs import build_huffman
from ..kernels.sampling import build_alias
from ..kernels.sgns import train_chunk
from ._meta import numba_threads
from ._sgd import ChunkStats, SGDResult, run_sgd
from ._state import uniform_rows

__all__ = ["SGNSOptions", "EncodedSequences", "SequenceSource", "SGNSTrainer", "init_weights", "chunk_spans",
           "SLICES_PER_THREAD"]

#: slices per thread in a lock-free chunk (dealt dynamically, see train_chunk)
SLICES_PER_THREAD = 4


@dataclass(frozen=True)
class SGNSOptions:
    """What the kernel trains: the architecture, the losses, the window, subsampling and noise."""

    skipgram: bool = True
    negative: int = 5
    hs: bool = False
    window: int = 5
    shrink_windows: bool = True
    cbow_mean: bool = True
    shared_negatives: bool = True
    sample: float = 1e-3
    ns_exponent: float = 0.75
    deterministic: bool = False


class SequenceSource(Protocol):
    """Where a chunk's sequences come from (see :class:`EncodedSequences`)."""

    max_len: int

    def chunks(self, n_threads: int, deterministic: bool) -> list[tuple[Any, int]]:
        """``[(payload, learning-rate work), ...]`` for one epoch."""

    def chunk(self, epoch: int, index: int, payload: Any, n_slices: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ids, offsets from 0, slice bounds)`` of one chunk, ``n_slices + 1`` bounds."""


def chunk_spans(cum_work: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Split sequences into consecutive spans of about ``size`` work units (``cum_work``: the
    cumulative work with a leading 0, e.g. token offsets)."""
    n_seq = cum_work.shape[0] - 1
    targets = np.arange(size, int(cum_work[-1]), size)
    cuts = np.unique(np.concatenate([[0], np.searchsorted(cum_work, targets), [n_seq]]))
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]


class EncodedSequences:
    """Sequences as flat int32 ``ids`` (in memory or a spilled memmap, read chunk by chunk with
    :func:`~embedlab.corpus.encode.id_reader`) and int64 ``offsets`` with a final end.

    Chunks and the threads' slices are cut by ``work`` (cumulative, with a leading 0; default the
    offsets: tokens); a chunk holds about ``chunk_work`` units per thread, or
    ``deterministic_chunk_work`` whatever the thread count in the deterministic mode. The
    learning-rate clock counts tokens either way."""

    def __init__(self, ids: np.ndarray, offsets: np.ndarray, *, work: np.ndarray | None = None,
                 chunk_work: int = 200_000, deterministic_chunk_work: int = 800_000) -> None:
        self.offsets = np.array(offsets, dtype=np.int64)  # a copy: a spilled corpus's offsets stay on disk
        self.read_ids = id_reader(ids)
        self.work = self.offsets if work is None else np.asarray(work)
        self.chunk_work = int(chunk_work)
        self.deterministic_chunk_work = int(deterministic_chunk_work)
        self.max_len = int(np.diff(self.offsets).max()) if self.offsets.shape[0] > 1 else 1

    def chunks(self, n_threads: int, deterministic: bool) -> list[tuple[Any, int]]:
        size = self.deterministic_chunk_work if deterministic else self.chunk_work * n_threads
        offsets = self.offsets
        return [((lo, hi), int(offsets[hi] - offsets[lo])) for lo, hi in chunk_spans(self.work, size)]

    def chunk(self, epoch: int, index: int, payload: Any, n_slices: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo, hi = payload
        offsets = self.offsets
        local = offsets[lo : hi + 1] - offsets[lo]
        work = local if self.work is offsets else self.work[lo : hi + 1] - self.work[lo]
        targets = np.linspace(0, work[-1], n_slices + 1)
        bounds = np.clip(np.searchsorted(work, targets), 0, hi - lo).astype(np.int64)
        bounds[0], bounds[-1] = 0, hi - lo
        return self.read_ids(int(offsets[lo]), int(offsets[hi])), local, bounds


def init_weights(n: int, dim: int, seed: int, *, negative: bool = True, hs: bool = False,
                 output_dtype: str = "float32") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(syn0, syn1neg, syn1)``: input rows uniform on ``[-1/dim, 1/dim]`` (as gensim; word2vec.c
    uses half that: +0.3 analogy points here), zero output rows (``syn1neg`` only with negative
    sampling, in ``output_dtype``; ``syn1``, the Huffman inner nodes, only with ``hs``)."""
    syn0 = uniform_rows(np.random.default_rng(seed), n, dim)
    syn1neg = np.zeros((n if negative else 0, dim), dtype=output_dtype)
    syn1 = np.zeros((max(n - 1, 0) if hs else 0, dim), dtype=np.float32)
    return syn0, syn1neg, syn1


class SGNSTrainer:
    """Trains ``syn0``/``syn1neg``/``syn1`` in place on the sequences of a source.

    ``counts`` (one per id) give the subsampling probabilities and the Huffman tree;
    ``noise_counts`` (default ``counts``; ids with a count of 0 are never drawn) the negative-sampling
    distribution ``noise_counts ** ns_exponent``. ``seed`` derives every RNG stream (per epoch,
    chunk and slice); ``frozen`` (:class:`~._state.FrozenRows`) rows of ``syn0`` are restored after
    every chunk (continued training with ``freeze_existing``)."""

    def __init__(self, options: SGNSOptions, counts: np.ndarray, *, seed: int, n_threads: int,
                 noise_counts: np.ndarray | None = None, frozen: Any = None) -> None:
        o = options
        if o.deterministic and o.skipgram and not o.shared_negatives:
            raise InvalidParameterError("the deterministic mode shares the negatives over a window; "
                                        "it needs shared_negatives=True")
        self.options, self.seed, self.n_threads, self.frozen = o, int(seed), int(n_threads), frozen
        counts = np.asarray(counts)
        self.keep = keep_probabilities(counts, o.sample)
        if o.negative > 0:
            base = counts if noise_counts is None else noise_counts
            noise = np.zeros(base.shape[0], dtype=np.float64)
            seen = base > 0  # e.g. items kept from a continued state without interactions here
            noise[seen] = base[seen].astype(np.float64) ** float(o.ns_exponent)
            self.alias_p, self.alias_i = build_alias(noise)
        else:
            self.alias_p, self.alias_i = np.ones(1, np.float32), np.zeros(1, np.int32)
        if o.hs:
            self.codes, self.points, self.code_lens = build_huffman(counts)
        else:
            self.codes, self.points = np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32)
            self.code_lens = np.zeros(1, np.int32)

    def train(self, source: SequenceSource, syn0: np.ndarray, syn1neg: np.ndarray, syn1: np.ndarray, *,
              epochs: int, alpha: float, min_alpha: float, callbacks: Any = None, show_progress: bool = True,
              description: str = "training", unit: str = "words", owner: str = "model", start_epoch: int = 0,
              work_done: int = 0) -> SGDResult:
        """Epochs ``start_epoch + 1 .. epochs`` (see :func:`~._sgd.run_sgd`); the matrices change in place."""
        o = self.options
        n_threads, seed, frozen = self.n_threads, self.seed, self.frozen
        if o.deterministic:  # shards and chunks fixed whatever the thread count
            n_slices = N_SHARDS
            kernel: Callable[..., None] = train_chunk_deterministic
            extra: dict[str, Any] = {}
        else:  # several slices per thread, dealt dynamically (see train_chunk)
            n_slices = SLICES_PER_THREAD * n_threads
            kernel = train_chunk
            extra = {} if o.shared_negatives else {"shared_negatives": False}  # the kernel's default: shared
        syn1neg_k = kernel_view(syn1neg)  # float16 weights reach the kernels as their uint16 bits
        keep, alias_p, alias_i = self.keep, self.alias_p, self.alias_i
        codes, points, code_lens = self.codes, self.points, self.code_lens
        skipgram, negative, hs, window = bool(o.skipgram), int(o.negative), bool(o.hs), int(o.window)
        shrink, cbow_mean, max_len = bool(o.shrink_windows), bool(o.cbow_mean), int(source.max_len)

        def step(epoch: int, index: int, payload: Any, a0: float, a1: float) -> ChunkStats:
            ids, offsets, bounds = source.chunk(epoch, index, payload, n_slices)
            states = seed_states(seed, epoch, index, n=n_slices)
            res = np.zeros((n_slices, 4), dtype=np.float64)
            with numba.parallel_chunksize(1):
                kernel(ids, offsets, bounds, syn0, syn1neg_k, syn1, keep, alias_p, alias_i, codes, points, code_lens,
                       skipgram, negative, hs, window, shrink, cbow_mean, a0, a1, states, res, max_len,
                       skip_saturated=True, **extra)
            if frozen is not None:  # continued training with freeze_existing (_state.py)
                frozen.restore(syn0)
            return ChunkStats(float(res[:, 0].sum()), float(res[:, 1].sum()), int(offsets[-1]))

        def check_finite() -> bool:
            return bool(np.isfinite(syn0.sum(dtype=np.float64)) and np.isfinite(syn1neg.sum(dtype=np.float64))
                        and np.isfinite(syn1.sum(dtype=np.float64)))

        with numba_threads(n_threads):
            chunks: Sequence[tuple[Any, int]] = source.chunks(n_threads, o.deterministic)
            return run_sgd(step, chunks, epochs=epochs, alpha=float(alpha), min_alpha=float(min_alpha),
                           callbacks=callbacks, show_progress=show_progress, description=description, unit=unit,
                           owner=owner, start_epoch=start_epoch, work_done=work_done, check_finite=check_finite)
