"""SubwordKeyedVectors: word vectors plus hashed character n-gram vectors (fastText style).

``kv["word"]`` returns the trained vector of an in-vocabulary word and, for any other word, the
mean of its character n-gram vectors, exactly as fastText's ``getWordVector`` does. ``"word" in
kv`` tells whether the word itself was trained. ``most_similar``, ``similarity`` and ``analogy``
accept out-of-vocabulary query words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import DataError, VocabularyError
from .keyed import KeyedVectors

__all__ = ["SubwordKeyedVectors", "wrap_words", "subword_rows", "ngram_strings", "EOS"]

EOS = "</s>"  # fastText's end-of-line token: it has no n-grams


def wrap_words(words: Sequence[str | bytes]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of ``"<" + word + ">"`` for every word, concatenated: ``(buf uint8, offsets int64)``."""
    encoded = [
        b"<" + (w if isinstance(w, bytes) else w.encode("utf-8", "surrogateescape")) + b">"
        for w in words
    ]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, np.uint8)
    return buf, offsets


def subword_rows(
    words: Sequence[str | bytes], min_n: int, max_n: int, bucket: int, row_offset: int = 0,
    include_word: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(indptr, indices)`` of each word's n-gram rows ``row_offset + hash % bucket``.

    With ``include_word`` row ``i`` starts with ``i`` (the word's own row), as fastText's
    in-vocabulary subword lists do.
    """
    from ..kernels.subword import subword_csr

    buf, offsets = wrap_words(words)
    return subword_csr(buf, offsets, int(min_n), int(max_n), int(bucket), int(row_offset), bool(include_word))


def ngram_strings(word: str, min_n: int, max_n: int) -> list[str]:
    """The character n-grams fastText extracts from ``word`` (for inspection; not used in training)."""
    chars = "<" + word + ">"
    out = []
    for i in range(len(chars)):
        for n in range(min_n, max_n + 1):
            if i + n > len(chars):
                break
            if n == 1 and (i == 0 or i + n == len(chars)):
                continue
            out.append(chars[i:i + n])
    return out


class SubwordKeyedVectors(KeyedVectors):
    """Word vectors plus n-gram vectors; vectors for unseen words are composed from n-grams.

    Parameters
    ----------
    keys, vectors, counts, metadata:
        As :class:`KeyedVectors`; ``vectors`` are the final (composed) word vectors.
    ngram_vectors:
        ``(n_rows, dim)`` float32 n-gram vectors.
    min_n, max_n, bucket:
        fastText's n-gram lengths and hash-bucket count.
    ngram_index:
        int32 array of length ``bucket`` giving the row of each bucket in ``ngram_vectors`` (-1 for a
        bucket no training word used: it counts as a zero vector). ``None`` means the identity
        (``n_rows == bucket``).
    """

    def __init__(
        self,
        keys: Sequence[str],
        vectors: np.ndarray,
        ngram_vectors: np.ndarray,
        *,
        min_n: int,
        max_n: int,
        bucket: int,
        ngram_index: np.ndarray | None = None,
        counts: np.ndarray | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(keys, vectors, counts, metadata)
        ngram_vectors = np.asarray(ngram_vectors)
        if ngram_vectors.ndim != 2 or (ngram_vectors.shape[0] and ngram_vectors.shape[1] != self.vector_size):
            raise DataError(
                f"n-gram matrix has shape {ngram_vectors.shape}; expected (rows, {self.vector_size})"
            )
        if ngram_index is None:
            if ngram_vectors.shape[0] != bucket:
                raise DataError(f"{ngram_vectors.shape[0]} n-gram rows but bucket={bucket}")
        else:
            ngram_index = np.asarray(ngram_index, dtype=np.int32)
            if ngram_index.shape != (bucket,):
                raise DataError(f"ngram_index has shape {ngram_index.shape}; expected ({bucket},)")
            if ngram_index.size and int(ngram_index.max()) >= ngram_vectors.shape[0]:
                raise DataError("ngram_index points past the n-gram matrix")
        self.ngram_vectors = ngram_vectors.astype(np.float32, copy=False)
        self.ngram_index = ngram_index
        self.min_n = int(min_n)
        self.max_n = int(max_n)
        self.bucket = int(bucket)

    # ------------------------------------------------------------------ lookup
    @property
    def has_subwords(self) -> bool:
        return self.bucket > 0 and self.max_n > 0

    def ngram_rows(self, word: str) -> np.ndarray:
        """Rows of ``ngram_vectors`` used by ``word`` (-1 for buckets never trained)."""
        if not self.has_subwords or word == EOS:
            return np.zeros(0, dtype=np.int64)
        _, idx = subword_rows([word], self.min_n, self.max_n, self.bucket)
        return idx if self.ngram_index is None else self.ngram_index[idx].astype(np.int64)

    def compose(self, words: Sequence[str]) -> np.ndarray:
        """n-gram vectors of ``words`` (mean of their n-gram rows; zeros for a word without n-grams)."""
        from ..kernels.subword import compose_rows

        if not self.has_subwords:
            return np.zeros((len(words), self.vector_size), dtype=np.float32)
        indptr, idx = subword_rows(list(words), self.min_n, self.max_n, self.bucket)
        if self.ngram_index is not None:
            idx = self.ngram_index[idx].astype(np.int64)
        return compose_rows(self.ngram_vectors, indptr, idx)

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """Trained vector of ``key``, or its n-gram composition when it is out of vocabulary."""
        i = self.key_to_index.get(key)
        if i is not None:
            return (self.unit_vectors if norm else self.vectors)[i]
        rows = self.ngram_rows(key)
        if rows.size == 0:
            raise VocabularyError(
                f"word '{key}' is not in the vocabulary and has no character n-grams "
                f"(min_n={self.min_n}, max_n={self.max_n}); it has no vector"
            )
        vec = self.compose([key])[0]
        if norm:
            vec = vec / max(float(np.linalg.norm(vec)), 1e-12)
        return vec

    def restrict_vocab(self, n: int) -> SubwordKeyedVectors:
        """The first ``n`` words, keeping all n-gram vectors (OOV lookups still work)."""
        n = int(n)
        return SubwordKeyedVectors(
            self.index_to_key[:n], np.array(self.vectors[:n]), self.ngram_vectors,
            min_n=self.min_n, max_n=self.max_n, bucket=self.bucket, ngram_index=self.ngram_index,
            counts=None if self.counts is None else self.counts[:n], metadata=self.metadata,
        )

    def full_ngram_matrix(self) -> np.ndarray:
        """``(bucket, dim)`` matrix with one row per bucket (zeros for untrained buckets)."""
        if self.ngram_index is None:
            return np.asarray(self.ngram_vectors)
        full = np.zeros((self.bucket, self.vector_size), dtype=np.float32)
        used = self.ngram_index >= 0
        full[used] = self.ngram_vectors[self.ngram_index[used]]
        return full

    def subword_config(self) -> dict[str, int]:
        return {"min_n": self.min_n, "max_n": self.max_n, "bucket": self.bucket}

    def __repr__(self) -> str:
        method = self.metadata.get("method", "?")
        return (
            f"SubwordKeyedVectors({len(self)} keys, dim={self.vector_size}, "
            f"n-grams {self.min_n}..{self.max_n} in {self.bucket} buckets, method={method})"
        )
