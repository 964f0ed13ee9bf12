"""Texts and training pairs from files, for text encoders (``embedlab encode``, ``finetune``).

* :func:`read_texts`: documents keyed by id from a text file (one text per line, id = line
  number), a CSV/TSV column or a JSONL field (id from an ``id`` column/field when there is one).
* :func:`read_pairs`: training examples from CSV/TSV/JSONL: ``(anchor, positive)`` pairs,
  ``(sentence1, sentence2, score)`` scored pairs, or ``(anchor, positive, negative)`` triplets,
  by column name (``anchor``/``query``/``sentence1``/``text1``, ``positive``/``sentence2``/...,
  ``negative``, ``score``/``label``) or, in a file without a recognised header, by position;
  the STS-B layout (``genre file year id score s1 s2``, no header) is recognised.

One delimiter rule for every table (:func:`sniff_delimiter`): tab in ``.tsv``; otherwise tab
when the first line holds more tabs than commas (STS-B's ``.csv`` files are tab-separated), else
comma. :func:`embedlab.corpus.taskdata.load_sentence_pairs` (``evaluate -e sts:FILE``) reads
pairs with :func:`read_pairs` too.

Plain, ``.gz`` and ``.bz2`` files. Problems are one-line errors naming the file and line; empty
texts are skipped and counted in ``warnings``.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .._validation import is_number
from ..exceptions import DataError, FormatError, InputFileError

__all__ = ["Texts", "Pairs", "read_texts", "read_pairs", "table_kind", "sniff_delimiter"]

TEXT_FIELDS = ("text", "sentence", "document", "body", "content", "abstract", "passage", "title")
ID_FIELDS = ("id", "_id", "doc_id", "docid", "document_id")
ANCHOR_FIELDS = ("anchor", "query", "sentence1", "text1", "question", "premise", "title", "s1")
POSITIVE_FIELDS = ("positive", "sentence2", "text2", "document", "passage", "answer", "body", "hypothesis", "s2")
NEGATIVE_FIELDS = ("negative", "hard_negative", "text3")
SCORE_FIELDS = ("score", "label", "similarity", "relevance", "gold")

csv.field_size_limit(2**31 - 1)


@dataclass
class Texts:
    ids: list[str]
    texts: list[str]
    source: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class Pairs:
    """Training examples: ``negatives`` (triplets) and ``scores`` (scored pairs) are optional."""

    anchors: list[str]
    positives: list[str]
    negatives: list[str] | None = None
    scores: list[float] | None = None
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.anchors)

    @property
    def kind(self) -> str:
        return "triplets" if self.negatives is not None else "scored" if self.scores is not None else "pairs"

    def subset(self, idx: list[int]) -> Pairs:
        pick = lambda xs: None if xs is None else [xs[i] for i in idx]  # noqa: E731
        return Pairs(pick(self.anchors), pick(self.positives), pick(self.negatives), pick(self.scores),
                     self.source, list(self.warnings))


def _strip_compression(path: Path) -> Path:
    return path.with_suffix("") if path.suffix.lower() in (".gz", ".bz2") else path


def table_kind(path: Path) -> str:
    """``jsonl``, ``tsv``, ``csv`` or ``text`` from the file's suffix (ignoring .gz/.bz2)."""
    suffix = _strip_compression(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".tsv":
        return "tsv"
    if suffix == ".csv":
        return "csv"
    return "text"


def sniff_delimiter(first_line: str, suffix: str = "") -> str:
    """Tab for ``.tsv``; else tab when ``first_line`` holds more tabs than commas; else comma."""
    if suffix.lower() == ".tsv":
        return "\t"
    tabs = first_line.count("\t")
    return "\t" if tabs and tabs >= first_line.count(",") else ","


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _read(path: Path) -> str:
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder; give a text, CSV/TSV or JSONL file")
    suffix = path.suffix.lower()
    try:
        opener = gzip.open if suffix == ".gz" else bz2.open if suffix == ".bz2" else open
        with opener(path, "rb") as fh:
            data = fh.read()
    except PermissionError:
        raise InputFileError(f"{path}: permission denied; make the file readable") from None
    except (OSError, EOFError) as exc:
        raise FormatError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from None
    if b"\x00" in data[:4096]:
        raise FormatError(f"{path}: looks like a binary file; expected text, CSV/TSV or JSONL")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(f"{path}:{line}: not valid UTF-8 ({exc.reason}); re-encode the file as UTF-8") from None


def _rows(path: Path, kind: str, text: str) -> tuple[list[str], list[tuple[int, list[str]]], bool]:
    """Header, (line, cells) rows and whether the header is real (JSONL: fields in first-seen order)."""
    if kind == "jsonl":
        header: list[str] = []
        objs = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FormatError(f"{path}:{lineno}: invalid JSON ({exc.msg}); expected one object per line") from None
            if not isinstance(obj, dict):
                raise FormatError(f"{path}:{lineno}: expected a JSON object per line, got {type(obj).__name__}")
            for k in obj:
                if k not in header:
                    header.append(k)
            objs.append((lineno, obj))
        rows = [(n, ["" if o.get(k) is None else str(o.get(k)) for k in header]) for n, o in objs]
        return header, rows, True
    delim = sniff_delimiter(_first_line(text), ".tsv" if kind == "tsv" else "")
    reader = csv.reader(io.StringIO(text), delimiter=delim, quoting=csv.QUOTE_NONE if delim == "\t" else csv.QUOTE_MINIMAL)
    all_rows = []
    try:
        for row in reader:
            if row and any(c.strip() for c in row):
                all_rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise FormatError(f"{path}:{reader.line_num}: malformed {kind.upper()} ({exc})") from None
    if not all_rows:
        raise DataError(f"{path}: file is empty")
    return all_rows[0][1], all_rows[1:], True


def _find(header: list[str], given: str | None, candidates: tuple[str, ...], what: str, option: str,
          path: Path, required: bool = True) -> int | None:
    lower = {h.strip().lower(): i for i, h in enumerate(header)}
    if given is not None:
        if given in header:
            return header.index(given)
        if given.lower() in lower:
            return lower[given.lower()]
        raise DataError(f"{path}: no column '{given}' (columns: {', '.join(header)}); pass an existing one to {option}")
    for c in candidates:
        if c in lower:
            return lower[c]
    if required:
        raise DataError(f"{path}: no {what} column (columns: {', '.join(header) or 'none'}); "
                        f"name it one of {', '.join(candidates[:4])} or pass {option}")
    return None


def read_texts(path: str | os.PathLike[str], text_column: str | None = None, id_column: str | None = None) -> Texts:
    """Documents and their ids from a text file, CSV/TSV column or JSONL field (see module doc)."""
    p = Path(path)
    kind = table_kind(p)
    raw = _read(p)
    warnings: list[str] = []
    ids: list[str] = []
    texts: list[str] = []
    empty: list[int] = []
    if kind == "text" and text_column is None and id_column is None:
        for lineno, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                empty.append(lineno)
                continue
            ids.append(str(lineno))
            texts.append(line.strip())
    else:
        header, rows, _ = _rows(p, "tsv" if kind == "text" else kind, raw)
        ti = _find(header, text_column, TEXT_FIELDS, "text", "--text-column", p)
        ii = _find(header, id_column, ID_FIELDS, "id", "--id-column", p, required=False)
        seen: dict[str, int] = {}
        for lineno, cells in rows:
            txt = cells[ti].strip() if ti < len(cells) else ""
            doc_id = (cells[ii].strip() if ii is not None and ii < len(cells) else "") or str(lineno)
            if doc_id in seen:
                raise DataError(f"{p}:{lineno}: id '{doc_id}' already used on line {seen[doc_id]}; ids must be unique")
            seen[doc_id] = lineno
            if not txt:
                empty.append(lineno)
                continue
            ids.append(doc_id)
            texts.append(txt)
    if empty:
        lines = ", ".join(map(str, empty[:5])) + (", ..." if len(empty) > 5 else "")
        warnings.append(f"{p}: skipped {len(empty)} empty text(s) (line {lines})")
    if not texts:
        raise DataError(f"{p}: no non-empty texts to encode")
    return Texts(ids, texts, str(p), warnings)


def _is_stsb(rows: list[tuple[int, list[str]]]) -> bool:
    """STS-B's headerless layout: 7+ columns, a number in the fifth (the score) on every row."""
    return bool(rows) and all(len(r) >= 7 and is_number(r[4], finite=True) for _, r in rows)


def read_pairs(
    path: str | os.PathLike[str],
    anchor_column: str | None = None,
    positive_column: str | None = None,
    negative_column: str | None = None,
    score_column: str | None = None,
) -> Pairs:
    """Training pairs, scored pairs or triplets from CSV/TSV/JSONL (see module doc)."""
    p = Path(path)
    kind = table_kind(p)
    raw = _read(p)
    header, rows, _ = _rows(p, "tsv" if kind == "text" else kind, raw)
    lower = [h.strip().lower() for h in header]
    known = set(ANCHOR_FIELDS + POSITIVE_FIELDS + NEGATIVE_FIELDS + SCORE_FIELDS)
    given = any(c is not None for c in (anchor_column, positive_column, negative_column, score_column))
    if kind != "jsonl" and not given and not (set(lower) & known):
        rows = [(1, header)] + rows  # no recognised header: columns by position
        width = len(header)
        if width < 2:
            raise DataError(f"{p}: pairs need at least two columns (anchor, positive); found {width}")
        ai, pi = 0, 1
        ni = si = None
        if _is_stsb(rows):  # genre file year id score s1 s2 [sources]
            ai, pi, si = 5, 6, 4
        elif width >= 3:
            if all(is_number(r[2], finite=True) for _, r in rows if len(r) > 2):
                si = 2
            else:
                ni = 2
    else:
        if len(header) < 2:
            raise DataError(f"{p}: pairs need at least two columns (anchor, positive); found {len(header)} "
                            f"({', '.join(header)})")
        ai = _find(header, anchor_column, ANCHOR_FIELDS, "anchor", "--anchor-column", p)
        pi = _find(header, positive_column, POSITIVE_FIELDS, "positive", "--positive-column", p)
        ni = _find(header, negative_column, NEGATIVE_FIELDS, "negative", "--negative-column", p, required=False)
        si = _find(header, score_column, SCORE_FIELDS, "score", "--score-column", p, required=False)
        if ai == pi:
            raise DataError(f"{p}: the anchor and positive columns are the same ('{header[ai]}')")
    anchors, positives, negatives, scores = [], [], [], []
    skipped: list[int] = []
    for lineno, cells in rows:
        need = max(i for i in (ai, pi, ni, si) if i is not None)
        if len(cells) <= need:
            if len(cells) == 1:
                raise DataError(f"{p}:{lineno}: one column only; pairs need anchor and positive columns "
                                f"(tab-separated in .tsv, comma-separated in .csv)")
            raise DataError(f"{p}:{lineno}: expected {need + 1} columns, found {len(cells)}")
        a, b = cells[ai].strip(), cells[pi].strip()
        n = cells[ni].strip() if ni is not None else ""
        if not a or not b or (ni is not None and not n):
            skipped.append(lineno)
            continue
        if si is not None:
            s = cells[si].strip()
            if not is_number(s, finite=True):
                raise DataError(f"{p}:{lineno}: score '{s}' is not a number")
            scores.append(float(s))
        anchors.append(a)
        positives.append(b)
        if ni is not None:
            negatives.append(n)
    warnings = []
    if skipped:
        lines = ", ".join(map(str, skipped[:5])) + (", ..." if len(skipped) > 5 else "")
        warnings.append(f"{p}: skipped {len(skipped)} row(s) with an empty text (line {lines})")
    if not anchors:
        raise DataError(f"{p}: no usable pairs (every row has an empty text)")
    return Pairs(anchors, positives, negatives if ni is not None else None, scores if si is not None else None,
                 str(p), warnings)
