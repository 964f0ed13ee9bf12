"""ImageCNN on scikit-learn's digits: k-NN accuracy against PCA on pixels, and training speed
against a plain PyTorch loop of the same network.

    python benchmarks/images_digits.py [--seeds 0 1 2] [--size 16] [--epochs 30] [--threads 1] [--repeats 3] [--json out.json]
    python benchmarks/images_digits.py --quick     # one seed, 15 epochs at most, 500 bootstrap draws

Data: ``sklearn.datasets.load_digits`` (1,797 8x8 grey images, 10 classes, pixel values 0-16,
bundled). Per seed: a stratified 80/20 split (``train_test_split(stratify=y)``); the CNN trains on
the 80% (its own early-stopping split, 10% of each class, is carved from it) and embeds both parts;
PCA (``--pca-dim`` components) is fitted on the training pixels (scaled to [0, 1]) and projects
both. Both sets of vectors are scored by the same ``image-knn`` evaluator
(:class:`embedlab.evaluation.images.ImageKNN`): each test image is classified by its 5 most
cosine-similar training images; mAP and recall@1 rank the training images by label. The paired
comparison is a paired bootstrap over the test images (CNN - PCA, ``compare_results``).

Speed (after the accuracy runs, on seed ``--seeds[0]``'s training part): images per second of
training for ``ImageCNN.fit`` (its whole epoch loop: reading batches from the collection,
validation after each epoch, early-stopping bookkeeping; ``--speed-epochs`` epochs, no early stop)
and for a plain PyTorch loop of the same network, batch size, optimiser and number of epochs on
tensors already in memory (no validation), alternated in this process with the same thread count,
best of ``--repeats`` each (the CPU may be shared); the ratio embedlab / plain, and the share of
ImageCNN's training time spent reading batches.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import add_quick


def knn_scores(kv, keys_train, keys_test, y_train, y_test, folder: Path, n_boot: int):
    from embedlab.evaluation.images import ImageKNN

    table = folder / "labels.csv"
    rows = [f"{k},{lab},train\n" for k, lab in zip(keys_train, y_train)]
    rows += [f"{k},{lab},test\n" for k, lab in zip(keys_test, y_test)]
    table.write_text("key,label,split\n" + "".join(rows))
    return ImageKNN(table, k=5, n_boot=n_boot, random_state=0).evaluate(kv)


def plain_loop(x_train: np.ndarray, y_train: np.ndarray, *, size: int, widths, dim: int, n_classes: int,
               epochs: int, batch_size: int, lr: float, weight_decay: float, seed: int) -> float:
    """Images/s of a bare training loop of the same network on in-memory tensors."""
    import torch

    from embedlab.models.cnn import _network

    torch.manual_seed(seed)
    net = _network(torch, 1, size, list(widths), dim, n_classes, 0.1)
    x = torch.from_numpy(x_train)
    net.mean.fill_(float(x.mean()))
    net.std.fill_(float(x.std()))
    y = torch.from_numpy(y_train.astype(np.int64))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    net.train()
    seen = 0
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        if len(perm) % batch_size == 1:
            perm = perm[:-1]
        for lo in range(0, len(perm), batch_size):
            idx = perm[lo:lo + batch_size]
            opt.zero_grad()
            _, logits = net(x[idx])
            loss = torch.nn.functional.cross_entropy(logits, y[idx])
            loss.backward()
            opt.step()
            seen += len(idx)
    return seen / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--widths", default="32,64,128")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--pca-dim", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--speed-epochs", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    add_quick(ap, {"seeds": [0], "epochs": 15, "n_boot": 500, "speed_epochs": 3, "repeats": 2})
    args = ap.parse_args()

    import torch
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split

    from embedlab.corpus.images import images_from_arrays
    from embedlab.evaluation.stats import compare_results
    from embedlab.models.cnn import ImageCNN
    from embedlab.vectors import KeyedVectors

    torch.set_num_threads(args.threads)
    digits = load_digits()
    images, y = digits.images / 16.0, digits.target
    keys = np.array([f"d{i:04d}" for i in range(len(y))])
    widths = tuple(int(w) for w in args.widths.split(","))
    rows = []
    for seed in args.seeds:
        tr, te = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=seed)
        train_col = images_from_arrays(images[tr], y[tr], keys[tr], size=args.size, source="digits-train")
        test_col = images_from_arrays(images[te], y[te], keys[te], size=args.size, source="digits-test")
        model = ImageCNN(size=args.size, widths=widths, embedding_dim=args.dim, epochs=args.epochs,
                         patience=args.patience, batch_size=args.batch_size, lr=args.lr, n_threads=args.threads,
                         random_state=seed, show_progress=False)
        t0 = time.perf_counter()
        model.fit(train_col)
        fit_s = time.perf_counter() - t0
        cnn_kv = KeyedVectors(list(keys[tr]) + list(keys[te]),
                              np.vstack([model.vectors_.vectors, model.encode(test_col).vectors]))
        pca = PCA(n_components=args.pca_dim, random_state=seed).fit(images[tr].reshape(len(tr), -1))
        pca_kv = KeyedVectors(list(keys[tr]) + list(keys[te]),
                              pca.transform(images[np.concatenate([tr, te])].reshape(len(y), -1)))
        with tempfile.TemporaryDirectory() as tmp:
            r_cnn = knn_scores(cnn_kv, keys[tr], keys[te], y[tr], y[te], Path(tmp), args.n_boot)
            r_pca = knn_scores(pca_kv, keys[tr], keys[te], y[tr], y[te], Path(tmp), args.n_boot)
        paired = compare_results(r_cnn, r_pca, n_boot=args.n_boot, random_state=seed)
        row = {
            "seed": seed, "epochs_run": model.epochs_run_, "best_epoch": model.best_epoch_, "fit_s": round(fit_s, 2),
            "cnn": {m: r_cnn.metrics[m] for m in ("accuracy", "map", "recall@1")},
            "cnn_accuracy_ci": r_cnn.details["ci"]["accuracy"],
            "pca": {m: r_pca.metrics[m] for m in ("accuracy", "map", "recall@1")},
            "pca_accuracy_ci": r_pca.details["ci"]["accuracy"],
            "paired_accuracy": {"diff": paired.diff, "ci": list(paired.ci), "p": paired.p_value},
        }
        rows.append(row)
        print(f"seed {seed}: {model.epochs_run_} epochs ({fit_s:.0f} s); k-NN accuracy CNN {row['cnn']['accuracy']:.4f} "
              f"[{row['cnn_accuracy_ci'][0]:.4f}, {row['cnn_accuracy_ci'][1]:.4f}] vs PCA-{args.pca_dim} "
              f"{row['pca']['accuracy']:.4f}; diff {paired.diff:+.4f} [{paired.ci[0]:+.4f}, {paired.ci[1]:+.4f}] "
              f"{paired.p_text}; mAP {row['cnn']['map']:.4f} vs {row['pca']['map']:.4f}", flush=True)
    mean = lambda f: float(np.mean([f(r) for r in rows]))  # noqa: E731
    summary = {
        "cnn_accuracy": mean(lambda r: r["cnn"]["accuracy"]), "pca_accuracy": mean(lambda r: r["pca"]["accuracy"]),
        "cnn_map": mean(lambda r: r["cnn"]["map"]), "pca_map": mean(lambda r: r["pca"]["map"]),
        "cnn_recall@1": mean(lambda r: r["cnn"]["recall@1"]), "pca_recall@1": mean(lambda r: r["pca"]["recall@1"]),
    }
    print(f"mean over {len(rows)} seeds: k-NN accuracy CNN {summary['cnn_accuracy']:.4f} vs PCA {summary['pca_accuracy']:.4f}; "
          f"mAP {summary['cnn_map']:.4f} vs {summary['pca_map']:.4f}; recall@1 {summary['cnn_recall@1']:.4f} vs "
          f"{summary['pca_recall@1']:.4f}", flush=True)
    # speed: the same epochs both ways, alternated, best of --repeats (the CPU is shared: the best run is
    # the one least disturbed)
    tr, _ = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=args.seeds[0])
    train_col = images_from_arrays(images[tr], y[tr], keys[tr], size=args.size, source="digits-train")
    x_plain = np.ascontiguousarray(train_col.load(np.arange(len(tr))))
    ours, plain, shares = [], [], []
    for _ in range(args.repeats):
        model = ImageCNN(size=args.size, widths=widths, embedding_dim=args.dim, epochs=args.speed_epochs,
                         patience=args.speed_epochs, batch_size=args.batch_size, lr=args.lr, n_threads=args.threads,
                         random_state=0, show_progress=False).fit(train_col)
        ours.append(model.images_per_sec_)
        shares.append(model.load_seconds_ / model.training_seconds_)
        n_train = model.vectors_.metadata["training"]["images"]
        plain.append(plain_loop(x_plain[:n_train], y[tr][:n_train], size=args.size, widths=widths, dim=args.dim,
                                n_classes=10, epochs=args.speed_epochs, batch_size=args.batch_size, lr=args.lr,
                                weight_decay=model.weight_decay, seed=0))
    best = int(np.argmax(ours))
    summary.update({"images_per_s_embedlab": max(ours), "images_per_s_plain": max(plain),
                    "ratio": max(ours) / max(plain), "load_share": shares[best],
                    "all_embedlab": ours, "all_plain": plain})
    print(f"training speed ({args.speed_epochs} epochs, batch {args.batch_size}, {args.threads} thread(s), best of "
          f"{args.repeats}): ImageCNN.fit {max(ours):.0f} images/s vs plain PyTorch loop {max(plain):.0f} images/s "
          f"(ratio {summary['ratio']:.2f}); reading batches {shares[best]:.1%} of ImageCNN's training time")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                                         "machine": platform.platform(), "torch": torch.__version__,
                                         "seeds": rows, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
