"""The documentation site builds.

* `mkdocs build --strict` (broken links, missing anchors, pages outside the navigation, docstrings
  the API reference cannot parse, a CLI reference that cannot be generated) runs here, because CI
  runs only the README's two commands; the code blocks of the pages are checked by
  tests/cli/test_cli_docs.py.
"""

from __future__ import annotations

import importlib.util
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
