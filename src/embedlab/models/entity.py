"""Entity embeddings of categorical variables (Guo & Berkhahn 2016), learned by predicting a target.

A small PyTorch network (optional extra ``torch``) takes one embedding layer per categorical
column (``min(50, (cardinality + 1) // 2)`` dimensions unless ``embedding_sizes`` says otherwise)
and the standardised numeric columns, concatenated, through ``hidden`` ReLU layers to the target:
mean squared error on the standardised target (regression) or cross-entropy (classification).
Adam (AdamW with ``weight_decay``), mini-batches, early stopping on a seeded validation split (the best epoch's weights are
kept). Categories are those of the training rows; a category seen only later (or a missing value)
maps to a shared "unknown" row. Exports one :class:`~embedlab.vectors.KeyedVectors` per column
(``column_vectors_``); :meth:`EntityEmbedder.transform` turns a table into those vectors as
features (e.g. for gradient boosting). Saved as a folder: one vectors file per column,
``weights.npz`` and ``entity.json`` (no pickle).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._progress import logger, progress_bar
from .._validation import Interval, Options
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError, require
from ._meta import draw_seed

__all__ = ["EntityEmbedder", "read_table", "default_embedding_size"]

UNKNOWN = "<unknown>"


def read_table(source: Any) -> Any:
    """A pandas DataFrame from a CSV/TSV/Parquet/JSONL path or a DataFrame."""
    pd = require("pandas", "methods")
    if isinstance(source, pd.DataFrame):
        return source
    path = Path(source)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        if not path.is_file():
            raise InputFileError(f"{path}: no such file; give a CSV, TSV, Parquet or JSONL table")
        try:
            return pd.read_json(path, lines=True)
        except ValueError as exc:
            raise FormatError(f"{path}: cannot read as JSONL: {' '.join(str(exc).split())}") from None
    from .pca import read_table as read_any

    return read_any(path)[0]


def default_embedding_size(cardinality: int) -> int:
    """The rule of thumb ``min(50, (cardinality + 1) // 2)``."""
    return int(min(50, (cardinality + 1) // 2))


class EntityEmbedder(BaseEmbedder):
    """Learn one vector per category of each categorical column by predicting ``target``.

    Learned attributes: ``column_vectors_`` (column -> KeyedVectors), ``vectors_`` (the same
    dict), ``task_`` ("regression" / "classification"), ``categorical_``, ``numeric_``,
    ``history_`` (per-epoch train / validation loss), ``best_epoch_``, ``best_score_`` (validation
    RMSE in target units, or accuracy), ``metric_name_``, ``epochs_run_``, ``interrupted_``.
    """

    name: ClassVar[str] = "entity"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "target": [str],
        "categorical": [list, None],
        "numeric": [list, None],
        "task": [Options(("auto", "regression", "classification"))],
        "embedding_sizes": [dict, None],
        "epochs": [Interval(int, 1, None, search=(5, 50))],
        "patience": [Interval(int, 1, None)],
        "lr": [Interval(float, 0, None, closed="neither", search=(1e-4, 1e-2), log=True)],
        "batch_size": [Interval(int, 1, None, search=(128, 4096), log=True)],
        "hidden": [tuple, list],
        "dropout": [Interval(float, 0, 1, closed="left")],
        "weight_decay": [Interval(float, 0, None, search=(1e-6, 1e-2), log=True)],
        "validation_fraction": [Interval(float, 0, 1, closed="neither")],
        "n_threads": [Interval(int, 1, None), None],
        "random_state": [Interval(int, 0, None), None],
        "show_progress": [bool],
    }

    def __init__(
        self,
        target: str = "target",
        categorical: list[str] | None = None,
        numeric: list[str] | None = None,
        task: str = "auto",
        embedding_sizes: dict[str, int] | None = None,
        epochs: int = 30,
        patience: int = 3,
        lr: float = 1e-3,
        batch_size: int = 512,
        hidden: tuple[int, ...] = (128, 64),
        dropout: float = 0.1,
        weight_decay: float = 0.0,
        validation_fraction: float = 0.2,
        n_threads: int | None = None,
        random_state: int | None = None,
        show_progress: bool = True,
    ) -> None:
        self.target = target
        self.categorical = categorical
        self.numeric = numeric
        self.task = task
        self.embedding_sizes = embedding_sizes
        self.epochs = epochs
        self.patience = patience
        self.lr = lr
        self.batch_size = batch_size
        self.hidden = hidden
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.n_threads = n_threads
        self.random_state = random_state
        self.show_progress = show_progress

    def _check_relations(self, params: Any) -> None:
        if any(not isinstance(h, int) or isinstance(h, bool) or h < 1 for h in params["hidden"]):
            raise InvalidParameterError(f"EntityEmbedder: parameter 'hidden' must hold positive ints; got {params['hidden']!r}")
        for col, dim in (params["embedding_sizes"] or {}).items():
            if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
                raise InvalidParameterError(
                    f"EntityEmbedder: parameter 'embedding_sizes' needs a positive int per column; got {col}={dim!r}")

    # ------------------------------------------------------------------ columns
    def _columns(self, frame: Any) -> tuple[list[str], list[str], str]:
        pd = require("pandas", "methods")
        cols = [str(c) for c in frame.columns]
        if self.target not in frame.columns:
            raise DataError(f"table has no target column '{self.target}' (columns: {', '.join(cols)}); "
                            "pass an existing one with --target")
        y = frame[self.target]
        numeric_target = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
        task = self.task
        if task == "auto":
            task = "regression" if numeric_target and y.nunique(dropna=True) > 20 else "classification"
        if task == "regression" and not numeric_target:
            raise DataError(f"target column '{self.target}' is not numeric (dtype {y.dtype}); regression needs "
                            "numbers: convert it or use task='classification' (--task classification)")
        if self.categorical is None:
            categorical = [c for c in frame.columns if c != self.target and not (
                pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]))]
        else:
            categorical = list(self.categorical)
        missing = [c for c in categorical + list(self.numeric or []) if c not in frame.columns]
        if missing:
            raise DataError(f"table has no column(s) {', '.join(map(repr, missing))} (columns: {', '.join(cols)})")
        if self.target in categorical:
            raise InvalidParameterError(f"the target '{self.target}' cannot also be a categorical input")
        if not categorical:
            raise DataError("no categorical column to embed; name them with --categorical a,b "
                            "(categorical=['a', 'b'])")
        if self.numeric is None:
            numeric = [c for c in frame.columns if c != self.target and c not in categorical
                       and pd.api.types.is_numeric_dtype(frame[c])]
        else:
            numeric = list(self.numeric)
        bad = [c for c in numeric if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad:
            raise DataError(f"numeric column(s) {', '.join(map(repr, bad))} hold non-numbers; list them as categorical")
        unknown = sorted(set(self.embedding_sizes or {}) - set(categorical))
        if unknown:
            raise InvalidParameterError(f"embedding_sizes names non-categorical column(s) {', '.join(unknown)}; "
                                        f"categorical columns: {', '.join(map(str, categorical))}")
        return [str(c) for c in categorical], [str(c) for c in numeric], task

    def _codes(self, frame: Any) -> np.ndarray:
        """``(rows, columns)`` int64 category codes, 0 = unknown / missing."""
        out = np.zeros((len(frame), len(self.categorical_)), dtype=np.int64)
        for j, col in enumerate(self.categorical_):
            index = self._category_index[col]
            values = frame[col].astype(object).where(frame[col].notna(), None).map(
                lambda v: None if v is None else str(v))
            out[:, j] = values.map(index).fillna(0).to_numpy(dtype=np.int64)
        return out

    def _numbers(self, frame: Any) -> np.ndarray:
        if not self.numeric_:
            return np.zeros((len(frame), 0), dtype=np.float32)
        x = frame[self.numeric_].to_numpy(dtype=np.float64)
        x = (x - self._num_mean) / self._num_std
        return np.nan_to_num(x, nan=0.0).astype(np.float32)

    # ------------------------------------------------------------------ network
    def _network(self, torch: Any) -> Any:
        nn = torch.nn
        dims = [int(self._sizes[c]) for c in self.categorical_]
        cards = [len(self._category_index[c]) + 1 for c in self.categorical_]
        n_in = sum(dims) + len(self.numeric_)
        n_out = 1 if self.task_ == "regression" else len(self.classes_)
        dropout = float(self.dropout)
        hidden = [int(h) for h in self.hidden]

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.embeddings = nn.ModuleList(nn.Embedding(c, d) for c, d in zip(cards, dims))
                layers: list[Any] = []
                width = n_in
                for h in hidden:
                    layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
                    width = h
                layers.append(nn.Linear(width, n_out))
                self.head = nn.Sequential(*layers)

            def forward(self, codes: Any, numbers: Any) -> Any:
                parts = [emb(codes[:, j]) for j, emb in enumerate(self.embeddings)] + [numbers]
                return self.head(torch.cat(parts, dim=1))

        return Net()

    def fit(self, data: Any) -> EntityEmbedder:
        """Train on a table (DataFrame or path) holding the target and input columns."""
        torch = require("torch", "torch")
        pd = require("pandas", "methods")
        self._validate_params()
        frame = read_table(data)
        categorical, numeric, task = self._columns(frame)
        keep = frame[self.target].notna().to_numpy()
        if not keep.all():
            logger.warning("dropped %d row(s) with a missing target '%s'", int((~keep).sum()), self.target)
            frame = frame.loc[keep].reset_index(drop=True)
        n = len(frame)
        if n < 4:
            raise DataError(f"table has {n} row(s) with a target; need at least 4 (training and validation)")
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        perm = rng.permutation(n)
        n_val = min(max(1, int(round(self.validation_fraction * n))), n - 1)
        val_idx, tr_idx = perm[:n_val], perm[n_val:]
        train = frame.iloc[tr_idx]
        self._category_index: dict[str, dict[str, int]] = {}
        for col in categorical:
            counts = train[col].dropna().astype(str).value_counts(sort=True)
            if len(counts) < 2:
                only = counts.index[0] if len(counts) else "nothing"
                raise DataError(f"categorical column '{col}' has a single value ({only!r}) in the training rows; "
                                "there is nothing to embed: drop it from --categorical")
            if len(counts) >= len(train):
                raise DataError(f"categorical column '{col}' has {len(counts)} categories for {len(train)} training "
                                "rows (every row its own category): nothing can be learned; drop it or use more rows")
            self._category_index[col] = {k: i + 1 for i, k in enumerate(counts.index)}
        self.categorical_, self.numeric_, self.task_ = categorical, numeric, task
        if numeric:
            x = train[numeric].to_numpy(dtype=np.float64)
            self._num_mean = np.nanmean(x, axis=0)
            std = np.nanstd(x, axis=0)
            self._num_std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
            self._num_mean = np.nan_to_num(self._num_mean)
        self._sizes = {c: (self.embedding_sizes or {}).get(c, default_embedding_size(len(self._category_index[c])))
                       for c in categorical}
        y_all = frame[self.target]
        if task == "regression":
            y = y_all.to_numpy(dtype=np.float64)
            self._y_mean, self._y_std = float(y[tr_idx].mean()), float(y[tr_idx].std() or 1.0)
            target = ((y - self._y_mean) / self._y_std).astype(np.float32)
            self.classes_ = None
        else:
            labels = y_all.astype(str).to_numpy()
            self.classes_ = sorted(set(labels[tr_idx]))
            if len(self.classes_) < 2:
                raise DataError(f"target column '{self.target}' has a single class in the training rows")
            cls_index = {c: i for i, c in enumerate(self.classes_)}
            target = np.array([cls_index.get(v, -1) for v in labels], dtype=np.int64)
            seen = target >= 0
            if not seen[val_idx].all():
                logger.warning("%d validation row(s) have target classes absent from training; ignored",
                               int((~seen[val_idx]).sum()))
                val_idx = val_idx[seen[val_idx]]
        self.baseline_score_ = self._baseline(target, tr_idx, val_idx)
        self.leaky_columns_ = _near_determinants(frame, categorical, numeric, self.target, task, tr_idx)
        for col, how in self.leaky_columns_.items():
            logger.warning("column '%s' nearly determines the target '%s' (%s): if it is not known when you "
                           "predict, leave it out (--categorical/--numeric)", col, self.target, how)
        codes = self._codes(frame)
        numbers = self._numbers(frame)
        self._train(torch, codes, numbers, target, tr_idx, val_idx, seed)
        del pd
        return self

    def _baseline(self, target: np.ndarray, tr_idx: np.ndarray, val_idx: np.ndarray) -> float:
        """The validation score of predicting without any input: the training mean (RMSE in target
        units) for regression, the training majority class (accuracy) for classification."""
        if self.task_ == "regression":
            y = target.astype(np.float64) * self._y_std + self._y_mean
            return float(np.sqrt(np.mean((y[val_idx] - y[tr_idx].mean()) ** 2)))
        majority = np.bincount(target[tr_idx][target[tr_idx] >= 0]).argmax()
        return float(np.mean(target[val_idx] == majority))

    @property
    def features_(self) -> list[str]:
        """The input columns the network used: categorical, then numeric."""
        return [*self.categorical_, *self.numeric_]

    def _train(self, torch: Any, codes: np.ndarray, numbers: np.ndarray, target: np.ndarray, tr_idx: np.ndarray,
               val_idx: np.ndarray, seed: int) -> None:
        old_threads = torch.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(int(self.n_threads))
        torch.manual_seed(seed)
        try:
            net = self._network(torch)
            opt = torch.optim.AdamW(net.parameters(), lr=float(self.lr), weight_decay=float(self.weight_decay))
            regression = self.task_ == "regression"
            loss_fn = torch.nn.MSELoss() if regression else torch.nn.CrossEntropyLoss()
            c_t = torch.from_numpy(codes)
            x_t = torch.from_numpy(numbers)
            y_t = torch.from_numpy(target.reshape(-1, 1) if regression else target)
            rng = np.random.default_rng(seed + 1)
            best, best_state, bad_epochs = float("inf"), None, 0
            self.history_: list[dict[str, float]] = []
            self.interrupted_ = False
            bs = int(self.batch_size)
            t0 = time.perf_counter()
            with progress_bar(self.epochs * len(tr_idx), "entity", unit="rows", enabled=self.show_progress) as bar:
                try:
                    for epoch in range(self.epochs):
                        net.train()
                        order = torch.from_numpy(rng.permutation(tr_idx))
                        total = 0.0
                        for lo in range(0, len(order), bs):
                            idx = order[lo:lo + bs]
                            opt.zero_grad()
                            loss = loss_fn(net(c_t[idx], x_t[idx]), y_t[idx])
                            loss.backward()
                            opt.step()
                            total += float(loss.detach()) * len(idx)
                            bar.advance(len(idx))
                        val = self._evaluate(torch, net, loss_fn, c_t, x_t, y_t, val_idx)
                        train_loss = total / len(tr_idx)
                        if not np.isfinite(train_loss):
                            from ..exceptions import TrainingError

                            raise TrainingError(f"EntityEmbedder: the loss became NaN in epoch {epoch + 1}; "
                                                f"lower lr (e.g. lr={self.lr / 4:.3g}; CLI: --lr)")
                        self.history_.append({"epoch": epoch + 1, "train_loss": train_loss, **val,
                                              "elapsed": time.perf_counter() - t0})
                        logger.info("EntityEmbedder epoch %d: train %.4f, validation %.4f", epoch + 1, train_loss,
                                    val["val_loss"])
                        if val["val_loss"] < best - 1e-6:
                            best, bad_epochs = val["val_loss"], 0
                            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                            self.best_epoch_ = epoch + 1
                            self.best_score_ = val["val_score"]
                        else:
                            bad_epochs += 1
                            if bad_epochs >= self.patience:
                                break
                except KeyboardInterrupt:
                    self.interrupted_ = True
                    logger.warning("EntityEmbedder: interrupted after %d epoch(s)", len(self.history_))
            if best_state is None:  # interrupted before one epoch ended
                best_state = net.state_dict()
                self.best_epoch_, self.best_score_ = 0, float("nan")
            net.load_state_dict(best_state)
            net.eval()
            self._net = net
            self.epochs_run_ = len(self.history_)
            self.metric_name_ = "rmse" if regression else "accuracy"
            self.training_seconds_ = time.perf_counter() - t0
        finally:
            torch.set_num_threads(old_threads)
        self._export()

    def _evaluate(self, torch: Any, net: Any, loss_fn: Any, c_t: Any, x_t: Any, y_t: Any, idx: np.ndarray) -> dict:
        net.eval()
        with torch.no_grad():
            ii = torch.from_numpy(idx)
            out = net(c_t[ii], x_t[ii])
            loss = float(loss_fn(out, y_t[ii]))
            if self.task_ == "regression":
                score = float(np.sqrt(loss)) * self._y_std
            else:
                score = float((out.argmax(dim=1) == y_t[ii]).float().mean())
        return {"val_loss": loss, "val_score": score}

    def _export(self) -> None:
        from ..vectors import KeyedVectors

        self.column_vectors_ = {}
        for j, col in enumerate(self.categorical_):
            weight = self._net.embeddings[j].weight.detach().cpu().numpy().astype(np.float32)
            keys = [UNKNOWN] + list(self._category_index[col])
            self.column_vectors_[col] = KeyedVectors(keys, weight, metadata={
                "method": self.name, "column": col, "target": self.target, "task": self.task_,
                "params": {k: v for k, v in self.get_params().items()}, "best_epoch": int(self.best_epoch_),
                f"validation_{self.metric_name_}": float(self.best_score_),
                f"baseline_{self.metric_name_}": float(self.baseline_score_), "features": self.features_,
            })
        self.vectors_ = self.column_vectors_

    # ------------------------------------------------------------------ use
    def transform(self, data: Any) -> np.ndarray:
        """The learned vectors of each row's categories, concatenated: ``(rows, sum of dims)`` float32."""
        check_is_fitted(self)
        frame = read_table(data)
        codes = self._codes(frame)
        return np.concatenate([self.column_vectors_[c].vectors[codes[:, j]] for j, c in enumerate(self.categorical_)],
                              axis=1)

    def predict(self, data: Any) -> np.ndarray:
        """Predictions of the network (target units for regression, class labels otherwise)."""
        torch = require("torch", "torch")
        check_is_fitted(self)
        frame = read_table(data)
        with torch.no_grad():
            out = self._net(torch.from_numpy(self._codes(frame)), torch.from_numpy(self._numbers(frame))).numpy()
        if self.task_ == "regression":
            return out[:, 0] * self._y_std + self._y_mean
        return np.asarray(self.classes_, dtype=object)[out.argmax(axis=1)]

    def save(self, folder: str | os.PathLike[str], fmt: str = "npz") -> dict[str, Path]:
        """Write ``COLUMN.<fmt>`` per categorical column, ``weights.npz`` and ``entity.json`` into ``folder``.

        Files are written to a temporary folder first and moved in when all are done.
        """
        from ..vectors.io import FORMATS, save_vectors

        check_is_fitted(self)
        out = Path(folder)
        suffix = FORMATS[fmt].suffixes[0] if FORMATS[fmt].suffixes else ".txt"
        parent = out.parent if str(out.parent) else Path(".")
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
        files: dict[str, Path] = {}
        try:
            for col, kv in self.column_vectors_.items():
                name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in col) + suffix
                save_vectors(kv, tmp / name, format=fmt)
                files[col] = out / name
            state = {k: v.detach().cpu().numpy() for k, v in self._net.state_dict().items()}
            np.savez(tmp / "weights.npz", **state)
            doc = {
                "format": "embedlab-entity", "version": 1,
                "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()},
                "task": self.task_, "categorical": self.categorical_, "numeric": self.numeric_,
                "categories": {c: list(self._category_index[c]) for c in self.categorical_},
                "sizes": self._sizes, "classes": self.classes_,
                "num_mean": None if not self.numeric_ else self._num_mean.tolist(),
                "num_std": None if not self.numeric_ else self._num_std.tolist(),
                "y_mean": getattr(self, "_y_mean", None), "y_std": getattr(self, "_y_std", None),
                "history": self.history_, "best_epoch": self.best_epoch_, "metric": self.metric_name_,
                "best_score": self.best_score_, "files": {c: p.name for c, p in files.items()},
            }
            (tmp / "entity.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
            out.mkdir(exist_ok=True)
            for p in tmp.iterdir():
                os.replace(p, out / p.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        files["model"] = out / "entity.json"
        return files


LEAK_CORRELATION = 0.8  # |Pearson r| of a numeric column with a numeric target
LEAK_PURITY = 0.98  # share of training rows a categorical column's values classify right (with >= 2 rows a value)


def _near_determinants(frame: Any, categorical: list[str], numeric: list[str], target: str, task: str,
                       rows: np.ndarray) -> dict[str, str]:
    """Input columns that nearly determine the target on the training rows, with how (a leak check):
    numeric columns with |r| >= LEAK_CORRELATION against a regression target; categorical columns whose
    values, seen at least twice, predict a class target for LEAK_PURITY of the rows."""
    out: dict[str, str] = {}
    train = frame.iloc[rows]
    if task == "regression":
        y = train[target].to_numpy(dtype=np.float64)
        for col in numeric:
            x = train[col].to_numpy(dtype=np.float64)
            ok = np.isfinite(x) & np.isfinite(y)
            if ok.sum() > 2 and x[ok].std() > 0 and y[ok].std() > 0:
                r = float(np.corrcoef(x[ok], y[ok])[0, 1])
                if abs(r) >= LEAK_CORRELATION:
                    out[col] = f"correlation {r:+.2f}"
    else:
        y = train[target].astype(str)
        for col in categorical:
            values = train[col].astype(str)
            groups = y.groupby(values)
            sizes = groups.size()
            repeated = sizes[sizes >= 2].index
            if len(repeated) == 0:
                continue
            sel = values.isin(repeated)
            hits = int(groups.agg(lambda s: s.value_counts().iloc[0])[repeated].sum())
            if sel.sum() >= 0.5 * len(train) and hits >= LEAK_PURITY * sel.sum():
                out[col] = f"its values give the class for {hits / sel.sum():.0%} of the training rows"
    return out
