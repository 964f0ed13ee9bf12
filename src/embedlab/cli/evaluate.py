"""``embedlab evaluate``, ``embedlab neighbors`` and ``embedlab convert``."""

from __future__ import annotations

import difflib
import json
import math
import numbers
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..exceptions import VocabularyError
from ..evaluation.suite import build_evaluators, run_evaluations
from . import _common as c

if TYPE_CHECKING:
    from ..evaluation import EvalResult
    from ..vectors import KeyedVectors

__all__ = ["register", "evaluate", "neighbors", "convert", "build_evaluators", "run_evaluations", "results_table"]



class AnalogyMethod(str, Enum):
    cosadd = "3cosadd"
    cosmul = "3cosmul"


VectorsArg = Annotated[Path, typer.Argument(help="Vectors file (.npz, .vec/.txt, .bin).")]


TextColumn = Annotated[
    str | None, typer.Option("--text-column", help="Column holding the texts in text-task tables (default: found by name).")
]
LabelColumn = Annotated[
    str | None, typer.Option("--label-column", help="Column holding the labels in text-task tables (default: found by name).")
]


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value


def _format_value(value: float) -> str:
    """Counts (int metrics such as analogy's ``correct``/``total``) as integers, scores to 4 places."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):  # int, numpy ints
        return f"{int(value):,}"
    v = float(value)
    return f"{v:,.0f}" if v.is_integer() and abs(v) > 1 else f"{v:.4f}"


def results_table(results: list[EvalResult], title: str = "", skipped: dict[str, str] | None = None) -> Any:
    """A rich table: dataset, metric, value, 95% CI (when computed), coverage, n (primary metric
    marked with *), then the task's baseline rows (``details["baseline"]``: majority class for node
    classification, popularity for recommendation); text tasks get a caption with token coverage
    and unknown words; CIs over fewer than SMALL_N items get a note."""
    from rich.table import Table

    from ..evaluation.documents import oov_summary
    from ..evaluation.stats import SMALL_N

    with_ci = any(r.details.get("ci") for r in results)
    table = Table(show_edge=not with_ci)  # 80 columns fit
    columns = [("dataset", "left"), ("metric", "left"), ("value", "right")]
    columns += [("95% CI", "right")] if with_ci else []
    columns += [("coverage", "right"), ("n", "right")]
    for col, justify in columns:  # only the dataset name may wrap: numbers and metric names stay whole
        table.add_column(col, justify=justify, no_wrap=col != "dataset", overflow="fold")  # type: ignore[arg-type]
    rows: list[list[str]] = []
    add_row = table.add_row

    def keep_row(*cells: str, **style: Any) -> None:
        rows.append(list(cells))
        add_row(*cells, **style)

    table.add_row = keep_row  # type: ignore[method-assign]
    for r in results:
        first = True
        cis = r.details.get("ci") or {}
        for metric, value in r.metrics.items():
            if metric == "coverage":
                continue
            mark = "*" if metric == r.primary_metric else ""
            ci = cis.get(metric)
            ci_cell = [f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci and all(map(math.isfinite, ci)) else ""] if with_ci else []
            table.add_row(
                r.name if first else "",
                metric + mark,
                _format_value(value),
                *ci_cell,
                f"{r.coverage:.1%}" if first else "",
                f"{r.n:,}" if first else "",
            )
            first = False
        base = r.details.get("baseline") or {}
        for i, (metric, value) in enumerate((base.get("metrics") or {}).items()):  # majority class, popularity
            table.add_row(f"  baseline: {base.get('name', '')}" if i == 0 else "", metric, _format_value(value),
                          *([""] if with_ci else []), "", "", style="dim")
    for name in skipped or {}:
        table.add_row(name, "skipped", *["-"] * (len(columns) - 2))
    if with_ci:
        n_boot = next((r.details.get("n_boot") for r in results if r.details.get("n_boot")), None)
        table.caption = "95% CI: bootstrap over the items" + (f" ({n_boot:,} resamples)" if n_boot else "")
        table.caption_justify = "left"
    notes = []
    rough = [f"{r.name} (n={r.n:,})" for r in results if r.details.get("small_n")]
    if rough:
        notes.append(f"few items: the CIs of {', '.join(rough)} rest on fewer than {SMALL_N} items; "
                     "read them as rough ranges")
    for r in results:
        oov = oov_summary(r.details)
        if oov is not None:
            notes.append(f"{r.name}: {oov['token_coverage']:.1%} of {oov['n_tokens']:,} tokens have vectors "
                         f"({oov['text_coverage']:.1%} of texts have one); most frequent unknown: {oov['unknown']}")
    if notes:
        table.caption = "\n".join(([table.caption] if table.caption else []) + notes)
        table.caption_justify = "left"
    if title:
        table.title, table.title_justify = title, "left"
    widths = [max([len(col)] + [len(row[i]) for row in rows]) for i, (col, _) in enumerate(columns)]
    if c.console().width < sum(widths) + 3 * len(columns):  # too narrow for whole cells: plain lines, nothing cut
        return _plain_results(rows, [col for col, _ in columns], table)
    return table


def _plain_results(rows: list[list[str]], names: list[str], table: Any) -> Any:
    """The results table as lines ``dataset`` then ``  metric value [CI] coverage n``, for narrow terminals."""
    from rich.console import Group
    from rich.text import Text

    lines = [Text(table.title)] if table.title else []
    for row in rows:
        if row[0]:
            lines.append(Text(row[0].strip(), style="bold"))
        cells = dict(zip(names, row))
        labels = [f"{k} {cells[k]}" for k in ("coverage", "n") if cells.get(k)]
        ci = cells.get("95% CI", "")
        lines.append(Text(f"  {cells['metric']} {cells['value']}" + (f" {ci}" if ci else "")
                          + (f" ({', '.join(labels)})" if labels else "")))
    if table.caption:
        lines.append(Text(str(table.caption)))
    return Group(*lines)


def evaluate(
    vectors: VectorsArg,
    similarity: Annotated[
        list[str] | None,
        typer.Option("--similarity", "-s", help="Word-similarity set: bundled name (wordsim353, simlex999) or file. Repeatable."),
    ] = None,
    analogy: Annotated[
        list[str] | None,
        typer.Option("--analogy", "-a", help="Analogy set: bundled name (google) or file. Repeatable."),
    ] = None,
    spec: Annotated[
        list[str] | None,
        typer.Option("--eval", "-e", help="Any evaluator spec KIND:NAME_OR_FILE (e.g. similarity:men.txt). Repeatable."),
    ] = None,
    restrict_vocab: Annotated[
        int, typer.Option(help="Analogy answers are searched among the N most frequent words.")
    ] = 30000,
    analogy_method: Annotated[AnalogyMethod, typer.Option(help="3cosadd or 3cosmul.")] = AnalogyMethod.cosadd,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    fmt: c.FromFormat = None,
    drop_nonfinite: c.DropNonfinite = False,
    n_boot: Annotated[
        int, typer.Option("--n-boot", help="Bootstrap resamples for the 95% confidence intervals (0 = none).")
    ] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Evaluate VECTORS on word similarity and analogy sets (bundled ones by default)."""
    from ._embeddings import evaluate_text_model, names_text_model

    if n_boot < 0:
        raise c.fail(f"--n-boot must be >= 0; got {n_boot}")
    if fmt is None and not similarity and not analogy and names_text_model(str(vectors)):
        return evaluate_text_model(str(vectors), spec, as_json)  # a sentence model or bm25: --eval tasks
    kv = c.read_vectors(vectors, fmt, drop_nonfinite=drop_nonfinite)
    evaluators = build_evaluators(similarity, analogy, spec, restrict_vocab, analogy_method.value, text_column,
                                  label_column)
    results, skipped = run_evaluations(evaluators, kv, n_boot=n_boot)
    if as_json:
        payload = {
            "vectors": str(vectors),
            "n_words": len(kv),
            "vector_size": kv.vector_size,
            "results": [jsonable(r.to_dict()) for r in results],
            "skipped": skipped,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    con = c.console()
    con.print(f"{vectors} ({len(kv):,} words, dim {kv.vector_size})", soft_wrap=True)  # a long path stays whole
    con.print(results_table(results, "", skipped))


def unknown_word_message(kv: KeyedVectors, word: str, limit: int = 200_000) -> str:
    """Say that ``word`` is unknown and suggest close spellings from the vocabulary."""
    candidates = kv.index_to_key[:limit]
    close = difflib.get_close_matches(word, candidates, n=5, cutoff=0.7)
    if word.lower() != word and word.lower() in kv and word.lower() not in close:
        close.insert(0, word.lower())
    hint = f"; did you mean: {', '.join(close)}?" if close else "; check the spelling or train with a lower --min-count"
    return f"word '{word}' is not in the vocabulary ({len(kv):,} words){hint}"


def neighbors(
    vectors: VectorsArg,
    words: Annotated[list[str], typer.Argument(help="One or more query words.")],
    k: Annotated[int, typer.Option("-k", "--topn", help="Number of neighbours.")] = 10,
    fmt: c.FromFormat = None,
    drop_nonfinite: c.DropNonfinite = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the K nearest neighbours (cosine) of each WORD in VECTORS."""
    from rich.table import Table

    if k < 1:
        raise c.fail(f"-k must be >= 1; got {k}")
    kv = c.read_vectors(vectors, fmt, drop_nonfinite=drop_nonfinite)
    for word in words:
        if word not in kv and not getattr(kv, "has_subwords", False):  # subword vectors compose OOV words
            raise VocabularyError(unknown_word_message(kv, word))
    found = {word: kv.most_similar(word, topn=k) for word in words}
    if as_json:
        typer.echo(json.dumps({w: [[n, s] for n, s in nb] for w, nb in found.items()}, indent=2))
        return
    out = c.console()
    for word, nb in found.items():
        table = Table(title=f"neighbours of '{word}'", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("word")
        table.add_column("cosine", justify="right")
        for i, (n, s) in enumerate(nb, 1):
            table.add_row(str(i), n, f"{s:.4f}")
        out.print(table)


def convert(
    src: Annotated[Path, typer.Argument(metavar="IN", help="Input vectors file.")],
    dst: Annotated[Path, typer.Argument(metavar="OUT", help="Output vectors file.")],
    from_fmt: c.FromFormat = None,
    to_fmt: c.ToFormat = None,
    drop_nonfinite: c.DropNonfinite = False,
) -> None:
    """Convert vectors between any two formats (npz, word2vec text and binary, ...)."""
    c.check_output_path(dst, "OUT")
    out_fmt = c.resolve_format(dst, to_fmt, "--to")
    kv = c.read_vectors(src, from_fmt, drop_nonfinite=drop_nonfinite)
    c.write_vectors(kv, dst, out_fmt)
    c.console(stderr=True).print(f"wrote {len(kv):,} vectors (dim {kv.vector_size}) to {dst} ({out_fmt})")


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
    app.command("neighbors")(neighbors)
    app.command("convert")(convert)
