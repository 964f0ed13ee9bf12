"""Fixtures for the report tests: small real embeddings saved as files, a CLI runner."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluation"))
from downstream_helpers import POLARITY, glove, reduced  # noqa: E402

from embedlab.cli.app import app  # noqa: E402


@pytest.fixture(scope="session")
def small_vectors(tmp_path_factory) -> tuple[Path, Path]:
    """GloVe 50-d and its 10-d PCA reduction on 6,000 words, saved as .npz files."""
    folder = tmp_path_factory.mktemp("vectors")
    kv = glove(6000)
    a, b = folder / "glove50.npz", folder / "glove10.npz"
    kv.save(a)
    reduced(kv, 10).save(b)
    return a, b


@pytest.fixture
def polarity() -> Path:
    if POLARITY is None or not POLARITY.exists():
        pytest.skip("gensim's pang_lee_polarity.cor is not installed")
    return POLARITY


@pytest.fixture
def cli(monkeypatch):
    """``cli(*args)`` runs ``embedlab ARGS`` in-process; the embedlab logger's state is restored after."""
    log = logging.getLogger("embedlab")
    for attr in ("handlers", "level", "propagate"):
        value = getattr(log, attr)
        monkeypatch.setattr(log, attr, list(value) if attr == "handlers" else value)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
