"""Exhaustive grid vs TPE + median pruning on the same small word2vec space.

Both searches run through :func:`embedlab.tuning.tune` on the same corpus, objective (the
validation half of the evaluation items) and model settings. The grid trains every point for all
epochs. TPE + the median pruner (stopping bad trials after an epoch) runs until it has trained
``--budget`` of the grid's epochs (default 1/3; or a fixed ``--tpe-trials`` count). Printed for
both: best validation score (and that trial's test score), epochs trained, wall time, and the
ratios TPE/grid. Target: TPE within 1% of the grid's best score with <= 1/3 of its compute.

    python benchmarks/tune_pruning.py /work/corpus/corpus.txt --max-tokens 2000000 --repeats 3

``--max-tokens`` trains on the first lines of the corpus holding that many tokens (written to a
temporary file); ``--repeats R`` runs TPE R times with different sampler seeds and reports
medians; ``--grid-cache FILE`` stores the grid's figures (JSON) and reuses them when the
settings match, since the grid is the slow side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from embedlab.models.word2vec import Word2Vec
import optuna

from embedlab.tuning import tune

SPACE = {
    "window": [2, 5, 10],
    "alpha": [0.0125, 0.025, 0.05],
    "negative": [2, 5, 10],
}


def slice_corpus(path: Path, max_tokens: int | None, folder: Path) -> tuple[Path, int]:
    """The first lines of ``path`` holding ``max_tokens`` tokens (the whole file when None)."""
    if max_tokens is None:
        with open(path, encoding="utf-8") as fh:
            return path, sum(len(line.split()) for line in fh)
    out = folder / "slice.txt"
    n = 0
    with open(path, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            dst.write(line)
            n += len(line.split())
            if n >= max_tokens:
                break
    return out, n


def run(label: str, model: Word2Vec, corpus: Path, objective: list[str], **kwargs) -> dict:
    start = time.perf_counter()
    res = tune(model, str(corpus), objective, space=SPACE, **kwargs)
    wall = time.perf_counter() - start
    print(f"  {label}: {res.n_complete} complete, {res.n_pruned} pruned, {res.epochs_trained} epochs, "
          f"{wall:.0f} s; best validation {res.best_value:.4f} (test {res.best_test_value:.4f}) {res.best_params}",
          flush=True)
    return {"best": res.best_value, "test": res.best_test_value, "epochs": res.epochs_trained, "wall": wall,
            "params": res.best_params}


def epoch_budget(max_epochs: int, per_trial: int):
    """An Optuna callback stopping the study when another full trial could exceed ``max_epochs``."""

    def callback(study, trial) -> None:
        done = sum(t.user_attrs.get("epochs_trained", 0) or 0 for t in study.get_trials(deepcopy=False))
        if done + per_trial > max_epochs:
            study.stop()

    return callback


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--max-tokens", type=int, default=None, help="train on a slice of this many tokens")
    ap.add_argument("--objective", action="append", default=None, help="default: similarity:wordsim353")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--vector-size", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--budget", type=float, default=1 / 3, help="TPE's share of the grid's epochs")
    ap.add_argument("--tpe-trials", type=int, default=None, help="a fixed trial count instead of --budget")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--grid-cache", type=Path, default=None, help="JSON file with the grid's figures")
    args = ap.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    objective = args.objective or ["similarity:wordsim353"]
    model = Word2Vec(vector_size=args.vector_size, epochs=args.epochs, n_threads=args.threads,
                     random_state=1, show_progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, tokens = slice_corpus(args.corpus, args.max_tokens, Path(tmp))
        n_grid = 1
        for values in SPACE.values():
            n_grid *= len(values)
        print(f"corpus {args.corpus} ({tokens:,} tokens{' slice' if args.max_tokens else ''}); objective "
              f"{' + '.join(objective)} (validation half); space {SPACE}; {args.epochs} epochs, "
              f"dim {args.vector_size}, {args.threads} threads", flush=True)
        key = {"corpus": str(args.corpus), "tokens": tokens, "objective": objective, "epochs": args.epochs,
               "vector_size": args.vector_size, "threads": args.threads, "space": SPACE}
        cached = json.loads(args.grid_cache.read_text()) if args.grid_cache and args.grid_cache.is_file() else {}
        if cached.get("key") == json.loads(json.dumps(key)):
            grid = cached["grid"]
            print(f"  grid ({n_grid} points), from {args.grid_cache}: {grid['epochs']} epochs, {grid['wall']:.0f} s; "
                  f"best validation {grid['best']:.4f} (test {grid['test']:.4f}) {grid['params']}")
        else:
            grid = run(f"grid ({n_grid} points)", model, corpus, objective, n_trials=None, sampler="grid",
                       pruner="none")
            if args.grid_cache:
                args.grid_cache.write_text(json.dumps({"key": key, "grid": grid}, indent=1))
        budget = int(args.budget * grid["epochs"])
        tpe = []
        for r in range(args.repeats):
            if args.tpe_trials:
                tpe.append(run(f"TPE+median pruning ({args.tpe_trials} trials, seed {r})", model, corpus,
                               objective, n_trials=args.tpe_trials, sampler="tpe", pruner="median", random_state=r))
            else:
                tpe.append(run(f"TPE+median pruning (budget {budget} epochs, seed {r})", model, corpus, objective,
                               n_trials=n_grid, sampler="tpe", pruner="median", random_state=r,
                               callbacks=[epoch_budget(budget, args.epochs)]))
    med = {k: statistics.median(t[k] for t in tpe) for k in ("best", "epochs", "wall")}
    gap = (grid["best"] - med["best"]) / abs(grid["best"])
    print()
    print(f"{'':24}{'grid':>12}{'TPE+prune':>12}{'ratio':>10}")
    print(f"{'best validation score':24}{grid['best']:>12.4f}{med['best']:>12.4f}{med['best'] / grid['best']:>10.3f}")
    print(f"{'epochs trained':24}{grid['epochs']:>12d}{med['epochs']:>12.0f}{med['epochs'] / grid['epochs']:>10.3f}")
    print(f"{'wall time (s)':24}{grid['wall']:>12.1f}{med['wall']:>12.1f}{med['wall'] / grid['wall']:>10.3f}")
    print(f"TPE+pruning is {gap:+.2%} below the grid's best (target <= 1%); compute {med['epochs'] / grid['epochs']:.2f}x "
          f"epochs, {med['wall'] / grid['wall']:.2f}x wall time (target <= 0.33)")


if __name__ == "__main__":
    main()
