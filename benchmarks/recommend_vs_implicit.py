"""Recommenders side by side: embedlab item2vec vs gensim-based item2vec, implicit ALS/BPR called
directly vs through embedlab, popularity, item-kNN and EASE; recall@10, NDCG@10, fit time and
peak RSS, and the ratios, in one run.

Datasets (``--datasets``):

* ``ml100k``: MovieLens-100k from the ``recbole`` wheel, leave-last-out by timestamp (valid = the
  second-to-last item); tuning (``--tune-trials``) searches EASE, ALS and item2vec on
  ``valid.csv`` (every user's second-to-last item), refits each model's best parameters and scores
  them once on ``test.csv``; the model with the best validation score is "the tuned best", set
  against implicit's ALS with its defaults on the same test users;
* ``recbole``: MovieLens-100k, RecBole's random 80/10/10 per-user split; EASE's ``l2`` and
  item2vec are tuned on ``valid.csv``, scored once on ``test.csv``;
* ``groceries``: the ``groceries`` data set (``embedlab datasets fetch groceries``, or
  ``../shared/data/recommendation/groceries.csv``), one random item hidden per basket (hit@10); item2vec fits take under a second, so each side runs ``--repeats`` times
  (alternating, default 5) and the medians are reported;
* ``large``: a generated set of ~5M interactions (70k users, 20k items in latent groups plus a
  global power-law popularity), leave-last-out.

Every fit runs in its own child process (peak RSS of that child; the time is the fit alone:
libraries are imported, and embedlab item2vec's compiled kernels loaded by a tiny fit, before
the clock starts, as gensim's Cython is loaded by its import).
The evaluation is the same for every side: embedlab's full-ranking ``recommendation:DIR``.

    python benchmarks/recommend_vs_implicit.py --datasets ml100k recbole groceries --tune-trials 12
    python benchmarks/recommend_vs_implicit.py --datasets large --threads 2
    python benchmarks/recommend_vs_implicit.py --quick     # MovieLens-100k, one seed, no tuning

``--json OUT`` writes every table's rows and ratio lines.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import add_quick, proc_status_mb, python_cmd, run_json_child, write_json  # noqa: E402

HERE = Path(__file__).resolve()
GROCERIES = HERE.parents[1].parent / "shared" / "data" / "recommendation" / "groceries.csv"
# every table printed, with its ratio lines (--json)
REPORT: dict = {"sections": []}


def _groceries_path() -> Path:
    """The groceries data set by name (``embedlab datasets``), else the shared data folder's copy."""
    from embedlab.corpus.datasets import dataset_path

    try:
        return dataset_path("groceries")
    except Exception:  # noqa: BLE001 - not fetched: the shared copy, if any
        return GROCERIES


# ---------------------------------------------------------------------------- children
def _peak_mb() -> float:
    """This process's peak RSS: VmHWM (reset by exec, unlike ru_maxrss, which keeps the peak of
    the parent's pages the child was forked with)."""
    hwm = proc_status_mb("VmHWM")["VmHWM"]
    return hwm if hwm == hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child(args: argparse.Namespace) -> None:
    """Fit one model on ``split/train.csv``, save its vectors, print {fit_s, rss_mb} as JSON."""
    from embedlab.corpus.interactions import read_interactions
    from embedlab.vectors.recommend import RecommenderVectors

    params = json.loads(args.params)
    inter = read_interactions(Path(args.split) / "train.csv")
    side, name = args.child.split(":")
    # imports before the clock on every side: the fit alone is timed
    if side == "embedlab":
        from embedlab.models import get_model

        cls = get_model(name)
        if name == "item2vec":  # load the compiled kernels (numba's cache) first: gensim's Cython loads at import
            from embedlab.corpus.interactions import from_baskets

            cls(**{**params, "epochs": 1, "show_progress": False}).fit(from_baskets([["a", "b", "c"], ["b", "c"]] * 20))
        if name in ("als", "bpr"):
            import implicit.cpu.als  # noqa: F401 - imported by the wrapper's fit otherwise
            import implicit.cpu.bpr  # noqa: F401
    elif side == "implicit":
        from threadpoolctl import threadpool_limits

        if name == "als":
            from implicit.cpu.als import AlternatingLeastSquares as cls
        else:
            from implicit.cpu.bpr import BayesianPersonalizedRanking as cls
    base_mb = proc_status_mb("VmRSS")["VmRSS"]  # after reading and imports: what the fit adds is peak - base
    t0 = time.perf_counter()
    if side == "embedlab":
        model = cls(**params)
        model.fit(inter)
        fit_s = time.perf_counter() - t0
        model.vectors_.save(args.out)
    elif side == "implicit":
        x = inter.to_csr(binary=True)
        with threadpool_limits(1, "blas"):
            model = cls(**params)
            model.fit(x, show_progress=False)
        fit_s = time.perf_counter() - t0
        RecommenderVectors(inter.item_ids, np.asarray(model.item_factors), user_ids=inter.user_ids,
                           history_indptr=inter.indptr, history_indices=inter.indices,
                           user_vectors=np.asarray(model.user_factors), user_mode="stored").save(args.out)
    else:  # gensim item2vec: Word2Vec over the same sequences, scored like embedlab's
        from gensim.models import Word2Vec

        sentences = [[inter.item_ids[i] for i in inter.row(u)] for u in range(inter.n_users)]
        t0 = time.perf_counter()
        model = Word2Vec(sentences, sg=1, hs=0, min_count=1, **params)
        fit_s = time.perf_counter() - t0
        kv = model.wv
        RecommenderVectors(list(kv.index_to_key), kv.vectors, user_ids=[], history_indptr=np.zeros(1, np.int64),
                           history_indices=np.zeros(0, np.int64), user_mode="mean", score="dot",
                           output_vectors=model.syn1neg).save(args.out)
    peak = _peak_mb()
    print(json.dumps({"fit_s": fit_s, "rss_mb": peak, "fit_mb": peak - base_mb}))


def _fit(side: str, name: str, split: Path, params: dict, tmp: Path, threads: int) -> tuple[Path, dict]:
    out = tmp / f"{split.name}-{side}-{name}-{abs(hash(json.dumps(params, sort_keys=True))) % 10**8}.npz"
    cmd = python_cmd(HERE, "--child", f"{side}:{name}", "--split", str(split), "--out", str(out),
                     "--params", json.dumps(params))
    return out, run_json_child(cmd, threads=threads, label=f"{side} {name}")


def _evaluate(path: Path, split: Path | str, k: int = 10) -> dict:
    from embedlab.evaluation.recommendation import Recommendation
    from embedlab.vectors.io import load_vectors

    res = Recommendation(split, k=k, n_boot=0).evaluate(load_vectors(path))
    return {**res.metrics, "_result": res}


# ---------------------------------------------------------------------------- data
def _write_split(inter, by: str, folder: Path, *, valid: bool, seed: int = 0, ratios=None) -> Path:
    from embedlab.corpus.interactions import split_interactions, write_interactions

    folder.mkdir(parents=True, exist_ok=True)
    s = split_interactions(inter, by, valid=valid, seed=seed, ratios=ratios)
    write_interactions(s.train, folder / "train.csv")
    write_interactions(s.test, folder / "test.csv")
    if s.valid is not None:
        write_interactions(s.valid, folder / "valid.csv")
    return folder


def _generated(n_users: int = 70_000, n_items: int = 20_000, mean_len: int = 80, seed: int = 0):
    """Users with 1-3 latent groups of 200 items (uniform inside a group) plus 20% of draws from
    a global power-law popularity (``p ~ 1 / (rank + 10) ** 0.8``); duplicates summed."""
    from embedlab.corpus.interactions import from_pairs

    rng = np.random.default_rng(seed)
    n_groups = n_items // 200
    lens = np.clip(rng.geometric(1.0 / mean_len, size=n_users), 3, 1000)
    users = np.repeat(np.arange(n_users), lens)
    n = users.size
    ug = rng.integers(0, n_groups, size=(n_users, 3))
    group = ug[users, rng.integers(0, 3, size=n)]
    items = group * 200 + rng.integers(0, 200, size=n)
    glob = rng.random(n) < 0.2
    pop = 1.0 / (np.arange(n_items) + 10.0) ** 0.8
    items[glob] = rng.permutation(n_items)[rng.choice(n_items, size=int(glob.sum()), p=pop / pop.sum())]
    return from_pairs(users.astype(str), items.astype(str), times=np.arange(n, dtype=np.float64))


# ---------------------------------------------------------------------------- runs
DEFAULTS = {
    "popularity": {},
    "itemknn": {},
    "ease": {},
}


def _row(label: str, m: dict, fit: dict) -> dict:
    return {"model": label, "recall@10": m.get("recall@10"), "ndcg@10": m.get("ndcg@10"), "hit@10": m.get("hit@10"),
            "fit_s": fit["fit_s"], "rss_mb": fit["rss_mb"], "fit_mb": fit.get("fit_mb", float("nan"))}


def _print(title: str, rows: list[dict]) -> None:
    REPORT["sections"].append({"title": title, "rows": rows, "ratios": []})
    print(f"\n## {title}")
    print(f"{'model':34s} {'recall@10':>9s} {'ndcg@10':>8s} {'hit@10':>7s} {'fit s':>8s} {'peak MB':>8s}")
    for r in rows:
        print(f"{r['model']:34s} {r['recall@10']:9.4f} {r['ndcg@10']:8.4f} {r['hit@10']:7.4f} {r['fit_s']:8.2f} {r['rss_mb']:8.0f}")
    sys.stdout.flush()


def _i2v_params(threads: int, seed: int, **over) -> tuple[dict, dict]:
    """The same item2vec settings for embedlab and gensim (gensim's names)."""
    p = dict(vector_size=64, window=20, negative=5, ns_exponent=-0.5, sample=0.0, epochs=10, alpha=0.025,
             min_alpha=0.0001)
    p.update(over)
    ours = dict(p, window_mode="sequential", n_threads=threads, random_state=seed, show_progress=False)
    theirs = dict(p, workers=threads, seed=seed)
    return ours, theirs


def run_common(split: Path, tmp: Path, threads: int, seeds: list[int], i2v_over: dict | None = None,
               with_wrappers: bool = True, repeats: int = 1) -> tuple[list[dict], dict]:
    """Popularity, item-kNN, EASE, implicit ALS/BPR (direct + wrapped), item2vec (embedlab + gensim).
    item2vec's fits run ``repeats`` times per seed, the two sides alternating (one child process
    each); the rows give the medians."""
    rows: list[dict] = []
    store: dict = {}
    for name in ("popularity", "itemknn", "ease"):
        path, fit = _fit("embedlab", name, split, DEFAULTS[name], tmp, threads)
        m = _evaluate(path, split)
        store[name] = (path, m)
        rows.append(_row(f"embedlab {name}", m, fit))
    for name in ("als", "bpr"):
        per = {"implicit": [], "embedlab": []}
        for seed in seeds:
            path, fit = _fit("implicit", name, split, {"random_state": seed, "num_threads": threads}, tmp, threads)
            per["implicit"].append((path, _evaluate(path, split), fit))
            if with_wrappers:
                path, fit = _fit("embedlab", name, split, {"random_state": seed, "n_threads": threads,
                                                             "show_progress": False}, tmp, threads)
                per["embedlab"].append((path, _evaluate(path, split), fit))
        for side, runs in per.items():
            if runs:
                rows.append(_median_row(f"{side} {name} (defaults)", runs))
                store[f"{side}-{name}"] = runs
    per = {"embedlab": [], "gensim": []}
    for seed in seeds:
        ours, theirs = _i2v_params(threads, seed, **(i2v_over or {}))
        for rep in range(repeats):
            for side, params in (("embedlab", ours), ("gensim", theirs))[:: 1 if rep % 2 == 0 else -1]:
                path, fit = _fit(side, "item2vec", split, params, tmp, threads)
                per[side].append((path, _evaluate(path, split), fit))
    for side, runs in per.items():
        rows.append(_median_row(f"{side} item2vec", runs))
        store[f"{side}-item2vec"] = runs
    return rows, store


def _median_row(label: str, runs: list) -> dict:
    med = lambda key: statistics.median(r[1][key] for r in runs)  # noqa: E731
    return {"model": label + (f" x{len(runs)}" if len(runs) > 1 else ""), "recall@10": med("recall@10"),
            "ndcg@10": med("ndcg@10"), "hit@10": med("hit@10"),
            "fit_s": statistics.median(r[2]["fit_s"] for r in runs), "rss_mb": max(r[2]["rss_mb"] for r in runs),
            "fit_mb": max(r[2].get("fit_mb", float("nan")) for r in runs)}


def _ratios(rows: list[dict]) -> None:
    by = {r["model"].split(" x")[0]: r for r in rows}
    lines = []
    a, b = by.get("embedlab item2vec"), by.get("gensim item2vec")
    if a and b:
        lines.append(f"item2vec: gensim/embedlab fit time {b['fit_s'] / a['fit_s']:.2f}x, NDCG@10 embedlab - gensim "
                     f"{a['ndcg@10'] - b['ndcg@10']:+.4f}")
    for name in ("als", "bpr"):
        a, b = by.get(f"embedlab {name} (defaults)"), by.get(f"implicit {name} (defaults)")
        if a and b:
            lines.append(f"{name}: embedlab wrapper / implicit direct: fit time {a['fit_s'] / b['fit_s']:.2f}x, "
                         f"peak RSS {a['rss_mb'] / b['rss_mb']:.2f}x (imports included; memory the fit adds: "
                         f"{a['fit_mb']:.0f} vs {b['fit_mb']:.0f} MB), NDCG@10 {a['ndcg@10'] - b['ndcg@10']:+.4f}")
    pop = by.get("embedlab popularity")
    if pop:
        worse = [r["model"] for r in rows if r is not pop and r["ndcg@10"] <= pop["ndcg@10"]]
        lines.append("every model beats popularity on NDCG@10" if not worse else f"not above popularity: {', '.join(worse)}")
    for line in lines:
        print("ratio:", line)
    if REPORT["sections"]:
        REPORT["sections"][-1]["ratios"] += lines


def _tune(estimator, split_spec: str, train: Path, space: dict, trials: int, validation_fraction: float, seed: int):
    from embedlab.tuning.study import tune

    return tune(estimator, str(train), split_spec, space=space, n_trials=trials, pruner="none",
                random_state=seed, validation_fraction=validation_fraction)


def ml100k(tmp: Path, args: argparse.Namespace) -> None:
    from embedlab.corpus.interactions import movielens_100k_path, read_interactions
    from embedlab.models.item2vec import Item2Vec
    from embedlab.models.recommend import ALS, EASE

    split = _write_split(read_interactions(movielens_100k_path()), "leave-last-out", tmp / "ml100k", valid=True)
    rows, store = run_common(split, tmp, args.threads, args.seeds)
    _print("MovieLens-100k, leave-last-out (test: last item; valid: second-to-last)", rows)
    _ratios(rows)
    if args.tune_trials <= 0:
        return
    # tuning on valid.csv (each user's second-to-last item, all 943 users; models fitted on
    # train.csv), then the best parameters of each model refitted and scored once on test.csv
    als_test = statistics.median(r[1]["ndcg@10"] for r in store["implicit-als"])
    ease_default = store["ease"][1]["ndcg@10"]
    valid = f"recommendation:{split / 'valid.csv'}"
    spaces = {
        "ease": (EASE(), {"l2": {"low": 10.0, "high": 3000.0, "log": True}}, {}),
        "als": (ALS(n_threads=args.threads, random_state=0, show_progress=False),
                {"factors": {"low": 16, "high": 256, "log": True}, "regularization": {"low": 1e-3, "high": 100.0, "log": True},
                 "alpha": {"low": 0.5, "high": 50.0, "log": True}, "iterations": (5, 30)},
                {"n_threads": args.threads, "random_state": 0, "show_progress": False}),
        "item2vec": (Item2Vec(n_threads=args.threads, show_progress=False, random_state=0),
                     {"ns_exponent": (-1.0, 1.0), "window": {"low": 2, "high": 50, "log": True}, "negative": (2, 20),
                      "vector_size": {"low": 16, "high": 128, "log": True}, "epochs": (5, 20),
                      "user_vectors": {"choices": ["mean", "recency"]},
                      "recency_half_life": {"low": 0.5, "high": 50.0, "log": True}},
                     {"n_threads": args.threads, "show_progress": False, "random_state": 0}),
    }
    print("\n## MovieLens-100k tuned on valid.csv (all users), best parameters refitted and scored on test.csv")
    best = None
    for name, (est, space, fixed) in spaces.items():
        res = _tune(est, valid, split / "train.csv", space, args.tune_trials, 1.0, 0)
        t = res.study.best_trial
        path, fit = _fit("embedlab", name, split, {**fixed, **t.params}, tmp, args.threads)
        test = _evaluate(path, split)["ndcg@10"]
        print(f"{name:10s} best validation NDCG@10 {t.value:.4f}  test NDCG@10 {test:.4f}  params "
              f"{ {k: round(v, 4) if isinstance(v, float) else v for k, v in t.params.items()} }", flush=True)
        REPORT.setdefault("tuned", []).append({"model": name, "valid_ndcg@10": t.value, "test_ndcg@10": test,
                                               "params": t.params, "trials": args.tune_trials})
        if best is None or t.value > best[1]:
            best = (name, t.value, test)
    print(f"implicit ALS defaults on test: {als_test:.4f} (median of seeds {args.seeds}); EASE defaults: {ease_default:.4f}")
    name, _, test = best
    REPORT["tuned_best"] = {"model": name, "test_ndcg@10": test, "implicit_als_defaults_ndcg@10": als_test,
                            "ratio_vs_implicit_als": test / als_test, "ease_defaults_ndcg@10": ease_default}
    print(f"ratio: tuned best by validation ({name}) / implicit ALS defaults = {test / als_test:.3f}x (target >= 1.15); "
          f"tuned best - EASE defaults = {test - ease_default:+.4f}")


def recbole(tmp: Path, args: argparse.Namespace) -> None:
    from embedlab.corpus.interactions import movielens_100k_path, read_interactions
    from embedlab.models.recommend import EASE

    split = _write_split(read_interactions(movielens_100k_path()), "ratio", tmp / "recbole", valid=True,
                         ratios=(0.8, 0.1, 0.1))
    rows, _ = run_common(split, tmp, args.threads, args.seeds[:1], with_wrappers=False,
                         i2v_over=dict(window=50, epochs=20))
    if args.tune_trials > 0:
        res = _tune(EASE(), f"recommendation:{split / 'valid.csv'}", split / "train.csv",
                    {"l2": {"low": 10.0, "high": 3000.0, "log": True}}, args.tune_trials, 1.0, 0)
        l2 = res.study.best_trial.params["l2"]
        path, fit = _fit("embedlab", "ease", split, {"l2": l2}, tmp, args.threads)
        rows.append(_row(f"embedlab EASE tuned on valid (l2={l2:.0f})", _evaluate(path, split), fit))
    _print("MovieLens-100k, RecBole random 80/10/10 per user (test; valid items left out)", rows)
    _ratios(rows)


def groceries(tmp: Path, args: argparse.Namespace) -> None:
    from embedlab.corpus.interactions import read_interactions

    path = _groceries_path()
    if not path.is_file():
        print("\n## groceries: not found (embedlab datasets fetch groceries), skipped")
        return
    split = _write_split(read_interactions(path), "leave-one-out", tmp / "groceries", valid=False)
    rows, store = run_common(split, tmp, args.threads, args.seeds[:1], with_wrappers=False, repeats=args.repeats)
    _print("groceries baskets, one random item hidden per basket", rows)
    if args.repeats > 1:
        for side in ("embedlab", "gensim"):
            print(f"{side} item2vec fit s, {args.repeats} runs: "
                  + ", ".join(f"{r[2]['fit_s']:.3f}" for r in store[f"{side}-item2vec"]))
        # the two fits of a repeat run back to back: their ratio sees the same host, which drifts
        paired = [g[2]["fit_s"] / e[2]["fit_s"] for e, g in zip(store["embedlab-item2vec"], store["gensim-item2vec"])]
        print(f"item2vec paired gensim/embedlab fit-time ratios: {', '.join(f'{x:.2f}' for x in paired)}; "
              f"median {statistics.median(paired):.2f}x")
    _ratios(rows)


def large(tmp: Path, args: argparse.Namespace) -> None:
    inter = _generated()
    split = _write_split(inter, "leave-last-out", tmp / "large", valid=False)
    print(f"\n(large: {inter.n_users:,} users x {inter.n_items:,} items, {inter.nnz:,} interactions)")
    rows: list[dict] = []
    wanted = set(args.large_models)
    path, fit = _fit("embedlab", "popularity", split, {}, tmp, args.threads)
    rows.append(_row("embedlab popularity", _evaluate(path, split), fit))
    for name in [m for m in ("als", "bpr") if m in wanted]:
        path, fit = _fit("implicit", name, split, {"random_state": 0, "num_threads": args.threads}, tmp, args.threads)
        rows.append(_row(f"implicit {name} (defaults)", _evaluate(path, split), fit))
        path, fit = _fit("embedlab", name, split, {"random_state": 0, "n_threads": args.threads, "show_progress": False},
                         tmp, args.threads)
        rows.append(_row(f"embedlab {name} (defaults)", _evaluate(path, split), fit))
    if "item2vec" not in wanted:
        _print(f"generated {inter.nnz / 1e6:.1f}M interactions, leave-last-out", rows)
        _ratios(rows)
        return
    ours, theirs = _i2v_params(args.threads, 0, window=args.large_window, epochs=args.large_epochs)
    path, fit = _fit("embedlab", "item2vec", split, ours, tmp, args.threads)
    rows.append(_row("embedlab item2vec", _evaluate(path, split), fit))
    path, fit = _fit("gensim", "item2vec", split, theirs, tmp, args.threads)
    rows.append(_row("gensim item2vec", _evaluate(path, split), fit))
    _print(f"generated {inter.nnz / 1e6:.1f}M interactions, leave-last-out (item2vec window {args.large_window}, {args.large_epochs} epochs)", rows)
    _ratios(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=["ml100k", "recbole", "groceries"],
                    choices=["ml100k", "recbole", "groceries", "large"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--tune-trials", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=5,
                    help="item2vec fits per side on groceries (sub-second fits; the median is reported).")
    ap.add_argument("--large-epochs", type=int, default=2)
    ap.add_argument("--large-window", type=int, default=5, help="item2vec's window on the generated set (its default is 20).")
    ap.add_argument("--large-models", nargs="+", default=["als", "bpr", "item2vec"], choices=["als", "bpr", "item2vec"])
    ap.add_argument("--child")
    ap.add_argument("--split")
    ap.add_argument("--out")
    ap.add_argument("--params", default="{}")
    ap.add_argument("--json", help="also write every table's rows to this JSON file")
    add_quick(ap, {"datasets": ["ml100k"], "tune_trials": 0, "seeds": [0]})
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error(f"--repeats: must be at least 1, got {args.repeats}")
    if args.child:
        _child(args)
        return
    import logging

    logging.getLogger("embedlab").setLevel(logging.WARNING)
    print(f"# recommend_vs_implicit: threads {args.threads}, seeds {args.seeds}")
    with tempfile.TemporaryDirectory(prefix="recbench-") as tmp:
        for name in args.datasets:
            t0 = time.perf_counter()
            {"ml100k": ml100k, "recbole": recbole, "groceries": groceries, "large": large}[name](Path(tmp), args)
            print(f"({name}: {time.perf_counter() - t0:.0f} s)")
    write_json(args.json, {"threads": args.threads, "seeds": args.seeds, "tune_trials": args.tune_trials,
                           "datasets": args.datasets, **REPORT})


if __name__ == "__main__":
    main()
