"""Text tasks report token coverage (not 'texts with one known word') and the most frequent unknown
words, in the terminal table, the comparison report (HTML, Markdown) and the model card."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="sklearn is not installed: pip install 'embedlab[methods]'")

from embedlab.vectors import KeyedVectors  # noqa: E402
from embedlab.vectors.io import save_vectors  # noqa: E402

KNOWN = ["good", "great", "fine", "bad", "awful", "poor"]


@pytest.fixture
def task_and_vectors(tmp_path):
    rng = np.random.default_rng(0)
    rows = ["text,label"]
    for i in range(40):
        pos = i % 2 == 0
        word = KNOWN[i % 3] if pos else KNOWN[3 + i % 3]
        rows.append(f"{word} zorblax{i % 4} quux,{'pos' if pos else 'neg'}")  # 1 of 3 tokens known
    task = tmp_path / "task.csv"
    task.write_text("\n".join(rows) + "\n", encoding="utf-8")
    kv = KeyedVectors(KNOWN, np.vstack([rng.normal(1, .1, (3, 8)), rng.normal(-1, .1, (3, 8))]).astype(np.float32))
    vectors = tmp_path / "v.npz"
    save_vectors(kv, vectors)
    return task, vectors


def test_terminal_table_shows_token_coverage_and_unknown_words(cli, task_and_vectors):
    task, vectors = task_and_vectors
    result = cli("evaluate", vectors, "--eval", f"classification:{task}")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "33.3% of 120 tokens have vectors (100.0% of texts have one)" in out
    assert "most frequent unknown: quux (40)" in out
    assert "100.0%" not in out.split("coverage")[1].split("classification")[0]  # the coverage cell is tokens
    payload = json.loads(cli("evaluate", vectors, "--eval", f"classification:{task}", "--json").stdout)
    assert payload["results"][0]["coverage"] == pytest.approx(1 / 3)


def test_reports_show_token_coverage(cli, tmp_path, task_and_vectors):
    task, vectors = task_and_vectors
    result = cli("compare", vectors, vectors, "-T", f"classification:{task}", "--n-boot", "20", "-o", tmp_path / "cmp")
    assert result.exit_code == 0, result.stderr
    assert "33.3% of tokens have vectors; most frequent unknown: quux (40)" in " ".join(result.stdout.split())
    md = (tmp_path / "cmp" / "report.md").read_text()
    html = (tmp_path / "cmp" / "report.html").read_text()
    assert "## Vocabulary coverage of text tasks" in md and "| 33.3% of 120 | 100.0% | quux (40)" in md
    assert "Vocabulary coverage of text tasks" in html and "quux (40)" in html
    result = cli("report", vectors, "-T", f"classification:{task}", "--n-boot", "20", "-o", tmp_path / "card.html")
    assert result.exit_code == 0, result.stderr
    card = (tmp_path / "card.html").read_text()
    assert "Vocabulary coverage of text tasks" in card and "33.3% of 120" in card and "quux (40)" in card


def test_punctuation_and_clitics_are_counted_as_the_pooling_looks_them_up(cli, tmp_path):
    """compare of trained vectors and GloVe-like ones on texts with punctuation: '.' and ',' are
    not unknown to vectors trained without punctuation, nor "don't" to vectors holding do + n't."""
    rng = np.random.default_rng(1)
    rows = ["text,label"]
    for i in range(40):
        word = KNOWN[i % 3] if i % 2 == 0 else KNOWN[3 + i % 3]
        rows.append(f"\"{word}, really. don't {word}\",{'pos' if i % 2 == 0 else 'neg'}")
    task = tmp_path / "task.csv"
    task.write_text("\n".join(rows) + "\n", encoding="utf-8")
    trained = KeyedVectors(KNOWN + ["really", "don't"], rng.normal(size=(8, 8)).astype(np.float32),
                           metadata={"corpus": {"total_words": 1000}, "params": {"lowercase": True}})
    glove_like = KeyedVectors(KNOWN + ["really", "do", "n't", ".", ","], rng.normal(size=(11, 8)).astype(np.float32))
    paths = []
    for name, kv in (("trained", trained), ("glove", glove_like)):
        paths.append(tmp_path / f"{name}.npz")
        save_vectors(kv, paths[-1])
    result = cli("compare", *paths, "-T", f"classification:{task}", "--n-boot", "20", "-o", tmp_path / "cmp")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "trained: 100.0% of tokens have vectors" in out and "glove: 100.0% of tokens have vectors" in out
