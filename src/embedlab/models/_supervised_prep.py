"""Data preparation for :class:`~embedlab.models.supervised.SupervisedClassifier`: texts to token
ids with ``</s>``, label rows, and the encoded rows the kernels read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EOS = "</s>"


class _Encoded:
    """Texts as kernel input: CSR of input rows per text and token counts (the lr clock)."""

    def __init__(self, indptr: np.ndarray, rows: np.ndarray, work: np.ndarray) -> None:
        self.indptr, self.rows, self.work = indptr, rows, work


class _Prepared:
    """Training texts as arrays: tokens (+ ``</s>``), label ids (most frequent label first)."""

    def __init__(self, tok: np.ndarray, offsets: np.ndarray, uniq: list[str], lab_ptr: np.ndarray,
                 lab_ids: np.ndarray, classes: list[str], label_counts: np.ndarray, source: str,
                 warnings: list[str], n_texts: int) -> None:
        self.tok, self.offsets, self.uniq = tok, offsets, uniq
        self.lab_ptr, self.lab_ids = lab_ptr, lab_ids
        self.classes, self.label_counts = classes, label_counts
        self.source, self.warnings, self.n_texts = source, warnings, n_texts


def _keep_rows(values: np.ndarray, ptr: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR rows where ``keep`` is True."""
    lens = np.diff(ptr)
    mask = np.repeat(keep, lens)
    new_ptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
    np.cumsum(lens[keep], out=new_ptr[1:])
    return values[mask], new_ptr


def _with_eos(word_ptr: np.ndarray, word_ids: np.ndarray, strings: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Word ids per line (CSR) with ``</s>`` appended to every line."""
    try:
        eos = strings.index(EOS)
    except ValueError:
        eos = len(strings)
        strings = [*strings, EOS]
    n = word_ptr.shape[0] - 1
    offsets = word_ptr + np.arange(n + 1, dtype=np.int64)
    tok = np.empty(word_ids.shape[0] + n, dtype=np.int32)
    is_eos = np.zeros(tok.shape[0], dtype=bool)
    is_eos[offsets[1:] - 1] = True
    tok[is_eos] = eos
    tok[~is_eos] = word_ids
    return tok, offsets, strings


def _tokenize(texts: Sequence[str] | Sequence[list[str]], lowercase: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Whitespace tokens of every text (or given word lists) plus ``</s>``: ``(token ids, offsets, distinct tokens)``."""
    from itertools import chain

    if texts and not isinstance(texts[0], str):  # already split into words
        lines = [[w.lower() for w in t] for t in texts] if lowercase else list(texts)
    else:
        lines = [t.lower().split() if lowercase else t.split() for t in texts]
    index = {w: i for i, w in enumerate(dict.fromkeys(chain.from_iterable(lines)))}
    eos = index.setdefault(EOS, len(index))
    lens = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    n_words = int(lens.sum())
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum(lens + 1, out=offsets[1:])
    tok = np.empty(n_words + len(lines), dtype=np.int32)
    is_eos = np.zeros(tok.shape[0], dtype=bool)
    is_eos[offsets[1:] - 1] = True
    tok[is_eos] = eos
    tok[~is_eos] = np.fromiter(map(index.__getitem__, chain.from_iterable(lines)), dtype=np.int32, count=n_words)
    return tok, offsets, list(index)
