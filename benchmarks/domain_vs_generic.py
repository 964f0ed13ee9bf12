"""Generic vs domain embeddings, lexical vs dense, on Cranfield retrieval and STS-B.

Cranfield (1,400 aeronautics abstracts, 225 queries): queries are split (seeded) into training
queries, whose (query, relevant abstract) pairs fine-tune MiniLM, and held-out test queries on
which every system is scored:

* BM25 (bm25s, Lucene variant, English stop words removed): the lexical baseline;
* GloVe 6B 50-d (generic static vectors, TF-IDF pooling, the retrieval default);
* word2vec trained here on the Cranfield abstracts (domain static vectors, TF-IDF pooling);
* MiniLM (all-MiniLM-L6-v2, generic transformer);
* MiniLM fine-tuned on the training-query pairs (MNRL, no-duplicates batches; domain transformer);
* reciprocal-rank fusion of BM25 with MiniLM and with the fine-tuned MiniLM (``--hybrid``).

Metrics: nDCG@10 (graded relevance, linear gains), MRR and recall@100 with bootstrap 95% CIs over
queries, and paired bootstrap tests between systems on the same queries. The base systems are
also scored on all 225 queries. Encode time (no cache) and fine-tune time are measured.

STS-B: MiniLM and GloVe (SIF) on dev and test (Spearman with CIs); with ``--sts-finetune``,
MiniLM fine-tuned on the full train set (5,749 pairs, CoSENT, one epoch by default) scored on
dev and test before and after (long: ~8 min with 1 thread on an idle 2-vCPU machine). With
``--sts-grid "lr=1e-5,2e-5 warmup=0.0,0.1"`` every combination is fine-tuned that way (same seed),
scored on dev and test, and the one with the best dev Spearman is the result; test is printed for
every configuration but plays no part in the choice.

    python benchmarks/domain_vs_generic.py [--sts-finetune [--sts-grid SPEC]] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def _row(name: str, r, metrics=("ndcg@10", "mrr", "recall@100")) -> str:
    cells = []
    for m in metrics:
        ci = r.details.get("ci", {}).get(m)
        cells.append(f"{r.metrics[m]:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{r.metrics[m]:.3f}")
    return f"  {name:<26}" + "  ".join(f"{c:<22}" for c in cells)


def _paired(label: str, ra, rb, metric: str) -> str:
    from embedlab.evaluation.stats import compare_results

    pc = compare_results(ra, rb, metric=metric, random_state=0)
    return (f"  {label:<34} {metric:<8} diff {pc.diff:+.4f} 95% CI [{pc.ci[0]:+.4f}, {pc.ci[1]:+.4f}] "
            f"p={pc.p_value:.3g} {'significant' if pc.significant else 'not significant'}")


def subset_queries(data, qids):
    from embedlab.corpus.taskdata import RetrievalData

    keep = set(qids)
    return RetrievalData(data.doc_ids, data.docs, [q for q in data.query_ids if q in keep],
                         [t for q, t in zip(data.query_ids, data.queries) if q in keep],
                         {q: r for q, r in data.qrels.items() if q in keep}, data.source + f" ({len(keep)} queries)",
                         list(data.warnings))


def cranfield_judgements(data, keep_no_interest: bool = False):
    """Cranfield's judgements as cranqrel means them: its code -1 ("references of no interest") is
    not relevant. ``QRelsCorrectedforTRECeval`` (which the folder loader prefers) maps codes
    1..4 to grades 4..1 but -1 to 5, the top grade (one such judgement per query); drop those."""
    from embedlab.corpus.taskdata import RetrievalData

    if keep_no_interest or "QRelsCorrectedforTRECeval" not in "".join(data.warnings) + data.source:
        return data
    qrels = {q: {d: r for d, r in rel.items() if r < 5} for q, rel in data.qrels.items()}
    qrels = {q: rel for q, rel in qrels.items() if rel}
    return RetrievalData(data.doc_ids, data.docs, data.query_ids, data.queries, qrels, data.source, list(data.warnings))


def cranfield(args, out: dict) -> None:
    from embedlab.corpus.taskdata import retrieval_pairs, split_queries
    from embedlab.corpus.texts import Pairs
    from embedlab.evaluation.documents import tokenize
    from embedlab.evaluation.encoders import HybridRanker
    from embedlab.evaluation.retrieval import Retrieval
    from embedlab.corpus.taskdata import load_retrieval
    from embedlab.models.bm25 import BM25
    from embedlab.models.finetune import SentenceFineTuner
    from embedlab.models.transformer import SentenceEncoder, torch_threads
    from embedlab.models.word2vec import Word2Vec
    from embedlab.vectors.pretrained import resolve_vectors

    data = cranfield_judgements(load_retrieval(Path(args.data) / "retrieval" / "cranfield"), args.keep_no_interest)
    qids = [q for q in data.query_ids if q in data.qrels]
    train_q, test_q = split_queries(qids, args.test_fraction, args.seed)
    anchors, positives = retrieval_pairs(data, train_q)
    print(f"Cranfield: {len(data.docs)} abstracts, {len(qids)} judged queries -> {len(train_q)} training "
          f"({len(anchors)} pairs), {len(test_q)} held-out (seed {args.seed})", flush=True)
    test_task = Retrieval(subset_queries(data, test_q), n_boot=args.n_boot)
    all_task = Retrieval(data, n_boot=args.n_boot)

    timings: dict[str, float] = {}
    t = time.perf_counter()
    w2v = Word2Vec(vector_size=100, window=5, min_count=2, epochs=args.w2v_epochs, n_threads=args.threads,
                   random_state=args.seed, show_progress=False).fit([tokenize(d) for d in data.docs])
    timings["word2vec_train_s"] = time.perf_counter() - t
    glove = resolve_vectors("glove-6b-50d", None)

    minilm = SentenceEncoder(batch_size=args.batch_size_encode, n_threads=args.threads, cache=False, show_progress=False)
    with torch_threads(args.threads):
        minilm.encode(["warm up"])
        t = time.perf_counter()
        minilm.encode(data.docs[: args.n_timed])
        timings["minilm_encode_docs_s"] = time.perf_counter() - t
    timings["minilm_docs_truncated"] = minilm.last_report_.n_truncated
    cached = SentenceEncoder(batch_size=args.batch_size_encode, n_threads=args.threads, cache_dir=args.cache_dir,
                             show_progress=False)

    tuner = SentenceFineTuner(loss="mnrl", epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
                              warmup_ratio=args.warmup_ratio, eval_fraction=0.0, n_threads=args.threads,
                              random_state=args.seed, show_progress=False, max_seq_length=args.max_seq_length)
    t = time.perf_counter()
    tuner.fit(Pairs(anchors, positives, source="cranfield-train-queries"))
    timings["finetune_s"] = time.perf_counter() - t
    import tempfile

    ft_dir = Path(tempfile.mkdtemp(prefix="minilm-ft-")) / "model"
    tuner.save(ft_dir)
    tuned = SentenceEncoder(model=str(ft_dir), batch_size=args.batch_size_encode, n_threads=args.threads,
                            cache_dir=args.cache_dir, show_progress=False)

    systems = {
        "BM25": BM25(),
        "GloVe 6B 50d (tfidf)": glove,
        "word2vec Cranfield (tfidf)": w2v.vectors_,
        "MiniLM": cached,
        "MiniLM fine-tuned": tuned,
        "BM25 + MiniLM (RRF)": HybridRanker(BM25(), cached),
        "BM25 + MiniLM-ft (RRF)": HybridRanker(BM25(), tuned),
    }
    results = {}
    print(f"\nheld-out queries (n={len(test_q)}):      nDCG@10 [95% CI]         MRR                     recall@100")
    for name, emb in systems.items():
        with torch_threads(args.threads):
            r = test_task.evaluate(emb)
        results[name] = r
        print(_row(name, r), flush=True)
    print("\npaired tests on the held-out queries (A - B):")
    pairs = [("MiniLM fine-tuned", "MiniLM"), ("MiniLM", "BM25"), ("BM25 + MiniLM (RRF)", "MiniLM"),
             ("BM25 + MiniLM (RRF)", "BM25"), ("BM25 + MiniLM-ft (RRF)", "MiniLM fine-tuned"),
             ("word2vec Cranfield (tfidf)", "GloVe 6B 50d (tfidf)"), ("MiniLM", "GloVe 6B 50d (tfidf)")]
    paired = []
    for a, b in pairs:
        for m in ("ndcg@10", "mrr", "recall@100"):
            line = _paired(f"{a} - {b}", results[a], results[b], m)
            paired.append(line.strip())
            print(line)
    print(f"\nall {len(qids)} queries (base systems, nothing trained on them except word2vec's unsupervised pass):")
    all_results = {}
    for name in ("BM25", "GloVe 6B 50d (tfidf)", "word2vec Cranfield (tfidf)", "MiniLM", "BM25 + MiniLM (RRF)"):
        with torch_threads(args.threads):
            all_results[name] = all_task.evaluate(systems[name])
        print(_row(name, all_results[name]), flush=True)
    print("\ntimes (2 vCPUs, shared with other work):")
    print(f"  word2vec on the abstracts ({args.w2v_epochs} epochs): {timings['word2vec_train_s']:.1f} s")
    print(f"  MiniLM encode of {args.n_timed} abstracts (no cache, batch {args.batch_size_encode}, "
          f"{args.threads} thread(s)): {timings['minilm_encode_docs_s']:.1f} s "
          f"({args.n_timed / timings['minilm_encode_docs_s']:.1f} texts/s; {timings['minilm_docs_truncated']} truncated at 256 tokens)")
    print(f"  MiniLM fine-tune on {len(anchors)} pairs, {args.epochs} epoch(s), batch {args.batch_size}, "
          f"max_seq_length {args.max_seq_length}: {timings['finetune_s']:.1f} s")
    out["cranfield"] = {
        "split": {"train_queries": len(train_q), "test_queries": len(test_q), "train_pairs": len(anchors), "seed": args.seed},
        "heldout": {n: {"metrics": r.metrics, "ci": r.details.get("ci")} for n, r in results.items()},
        "all_queries": {n: {"metrics": r.metrics, "ci": r.details.get("ci")} for n, r in all_results.items()},
        "paired": paired, "timings": timings,
    }


def sts(args, out: dict) -> None:
    from embedlab.corpus.texts import Pairs
    from embedlab.evaluation.sts import SentenceSimilarity
    from embedlab.corpus.taskdata import load_sentence_pairs
    from embedlab.models.transformer import SentenceEncoder, torch_threads
    from embedlab.vectors.pretrained import resolve_vectors

    folder = Path(args.data) / "sts" / "stsbenchmark"
    dev = SentenceSimilarity(folder / "sts-dev.csv", n_boot=args.n_boot)
    test = SentenceSimilarity(folder / "sts-test.csv", n_boot=args.n_boot)
    minilm = SentenceEncoder(n_threads=args.threads, cache_dir=args.cache_dir, show_progress=False)
    glove = resolve_vectors("glove-6b-50d", None)
    print("\nSTS-B Spearman [95% CI]:            dev                      test")
    res = {}
    for name, emb in (("GloVe 6B 50d (sif)", glove), ("MiniLM", minilm)):
        with torch_threads(args.threads):
            d, t = dev.evaluate(emb), test.evaluate(emb)
        res[name] = {"dev": d.metrics["spearman"], "test": t.metrics["spearman"]}
        print(_row(name, d, ("spearman",)) + _row("", t, ("spearman",)).strip(), flush=True)
    out["sts"] = {"base": res}
    if not args.sts_finetune:
        print("  (fine-tuning on STS-B train skipped; pass --sts-finetune)")
        return
    train = load_sentence_pairs(folder / "sts-train.csv")
    pairs = Pairs(train.s1, train.s2, scores=train.scores, source="sts-train")
    if args.sts_max_pairs:
        import numpy as np  # a seeded sample across genres (the file is ordered by genre)

        pick = np.random.default_rng(args.seed).permutation(len(pairs))[: args.sts_max_pairs]
        pairs = pairs.subset(sorted(int(i) for i in pick))
    configs = args.sts_grid or [(args.sts_lr, args.sts_warmup_ratio)]
    if args.sts_grid:
        print(f"  dev-based selection over {len(configs)} configuration(s): "
              + ", ".join(f"lr {lr:g} warm-up {w:g}" for lr, w in configs), flush=True)
    runs = []
    for lr, warmup in configs:
        runs.append(_sts_finetune_one(args, pairs, dev, test, lr, warmup))
        out["sts"]["grid"] = runs
        if args.json:  # a partial record survives an interrupted grid
            Path(args.json).write_text(json.dumps(out, indent=2, default=str))
    best = max(range(len(runs)), key=lambda i: runs[i]["dev"])  # chosen on dev only
    out["sts"]["finetuned"] = dict(runs[best], chosen_on="dev")
    if len(runs) > 1:
        base = res["MiniLM"]
        print(f"\n  grid ({len(pairs)} pairs, {args.sts_epochs} epoch(s), batch {args.batch_size}, {args.threads} "
              f"thread(s)); base MiniLM dev {base['dev']:.3f} test {base['test']:.3f}")
        print("  lr       warm-up  dev      test     minutes")
        for i, r in enumerate(runs):
            mark = "  <- chosen on dev" if i == best else ""
            print(f"  {r['lr']:<8g} {r['warmup_ratio']:<8g} {r['dev']:.3f}    {r['test']:.3f}    {r['minutes']:.1f}{mark}")
        c = runs[best]
        verdict = "improves on" if c["dev"] > base["dev"] else "does not improve on"
        print(f"  chosen: lr {c['lr']:g}, warm-up {c['warmup_ratio']:g}: dev {c['dev']:.3f} ({verdict} the base "
              f"{base['dev']:.3f}), test {c['test']:.3f} (base {base['test']:.3f})")


def _sts_finetune_one(args, pairs, dev, test, lr: float, warmup: float) -> dict:
    """Fine-tune MiniLM with CoSENT on ``pairs`` at one (lr, warm-up); score dev and test."""
    from embedlab.models.finetune import LiveEncoder, SentenceFineTuner
    from embedlab.models.transformer import torch_threads

    tuner = SentenceFineTuner(loss="cosent", epochs=args.sts_epochs, batch_size=args.batch_size,
                              learning_rate=lr, warmup_ratio=warmup, eval_fraction=0.0,
                              n_threads=args.threads, random_state=args.seed, show_progress=False)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    tuner.fit(pairs)  # before = the MiniLM rows above (same dev/test, cached vectors)
    minutes = (time.perf_counter() - t0) / 60
    tuned = LiveEncoder(tuner.model_, name="minilm-ft")
    t1 = time.perf_counter()
    with torch_threads(args.threads):
        td, tt = dev.evaluate(tuned), test.evaluate(tuned)
    eval_minutes = (time.perf_counter() - t1) / 60
    print(_row(f"MiniLM ft ({len(pairs)} pairs)", td, ("spearman",)) + _row("", tt, ("spearman",)).strip())
    print(f"  fine-tune: CoSENT, {args.sts_epochs} epoch(s), batch {args.batch_size}, lr {lr:g}, warm-up "
          f"{warmup:g}, {args.threads} thread(s): {minutes:.1f} min (training steps {tuner.train_seconds_ / 60:.1f} "
          f"min; dev+test scoring {eval_minutes:.1f} min; load average {load:.1f} -> {os.getloadavg()[0]:.1f})",
          flush=True)
    return {"dev": td.metrics["spearman"], "test": tt.metrics["spearman"], "dev_ci": td.details.get("ci", {}).get("spearman"),
            "test_ci": tt.details.get("ci", {}).get("spearman"), "minutes": minutes,
            "train_minutes": tuner.train_seconds_ / 60, "eval_minutes": eval_minutes, "pairs": len(pairs), "lr": lr,
            "warmup_ratio": warmup, "epochs": args.sts_epochs, "load_average": [load, os.getloadavg()[0]]}


def parse_grid(spec: str) -> list[tuple[float, float]]:
    """``"lr=1e-5,2e-5 warmup=0.0,0.1"`` -> every (lr, warm-up) combination (a missing key: its default)."""
    values: dict[str, list[float]] = {}
    for part in spec.split():
        key, sep, vals = part.partition("=")
        if not sep or key not in ("lr", "warmup") or key in values:
            raise ValueError(f"'{part}': expected lr=V[,V...] and/or warmup=V[,V...], each once")
        try:
            values[key] = [float(v) for v in vals.split(",")]
        except ValueError:
            raise ValueError(f"'{part}': values must be numbers") from None
        bad = [v for v in values[key] if not (0 < v < 1 if key == "lr" else 0 <= v < 1)]
        if bad:
            raise ValueError(f"'{part}': {key} must be in {'(0, 1)' if key == 'lr' else '[0, 1)'}, got {bad[0]:g}")
    if not values:
        raise ValueError("empty; e.g. \"lr=1e-5,2e-5 warmup=0.0,0.1\"")
    return [(lr, w) for lr in values.get("lr", [2e-5]) for w in values.get("warmup", [0.1])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-fraction", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--batch-size-encode", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--max-seq-length", type=int, default=256)
    ap.add_argument("--w2v-epochs", type=int, default=20)
    ap.add_argument("--n-timed", type=int, default=200, help="abstracts encoded without the cache to time encoding")
    ap.add_argument("--keep-no-interest", action="store_true",
                    help="keep Cranfield's -1 (no interest) judgements as the folder loader reads them (grade 5)")
    ap.add_argument("--cache-dir", default=None, help="encode cache for the scoring passes (default: the user's)")
    ap.add_argument("--skip-cranfield", action="store_true")
    ap.add_argument("--skip-sts", action="store_true")
    ap.add_argument("--sts-finetune", action="store_true", help="fine-tune on the full STS-B train set (long)")
    ap.add_argument("--sts-max-pairs", type=int, default=None)
    ap.add_argument("--sts-epochs", type=int, default=1)
    ap.add_argument("--sts-lr", type=float, default=2e-5)
    ap.add_argument("--sts-warmup-ratio", type=float, default=0.1)
    ap.add_argument("--sts-grid", default=None, metavar="SPEC",
                    help='with --sts-finetune: fine-tune every combination, e.g. "lr=1e-5,2e-5 warmup=0.0,0.1", '
                         "and keep the best on dev (test reported for all, never used to choose)")
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = ap.parse_args()
    if args.sts_grid is not None:
        if not args.sts_finetune:
            ap.error("--sts-grid needs --sts-finetune")
        try:
            args.sts_grid = parse_grid(args.sts_grid)
        except ValueError as e:
            ap.error(f"--sts-grid {e}")
    out: dict = {"args": vars(args), "load_average_start": os.getloadavg()}
    if not args.skip_cranfield:
        cranfield(args, out)
    if not args.skip_sts:
        sts(args, out)
    out["load_average_end"] = os.getloadavg()
    print(f"\nload average at start {out['load_average_start'][0]:.1f}, at end {out['load_average_end'][0]:.1f} "
          f"(2 vCPUs)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
