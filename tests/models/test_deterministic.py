"""Deterministic parallel mode: bit-identical vectors for 1, 2 and 4 threads and across runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedlab.corpus import Corpus, sample_corpus_path
from embedlab.kernels._rng import seed_states
from embedlab.kernels.deterministic import train_chunk_deterministic
from embedlab.kernels.hs import build_huffman
from embedlab.kernels.sampling import build_alias
from embedlab.kernels.sgns import train_chunk
from embedlab.models.glove import Glove
from embedlab.models.word2vec import Word2Vec

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def small() -> list[list[str]]:
    return list(Corpus(sample_corpus_path()))[:3000]


W2V_CASES = {
    "skipgram-ns": dict(architecture="skipgram", negative=5, hs=False),
    "skipgram-hs": dict(architecture="skipgram", negative=0, hs=True),
    "cbow-ns": dict(architecture="cbow", negative=5, hs=False),
    "cbow-hs-ns": dict(architecture="cbow", negative=3, hs=True),
    "skipgram-ns-float16-outputs": dict(architecture="skipgram", negative=5, hs=False, output_dtype="float16"),
}


def _w2v(threads: int, **kw) -> Word2Vec:
    params = dict(vector_size=16, epochs=2, window=3, min_count=2, random_state=11, show_progress=False,
                  deterministic=True, n_threads=threads)
    params.update(kw)
    return Word2Vec(**params)


def _in_child(threads: int, code: str, out: Path) -> np.ndarray:
    """Run ``code`` (which saves an array to OUT) in a child with NUMBA_NUM_THREADS=threads."""
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), PYTHONPATH=str(SRC))
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, timeout=600)
    return np.load(out)


@pytest.mark.parametrize("case", list(W2V_CASES))
def test_word2vec_threads_give_identical_vectors(case, small):
    kw = W2V_CASES[case]
    one = _w2v(1, **kw).fit(small)
    two_a = _w2v(2, **kw).fit(small)
    two_b = _w2v(2, **kw).fit(small)
    assert np.array_equal(one.vectors_.vectors, two_a.vectors_.vectors)
    assert np.array_equal(two_a.vectors_.vectors, two_b.vectors_.vectors)
    assert np.array_equal(one.syn1neg_, two_a.syn1neg_)
    assert one.loss_history_ == two_a.loss_history_
    assert one.loss_history_[-1] < one.loss_history_[0]  # it does learn
    # another seed gives other vectors (the mode does not freeze the RNG)
    other = _w2v(2, random_state=12, **kw).fit(small)
    assert not np.array_equal(other.vectors_.vectors, one.vectors_.vectors)


def test_word2vec_four_threads_in_child_equal_one_thread(small, tmp_path):
    kw = W2V_CASES["skipgram-ns"]
    one = _w2v(1, **kw).fit(small)
    code = (
        "import sys, numpy as np\n"
        "from embedlab.corpus import Corpus, sample_corpus_path\n"
        "from embedlab.models.word2vec import Word2Vec\n"
        "import numba; assert numba.config.NUMBA_NUM_THREADS == 4\n"
        "s = list(Corpus(sample_corpus_path()))[:3000]\n"
        "m = Word2Vec(vector_size=16, epochs=2, window=3, min_count=2, random_state=11, show_progress=False,"
        " deterministic=True, n_threads=4, architecture='skipgram', negative=5).fit(s)\n"
        "np.save(sys.argv[1], m.vectors_.vectors)\n"
    )
    four = _in_child(4, code, tmp_path / "four.npy")
    assert np.array_equal(one.vectors_.vectors, four)


def test_default_mode_is_not_changed_by_the_flag(small):
    """deterministic=False keeps the lock-free kernel (1 thread: identical to itself, and not equal
    to the deterministic mode, which merges mini-batches)."""
    a = _w2v(1, deterministic=False).fit(small)
    b = _w2v(1, deterministic=True).fit(small)
    assert not np.array_equal(a.vectors_.vectors, b.vectors_.vectors)
    # statistically equivalent: the final losses agree closely
    assert abs(a.loss_history_[-1] - b.loss_history_[-1]) < 0.05 * a.loss_history_[-1]


@pytest.mark.parametrize("skipgram,negative,hs", [(True, 5, False), (False, 4, True), (True, 0, True)])
def test_one_shard_equals_the_sequential_kernel(skipgram, negative, hs):
    """Oracle: with one shard the deterministic kernel is the lock-free kernel with one slice
    (same RNG stream, same updates), up to float rounding of the merge (copy - snapshot + row)."""
    rng = np.random.default_rng(0)
    v, dim, window = 60, 8, 3
    counts = np.sort(rng.integers(1, 200, v))[::-1].astype(np.int64)
    lens = rng.integers(5, 30, 40)
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    ids = rng.integers(0, v, int(offsets[-1])).astype(np.int32)
    keep = np.full(v, 0.9, np.float32)
    alias_p, alias_i = build_alias(counts.astype(np.float64) ** 0.75)
    codes, points, clens = build_huffman(counts) if hs else (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32),
                                                                np.zeros(1, np.int32))
    syn0 = ((rng.random((v, dim)) - 0.5) / dim).astype(np.float32)
    mats = []
    for kernel, kw in ((train_chunk, {}), (train_chunk_deterministic, {"batch": 7})):
        s0 = syn0.copy()
        s1n = np.zeros((v if negative else 0, dim), np.float32)
        s1 = np.zeros((v - 1 if hs else 0, dim), np.float32)
        bounds = np.array([0, len(lens)], np.int64)
        res = np.zeros((1, 4))
        kernel(ids, offsets, bounds, s0, s1n, s1, keep, alias_p, alias_i, codes, points, clens, skipgram, negative,
               hs, window, True, True, 0.05, 0.01, seed_states(5, 0, 0, n=1), res, int(lens.max()), True, **kw)
        mats.append((s0, s1n, s1, res.copy()))
    (a0, a1n, a1, ra), (b0, b1n, b1, rb) = mats
    assert not np.allclose(a0, syn0)  # training moved the vectors
    np.testing.assert_allclose(b0, a0, rtol=0, atol=2e-6)
    np.testing.assert_allclose(b1n, a1n, rtol=0, atol=2e-6)
    np.testing.assert_allclose(b1, a1, rtol=0, atol=2e-6)
    np.testing.assert_allclose(rb[:, 1:], ra[:, 1:])  # the same terms, words trained and seen
    np.testing.assert_allclose(rb[:, 0], ra[:, 0], rtol=1e-4)


def test_glove_threads_give_identical_vectors(small):
    def fit(threads: int, seed: int = 3) -> Glove:
        return Glove(vector_size=16, epochs=3, min_count=2, n_threads=threads, random_state=seed, deterministic=True,
                     show_progress=False).fit(small)

    one, two_a, two_b = fit(1), fit(2), fit(2)
    assert np.array_equal(one.vectors_.vectors, two_a.vectors_.vectors)
    assert np.array_equal(two_a.vectors_.vectors, two_b.vectors_.vectors)
    assert one.loss_history_ == two_a.loss_history_ and one.loss_history_[-1] < one.loss_history_[0]
    default = Glove(vector_size=16, epochs=3, min_count=2, n_threads=1, random_state=3, show_progress=False).fit(small)
    assert abs(default.loss_history_[-1] - one.loss_history_[-1]) < 0.05 * default.loss_history_[-1]
    assert not np.array_equal(fit(2, seed=4).vectors_.vectors, one.vectors_.vectors)


def test_glove_strata_share_no_rows():
    """Oracle for the stratification: a permutation of the nonzeros (same multiset), blocks in the
    documented order, and no two blocks of a stratum touching the same W row or C row."""
    from embedlab.kernels.deterministic import stratify_range

    rng = np.random.default_rng(1)
    n, p = 5000, 4
    rows = rng.integers(0, 300, n).astype(np.int32)
    cols = rng.integers(0, 300, n).astype(np.int32)
    vals = rng.random(n).astype(np.float32)
    before = sorted(zip(rows.tolist(), cols.tolist(), vals.tolist()))
    starts = np.empty(p * p + 1, np.int64)
    r, c, v = rows.copy(), cols.copy(), vals.copy()
    stratify_range(r, c, v, 100, n, p, starts)
    assert np.array_equal(r[:100], rows[:100])  # outside the range: untouched
    assert sorted(zip(r.tolist(), c.tolist(), v.tolist())) == before
    assert starts[0] == 100 and starts[-1] == n and np.all(np.diff(starts) >= 0)
    for q in range(p):
        seen_r, seen_c = set(), set()
        for i in range(p):
            lo, hi = starts[q * p + i], starts[q * p + i + 1]
            assert np.all(r[lo:hi] % p == i) and np.all(c[lo:hi] % p == (i + q) % p)
            br, bc = set(r[lo:hi].tolist()), set(c[lo:hi].tolist())
            assert not (br & seen_r) and not (bc & seen_c)
            seen_r |= br
            seen_c |= bc


@pytest.mark.parametrize("architecture,hs", [("skipgram", False), ("cbow", True)])
def test_fasttext_threads_give_identical_vectors(small, architecture, hs):
    from embedlab.models.fasttext import FastText

    def fit(threads: int) -> FastText:
        return FastText(vector_size=12, epochs=1, min_count=3, bucket=5000, architecture=architecture, hs=hs,
                        negative=0 if hs else 4, n_threads=threads, random_state=5, deterministic=True,
                        show_progress=False).fit(small[:1200])

    one, two_a, two_b = fit(1), fit(2), fit(2)
    assert np.array_equal(one.vectors_.vectors, two_a.vectors_.vectors)
    assert np.array_equal(two_a.vectors_.vectors, two_b.vectors_.vectors)
    assert np.array_equal(one.vectors_.ngram_vectors, two_a.vectors_.ngram_vectors)
    assert one.loss_history_ == two_a.loss_history_
