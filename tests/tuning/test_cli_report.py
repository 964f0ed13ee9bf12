"""``embedlab tune`` / ``tune-report``: a real run, the report's contents, and the bad-input table."""

from __future__ import annotations

import base64
import re

import optuna
import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.report.tuning_report import SECTIONS
from embedlab.tuning.storage import make_storage

FIXED = ["--set", "epochs=2", "--set", "vector_size=12", "--set", "min_count=2", "--set", "n_threads=1"]
SPACE = "[params.window]\nlow = 2\nhigh = 8\n[params.alpha]\nlow = 0.005\nhigh = 0.1\nlog = true\n"


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def space_file(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text(SPACE)
    return path


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, corpus):
    tmp = tmp_path_factory.mktemp("tuned")
    (tmp / "space.toml").write_text(SPACE)
    res = _invoke("tune", "word2vec", str(corpus), "-o", str(tmp / "out"), "--trials", "5",
                  "--space", str(tmp / "space.toml"), "--objective", "similarity:wordsim353", *FIXED)
    assert res.exit_code == 0, res.output
    return tmp / "out", res.output


def test_tune_command_writes_everything(tuned):
    out, text = tuned
    assert {p.name for p in out.iterdir()} >= {"tune.journal", "trials.csv", "best_vectors.npz", "best_params.json", "report.html"}
    assert re.search(r"best trial \d+: validation -?\d\.\d{4}, test -?\d\.\d{4}", text)
    assert text.count("\n") < 20


def test_report_has_all_sections_and_images(tuned):
    out, _ = tuned
    html = (out / "report.html").read_text(encoding="utf-8")
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    # importance + 2 slice plots + history
    assert len(images) == 4
    assert all(base64.b64decode(img)[:8] == b"\x89PNG\r\n\x1a\n" for img in images)
    assert "http://" not in html and "https://" not in html and "<script" not in html  # self-contained
    assert "wordsim353" in html and "validation items" in html and ">176<" in html and ">177<" in html
    study = optuna.load_study(study_name="word2vec", storage=make_storage(out / "tune.journal"))
    best = study.best_trial
    assert f"Best trial <b>{best.number}</b>" in html


def test_tune_report_rebuilds_from_storage(tuned, tmp_path):
    out, _ = tuned
    res = _invoke("tune-report", str(out / "tune.journal"), "--study", "word2vec", "-o", str(tmp_path / "r.html"))
    assert res.exit_code == 0, res.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert all(f"<h2>{t}</h2>" in html for t in SECTIONS)
    res = _invoke("tune-report", str(out / "tune.journal"), "--study", "nope", "-o", str(tmp_path / "r2.html"))
    assert res.exit_code == 2 and "error: no study 'nope' in" in res.output


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--objective", "similarity:nosuchset"], r"error: .*nosuchset"),
        (["--objective", "similarity:/no/such/file.tsv"], r"error: .*/no/such/file\.tsv"),
        (["--objective", "classify:x"], r"error: unknown evaluation kind 'classify'"),
        (["--trials", "0"], r"error: --trials must be >= 1; got 0"),
        (["--storage", "postgresql://x@127.0.0.1:1/db"], r"error: cannot reach storage postgresql://x@127\.0\.0\.1:1/db"),
        (["--set", "windw=3"], r"error: Word2Vec: unknown parameter 'windw'"),
        (["--pareto", "size"], r"error: unknown Pareto objective 'size'"),
        (["--sampler", "grid", "--space", "/no/space.toml"], r"error: /no/space\.toml: space file not found"),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path, corpus, space_file, args, match):
    res = _invoke("tune", "word2vec", str(corpus), "-o", str(tmp_path / "o"), "--space", str(space_file), *FIXED, *args)
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and re.match(match, lines[0]), res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("[params.windw]\nlow = 2\nhigh = 3\n", r"bad\.toml: \[params\.windw\]: unknown parameter"),
        ("[params.window]\nlow = 4\nhigh = 4\n", r"bad\.toml: \[params\.window\]: empty range"),
        ("[params.window]\nlow = 9\nhigh = 4\n", r"bad\.toml: \[params\.window\]: inverted range"),
        ("[params.window]\nlow = \"2\"\nhigh = 4\n", r"bad\.toml: \[params\.window\]: low must be a number"),
    ],
)
def test_bad_space_file_one_line_exit_2(tmp_path, corpus, body, match):
    bad = tmp_path / "bad.toml"
    bad.write_text(body)
    res = _invoke("tune", "word2vec", str(corpus), "-o", str(tmp_path / "o"), "--space", str(bad), *FIXED)
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    assert re.search(match, res.output), res.output


def test_existing_study_with_other_direction_exit_2(tmp_path, corpus, space_file):
    path = tmp_path / "j.journal"
    study = optuna.create_study(storage=make_storage(path), study_name="s", direction="minimize")
    study.add_trial(optuna.trial.create_trial(value=3.0))
    res = _invoke("tune", "word2vec", str(corpus), "-o", str(tmp_path / "o"), "--space", str(space_file),
                  "--storage", str(path), "--study", "s", *FIXED)
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    assert "exists with direction(s) minimize, not maximize" in res.output
    again = optuna.load_study(study_name="s", storage=make_storage(path))
    assert [t.value for t in again.trials] == [3.0]  # nothing deleted or overwritten


def test_missing_corpus_exit_2(tmp_path):
    res = _invoke("tune", "word2vec", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "o"), *FIXED)
    assert res.exit_code == 2 and "missing.txt" in res.output and len(res.output.strip().splitlines()) == 1


def test_resume_from_the_cli_keeps_trials_and_adds_new_ones(tuned, corpus):
    out, _ = tuned
    storage = make_storage(out / "tune.journal")
    before = [(t.number, t.state, t.values) for t in optuna.load_study(study_name="word2vec", storage=storage).trials]
    # --trials is the study's total: the same command continues, a larger number adds trials
    res = _invoke("tune", "word2vec", str(corpus), "-o", str(out), "--trials", str(len(before) + 1), "--space",
                  str(out.parent / "space.toml"), "--objective", "similarity:wordsim353", *FIXED)
    assert res.exit_code == 0, res.output
    after = [(t.number, t.state, t.values) for t in optuna.load_study(study_name="word2vec", storage=make_storage(out / "tune.journal")).trials]
    assert after[: len(before)] == before and len(after) == len(before) + 1
