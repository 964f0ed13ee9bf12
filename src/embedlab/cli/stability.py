"""``embedlab stability METHOD CORPUS --seeds 5 [method options] -o OUTDIR [--versus "OPTIONS"] [--jobs N]``.

Method options are the train command's hyperparameter flags (``--vector-size 50 --window 3``,
``--hs`` / ``--no-hs``), given after CORPUS; ``--versus`` takes a quoted list of such flags that
configuration B changes (``--versus "--window 10"``).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import InvalidParameterError
from . import _common as c
from ._method_options import parse_method_options

__all__ = ["register", "stability"]

_NOT_OPTIONS = frozenset({"callbacks", "show_progress", "random_state", "checkpoint_path", "checkpoint_every"})


def _describe(options: dict[str, Any]) -> str:
    return " ".join(f"--{k.replace('_', '-')} {v}" for k, v in options.items()) or "defaults"


def stability(
    ctx: typer.Context,
    method: Annotated[str, typer.Argument(help="Training method (word2vec, fasttext, glove, ppmi-svd ...).")],
    corpus: Annotated[Path, typer.Argument(help="Corpus file or folder (then the method's options, e.g. --vector-size 50).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder for stability.json and stability.html.")],
    seeds: Annotated[int, typer.Option("--seeds", help="Number of seeds (1..N).")] = 5,
    versus: Annotated[
        str | None, typer.Option("--versus", help='Options of configuration B, quoted: "--window 10 --epochs 3".')
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Seeds trained in parallel (processes, 1 thread each).")] = 1,
    similarity: Annotated[
        list[str] | None, typer.Option("--similarity", "-s", help="Similarity benchmarks (default wordsim353, simlex999).")
    ] = None,
    analogy: Annotated[list[str] | None, typer.Option("--analogy", "-a", help="Analogy benchmarks (e.g. google).")] = None,
    k: Annotated[int, typer.Option("--k", help="Neighbours for overlap@k.")] = 10,
    n_keys: Annotated[int, typer.Option("--n-keys", help="How many keys' neighbour stability is measured.")] = 5000,
    query_keys: Annotated[str, typer.Option("--query-keys", help="Which keys: frequent (the --n-keys most frequent), "
                          "sample (a seeded sample of --n-keys over all frequencies) or all.")] = "frequent",
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap rounds of the A/B test.")] = 2000,
    dask: Annotated[
        str | None, typer.Option("--dask", help="Train the seeds on Dask: 'local' (a cluster on 127.0.0.1) or a "
                                                "scheduler address; --jobs workers for 'local'.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Also print the result as JSON on stdout.")] = False,
    progress: c.Progress = True,
) -> None:
    """Train METHOD on CORPUS with N seeds: metric spread and CIs, neighbour stability by frequency, A vs B."""
    import json

    from ..monitoring.stability import stability as run
    from ..report.drift_report import render_stability_html, write_report
    from .drift import _check_outdir
    from .evaluate import build_evaluators

    _check_outdir(output)
    from ..exceptions import require

    require("matplotlib", "monitor")  # the HTML report's figures; fail before training
    from ..monitoring.stability import QUERY_KEYS

    if query_keys not in QUERY_KEYS:
        raise InvalidParameterError(f"--query-keys {query_keys}: use one of {', '.join(QUERY_KEYS)}")
    if n_keys < 1:
        raise InvalidParameterError(f"--n-keys must be >= 1; got {n_keys}")
    if seeds < 2:
        raise InvalidParameterError(f"--seeds must be >= 2; got {seeds}")
    if jobs < 1:
        raise InvalidParameterError(f"--jobs must be >= 1; got {jobs}")
    # typer leaves the method options (unknown to this command) in ctx.args
    params = parse_method_options(method, list(ctx.args), exclude=_NOT_OPTIONS)
    b = (parse_method_options(method, shlex.split(versus), where="--versus: ", exclude=_NOT_OPTIONS)
         if versus is not None else None)
    if b is not None and not b:
        raise InvalidParameterError('--versus needs at least one option, e.g. --versus "--window 10"')
    c.check_input_path(corpus)
    evaluators = build_evaluators(similarity or ["wordsim353", "simlex999"], analogy)
    kwargs = dict(versus=b, jobs=jobs, k=k, n_keys=n_keys, query_keys=query_keys, n_boot=n_boot, show_progress=progress,
                  describe=(_describe(params), _describe(b or {})))
    seed_list = list(range(1, seeds + 1))
    if dask is None:
        data = run(method, str(corpus.resolve()), params, seed_list, evaluators, **kwargs)
    else:
        from ..tuning.distributed import dask_client

        params.setdefault("n_threads", 1)
        with dask_client(dask, n_workers=jobs) as client:
            def runner(fn, calls):  # type: ignore[no-untyped-def]
                return client.gather([client.submit(fn, *args, pure=False) for args in calls])

            data = run(method, str(corpus.resolve()), params, seed_list, evaluators, runner=runner, **kwargs)
        data["dask"] = dask
    written = write_report(data, output, "stability", render_stability_html(data))
    if as_json:
        typer.echo(json.dumps(data))
        return
    con = c.console()
    for m in data["metrics"]:
        con.print(f"{m['task']}: {m['metric']} mean {m['mean']:.4f} ± {m['std']:.4f} (95% CI {m['ci'][0]:.4f}..{m['ci'][1]:.4f}; "
                  f"{seeds} seeds)", soft_wrap=True)
    ov = data["overlap"]
    con.print(f"neighbour overlap@{ov['k']} across seeds: {ov['mean']:.3f} ("
              + ", ".join(f"{b_['bin']}: {b_['overlap']:.2f}" for b_ in ov["bins"]) + ")", soft_wrap=True)
    con.print(f"  queried: {ov['queries']} (choose with --query-keys and --n-keys)", soft_wrap=True)
    for r in (data.get("versus") or {}).get("results", []):
        con.print(f"{r['task']}: {r['verdict']}", soft_wrap=True)
    for w in data["warnings"]:
        con.print(f"warning: {w}", soft_wrap=True)
    con.print(f"report: {written['html']} (+ {written['json'].name})", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("stability", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(stability)
