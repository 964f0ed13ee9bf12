"""PPMI + truncated SVD word vectors with the hyperparameters of Levy, Goldberg & Dagan (2015).

Counts come from the same memory-bounded counter as GloVe
(:mod:`embedlab.corpus.cooccurrence`): a dynamic context window is counted by its expectation
(weight ``(window - d + 1) / window`` at distance ``d``), subsampling drops frequent tokens
before windowing. The shifted positive PMI matrix with context-distribution smoothing is kept
sparse (scipy) and factorised by randomized SVD (scikit-learn's, or a small NumPy range finder
when scikit-learn is absent) or ARPACK (``scipy.sparse.linalg.svds``).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np

from .._progress import logger
from .._validation import Interval, Options
from ..base import BaseEmbedder
from ..exceptions import InvalidParameterError
from .glove import count_corpus
from ._meta import versions as _versions

__all__ = ["PPMISVD", "ppmi_matrix", "truncated_svd"]


def ppmi_matrix(counts: Any, cds: float = 0.75, neg: float = 1.0) -> Any:
    """Shifted positive PMI of a sparse count matrix (rows: words, columns: contexts).

    ``PMI(w, c) = log(#(w,c) / #(w)) - log(P_cds(c)) - log(neg)`` with
    ``P_cds(c) = #(c)**cds / sum_c' #(c')**cds``; only positive cells are kept (float32 CSR).
    """
    from scipy import sparse

    m = sparse.csr_matrix(counts, dtype=np.float64, copy=True)
    m.sum_duplicates()
    row = np.asarray(m.sum(axis=1)).ravel()
    col = np.asarray(m.sum(axis=0)).ravel()
    col_cds = col**cds
    log_pc = np.log(np.where(col_cds > 0, col_cds / col_cds.sum(), 1.0))
    log_row = np.log(np.where(row > 0, row, 1.0))
    row_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    m.data = np.log(m.data) - log_row[row_of] - log_pc[m.indices] - np.log(neg)
    m.data[m.data < 0] = 0.0
    m.eliminate_zeros()
    return m.astype(np.float32)


def _range_finder_svd(m: Any, k: int, n_iter: int, seed: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Randomized SVD (Halko et al. 2011) with power iterations, in NumPy."""
    rng = np.random.default_rng(seed)
    q = np.linalg.qr(m @ rng.standard_normal((m.shape[1], k + 10)).astype(np.float32))[0]
    for _ in range(n_iter):
        q = np.linalg.qr(m.T @ q)[0]
        q = np.linalg.qr(m @ q)[0]
    u_small, s, vt = np.linalg.svd(np.asarray((m.T @ q).T), full_matrices=False)
    return (q @ u_small)[:, :k], s[:k], vt[:k]


def truncated_svd(m: Any, k: int, method: str = "randomized", seed: int | None = None,
                  n_iter: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``U, S, Vt`` of the top ``k`` singular triplets of sparse ``m``, largest first."""
    if method == "arpack":
        from scipy.sparse.linalg import svds

        v0 = np.random.default_rng(seed).uniform(-1, 1, min(m.shape))
        u, s, vt = svds(m, k=k, v0=v0, solver="arpack")
        order = np.argsort(-s)
        return u[:, order], s[order], vt[order]
    try:
        from sklearn.utils.extmath import randomized_svd
    except ImportError:
        return _range_finder_svd(m, k, n_iter, seed)
    return randomized_svd(m, k, n_iter=n_iter, random_state=seed)


class PPMISVD(BaseEmbedder):
    """Word vectors from the SVD of a shifted positive PMI matrix (Levy et al. 2015).

    Parameters
    ----------
    vector_size: SVD dimension.
    window: context words on each side.
    dynamic_window: weight contexts by ``(window - d + 1) / window`` (word2vec's sampled window,
        in expectation); else every context in the window counts 1.
    sample: subsampling threshold of frequent words (0 = off), applied before windowing.
    cds: context-distribution smoothing exponent (1 = none).
    neg: shift: subtract ``log(neg)`` from PMI (1 = no shift).
    eig: eigenvalue weighting: vectors are ``U * S**eig``.
    output: ``"W"`` word vectors or ``"W+C"`` word + context vectors.
    svd: ``"randomized"`` or ``"arpack"``; ``n_iter``: power iterations of the randomized SVD.
    min_count, max_vocab_size, memory_mb, lowercase, random_state, show_progress: as for GloVe.

    Notes
    -----
    Learned: ``vectors_``, ``vocab_``, ``singular_values_``, ``cooccurrence_stats_``, ``ppmi_nnz_``.
    """

    name: ClassVar[str] = "ppmi-svd"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vector_size": [Interval(int, 1, None, search=(50, 500))],
        "window": [Interval(int, 1, None, search=(2, 10))],
        "dynamic_window": [Options((True, False), search=True)],
        "sample": [Interval(float, 0, 1, closed="left", search=(1e-5, 1e-2), log=True)],
        "cds": [Interval(float, 0, 1, closed="right", search=(0.5, 1.0))],
        "neg": [Interval(float, 1, None, search=(1.0, 15.0), log=True)],
        "eig": [Interval(float, 0, 1, search=(0.0, 1.0))],
        "output": [Options(("W", "W+C"), search=True)],
        "svd": [Options(("randomized", "arpack"))],
        "n_iter": [Interval(int, 0, None)],
        "min_count": [Interval(int, 1, None, search=(1, 50), log=True)],
        "max_vocab_size": [Interval(int, 1, None), None],
        "memory_mb": [Interval(float, 1, None, closed="neither")],
        "lowercase": [Options((True, False))],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [Options((True, False))],
    }

    def __init__(
        self,
        vector_size: int = 100,
        window: int = 5,
        dynamic_window: bool = True,
        sample: float = 1e-5,
        cds: float = 0.75,
        neg: float = 1.0,
        eig: float = 0.5,
        output: str = "W",
        svd: str = "randomized",
        n_iter: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        memory_mb: float = 1024.0,
        lowercase: bool = True,
        random_state: int | None = None,
        show_progress: bool = True,
    ) -> None:
        self.vector_size = vector_size
        self.window = window
        self.dynamic_window = dynamic_window
        self.sample = sample
        self.cds = cds
        self.neg = neg
        self.eig = eig
        self.output = output
        self.svd = svd
        self.n_iter = n_iter
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.memory_mb = memory_mb
        self.lowercase = lowercase
        self.random_state = random_state
        self.show_progress = show_progress

    def fit(self, data: Any) -> PPMISVD:
        """Count co-occurrences of ``data`` (a path, paths, Corpus or token lists) and factorise."""
        self._validate_params()
        start = time.perf_counter()
        vocab, cooc = count_corpus(
            data, min_count=self.min_count, max_vocab_size=self.max_vocab_size, lowercase=self.lowercase,
            window=self.window, weighting="linear" if self.dynamic_window else "constant", symmetric=True,
            memory_mb=self.memory_mb, show_progress=self.show_progress, sample=self.sample,
            seed=self.random_state,
        )
        with cooc:
            self.cooccurrence_stats_ = dict(cooc.stats)
            counts = cooc.to_csr()
        count_time = time.perf_counter() - start
        m = ppmi_matrix(counts, cds=self.cds, neg=self.neg)
        del counts
        self.ppmi_nnz_ = int(m.nnz)
        k = self.vector_size
        limit = min(m.shape) - 1 if self.svd == "arpack" else min(m.shape)
        if k > limit:
            raise InvalidParameterError(
                f"PPMISVD: vector_size={k} is larger than the {m.shape[0]}-word PPMI matrix allows "
                f"(at most {limit} with svd={self.svd!r}); lower vector_size or min_count"
            )
        logger.info("ppmi-svd: %d words, %d positive cells; %s SVD of rank %d", m.shape[0], m.nnz, self.svd, k)
        u, s, vt = truncated_svd(m, k, self.svd, self.random_state, self.n_iter)
        scale = s**self.eig
        vectors = u * scale
        if self.output == "W+C":
            vectors = vectors + vt.T * scale
        self.vocab_ = vocab
        self.singular_values_ = s
        from ..vectors import KeyedVectors

        self.vectors_ = KeyedVectors(
            vocab.words, vectors.astype(np.float32), counts=vocab.counts,
            metadata={
                "method": self.name, "params": self.get_params(), "seed": self.random_state,
                "corpus": {"total_words": vocab.total_words, "n_sentences": vocab.n_sentences,
                           "vocab_size": len(vocab)},
                "cooccurrence": self.cooccurrence_stats_, "ppmi_nnz": self.ppmi_nnz_,
                "singular_values": [float(x) for x in s[:10]],
                "counting_time_s": round(count_time, 3),
                "training_time_s": round(time.perf_counter() - start, 3), "versions": _versions(),
            },
        )
        return self
