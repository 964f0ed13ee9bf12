"""``embedlab train pca TABLE``: PCA / truncated SVD vectors for the rows of a table."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "train_pca"]


class Method(str, Enum):
    pca = "pca"
    svd = "svd"


class Categorical(str, Enum):
    onehot = "onehot"
    frequency = "frequency"


class Impute(str, Enum):
    mean = "mean"
    median = "median"
    drop = "drop"


def train_pca(
    table: Annotated[Path, typer.Argument(help="Table: CSV/TSV, Parquet or .npy (2-D numeric array).")],
    output: c.Output,
    n_components: Annotated[int, typer.Option("--n-components", "-d", help="Dimension of the row vectors.")] = 10,
    method: Annotated[Method, typer.Option(help="pca (centred) or svd (truncated SVD, uncentred).")] = Method.pca,
    key: Annotated[str | None, typer.Option(help="Column with unique row keys (default: row numbers).")] = None,
    scale: Annotated[bool, typer.Option("--scale/--no-scale", help="Standardise numeric columns.")] = True,
    categorical: Annotated[
        Categorical, typer.Option(help="Encoding of non-numeric columns.")
    ] = Categorical.onehot,
    impute: Annotated[
        Impute | None, typer.Option(help="Fill missing cells (mean/median) or drop their rows.")
    ] = None,
    seed: c.SeedOnly = None,
    deterministic: c.NoDeterministic = False,
    fmt: c.Format = None,
) -> None:
    """Embed the rows of TABLE with PCA or truncated SVD and save the vectors to OUTPUT."""
    if deterministic:
        c.refuse_deterministic(
            "pca", "its decomposition runs in multi-threaded BLAS, whose sums depend on the thread count"
        )
    from ..models.pca import TablePCA

    model = c.build_model(
        TablePCA, n_components=n_components, method=method, scale=scale, categorical=categorical, key=key,
        impute=impute, seed=seed,
    )
    c.train_and_save(model, lambda: c.check_input_path(table), output, fmt, source=[table])


def register(train_app: typer.Typer) -> None:
    train_app.command("pca", help="PCA / truncated SVD of a table's rows (CSV, Parquet, .npy).")(train_pca)
