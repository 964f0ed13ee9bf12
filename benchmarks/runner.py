"""Run a benchmark script and write its result file: the figures, the machine, the versions.

    python -m benchmarks list
    python -m benchmarks run NAME [--quick] [--corpus PATH] [--corpus1m PATH] [-- EXTRA SCRIPT ARGS]
    python -m benchmarks run all --quick
    python -m benchmarks page [--check]

A run starts ``python benchmarks/NAME.py ARGS --json TMP`` (the script prints as it always did and
writes its figures to TMP), then writes ``benchmarks/results/NAME.json``: those figures, the tables
the Benchmarks page shows (``benchmarks/registry.py``), the command, the date, the machine record
(processor model and vector extensions, cores, memory, load average before and after, the CPU time
other processes took during the run, and whether the machine was idle), and the versions of
python, numpy, numba, embedlab and each peer.

Data comes from arguments, ``embedlab datasets`` names or the environment: ``CORPUS`` (the ~11M-token
corpus) and ``CORPUS1M`` (its first 1M tokens), as ``--corpus`` / ``--corpus1m`` or environment
variables. Result files never hold a path: a corpus is recorded by its variable, file name, size
and SHA-256.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
SCHEMA = 1
# the vector extensions worth naming (the kernels' speed depends on them)
NOTABLE_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                 "avx512_bf16", "amx_tile", "asimd", "sve")
# idle: the 1-min load average before the run at most this share of the cores, and other
# processes busy on at most this share of the cores during it
IDLE_LOAD_PER_CORE = 0.25
IDLE_OTHERS_PER_CORE = 0.10


# ---------------------------------------------------------------------------- the machine record
def _cpuinfo() -> dict[str, str]:
    info: dict[str, str] = {}
    with contextlib.suppress(OSError):  # no /proc (not Linux): the record says less, nothing fails
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    return info


def _memory_gb() -> float | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return None  # unknown


def _loadavg() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def _busy_ticks() -> int | None:
    """All CPUs' busy time so far (``/proc/stat``, clock ticks): everything but idle and iowait."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    return sum(fields[:8]) - fields[3] - fields[4]


def processor() -> dict[str, Any]:
    """Processor model, notable flags, logical CPUs (and those this process may use), memory."""
    info = _cpuinfo()
    flags = set((info.get("flags") or info.get("Features") or "").split())
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "model": info.get("model name") or info.get("Model") or platform.processor() or "unknown",
        "flags": [f for f in NOTABLE_FLAGS if f in flags],
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "memory_gb": _memory_gb(),
        "os": platform.platform(terse=True),
    }


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "src"], cwd=REPO,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+modified" if dirty.stdout.strip() else "")


def versions(peers: tuple[str, ...] = ()) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """(python, numpy, numba, embedlab and its commit), (each peer distribution's version)."""
    own = {"python": platform.python_version(), "numpy": _version("numpy"), "numba": _version("numba"),
           "embedlab": _version("embedlab"), "embedlab_commit": _git_commit()}
    return own, {p: _version(p) for p in peers}


class MachineWatch:
    """Load average and other processes' CPU time around a run: ``start()``, run, ``stop()``."""

    def start(self) -> MachineWatch:
        self.load_before = _loadavg()
        self.busy0 = _busy_ticks()
        self.children0 = _children_cpu()
        self.t0 = time.monotonic()
        return self

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self.t0
        busy1, load_after = _busy_ticks(), _loadavg()
        ours = _children_cpu() - self.children0
        cores = os.cpu_count() or 1
        others = None
        if self.busy0 is not None and busy1 is not None and wall > 0:
            hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
            others = round(max(0.0, (busy1 - self.busy0) / hz - ours) / wall, 2)
        return idle_record(self.load_before, load_after, others, cores, wall)


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def idle_record(load_before: list[float] | None, load_after: list[float] | None, others_busy_cores: float | None,
                cores: int, wall_s: float) -> dict[str, Any]:
    """The load part of the machine record, and whether the machine was idle for the run."""
    idle = None
    if load_before is not None:
        idle = load_before[0] <= IDLE_LOAD_PER_CORE * cores
        if others_busy_cores is not None:
            idle = idle and others_busy_cores <= IDLE_OTHERS_PER_CORE * cores
    return {"load_before": load_before, "load_after": load_after, "others_busy_cores": others_busy_cores,
            "idle": idle,
            "idle_rule": f"1-min load average before <= {IDLE_LOAD_PER_CORE:g} x cores and other processes busy "
                         f"on <= {IDLE_OTHERS_PER_CORE:g} x cores during the run",
            "wall_s": round(wall_s, 1)}


# ---------------------------------------------------------------------------- data
DATA_VARIABLES = {"CORPUS": "the ~11M-token corpus (../shared/corpora/make_corpus.sh DIR writes corpus.txt)",
                  "CORPUS1M": "the first 1M tokens of CORPUS, corpus1m.txt from the same script"}


def describe_file(path: str | os.PathLike) -> dict[str, Any]:
    """A data file as a result file records it: name, size and SHA-256, never its path."""
    p = Path(path)
    digest = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"file": p.name, "bytes": p.stat().st_size, "sha256": digest.hexdigest()}


def resolve_data(needed: tuple[str, ...], given: Mapping[str, str | None]) -> dict[str, str]:
    """Each needed variable's path: the command-line option, else the environment variable."""
    out = {}
    for var in needed:
        value = given.get(var) or os.environ.get(var)
        if not value:
            raise LookupError(f"{var} is not set: pass --{var.lower()} PATH or set {var}=PATH ({DATA_VARIABLES[var]})")
        if not Path(value).is_file():
            raise LookupError(f"{var}={value}: no such file")
        out[var] = value
    return out


def _public_arg(arg: str, data: Mapping[str, str]) -> str:
    """An argument as a result file records it: a data path as its variable, other absolute paths by name."""
    for var, value in data.items():
        if arg == value:
            return f"${var}"
    if os.path.isabs(arg) and os.path.exists(arg):
        return Path(arg).name
    return arg


# ---------------------------------------------------------------------------- running
def _without_paths(value: Any) -> Any:
    """Figures as the script wrote them, less what names this machine: an absolute path becomes its
    file name, and the runner's own temporary ``json`` output argument is dropped."""
    if isinstance(value, dict):
        return {k: _without_paths(v) for k, v in value.items() if not (k == "json" and isinstance(v, str))}
    if isinstance(value, list):
        return [_without_paths(v) for v in value]
    if isinstance(value, str) and value.startswith("/") and os.sep in value[1:]:
        return os.path.basename(value)
    return value


def record(name: str, figures: dict, *, spec: Any, quick: bool, command: list[str], reproduce: str,
           data: dict[str, dict], machine: dict[str, Any], date: str | None = None) -> dict[str, Any]:
    """The result file's content: the figures, the tables made from them, and where they come from."""
    own, peers = versions(spec.peers)
    try:
        tables = spec.tables(figures)
        table_error = None
    except Exception as exc:  # noqa: BLE001 - the figures are kept; the page says the table is missing
        tables, table_error = [], f"{type(exc).__name__}: {exc}"
    out = {
        "schema": SCHEMA,
        "benchmark": name,
        "question": spec.question,
        "configuration": "quick" if quick else "full",
        "date": date or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(shlex.quote(c) if not c.startswith("$") else c for c in command),
        "reproduce": reproduce,
        "data": data,
        "peers": peers,
        "versions": own,
        "machine": machine,
        "tables": tables,
        "figures": _without_paths(figures),
    }
    if table_error:
        out["table_error"] = table_error
    return out


def write_result(rec: dict[str, Any], results_dir: Path = RESULTS) -> Path:
    """Write ``results_dir/NAME.json`` (sorted keys, two-space indent, a final newline)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{rec['benchmark']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rec, indent=2, sort_keys=True, allow_nan=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def run_function(name: str, spec: Any, fn: Callable[[], dict], *, quick: bool, command: list[str], reproduce: str,
                 data: dict[str, dict] | None = None, results_dir: Path = RESULTS) -> Path:
    """Run ``fn`` (which returns the figures) under the machine watch and write the result file."""
    machine = processor()
    watch = MachineWatch().start()
    figures = fn()
    machine.update(watch.stop())
    rec = record(name, figures, spec=spec, quick=quick, command=command, reproduce=reproduce, data=data or {},
                 machine=machine)
    return write_result(rec, results_dir)


def wait_for_idle(seconds: float) -> None:
    """Wait up to ``seconds`` for the 1-min load average to fall to the idle threshold."""
    cores = os.cpu_count() or 1
    end = time.monotonic() + seconds
    while seconds > 0 and time.monotonic() < end:
        load = _loadavg()
        if load is None or load[0] <= IDLE_LOAD_PER_CORE * cores:
            return
        time.sleep(5)


def run_benchmark(name: str, *, quick: bool, given: Mapping[str, str | None], extra: list[str],
                  results_dir: Path = RESULTS, wait_idle: float = 0.0) -> Path:
    from benchmarks.registry import BENCHMARKS

    spec = BENCHMARKS[name]
    if quick and not spec.quick_args:
        raise LookupError(f"{name} has no quick configuration")
    args = list(spec.quick_args if quick else spec.full_args) + list(extra)
    needed = tuple(v for v in DATA_VARIABLES if f"${v}" in args)
    paths = resolve_data(needed, given)
    data = {var: describe_file(p) for var, p in paths.items()}
    script = HERE / f"{name}.py"
    wait_for_idle(wait_idle)
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        out = Path(tmp) / "figures.json"
        real = [paths.get(a[1:], a) if a.startswith("$") else a for a in args]
        cmd = [sys.executable, str(script), *real, "--json", str(out)]

        def call() -> dict:
            print(f"$ python benchmarks/{name}.py {' '.join(args)}", flush=True)
            done = subprocess.run(cmd, cwd=REPO)
            if done.returncode != 0:
                raise RuntimeError(f"benchmarks/{name}.py exited with status {done.returncode}")
            return json.loads(out.read_text(encoding="utf-8"))

        public = [_public_arg(a, paths) if not a.startswith("$") else a for a in args]
        env = " ".join(f"{v}=FILE" for v in needed)
        reproduce = (f"{env} " if env else "") + f"python -m benchmarks run {name}" + (" --quick" if quick else "")
        if extra:
            reproduce += " -- " + " ".join(shlex.quote(_public_arg(a, paths)) for a in extra)
        return run_function(name, spec, call, quick=quick, command=["python", f"benchmarks/{name}.py", *public],
                            reproduce=reproduce, data=data, results_dir=results_dir)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        extra, argv = argv[argv.index("--") + 1:], argv[: argv.index("--")]
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the benchmarks, their questions and which have a quick configuration")
    run = sub.add_parser("run", help="run one benchmark (or all) and write benchmarks/results/NAME.json",
                         epilog="Arguments after -- go to the script itself (one benchmark only).")
    run.add_argument("name", help="a benchmark (see `list`) or `all`")
    run.add_argument("--quick", action="store_true", help="the quick configuration (about 1-3 minutes on 2 cores)")
    run.add_argument("--corpus", help="the ~11M-token corpus (default: $CORPUS)")
    run.add_argument("--corpus1m", help="its first 1M tokens (default: $CORPUS1M)")
    run.add_argument("--results", type=Path, default=RESULTS, help="where result files go (default benchmarks/results)")
    run.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                     help="before each benchmark, wait up to this long for the load average to fall")
    page = sub.add_parser("page", help="write docs/benchmarks.md from the result files")
    page.add_argument("--check", action="store_true", help="exit 1 if docs/benchmarks.md is not up to date")
    page.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    from benchmarks.registry import BENCHMARKS

    if args.command == "list":
        for name, spec in BENCHMARKS.items():
            quick = "quick: " + " ".join(spec.quick_args) if spec.quick_args else "no quick configuration"
            print(f"{name:24s} {spec.question} ({quick})")
        return 0
    if args.command == "page":
        from benchmarks.page import PAGE, render_page

        current = PAGE.read_text(encoding="utf-8")
        fresh = render_page(current, args.results)
        if args.check:
            if fresh != current:
                print(f"{PAGE.relative_to(REPO)} is not up to date: run python -m benchmarks page", file=sys.stderr)
                return 1
            return 0
        PAGE.write_text(fresh, encoding="utf-8")
        print(f"wrote {PAGE.relative_to(REPO)}")
        return 0
    given = {"CORPUS": args.corpus, "CORPUS1M": args.corpus1m}
    if args.name == "all":
        if extra:
            ap.error("arguments after -- go to one benchmark, not to all")
        names = [n for n, s in BENCHMARKS.items() if s.quick_args or not args.quick]
    elif args.name in BENCHMARKS:
        names = [args.name]
    else:
        ap.error(f"unknown benchmark {args.name!r}; choose from: all, {', '.join(BENCHMARKS)}")
    failed = []
    for name in names:
        try:
            path = run_benchmark(name, quick=args.quick, given=given, extra=extra, results_dir=args.results,
                                 wait_idle=args.wait_idle)
        except (LookupError, RuntimeError) as exc:
            print(f"{name}: {exc}", file=sys.stderr, flush=True)
            failed.append(name)
            continue
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        print(f"{name}: wrote {shown}", flush=True)
    if failed:
        print(f"not written: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
