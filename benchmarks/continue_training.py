"""Continued training vs training at once: word2vec on the whole corpus against word2vec on its
first half, saved with ``save_state`` and continued on the second half (``continue_training``).

Same hyperparameters and the same total number of token passes on both sides; WS353 Spearman
(bundled) for each, plus the second half alone as a reference, and the neighbours of the words the
continuation added (words rare in the first half). Prints one table and a JSON line.

    python benchmarks/continue_training.py --corpus CORPUS [--tokens 3000000] [--seeds 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def split_halves(src: Path, out: Path, tokens: int | None) -> tuple[Path, Path, Path, int]:
    lines = []
    n = 0
    with open(src, encoding="utf-8") as fh:
        for line in fh:
            w = len(line.split())
            if tokens is not None and n + w > tokens and lines:
                break
            lines.append(line if line.endswith("\n") else line + "\n")
            n += w
    whole, first, second = out / "whole.txt", out / "first.txt", out / "second.txt"
    whole.write_text("".join(lines), encoding="utf-8")
    acc, cut = 0, len(lines)
    for i, line in enumerate(lines):
        acc += len(line.split())
        if acc >= n / 2:
            cut = i + 1
            break
    first.write_text("".join(lines[:cut]), encoding="utf-8")
    second.write_text("".join(lines[cut:]), encoding="utf-8")
    return whole, first, second, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True,
                    help="one sentence or document per line (the published figures: the ~11M-token corpus)")
    ap.add_argument("--tokens", type=int, default=None, help="use only the first N tokens")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if not args.corpus.is_file():
        raise SystemExit(f"{args.corpus}: not found")

    from embedlab.evaluation import make_evaluator
    from embedlab.models.word2vec import Word2Vec

    ws = make_evaluator("similarity:wordsim353")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        whole, first, second, n_tokens = split_halves(args.corpus, Path(tmp), args.tokens)
        for seed in range(1, args.seeds + 1):
            kw = dict(epochs=args.epochs, random_state=seed, n_threads=args.threads, show_progress=False)
            t = time.perf_counter()
            full = Word2Vec(**kw).fit(whole)
            t_full = time.perf_counter() - t
            t = time.perf_counter()
            part = Word2Vec(**kw).fit(first)
            state = part.save_state(Path(tmp) / "first.state.npz")
            cont = Word2Vec(**kw).continue_training(second, state)
            t_cont = time.perf_counter() - t
            alone = Word2Vec(**kw).fit(second)
            r = {"seed": seed, "ws353_whole": ws.evaluate(full.vectors_).metrics["spearman"],
                 "ws353_first_half": ws.evaluate(part.vectors_).metrics["spearman"],
                 "ws353_continued": ws.evaluate(cont.vectors_).metrics["spearman"],
                 "ws353_second_half_alone": ws.evaluate(alone.vectors_).metrics["spearman"],
                 "seconds_whole": round(t_full, 1), "seconds_half_plus_continue": round(t_cont, 1),
                 "added_words": len(cont.added_words_)}
            r["diff"] = r["ws353_continued"] - r["ws353_whole"]
            added = sorted(cont.added_words_, key=lambda w: -cont.vocab_.count(w))[:8]
            r["new_word_neighbours"] = {w: [k for k, _ in cont.vectors_.most_similar(w, topn=6)] for w in added}
            rows.append(r)
            print(f"seed {seed}: WS353 whole {r['ws353_whole']:.4f} | first half {r['ws353_first_half']:.4f} -> "
                  f"continued on second half {r['ws353_continued']:.4f} (diff {r['diff']:+.4f}) | second half alone "
                  f"{r['ws353_second_half_alone']:.4f}; time whole {t_full:.0f} s, half+continue {t_cont:.0f} s; "
                  f"{r['added_words']} words added", flush=True)
            for w, nb in r["new_word_neighbours"].items():
                print(f"   new word {w!r} (count {cont.vocab_.count(w)}): {', '.join(nb)}")
    diffs = [r["diff"] for r in rows]
    summary = {"corpus": str(args.corpus), "tokens": n_tokens, "seeds": args.seeds,
               "median_diff": statistics.median(diffs), "max_abs_diff": max(abs(d) for d in diffs), "runs": rows}
    print(f"median WS353 difference continued - whole over {len(rows)} seed(s): {summary['median_diff']:+.4f} "
          f"(target |diff| <= 0.01) on {n_tokens:,} tokens")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
