"""Where studies live: an Optuna journal file (default), any RDB URL, or memory.

* ``None`` with an output folder: the journal file ``OUTDIR/tune.journal`` (close to in-memory
  speed with several processes, survives crashes; resumable with the same study name);
* ``"sqlite:///path.db"``, ``"postgresql://user@host/db"``, ``"mysql://..."``: Optuna's RDB storage
  (PostgreSQL lets workers on many machines share one study);
* any other string or path: a journal file at that path.

Opening a study never deletes or overwrites anything: an existing study is loaded as is, and one
created for other directions or another objective is refused with a one-line error.
"""

from __future__ import annotations

import os
import time
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import InputFileError, InvalidParameterError

if TYPE_CHECKING:
    import optuna

__all__ = ["JOURNAL_NAME", "describe_storage", "make_storage", "open_study", "load_existing_study"]

JOURNAL_NAME = "tune.journal"
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def describe_storage(storage: Any) -> str:
    """A printable storage name with any password masked."""
    if storage is None:
        return "memory"
    text = str(storage)
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", text)


def make_storage(storage: Any = None, outdir: str | os.PathLike[str] | None = None) -> Any:
    """Resolve ``storage`` (URL, journal path, Optuna storage object or None) to an Optuna storage.

    Returns ``None`` (Optuna's in-memory storage) when both ``storage`` and ``outdir`` are None.
    Unreachable databases and missing folders raise a one-line error.
    """
    import optuna

    if storage is None:
        if outdir is None:
            return None
        return _journal(Path(outdir) / JOURNAL_NAME)
    if isinstance(storage, optuna.storages.BaseStorage):
        return storage
    text = str(storage)
    if _URL.match(text):
        return _rdb(text)
    return _journal(Path(text))


def _journal(path: Path) -> Any:
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    if path.is_dir():
        raise InputFileError(f"{path}: storage path is a folder; give a journal file path such as {path / JOURNAL_NAME}")
    if not path.parent.is_dir():
        raise InputFileError(f"{path}: storage folder {path.parent} does not exist; create it first")
    try:
        # The open-lock works on every file system (the default symlink lock does not on some).
        return JournalStorage(JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path))))
    except (OSError, ValueError) as exc:
        raise InputFileError(f"{path}: cannot open journal storage: {_first_line(exc)}") from None


def _rdb(url: str) -> Any:
    from optuna.storages import RDBStorage

    engine: dict[str, Any] = {}
    label = url
    url = _postgres_driver(url)
    if url.startswith("sqlite"):
        # several worker processes share one file: wait for the lock instead of failing at once
        engine = {"connect_args": {"timeout": 60}}
    elif url.startswith("postgresql"):
        engine = {"connect_args": {"connect_timeout": 10}, "pool_pre_ping": True}
    try:
        attempt = 0
        while True:
            try:
                return RDBStorage(url, engine_kwargs=engine)
            except Exception as exc:  # workers starting together race to create the tables
                text = str(exc)
                racing = "UNIQUE constraint" in text or "already exists" in text or "duplicate key" in text
                if not racing or attempt == 7:
                    raise
                attempt += 1
                time.sleep(0.25 * attempt)
    except ImportError as exc:
        raise InvalidParameterError(
            f"storage {describe_storage(label)}: database driver missing ({_first_line(exc)}); install its Python driver (psycopg2-binary for PostgreSQL, pymysql for MySQL)"
        ) from None
    except Exception as exc:  # sqlalchemy errors: connection refused, bad URL, unknown dialect
        raise InvalidParameterError(
            f"cannot reach storage {describe_storage(label)}: {_first_line(exc)}; check the URL and that the server runs"
        ) from None


def _postgres_driver(url: str) -> str:
    """``postgresql://`` with the installed driver (SQLAlchemy 2.1 defaults to psycopg 3)."""
    import importlib.util

    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            rest = url[len(prefix):]
            if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2") is not None:
                return "postgresql+psycopg2://" + rest
            return "postgresql://" + rest
    return url


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("(Background"):
            return re.sub(r"^\([\w.]+\)\s*", "", line)
    return type(exc).__name__


def load_existing_study(storage: Any, study_name: str) -> optuna.Study | None:
    """The study ``study_name`` in ``storage`` or None when it does not exist."""
    import optuna

    if storage is None:
        return None
    names = {s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)}
    if study_name not in names:
        return None
    return optuna.load_study(study_name=study_name, storage=storage)


# Parameters that change how fast a trial runs, or only its seed (workers of one study draw their own):
# free to differ on resume.
_FREE_ON_RESUME = frozenset({"n_threads", "show_progress", "callbacks", "checkpoint_path", "checkpoint_every",
                             "random_state"})


def _resume_differences(stored: Mapping[str, Any], attrs: Mapping[str, Any]) -> list[str]:
    """What a resumed study's search space and fixed parameters change, one phrase each."""
    out = []
    if "space" in stored and "space" in attrs and stored["space"] != attrs["space"]:
        old, new = stored["space"], attrs["space"]
        names = sorted(set(old) | set(new))
        parts = [f"{k} {old.get(k, 'absent')} (now {new.get(k, 'absent')})" for k in names if old.get(k) != new.get(k)]
        out.append("search space: " + ", ".join(parts))
    if "fixed_params" in stored and "fixed_params" in attrs:
        old, new = stored["fixed_params"], attrs["fixed_params"]
        parts = [f"{k}={old.get(k, 'unset')!r} (now {new.get(k, 'unset')!r})" for k in sorted(set(old) | set(new))
                 if k not in _FREE_ON_RESUME and old.get(k) != new.get(k)]
        if parts:
            out.append("fixed parameters: " + ", ".join(parts))
    return out


def open_study(
    storage: Any,
    study_name: str | None,
    directions: Sequence[str],
    sampler: Any,
    pruner: Any,
    attrs: Mapping[str, Any] | None = None,
    storage_label: str = "",
) -> optuna.Study:
    """Create the study or resume the existing one of that name, refusing mismatches.

    ``attrs`` (estimator, objective, space) are stored on a new study; an existing study must
    have been created with the same ``estimator`` and ``objective`` attributes.
    """
    import optuna

    label = storage_label or describe_storage(storage)
    if study_name is not None and storage is not None:
        existing = load_existing_study(storage, study_name)
        if existing is not None:
            have = [d.name.lower() for d in existing.directions]
            want = [d.lower() for d in directions]
            if have != want:
                raise InvalidParameterError(
                    f"study '{study_name}' in {label} exists with direction(s) {', '.join(have)}, not "
                    f"{', '.join(want)}; choose another --study name (nothing was changed)"
                )
            stored = existing.user_attrs
            for key in ("estimator", "objective"):
                if attrs and key in stored and key in attrs and stored[key] != attrs[key]:
                    raise InvalidParameterError(
                        f"study '{study_name}' in {label} was created for {key} {stored[key]!r}, not "
                        f"{attrs[key]!r}; choose another --study name (nothing was changed)"
                    )
            differs = _resume_differences(stored, attrs or {})
            if differs:
                raise InvalidParameterError(
                    f"study '{study_name}' in {label} was created with another {'; '.join(differs)}: its trials "
                    "would not be comparable; choose another --study name or output folder (nothing was changed)"
                )
            return optuna.load_study(study_name=study_name, storage=storage, sampler=sampler, pruner=pruner)
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        directions=list(directions),
        sampler=sampler,
        pruner=pruner,
        load_if_exists=True,  # another worker may have created it a moment ago
    )
    if attrs:
        current = study.user_attrs
        for key, value in attrs.items():
            if key not in current:
                study.set_user_attr(key, value)
    return study
