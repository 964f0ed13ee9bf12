"""torch thread count for MiniLM on this machine: encode and fine-tuning steps, 1 thread vs N.

Why embedlab sets torch's threads deliberately (default 1) instead of trusting torch's default
(one per core): on small shared VMs a fine-tuning step with 2 threads was measured ~10x slower
than with 1. This script measures it again on the machine it runs on, alternating the settings
(``--rounds``) so that other load hits both alike, and prints medians and the ratio.

    python benchmarks/transformer_threads.py [--threads 1 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--n-texts", type=int, default=300)
    ap.add_argument("--steps", type=int, default=6, help="fine-tuning steps per measurement")
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args()

    from embedlab.corpus.texts import Pairs
    from embedlab.corpus.taskdata import load_sentence_pairs
    from embedlab.models.finetune import SentenceFineTuner
    from embedlab.models.transformer import SentenceEncoder

    sts = load_sentence_pairs(Path(args.data) / "sts" / "stsbenchmark" / "sts-train.csv")
    texts = (sts.s1 + sts.s2)[: args.n_texts]
    n_pairs = args.steps * args.batch_size
    pairs = Pairs(sts.s1[:n_pairs], sts.s2[:n_pairs], scores=sts.scores[:n_pairs], source="sts-train")
    enc_t: dict[int, list[float]] = {n: [] for n in args.threads}
    ft_t: dict[int, list[float]] = {n: [] for n in args.threads}
    SentenceEncoder(cache=False, show_progress=False).encode(["warm up"])
    print(f"{os.cpu_count()} vCPUs, load average {os.getloadavg()[0]:.1f}; encode {len(texts)} STS-B sentences "
          f"(batch 32); fine-tune {args.steps} CoSENT steps of {args.batch_size} pairs")
    for r in range(args.rounds):
        for n in (args.threads if r % 2 == 0 else args.threads[::-1]):
            t = time.perf_counter()
            SentenceEncoder(cache=False, n_threads=n, show_progress=False).encode(texts)
            enc_t[n].append(time.perf_counter() - t)
            tuner = SentenceFineTuner(loss="cosent", epochs=1, batch_size=args.batch_size, eval_fraction=0.0,
                                      n_threads=n, show_progress=False)
            tuner.fit(pairs)
            ft_t[n].append(tuner.train_seconds_ / args.steps)
            print(f"  round {r + 1}, {n} thread(s): encode {enc_t[n][-1]:.2f} s, {ft_t[n][-1]:.2f} s/step", flush=True)
    base = args.threads[0]
    for n in args.threads:
        e, f = statistics.median(enc_t[n]), statistics.median(ft_t[n])
        print(f"{n} thread(s): encode {len(texts) / e:,.1f} texts/s ({statistics.median(enc_t[base]) / e:.2f}x of "
              f"{base}), fine-tune {f:.2f} s/step ({statistics.median(ft_t[base]) / f:.2f}x of {base})")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
