"""`embedlab datasets list|path|fetch` through the CLI (the fetch mechanics: tests/corpus/test_datasets.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import assert_cli_error

from embedlab.corpus import datasets as d


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("EMBEDLAB_DATA", raising=False)
    monkeypatch.setenv("EMBEDLAB_DATA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_cli_list_path_and_errors(cli, home, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("datasets", "list")
    assert result.exit_code == 0, result.output
    for name in ("sst2", "stsb", "cranfield", "cora", "movielens-100k", "glove-6b-50d", "groceries"):
        assert name in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "GroupLens" in result.stdout and "no" in result.stdout  # present column and licences shown
    result = cli("datasets", "path", "wordsim353")
    assert result.exit_code == 0 and Path(result.stdout.strip()).is_file()
    assert_cli_error(cli("datasets", "path", "cora"), r"embedlab datasets fetch cora")
    assert_cli_error(cli("datasets", "fetch", "sst2", "nope"), r"unknown data set 'nope'")
    rows = json.loads(cli("datasets", "list", "--json").stdout)
    assert {r["name"] for r in rows} == set(d.names())
