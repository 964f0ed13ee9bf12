"""Similarity and analogy loaders: bundled sets, the shared benchmark files, and bad input."""

from __future__ import annotations

import csv

import pytest

from embedlab.evaluation.datasets import ANALOGY_DATASETS, SIMILARITY_DATASETS, load_analogy, load_similarity
from embedlab.exceptions import FormatError, InputFileError, InvalidParameterError


def _count_pair_lines(path) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip() and not line.startswith("#"))


def test_bundled_sets_by_name():
    ws = load_similarity("wordsim353")
    assert len(ws) == 353 and (ws.word1[0], ws.word2[0], ws.scores[0]) == ("love", "sex", 6.77)
    assert ws.lines[0] == 3  # two '#' header lines precede it
    sl = load_similarity("simlex999")
    assert len(sl) == 999 and sl.scores.min() >= 0 and sl.scores.max() <= 10
    g = load_analogy("google")
    assert len(g) == 19544 and len(g.sections) == 14
    assert g.questions[0] == ("Athens", "Greece", "Baghdad", "Iraq")
    assert g.sections[int(g.section_of[-1])] == "gram9-plural-verbs"


def test_every_shared_similarity_file(data):
    files = sorted(data("word-similarity").glob("*.txt"))
    assert len(files) >= 7
    for path in files:
        ds = load_similarity(path)
        assert len(ds) == _count_pair_lines(path), path.name
        assert ds.name == path.stem
        with open(path, encoding="utf-8", newline="") as fh:
            first = fh.readline().rstrip("\r\n").split("\t")
        assert (ds.word1[0], ds.word2[0], ds.scores[0]) == (first[0], first[1], float(first[2]))


def test_every_shared_analogy_file(data):
    expected = {"google-analogies.csv": 19544, "msr.csv": 8000}
    for path in sorted(data("analogy").glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        ds = load_analogy(path)
        assert len(ds) == len(rows) == expected.get(path.name, len(rows))
        assert ds.questions[-1] == tuple(rows[-1][c] for c in ("word1", "word2", "word3", "target"))
        assert ds.sections == list(dict.fromkeys(r["type"] for r in rows))


def test_vecto_google_csv_equals_bundled_questions_words(data):
    csv_set = load_analogy(data("analogy") / "google-analogies.csv")
    txt_set = load_analogy("google")
    assert csv_set.questions == txt_set.questions
    assert csv_set.sections == txt_set.sections
    assert (csv_set.section_of == txt_set.section_of).all()


def test_headers_extra_columns_commas_and_comments(tmp_path):
    simlex = tmp_path / "SimLex-999.txt"  # the original layout: header and extra columns
    simlex.write_text("word1\tword2\tPOS\tSimLex999\tconc(w1)\nold\tnew\tA\t1.58\t2.72\nsmart\tintelligent\tA\t9.2\t1.75\n")
    ds = load_similarity(simlex)
    assert ds.word1 == ["old", "smart"] and list(ds.scores) == [1.58, 9.2] and ds.lines == [2, 3]
    combined = tmp_path / "combined.csv"
    combined.write_text("Word 1,Word 2,Human (mean)\nlove,sex,6.77\n\n# comment\ntiger,cat,7.35\n")
    ds = load_similarity(combined)
    assert ds.word2 == ["sex", "cat"] and list(ds.scores) == [6.77, 7.35] and ds.lines == [2, 5]
    spaces = tmp_path / "spaces.txt"
    spaces.write_text("a b 1\nc   d 2.5\n")
    assert list(load_similarity(spaces).scores) == [1.0, 2.5]


def test_unknown_name_and_missing_file():
    with pytest.raises(InvalidParameterError, match="unknown similarity dataset 'ws999'; bundled: wordsim353, simlex999"):
        load_similarity("ws999")
    with pytest.raises(InvalidParameterError, match="unknown analogy dataset 'msr'; bundled: google"):
        load_analogy("msr")
    with pytest.raises(InputFileError, match=r"nope\.txt: similarity dataset file not found"):
        load_similarity("/no/such/dir/nope.txt")
    assert set(SIMILARITY_DATASETS) == {"wordsim353", "simlex999"} and set(ANALOGY_DATASETS) == {"google"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\tb\t1\nc\td\n", r"bad\.txt:2: expected 'word1 word2 score' \(3 columns\); got 2 field"),
        ("a\tb\t1\nc\td\tlots\n", r"bad\.txt:2: score 'lots' is not a number"),
        ("a\tb\tx\n", r"bad\.txt:1: score 'x' is not a number"),  # not a header: no known column name
        ("# only comments\n\n", r"bad\.txt: no 'word1 word2 score' lines found"),
    ],
)
def test_malformed_similarity_lines(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(FormatError, match=message):
        load_similarity(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("q.txt", "a b c d\n: sec\n", r"q\.txt:1: question before the first ': section' line"),
        ("q.txt", ": sec\na b c d\na b c\n", r"q\.txt:3: expected 4 words 'a b c d'; got 3"),
        ("q.txt", ": sec\n", r"q\.txt: no analogy questions found"),
        ("q.csv", ",type,word1,word2,target\n0,s,a,b,d\n", r"q\.csv:1: analogy CSV header lacks column\(s\) word3"),
        ("q.csv", ",type,word1,word2,word3,target\n0,s,a,b,c\n", r"q\.csv:2: expected 6 CSV fields; got 5"),
    ],
)
def test_malformed_analogy_files(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FormatError, match=message):
        load_analogy(path)


def test_non_utf8_file_names_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"a\tb\t1\ncaf\xe9\tb\t2\n")
    with pytest.raises(FormatError, match=r"latin1\.txt:2: not UTF-8 text"):
        load_similarity(path)
