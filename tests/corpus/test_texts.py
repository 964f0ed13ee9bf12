"""Texts and training pairs from text/CSV/TSV/JSONL files: ids, columns, kinds, errors."""

from __future__ import annotations

import gzip
import json

import pytest

from embedlab.corpus.texts import read_pairs, read_texts
from embedlab.exceptions import DataError, FormatError, InputFileError


def test_text_file_ids_are_line_numbers_and_empty_lines_are_counted(tmp_path):
    p = tmp_path / "t.txt.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write("first text\n\n  second text  \n")
    t = read_texts(p)
    assert t.ids == ["1", "3"] and t.texts == ["first text", "second text"]
    assert t.warnings == [f"{p}: skipped 1 empty text(s) (line 2)"]


def test_csv_column_and_id_detection_and_duplicate_ids(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('id,title,abstract\n7,"A, B",body one\n9,T,"body, two"\n', encoding="utf-8")
    t = read_texts(p, text_column="abstract")
    assert t.ids == ["7", "9"] and t.texts == ["body one", "body, two"]
    assert read_texts(p).texts == ["body one", "body, two"]  # known names in priority order: abstract before title
    p.write_text('title,n\n"A, B",1\n', encoding="utf-8")
    assert read_texts(p).texts == ["A, B"] and read_texts(p).ids == ["2"]  # no id column: the line number
    p.write_text("id,text\n1,a\n1,b\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"d.csv:3: id '1' already used on line 2"):
        read_texts(p)
    with pytest.raises(DataError, match=r"no column 'body' \(columns: id, text\)"):
        read_texts(p, text_column="body")


def test_jsonl_errors_name_the_line(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "ok"}\n{"text": broken}\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"d.jsonl:2: invalid JSON"):
        read_texts(p)
    with pytest.raises(InputFileError, match="no such file"):
        read_texts(tmp_path / "missing.txt")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01binary")
    with pytest.raises(FormatError, match="looks like a binary file"):
        read_texts(tmp_path / "bin.txt")


def test_pairs_kinds_by_header_and_by_position(tmp_path):
    p = tmp_path / "p.tsv"
    p.write_text("query\tdocument\nq1\td1\nq2\td2\n", encoding="utf-8")
    pairs = read_pairs(p)
    assert pairs.kind == "pairs" and pairs.anchors == ["q1", "q2"] and pairs.positives == ["d1", "d2"]
    p.write_text("a b\tc d\t4.5\ne\tf\t1\n", encoding="utf-8")  # no header, third column numeric: scored
    scored = read_pairs(p)
    assert scored.kind == "scored" and scored.scores == [4.5, 1.0] and scored.anchors == ["a b", "e"]
    p.write_text("a\tb\tc\nd\te\tf\n", encoding="utf-8")  # no header, third column text: triplets
    assert read_pairs(p).kind == "triplets"
    j = tmp_path / "p.jsonl"
    j.write_text("".join(json.dumps({"sentence1": "x", "sentence2": "y", "score": s}) + "\n" for s in (1, 2)))
    assert read_pairs(j).scores == [1.0, 2.0]


def test_pairs_bad_input(tmp_path):
    p = tmp_path / "one.tsv"
    p.write_text("just one column\nanother\n", encoding="utf-8")
    with pytest.raises(DataError, match="pairs need at least two columns.*found 1"):
        read_pairs(p)
    p.write_text("sentence1\tsentence2\tscore\na\tb\thigh\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"one.tsv:2: score 'high' is not a number"):
        read_pairs(p)
    p.write_text("anchor\tpositive\n\tb\n", encoding="utf-8")
    with pytest.raises(DataError, match="no usable pairs"):
        read_pairs(p)
    p.write_text("anchor\tpositive\na\tb\nlonely\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"one.tsv:3: one column only"):
        read_pairs(p)


_STSB_ROWS = [("main-captions", "MSRvid", "2012test", "0001", "5.000",
               "A plane is taking off.", "An air plane is taking off."),
              ("main-captions", "MSRvid", "2012test", "0004", "3.800",
               "A man is playing a large flute.", "A man is playing a flute."),
              ("main-news", "headlines", "2015", "0002", "0.600", "Stocks fell, bonds rose \"sharply\".", "Rain, then sun."),
              ("main-forums", "answers", "2016", "0003", "1.250", "Yes, it does.", "No.")]


def _stsb(path):
    """STS-B's layout: tab-separated under a .csv suffix, no header, genre,file,year,id,score,s1,s2
    (some lines carry extra source columns)."""
    lines = ["\t".join(r) for r in _STSB_ROWS]
    lines[1] += "\tsource-a\tsource-b"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_stsb_layout_is_read_as_scored_pairs_by_pairs_and_sts_readers(tmp_path):
    """finetune used to read sts-train.csv as one comma column ("pairs need at least two columns")
    while `evaluate -e sts:FILE` read it: one reader, one delimiter rule for both."""
    from embedlab.corpus.taskdata import load_sentence_pairs

    path = _stsb(tmp_path / "sts-train.csv")
    pairs = read_pairs(path)
    assert pairs.kind == "scored"
    assert pairs.anchors == [r[5] for r in _STSB_ROWS] and pairs.positives == [r[6] for r in _STSB_ROWS]
    assert pairs.scores == [5.0, 3.8, 0.6, 1.25]
    sts = load_sentence_pairs(path)
    assert (sts.s1, sts.s2, sts.scores) == (pairs.anchors, pairs.positives, pairs.scores)
    tsv = tmp_path / "p.csv"  # a tab-separated header under .csv: read by its names too
    tsv.write_text("sentence1\tsentence2\tscore\na, b\tc\t1\nd\te, f\t2\ng\th\t3\n", encoding="utf-8")
    assert read_pairs(tsv).anchors == ["a, b", "d", "g"] and load_sentence_pairs(tsv).s2 == ["c", "e, f", "h"]
