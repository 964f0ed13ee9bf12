"""Fixtures for the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import write_topic_corpus
from typer.testing import CliRunner

from embedlab.cli.app import app


@pytest.fixture
def cli():
    """``cli(*args)`` runs ``embedlab ARGS`` in-process and returns click's Result."""
    runner = CliRunner()

    def invoke(*args: object):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def topic_corpus(tmp_path: Path) -> Path:
    return write_topic_corpus(tmp_path / "topics.txt")
