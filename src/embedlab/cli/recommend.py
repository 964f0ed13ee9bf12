"""``embedlab recommend OUT USER -k 10`` and ``embedlab split-interactions FILE --by ... -o DIR``."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from ..exceptions import InputFileError, InvalidParameterError, VocabularyError
from . import _common as c
from .train_recommend import InteractionOptions, InteractionsArg, interaction_options, read_interactions_cli

__all__ = ["register", "recommend", "split_interactions_cmd"]


def recommend(
    vectors: Annotated[Path, typer.Argument(metavar="OUT", help="A recommender's .npz (from `embedlab train als|ease|item2vec ...`).")],
    users: Annotated[list[str], typer.Argument(metavar="USER", help="One or more user ids as in the training file.")],
    k: Annotated[int, typer.Option("-k", "--topn", help="Number of items.")] = 10,
    include_seen: Annotated[bool, typer.Option("--include-seen", help="Also recommend items the user already has.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the top K items for each USER (training items left out unless --include-seen)."""
    from ..models.recommend import unknown_user_message
    from ..vectors.recommend import RecommenderVectors, query_vectors, topk_items

    if k < 1:
        raise InvalidParameterError(f"-k must be >= 1; got {k}")
    kv = c.read_vectors(vectors)
    if not isinstance(kv, RecommenderVectors):
        raise InputFileError(f"{vectors}: holds item vectors only (no users); train a recommender with "
                             "`embedlab train als|bpr|ease|item2vec FILE -o OUT.npz` (npz keeps the users)")
    for u in users:
        if u not in kv.user_to_index:
            raise VocabularyError(unknown_user_message(kv.user_ids, u))
    found = {}
    for u in users:
        hist = kv.history(u)
        q, _ = query_vectors(kv, np.array([0, hist.size], np.int64), hist, [u])
        excl = np.zeros(0, np.int64) if include_seen else np.unique(hist)
        idx, val = topk_items(kv, q, k, np.array([0, excl.size], np.int64), excl)
        found[u] = [(kv.index_to_key[int(i)], float(s)) for i, s in zip(idx[0], val[0]) if i >= 0]
    if as_json:
        typer.echo(json.dumps({u: [[i, s] for i, s in recs] for u, recs in found.items()}, indent=2))
        return
    from rich.table import Table

    out = c.console()
    for u, recs in found.items():
        table = Table(title=f"recommendations for user '{u}' ({kv.history(u).size} training items)", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("item")
        table.add_column("score", justify="right")
        for rank, (item, score) in enumerate(recs, 1):
            table.add_row(str(rank), item, f"{score:.4f}")
        out.print(table)


class SplitBy(str, Enum):
    leave_last_out = "leave-last-out"
    leave_one_out = "leave-one-out"
    ratio = "ratio"
    time = "time"


def _parse_ratios(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(x) for x in text.replace("/", ",").split(",") if x.strip()]
    except ValueError:
        raise InvalidParameterError(f"--ratios must be numbers separated by commas, e.g. 0.8,0.1,0.1; got {text!r}") from None


@interaction_options
def split_interactions_cmd(
    data: InteractionsArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder: train.csv, test.csv (and valid.csv).")],
    by: Annotated[SplitBy, typer.Option("--by", help="leave-last-out (by time), leave-one-out (random), ratio (per user), time (global cut).")] = SplitBy.leave_last_out,
    valid: Annotated[bool, typer.Option("--valid/--no-valid", help="Also write valid.csv (second-to-last, or the middle ratio).")] = False,
    ratios: Annotated[str | None, typer.Option("--ratios", help="Ratios for ratio/time, e.g. 0.8,0.1,0.1 (default 0.8,0.2 or with --valid 0.8,0.1,0.1).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random splits.")] = 0,
    *,
    inter_opts: InteractionOptions,
) -> None:
    """Split interactions into DIR/train.csv, DIR/test.csv (and DIR/valid.csv) for evaluation."""
    from ..corpus.interactions import split_interactions, write_interactions

    ratio_list = _parse_ratios(ratios)
    if output.exists() and not output.is_dir():
        raise InputFileError(f"{output}: exists and is not a folder; -o takes an output folder")
    if not output.parent.is_dir():
        raise InputFileError(f"{output.parent}: output folder's parent does not exist; create it first")
    inter = read_interactions_cli(data, inter_opts)
    with c.cli_option_names():
        result = split_interactions(inter, by.value, valid=valid, ratios=ratio_list, seed=seed)
    if result.test.nnz == 0:
        raise InvalidParameterError(f"{data}: the split left the test part empty (every user has too few "
                                    "interactions for --by " + by.value + "); use --by ratio or time")
    output.mkdir(exist_ok=True)
    parts = [("train", result.train), ("test", result.test)] + ([("valid", result.valid)] if result.valid is not None else [])
    for name, part in parts:
        write_interactions(part, output / f"{name}.csv")
    rep = result.report
    (output / "split.json").write_text(json.dumps({"source": str(data), **rep}, indent=2) + "\n", encoding="utf-8")
    err = c.console(stderr=True)
    err.print(f"{data}: {inter.n_users:,} users x {inter.n_items:,} items, {inter.nnz:,} interactions; split by {by.value}")
    if getattr(inter, "layout", ""):
        err.print(f"  read as {inter.layout}", soft_wrap=True)
    for name, part in parts:
        err.print(f"  {output / (name + '.csv')}: {part.nnz:,} interactions")
    for name in ("test", "valid"):
        if f"{name}_users" in rep:
            err.print(f"  {name}: {rep[f'{name}_users']:,} users ({rep[f'{name}_users_unseen_in_train']:,} unseen in train), "
                      f"{rep[f'{name}_items_unseen_in_train']:,} items unseen in train "
                      f"({rep[f'{name}_entries_with_unseen_item']:,} interactions)")


def register(app: typer.Typer) -> None:
    app.command("recommend")(recommend)
    app.command("split-interactions")(split_interactions_cmd)
