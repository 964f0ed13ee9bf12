"""Many workers on one study: --jobs processes on a journal file, two independent processes on
SQLite and on a real PostgreSQL server, and a Dask LocalCluster on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from embedlab.tuning import tune
from embedlab.tuning.storage import make_storage

FIXED = ["--set", "epochs=1", "--set", "vector_size=8", "--set", "min_count=2", "--set", "n_threads=1"]


def _space_file(tmp_path: Path) -> Path:
    path = tmp_path / "space.toml"
    path.write_text("[params.window]\nlow = 2\nhigh = 8\n[params.alpha]\nlow = 0.005\nhigh = 0.1\nlog = true\n")
    return path


def _tune_cmd(corpus: Path, tmp_path: Path, out: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "embedlab", "tune", "word2vec", str(corpus), "-o", str(tmp_path / out),
            "--space", str(_space_file(tmp_path)), *FIXED, *extra]


def _check_study(storage, name: str, n: int) -> None:
    study = optuna.load_study(study_name=name, storage=make_storage(storage))
    trials = study.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))
    assert sorted(t.number for t in trials) == list(range(n))
    assert all(t.user_attrs.get("epochs_trained") for t in trials)


def _two_processes(corpus: Path, tmp_path: Path, storage: str) -> None:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    procs = [
        subprocess.Popen(_tune_cmd(corpus, tmp_path, f"w{k}", "--trials", "1", "--study", "shared",
                                   "--storage", storage, "--seed", str(k), "--no-report"),
                         cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for k in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "study 'shared'" in out
    _check_study(storage, "shared", 2)


def test_jobs_run_worker_processes_on_a_journal_file(tmp_path, corpus):
    """3 trials on 2 workers: every requested trial runs (one worker takes the leftover one), and
    the workers' samplers are seeded apart (the same seed would propose the same parameters)."""
    run = subprocess.run(_tune_cmd(corpus, tmp_path, "out", "--trials", "3", "--jobs", "2", "--seed", "4",
                                   "--no-report"),
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "2 trial(s) in parallel, " in run.stderr and run.stderr.count("INFO: trial ") == 3
    _check_study(tmp_path / "out" / "tune.journal", "word2vec", 3)
    study = optuna.load_study(study_name="word2vec", storage=make_storage(tmp_path / "out" / "tune.journal"))
    proposed = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(proposed)) == 3 and not any(t.user_attrs.get("duplicate_of") for t in study.trials)


def test_two_processes_share_a_sqlite_study(tmp_path, corpus):
    _two_processes(corpus, tmp_path, f"sqlite:///{tmp_path / 'study.db'}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL cluster on 127.0.0.1 (Debian's postgresql package)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        pytest.skip("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin); apt-get install postgresql")
    bindir = bins[-1].parent
    root = Path(tempfile.mkdtemp(prefix="embedlab-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = root / "data"

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "-o",
            f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off", "start")
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "optuna")
        yield f"postgresql://postgres@127.0.0.1:{port}/optuna"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_two_processes_share_a_postgresql_study(tmp_path, corpus, postgres_url):
    _two_processes(corpus, tmp_path, postgres_url)


def test_dask_local_cluster(tmp_path, corpus, model, space):
    pytest.importorskip("distributed", reason="distributed is not installed: pip install 'embedlab[tune]'")
    model.set_params(epochs=2)
    res = tune(model, str(corpus), "similarity:wordsim353", space=space, n_trials=3, n_jobs=2,
               dask="local", outdir=tmp_path)
    states = [t.state for t in res.study.trials]
    assert len(states) == 3 and all(s in (TrialState.COMPLETE, TrialState.PRUNED) for s in states)
    assert res.best_vectors is not None and (tmp_path / "best_vectors.npz").is_file()
    for t in res.study.trials:
        assert t.user_attrs["epochs_trained"] >= 1 and t.intermediate_values
