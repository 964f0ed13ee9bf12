"""``embedlab finetune``: fine-tune a sentence model on domain pairs, evaluated before and after."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import InputFileError
from . import _common as c
from .encode import Device, MaxSeqLength, ModelArg, TorchThreads

__all__ = ["register", "finetune", "Loss"]


class Loss(str, Enum):
    auto = "auto"
    mnrl = "mnrl"
    cosent = "cosent"
    triplet = "triplet"


def check_output_folder(output: Path, overwrite: bool) -> None:
    """Fail before any work when ``output`` cannot be (re)written."""
    if output.exists() and not output.is_dir():
        raise InputFileError(f"--output {output}: exists and is not a folder")
    if output.exists() and not overwrite:
        raise InputFileError(f"--output {output}: already exists; pass --overwrite to replace it")
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise InputFileError(f"--output {output}: parent folder {parent} does not exist; create it first")


def finetune(
    model: ModelArg,
    pairs: Annotated[Path, typer.Argument(metavar="PAIRS", help="CSV/TSV/JSONL of (anchor, positive), (sentence1, sentence2, score) or (anchor, positive, negative).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the fine-tuned model (usable by `embedlab encode`).")],
    loss: Annotated[Loss, typer.Option("--loss", help="mnrl (in-batch negatives), cosent (scored pairs), triplet; auto: from the columns.")] = Loss.auto,
    epochs: c.Epochs = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", "-b", help="Pairs per step (more = more in-batch negatives).")] = 16,
    lr: Annotated[float, typer.Option("--lr", "--learning-rate", help="Peak learning rate (AdamW, linear warm-up then decay).")] = 2e-5,
    warmup_ratio: Annotated[float, typer.Option("--warmup-ratio", help="Share of the steps spent warming up the learning rate.")] = 0.1,
    max_pairs: Annotated[int | None, typer.Option("--max-pairs", help="Train on at most N pairs (a seeded sample).")] = None,
    eval_spec: Annotated[str | None, typer.Option("--eval", help="Evaluate before/after on an evaluator spec (sts:FILE, retrieval:FOLDER); default: held-out pairs.")] = None,
    eval_fraction: Annotated[float, typer.Option("--eval-fraction", help="Share of PAIRS held out for the before/after evaluation when --eval is not given.")] = 0.1,
    anchor_column: Annotated[str | None, typer.Option("--anchor-column", help="Column of anchors / first sentences.")] = None,
    positive_column: Annotated[str | None, typer.Option("--positive-column", help="Column of positives / second sentences.")] = None,
    negative_column: Annotated[str | None, typer.Option("--negative-column", help="Column of negatives (triplets).")] = None,
    score_column: Annotated[str | None, typer.Option("--score-column", help="Column of similarity scores (cosent).")] = None,
    max_seq_length: MaxSeqLength = None,
    threads: TorchThreads = None,
    device: Device = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (data order, dropout).")] = 0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUTPUT if it exists.")] = False,
    progress: c.Progress = True,
) -> None:
    """Fine-tune MODEL on PAIRS and save it to OUTPUT; prints the evaluation before and after."""
    from ..corpus.texts import read_pairs
    from ..models.finetune import SentenceFineTuner
    from ..models.transformer import resolve_model_path

    tuner = SentenceFineTuner(
        model=model, loss=loss.value, epochs=epochs, batch_size=batch_size, learning_rate=lr,
        warmup_ratio=warmup_ratio, max_pairs=max_pairs, eval_fraction=eval_fraction, max_seq_length=max_seq_length,
        n_threads=threads, device=device, random_state=seed, show_progress=progress,
    )
    with c.cli_option_names():
        tuner._validate_params()
    check_output_folder(output, overwrite)
    resolve_model_path(model)
    evaluator = None
    if eval_spec is not None:
        from ..evaluation import make_evaluator

        evaluator = make_evaluator(eval_spec)
    data = read_pairs(pairs, anchor_column=anchor_column, positive_column=positive_column,
                      negative_column=negative_column, score_column=score_column)
    err = c.console(stderr=True)
    for w in data.warnings:
        err.print(f"warning: {w}", soft_wrap=True)
    tuner.resolved_loss(data)  # a loss that does not fit the columns fails before the model loads
    tuner.fit(data, evaluator=evaluator)
    if tuner.interrupted_ and not tuner.is_fitted:
        raise c.fail(f"interrupted before the first epoch finished; nothing written to {output}", c.EXIT_INTERRUPTED)
    tuner.save(output, overwrite=overwrite)
    _summary(tuner, output)
    if tuner.interrupted_:
        raise c.fail(f"interrupted; saved the model of epoch {tuner.epochs_completed_} of {epochs} to {output}",
                     c.EXIT_INTERRUPTED)


def _fmt_eval(e: dict | None) -> str:
    if not e:
        return "-"
    ci = e.get("ci")
    return f"{e['metric']} {e['value']:.4f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def _summary(tuner: object, output: Path) -> None:
    from rich.table import Table

    t = tuner  # type: ignore[assignment]
    table = Table(title="fine-tuned", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("base model", str(t.model))
    table.add_row("pairs", f"{t.n_train_pairs_:,} for training, {t.n_heldout_pairs_:,} held out")
    table.add_row("loss", f"{t.loss_used_}, final epoch loss {t.loss_history_[-1]:.4f}" if len(t.loss_history_) else t.loss_used_)
    table.add_row("epochs", f"{t.epochs_completed_} on {t.device_}")
    if t.n_truncated_:
        table.add_row("truncated", f"{t.n_truncated_:,} training texts longer than the model's limit")
    table.add_row("time", f"{t.train_seconds_:.1f} s")
    if t.eval_before_ is not None:
        table.add_row("evaluation", t.eval_before_["task"])
        table.add_row("before", _fmt_eval(t.eval_before_))
        table.add_row("after", _fmt_eval(t.eval_after_))
    table.add_row("saved", str(output))
    c.console().print(table)


def register(app: typer.Typer) -> None:
    app.command("finetune")(finetune)
