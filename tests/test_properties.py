"""Property-based tests (hypothesis) where inputs vary most: every reader returns the right thing or
raises one EmbedlabError on arbitrary bytes, never another exception; format round trips are exact;
ranking metrics stay in [0, 1] and equal a brute-force computation."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed: pip install 'embedlab[test]'")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from embedlab.exceptions import EmbedlabError  # noqa: E402
from embedlab.vectors import KeyedVectors  # noqa: E402
from embedlab.vectors.io import load_vectors, save_vectors  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BYTES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    # near-valid files: a header and rows with random fields
    st.lists(st.lists(st.text(alphabet="ab1.-e, \t", max_size=6), max_size=5), max_size=8)
      .map(lambda rows: "\n".join(" ".join(r) for r in rows).encode("utf-8")),
)


def _write(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp())
    path = folder / f"f{suffix}"
    path.write_bytes(data)
    return path


def _one_error_or_result(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except EmbedlabError as exc:
        assert str(exc).strip(), "an error says what is wrong"
        assert "\n" not in str(exc).strip() or "Traceback" not in str(exc)
        return None


@SETTINGS
@given(data=BYTES, fmt=st.sampled_from(["npz", "word2vec", "word2vec-binary", "glove"]))
def test_vector_readers_raise_only_embedlab_errors_on_arbitrary_bytes(data, fmt):
    suffix = {"npz": ".npz", "word2vec": ".vec", "word2vec-binary": ".bin", "glove": ".txt"}[fmt]
    kv = _one_error_or_result(load_vectors, _write(data, suffix), format=fmt)
    if kv is not None:
        assert kv.vectors.ndim == 2 and len(kv.index_to_key) == kv.vectors.shape[0]
        assert np.isfinite(kv.vectors).all()  # non-finite vectors are refused by default


KEYS = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
                                               blacklist_characters="\x85\u1680\u180e"),
                        min_size=1, max_size=8),
                min_size=1, max_size=12, unique=True)


@SETTINGS
@given(keys=KEYS, dim=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_binary_formats_round_trip_exactly_and_text_to_its_printed_precision(keys, dim, seed):
    vectors = np.random.default_rng(seed).normal(size=(len(keys), dim)).astype(np.float32)
    kv = KeyedVectors(keys, vectors)
    folder = Path(tempfile.mkdtemp())
    for fmt, suffix in (("npz", ".npz"), ("word2vec-binary", ".bin")):
        path = folder / f"v{suffix}"
        save_vectors(kv, path, format=fmt)
        back = load_vectors(path, format=fmt)
        assert back.index_to_key == keys
        np.testing.assert_array_equal(back.vectors, vectors)
    path = folder / "v.vec"
    save_vectors(kv, path, format="word2vec")
    back = load_vectors(path, format="word2vec")
    assert back.index_to_key == keys
    np.testing.assert_allclose(back.vectors, vectors, rtol=1e-6, atol=1e-7)


@SETTINGS
@given(data=BYTES, suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_corpus_readers_raise_only_embedlab_errors_on_arbitrary_bytes(data, suffix):
    from embedlab.corpus.graph import read_edgelist
    from embedlab.corpus.interactions import read_interactions
    from embedlab.corpus.labelled import read_labelled
    from embedlab.corpus.texts import read_pairs, read_texts

    path = _write(data, suffix)
    for reader in (read_edgelist, read_interactions, read_labelled, read_pairs, read_texts):
        _one_error_or_result(reader, path)


@SETTINGS
@given(data=st.data(), n_docs=st.integers(1, 25), k=st.integers(1, 30))
def test_ranking_metrics_stay_in_range_and_equal_a_brute_force_computation(data, n_docs, k):
    """Reciprocal rank, nDCG@k (graded) and recall@k of retrieval against a one-query-at-a-time
    computation from their definitions, ties broken by document order."""
    from embedlab.evaluation.retrieval import ranking_metrics

    n_q = data.draw(st.integers(1, 4))
    scores = np.array(data.draw(st.lists(st.lists(st.integers(-3, 3), min_size=n_docs, max_size=n_docs),
                                         min_size=n_q, max_size=n_q)), dtype=np.float64)
    rel = np.array(data.draw(st.lists(st.lists(st.integers(0, 2), min_size=n_docs, max_size=n_docs),
                                      min_size=n_q, max_size=n_q)), dtype=np.float64)
    got = ranking_metrics(scores, rel, k_ndcg=k, recall_ks=(k,))
    for q in range(n_q):
        ranked = sorted(range(n_docs), key=lambda d: (-scores[q, d], d))
        first = next((i for i, d in enumerate(ranked) if rel[q, d] > 0), None)
        assert got["rr"][q] == pytest.approx(0.0 if first is None else 1.0 / (first + 1))
        dcg = sum(rel[q, d] / np.log2(i + 2) for i, d in enumerate(ranked[:k]))
        ideal = sum(g / np.log2(i + 2) for i, g in enumerate(sorted(rel[q], reverse=True)[:k]))
        assert got[f"ndcg@{k}"][q] == pytest.approx(0.0 if ideal == 0 else dcg / ideal)
        n_rel = int((rel[q] > 0).sum())
        hits = sum(1 for d in ranked[:k] if rel[q, d] > 0)
        assert got[f"recall@{k}"][q] == pytest.approx(0.0 if n_rel == 0 else hits / n_rel)
        for name in ("rr", f"ndcg@{k}", f"recall@{k}"):
            assert 0.0 <= got[name][q] <= 1.0 + 1e-12
