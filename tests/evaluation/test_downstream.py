"""Downstream evaluators on real data (gensim's sentiment set, ../shared/data) and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm

from embedlab.evaluation import make_evaluator
from embedlab.evaluation.classification import TextClassification
from embedlab.evaluation.clustering import DocumentClustering
from embedlab.evaluation.retrieval import Retrieval
from embedlab.evaluation.stats import compare_results
from embedlab.corpus.taskdata import LabelledTexts, load_labelled_texts, load_retrieval
from embedlab.evaluation.wordtasks import OutlierDetection, WordCategorization, outlier_position
from embedlab.exceptions import DataError, FormatError, InputFileError
from embedlab.vectors import KeyedVectors

from downstream_helpers import POLARITY, glove, reduced

# only the tests that read the polarity set skip without it (a module-wide pytestmark skipped the
# loaders, error messages, word tasks and retrieval tests too)
needs_polarity = pytest.mark.skipif(POLARITY is None or not POLARITY.exists(), reason="gensim test data not installed")


@needs_polarity
def test_polarity_classification_beats_chance_and_equals_sklearn_metrics():
    res = make_evaluator(f"classification:{POLARITY}").evaluate(glove())
    per = res.details["per_item"]
    assert res.primary_metric == "accuracy" and res.greater_is_better
    assert res.n == 200 and res.coverage == pytest.approx(res.details["oov"]["token_coverage"])  # tokens, not texts
    assert res.details["oov"]["text_coverage"] == 1.0
    assert res.metrics["accuracy"] == pytest.approx(skm.accuracy_score(per["y_true"], per["y_pred"]))
    assert res.metrics["macro_f1"] == pytest.approx(skm.f1_score(per["y_true"], per["y_pred"], average="macro"))
    assert res.metrics["accuracy"] > 0.56  # 100 neg + 100 pos one-line reviews; chance is 0.5
    lo, hi = res.details["ci"]["accuracy"]
    assert lo < res.metrics["accuracy"] < hi and hi - lo < 0.2
    assert sorted(set(per["y_true"])) == ["neg", "pos"]


@needs_polarity
def test_paired_comparison_of_two_embeddings_on_the_same_texts():
    data = load_labelled_texts(POLARITY)
    ev = TextClassification(data, n_boot=300)
    full, weak = ev.evaluate(glove()), ev.evaluate(reduced(glove(), 2))
    pc = compare_results(full, weak, n_boot=500)
    assert pc.n == 200 and pc.diff == pytest.approx(full.score - weak.score)
    assert pc.ci[0] <= pc.diff <= pc.ci[1]
    same = compare_results(full, full, n_boot=200)
    assert not same.significant and same.diff == 0.0


@needs_polarity
def test_document_clustering_metrics_equal_sklearn():
    res = DocumentClustering(POLARITY, n_boot=200).evaluate(glove())
    per = res.details["per_item"]
    assert res.metrics["v_measure"] == pytest.approx(skm.v_measure_score(per["y_true"], per["y_pred"]))
    assert res.metrics["ari"] == pytest.approx(skm.adjusted_rand_score(per["y_true"], per["y_pred"]))
    assert -1.0 <= res.metrics["silhouette"] <= 1.0
    assert set(res.details["ci"]) == {"v_measure", "ari", "silhouette"}


def test_loaders_read_csv_tsv_jsonl_fasttext(tmp_path):
    (tmp_path / "a.csv").write_text('id,review,sentiment\n1,"good, fine film",pos\n2,bad plot,neg\n3,"",neg\n')
    (tmp_path / "b.tsv").write_text('sentence\tlabel\nit \'s "good"\t1\nbad\t0\n')
    (tmp_path / "c.jsonl").write_text('{"text": "good", "label": "p"}\n\n{"text": "bad", "label": "n"}\n')
    (tmp_path / "d.txt").write_text("__label__pos good film\n__label__neg bad film\n")
    a = load_labelled_texts(tmp_path / "a.csv")
    assert a.texts == ["good, fine film", "bad plot"] and a.labels == ["pos", "neg"]
    assert "dropped 1 empty text" in a.warnings[0]
    b = load_labelled_texts(tmp_path / "b.tsv")
    assert b.texts[0] == 'it \'s "good"' and b.labels == ["1", "0"]
    assert load_labelled_texts(tmp_path / "c.jsonl").labels == ["p", "n"]
    d = load_labelled_texts(tmp_path / "d.txt")
    assert d.texts == ["good film", "bad film"] and d.labels == ["pos", "neg"]


def test_bad_label_files_give_one_line_errors(tmp_path):
    (tmp_path / "nocol.csv").write_text("id,words\n1,good\n")
    with pytest.raises(FormatError, match=r"nocol.csv: no text column found \(columns: id, words\)"):
        load_labelled_texts(tmp_path / "nocol.csv")
    (tmp_path / "nolabel.csv").write_text("text,label\ngood,pos\nbad,\n")
    with pytest.raises(FormatError, match=r"nolabel.csv:3: empty or missing label"):
        load_labelled_texts(tmp_path / "nolabel.csv")
    (tmp_path / "one.csv").write_text("text,label\ngood,pos\nfine,pos\n")
    with pytest.raises(DataError, match="single class"):
        TextClassification(tmp_path / "one.csv")
    (tmp_path / "empty.csv").write_text("text,label\n ,pos\n")
    with pytest.raises(DataError, match="no non-empty texts"):
        load_labelled_texts(tmp_path / "empty.csv")
    with pytest.raises(InputFileError, match="no such file"):
        load_labelled_texts(tmp_path / "missing.csv")
    (tmp_path / "bad.jsonl").write_text('{"text": "x", "label": 1}\n{oops\n')
    with pytest.raises(FormatError, match=r"bad.jsonl:2: invalid JSON"):
        load_labelled_texts(tmp_path / "bad.jsonl")


def test_rare_labels_are_dropped_with_a_warning_and_cv_adapts():
    texts = ["good film"] * 6 + ["bad film"] * 3 + ["odd thing"]
    labels = ["pos"] * 6 + ["neg"] * 3 + ["weird"]
    ev = TextClassification(LabelledTexts(texts, labels, "mem"), n_boot=50)
    res = ev.evaluate(glove())
    assert res.n == 9
    assert any("fewer than 2 examples" in w for w in res.details["warnings"])
    assert any("3-fold CV" in w for w in res.details["warnings"])
    assert np.isfinite(res.score)


@needs_polarity
def test_disjoint_vocabulary_is_a_clear_error():
    alien = KeyedVectors(["zzqx", "qqzv"], np.eye(2, dtype=np.float32))
    with pytest.raises(DataError, match="vocabularies are disjoint"):
        make_evaluator(f"classification:{POLARITY}").evaluate(alien)


def _smart(path, records):
    path.write_text("".join(f".I {i}\n.T\n{t}\n.W\n{w}\n" for i, t, w in records))


def test_retrieval_on_a_small_collection_and_unknown_qrels(tmp_path):
    _smart(tmp_path / "docs.all", [(1, "cats", "cats purr and meow"), (2, "rockets", "rockets fly to space"),
                                   (3, "markets", "stock markets fell")])
    (tmp_path / "test.qry").write_text(".I 1\n.W\nspace rockets launch\n.I 2\n.W\nkittens and cats\n")
    (tmp_path / "qrels.txt").write_text("1 0 2 1\n2 0 1 2\n2 0 99 1\n7 0 1 1\n")
    data = load_retrieval(tmp_path)
    assert any("1 judgement(s) about unknown document" in w for w in data.warnings)
    assert any("unknown query" in w for w in data.warnings)
    res = Retrieval(data, doc_method="mean", n_boot=50).evaluate(glove())
    assert res.metrics["mrr"] == pytest.approx(1.0)
    assert res.metrics["ndcg@10"] == pytest.approx(1.0)
    assert res.metrics["recall@10"] == pytest.approx(1.0)
    (tmp_path / "qrels.txt").write_text("1 0 99 1\n")
    with pytest.raises(DataError, match="no judgement refers to a known query and document"):
        load_retrieval(tmp_path)


def test_outlier_position_oracle_and_word_tasks(tmp_path):
    unit = np.array([[1, 0], [0.99, 0.14], [0.98, -0.2], [0, 1.0]])
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    assert outlier_position(unit) == 3  # the last vector is the least compact
    assert outlier_position(unit[[0, 3, 1]]) == 0  # the last vector is now the most compact
    (tmp_path / "cats.csv").write_text(",category,word\n" + "".join(
        f"{i},{c},{w}\n" for i, (c, w) in enumerate(
            [("animal", w) for w in ("dog", "cat", "horse", "cow", "sheep")]
            + [("vehicle", w) for w in ("car", "truck", "bus", "train", "bicycle")]
            + [("vehicle", "")]
        )))
    res = WordCategorization(tmp_path / "cats.csv", n_boot=100).evaluate(glove())
    assert res.metrics["purity"] == pytest.approx(1.0)
    assert res.n == 10 and res.coverage == 1.0
    assert "skipped 1 row" in res.details["warnings"][0]
    (tmp_path / "out.csv").write_text(
        ',category,outliers,words\n0,fruit,"[\'car\', \'piano\']","[\'apple\', \'banana\', \'pear\', \'grape\', \'qqzzx\']"\n')
    out = OutlierDetection(tmp_path / "out.csv", n_boot=50).evaluate(glove())
    assert out.metrics["accuracy"] == pytest.approx(1.0) and out.metrics["opp"] == pytest.approx(1.0)
    assert out.n == 2


def test_real_sets_from_shared_data(data):
    kv = glove()
    sst = TextClassification(data("sst2") / "dev.tsv", n_boot=200).evaluate(kv)
    assert sst.n == 872 and sst.metrics["accuracy"] > 0.62
    cran = make_evaluator(f"retrieval:{data('cranfield')}").evaluate(kv)
    assert cran.n == 225 and cran.metrics["mrr"] > 0.15 and cran.metrics["ndcg@10"] > 0.07
    assert any("mapped by order" in w for w in cran.details["warnings"])
    sts = make_evaluator(f"sts:{data('stsb') / 'sts-dev.csv'}").evaluate(kv)
    assert sts.n == 1500 and sts.metrics["spearman"] > 0.45
    ess = make_evaluator(f"categorization:{data('word-categorization') / 'essli-2008.csv'}").evaluate(kv)
    assert ess.metrics["purity"] > 0.45
    out = make_evaluator(f"outliers:{data('outlier-detection')}").evaluate(kv)
    assert out.metrics["accuracy"] > 0.3 and out.metrics["opp"] > 0.7
    json.dumps([r.to_dict() for r in (sst, cran, sts, ess, out)])  # JSON-safe results


def test_nltk_zips_load_by_category(data):
    subj = load_labelled_texts(data("subjectivity"))
    assert sorted(set(subj.labels)) == ["plot", "quote"] and len(subj.texts) == 10000
    pol = load_labelled_texts(data("sentence-polarity"))
    assert sorted(set(pol.labels)) == ["neg", "pos"] and len(pol.texts) == 10662


@needs_polarity
def test_train_test_split_spec(tmp_path):
    lines = POLARITY.read_text(encoding="latin-1").splitlines()  # the file is not UTF-8
    neg, pos = lines[:100], lines[100:]
    (tmp_path / "train.txt").write_text("\n".join(neg[:80] + pos[:80]) + "\n")
    (tmp_path / "test.txt").write_text("\n".join(neg[80:] + pos[80:]) + "\n")
    ev = make_evaluator(f"classification:{tmp_path / 'train.txt'}::{tmp_path / 'test.txt'}")
    assert ev.name == "classification:train.txt::test.txt"
    res = ev.evaluate(glove())
    assert res.n == 40 and res.details["cv_folds"] == 0
    assert res.metrics["accuracy"] == pytest.approx(skm.accuracy_score(res.details["per_item"]["y_true"],
                                                                       res.details["per_item"]["y_pred"]))
    (tmp_path / "other.txt").write_text("__label__neutral so so\n")
    with pytest.raises(DataError, match=r"test labels \['neutral'\] never occur"):
        make_evaluator(f"classification:{tmp_path / 'train.txt'}::{tmp_path / 'other.txt'}")


@needs_polarity
def test_downstream_task_as_tuning_objective():
    from embedlab.tuning.objective import Objective

    spec = f"classification:{POLARITY}"
    scores = Objective([spec], validation_fraction=0.5).score(glove())
    term = scores.terms[spec]
    assert term["metric"] == "accuracy" and term["n_validation"] + term["n_test"] == 200
    assert 0.3 < scores.validation < 1.0 and scores.test is not None
    full = make_evaluator(spec).evaluate(glove()).score
    weighted = (term["validation"] * term["n_validation"] + term["test"] * term["n_test"]) / 200
    assert weighted == pytest.approx(full)  # the split partitions the same per-text predictions


def test_cranfield_no_interest_judgements_are_not_top_grade(tmp_path):
    """The TREC conversion of Cranfield's qrels maps -1 ('no interest') to grade 5; with the
    original ``cranqrel`` beside it those judgements are dropped, the others kept."""
    from embedlab.corpus.taskdata import load_retrieval

    (tmp_path / "cran.all.1400").write_text(".I 1\n.W\nwing flow\n.I 2\n.W\nheat transfer\n.I 3\n.W\nshock\n")
    (tmp_path / "cran.qry").write_text(".I 001\n.W\nwing\n.I 002\n.W\nheat\n")
    (tmp_path / "cranqrel").write_text("1 1 1\n1 3 -1\n2 2 2\n")
    (tmp_path / "QRelsCorrectedforTRECeval").write_text("1 0 1 4\n1 0 3 5\n2 0 2 3\n")
    data = load_retrieval(tmp_path)
    assert data.qrels == {"1": {"1": 4.0}, "2": {"2": 3.0}}
    assert any("marks -1" in w for w in data.warnings)
