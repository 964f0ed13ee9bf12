"""``embedlab predict MODEL FILE`` and ``embedlab test MODEL TEST`` (fastText's predict / test)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import InputFileError, InvalidParameterError

__all__ = ["register", "predict", "test"]

_K = Annotated[int, typer.Option("-k", "--k", help="Labels per text (-1: every label above the threshold).")]
_THRESHOLD = Annotated[float, typer.Option("--threshold", help="Only labels with probability >= this.")]


def _load(model: Path):  # noqa: ANN202 - the classifier type is imported lazily
    from ..models.supervised import SupervisedClassifier

    return SupervisedClassifier.load(model)


def _check_k(k: int, threshold: float) -> None:
    if k < 1 and k != -1:
        raise InvalidParameterError(f"-k must be >= 1 or -1 (all labels); got {k}")
    if not 0.0 <= threshold <= 1.0:
        raise InvalidParameterError(f"--threshold must be in [0, 1]; got {threshold}")


def predict(
    model: Annotated[Path, typer.Argument(help="Model written by `embedlab train supervised`.")],
    file: Annotated[str, typer.Argument(help="Texts, one per line ('-' reads stdin); __label__ tokens are ignored.")],
    k: _K = 1,
    threshold: _THRESHOLD = 0.0,
    prob: Annotated[bool, typer.Option("--prob/--no-prob", help="Write each label's probability after it (fastText predict-prob).")] = False,
) -> None:
    """Write the top-k labels of every line of FILE, one output line per input line (`__label__X`)."""
    from ..corpus.labelled import LABEL_PREFIX, read_unlabelled

    _check_k(k, threshold)
    if file == "-":
        texts = [line.rstrip("\r\n") for line in sys.stdin]
    else:
        if not Path(file).is_file():
            raise InputFileError(f"{file}: no such file")
        texts = read_unlabelled(file)
    clf = _load(model)
    out = sys.stdout
    step = 10_000
    for lo in range(0, len(texts), step):
        for row in clf.predict_topk(texts[lo:lo + step], k=k, threshold=threshold):
            if prob:
                out.write(" ".join(f"{LABEL_PREFIX}{lab} {p:.5g}" for lab, p in row) + "\n")
            else:
                out.write(" ".join(f"{LABEL_PREFIX}{lab}" for lab, _ in row) + "\n")
    out.flush()


def test(
    model: Annotated[Path, typer.Argument(help="Model written by `embedlab train supervised`.")],
    test_file: Annotated[Path, typer.Argument(metavar="TEST", help="Labelled texts (fastText lines or CSV/TSV/JSONL).")],
    k: _K = 1,
    threshold: _THRESHOLD = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON instead.")] = False,
    text_column: Annotated[str | None, typer.Option(help="Text column of a CSV/TSV/JSONL.")] = None,
    label_column: Annotated[str | None, typer.Option(help="Label column of a CSV/TSV/JSONL.")] = None,
) -> None:
    """Print N, precision@k and recall@k as `fasttext test` does, then accuracy and macro-F1 with 95% CIs."""
    from ..corpus.labelled import read_labelled
    from ..evaluation.supervised import evaluate_classifier

    _check_k(k, threshold)
    clf = _load(model)
    data = read_labelled(test_file, text_column=text_column, label_column=label_column)
    for w in data.warnings:
        typer.echo(f"warning: {w}", err=True)
    result = evaluate_classifier(clf, data.texts, data.labels, k=k, threshold=threshold, name=test_file.name)
    for w in result.details["warnings"]:
        typer.echo(f"warning: {w}", err=True)
    if as_json:
        doc = result.to_dict()
        doc["details"].pop("per_item", None)
        typer.echo(json.dumps(doc, indent=2))
        return
    at = "all" if k == -1 else str(k)
    m, ci = result.metrics, result.details.get("ci", {})
    lines = [f"N\t{result.n}", f"P@{at}\t{m[f'precision_at_{at}']:.3f}", f"R@{at}\t{m[f'recall_at_{at}']:.3f}"]
    for name, label in (("accuracy", "accuracy"), ("macro_f1", "macro-F1")):
        lo, hi = ci.get(name, [float("nan"), float("nan")])
        lines.append(f"{label}\t{m[name]:.4f}\t(95% CI {lo:.4f}-{hi:.4f})")
    typer.echo("\n".join(lines))


def register(app: typer.Typer) -> None:
    app.command("predict")(predict)
    app.command("test")(test)
