"""LLVM's library pages leave the RSS once the kernels are loaded, and the kernels keep working."""

from __future__ import annotations

import subprocess
import sys

import pytest

CODE = """
import numpy as np
from embedlab.kernels._runtime import _mappings, release_compiler_pages
from embedlab.kernels.sampling import build_alias, sample_alias_many
prob, alias = build_alias(np.arange(1.0, 5.0))
from embedlab.kernels._runtime import _rss
before = _rss()
released = release_compiler_pages()
after = _rss()
draws, _ = sample_alias_many(np.uint64(7), prob, alias, 1000)   # loaded kernels still run
from embedlab.kernels.topk import __name__ as _                  # and new ones still load
print(len(_mappings()), released, before - after, int(draws.min()), int(draws.max()))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise on /proc/self/smaps mappings is Linux-only")
def test_release_compiler_pages_lowers_rss_and_kernels_still_run():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout.split()
    n_maps, released, dropped, lo, hi = map(int, out)
    assert n_maps >= 1 and released > 20 * 2**20, (n_maps, released)  # LLVM's code was resident
    assert abs(dropped - released) < 2 * 2**20, (released, dropped)
    assert (lo, hi) == (0, 3)


FIT = """
from embedlab.kernels._runtime import release_compiler_pages
from embedlab.models.word2vec import Word2Vec
Word2Vec(vector_size=16, min_count=1, epochs=2, n_threads=1, show_progress=False).fit([["a", "b", "c", "d"] * 30] * 40)
print(release_compiler_pages())  # what was still resident after the fit
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise on /proc/self/smaps mappings is Linux-only")
def test_training_hands_llvm_pages_back():
    """run_sgd releases LLVM's pages before and after the first chunk: a fitted process keeps few."""
    held = int(subprocess.run([sys.executable, "-c", FIT], capture_output=True, text=True, check=True).stdout)
    assert held < 15 * 2**20, held / 2**20  # without the release: ~50 MB
