"""``embedlab drift``: what changed between two embeddings, in a corpus, or in the queries a service gets.

Three uses, one command:

* ``embedlab drift OLD NEW -o OUTDIR [--baseline SEED_A --baseline SEED_B] [--json] [--fail-above X]``
* ``embedlab drift --corpus NEW --vectors V -o OUTDIR`` (or ``--corpus OLD --corpus NEW``)
* ``embedlab drift --queries LOG.jsonl --vectors V -o OUTDIR``

Each writes ``OUTDIR/<kind>.json`` and ``OUTDIR/<kind>.html``; ``--json`` also prints the JSON
object on stdout; ``--fail-above X`` exits with status 1 when the score exceeds X (for CI and
cron jobs; errors exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import InvalidParameterError
from . import _common as c

__all__ = ["register", "drift"]

EXIT_DRIFT = 1
_VECTORS_HELP = "vectors file (.npz, .vec/.txt, .bin, .parquet index) or a pre-trained name (glove-6b-50d)"


def _load(spec: str, option: str) -> Any:
    from ..vectors.pretrained import resolve_vectors

    try:
        return resolve_vectors(spec)
    except Exception as exc:  # re-raised with the option named
        from ..exceptions import EmbedlabError

        if isinstance(exc, EmbedlabError):
            raise type(exc)(f"{option}: {exc}") from None
        raise


def _anchors(value: str | None) -> list[str] | None:
    if value is None:
        return None
    p = Path(value)
    if p.is_file():
        try:
            words = p.read_text(encoding="utf-8").split()
        except UnicodeDecodeError as exc:
            raise InvalidParameterError(f"--anchors {p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    else:
        words = [w.strip() for w in value.split(",") if w.strip()]
    if not words:
        raise InvalidParameterError(f"--anchors {value!r}: no anchor keys (give a file, one key per line, or a,b,c)")
    return words


def _check_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise InvalidParameterError(f"--output {outdir}: exists and is not a folder; give an output folder")
    parent = outdir.parent if str(outdir.parent) else Path(".")
    if not outdir.exists() and not parent.is_dir():
        raise InvalidParameterError(f"--output {outdir}: its parent folder {parent} does not exist")


def _finish(data: dict[str, Any], paths: dict[str, Path], as_json: bool, fail_above: float | None,
            score: float, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, default=_default))
    else:
        con = c.console()
        for line in lines:
            con.print(line, soft_wrap=True)
        con.print(f"report: {paths['html']} (+ {paths['json'].name})", soft_wrap=True)
    if fail_above is not None and score > fail_above:
        typer.echo(f"drift: score {score:.4g} is above --fail-above {fail_above:g}", err=True)
        raise typer.Exit(EXIT_DRIFT)


def _default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)


def _embedding_drift(old: str, new: str, output: Path, *, baseline: list[str] | None, anchors: str | None,
                     n_anchors: int, k: int, top: int, overlap_sample: int, z_moved: float, similarity: list[str] | None,
                     analogy: list[str] | None, benchmarks: bool, seed: int, as_json: bool,
                     fail_above: float | None) -> None:
    from ..monitoring.drift import compare_benchmarks, embedding_drift, load_baseline, seed_baseline
    from ..report.drift_report import render_drift_html, write_report

    for name, value, low in (("--k", k, 1), ("--top", top, 1), ("--n-anchors", n_anchors, 1),
                             ("--overlap-sample", overlap_sample, 1)):
        if value < low:
            raise InvalidParameterError(f"{name} must be >= {low}; got {value}")
    if baseline is not None and len(baseline) not in (1, 2):
        raise InvalidParameterError(
            f"--baseline given {len(baseline)} times: give two seeds of the same data (--baseline A --baseline B) "
            "or one drift.json of such a pair"
        )
    anchor_words = _anchors(anchors)
    evaluators = []
    if benchmarks:
        from .evaluate import build_evaluators

        evaluators = build_evaluators(similarity or ["wordsim353", "simlex999"], analogy)
    kv_old, kv_new = _load(old, "OLD"), _load(new, "NEW")
    opts = dict(anchors=anchor_words, n_anchors=n_anchors, k=k, top=top, overlap_sample=overlap_sample,
                z_moved=z_moved, random_state=seed, show_progress=True)
    base = None
    if baseline:
        if len(baseline) == 1:
            base = load_baseline(baseline[0])
        else:
            base = seed_baseline(_load(baseline[0], "--baseline"), _load(baseline[1], "--baseline"), **opts)
    result = embedding_drift(kv_old, kv_new, baseline=base, **opts)
    if evaluators:
        bench = compare_benchmarks(kv_old, kv_new, evaluators, random_state=seed)
        result.benchmarks = bench
        result.warnings.extend(bench["warnings"])
    data = result.to_dict()
    names = (_name(old), _name(new))
    data["old"], data["new"] = old, new
    per_key = {"keys": result.keys, "displacement": result.displacement, "z": result.z, "frequency": result.freq}
    paths = write_report(data, output, "drift", render_drift_html(data, per_key, names))
    base_txt = f" (seed baseline {data['baseline']['score']:.4f})" if data.get("baseline") else ""
    lines = [f"drift score {result.score:.4f}{base_txt}: {sum(1 for z in result.z if z > z_moved)} of "
             f"{len(result.keys):,} shared keys moved beyond seed noise; overlap@{result.k} "
             f"{result.overlap['mean']:.3f}; similarity Spearman {result.similarity['spearman']:.3f}",
             "most moved: " + ", ".join(m["key"] for m in result.moved[:10])]
    for r in (result.benchmarks or {}).get("results", []):
        if "diff" in r:
            lines.append(f"{r['task']}: {r['metric']} {r['old']:.4f} -> {r['new']:.4f} "
                         f"({'significant' if r['significant'] else 'not significant'}, p={r['p_value']:.3g})")
    lines += [f"warning: {w}" for w in result.warnings]
    _finish(data, paths, as_json, fail_above, result.score, lines)


def _corpus_drift(corpus: list[Path], vectors: str | None, output: Path, opts: Any, *, min_count: int, top: int,
                  thresholds: dict[str, float], as_json: bool, fail_above: float | None) -> None:
    from ..monitoring.corpus_drift import corpus_counts, corpus_drift
    from ..report.drift_report import render_corpus_drift_html, write_report

    if len(corpus) > 2:
        raise InvalidParameterError(f"--corpus given {len(corpus)} times: give NEW text (with --vectors) or OLD and NEW")
    if len(corpus) == 2 and vectors is not None:
        raise InvalidParameterError("--vectors with two --corpus: compare the new text with either the model or the old text")
    if len(corpus) == 1 and vectors is None:
        raise InvalidParameterError("--corpus NEW needs --vectors V (the model) or a second --corpus (old then new text)")
    for name, value in (("--min-count", min_count), ("--top", top)):
        if value < 1:
            raise InvalidParameterError(f"{name} must be >= 1; got {value}")
    for name, value in thresholds.items():
        if not 0 < value <= 1:
            flag = "--oov-threshold" if "oov" in name else "--js-threshold"
            raise InvalidParameterError(f"{flag} must be in (0, 1]; got {value}")
    kv = _load(vectors, "--vectors") if vectors is not None else None
    new_counts, new_total = corpus_counts(opts.corpus([corpus[-1]]))
    if len(corpus) == 2:
        old_counts, old_total = corpus_counts(opts.corpus([corpus[0]]))
        data = corpus_drift(new_counts, new_total, reference_counts=old_counts, reference_total=old_total,
                            min_count=min_count, top=top, thresholds=thresholds, reference_name=str(corpus[0]))
    else:
        data = corpus_drift(new_counts, new_total, reference_vectors=kv, min_count=min_count, top=top,
                            thresholds=thresholds, reference_name=str(vectors))
    data["new_corpus"] = str(corpus[-1])
    paths = write_report(data, output, "corpus_drift", render_corpus_drift_html(data))
    f = data["figures"]
    js = f" JS divergence {f['js_divergence']:.4f};" if "js_divergence" in f else ""
    ref = f" (reference's own {f['reference_oov_rate']:.4f})" if "reference_oov_rate" in f else ""
    lines = [f"{data['recommendation']['verdict']}: {data['recommendation']['reason']}",
             f"OOV rate {f['oov_rate']:.4f}{ref} of {f['new_tokens']:,} tokens;{js} {f['new_frequent_words']:,} new "
             f"frequent words ({f['new_word_min_count']}+ times): "
             + ", ".join(w["word"] for w in data["new_frequent_words"][:10])]
    lines += [f"warning: {w}" for w in data["warnings"]]
    _finish(data, paths, as_json, fail_above, float(data["score"]), lines)


def _query_drift(log: Path, vectors: str | None, output: Path, *, period: str | None, top: int, as_json: bool,
                 fail_above: float | None) -> None:
    from ..monitoring.queries import query_drift
    from ..report.drift_report import render_query_drift_html, write_report

    kv = _load(vectors, "--vectors") if vectors is not None else None
    data = query_drift(log, kv, period=period, top=top)
    paths = write_report(data, output, "query_drift", render_query_drift_html(data))
    s = data["summary"]
    vs = f"; against {vectors}: {s['miss_rate_vectors']:.2%}" if "miss_rate_vectors" in s else ""
    lines = [f"{s['lookups']:,} lookups {s['first']} .. {s['last']}: miss rate {s['miss_rate']:.2%}{vs}",
             "most requested unknown keys: " + ", ".join(f"{u['key']} ({u['count']})" for u in data["unknown_keys"][:10])]
    _finish(data, paths, as_json, fail_above, float(data["score"]), lines)


def _name(spec: str) -> str:
    p = Path(spec)
    return p.stem if p.suffix else spec


def drift(
    old: Annotated[str | None, typer.Argument(help=f"The earlier embedding: {_VECTORS_HELP}.")] = None,
    new: Annotated[str | None, typer.Argument(help="The later embedding.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output folder for the JSON and HTML report.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Also print the result as one JSON object on stdout.")] = False,
    fail_above: Annotated[
        float | None, typer.Option("--fail-above", help="Exit with status 1 when the drift score is above this.")
    ] = None,
    baseline: Annotated[
        list[str] | None,
        typer.Option("--baseline", help="Seed baseline: two embeddings of the same data with different seeds "
                                        "(give twice), or one drift.json of such a pair."),
    ] = None,
    anchors: Annotated[
        str | None, typer.Option("--anchors", help="Anchor keys for Procrustes: a file (one per line) or a,b,c.")
    ] = None,
    n_anchors: Annotated[int, typer.Option("--n-anchors", help="Without --anchors: this many most frequent shared keys.")] = 10000,
    k: Annotated[int, typer.Option("--k", help="Neighbours for overlap@k.")] = 10,
    top: Annotated[int, typer.Option("--top", help="Moved keys to list.")] = 50,
    overlap_sample: Annotated[
        int, typer.Option("--overlap-sample", help="Keys whose neighbour overlap is computed when over 20,000 are shared.")
    ] = 5000,
    z_moved: Annotated[float, typer.Option("--z-moved", help="z-score beyond seed noise that counts a key as moved.")] = 3.5,
    similarity: Annotated[
        list[str] | None, typer.Option("--similarity", "-s", help="Similarity benchmarks (default wordsim353, simlex999).")
    ] = None,
    analogy: Annotated[list[str] | None, typer.Option("--analogy", "-a", help="Analogy benchmarks (e.g. google).")] = None,
    benchmarks: Annotated[bool, typer.Option("--benchmarks/--no-benchmarks", help="Score both versions on benchmarks.")] = True,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the key and pair samples and the bootstrap.")] = 0,
    corpus: Annotated[
        list[Path] | None,
        typer.Option("--corpus", help="Corpus drift: new text (with --vectors V), or give twice: OLD then NEW text."),
    ] = None,
    vectors: Annotated[
        str | None, typer.Option("--vectors", help="The model for --corpus / --queries: " + _VECTORS_HELP + ".")
    ] = None,
    queries: Annotated[
        Path | None, typer.Option("--queries", help="Query monitoring: a query log (JSON lines, see --help text).")
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="--queries: hour, day, week or month (default: auto).")] = None,
    min_count: Annotated[int, typer.Option("--min-count", help="--corpus: count that makes a new word frequent.")] = 5,
    oov_threshold: Annotated[float, typer.Option("--oov-threshold", help="--corpus: excess OOV rate (over the reference's own) that calls for retraining.")] = 0.05,
    js_threshold: Annotated[float, typer.Option("--js-threshold", help="--corpus: JS divergence that calls for retraining.")] = 0.10,
    encoding: c.Encoding = "utf-8",
    errors: c.ErrorsOpt = c.Errors.strict,
    lowercase: c.Lowercase = True,
    tokenizer: c.TokenizerOpt = c.Tokenizer.unicode,
) -> None:
    """Drift between two embeddings (OLD NEW), of new text (--corpus) or of a service's queries (--queries).

    Query logs are JSON lines, one lookup per line:
    {"ts": ISO-8601 or unix seconds, "endpoint": str, "key": str, "hit": bool}.
    """
    if output is None:
        raise InvalidParameterError("drift needs --output OUTDIR (the folder for the JSON and HTML report)")
    _check_outdir(output)
    from ..exceptions import require

    require("matplotlib", "monitor")  # the HTML report's figures; fail before any work
    modes = [m for m, on in (("OLD NEW", old is not None), ("--corpus", bool(corpus)), ("--queries", queries is not None)) if on]
    if len(modes) > 1:
        raise InvalidParameterError(f"drift: give one of OLD NEW, --corpus or --queries, not {' and '.join(modes)}")
    if corpus:
        opts = c.CorpusOptions(None, encoding, errors, lowercase, tokenizer, False)
        return _corpus_drift(corpus, vectors, output, opts, min_count=min_count, top=top,
                             thresholds={"excess_oov_rate": oov_threshold, "js_divergence": js_threshold},
                             as_json=as_json, fail_above=fail_above)
    if queries is not None:
        return _query_drift(queries, vectors, output, period=period, top=top, as_json=as_json, fail_above=fail_above)
    if vectors is not None:
        raise InvalidParameterError("--vectors goes with --corpus or --queries; for two embeddings give OLD NEW")
    if old is None or new is None:
        raise InvalidParameterError("drift needs OLD and NEW embeddings, --corpus NEW --vectors V, or --queries LOG "
                                    "--vectors V (see 'embedlab drift --help')")
    _embedding_drift(old, new, output, baseline=baseline, anchors=anchors, n_anchors=n_anchors, k=k, top=top,
                     overlap_sample=overlap_sample, z_moved=z_moved, similarity=similarity, analogy=analogy,
                     benchmarks=benchmarks, seed=seed, as_json=as_json, fail_above=fail_above)


def register(app: typer.Typer) -> None:
    app.command("drift")(drift)
