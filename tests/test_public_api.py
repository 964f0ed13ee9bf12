"""The public surface: every name in ``embedlab.__all__`` resolves; importing is light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import embedlab
from embedlab import exceptions

HEAVY = ("numba", "optuna", "sklearn")


@pytest.mark.parametrize("name", embedlab.__all__)
def test_all_names_resolve(name):
    assert getattr(embedlab, name) is not None


def test_dir_lists_all():
    assert set(embedlab.__all__) <= set(dir(embedlab))


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        embedlab.nope  # noqa: B018


def test_exception_tree():
    for name in exceptions.__all__:
        assert issubclass(getattr(exceptions, name), exceptions.EmbedlabError)
    assert issubclass(exceptions.InvalidParameterError, ValueError)
    assert issubclass(exceptions.FormatError, exceptions.DataError)
    assert issubclass(exceptions.VocabularyError, KeyError)
    assert issubclass(exceptions.InputFileError, FileNotFoundError)


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.split()


def test_import_embedlab_is_light():
    assert _loaded_after("import embedlab") == []


def test_cli_import_is_light():
    """`embedlab --help` must not compile numba kernels or import optional extras."""
    assert _loaded_after("import embedlab.cli.app") == []
