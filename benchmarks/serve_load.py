"""Load test of `embedlab serve` on loopback: concurrent clients against /neighbors.

Usage::

    python benchmarks/serve_load.py [--keys 100000] [--dim 100] [--clients 200] [--seconds 30]
                                    [--index exact|hnsw] [--max-requests 2000000]
                                    [--client auto|wrk|python] [--workers N] [--rate R] [--json OUT]

Starts the real ``embedlab serve`` command in a subprocess on 127.0.0.1 (a free port, a token) over
``--keys`` clustered vectors, with an HNSW32 index (``--index hnsw``, built first with ``embedlab
index build``) or exact search, then opens ``--clients`` keep-alive HTTP/1.1 connections (one
request in flight each, random keys) for ``--seconds``: from ``wrk`` (``--client wrk``, one C
thread with a Lua script; ``apt-get install wrk``) or from an asyncio client in this process
(``--client python``, also bounded by ``--max-requests``); ``auto`` (default) takes wrk when it
is on PATH. The Python client costs more CPU per request than the server, so on a small machine
it takes cores the server would use. Both are closed loops: each client sends its next request
when the last is answered, so with 200 clients the mean latency is 200 / throughput (Little's
law). ``--rate R`` is the open-loop test instead: the clients together send R requests/s on a
fixed schedule (asyncio client), and each latency counts from the request's due time. Reports
throughput, p50/p99 latency (client-side), errors (non-200 or broken connections) and the
server's RSS before and after.
Client and server share the machine's cores (a loopback test), so the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_vs_faiss import clustered  # noqa: E402

TOKEN = "load-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the --workers processes)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except OSError:  # the process ended while the tree was walked: it has no children left
            continue
    return out


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants (threads included)."""
    total = 0.0
    for p in _tree(pid):
        with open(f"/proc/{p}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants."""
    total = 0.0
    for p in _tree(pid):
        with open(f"/proc/{p}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024.0
    return total


async def _client(host: str, port: int, keys: list[str], deadline: float, stats: dict, budget: list[int],
                  period: float = 0.0, first: float = 0.0) -> None:
    """One keep-alive connection, one request in flight. ``period`` > 0 paces it: request ``i`` is
    due at ``first + i * period`` and its latency counts from that time, so a late answer also
    delays (and is charged to) the requests queued behind it (no coordinated omission)."""
    rng = random.Random(id(stats) ^ int(time.time() * 1e6))
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        stats["errors"] += 1
        return
    i = 0
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            key = keys[rng.randrange(len(keys))]
            req = (f"GET /neighbors?key={key}&k=10 HTTP/1.1\r\nHost: {host}\r\n"
                   f"Authorization: Bearer {TOKEN}\r\n\r\n").encode()
            if period > 0:
                due = first + i * period
                if due >= deadline:
                    break
                i += 1
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                start = due
            else:
                start = time.perf_counter()
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            stats["latency"].append(time.perf_counter() - start)
            if status != 200:
                stats["errors"] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        stats["errors"] += 1
    finally:
        writer.close()


_WRK_LUA = """
local n = %d
math.randomseed(%d)
wrk.headers["Authorization"] = "Bearer %s"
request = function()
  return wrk.format("GET", "/neighbors?key=w" .. math.random(0, n - 1) .. "&k=10")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"errors\\": %%d, "
    .. "\\"non_2xx\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d, \\"mean_us\\": %%f}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def _run_wrk(port: int, n_keys: int, clients: int, seconds: float, tmp: Path) -> tuple[dict, float]:
    """Drive the server with wrk (C, one thread, ``clients`` keep-alive connections, random keys
    ``w0``..``w{n-1}`` from a Lua script); returns the stats and wrk's CPU seconds."""
    script = tmp / "neighbors.lua"
    script.write_text(_WRK_LUA % (n_keys, random.randrange(1 << 30), TOKEN), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
                          "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary: {out.stdout}{out.stderr}")
    w = json.loads(line[8:])
    stats = {"requests": w["requests"], "elapsed": w["duration_us"] / 1e6, "errors": w["errors"] + w["non_2xx"],
             "p50_ms": w["p50_us"] / 1000, "p99_ms": w["p99_us"] / 1000, "mean_ms": w["mean_us"] / 1000}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return stats, cpu


async def _run_clients(port: int, keys: list[str], clients: int, seconds: float, max_requests: int,
                       rate: float = 0.0) -> dict:
    stats = {"latency": [], "errors": 0}
    start = time.perf_counter()
    budget = [max_requests]
    # paced: each client sends every clients / rate seconds, the clients' phases spread evenly, from
    # half a second on (the connections open first); the run lasts ``seconds`` from the first send
    period = clients / rate if rate > 0 else 0.0
    first = start + 0.5 if period else start
    deadline = first + seconds
    await asyncio.gather(*[_client("127.0.0.1", port, keys, deadline, stats, budget, period,
                                   first + c * period / clients) for c in range(clients)])
    stats["elapsed"] = time.perf_counter() - first
    return stats


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--keys", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--index", choices=("exact", "hnsw"), default="hnsw")
    p.add_argument("--max-requests", type=int, default=2_000_000)
    p.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                   help="load generator: wrk (C, far less CPU per request), the asyncio client in this "
                        "process, or auto = wrk when it is on PATH")
    p.add_argument("--workers", type=int, default=1, help="embedlab serve --workers (server processes)")
    p.add_argument("--rate", type=float, default=0.0,
                   help="paced (open-loop) test: the clients together send this many requests/s on a fixed "
                        "schedule, latency counted from each request's due time (the asyncio client); "
                        "0 (default): each client sends its next request as soon as the last is answered")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    client = args.client
    if args.rate < 0:
        p.error(f"--rate: must be >= 0 requests/s (0 = closed loop), got {args.rate:g}")
    if args.rate > 0:
        if client == "wrk":
            p.error("--rate: wrk cannot pace its requests; use --client python (or auto)")
        client = "python"
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    elif client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--client wrk: wrk is not on PATH (apt-get install wrk)")
    if args.clients > 1000 or args.seconds > 120:
        raise SystemExit("bounded: at most 1000 clients and 120 s")
    try:  # a faster event loop for the client too, when uvicorn[standard] brought it
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    from embedlab.vectors import KeyedVectors

    tmp = Path(tempfile.mkdtemp(prefix="serve-load-"))
    kv = KeyedVectors([f"w{i}" for i in range(args.keys)], clustered(args.keys, args.dim))
    kv.save(tmp / "v.npz")
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "embedlab", "serve", str(tmp / "v.npz"), "--token", TOKEN]
    if args.index == "hnsw":
        subprocess.run([sys.executable, "-m", "embedlab", "index", "build", str(tmp / "v.npz"), "-o", str(tmp / "idx"),
                        "--factory", "HNSW32", "--ef-search", "32", "--recall-queries", "500"], check=True, env=env)
        cmd += ["--index", str(tmp / "idx")]
    if args.workers > 1:
        cmd += ["--workers", str(args.workers)]
    port = _free_port()
    server = subprocess.Popen(cmd + ["--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        import urllib.request

        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"server did not start: {server.stderr.read() if server.stderr else ''}")
                time.sleep(0.3)
        # warm-up (compiles/loads kernels, fills caches), then measure
        asyncio.run(_run_clients(port, kv.index_to_key, 8, 2.0, 2000))
        rss_before = _rss_mb(server.pid)
        load_before = os.getloadavg()[0]
        cpu_before, client_before = _cpu_s(server.pid), time.process_time()
        if client == "wrk":
            stats, client_cpu = _run_wrk(port, args.keys, args.clients, args.seconds, tmp)
            server_cpu = _cpu_s(server.pid) - cpu_before
        else:
            stats = asyncio.run(_run_clients(port, kv.index_to_key, args.clients, args.seconds, args.max_requests,
                                             args.rate))
            server_cpu, client_cpu = _cpu_s(server.pid) - cpu_before, time.process_time() - client_before
        rss_after = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if client == "wrk":
        n, p50, p99, mean = stats["requests"], stats["p50_ms"], stats["p99_ms"], stats["mean_ms"]
    else:
        lat = sorted(stats["latency"])
        n = len(lat)
        q = (lambda f: lat[min(n - 1, int(f * n))] * 1000) if n else (lambda f: float("nan"))
        p50, p99, mean = q(0.5), q(0.99), statistics.fmean(lat) * 1000 if n else float("nan")
    result = {
        "keys": args.keys, "dim": args.dim, "index": args.index, "clients": args.clients, "client": client,
        "workers": args.workers, "offered_rps": args.rate or None,
        "seconds": stats["elapsed"], "requests": n, "throughput_rps": n / stats["elapsed"], "p50_ms": p50,
        "p99_ms": p99, "mean_ms": mean, "errors": stats["errors"],
        "server_rss_mb_before": rss_before, "server_rss_mb_after": rss_after,
        "rss_growth_pct": 100 * (rss_after - rss_before) / rss_before, "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "server_cpu_ms_per_request": 1000 * server_cpu / max(n, 1), "client_cpu_ms_per_request": 1000 * client_cpu / max(n, 1),
    }
    procs = f"{args.workers} server processes" if args.workers > 1 else "1 server process"
    paced = f", paced at {args.rate:,.0f} requests/s offered" if args.rate > 0 else ""
    print(f"/neighbors on {args.keys:,} keys ({args.index}, {procs}), {args.clients} clients ({client}{paced}), "
          f"{stats['elapsed']:.1f} s: "
          f"{result['throughput_rps']:,.0f} requests/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
          f"{result['errors']} errors, server RSS {rss_before:.0f} -> {rss_after:.0f} MB "
          f"({result['rss_growth_pct']:+.1f}%); load average {load_before:.1f} -> {result['load_average_after']:.1f}")
    per = result["server_cpu_ms_per_request"]
    print(f"server CPU {per:.3f} ms per request (= {1000 / per:,.0f} requests/s per fully available core), "
          f"client CPU {result['client_cpu_ms_per_request']:.3f} ms per request")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # the server is stopped by main's finally
        sys.exit("serve_load: interrupted; the server was stopped, no figures printed")
