"""PPMI-SVD: PPMI matrix vs the dense NumPy formula, SVD solvers vs LAPACK, quality on the KJV sample."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from embedlab.base import clone
from embedlab.corpus import Corpus, sample_corpus_path
from embedlab.corpus.readers import SAMPLE_KJV_LINES
from embedlab.evaluation.similarity import WordSimilarity
from embedlab.exceptions import InvalidParameterError
from embedlab.models import get_model
from embedlab.models.ppmi_svd import PPMISVD, _range_finder_svd, ppmi_matrix, truncated_svd


def _dense_ppmi(counts: np.ndarray, cds: float, neg: float) -> np.ndarray:
    total_c = counts.sum(axis=0) ** cds
    p_c = total_c / total_c.sum()
    p_w_given = counts / counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        pmi = np.log(p_w_given / p_c[None, :]) - np.log(neg)
    return np.where(counts > 0, np.maximum(pmi, 0.0), 0.0)


@pytest.mark.parametrize("cds, neg", [(1.0, 1.0), (0.75, 1.0), (0.75, 5.0)])
def test_ppmi_matches_dense_formula(seed, cds, neg):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(0.8, size=(12, 15)).astype(float) * rng.random((12, 15)) * 3
    counts[:, 0] += 1  # every row has a context
    got = ppmi_matrix(sparse.csr_matrix(counts), cds=cds, neg=neg)
    np.testing.assert_allclose(got.toarray(), _dense_ppmi(counts, cds, neg), rtol=1e-5, atol=1e-6)
    assert got.nnz == np.count_nonzero(_dense_ppmi(counts, cds, neg))  # no stored zeros


@pytest.mark.parametrize("method", ["randomized", "arpack", "numpy"])
def test_truncated_svd_matches_lapack(seed, method):
    rng = np.random.default_rng(seed)
    q1 = np.linalg.qr(rng.standard_normal((80, 10)))[0]
    q2 = np.linalg.qr(rng.standard_normal((60, 10)))[0]
    dense = q1 @ np.diag(2.0 ** -np.arange(10) * 50) @ q2.T + 0.01 * rng.standard_normal((80, 60))
    m = sparse.csr_matrix(dense.astype(np.float32))
    s_ref = np.linalg.svd(m.toarray(), compute_uv=False)[:6]
    if method == "numpy":
        u, s, vt = _range_finder_svd(m, 6, n_iter=6, seed=seed)
    else:
        u, s, vt = truncated_svd(m, 6, method, seed=int(rng.integers(1000)), n_iter=6)
    np.testing.assert_allclose(s, s_ref, rtol=1e-3)
    np.testing.assert_allclose(np.abs(np.sum(u * (m @ vt.T), axis=0)), s, rtol=1e-3)  # u_i' M v_i = s_i


@pytest.fixture(scope="module")
def verses() -> list[list[str]]:
    return list(itertools.islice(Corpus(sample_corpus_path()), SAMPLE_KJV_LINES))  # the KJV part


def test_quality_determinism_and_metadata(verses):
    """Measured WS353 Spearman 0.45 (48 covered pairs) on the KJV sample; threshold with margin."""
    model = PPMISVD(vector_size=50, random_state=3, show_progress=False).fit(verses)
    kv = model.vectors_
    assert WordSimilarity("wordsim353").evaluate(kv).metrics["spearman"] > 0.3
    assert {w for w, _ in kv.most_similar("moses", topn=10)} & {"aaron", "joshua"}
    assert kv.metadata["method"] == "ppmi-svd" and kv.metadata["ppmi_nnz"] == model.ppmi_nnz_
    assert np.all(np.diff(model.singular_values_) <= 0)
    a, b = (PPMISVD(vector_size=8, random_state=5, show_progress=False).fit(verses[:1500]) for _ in range(2))
    np.testing.assert_array_equal(a.vectors_.vectors, b.vectors_.vectors)  # the seed fixes subsampling + SVD


def test_eig_and_output_options(verses):
    small = verses[:1500]
    base = PPMISVD(vector_size=10, eig=0.0, sample=0.0, random_state=0, show_progress=False).fit(small)
    u = base.vectors_.vectors
    np.testing.assert_allclose(np.linalg.norm(u, axis=0), 1.0, rtol=1e-3)  # eig=0: orthonormal columns
    full = clone(base, eig=1.0, output="W+C", svd="arpack").fit(small)
    assert full.vectors_.vector_size == 10 and full.vectors_.metadata["params"]["svd"] == "arpack"
    np.testing.assert_allclose(full.singular_values_, base.singular_values_, rtol=0.02)  # randomized ~ exact


def test_registry_and_bad_parameters(verses):
    assert get_model("ppmi-svd") is PPMISVD
    with pytest.raises(InvalidParameterError, match="'neg' must be a number in \\[1, inf\\)"):
        PPMISVD(neg=0.5).fit(verses[:10])
    with pytest.raises(InvalidParameterError, match="'svd' must be one of 'randomized', 'arpack'"):
        PPMISVD(svd="lanczos").fit(verses[:10])
    with pytest.raises(InvalidParameterError, match="vector_size=500 is larger than the .*-word PPMI matrix"):
        PPMISVD(vector_size=500, min_count=1, sample=0.0, show_progress=False).fit(verses[:20])


def test_cli_train_glove_and_ppmi_svd_then_evaluate(verses, tmp_path):
    """Both text methods from the command line, then `embedlab evaluate` on their output."""
    from typer.testing import CliRunner

    from embedlab.cli.app import app

    corpus = tmp_path / "kjv.txt"
    corpus.write_text("\n".join(" ".join(v) for v in verses[:1500]) + "\n")
    runner = CliRunner()
    for method, extra, out in [("glove", ["--epochs", "2", "--threads", "1"], "g.npz"),
                               ("ppmi-svd", ["--svd", "arpack"], "p.vec")]:
        res = runner.invoke(app, ["train", method, str(corpus), "-o", str(tmp_path / out), "-d", "12",
                                  "--seed", "1", "--no-progress", *extra])
        assert res.exit_code == 0, res.output
        ev = runner.invoke(app, ["evaluate", str(tmp_path / out), "-s", "wordsim353", "--json"])
        assert ev.exit_code == 0, ev.output
        assert "wordsim353" in ev.output and '"spearman"' in ev.output
    bad = runner.invoke(app, ["train", "glove", str(corpus), "-o", str(tmp_path / "x.npz"), "--x-max", "0"])
    assert bad.exit_code == 2 and "x_max" in bad.output and not (tmp_path / "x.npz").exists()
