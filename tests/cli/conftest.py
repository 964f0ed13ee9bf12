"""Fixtures for the CLI tests."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cli_helpers import write_topic_corpus
from typer.testing import CliRunner

from embedlab.cli.app import app


@pytest.fixture
def cli():
    """``cli(*args)`` runs ``embedlab ARGS`` in-process and returns click's Result.

    The CLI configures the "embedlab" logger; it is restored afterwards so that other tests'
    log captures see the library's records as usual.
    """
    runner = CliRunner()
    log = logging.getLogger("embedlab")
    saved = (log.level, list(log.handlers), log.propagate)

    def invoke(*args: object):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    yield invoke
    log.setLevel(saved[0])
    log.handlers[:] = saved[1]
    log.propagate = saved[2]


@pytest.fixture
def topic_corpus(tmp_path: Path) -> Path:
    return write_topic_corpus(tmp_path / "topics.txt")
