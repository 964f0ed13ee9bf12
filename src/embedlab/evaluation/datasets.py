"""Word-similarity and analogy datasets: bundled sets by name, and readers for the usual formats.

Bundled (see ``data/SOURCES.md``): similarity ``wordsim353``, ``simlex999``; analogy ``google``.
Anything else is read from a path:

* similarity: ``word1 word2 score`` per line, separated by tabs, commas or spaces; ``#`` comment
  lines and blank lines are skipped; an optional header line (detected when its score column is not
  a number) may name the columns (``word1``, ``word2``, and ``SimLex999``/``score``/``sim``...),
  so the original SimLex-999 file with its extra columns works;
* analogy: word2vec's ``questions-words.txt`` (``: section`` lines, then ``a b c d`` lines), or the
  vecto CSV format (header ``,type,word1,word2,word3,target``; ``type`` is the section).
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .._validation import is_number
from ..exceptions import FormatError, InputFileError, InvalidParameterError

__all__ = [
    "SimilarityDataset",
    "AnalogyDataset",
    "load_similarity",
    "load_analogy",
    "SIMILARITY_DATASETS",
    "ANALOGY_DATASETS",
]

SIMILARITY_DATASETS: dict[str, str] = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_DATASETS: dict[str, str] = {"google": "questions-words.txt"}

_W1_NAMES = {"word1", "word 1", "w1", "word_1", "first"}
_W2_NAMES = {"word2", "word 2", "w2", "word_2", "second"}
_SCORE_NAMES = ("simlex999", "score", "similarity", "sim", "human (mean)", "mean", "gold", "relatedness")


@dataclass
class SimilarityDataset:
    """Word pairs with human similarity scores; ``lines`` are the 1-based source line numbers."""

    name: str
    word1: list[str]
    word2: list[str]
    scores: np.ndarray
    source: str = ""
    lines: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.word1)


@dataclass
class AnalogyDataset:
    """Analogy questions ``a : b :: c : d`` grouped in sections (``section_of[i]`` indexes ``sections``)."""

    name: str
    questions: list[tuple[str, str, str, str]]
    section_of: np.ndarray
    sections: list[str]
    source: str = ""

    def __len__(self) -> int:
        return len(self.questions)


def _resolve(name_or_path: str | os.PathLike[str], bundled: dict[str, str], kind: str) -> tuple[str, Path]:
    """(dataset name, file path) for a bundled name or a user path."""
    text = os.fspath(name_or_path)
    if text in bundled:
        ref = resources.files("embedlab.evaluation") / "data" / bundled[text]
        return text, Path(str(ref))
    path = Path(text).expanduser()
    if path.is_file():
        return path.stem, path
    if path.exists():
        raise InputFileError(f"{path}: is a directory; give a {kind} dataset file")
    if os.sep not in text and "/" not in text and not path.suffix:
        raise InvalidParameterError(
            f"unknown {kind} dataset {text!r}; bundled: {', '.join(bundled)}; or give a file path"
        )
    raise InputFileError(f"{path}: {kind} dataset file not found (bundled names: {', '.join(bundled)})")


def _read_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(f"{path}:{line}: not UTF-8 text (byte offset {exc.start})") from None
    return text.splitlines()


def _split(line: str) -> list[str]:
    if "\t" in line:
        return [p.strip() for p in line.split("\t")]
    if "," in line:
        return [p.strip() for p in next(csv.reader(io.StringIO(line)))]
    return line.split()


def _looks_like_header(fields: list[str]) -> bool:
    low = {f.strip().lower() for f in fields}
    return bool(low & (_W1_NAMES | _W2_NAMES | set(_SCORE_NAMES)))


def _header_columns(fields: list[str]) -> tuple[int, int, int]:
    low = [f.strip().lower() for f in fields]
    w1 = next((i for i, f in enumerate(low) if f in _W1_NAMES), 0)
    w2 = next((i for i, f in enumerate(low) if f in _W2_NAMES), 1)
    for name in _SCORE_NAMES:
        if name in low:
            return w1, w2, low.index(name)
    return w1, w2, 2


def load_similarity(name_or_path: str | os.PathLike[str]) -> SimilarityDataset:
    """Load a bundled similarity set by name or a ``word1 word2 score`` file (see module doc)."""
    name, path = _resolve(name_or_path, SIMILARITY_DATASETS, "similarity")
    cols: tuple[int, int, int] | None = None
    w1: list[str] = []
    w2: list[str] = []
    scores: list[float] = []
    lines: list[int] = []
    for line_no, line in enumerate(_read_lines(path), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = _split(stripped)
        if cols is None:
            if len(fields) >= 3 and not is_number(fields[2]) and _looks_like_header(fields):
                cols = _header_columns(fields)
                continue
            cols = (0, 1, 2)
        a, b, s = cols
        if len(fields) <= max(cols):
            raise FormatError(
                f"{path}:{line_no}: expected 'word1 word2 score' ({max(cols) + 1} columns); "
                f"got {len(fields)} field(s): {stripped[:60]!r}"
            )
        try:
            score = float(fields[s])
        except ValueError:
            raise FormatError(f"{path}:{line_no}: score {fields[s][:30]!r} is not a number") from None
        if not math.isfinite(score):
            raise FormatError(f"{path}:{line_no}: score {fields[s][:30]!r} is not a finite number; fix or drop the line")
        if not fields[a] or not fields[b]:
            raise FormatError(f"{path}:{line_no}: empty word in {stripped[:60]!r}")
        w1.append(fields[a])
        w2.append(fields[b])
        scores.append(score)
        lines.append(line_no)
    if not w1:
        raise FormatError(f"{path}: no 'word1 word2 score' lines found")
    return SimilarityDataset(name, w1, w2, np.asarray(scores, dtype=np.float64), str(path), lines)


def _load_questions_words(path: Path, lines: list[str]) -> tuple[list, list[int], list[str]]:
    questions: list[tuple[str, str, str, str]] = []
    section_of: list[int] = []
    sections: list[str] = []
    for line_no, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(":"):
            sections.append(stripped.lstrip(":").strip())
            continue
        if not sections:
            raise FormatError(f"{path}:{line_no}: question before the first ': section' line")
        words = stripped.split()
        if len(words) != 4:
            raise FormatError(f"{path}:{line_no}: expected 4 words 'a b c d'; got {len(words)}: {stripped[:60]!r}")
        questions.append((words[0], words[1], words[2], words[3]))
        section_of.append(len(sections) - 1)
    return questions, section_of, sections


def _load_vecto_csv(path: Path, lines: list[str]) -> tuple[list, list[int], list[str]]:
    rows = csv.reader(lines)
    header = [h.strip().lower() for h in next(rows, [])]
    needed = ["type", "word1", "word2", "word3", "target"]
    missing = [c for c in needed if c not in header]
    if missing:
        raise FormatError(f"{path}:1: analogy CSV header lacks column(s) {', '.join(missing)}; got {header}")
    idx = [header.index(c) for c in needed]
    questions: list[tuple[str, str, str, str]] = []
    section_of: list[int] = []
    sections: list[str] = []
    section_id: dict[str, int] = {}
    for line_no, row in enumerate(rows, start=2):
        if not row or not any(f.strip() for f in row):
            continue
        if len(row) <= max(idx):
            raise FormatError(f"{path}:{line_no}: expected {len(header)} CSV fields; got {len(row)}")
        sec, a, b, c, d = (row[i].strip() for i in idx)
        if not all((a, b, c, d)):
            raise FormatError(f"{path}:{line_no}: empty word in {','.join(row)[:60]!r}")
        if sec not in section_id:
            section_id[sec] = len(sections)
            sections.append(sec)
        questions.append((a, b, c, d))
        section_of.append(section_id[sec])
    return questions, section_of, sections


def load_analogy(name_or_path: str | os.PathLike[str]) -> AnalogyDataset:
    """Load a bundled analogy set by name, a ``questions-words.txt`` file or a vecto CSV file."""
    name, path = _resolve(name_or_path, ANALOGY_DATASETS, "analogy")
    lines = _read_lines(path)
    first = next((ln for ln in lines if ln.strip()), "")
    if path.suffix.lower() == ".csv" or ("," in first and not first.lstrip().startswith(":")):
        questions, section_of, sections = _load_vecto_csv(path, lines)
    else:
        questions, section_of, sections = _load_questions_words(path, lines)
    if not questions:
        raise FormatError(f"{path}: no analogy questions found")
    return AnalogyDataset(name, questions, np.asarray(section_of, dtype=np.int64), sections, str(path))
