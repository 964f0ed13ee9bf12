"""The exceptions embedlab raises.

Every error derives from :class:`EmbedlabError`, so ``except EmbedlabError`` catches all of them;
each also derives from the built-in exception a Python user would expect (``ValueError``,
``KeyError``, ...). Messages are one line and name the parameter, file or line at fault and what
to do about it. The CLI prints ``error: <message>`` and exits with code 2 for any of them.

Tree::

    EmbedlabError
    ├── InvalidParameterError (ValueError)   a hyperparameter or option out of range / wrong type
    ├── DataError (ValueError)               input data unusable: empty corpus, empty vocabulary,
    │   │                                    one-class labels, disjoint vocabularies ...
    │   └── FormatError                      a file whose bytes or lines are malformed
    │                                        (binary, bad encoding, truncated, wrong dimension)
    ├── InputFileError (FileNotFoundError)   a path that is missing, unreadable or a directory
    │                                        without text files
    ├── VocabularyError (KeyError)           a word that is not in the vocabulary
    ├── NotFittedError (AttributeError)      a model used before ``fit``
    ├── TrainingError (RuntimeError)         training diverged (NaN/inf) or cannot continue
    ├── MissingDependencyError (ImportError) an optional extra is not installed
    ├── ServiceUnavailableError (ConnectionError) a server (e.g. Milvus) cannot be reached
    └── InsufficientMemoryError (MemoryError) the planner predicts that training will not fit
"""

from __future__ import annotations

__all__ = [
    "EmbedlabError",
    "InvalidParameterError",
    "DataError",
    "FormatError",
    "InputFileError",
    "VocabularyError",
    "NotFittedError",
    "TrainingError",
    "MissingDependencyError",
    "ServiceUnavailableError",
    "InsufficientMemoryError",
]


class EmbedlabError(Exception):
    """Base class of every error raised by embedlab."""


class InvalidParameterError(EmbedlabError, ValueError):
    """A hyperparameter or option has a wrong type or is out of range."""


class DataError(EmbedlabError, ValueError):
    """Input data cannot be used (empty corpus, vocabulary emptied by min_count, ...)."""


class FormatError(DataError):
    """A file is malformed: binary, wrongly encoded, truncated, inconsistent dimension."""


class InputFileError(EmbedlabError, FileNotFoundError):
    """A path is missing, unreadable, or a directory without usable files."""

    def __str__(self) -> str:  # FileNotFoundError would print the errno tuple otherwise
        return str(self.args[0]) if self.args else ""


class VocabularyError(EmbedlabError, KeyError):
    """A word (key) is not in the vocabulary."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotFittedError(EmbedlabError, AttributeError):
    """A model was used before ``fit`` was called."""


class TrainingError(EmbedlabError, RuntimeError):
    """Training cannot go on, e.g. the loss or the vectors became NaN or infinite."""


class MissingDependencyError(EmbedlabError, ImportError):
    """An optional dependency is missing; the message gives the ``pip install`` line."""


class ServiceUnavailableError(EmbedlabError, ConnectionError):
    """A server embedlab talks to (a Milvus URI, ...) did not answer after a bounded retry."""


def require(module: str, extra: str) -> object:
    """Import an optional module or raise :class:`MissingDependencyError` with an install hint."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{module} is needed for this feature; install it with: pip install 'embedlab[{extra}]'"
        ) from exc


class InsufficientMemoryError(EmbedlabError, MemoryError):
    """Training is predicted not to fit in the available memory; the message says what to change."""
