"""``embedlab pairs``: training pairs for ``embedlab finetune`` from a retrieval set or a table."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import DataError, InvalidParameterError
from ..corpus.taskdata import retrieval_pairs, split_queries, write_beir_folder
from . import _common as c

__all__ = ["register", "pairs"]


class Split(str, Enum):
    all = "all"
    train = "train"
    test = "test"


def _clean(text: str) -> str:
    return " ".join(text.split())  # one line, no tabs: safe in TSV


def pairs(
    source: Annotated[Path, typer.Argument(metavar="SOURCE", help="A retrieval folder (Cranfield/SMART or BEIR) or a CSV/TSV/JSONL table.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output TSV (anchor<TAB>positive, with a header).")],
    anchor_column: Annotated[str | None, typer.Option("--anchor-column", help="Table: column of anchors (e.g. title).")] = None,
    positive_column: Annotated[str | None, typer.Option("--positive-column", help="Table: column of positives (e.g. body).")] = None,
    min_relevance: Annotated[float, typer.Option("--min-relevance", help="Retrieval: smallest relevance grade that makes a pair.")] = 1.0,
    split: Annotated[Split, typer.Option("--split", help="Retrieval: pairs of all queries, or of the train / test part of a seeded query split.")] = Split.all,
    test_fraction: Annotated[float, typer.Option("--test-fraction", help="Retrieval: share of queries in the test part.")] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the query split.")] = 0,
    heldout: Annotated[Path | None, typer.Option("--heldout", help="Retrieval with --split: also write the other part's queries, the documents and their qrels as a BEIR folder, to evaluate on (-T retrieval:DIR).")] = None,
) -> None:
    """Write (anchor, positive) training pairs: queries with their relevant documents, or two table columns."""
    from .._fileio import atomic_open

    if not 0.0 < test_fraction < 1.0:
        raise InvalidParameterError(f"--test-fraction must be in (0, 1); got {test_fraction}")
    c.check_output_path(output)
    c.check_input_path(source)
    if heldout is not None:
        if split is Split.all or not source.is_dir():
            raise InvalidParameterError("--heldout needs a retrieval folder and --split train or --split test")
        if heldout.exists():
            raise InvalidParameterError(f"--heldout {heldout}: already exists; give a new folder")
    if source.is_dir():
        from ..corpus.taskdata import load_retrieval

        data = load_retrieval(source)
        qids = [q for q in data.query_ids if q in data.qrels]
        if split is not Split.all:
            train, test = split_queries(qids, test_fraction, seed)
            qids = train if split is Split.train else test
            if heldout is not None:
                write_beir_folder(data, test if split is Split.train else train, heldout)
        anchors, positives = retrieval_pairs(data, qids, min_relevance)
        what = f"{len(qids)} queries ({split.value})"
        warnings: list[str] = []  # the loader logs its own
    else:
        from ..corpus.texts import read_pairs

        if split is not Split.all:
            raise InvalidParameterError("--split applies to a retrieval folder; a table gives all its rows")
        p = read_pairs(source, anchor_column=anchor_column, positive_column=positive_column)
        anchors, positives = p.anchors, p.positives
        what = f"{len(p)} rows"
        warnings = p.warnings
    if not anchors:
        raise DataError(f"{source}: no pairs (no judgement reaches --min-relevance {min_relevance:g})")
    with atomic_open(output) as fh:
        fh.write("anchor\tpositive\n")
        for a, b in zip(anchors, positives):
            fh.write(f"{_clean(a)}\t{_clean(b)}\n")
    err = c.console(stderr=True)
    for w in warnings:
        err.print(f"warning: {w}", soft_wrap=True)
    c.console().print(f"wrote {len(anchors):,} pairs from {what} to {output}")


def register(app: typer.Typer) -> None:
    app.command("pairs")(pairs)
