"""Exhaustive grid vs TPE + median pruning on the same small word2vec space.

Both searches run through :func:`embedlab.tuning.tune` on the same corpus, objective (the
validation half of the evaluation items) and model settings, with the same shared work: the
corpus is read and encoded once per process and corpus setting, and a point already tried is not
trained again (TPE repeats points of a discrete space; they count 0 epochs). The grid trains
every point for all epochs. TPE + the median pruner (stopping bad trials after an epoch) runs
until it has trained ``--budget`` of the grid's epochs (default 1/3; ``--budget-on wall`` limits
its wall time instead; or a fixed ``--tpe-trials`` count). Printed for both: best validation
score (and that trial's test score), epochs trained, wall time, seconds per epoch, and the
ratios TPE/grid; the median and worst gap over ``--repeats`` sampler seeds; how close the grid's
points are (validation noise: ~176 WS353 pairs). Target: TPE within 1% of the grid's best score
with <= 1/3 of its compute.

    python benchmarks/tune_pruning.py CORPUS --max-tokens 1000000 --repeats 5 --replay 200

``--max-tokens`` trains on the first lines of the corpus holding that many tokens (written to a
temporary file); ``--threads`` defaults to 1 so that a trial's scores depend only on its params;
``--grid-cache FILE`` stores the grid's figures (JSON) and reuses them when the settings match.
``--replay N`` re-runs TPE + pruning for N more seeds on the grid's recorded per-epoch scores
(no training; checked to reproduce the real runs exactly) to estimate the gap's distribution.
The grid records those curves with a pruner that never prunes; its reported wall time leaves
out the seconds spent scoring after each epoch.
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
    trials = res.study.get_trials(deepcopy=False)
    repeats = sum("duplicate_of" in t.user_attrs for t in trials)
    print(f"  {label}: {res.n_complete - repeats} complete, {res.n_pruned} pruned, {repeats} repeated points "
          f"(not retrained), {res.epochs_trained} epochs, {wall:.0f} s; best validation {res.best_value:.4f} "
          f"(test {res.best_test_value:.4f}) {res.best_params}", flush=True)
    points = [[t.params, t.value, t.user_attrs.get("test"), [t.intermediate_values[k] for k in sorted(t.intermediate_values)],
               t.user_attrs.get("train_seconds")]
              for t in trials if t.state.name == "COMPLETE" and "duplicate_of" not in t.user_attrs]
    trained = [t for t in trials if (t.user_attrs.get("epochs_trained") or 0) > 0]
    seconds = sum(t.duration.total_seconds() for t in trained if t.duration is not None)
    print(f"    {seconds / max(res.epochs_trained, 1):.2f} s per epoch trained (trial time / epochs; the cost of an epoch "
          "grows with window and negative)", flush=True)
    # seconds spent scoring after each epoch (the grid pays them only to record the curves for --replay)
    evals = sum(t.user_attrs.get("eval_seconds", 0.0) or 0.0 for t in trials)
    return {"best": res.best_value, "test": res.best_test_value, "epochs": res.epochs_trained, "wall": wall,
            "params": res.best_params, "points": points, "eval_seconds": evals,
            "trained": [[t.params, t.user_attrs["epochs_trained"]] for t in trained]}


def grid_speed_ratio(grid: dict, run: dict, epochs: int) -> float | None:
    """TPE's training time at the grid's measured speed of each point, over the grid's: the wall
    ratio without the machine's load changing between the two runs (each trained epoch of a point
    costs a third of that point's grid training time, with 3 epochs)."""
    seconds = {tuple(sorted(p[0].items())): p[4] for p in grid.get("points", []) if len(p) > 4 and p[4]}
    if not seconds or "trained" not in run:
        return None
    spent = sum(seconds[tuple(sorted(params.items()))] * e / epochs for params, e in run["trained"])
    return spent / sum(seconds.values())


def replay(grid: dict, model: Word2Vec, budget: int, epochs: int, seeds: range) -> list[dict]:
    """TPE + median pruning run again on the grid's recorded per-epoch scores (no training).

    With 1 thread and a fixed seed a trial's scores depend only on its params, so a search over
    the recorded table takes the same path as the real one (checked on the real runs' seeds)."""
    from embedlab.tuning.space import make_space, suggest
    from embedlab.tuning.study import _repeat, _seen, make_pruner, make_sampler

    space = make_space(SPACE, model)
    table = {tuple(sorted(p[0].items())): p[3] for p in grid["points"]}
    out = []
    for seed in seeds:
        study = optuna.create_study(direction="maximize", sampler=make_sampler("tpe", space, seed),
                                    pruner=make_pruner("median"))

        def objective(trial):
            params = suggest(trial, space)
            seen = _seen(study, trial, params)
            if seen is not None:
                return _repeat(trial, seen)
            curve = table[tuple(sorted(params.items()))]
            for step, value in enumerate(curve, 1):
                trial.report(value, step)
                trial.set_user_attr("epochs_trained", step)
                if step < epochs and trial.should_prune():
                    raise optuna.TrialPruned()
            trial.set_user_attr("validation", curve[-1])
            return curve[-1]

        study.optimize(objective, n_trials=20 * len(table), callbacks=[epoch_budget(budget, epochs, len(table))])
        trained = [[t.params, t.user_attrs["epochs_trained"]] for t in study.trials
                   if (t.user_attrs.get("epochs_trained") or 0) > 0]
        out.append({"best": study.best_value, "epochs": sum(e for _, e in trained), "trained": trained})
    return out


def epoch_budget(max_epochs: int, per_trial: int, n_points: int):
    """An Optuna callback stopping the study when another full trial could exceed ``max_epochs``
    (or when every point of the space has been tried)."""

    def callback(study, trial) -> None:
        trials = study.get_trials(deepcopy=False)
        done = sum(t.user_attrs.get("epochs_trained", 0) or 0 for t in trials)
        seen = {tuple(sorted(t.params.items())) for t in trials if t.state.is_finished()}
        if done + per_trial > max_epochs or len(seen) >= n_points:
            study.stop()

    return callback


def wall_budget(seconds: float, n_points: int):
    """An Optuna callback stopping the study when the slowest full trial so far would take the
    search past ``seconds`` of wall time (counted from this callback's creation)."""
    start = time.perf_counter()

    def callback(study, trial) -> None:
        trials = study.get_trials(deepcopy=False)
        full = [t.duration.total_seconds() for t in trials if t.state.name == "COMPLETE" and t.duration is not None
                and "duplicate_of" not in t.user_attrs]
        seen = {tuple(sorted(t.params.items())) for t in trials if t.state.is_finished()}
        if time.perf_counter() - start + max(full, default=0.0) > seconds or len(seen) >= n_points:
            study.stop()

    return callback


def noise_note(grid: dict) -> str:
    """How close the grid's points are: the top scores, and how many lie within 1% of the best."""
    scores = sorted((p[1] for p in grid.get("points", [])), reverse=True)
    if not scores:
        return ""
    best = scores[0]
    within = sum(s >= best - 0.01 * abs(best) for s in scores)
    return (f"grid scores: top 5 {', '.join(f'{s:.4f}' for s in scores[:5])}; {within} of {len(scores)} points "
            f"within 1% of the best; median {statistics.median(scores):.4f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--max-tokens", type=int, default=None, help="train on a slice of this many tokens")
    ap.add_argument("--objective", action="append", default=None, help="default: similarity:wordsim353")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--vector-size", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1, help="1 = reproducible trials (the default)")
    ap.add_argument("--budget", type=float, default=1 / 3, help="TPE's share of the grid's epochs (or wall time)")
    ap.add_argument("--budget-on", choices=("epochs", "wall"), default="epochs",
                    help="what --budget limits: epochs trained, or wall time (TPE stops before the slowest "
                         "full trial so far could overrun it)")
    ap.add_argument("--tpe-trials", type=int, default=None, help="a fixed trial count instead of --budget")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--grid-cache", type=Path, default=None, help="JSON file with the grid's figures")
    ap.add_argument("--replay", type=int, default=0,
                    help="also replay TPE for this many more seeds on the grid's recorded scores (1 thread only)")
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
            # a pruner that never prunes: the grid trains every point fully but records its per-epoch curve;
            # the wall time reported for the grid leaves out the seconds spent on those per-epoch scores
            grid = run(f"grid ({n_grid} points)", model, corpus, objective, n_trials=None, sampler="grid",
                       pruner=optuna.pruners.NopPruner())
            grid["wall"] -= grid["eval_seconds"]
            if args.grid_cache:
                args.grid_cache.write_text(json.dumps({"key": key, "grid": grid}, indent=1))
        budget = int(args.budget * grid["epochs"])
        tpe = []
        for r in range(args.repeats):
            if args.tpe_trials:
                tpe.append(run(f"TPE+median pruning ({args.tpe_trials} trials, seed {r})", model, corpus,
                               objective, n_trials=args.tpe_trials, sampler="tpe", pruner="median", random_state=r))
            elif args.budget_on == "wall":
                seconds = args.budget * grid["wall"]
                tpe.append(run(f"TPE+median pruning (budget {seconds:.0f} s, seed {r})", model, corpus, objective,
                               n_trials=20 * n_grid, sampler="tpe", pruner="median", random_state=r,
                               callbacks=[wall_budget(seconds, n_grid)]))
            else:
                tpe.append(run(f"TPE+median pruning (budget {budget} epochs, seed {r})", model, corpus, objective,
                               n_trials=20 * n_grid, sampler="tpe", pruner="median", random_state=r,
                               callbacks=[epoch_budget(budget, args.epochs, n_grid)]))
    med = {k: statistics.median(t[k] for t in tpe) for k in ("best", "epochs", "wall")}
    gaps = sorted((grid["best"] - t["best"]) / abs(grid["best"]) for t in tpe)
    gap, worst = statistics.median(gaps), gaps[-1]
    hits = sum(g <= 0.01 for g in gaps)
    print()
    print(noise_note(grid))
    print(f"{'':24}{'grid':>12}{'TPE+prune':>12}{'ratio':>10}")
    print(f"{'best validation score':24}{grid['best']:>12.4f}{med['best']:>12.4f}{med['best'] / grid['best']:>10.3f}")
    print(f"{'epochs trained':24}{grid['epochs']:>12d}{med['epochs']:>12.0f}{med['epochs'] / grid['epochs']:>10.3f}")
    print(f"{'wall time (s)':24}{grid['wall']:>12.1f}{med['wall']:>12.1f}{med['wall'] / grid['wall']:>10.3f}")
    speed = [r for r in (grid_speed_ratio(grid, t, args.epochs) for t in tpe) if r is not None]
    if speed:
        print(f"{'time at grid speed':24}{'':>24}{statistics.median(speed):>10.3f}  (TPE's trained epochs priced at "
              f"the grid's measured seconds per point; max {max(speed):.3f})")
    print(f"TPE+pruning is {gap:+.2%} below the grid's best in the median, {worst:+.2%} in the worst of {len(tpe)} "
          f"seeds ({hits} of {len(tpe)} within 1%; target <= 1%); compute {med['epochs'] / grid['epochs']:.2f}x "
          f"epochs, {med['wall'] / grid['wall']:.2f}x wall time (target <= 0.33)")
    if args.replay and not args.tpe_trials and args.budget_on == "epochs":
        if args.threads != 1:
            print("--replay needs --threads 1 (reproducible trials); skipped")
            return
        again = replay(grid, model, budget, args.epochs, range(len(tpe)))
        same = sum(a["best"] == t["best"] and a["epochs"] == t["epochs"] for a, t in zip(again, tpe))
        print(f"replay check: {same} of {len(tpe)} real runs reproduced exactly (best score and epochs)")
        more = replay(grid, model, budget, args.epochs, range(len(tpe), len(tpe) + args.replay))
        g = sorted((grid["best"] - a["best"]) / abs(grid["best"]) for a in more)
        q = statistics.quantiles(g, n=10)
        print(f"replay over {len(more)} more seeds: gap median {statistics.median(g):+.2%}, 90th percentile {q[-1]:+.2%}, "
              f"worst {g[-1]:+.2%}; {sum(x <= 0.01 for x in g)} of {len(g)} within 1%; epochs "
              f"{statistics.median(a['epochs'] for a in more) / grid['epochs']:.2f}x (median)", end="")
        speed = [r for r in (grid_speed_ratio(grid, a, args.epochs) for a in more) if r is not None]
        print(f", time at grid speed {statistics.median(speed):.2f}x (median), {max(speed):.2f}x (max)" if speed else "")


if __name__ == "__main__":
    main()
