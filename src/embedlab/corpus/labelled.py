"""Labelled texts for supervised training: fastText ``__label__`` lines (several labels per line)
or any table / NLTK zip / category folder that :func:`embedlab.evaluation.taskdata.load_labelled_texts`
reads (one label per text), and unlabelled lines for prediction.

fastText's format is one text per line, its labels as tokens starting with ``__label__``
anywhere on the line (``__label__pos __label__funny what a film``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import DataError, FormatError, InputFileError

__all__ = ["LabelledLines", "LABEL_PREFIX", "read_labelled", "read_unlabelled", "is_fasttext_file"]

LABEL_PREFIX = "__label__"


@dataclass
class LabelledLines:
    """Texts, their label lists and the 1-based line of each text in ``source``."""

    texts: list[str]
    labels: list[list[str]]
    source: str
    lines: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
        from ..evaluation.taskdata import load_labelled_texts

        data = load_labelled_texts(p, text_column=text_column, label_column=label_column)
        return LabelledLines(data.texts, [[y] for y in data.labels], data.source, [], list(data.warnings))
    texts: list[str] = []
    labels: list[list[str]] = []
    lines: list[int] = []
    n = len(prefix)
    for lineno, line in enumerate(_lines(p), 1):
        labs: list[str] = []
        rest = line
        head = rest.split(None, 1)
        while head and head[0].startswith(prefix):  # the usual layout: labels first, then the text
            labs.append(head[0][n:])
            rest = head[1] if len(head) > 1 else ""
            head = rest.split(None, 1)
        if not head and not labs:
            continue  # an empty line
        if prefix in rest:  # labels further on in the line
            toks = rest.split()
            labs += [t[n:] for t in toks if t.startswith(prefix)]
            rest = " ".join(t for t in toks if not t.startswith(prefix))
        if not labs or any(not lab for lab in labs):
            raise FormatError(
                f"{p}:{lineno}: a line without a label; every line needs '{prefix}NAME' "
                f"(e.g. '{prefix}pos a fine film')"
            )
        texts.append(rest)
        labels.append(labs)
        lines.append(lineno)
    if not texts:
        raise DataError(f"{p}: no labelled lines found")
    return LabelledLines(texts, labels, str(p), lines)


def read_unlabelled(path: str | os.PathLike[str], prefix: str = LABEL_PREFIX) -> list[str]:
    """Every line of a text file as one text (``__label__`` tokens removed, as fastText's predict does)."""
    p = _check(path)
    out = []
    for line in _lines(p):
        if prefix in line:
            line = " ".join(t for t in line.split() if not t.startswith(prefix))
        out.append(line)
    return out
