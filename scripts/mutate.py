#!/usr/bin/env python
"""A small mutation runner for embedlab (mutmut does not cope with the numba kernels).

Each mutant is one realistic bug: a file, a source snippet that must occur exactly once in it, its
replacement, a description and the tests that should catch it. Mutants are applied one at a time
to a temporary copy of ``src/`` and ``tests/`` (the checkout is never written), the tests run
there with ``PYTHONPATH`` pointing at the copy and a fresh ``NUMBA_CACHE_DIR`` (the kernels are
compiled with ``cache=True``: a stale cache would run the unmutated code), and a table says per
module how many mutants the tests killed.

    python scripts/mutate.py                    # every mutant
    python scripts/mutate.py --module kernels/sgns --module evaluation/stats
    python scripts/mutate.py --list             # the mutants, without running anything
    python scripts/mutate.py --ids 0,6,7        # only these mutants (numbers from --list)
    python scripts/mutate.py --tests-ref HEAD~3 # the tests as they were at a commit (did they survive then?)
    python scripts/mutate.py --baseline         # also run each module's tests unmutated first

A mutant is *killed* when pytest exits 1 (a test failed), *survived* when it exits 0, and an
*error* otherwise (collection error, timeout, no test ran): errors are shown, never counted as kills.
Results: docs/mutation.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    module: str  # e.g. "kernels/sgns" (the file is src/embedlab/<module>.py)
    original: str
    replacement: str
    description: str
    tests: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"src/embedlab/{self.module}.py"


SGNS = ("tests/kernels/test_sgns.py",)
SUBWORD = ("tests/kernels/test_subword.py",)
GLOVE = ("tests/models/test_glove.py",)
W2V = ("tests/models/test_word2vec.py",)
STATS = ("tests/evaluation/test_stats.py",)
FAISS = ("tests/search/test_search.py",)
SERVE = ("tests/search/test_serve.py",)
DRIFT = ("tests/monitoring/test_drift.py",)
STUDY = ("tests/tuning/test_workers.py",)

MUTANTS: list[Mutant] = [
    # ------------------------------------------------------------------ kernels/sgns
    Mutant("kernels/sgns", "                if cbow_mean:\n                    for d in range(dim):\n"
           "                        h[d] *= inv", "                if False:\n                    for d in range(dim):\n"
           "                        h[d] *= inv", "CBOW sums the context rows instead of averaging them", SGNS),
    Mutant("kernels/sgns", "            lo = max(0, i - b)\n            hi = min(n, i + b + 1)",
           "            lo = max(0, i - b)\n            hi = min(n, i + b)", "window off by one: the right edge dropped",
           SGNS),
    Mutant("kernels/sgns", "                if rand_float(state) >= kp:", "                if rand_float(state) < kp:",
           "subsampling inverted (keeps frequent words, drops rare ones)", SGNS),
    Mutant("kernels/sgns", "        alpha = alpha0 + (alpha1 - alpha0) * (done / total)",
           "        alpha = alpha1 + (alpha0 - alpha1) * (done / total)", "learning rate rises within a slice", SGNS),
    Mutant("kernels/sgns", "                if not cbow_mean:\n                    for d in range(dim):\n"
           "                        neu1e[d] *= inv", "                if False:\n                    for d in range(dim):\n"
           "                        neu1e[d] *= inv", "CBOW sum mode: input gradient not divided by the context size",
           SGNS),
    Mutant("kernels/sgns", "                    if x != w:\n                        outs[n_out] = x",
           "                    if True:\n                        outs[n_out] = x",
           "a negative equal to the centre word is kept (labelled both 1 and 0)", SGNS),
    # ------------------------------------------------------------------ kernels/subword
    Mutant("kernels/subword", "        lr = alpha_start + (alpha_end - alpha_start) * (done / max(total, 1))",
           "        lr = alpha_end + (alpha_start - alpha_end) * (done / max(total, 1))",
           "the learning rate rises instead of decaying", SUBWORD),
    Mutant("kernels/subword", "                if rand_float(state) >= keep_prob[w]:",
           "                if rand_float(state) < keep_prob[w]:",
           "subsampling inverted (keeps frequent words, drops rare ones)", SUBWORD),
    Mutant("kernels/subword", "            lo = max(0, pos - b)\n            hi = min(n, pos + b + 1)",
           "            lo = max(0, pos - b)\n            hi = min(n, pos + b)", "window off by one: the right edge dropped",
           SUBWORD),
    Mutant("kernels/subword", "            alpha = np.float32(lr) * (np.float32(0.0) - sigmoid_ft(f))",
           "            alpha = np.float32(lr) * (sigmoid_ft(f) - np.float32(0.0))",
           "wrong sign of the negative words' gradient", SUBWORD),
    Mutant("kernels/subword", "                inv = np.float32(1.0 / cnt)\n                for d in range(dim):\n"
           "                    h[d] *= inv", "                inv = np.float32(1.0)\n                for d in range(dim):\n"
           "                    h[d] *= inv", "CBOW sums the context subword rows instead of averaging them", SUBWORD),
    # ------------------------------------------------------------------ kernels/glove
    Mutant("kernels/glove", "    step = (hi - lo + n_parts - 1) // n_parts", "    step = (hi - lo) // n_parts",
           "the thread split rounds down, dropping tail co-occurrences with > 1 thread", GLOVE),
    Mutant("kernels/glove", "        diff = bw[l1] + bc[l2] - logx[k]", "        diff = bw[l1] + bc[l2] + logx[k]",
           "wrong sign of log X in the residual", GLOVE),
    Mutant("kernels/glove", "        bc[l2] -= fdiff / np.sqrt(gbc[l2])\n",
           "", "the context bias update dropped", GLOVE),
    Mutant("kernels/glove", "            gW[l1, b] += g1 * g1", "            gW[l1, b] += g1",
           "AdaGrad accumulates the gradient, not its square", GLOVE),
    Mutant("kernels/glove", "        fx[k] = 1.0 if x >= x_max else (x / x_max) ** alpha",
           "        fx[k] = 1.0 if x >= x_max else (x / x_max) ** (1.0 - alpha)", "weighting exponent 1 - alpha", GLOVE),
    # ------------------------------------------------------------------ models/_sgns (the trainer behind word2vec)
    Mutant("models/_sgns", "noise[seen] = base[seen].astype(np.float64) ** float(o.ns_exponent)",
           "noise[seen] = base[seen].astype(np.float64)", "ns_exponent ignored (noise drawn from raw counts)", W2V),
    Mutant("models/_sgns", "        self.keep = keep_probabilities(counts, o.sample)",
           "        self.keep = keep_probabilities(counts, 0.0)", "sample ignored (no subsampling at all)", W2V),
    Mutant("models/_sgns", "skipgram, negative, hs, window, shrink, cbow_mean, a0, a1, states,",
           "skipgram, negative, hs, window, shrink, cbow_mean, a0, a0, states,",
           "no learning-rate decay within a chunk", W2V),
    Mutant("models/_sgns", "skipgram, negative, hs, window = bool(o.skipgram), int(o.negative), bool(o.hs), int(o.window)",
           "skipgram, negative, hs, window = bool(o.skipgram), int(o.negative), bool(o.hs), int(o.window) - 1",
           "window passed off by one", W2V),
    # ------------------------------------------------------------------ evaluation/stats
    Mutant("evaluation/stats", "min(1.0, 2.0 * min(np.mean(diffs <= 0), np.mean(diffs >= 0)))",
           "min(1.0, min(np.mean(diffs <= 0), np.mean(diffs >= 0)))",
           "paired-bootstrap p-value one-sided (factor 2 dropped)", STATS),
    Mutant("evaluation/stats", "                g, p = rankdata(g, axis=1), rankdata(p, axis=1)",
           "                g, p = g, p",
           "bootstrap Spearman computed without ranks (= Pearson)", STATS),
    Mutant("evaluation/stats", "    a = (1.0 - confidence) / 2.0", "    a = (1.0 - confidence)",
           "a 90% interval reported as 95%", STATS),
    Mutant("evaluation/stats", "    p = (extreme + 1) / (n_perm + 1)", "    p = extreme / (n_perm + 1)",
           "permutation p-value without the +1 (can be 0)", STATS),
    Mutant("evaluation/stats", "        if abs(metric_value(metric, pa) - metric_value(metric, pb)) >= abs(observed) - 1e-12:",
           "        if metric_value(metric, pa) - metric_value(metric, pb) >= abs(observed) - 1e-12:",
           "permutation test one-sided (abs of the permuted difference dropped)", STATS),
    Mutant("evaluation/stats", "            idx = rng.integers(0, n, (min(step, n_boot - s), n))\n"
           "            for o, col in zip(out, cols):",
           "            idx = rng.integers(0, n, (min(step, n_boot - s), n))\n            idx[:, 0] = 0\n"
           "            for o, col in zip(out, cols):", "bootstrap resample always holds item 0", STATS),
    # ------------------------------------------------------------------ search/faiss_index
    Mutant("search/faiss_index", "        scores[rows < 0] = -np.inf\n", "", "missing results not masked with -inf", FAISS),
    Mutant("search/faiss_index", "        scores, rows = self._index.search(queries, k)",
           "        scores, rows = self._index.search(queries, max(1, k - 1))", "one result fewer than asked", FAISS),
    # ------------------------------------------------------------------ serve/app
    Mutant("serve/app", "        q = unit[rows[1]] - unit[rows[0]] + unit[rows[2]]",
           "        q = unit[rows[0]] - unit[rows[1]] + unit[rows[2]]", "/analogy computes a - b + c", SERVE),
    Mutant("serve/app", 'shared = sorted({n["key"] for n in na} & {n["key"] for n in nb})',
           'shared = sorted({n["key"] for n in na} | {n["key"] for n in nb})', "/compare's \"shared\" is the union", SERVE),
    Mutant("serve/app", "        keep = [i for i, r in enumerate(found[0]) if r not in rows][:k]",
           "        keep = [i for i, r in enumerate(found[0]) if r not in rows[:2]][:k]",
           "/analogy returns the query word c itself", SERVE),
    Mutant("serve/app", '"similarity": round(float(unit[ra] @ unit[rb]), 6)',
           '"similarity": round(float(vs.kv.vectors[ra] @ vs.kv.vectors[rb]), 6)',
           "/similarity is the raw dot product, not the cosine", SERVE),
    # ------------------------------------------------------------------ monitoring/drift
    Mutant("monitoring/drift", "            if label in ref:\n", "            if False:\n",
           "the seed baseline ignored (each bin's own noise used)", DRIFT),
    Mutant("monitoring/drift", "    z = (logd - med) / scale", "    z = (logd - med) * scale", "z multiplies by the scale",
           DRIFT),
    Mutant("monitoring/drift", "            mad = float(np.median(np.abs(d - med))) * _MAD_SCALE\n"
           "            stats.append", "            mad = float(np.median(np.abs(d - med)))\n            stats.append",
           "MAD not scaled to a standard deviation", DRIFT),
    Mutant("monitoring/drift", "    score = float(np.mean(z > z_moved))", "    score = float(np.mean(z > -z_moved))",
           "score counts z > -z_moved", DRIFT),
    # ------------------------------------------------------------------ tuning/study
    Mutant("tuning/study", "n_trials // n_jobs + (1 if k < n_trials % n_jobs else 0)", "n_trials // n_jobs",
           "--jobs drops the leftover trials (n_trials // n_jobs each)", STUDY),
    Mutant("tuning/study", "cfg = dict(base, n_trials=share, seed=None if seed is None else seed + k)",
           "cfg = dict(base, n_trials=share, seed=seed)", "every --jobs worker gets the same sampler seed", STUDY),
]


def _copy_tree(dest: Path, tests_ref: str | None) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    shutil.copytree(REPO / "src", dest / "src", ignore=ignore)
    shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")
    if tests_ref is None:
        shutil.copytree(REPO / "tests", dest / "tests", ignore=ignore)
    else:  # the tests as committed at tests_ref
        archive = subprocess.run(["git", "archive", tests_ref, "tests"], cwd=REPO, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)


def _run_tests(root: Path, tests: tuple[str, ...], timeout: float, extra_path: str | None) -> tuple[str, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root / "src"), extra_path, env.get("PYTHONPATH")) if p)
    env.setdefault("EMBEDLAB_DATA", str(REPO.parent / "shared" / "data"))
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env["NUMBA_CACHE_DIR"] = cache
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                                  cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "error (timeout)", time.perf_counter() - t0
    seconds = time.perf_counter() - t0
    if proc.returncode == 0:
        return "survived", seconds
    if proc.returncode == 1:
        return "killed", seconds
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or [""]
    return f"error (pytest exit {proc.returncode}: {tail[0][:80]})", seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--module", action="append", help="only this module (e.g. kernels/sgns); repeatable")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--ids", help="only the mutants with these numbers (from --list), e.g. 0,6,7")
    ap.add_argument("--baseline", action="store_true", help="run each module's tests unmutated first (must pass)")
    ap.add_argument("--tests-ref", help="use the tests/ folder of this git revision instead of the working tree")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per test run (default 900)")
    ap.add_argument("--pythonpath", help="extra import path for the test runs (e.g. where faiss-cpu is installed)")
    args = ap.parse_args(argv)
    ids = None if not args.ids else {int(i) for i in args.ids.split(",")}
    chosen = [m for i, m in enumerate(MUTANTS)
              if (not args.module or m.module in args.module) and (ids is None or i in ids)]
    if not chosen:
        ap.error(f"no mutant for {args.module}; modules: {', '.join(sorted({m.module for m in MUTANTS}))}")
    if args.list:
        for i, m in enumerate(MUTANTS):
            if m in chosen:
                print(f"{i:3d}  {m.module:20s} {m.description}")
        return 0
    for m in chosen:  # every snippet must still match the source exactly once
        text = (REPO / m.path).read_text(encoding="utf-8")
        if text.count(m.original) != 1:
            print(f"stale mutant ({text.count(m.original)} matches) in {m.path}: {m.description}", file=sys.stderr)
            return 2
    rows: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="embedlab-mutate-") as tmp:
        root = Path(tmp)
        _copy_tree(root, args.tests_ref)
        if args.baseline:
            for module in dict.fromkeys(m.module for m in chosen):
                tests = tuple(dict.fromkeys(t for m in chosen if m.module == module for t in m.tests))
                outcome, sec = _run_tests(root, tests, args.timeout, args.pythonpath)
                print(f"baseline {module}: {'pass' if outcome == 'survived' else outcome} ({sec:.0f}s)", flush=True)
        for m in chosen:
            target = root / m.path
            original = target.read_text(encoding="utf-8")
            target.write_text(original.replace(m.original, m.replacement, 1), encoding="utf-8")
            try:
                outcome, sec = _run_tests(root, m.tests, args.timeout, args.pythonpath)
            finally:
                target.write_text(original, encoding="utf-8")
            counts = rows.setdefault(m.module, [0, 0, 0, 0])
            counts[0] += 1
            counts[1 if outcome == "killed" else 2 if outcome == "survived" else 3] += 1
            print(f"{m.module:20s} {outcome:9s} {sec:6.0f}s  {m.description}", flush=True)
    print()
    print(f"| {'module':20s} | mutants | killed | survived | errors |")
    print(f"|{'-' * 22}|---------|--------|----------|--------|")
    for module, (n, killed, survived, errors) in rows.items():
        print(f"| {module:20s} | {n:7d} | {killed:6d} | {survived:8d} | {errors:6d} |")
    total = [sum(c[i] for c in rows.values()) for i in range(4)]
    print(f"| {'total':20s} | {total[0]:7d} | {total[1]:6d} | {total[2]:8d} | {total[3]:6d} |")
    return 0 if total[2] == 0 and total[3] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
