"""Train-command options for refinement: ``--save-state``, ``--continue-from``, ``--freeze-existing``,
``--init-vectors`` (word2vec, fastText; the first three also for node2vec, deepwalk and item2vec).

``--continue-from STATE``: the structural hyperparameters (``models._state.STRUCTURAL``: vector
size, architecture, hierarchical softmax, n-gram range ...) come from the state; giving one of
them on the command line with another value is refused, naming the flag. Training options
(epochs, learning rate, window, sample, negatives, threads, seed, min count for new words) are
the new run's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import click
import numpy as np
import typer

from ..exceptions import FormatError, InputFileError, InvalidParameterError

__all__ = ["SaveState", "ContinueFrom", "FreezeExisting", "FreezeStateKeys", "InitVectors", "Refinement", "refinement"]

SaveState = Annotated[
    Path | None,
    typer.Option("--save-state", help="Also write the full training state (.npz) to continue from later."),
]
ContinueFrom = Annotated[
    Path | None,
    typer.Option("--continue-from", help="Continue a saved state on CORPUS (new words are added)."),
]
FreezeExisting = Annotated[
    bool,
    typer.Option("--freeze-existing", help="With --continue-from/--init-vectors: keep the old words' vectors fixed."),
]
FreezeStateKeys = Annotated[
    bool,
    typer.Option("--freeze-existing", help="With --continue-from: keep the vectors of the state's keys fixed."),
]
InitVectors = Annotated[
    str | None,
    typer.Option("--init-vectors", help="Start from pre-trained vectors: a vectors file or a name (glove-6b-50d)."),
]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _state_meta(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputFileError(f"--continue-from {path}: no such state file; write one with --save-state FILE")
    try:
        with np.load(path, allow_pickle=False) as data:
            return json.loads(bytes(data["meta"]).decode("utf-8"))
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise FormatError(f"--continue-from {path}: not an embedlab model state ({exc}); write one with --save-state") from None


def _current_context() -> Any:
    """The running command's context (typer >= 0.20 runs commands under its vendored click)."""
    try:
        from typer._click.globals import get_current_context as vendored  # type: ignore[import-not-found]
    except ImportError:
        vendored = None
    ctx = vendored(silent=True) if vendored is not None else None
    return ctx if ctx is not None else click.get_current_context(silent=True)


@dataclass
class Refinement:
    """The refinement options of one train command; ``train_and_save`` calls :meth:`fit` and :meth:`after`."""

    save_state: Path | None = None
    continue_from: Path | None = None
    freeze_existing: bool = False
    init_vectors: str | None = None
    kept: str = ""  # the structural options taken from the state, for the summary

    @property
    def replaces_fit(self) -> bool:
        return self.continue_from is not None or self.init_vectors is not None

    def check(self) -> None:
        """Before any corpus is read: conflicting options, missing files, the state-file folder."""
        if self.continue_from is not None and self.init_vectors is not None:
            raise InvalidParameterError("--continue-from and --init-vectors exclude each other; give one")
        if self.freeze_existing and not self.replaces_fit:
            raise InvalidParameterError("--freeze-existing needs --continue-from STATE or --init-vectors FILE")
        if self.save_state is not None:
            from ._common import check_output_path

            check_output_path(self.save_state)

    def fit(self, model: Any, data: Any) -> Any:
        if self.continue_from is not None:
            return model.continue_training(data, self.continue_from, freeze_existing=self.freeze_existing)
        from ..vectors.pretrained import resolve_vectors

        vectors = resolve_vectors(self.init_vectors)  # type: ignore[arg-type]
        return model.fit_from_vectors(data, vectors, freeze_existing=self.freeze_existing)

    def after(self, model: Any) -> None:
        if self.save_state is not None:
            model.save_state(self.save_state)

    def summary(self, model: Any) -> str | None:
        info = model.vectors_.metadata.get("continued_from") if self.replaces_fit else None
        if not info:
            return None
        frozen = ", old vectors frozen" if info.get("freeze_existing") else ""
        if "initialised_words" in info:
            return (f"started from {info['source'].split(': ', 1)[-1]}: {info['initialised_words']:,} words from the "
                    f"given vectors, {info['new_words']:,} initialised as usual{frozen}")
        kept = f" (kept from the state: {self.kept})" if self.kept else ""
        return f"continued from {info['source']}: {info['new_words']:,} new words{frozen}{kept}"


def refinement(method: str, options: dict[str, Any], *, save_state: Path | None, continue_from: Path | None,
               freeze_existing: bool, init_vectors: str | None) -> Refinement:
    """Check the options and, with ``--continue-from``, fill ``options`` (the command's hyperparameter
    values, changed in place) with the state's structural ones; with ``--init-vectors`` the vector
    size defaults to the file's dimension."""
    from ..models._state import STATE_KIND, STRUCTURAL

    ref = Refinement(save_state, continue_from, freeze_existing, init_vectors)
    ref.check()
    ctx = _current_context()

    def given(name: str) -> bool:
        if ctx is None:
            return True
        src = ctx.get_parameter_source(name)
        return src is not None and src.name not in ("DEFAULT", "DEFAULT_MAP")

    if continue_from is not None:
        meta = _state_meta(continue_from)
        if not isinstance(meta, dict) or meta.get("kind") != STATE_KIND:
            raise FormatError(f"--continue-from {continue_from}: not an embedlab model state; write one with --save-state")
        if meta.get("method") != method:
            raise FormatError(f"--continue-from {continue_from}: a {meta.get('method')} state, not {method}; use "
                              f"'embedlab train {meta.get('method')}'")
        params = meta.get("params", {})
        for name in STRUCTURAL.get(method, STRUCTURAL["word2vec"]):
            if name not in options or name not in params:
                continue
            value = options[name]
            value = value.value if hasattr(value, "value") else value
            if given(name) and value != params[name]:
                raise InvalidParameterError(
                    f"{_flag(name)} {value!r} differs from the state's {params[name]!r}; continued training keeps "
                    f"{', '.join(_flag(n) for n in STRUCTURAL.get(method, ()))} from the state (drop the option)"
                )
            options[name] = params[name]
        ref.kept = ", ".join(f"{_flag(n)} {options[n]}" for n in STRUCTURAL.get(method, ()) if n in options)
    if init_vectors is not None and "vector_size" in options and not given("vector_size"):
        from ..vectors.pretrained import resolve_vectors

        options["vector_size"] = resolve_vectors(init_vectors, limit=1).vector_size
    return ref
