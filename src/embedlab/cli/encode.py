"""``embedlab encode``: texts -> vectors keyed by document id, with a transformer sentence model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c

__all__ = ["register", "encode", "ModelArg", "TRANSFORMER_OPTIONS_HELP"]

TRANSFORMER_OPTIONS_HELP = "a bundled name (minilm) or a local model folder (e.g. saved by `embedlab finetune`)"
ModelArg = Annotated[str, typer.Argument(metavar="MODEL", help=f"Sentence model: {TRANSFORMER_OPTIONS_HELP}.")]
BatchSize = Annotated[int, typer.Option("--batch-size", "-b", help="Texts per forward pass.")]
MaxSeqLength = Annotated[
    int | None, typer.Option("--max-seq-length", help="Token limit per text (default: the model's); longer texts are truncated and counted.")
]
Device = Annotated[str | None, typer.Option("--device", help="cpu, cuda, ... (default: a GPU when torch sees one).")]
TorchThreads = Annotated[
    int | None, typer.Option("--threads", "-t", help="torch threads (default 1: measured fastest on small shared CPUs).")
]
CacheDir = Annotated[
    Path | None, typer.Option("--cache-dir", help="Encode cache folder (default: $EMBEDLAB_CACHE_DIR/encode or ~/.cache/embedlab/encode).")
]
Cache = Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse vectors of texts this model already encoded.")]


def encode(
    model: ModelArg,
    texts: Annotated[Path, typer.Argument(metavar="TEXTS", help="Text file (one text per line), CSV/TSV or JSONL.")],
    output: c.Output,
    text_column: Annotated[str | None, typer.Option("--text-column", help="CSV/TSV column or JSONL field of the text (default: text, sentence, body, ...).")] = None,
    id_column: Annotated[str | None, typer.Option("--id-column", help="Column of document ids (default: id if present, else the line number).")] = None,
    batch_size: BatchSize = 32,
    max_seq_length: MaxSeqLength = None,
    normalize: Annotated[bool, typer.Option("--normalize/--no-normalize", help="Unit-length vectors.")] = True,
    threads: TorchThreads = None,
    device: Device = None,
    cache: Cache = True,
    cache_dir: CacheDir = None,
    fmt: c.Format = None,
    progress: c.Progress = True,
) -> None:
    """Encode TEXTS with MODEL and save vectors keyed by document id to OUTPUT (never downloads)."""
    from ..corpus.texts import read_texts
    from ..models.transformer import SentenceEncoder, resolve_model_path

    encoder = SentenceEncoder(
        model=model, batch_size=batch_size, normalize=normalize, max_seq_length=max_seq_length, n_threads=threads,
        device=device, cache=cache, cache_dir=None if cache_dir is None else str(cache_dir), show_progress=progress,
    )
    with c.cli_option_names():
        encoder._validate_params()
    c.check_output_path(output)
    fmt_name = c.resolve_format(output, fmt)
    resolve_model_path(model)  # a missing model fails before the texts are read
    data = read_texts(texts, text_column=text_column, id_column=id_column)
    err = c.console(stderr=True)
    for w in data.warnings:
        err.print(f"warning: {w}", soft_wrap=True)
    start = time.perf_counter()
    encoder.fit(dict(zip(data.ids, data.texts)))
    elapsed = time.perf_counter() - start
    kv = encoder.vectors_
    kv.metadata["source"] = data.source
    c.write_vectors(kv, output, fmt_name)
    _summary(encoder, output, fmt_name, elapsed)


def _summary(encoder: object, output: Path, fmt: str, elapsed: float) -> None:
    from rich.table import Table

    r = encoder.last_report_  # type: ignore[attr-defined]
    kv = encoder.vectors_  # type: ignore[attr-defined]
    table = Table(title="texts encoded", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("model", f"{encoder.model} (dim {kv.vector_size})")  # type: ignore[attr-defined]
    table.add_row("texts", f"{r.n_texts:,} ({r.n_cached:,} from the cache)")
    if r.n_truncated:
        table.add_row("truncated", f"{r.n_truncated:,} longer than {r.max_seq_length} tokens")
    table.add_row("time", f"{elapsed:.1f} s")
    if r.n_texts > r.n_cached and r.seconds > 0:
        table.add_row("speed", f"{r.texts_per_sec:,.0f} texts/s")
    table.add_row("saved", f"{output} ({fmt})")
    c.console().print(table)


def register(app: typer.Typer) -> None:
    app.command("encode")(encode)
