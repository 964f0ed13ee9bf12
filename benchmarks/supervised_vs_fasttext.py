"""embedlab's supervised classifier vs ``fasttext.train_supervised`` on the same data and settings.

    python benchmarks/supervised_vs_fasttext.py [--threads 2] [--seeds 3] [--sets sst2,movie_reviews,subjectivity]
    python benchmarks/supervised_vs_fasttext.py --autotune 120      # tuned embedlab vs fastText autotune

Data (../shared/data/classification): SST-2 (train_full.tsv, 67k sentences; scored on dev.tsv),
NLTK movie_reviews (2,000 reviews) and subjectivity (10,000 sentences), each split 80/20 by a
seeded stratified permutation (training part shuffled: the zips are sorted by label). Every set is written once as fastText ``__label__`` lines, and both
sides train on that same file and are scored on the same test texts. Settings are fastText's
defaults (dim 100, lr 0.1, 5 epochs, minCount 1, softmax) on both sides, except movie_reviews
(1,600 long documents: 25 epochs). Runs: unigrams on every set, plus word bigrams
(``wordNgrams 2``) and character n-grams (``minn 3 maxn 6``) on SST-2. Each configuration runs
``--seeds`` times per side, alternating which side goes first; numba kernels are compiled by a
warm-up fit before timing. Time is end to end (reading the file, vocabulary, training), wall and
CPU (user+sys of all threads); words/s = training tokens (words + one end-of-line token per
line) x epochs / wall time. Size: fastText's ``save_model`` .bin vs embedlab's ``save`` .npz.

Every fit runs in a fresh Python process (``--child``), timed inside it after imports (embedlab's
cached numba kernels are loaded by a two-line warm-up fit first; fastText has no JIT). fastText
0.9.3 (the PyPI package) at times stops with ``RuntimeError: Encountered NaN`` on these files,
more often inside a long-lived process; a failed run is retried in a new process with another
seed (seed + 1000) and the failures are counted and printed (only successful runs are timed).

``--autotune SECONDS``: SST-2's train_full split 90/10 (seeded) into train and validation;
fastText's autotune (``autotuneValidationFile``, ``autotuneDuration=SECONDS``) against
``embedlab.tuning.tune`` (TPE, objective ``classification:VALID``) given the same wall budget
including the final refit with the best parameters; both scored on dev.tsv.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))
DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", HERE.parents[2] / "shared" / "data")) / "classification"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def write_fasttext(path: Path, texts: list[str], labels: list[str]) -> int:
    """``__label__Y text`` lines; returns the number of training tokens (words + one EOS per line)."""
    tokens = 0
    with open(path, "w", encoding="utf-8") as fh:
        for t, y in zip(texts, labels):
            t = _one_line(t)
            tokens += len(t.split()) + 1
            fh.write(f"__label__{y} {t}\n")
    return tokens


def split(texts: list[str], labels: list[str], seed: int = 0, test: float = 0.2):
    rng = np.random.default_rng(seed)
    y = np.asarray(labels)
    test_idx = []
    for lab in sorted(set(labels)):
        idx = np.flatnonzero(y == lab)
        rng.shuffle(idx)
        test_idx.extend(idx[: int(round(test * len(idx)))].tolist())
    mask = np.zeros(len(texts), dtype=bool)
    mask[test_idx] = True
    tr = rng.permutation(np.flatnonzero(~mask)).tolist()  # the NLTK zips are sorted by label: shuffle
    te = [i for i in range(len(texts)) if mask[i]]
    return [texts[i] for i in tr], [labels[i] for i in tr], [texts[i] for i in te], [labels[i] for i in te]


def load_sets(names: list[str]) -> dict:
    from embedlab.corpus.taskdata import load_labelled_texts

    out = {}
    for name in names:
        if name == "sst2":
            tr = load_labelled_texts(DATA / "SST-2" / "train_full.tsv")
            te = load_labelled_texts(DATA / "SST-2" / "dev.tsv")
            out[name] = (tr.texts, tr.labels, te.texts, te.labels, {})
        else:
            d = load_labelled_texts(DATA / f"{name}.zip")
            extra = {"epoch": 25} if name == "movie_reviews" else {}
            out[name] = (*split(d.texts, d.labels), extra)
    return out


def scores(pred: list[str], gold: list[str]) -> dict:
    from sklearn.metrics import f1_score

    return {"accuracy": float(np.mean(np.asarray(pred) == np.asarray(gold))),
            "macro_f1": float(f1_score(gold, pred, average="macro"))}


def run_fasttext(train: Path, test_texts, test_labels, settings: dict, threads: int, seed: int, tmp: Path) -> dict:
    import fasttext

    c0, t0 = time.process_time(), time.perf_counter()
    try:
        model = fasttext.train_supervised(input=str(train), thread=threads, seed=seed, verbose=0, **settings)
    except RuntimeError as exc:
        if "NaN" not in str(exc):
            raise
        return {"nan": True}
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    labels, _ = model.predict([_one_line(t) for t in test_texts], k=1)
    pred = [lab[0][len("__label__"):] for lab in labels]
    path = tmp / "ft.bin"
    model.save_model(str(path))
    size = path.stat().st_size
    path.unlink()
    return {"wall": wall, "cpu": cpu, "size_mb": size / 1e6, **scores(pred, test_labels)}


_FLAGS = {"epoch": "epochs", "lr": "alpha", "wordNgrams": "word_ngrams", "minn": "min_n", "maxn": "max_n",
          "dim": "vector_size", "minCount": "min_count", "bucket": "bucket", "loss": "loss"}


def run_embedlab(train: Path, test_texts, test_labels, settings: dict, threads: int, seed: int, tmp: Path) -> dict:
    from embedlab.models.supervised import SupervisedClassifier

    params = {_FLAGS[k]: v for k, v in settings.items()}
    # load the cached numba kernels (first call of each) before timing: fastText has no JIT
    warm = tmp / "warm.txt"
    warm.write_text("__label__a x y\n__label__b y z\n", encoding="utf-8")
    SupervisedClassifier(n_threads=threads, show_progress=False, **{**params, "epochs": 1}).fit(warm).predict(["x"])
    c0, t0 = time.process_time(), time.perf_counter()
    model = SupervisedClassifier(n_threads=threads, random_state=seed, show_progress=False, **params).fit(train)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    pred = list(model.predict(test_texts))
    path = model.save(tmp / "el.npz")
    size = path.stat().st_size
    path.unlink()
    return {"wall": wall, "cpu": cpu, "size_mb": size / 1e6, **scores(pred, test_labels)}


def _child(side: str, train: Path, test: Path, settings: dict, threads: int, seed: int, tmp: Path) -> dict:
    """One fit + score in a fresh Python process (fastText's NaN failures depend on the process's heap)."""
    from _common import python_cmd, run_json_child

    cmd = python_cmd(HERE, "--child", side, str(train), str(test), json.dumps(settings), str(threads), str(seed),
                     str(tmp))
    return run_json_child(cmd, threads=threads, label=f"{side} run")


def child_main(argv: list[str]) -> None:
    side, train, test, settings, threads, seed, tmp = argv
    from embedlab.corpus.labelled import read_labelled

    data = read_labelled(test)
    texts, labels = data.texts, [lab[0] for lab in data.labels]
    fn = run_fasttext if side == "fasttext" else run_embedlab
    out = fn(Path(train), texts, labels, json.loads(settings), int(threads), int(seed), Path(tmp))
    print(json.dumps(out))


def compare(args) -> list[dict]:
    sets = load_sets(args.sets.split(","))
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, (trx, try_, tex, tey, extra) in sets.items():
            train = tmp / f"{name}.train.txt"
            tokens = write_fasttext(train, trx, try_)
            configs = [("unigrams", {})]
            if name == "sst2":
                configs += [("bigrams", {"wordNgrams": 2}), ("char 3-6", {"minn": 3, "maxn": 6})]
            for label, cfg in configs:
                settings = {**extra, **cfg}
                epochs = settings.get("epoch", 5)
                test = tmp / f"{name}.test.txt"
                write_fasttext(test, tex, tey)
                _child("embedlab", train, test, {**settings, "epoch": 1}, args.threads, 0, tmp)  # compile once
                runs = {"fasttext": [], "embedlab": []}
                failures = 0
                for s in range(args.seeds):
                    order = ("fasttext", "embedlab") if s % 2 == 0 else ("embedlab", "fasttext")
                    for side in order:
                        seed = s + 1
                        while True:
                            r = _child(side, train, test, settings, args.threads, seed, tmp)
                            if not r.get("nan"):
                                break
                            failures += 1  # fastText's "Encountered NaN": another seed, fresh process
                            if failures > 50:
                                raise SystemExit("fastText kept failing with 'Encountered NaN'")
                            seed += 1000
                        r["words_per_sec"] = tokens * epochs / r["wall"]
                        runs[side].append(r)
                        print(json.dumps({"set": name, "config": label, "side": side, "seed": s + 1, **r}),
                              file=sys.stderr, flush=True)
                row = {"set": name, "config": label, "train_texts": len(trx), "test_texts": len(tex)}
                for side, rs in runs.items():
                    for key in ("accuracy", "macro_f1", "wall", "cpu", "words_per_sec", "size_mb"):
                        row[f"{side}_{key}"] = statistics.median(r[key] for r in rs)
                    row[f"{side}_accuracy_all"] = [round(r["accuracy"], 4) for r in rs]
                row["fasttext_nan_failures"] = failures
                row["speed_ratio"] = row["fasttext_wall"] / row["embedlab_wall"]
                row["cpu_ratio"] = row["fasttext_cpu"] / row["embedlab_cpu"]
                row["accuracy_diff_pt"] = 100 * (row["embedlab_accuracy"] - row["fasttext_accuracy"])
                row["size_ratio"] = row["embedlab_size_mb"] / row["fasttext_size_mb"]
                rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    head = ("| set | config | fastText acc | embedlab acc | diff pt | fastText F1 | embedlab F1 | fastText s | "
            "embedlab s | speed ratio | CPU ratio | embedlab words/s | fastText MB | embedlab MB |")
    print(head)
    print("|" + " --- |" * 2 + " ---: |" * 12)
    for r in rows:
        print(f"| {r['set']} | {r['config']} | {r['fasttext_accuracy']:.4f} | {r['embedlab_accuracy']:.4f} | "
              f"{r['accuracy_diff_pt']:+.2f} | {r['fasttext_macro_f1']:.4f} | {r['embedlab_macro_f1']:.4f} | "
              f"{r['fasttext_wall']:.2f} | {r['embedlab_wall']:.2f} | {r['speed_ratio']:.2f}x | "
              f"{r['cpu_ratio']:.2f}x | {r['embedlab_words_per_sec']:,.0f} | {r['fasttext_size_mb']:.1f} | "
              f"{r['embedlab_size_mb']:.1f} |")
    for r in rows:
        print(f"{r['set']} {r['config']}: accuracy per seed fastText {r['fasttext_accuracy_all']}, "
              f"embedlab {r['embedlab_accuracy_all']}; fastText 'Encountered NaN' retries: "
              f"{r['fasttext_nan_failures']}")


def autotune(args) -> dict:
    import fasttext

    from embedlab.corpus.taskdata import load_labelled_texts
    from embedlab.models.supervised import SupervisedClassifier
    from embedlab.tuning import tune

    tr = load_labelled_texts(DATA / "SST-2" / "train_full.tsv")
    dev = load_labelled_texts(DATA / "SST-2" / "dev.tsv")
    trx, try_, vax, vay = split(tr.texts, tr.labels, seed=1, test=0.1)
    budget = float(args.autotune)
    out = {"budget_s": budget}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        train, valid = tmp / "train.txt", tmp / "valid.txt"
        write_fasttext(train, trx, try_)
        write_fasttext(valid, vax, vay)
        valid_tsv = tmp / "valid.tsv"
        valid_tsv.write_text("text\tlabel\n" + "".join(f"{_one_line(t)}\t{y}\n" for t, y in zip(vax, vay)),
                             encoding="utf-8")
        SupervisedClassifier(n_threads=args.threads, epochs=1, show_progress=False).fit(valid)  # compile

        t0 = time.perf_counter()
        ft = fasttext.train_supervised(input=str(train), autotuneValidationFile=str(valid),
                                       autotuneDuration=int(budget), thread=args.threads, verbose=0)
        out["fasttext_wall"] = time.perf_counter() - t0
        labels, _ = ft.predict([_one_line(t) for t in dev.texts], k=1)
        out["fasttext"] = scores([lab[0][len("__label__"):] for lab in labels], dev.labels)
        a = ft.f.getArgs()
        out["fasttext_params"] = {"epoch": a.epoch, "lr": a.lr, "dim": a.dim, "wordNgrams": a.wordNgrams,
                                  "minn": a.minn, "maxn": a.maxn, "bucket": a.bucket, "minCount": a.minCount}

        t0 = time.perf_counter()
        base = SupervisedClassifier(n_threads=args.threads, random_state=0, show_progress=False)
        # leave room for the final refit: stop starting trials at 85% of the budget
        result = tune(base, str(train), [f"classification:{valid_tsv}"], n_trials=None, timeout=0.85 * budget,
                      validation_fraction=1.0, random_state=0, pruner="none")
        best = dict(result.study.best_trial.params)
        model = SupervisedClassifier(n_threads=args.threads, random_state=0, show_progress=False,
                                     **best).fit(str(train))
        out["embedlab_wall"] = time.perf_counter() - t0
        out["embedlab"] = scores(list(model.predict(dev.texts)), dev.labels)
        out["embedlab_params"] = best
        out["embedlab_trials"] = len(result.study.trials)
    out["accuracy_diff_pt"] = 100 * (out["embedlab"]["accuracy"] - out["fasttext"]["accuracy"])
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sets", default="sst2,movie_reviews,subjectivity")
    parser.add_argument("--autotune", type=float, default=None, help="Compare tuning instead, with this budget (s).")
    parser.add_argument("--json", type=Path, default=None, help="Also write the rows as JSON here.")
    args = parser.parse_args()
    if args.autotune:
        res = autotune(args)
        print(json.dumps(res, indent=2))
    else:
        res = compare(args)
        print_table(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    print(f"load average: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
