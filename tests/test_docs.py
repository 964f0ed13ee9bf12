"""The documentation site builds, and the repository reads as a product, not as a diary.

* `mkdocs build --strict` (broken links, missing anchors, pages outside the navigation, docstrings
  the API reference cannot parse, a CLI reference that cannot be generated) runs here, because CI
  runs only the README's two commands; the code blocks of the pages are checked by
  tests/cli/test_cli_docs.py.
* No tracked text file names an absolute path of a particular machine or narrates how the project
  was built (work periods, sessions, "the issue").
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
                    reason="mkdocs is not installed: pip install 'embedlab[docs]'")
def test_mkdocs_build_strict(tmp_path):
    env_note = {"NO_MKDOCS_2_WARNING": "1"}
    import os

    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=600, env={**os.environ, **env_note},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    site = tmp_path / "site"
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    # the generated reference covers nested commands and their options
    for text in ("embedlab train word2vec", "embedlab index build", "embedlab datasets fetch", "--vector-size"):
        assert text in cli, text
    api = (site / "reference" / "api" / "models" / "index.html").read_text(encoding="utf-8")
    assert 'id="embedlab.models.word2vec.Word2Vec"' in api


def _tracked_text_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    files = []
    for name in out.decode().split("\0"):
        path = REPO / name
        if not name or not path.is_file() or "/vendor/" in name or name in ALLOWED_FILES:  # vendored code
            continue
        head = path.read_bytes()[:4096]
        if b"\0" in head or name.endswith((".gz", ".bz2", ".npz", ".npy", ".png", ".tsv")):
            continue
        files.append(path)
    return files


# An absolute path of a particular machine: /work/..., /home/..., /root/... (not ~/ or $HOME/).
MACHINE_PATH = re.compile(r"(?<![\w.~$}-])/(?:work|home|root)/")
# Narration of how the repository was built.
ORDINALS = ("first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
            "fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|\\d+(?:st|nd|rd|th)")
DIARY = re.compile(
    rf"\b(?:(?:{ORDINALS}|this|previous|last|next|earlier|later|same)[- ](?:session|work period)s?\b"
    r"|session[- ]\d+|work period|the issue\b|issue\s*#?\d+|issue's)",
    re.I,
)
# Files whose paths and phrases are examples, not a machine's paths or a narration: this test's
# own checks of the patterns below.
ALLOWED_FILES = {"tests/test_docs.py"}


def test_no_machine_paths():
    found = [f"{p.relative_to(REPO)}:{i}: {line.strip()[:120]}"
             for p in _tracked_text_files() for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if MACHINE_PATH.search(line)]
    assert not found, "absolute paths of a particular machine:\n" + "\n".join(found)


def test_no_diary():
    found = [f"{p.relative_to(REPO)}:{i}: {line.strip()[:120]}"
             for p in _tracked_text_files() for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if DIARY.search(line)]
    assert not found, "narration of how the project was built:\n" + "\n".join(found)


def test_the_patterns_catch_what_they_should():
    for bad in ("python x.py /work/corpus/corpus.txt", "--pecanpy-python /home/me/venv/bin/python",
                "see /root/data", "`/work/x`"):
        assert MACHINE_PATH.search(bad), bad
    for ok in ("~/.cache/embedlab", "$HOME/work/x", "-o /tmp/qs", "http://host/home/x", "src/work/x"):
        assert not MACHINE_PATH.search(ok), ok
    for bad in ("(thirteenth session, Intel Xeon host)", "the issue's target", "issue 39", "issue #12",
                "Earlier results (first session)", "work period 3", "session 7's figure"):
        assert DIARY.search(bad), bad
    for ok in ('@pytest.fixture(scope="session")', "sessionStorage.getItem", "baskets or sessions",
               "an interactive session has it", "a Python session that imported only the library"):
        assert not DIARY.search(ok), ok
