"""Fixtures for the monitoring tests: an in-process CLI runner and a planted-shift corpus."""

from __future__ import annotations

import itertools
import logging
from collections import Counter

import numpy as np
import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app


@pytest.fixture
def run_cli():
    """``run_cli(*args)`` runs ``embedlab ARGS`` in-process (logger state restored afterwards)."""
    runner = CliRunner()
    log = logging.getLogger("embedlab")
    saved = (log.level, list(log.handlers), log.propagate)

    def invoke(*args: object):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    yield invoke
    log.setLevel(saved[0])
    log.handlers[:] = saved[1]
    log.propagate = saved[2]


@pytest.fixture(scope="session")
def planted(tmp_path_factory) -> dict:
    """The bundled KJV sample (790k tokens) and a copy in which 20 words (counts 200-5,000) are
    swapped with 20 others throughout; word2vec (50-d, 5 epochs, one thread) on both: seeds 1 and 2
    of the original, seed 2 of the shifted copy. Written once per session."""
    from embedlab.corpus import Corpus
    from embedlab.corpus.readers import SAMPLE_KJV_LINES, sample_corpus_path
    from embedlab.models.word2vec import Word2Vec

    root = tmp_path_factory.mktemp("planted")
    sents = list(itertools.islice(Corpus(str(sample_corpus_path())), SAMPLE_KJV_LINES))  # the KJV part
    counts = Counter(w for s in sents for w in s)
    cands = sorted(w for w, c in counts.items() if 200 <= c <= 5000 and w.isalpha() and len(w) >= 3)
    pick = [str(w) for w in np.random.default_rng(7).choice(cands, 40, replace=False)]
    swap = dict(zip(pick[:20], pick[20:]))
    swap.update(zip(pick[20:], pick[:20]))
    shifted = [[swap.get(w, w) for w in s] for s in sents]
    out = {"words": pick, "counts": counts, "root": root}
    for name, data, seed in (("a", sents, 1), ("b", sents, 2), ("shifted", shifted, 2)):
        model = Word2Vec(vector_size=50, epochs=5, random_state=seed, n_threads=1, show_progress=False).fit(data)
        path = root / f"{name}.npz"
        model.vectors_.save(path)
        out[name] = path
    text = root / "shifted.txt"
    text.write_text("\n".join(" ".join(s) for s in shifted) + "\n", encoding="utf-8")
    out["shifted_text"] = text
    return out
