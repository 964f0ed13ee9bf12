"""KeyedVectors: keys + a float32 matrix, with lookup, similarity, neighbours and analogies.

Conventions follow gensim's ``KeyedVectors`` (``kv["word"]``, ``most_similar``,
``index_to_key``, ``key_to_index``) so that users feel at home. Saving and loading live in
:mod:`embedlab.vectors.io`; this class only delegates to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..exceptions import DataError, InvalidParameterError, VocabularyError

__all__ = ["KeyedVectors"]

_EPS = 1e-12


class KeyedVectors:
    """A set of vectors indexed by string keys.

    Parameters
    ----------
    keys:
        The keys in row order (frequency order for trained vocabularies).
    vectors:
        Array of shape ``(len(keys), dim)``; stored as float32 (a memory map is kept as is).
    counts:
        Optional corpus frequency of each key.
    metadata:
        JSON-serialisable information: method, hyperparameters, corpus statistics, versions, seed.
    """

    def __init__(
        self,
        keys: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if vectors.ndim != 2:
            raise DataError(f"vectors must be a 2-D array; got shape {vectors.shape}")
        if len(keys) != vectors.shape[0]:
            raise DataError(f"{len(keys)} keys but {vectors.shape[0]} vector rows")
        self.index_to_key: list[str] = list(keys)
        self.key_to_index: dict[str, int] = {k: i for i, k in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise DataError("keys must be unique; found duplicates")
        if vectors.dtype != np.float32 and not isinstance(vectors, np.memmap):
            vectors = vectors.astype(np.float32)
        self.vectors: np.ndarray = vectors
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._unit: np.ndarray | None = None
        self.index: Any = None  # an attached embedlab.search index (see attach_index)

    @classmethod
    def from_vocabulary(cls, vocab: Any, vectors: np.ndarray, metadata: dict[str, Any] | None = None) -> KeyedVectors:
        """Vectors keyed by a :class:`~embedlab.corpus.Vocabulary`'s words (with its counts), sharing
        its word list and index instead of copying them (neither side changes them): on a 230k-word
        vocabulary that is ~12 MB less at the end of training, where the peak memory is."""
        if vectors.ndim != 2 or vectors.shape[0] != len(vocab.words):
            raise DataError(f"{len(vocab.words)} words but vectors of shape {vectors.shape}")
        kv = cls.__new__(cls)
        kv.index_to_key = vocab.words
        kv.key_to_index = vocab.word_to_id
        kv.vectors = vectors if vectors.dtype == np.float32 else vectors.astype(np.float32)
        kv.counts = np.asarray(vocab.counts, dtype=np.int64)
        kv.metadata = dict(metadata or {})
        kv._unit = None
        kv.index = None
        return kv

    def attach_index(self, index: Any, check: bool = True) -> KeyedVectors:
        """Let :meth:`most_similar` / :meth:`similar_by_vector` search ``index`` (an
        :mod:`embedlab.search` index built from these vectors; ``check`` compares its checksum).
        ``None`` detaches. Returns ``self``."""
        if index is not None:
            if getattr(index, "metric", "cosine") != "cosine" or len(index) != len(self):
                raise DataError(f"index holds {len(index)} vectors ({index.metric}); these are {len(self)} (cosine needed)")
            if check:
                index.check_matches(self)
        self.index = index
        return self

    # ------------------------------------------------------------------ basic access
    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def __iter__(self):
        return iter(self.index_to_key)

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def get_index(self, key: str) -> int:
        """Row of ``key``; raises :class:`VocabularyError` for an unknown key."""
        try:
            return self.key_to_index[key]
        except KeyError:
            raise VocabularyError(
                f"word '{key}' is not in the vocabulary ({len(self)} words); "
                "check spelling/case or lower min_count"
            ) from None

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (unit length if ``norm``)."""
        i = self.get_index(key)
        return (self.unit_vectors if norm else self.vectors)[i]

    def __getitem__(self, key: str | Iterable[str]) -> np.ndarray:
        if isinstance(key, str):
            return self.get_vector(key)
        return np.vstack([self.get_vector(k) for k in key])

    @property
    def norms(self) -> np.ndarray:
        return np.linalg.norm(self.vectors, axis=1)

    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (cached; recomputed after :meth:`invalidate`)."""
        if self._unit is None:
            v = np.asarray(self.vectors, dtype=np.float32)
            n = np.linalg.norm(v, axis=1, keepdims=True)
            self._unit = (v / np.maximum(n, _EPS)).astype(np.float32)
        return self._unit

    def invalidate(self) -> None:
        """Drop cached unit vectors (and an attached index) after changing ``vectors`` in place."""
        self._unit = None
        self.index = None

    # ------------------------------------------------------------------ similarity
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two keys."""
        return float(np.dot(self.get_vector(a, norm=True), self.get_vector(b, norm=True)))

    def _as_unit(self, item: str | np.ndarray) -> np.ndarray:
        if isinstance(item, str):
            return self.get_vector(item, norm=True)
        v = np.asarray(item, dtype=np.float32)
        if v.shape != (self.vector_size,):
            raise DataError(f"query vector has shape {v.shape}; expected ({self.vector_size},)")
        return v / max(float(np.linalg.norm(v)), _EPS)

    def most_similar(
        self,
        positive: str | np.ndarray | Sequence[str | np.ndarray] = (),
        negative: str | np.ndarray | Sequence[str | np.ndarray] = (),
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Keys nearest (by cosine) to the mean of ``positive`` minus ``negative`` unit vectors.

        Query keys themselves are excluded, as in gensim. ``restrict_vocab`` limits the search to
        the first N keys (the most frequent ones for trained vocabularies).
        """
        if topn < 1:
            raise InvalidParameterError(f"topn must be >= 1; got {topn}")
        pos = [positive] if isinstance(positive, (str, np.ndarray)) else list(positive)
        neg = [negative] if isinstance(negative, (str, np.ndarray)) else list(negative)
        if not pos and not neg:
            raise InvalidParameterError("most_similar needs at least one positive or negative key")
        query = np.zeros(self.vector_size, dtype=np.float32)
        for p in pos:
            query += self._as_unit(p)
        for n in neg:
            query -= self._as_unit(n)
        query /= max(float(np.linalg.norm(query)), _EPS)
        exclude = {k for k in pos + neg if isinstance(k, str)}
        return self._top(query, topn, exclude, restrict_vocab)

    def _top(
        self, query: np.ndarray, topn: int, exclude: set[str], restrict_vocab: int | None
    ) -> list[tuple[str, float]]:
        if self.index is not None and (restrict_vocab is None or restrict_vocab >= len(self)):
            scores, rows = self.index.search(query[None, :], min(topn + len(exclude), 1000))
            hits = [(self.index_to_key[r], float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]
            return [(k, s) for k, s in hits if k not in exclude][:topn]
        unit = self.unit_vectors if restrict_vocab is None else self.unit_vectors[:restrict_vocab]
        scores = unit @ query
        return self._best(scores, topn, exclude)

    def _best(self, scores: np.ndarray, topn: int, exclude: set[str]) -> list[tuple[str, float]]:
        k = min(len(scores), topn + len(exclude))
        if k <= 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        out = [(self.index_to_key[i], float(scores[i])) for i in idx if self.index_to_key[i] not in exclude]
        return out[:topn]

    def similar_by_vector(self, vector: np.ndarray, topn: int = 10, restrict_vocab: int | None = None):
        """Keys nearest to a raw vector (nothing excluded)."""
        return self._top(self._as_unit(vector), topn, set(), restrict_vocab)

    def analogy(
        self, a: str, b: str, c: str, topn: int = 1, method: str = "3cosadd", restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Solve ``a : b :: c : ?`` (e.g. man : king :: woman : queen).

        ``method`` is "3cosadd" (b - a + c, as gensim ``most_similar``) or "3cosmul"
        (Levy & Goldberg 2014, as gensim ``most_similar_cosmul``).
        """
        if method == "3cosadd":
            return self.most_similar(positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab)
        if method != "3cosmul":
            raise InvalidParameterError(f"analogy method must be '3cosadd' or '3cosmul'; got {method!r}")
        unit = self.unit_vectors if restrict_vocab is None else self.unit_vectors[:restrict_vocab]
        sa, sb, sc = ((1.0 + unit @ self.get_vector(w, norm=True)) / 2.0 for w in (a, b, c))
        scores = sb * sc / (sa + 1e-6)
        return self._best(scores, topn, {a, b, c})

    def restrict_vocab(self, n: int) -> KeyedVectors:
        """A new KeyedVectors holding only the first ``n`` keys."""
        n = int(n)
        return KeyedVectors(
            self.index_to_key[:n],
            np.array(self.vectors[:n]),
            None if self.counts is None else self.counts[:n],
            self.metadata,
        )

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str], format: str | None = None) -> None:
        """Save atomically; ``format`` is inferred from the suffix when None (see vectors.io)."""
        from .io import save_vectors

        save_vectors(self, path, format=format)

    @classmethod
    def load(cls, path: str | os.PathLike[str], format: str | None = None, mmap: bool = False) -> KeyedVectors:
        """Load from any supported format (see vectors.io); ``mmap`` maps .npz-saved vectors."""
        from .io import load_vectors

        return load_vectors(path, format=format, mmap=mmap)

    def __repr__(self) -> str:
        method = self.metadata.get("method", "?")
        return f"KeyedVectors({len(self)} keys, dim={self.vector_size}, method={method})"
