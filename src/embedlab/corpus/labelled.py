"""Labelled texts for supervised training: fastText ``__label__`` lines (several labels per line)
or any table / NLTK zip / category folder that :func:`embedlab.corpus.taskdata.load_labelled_texts`
reads (one label per text), and unlabelled lines for prediction.

fastText's format is one text per line, its labels as tokens starting with ``__label__``
anywhere on the line (``__label__pos __label__funny what a film``).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..exceptions import DataError, FormatError, InputFileError

__all__ = ["LabelledLines", "LABEL_PREFIX", "read_labelled", "read_unlabelled", "is_fasttext_file"]

LABEL_PREFIX = "__label__"


class LabelledLines:
    """Texts, their label lists and the 1-based line of each text in ``source``.

    A fastText file is split by a compiled pass: ``encoded`` then holds ``(word_ptr, word_ids,
    lab_ptr, lab_ids, tokens, label_names)`` (CSR word / label ids per line, the distinct word
    strings and label names), which the classifier trains on directly; ``texts``, ``tokens`` and
    ``labels`` are built from it on first use.
    """

    def __init__(self, texts: list[str] | None, labels: list[list[str]] | None, source: str,
                 lines: list[int] | None = None, warnings: list[str] | None = None,
                 encoded: tuple | None = None) -> None:
        if (texts is None or labels is None) and encoded is None:
            raise ValueError("LabelledLines needs texts and labels, or encoded arrays")
        self._texts = texts
        self._labels = labels
        self._tokens: list[list[str]] | None = None
        self.encoded = encoded
        self.source = source
        self.lines = list(lines or [])
        self.warnings = list(warnings or [])

    @property
    def tokens(self) -> list[list[str]] | None:
        if self._tokens is None and self.encoded is not None:
            word_ptr, word_ids, _, _, strings, _ = self.encoded
            ids = word_ids.tolist()
            self._tokens = [[strings[i] for i in ids[a:b]] for a, b in zip(word_ptr[:-1].tolist(), word_ptr[1:].tolist())]
        return self._tokens

    @property
    def texts(self) -> list[str]:
        if self._texts is None:
            self._texts = [" ".join(t) for t in self.tokens or []]
        return self._texts

    @property
    def labels(self) -> list[list[str]]:
        if self._labels is None:
            _, _, lab_ptr, lab_ids, _, names = self.encoded
            ids = lab_ids.tolist()
            self._labels = [[names[i] for i in ids[a:b]] for a, b in zip(lab_ptr[:-1].tolist(), lab_ptr[1:].tolist())]
        return self._labels

    def __len__(self) -> int:
        return len(self.lines) if self.encoded is not None else len(self._labels or [])


def _check(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p}: no such file or folder")
    return p


def _read(p: Path) -> str:
    if p.is_dir():
        raise InputFileError(f"{p}: is a folder; give a text file with one text per line")
    data = p.read_bytes()
    if b"\x00" in data[:4096]:
        raise FormatError(f"{p}: looks like a binary file, expected text with one text per line")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(f"{p}:{line}: not valid UTF-8 ({exc.reason}); convert the file to UTF-8") from None


def _lines(p: Path) -> list[str]:
    """The file's lines split at newlines only (as fastText reads them), without line ends."""
    parts = _read(p).split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [s[:-1] if s.endswith("\r") else s for s in parts]


def is_fasttext_file(path: str | os.PathLike[str], prefix: str = LABEL_PREFIX) -> bool:
    """Whether the first non-empty line of a text file carries a ``__label__`` token."""
    p = Path(path)
    if p.is_dir() or p.suffix.lower() in (".zip", ".csv", ".tsv", ".jsonl", ".json", ".ndjson"):
        return False
    with open(p, "rb") as fh:
        for raw in fh:
            if raw.strip():
                return any(t.startswith(prefix.encode()) for t in raw.split())
    return False


def read_labelled(
    path: str | os.PathLike[str],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    prefix: str = LABEL_PREFIX,
) -> LabelledLines:
    """Texts and label lists from a fastText file, or a CSV/TSV/JSONL, NLTK zip or category folder.

    In a fastText file every non-empty line needs at least one label (the error names the line);
    empty lines are skipped.
    """
    p = _check(path)
    if not is_fasttext_file(p, prefix):
        from .taskdata import load_labelled_texts

        data = load_labelled_texts(p, text_column=text_column, label_column=label_column)
        return LabelledLines(data.texts, [[y] for y in data.labels], data.source, [], list(data.warnings))
    import numpy as np

    from ..kernels.supervised import tokenize_labelled

    raw = _read(p).encode("utf-8")  # validated UTF-8 (BOM removed)
    buf = np.frombuffer(raw, dtype=np.uint8)
    pre = np.frombuffer(prefix.encode("utf-8"), dtype=np.uint8)
    line_no, word_ptr, word_ids, lab_ptr, lab_ids, t_start, t_end = tokenize_labelled(buf, pre)
    if line_no.shape[0] == 0:
        raise DataError(f"{p}: no labelled lines found")
    unlabelled = np.flatnonzero(np.diff(lab_ptr) == 0)
    if unlabelled.size:
        raise FormatError(
            f"{p}:{int(line_no[unlabelled[0]])}: a line without a label; every line needs '{prefix}NAME' "
            f"(e.g. '{prefix}pos a fine film')"
        )
    strings = [raw[a:b].decode("utf-8") for a, b in zip(t_start.tolist(), t_end.tolist())]
    label_tok, lab_ids = np.unique(lab_ids, return_inverse=True)
    names = [strings[i][len(prefix):] for i in label_tok.tolist()]
    if "" in names:
        bad = int(np.flatnonzero(np.asarray(names) == "")[0])
        where = int(line_no[np.searchsorted(lab_ptr, np.flatnonzero(lab_ids == bad)[0], side="right") - 1])
        raise FormatError(f"{p}:{where}: a label token '{prefix}' without a name; write '{prefix}NAME'")
    # label ids in order of first appearance
    first = np.full(len(names), lab_ids.shape[0], dtype=np.int64)
    np.minimum.at(first, lab_ids, np.arange(lab_ids.shape[0]))
    order = np.argsort(first, kind="stable")
    remap = np.empty(len(names), dtype=np.int64)
    remap[order] = np.arange(len(names))
    names = [names[i] for i in order]
    encoded = (word_ptr, word_ids, lab_ptr, remap[lab_ids].astype(np.int32), strings, names)
    return LabelledLines(None, None, str(p), line_no.tolist(), encoded=encoded)


def read_unlabelled(path: str | os.PathLike[str], prefix: str = LABEL_PREFIX) -> list[str]:
    """Every line of a text file as one text (``__label__`` tokens removed, as fastText's predict does)."""
    p = _check(path)
    out = []
    for line in _lines(p):
        if prefix in line:
            line = " ".join(t for t in line.split() if not t.startswith(prefix))
        out.append(line)
    return out
