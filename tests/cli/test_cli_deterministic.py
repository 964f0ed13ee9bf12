"""`--deterministic` on the CLI: identical output files for 1 and 2 threads; refusal where impossible."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import assert_cli_error

from embedlab.vectors.io import load_vectors


def test_train_word2vec_deterministic_threads_equal(cli, topic_corpus, tmp_path):
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"v{threads}.npz"
        result = cli("train", "word2vec", topic_corpus, "-o", out, "--min-count", "1", "--epochs", "2", "-d", "16",
                     "--threads", threads, "--seed", "4", "--deterministic", "--no-progress")
        assert result.exit_code == 0, result.stderr
        outs.append(load_vectors(out).vectors)
    assert np.array_equal(outs[0], outs[1])


@pytest.mark.parametrize("method,extra", [("ppmi-svd", ()), ])
def test_deterministic_refused_naming_the_method(cli, topic_corpus, tmp_path, method, extra):
    result = cli("train", method, topic_corpus, "-o", tmp_path / "v.npz", "--deterministic", *extra)
    assert_cli_error(result,
                     rf"--deterministic: {method} cannot guarantee bit-identical vectors .*word2vec, fasttext, glove")
    assert not (tmp_path / "v.npz").exists()
