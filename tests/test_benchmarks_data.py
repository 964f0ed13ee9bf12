"""The benchmarks as data (benchmarks/runner.py, benchmarks/page.py): the result file a run writes
(machine record, versions, command, no machine paths), the Benchmarks page generated from result
files, and docs/benchmarks.md being what the generator makes of benchmarks/results/.

Nothing here runs a real benchmark: the runner is exercised on a tiny function of its own.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import page, runner  # noqa: E402
from benchmarks.registry import BENCHMARKS, Benchmark, table  # noqa: E402

MACHINE_PATH = re.compile(r"(?<![\w.~$}-])/(?:work|home|root|tmp)/")


def _fake_spec(tables=None) -> Benchmark:
    def make(fig):
        return [table("fake, one run", ["", "embedlab", "peer", "ratio"],
                      [["words/s", f"{fig['ours']:,}", f"{fig['theirs']:,}", f"{fig['ours'] / fig['theirs']:.2f}x"]])]

    return Benchmark("A fake question", ("numpy", "no-such-distribution"), ("$CORPUS1M",), ("$CORPUS1M", "--quick"),
                     tables or make)


def test_run_function_writes_the_figures_with_the_machine_record(tmp_path):
    corpus = tmp_path / "corpus1m.txt"
    corpus.write_text("the quick brown fox\n" * 10, encoding="utf-8")
    data = {"CORPUS1M": runner.describe_file(corpus)}
    calls = []

    def fake():
        calls.append(1)
        return {"ours": 3000, "theirs": 1000}

    path = runner.run_function("fake_bench", _fake_spec(), fake, quick=True,
                               command=["python", "benchmarks/fake_bench.py", "$CORPUS1M", "--quick"],
                               reproduce="CORPUS1M=FILE python -m benchmarks run fake_bench --quick", data=data,
                               results_dir=tmp_path / "results")
    assert calls == [1]
    assert path == tmp_path / "results" / "fake_bench.json"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and not MACHINE_PATH.search(text), "a result file names no path of this machine"
    rec = json.loads(text)
    assert rec["schema"] == runner.SCHEMA
    assert rec["benchmark"] == "fake_bench" and rec["question"] == "A fake question"
    assert rec["configuration"] == "quick"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rec["date"])
    assert rec["command"] == "python benchmarks/fake_bench.py $CORPUS1M --quick"
    assert rec["figures"] == {"ours": 3000, "theirs": 1000}
    assert rec["tables"][0]["rows"] == [["words/s", "3,000", "1,000", "3.00x"]]
    import hashlib

    assert rec["data"] == {"CORPUS1M": {"file": "corpus1m.txt", "bytes": 200,
                                        "sha256": hashlib.sha256(corpus.read_bytes()).hexdigest()}}
    import numpy

    assert rec["peers"] == {"numpy": numpy.__version__, "no-such-distribution": None}
    v = rec["versions"]
    assert v["python"] == ".".join(map(str, sys.version_info[:3]))
    assert v["numpy"] == numpy.__version__ and v["numba"] and v["embedlab"]
    m = rec["machine"]
    assert m["model"] and isinstance(m["flags"], list) and set(m["flags"]) <= set(runner.NOTABLE_FLAGS)
    assert m["logical_cpus"] >= 1 and m["usable_cpus"] >= 1
    assert m["memory_gb"] is None or m["memory_gb"] > 0
    assert len(m["load_before"]) == 3 and len(m["load_after"]) == 3
    assert m["idle"] in (True, False) and "load average" in m["idle_rule"]
    assert m["others_busy_cores"] is None or m["others_busy_cores"] >= 0
    assert m["wall_s"] >= 0


def test_a_table_that_cannot_be_made_keeps_the_figures(tmp_path):
    def broken(fig):
        return fig["missing"]

    path = runner.run_function("broken", _fake_spec(broken), lambda: {"x": 1}, quick=False, command=["python", "x.py"],
                               reproduce="python -m benchmarks run broken", results_dir=tmp_path)
    rec = json.loads(path.read_text(encoding="utf-8"))
    assert rec["figures"] == {"x": 1} and rec["tables"] == [] and rec["configuration"] == "full"
    assert rec["table_error"] == "KeyError: 'missing'"


def test_idle_rule():
    quiet = runner.idle_record([0.1, 0.2, 0.3], [1.9, 0.8, 0.4], 0.05, cores=2, wall_s=60)
    assert quiet["idle"] is True
    assert runner.idle_record([1.5, 1.0, 1.0], [2.0, 1.5, 1.0], 0.0, cores=2, wall_s=60)["idle"] is False
    # a quiet start, then another process busy on a core through the run
    assert runner.idle_record([0.1, 0.1, 0.1], [2.5, 1.0, 0.5], 1.0, cores=2, wall_s=60)["idle"] is False
    assert runner.idle_record(None, None, None, cores=2, wall_s=1)["idle"] is None


def test_data_comes_from_options_or_the_environment(tmp_path, monkeypatch):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n", encoding="utf-8")
    monkeypatch.delenv("CORPUS1M", raising=False)
    with pytest.raises(LookupError, match=r"CORPUS1M is not set: pass --corpus1m PATH or set CORPUS1M=PATH"):
        runner.resolve_data(("CORPUS1M",), {})
    assert runner.resolve_data(("CORPUS1M",), {"CORPUS1M": str(corpus)}) == {"CORPUS1M": str(corpus)}
    monkeypatch.setenv("CORPUS1M", str(corpus))
    assert runner.resolve_data(("CORPUS1M",), {"CORPUS1M": None}) == {"CORPUS1M": str(corpus)}
    with pytest.raises(LookupError, match="no such file"):
        runner.resolve_data(("CORPUS1M",), {"CORPUS1M": str(tmp_path / "absent.txt")})
    # a command as a result file records it: the corpus by its variable, other paths by name
    paths = {"CORPUS1M": str(corpus)}
    assert runner._public_arg(str(corpus), paths) == "$CORPUS1M"
    assert runner._public_arg(str(tmp_path), paths) == tmp_path.name
    assert runner._public_arg("--quick", paths) == "--quick"


def test_the_command_line(capsys):
    assert runner.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in BENCHMARKS:
        assert name in out
    with pytest.raises(SystemExit):
        runner.main(["run", "no_such_benchmark"])
    assert "unknown benchmark 'no_such_benchmark'" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_every_registered_script_has_a_quick_configuration_and_writes_json(name):
    spec = BENCHMARKS[name]
    assert spec.quick_args is not None and "--quick" in spec.quick_args
    help_text = subprocess.run([sys.executable, str(REPO / "benchmarks" / f"{name}.py"), "--help"],
                               capture_output=True, text=True, timeout=120, cwd=REPO).stdout
    assert "--quick" in help_text and "--json" in help_text


# ---------------------------------------------------------------------------- the page
def _record(name: str, question: str, *, idle: bool, date: str, rows: list[list[str]]) -> dict:
    return {
        "schema": 1, "benchmark": name, "question": question, "configuration": "quick", "date": date,
        "command": f"python benchmarks/{name}.py $CORPUS1M --quick",
        "reproduce": f"CORPUS1M=FILE python -m benchmarks run {name} --quick",
        "data": {"CORPUS1M": {"file": "corpus1m.txt", "bytes": 5_900_000, "sha256": "ab" * 32}},
        "peers": {"gensim": "4.4.0"},
        "versions": {"python": "3.11.9", "numpy": "2.4.6", "numba": "0.68.1", "embedlab": "0.9.0",
                     "embedlab_commit": "0123456789ab"},
        "machine": {"model": "AMD EPYC 9R14", "flags": ["avx2", "fma", "avx512f"], "logical_cpus": 2,
                    "usable_cpus": 2, "memory_gb": 7.6, "os": "Linux", "load_before": [0.05, 0.2, 0.3],
                    "load_after": [1.8, 0.9, 0.5], "others_busy_cores": 0.02, "idle": idle, "idle_rule": "...",
                    "wall_s": 95.3},
        "tables": [{"title": "1,000,000 tokens", "columns": ["", "embedlab", "gensim", "ratio"], "rows": rows,
                    "notes": ["a | note"]}],
        "figures": {},
    }


TEMPLATE = f"# Benchmarks\n\nIntro.\n\n{page.START}\nstale text\n{page.END}\n\n## Earlier runs\n\nOld figures.\n"


def test_page_from_hand_made_result_files(tmp_path):
    (tmp_path / "zz_other.json").write_text(json.dumps(_record(
        "zz_other", "Something else", idle=False, date="2026-12-09T10:00:00Z", rows=[["x", "1", "2", "0.50x"]])))
    (tmp_path / "word2vec_vs_gensim.json").write_text(json.dumps(_record(
        "word2vec_vs_gensim", "Word vectors: word2vec vs gensim", idle=True, date="2026-12-08T09:30:00Z",
        rows=[["skipgram raw words/s", "1,200,000", "400,000", "3.00x"]])))
    (tmp_path / "README.md").write_text("not a result")
    text = page.render_page(TEMPLATE, tmp_path)
    assert text.startswith("# Benchmarks\n\nIntro.\n\n" + page.START + "\n## Current results\n")
    assert text.endswith(page.END + "\n\n## Earlier runs\n\nOld figures.\n")
    assert "stale text" not in text
    # the registry's order first, then the others
    assert text.index("### Word vectors: word2vec vs gensim") < text.index("### Something else")
    assert "`word2vec_vs_gensim`, quick configuration, 2026-12-08 09:30 UTC, 95 s." in text
    assert ("AMD EPYC 9R14, 2 logical CPUs (avx2 fma avx512f), 7.6 GB; idle (load average 0.05 before, 1.80 after, "
            "other processes busy on 0.02 cores during the run)") in text
    assert "; **not idle** (" in text
    assert ("Versions: python 3.11.9, numpy 2.4.6, numba 0.68.1, embedlab 0.9.0 (commit 0123456789ab); "
            "peers: gensim 4.4.0. Data: `CORPUS1M` = corpus1m.txt (5.9 MB, SHA-256 abababababab).") in text
    assert "```bash\nCORPUS1M=FILE python -m benchmarks run word2vec_vs_gensim --quick\n```" in text
    assert "|  | embedlab | gensim | ratio |\n| --- | ---: | ---: | ---: |\n| skipgram raw words/s | 1,200,000 | 400,000 | 3.00x |" in text
    assert "* a \\| note" in text
    assert "No result file yet for: `fasttext_vs_fasttext`" in text
    # generating again from the generated page changes nothing
    assert page.render_page(text, tmp_path) == text


def test_page_without_result_files_and_without_markers(tmp_path):
    text = page.render_page(TEMPLATE, tmp_path)
    assert "No result files yet" in text and "[earlier runs](#earlier-runs)" in text
    with pytest.raises(ValueError, match="markers"):
        page.render_page("# Benchmarks\n", tmp_path)


def test_docs_benchmarks_page_is_up_to_date_with_the_result_files():
    current = page.PAGE.read_text(encoding="utf-8")
    assert page.render_page(current, page.RESULTS) == current, "run: python -m benchmarks page"
    results = sorted(page.RESULTS.glob("*.json"))
    for path in results:  # every result file has a section, and names no path of a machine
        rec = json.loads(path.read_text(encoding="utf-8"))
        assert f"`{rec['benchmark']}`, " in current
        assert not MACHINE_PATH.search(path.read_text(encoding="utf-8")), path.name
