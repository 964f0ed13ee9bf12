"""``evaluate`` of a sentence model (a spec naming no word vectors): evaluation on document tasks,
printed; what a spec may name lives in :mod:`embedlab.evaluation.embeddings`."""

from __future__ import annotations

from ..evaluation.embeddings import EMBEDDING_HELP, hybrid_embeddings, load_embedding, names_text_model
from ..exceptions import InvalidParameterError

__all__ = ["load_embedding", "hybrid_embeddings", "names_text_model", "evaluate_text_model", "EMBEDDING_HELP"]


def evaluate_text_model(spec: str, specs: list[str] | None, as_json: bool) -> None:
    """``embedlab evaluate MODEL -e KIND:FILE``: a sentence model (or bm25) on document-level tasks."""
    import json

    import typer

    from . import _common as c
    from .evaluate import jsonable, results_table, run_evaluations

    if not specs:
        raise InvalidParameterError(
            f"{spec}: a sentence model is evaluated on document-level tasks; give --eval sts:FILE, "
            "retrieval:FOLDER, classification:FILE or clustering:FILE (word similarity and analogy need word vectors)"
        )
    from ..evaluation import make_evaluator
    from ..evaluation.compare import _cannot_score

    emb = load_embedding(spec, show_progress=True)
    evaluators = [make_evaluator(s) for s in specs]
    for ev in evaluators:
        reason = _cannot_score(ev, emb)
        if reason is not None:
            raise InvalidParameterError(f"--eval {ev.name}: cannot score {spec}: {reason}")
    results, skipped = run_evaluations(evaluators, emb)
    if as_json:
        typer.echo(json.dumps({"model": spec, "results": [jsonable(r.to_dict()) for r in results], "skipped": skipped},
                              indent=2))
        return
    dim = getattr(emb, "dimension", None)
    c.console().print(results_table(results, f"{spec}" + (f" (dim {dim})" if isinstance(dim, int) else ""), skipped))
