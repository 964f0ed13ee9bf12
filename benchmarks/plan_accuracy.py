"""Memory planner accuracy: predicted peak (``Model.plan``) vs measured peak RSS of ``fit``, per method.

Usage::

    python benchmarks/plan_accuracy.py CORPUS [CORPUS ...] [--methods word2vec fasttext glove]
        [--epochs 1] [--threads 2] [--min-count 5] [--vector-size 100] [--cli] [--json OUT]
    python benchmarks/plan_accuracy.py --quick     # sample-corpus, as `embedlab train` runs (--cli)

CORPUS is a file or a data set name (``sample-corpus``, the bundled 2.25M tokens). Each fit runs in
its own child process (``ru_maxrss`` is that run's alone); the plan is computed in this process from
the same corpus and parameters. ``--cli`` measures ``embedlab train METHOD CORPUS ...`` as a user
runs it (the plan then counts the command-line modules, as ``embedlab plan`` does). Target: +-11%.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _common import add_quick, peak_rss_mb, python_cmd, run_json_child, write_json

VARIANTS = {
    "word2vec": {},
    "word2vec-deterministic": {"deterministic": True},
    "word2vec-cbow-hs": {"architecture": "cbow", "hs": True, "negative": 0},
    "fasttext": {},
    "glove": {},
}


def _model(variant: str, epochs: int, threads: int, min_count: int, dim: int):
    from embedlab.models import get_model

    method = variant.split("-")[0]
    params = dict(epochs=epochs, n_threads=threads, random_state=1, show_progress=False, min_count=min_count,
                  vector_size=dim)
    params.update(VARIANTS[variant])
    return get_model(method)(**params)


def worker(variant: str, path: str, epochs: int, threads: int, min_count: int, dim: int) -> None:
    from embedlab.corpus import Corpus

    t0 = time.perf_counter()
    _model(variant, epochs, threads, min_count, dim).fit(Corpus(path))
    print(json.dumps({"peak_mb": peak_rss_mb(), "seconds": time.perf_counter() - t0}))


_CLI_FLAGS = {"deterministic": ["--deterministic"], "cbow-hs": ["--architecture", "cbow", "--hs", "--negative", "0"]}


def cli_peak_mb(variant: str, path: str, epochs: int, threads: int, min_count: int, dim: int) -> float:
    """Peak RSS (MiB) of ``embedlab train`` as a user runs it, from the child's own rusage."""
    import os
    import subprocess
    import tempfile

    method, _, extra = variant.partition("-")
    with tempfile.TemporaryDirectory() as tmp:
        # the child reports its own high-water mark at exit (VmHWM of its process image; a forked
        # child's ru_maxrss can include this parent's pages)
        peak = os.path.join(tmp, "peak")
        script = ("import atexit, re, runpy, sys\n"
                  f"atexit.register(lambda: open({peak!r}, 'w').write("
                  "re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]))\n"
                  "sys.argv = ['embedlab', *sys.argv[1:]]\nrunpy.run_module('embedlab', run_name='__main__')\n")
        cmd = [sys.executable, "-c", script, "train", method, path, "-o", os.path.join(tmp, "v.npz"),
               "--epochs", str(epochs), "--threads", str(threads), "--min-count", str(min_count),
               "--vector-size", str(dim), "--seed", "1", "--no-progress", *_CLI_FLAGS.get(extra, [])]
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise SystemExit(f"embedlab train {method} failed: {done.stderr[-500:]}")
        with open(peak) as fh:
            return int(fh.read()) / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="*", help="files or data set names (--quick: sample-corpus)")
    ap.add_argument("--methods", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--vector-size", type=int, default=100)
    ap.add_argument("--cli", action="store_true", help="measure the embedlab train command, start-up included")
    ap.add_argument("--json", help="also write the rows to this JSON file")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    add_quick(ap, {"corpus": ["sample-corpus"], "cli": True}, argv)
    args = ap.parse_args(argv)
    if not args.corpus:
        ap.error("give at least one CORPUS (a file or a data set name such as sample-corpus), or --quick")
    names = list(args.corpus)
    from embedlab.corpus.datasets import DATASETS, dataset_path

    args.corpus = [str(dataset_path(c)) if c in DATASETS else c for c in args.corpus]
    if args.worker:
        worker(args.worker, args.corpus[0], args.epochs, args.threads, args.min_count, args.vector_size)
        return
    from embedlab.models._plan import _attach_id_sample, plan, scan_corpus

    if args.cli:
        import embedlab.cli.app  # noqa: F401 - the plan counts the CLI's modules, as `embedlab plan` does

    print("| corpus | method | vocab | predicted peak MB | measured peak MB | error | peak stage |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |", flush=True)
    errors, rows = [], []
    for name, path in zip(names, args.corpus):
        stats = scan_corpus(path)
        for variant in args.methods:
            model = _model(variant, args.epochs, args.threads, args.min_count, args.vector_size)
            if variant == "glove" and getattr(stats, "id_sample", None) is None:
                _attach_id_sample(stats, path)
            p = plan(model, stats=stats)
            if args.cli:
                measured = cli_peak_mb(variant, path, args.epochs, args.threads, args.min_count, args.vector_size)
            else:
                cmd = python_cmd(__file__, path, "--worker", variant, "--epochs", str(args.epochs), "--threads",
                                 str(args.threads), "--min-count", str(args.min_count), "--vector-size",
                                 str(args.vector_size))
                measured = run_json_child(cmd, threads=args.threads, label=variant)["peak_mb"]
            predicted = p.peak_bytes / 2**20
            err = predicted / measured - 1.0
            errors.append(abs(err))
            rows.append({"corpus": name.rsplit("/", 1)[-1], "method": variant, "vocab": p.vocab_size,
                         "predicted_mb": predicted, "measured_mb": measured, "error": err, "peak_stage": p.peak_stage})
            print(f"| {path.rsplit('/', 1)[-1]} | {variant} | {p.vocab_size:,} | {predicted:.0f} | {measured:.0f} | "
                  f"{err:+.1%} | {p.peak_stage} |", flush=True)
    print(f"\nlargest error {max(errors):.1%} (target 11%)")
    write_json(args.json, {"epochs": args.epochs, "threads": args.threads, "min_count": args.min_count,
                           "vector_size": args.vector_size, "cli": args.cli, "largest_error": max(errors), "rows": rows})


if __name__ == "__main__":
    sys.exit(main())
