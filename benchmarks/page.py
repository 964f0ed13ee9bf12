"""The Benchmarks page (``docs/benchmarks.md``) from the result files in ``benchmarks/results/``.

The page holds two markers; ``python -m benchmarks page`` rewrites what lies between them (one
section per question: its machine, date, versions, the command that reproduces it and its tables)
and leaves the rest of the page as it is. ``python -m benchmarks page --check`` (and
tests/test_benchmarks_data.py) says whether the page is up to date with the result files; the
documentation build (scripts/mkdocs_hooks.py) renders the same text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE = HERE.parent / "docs" / "benchmarks.md"
RESULTS = HERE / "results"
START = "<!-- benchmarks:generated:start (python -m benchmarks page writes this part; do not edit) -->"
END = "<!-- benchmarks:generated:end -->"


def load_results(results_dir: Path = RESULTS) -> list[dict[str, Any]]:
    """Every ``*.json`` result file, in the registry's order, then the others by name."""
    from benchmarks.registry import BENCHMARKS

    order = {name: i for i, name in enumerate(BENCHMARKS)}
    records = []
    for path in sorted(Path(results_dir).glob("*.json")):
        rec = json.loads(path.read_text(encoding="utf-8"))
        rec.setdefault("benchmark", path.stem)
        records.append(rec)
    return sorted(records, key=lambda r: (order.get(r["benchmark"], len(order)), r["benchmark"]))


def _cell(value: Any) -> str:
    return " ".join(str(value).replace("|", "\\|").split())


def _table(t: dict[str, Any]) -> list[str]:
    cols = t["columns"]
    lines = [f"*{t['title']}*", ""] if t.get("title") else []
    align = ["---"] + ["---:" if any(_numeric(row[i]) for row in t["rows"] if i < len(row)) else "---"
                       for i in range(1, len(cols))]
    lines += ["| " + " | ".join(_cell(c) for c in cols) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t["rows"]]
    lines.append("")
    for note in t.get("notes") or []:
        lines.append(f"* {_cell(note)}")
    if t.get("notes"):
        lines.append("")
    return lines


def _numeric(cell: Any) -> bool:
    text = str(cell).replace(",", "").replace("%", "").replace("x", "").replace("pt", "").strip()
    try:
        float(text)
    except ValueError:
        return False
    return True


def machine_line(rec: dict[str, Any]) -> str:
    """Processor, cores, memory, load and whether the machine was idle, in one sentence."""
    m = rec.get("machine", {})
    flags = " ".join(m.get("flags") or []) or "no AVX"
    parts = [f"{m.get('model', 'unknown processor')}, {m.get('logical_cpus')} logical CPUs ({flags})"]
    if m.get("memory_gb") is not None:
        parts.append(f"{m['memory_gb']:g} GB")
    before, after = m.get("load_before"), m.get("load_after")
    load = []
    if before:
        load.append(f"load average {before[0]:.2f} before")
    if after:
        load.append(f"{after[0]:.2f} after")
    if m.get("others_busy_cores") is not None:
        load.append(f"other processes busy on {m['others_busy_cores']:.2f} cores during the run")
    state = {True: "idle", False: "**not idle**", None: "idle unknown"}[m.get("idle")]
    return ", ".join(parts) + f"; {state} ({', '.join(load)})" if load else ", ".join(parts) + f"; {state}"


def _date(rec: dict[str, Any]) -> str:
    d = str(rec.get("date", ""))
    return d.replace("T", " ")[:16] + " UTC" if "T" in d else d


def section(rec: dict[str, Any]) -> str:
    """One question's section: where its figures come from, the command, the tables."""
    v = rec.get("versions", {})
    own = ", ".join(f"{k} {v[k]}" for k in ("python", "numpy", "numba", "embedlab") if v.get(k))
    if v.get("embedlab_commit"):
        own += f" (commit {v['embedlab_commit']})"
    peers = ", ".join(f"{p} {ver or 'not installed'}" for p, ver in (rec.get("peers") or {}).items())
    data = "; ".join(f"`{var}` = {d['file']} ({d['bytes'] / 1e6:.1f} MB, SHA-256 {d['sha256'][:12]})"
                     for var, d in (rec.get("data") or {}).items())
    lines = [f"### {rec.get('question', rec['benchmark'])}", "",
             f"`{rec['benchmark']}`, {rec.get('configuration', 'full')} configuration, {_date(rec)}, "
             f"{rec.get('machine', {}).get('wall_s', 0):.0f} s. {machine_line(rec)}.", "",
             f"Versions: {own}" + (f"; peers: {peers}" if peers else "") + "." + (f" Data: {data}." if data else ""), "",
             "```bash", rec["reproduce"], "```", "",
             f"The script's own command: `{rec['command']}`.", ""]
    if rec.get("table_error"):
        lines += [f"The tables could not be made from the figures ({_cell(rec['table_error'])}); the figures are "
                  f"in `benchmarks/results/{rec['benchmark']}.json`.", ""]
    for t in rec.get("tables") or []:
        lines += _table(t)
    return "\n".join(lines).rstrip("\n")


def generated(results_dir: Path = RESULTS) -> str:
    """The text between the page's markers."""
    from benchmarks.registry import BENCHMARKS

    records = load_results(results_dir)
    lines = ["## Current results", "",
             "One section per question, generated from the result files in `benchmarks/results/` (written by "
             "`python -m benchmarks run NAME`; their history is the history of those files in git). Each section "
             "names its machine, its date and the command that reproduces it.", ""]
    if not records:
        lines += ["No result files yet: `CORPUS1M=FILE python -m benchmarks run all --quick` writes them, then "
                  "`python -m benchmarks page` writes this part of the page. Until then the figures are those of "
                  "the [earlier runs](#earlier-runs).", ""]
    for rec in records:
        lines += [section(rec), ""]
    missing = [n for n in BENCHMARKS if n not in {r["benchmark"] for r in records}]
    if records and missing:
        lines += ["No result file yet for: " + ", ".join(f"`{n}`" for n in missing) + ".", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_page(page_text: str, results_dir: Path = RESULTS) -> str:
    """``page_text`` with the part between the markers generated afresh from ``results_dir``."""
    if START not in page_text or END not in page_text:
        raise ValueError(f"{PAGE.name}: the markers {START!r} and {END!r} are missing")
    head, rest = page_text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated(results_dir)}{END}{tail}"
