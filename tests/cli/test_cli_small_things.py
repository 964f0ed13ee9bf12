"""Small things a new user meets: the README's example text, git status after the quickstart,
the screenshot tests' requirement, and more --threads than cores."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from embedlab.cli._common import cpu_cores

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


def test_quickstart_output_is_ignored_by_git():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    for path in ("embedlab-quickstart/vectors.npz", "sub/embedlab-quickstart/metrics.json"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO).returncode == 0, path


def test_readme_says_what_the_screenshot_tests_need():
    top = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "chromium" in top and "skip" in top


def test_readme_fasttext_neighbours_are_what_the_example_prints(tmp_path, monkeypatch, capsys):
    """The comment on `kv.most_similar("egyptt", topn=3)` names words the example really returns."""
    page = README.parent / "docs" / "guide" / "subwords.md"  # the example moved with the fastText guide
    block = next(b for b in re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
                 if 'most_similar("egyptt"' in b)
    line = next(ln for ln in block.splitlines() if 'most_similar("egyptt"' in ln)
    claimed = re.findall(r"\('(\w+)'", line.split("#", 1)[1])
    assert claimed, line
    code = block.split(line)[0] + line.split("#", 1)[0]  # run the example up to that line
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    printed = ast.literal_eval(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(claimed) <= {w for w, _ in printed}, (claimed, printed)


def test_more_threads_than_cores_warns(cli, tmp_path, topic_corpus):
    many = cpu_cores() + 3
    result = cli("train", "word2vec", topic_corpus, "-o", tmp_path / "v.npz", "--vector-size", "8", "--epochs", "1",
                 "--min-count", "1", "--threads", str(many))
    assert result.exit_code == 0, result.stderr
    assert f"--threads {many}: this machine has {cpu_cores()} CPU core(s)" in result.stderr
    result = cli("train", "word2vec", topic_corpus, "-o", tmp_path / "w.npz", "--vector-size", "8", "--epochs", "1",
                 "--min-count", "1", "--threads", "1")
    assert "CPU core" not in result.stderr
