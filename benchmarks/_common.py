"""Measuring helpers shared by the benchmark scripts (not part of the package or the tests).

Every benchmark trains each side in its own subprocess, so that peak RSS is that side's alone,
and the child prints its figures as one JSON line, the last line of its stdout.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

__all__ = ["peak_rss_mb", "children_peak_rss_mb", "proc_status_mb", "tokenize_to_file", "run_json_child",
           "python_cmd", "warm_up_file", "add_quick", "write_json"]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (``ru_maxrss``, KiB on Linux), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def warm_up_file() -> Path:
    """A tiny corpus in a new temporary folder: fit on it first, so that numba compiles (or loads
    from its cache) the kernels before the timed fit; that one-time cost is not training speed."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="warm-")) / "warm.txt"
    path.write_text("the quick brown fox jumps over the lazy dog\n" * 50, encoding="utf-8")
    return path


def children_peak_rss_mb() -> float:
    """Largest peak RSS among this process's finished children, in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def proc_status_mb(*keys: str) -> dict[str, float]:
    """``/proc/self/status`` memory lines (e.g. ``VmRSS``, ``VmHWM``, ``RssAnon``, ``RssFile``) in MB;
    NaN for each key where the file is missing (not Linux)."""
    values = dict.fromkeys(keys, float("nan"))
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                key = line.split(":")[0]
                if key in values:
                    values[key] = int(line.split()[1]) / 1024.0
    except OSError:
        return values
    return values


def tokenize_to_file(src: str | os.PathLike, dst: str | os.PathLike, *, skip_empty: bool = False) -> int:
    """Tokenize (and lowercase) ``src`` once with embedlab's tokenizer into a LineSentence file.

    One sentence per line, tokens joined by spaces, so every library reads identical tokens.
    Returns the number of tokens written.
    """
    from embedlab.corpus import Corpus  # here, not at import: a peer's worker must not load embedlab

    n = 0
    with open(dst, "w", encoding="utf-8") as fh:
        for tokens in Corpus(str(src)):
            if skip_empty and not tokens:
                continue
            fh.write(" ".join(tokens))
            fh.write("\n")
            n += len(tokens)
    return n


def run_json_child(cmd: list[str], *, threads: int | None = None, label: str = "worker") -> dict:
    """Run ``cmd`` (a Python child) and parse the JSON object on the last line of its stdout.

    ``threads`` sets ``NUMBA_NUM_THREADS`` for the child. A failing child ends the benchmark
    with the tail of its stderr.
    """
    env = dict(os.environ)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(max(threads, 1))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def python_cmd(script: str | os.PathLike, *args: str) -> list[str]:
    """``[python, script, *args]`` for a child run of a benchmark script."""
    return [sys.executable, str(Path(script).resolve()), *args]


def add_quick(parser, quick: dict, argv: list[str] | None = None) -> None:
    """Add ``--quick`` to ``parser``: with it the defaults become ``quick`` (a small slice, fewer
    repeats: about 1-3 minutes on 2 cores); options given explicitly still win."""
    shown = ", ".join(f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
                      for k, v in quick.items())
    parser.add_argument("--quick", action="store_true", help=f"the quick configuration ({shown})")
    if "--quick" in (sys.argv[1:] if argv is None else argv):
        parser.set_defaults(**quick)


def write_json(path: str | os.PathLike | None, figures: dict) -> None:
    """Write a benchmark's figures (``--json PATH``; what ``python -m benchmarks run`` reads)."""
    if path:
        Path(path).write_text(json.dumps(figures, indent=1, default=str) + "\n", encoding="utf-8")


def processor() -> str:
    """The CPU as ``lscpu`` names it, its vector extensions of note, cores and the load average."""
    info = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    except OSError:
        return "processor: unknown"
    flags = set(info.get("flags", "").split())
    simd = [f for f in ("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni") if f in flags]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"processor: {info.get('model name', 'unknown')}, {os.cpu_count()} logical CPUs, "
            f"{' '.join(simd) or 'no AVX'}; load average {load:.2f}")
