"""One home per convention (models/_meta.py): epochs key, versions, seeds, thread counts."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from embedlab.models._meta import EPOCHS_KEY, draw_seed, epochs_trained, numba_threads, thread_count, versions
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import load_vectors, save_vectors


def test_draw_seed_keeps_a_given_seed_and_draws_63_bits_otherwise():
    assert draw_seed(7) == 7
    seeds = {draw_seed() for _ in range(8)}
    assert len(seeds) == 8 and all(0 <= s < 2**63 for s in seeds)


def test_thread_count_is_capped_by_numbas_pool():
    pool = numba.config.NUMBA_NUM_THREADS
    assert thread_count(1) == 1
    assert thread_count(10_000) == pool
    assert 1 <= thread_count(None) <= pool


def test_numba_threads_restores_the_previous_count():
    before = numba.get_num_threads()
    with numba_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before


def test_epochs_key_and_the_old_name():
    assert EPOCHS_KEY == "epochs_trained"
    assert epochs_trained({"epochs_trained": 3}) == 3
    assert epochs_trained({"epochs_run": 2}) == 2
    assert epochs_trained({}) is None
    assert {"embedlab", "numpy", "numba", "python"} <= set(versions())


def test_a_file_with_the_old_epochs_key_loads_with_the_new_one(tmp_path):
    kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32), metadata={"method": "fasttext", "epochs_run": 4})
    path = tmp_path / "old.npz"
    save_vectors(kv, path)
    assert load_vectors(path).metadata["epochs_trained"] == 4


@pytest.mark.parametrize("method", ["word2vec", "fasttext", "glove"])
def test_models_record_epochs_and_versions_the_same_way(method):
    from embedlab.models.fasttext import FastText
    from embedlab.models.glove import Glove
    from embedlab.models.word2vec import Word2Vec

    data = [["a", "b", "c", "d", "a", "b"], ["c", "d", "a", "b", "e", "a"]] * 20
    make = {"word2vec": Word2Vec, "fasttext": FastText, "glove": Glove}[method]
    kw = {"vector_size": 4, "epochs": 2, "min_count": 1, "random_state": 1, "n_threads": 1, "show_progress": False}
    meta = make(**kw).fit(data).vectors_.metadata
    assert meta[EPOCHS_KEY] == 2 and "epochs_run" not in meta
    assert meta["versions"] == versions()
