"""SupervisedClassifier: known-answer data, real data (SST-2), persistence, prediction API, bad input."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from embedlab.corpus.labelled import read_labelled
from embedlab.exceptions import DataError, FormatError, InvalidParameterError, NotFittedError
from embedlab.models.supervised import SupervisedClassifier
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import save_vectors
from embedlab.vectors.subword import SubwordKeyedVectors

TOPICS = {
    "royal": ["king", "queen", "prince", "crown", "throne", "palace"],
    "farm": ["cow", "sheep", "goat", "field", "barn", "grain"],
    "sea": ["ship", "sail", "wave", "harbour", "fish", "anchor"],
}
GLUE = ["the", "a", "and", "of", "in", "with", "near", "saw"]
QUIET = dict(show_progress=False, n_threads=1, random_state=3)


def topic_texts(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        label = rng.choice(sorted(TOPICS))
        words = [rng.choice(TOPICS[label]) if rng.random() < 0.4 else rng.choice(GLUE) for _ in range(10)]
        words[0] = rng.choice(TOPICS[label])
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def topics():
    return topic_texts(600), topic_texts(200, seed=1)


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_learns_topics_with_every_loss(topics, loss):
    (x, y), (xt, yt) = topics
    model = SupervisedClassifier(vector_size=16, epochs=10, alpha=0.5, loss=loss, **QUIET).fit(x, y)
    assert (model.predict(xt) == np.asarray(yt)).mean() > 0.97
    proba = model.predict_proba(xt)
    assert proba.shape == (len(xt), 3) and np.isfinite(proba).all()
    if loss != "ova":
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-4)
    assert sorted(model.classes_) == sorted(TOPICS)
    assert model.loss_history_[-1] < model.loss_history_[0]


def test_embedding_layer_groups_words_of_a_topic(topics):
    (x, y), _ = topics
    model = SupervisedClassifier(vector_size=16, epochs=10, alpha=0.5, **QUIET).fit(x, y)
    kv = model.vectors_
    assert isinstance(kv, KeyedVectors) and "king" in kv and "</s>" in kv
    same = kv.similarity("king", "queen")
    other = kv.similarity("king", "cow")
    assert same > other
    assert model.label_vectors_.index_to_key == model.classes_


def test_multi_label_one_vs_all_predicts_both_labels():
    rng = random.Random(2)
    texts, labels = [], []
    for _ in range(800):
        chosen = sorted(rng.sample(sorted(TOPICS), rng.choice([1, 2])))
        words = [rng.choice(TOPICS[t]) for t in chosen for _ in range(3)] + [rng.choice(GLUE) for _ in range(3)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(chosen)
    model = SupervisedClassifier(vector_size=16, epochs=15, alpha=0.5, loss="ova", **QUIET).fit(texts, labels)
    top = model.predict_topk(["king crown the cow barn grain"], k=-1, threshold=0.5)[0]
    assert sorted(lab for lab, _ in top) == ["farm", "royal"]
    assert all(p >= 0.5 for _, p in top)


def test_predict_topk_k_and_threshold(topics):
    (x, y), (xt, _) = topics
    model = SupervisedClassifier(vector_size=16, epochs=5, alpha=0.5, **QUIET).fit(x, y)
    rows = model.predict_topk(xt[:20], k=2)
    assert all(len(r) == 2 and r[0][1] >= r[1][1] for r in rows)
    assert [r[0][0] for r in rows] == list(model.predict(xt[:20]))
    all_rows = model.predict_topk(xt[:5], k=-1)
    assert all(len(r) == 3 for r in all_rows)
    assert model.predict_topk(xt[:5], k=3, threshold=1.0) == [[] for _ in range(5)] or all(
        p >= 1.0 for r in model.predict_topk(xt[:5], k=3, threshold=1.0) for _, p in r)
    with pytest.raises(InvalidParameterError, match="k must be"):
        model.predict_topk(xt[:2], k=0)
    with pytest.raises(InvalidParameterError, match="threshold"):
        model.predict_topk(xt[:2], threshold=1.5)


@pytest.mark.parametrize("params", [dict(), dict(word_ngrams=2, bucket=10_000), dict(max_n=5, min_n=3, bucket=10_000),
                                    dict(loss="hs")])
def test_save_load_round_trip_gives_the_same_predictions(topics, tmp_path, params):
    (x, y), (xt, _) = topics
    model = SupervisedClassifier(vector_size=8, epochs=3, **params, **QUIET).fit(x, y)
    path = model.save(tmp_path / "model.npz")
    back = SupervisedClassifier.load(path)
    assert back.get_params() == model.get_params()
    assert back.classes_ == model.classes_
    np.testing.assert_array_equal(back.predict_proba(xt), model.predict_proba(xt))
    np.testing.assert_array_equal(back.vectors_.vectors, model.vectors_.vectors)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # atomic: no temp file left
    with np.load(path, allow_pickle=False) as npz:  # plain arrays only
        assert "w_in" in npz.files


def test_char_ngrams_give_unseen_words_vectors_and_predictions(topics):
    (x, y), _ = topics
    model = SupervisedClassifier(vector_size=16, epochs=10, alpha=0.5, max_n=5, bucket=20_000, **QUIET).fit(x, y)
    assert isinstance(model.vectors_, SubwordKeyedVectors)
    assert "kings" not in model.vectors_
    assert np.abs(model.vectors_["kings"]).sum() > 0  # composed from n-grams
    assert model.predict(["kingdoms palaces thrones"])[0] == "royal"  # only unseen words


def test_word_bigrams_only_store_used_buckets(topics):
    (x, y), _ = topics
    model = SupervisedClassifier(vector_size=8, epochs=2, word_ngrams=2, bucket=2_000_000, **QUIET).fit(x, y)
    rows = model.vectors_.metadata["corpus"]["bucket_rows"]
    assert 0 < rows < 10 * 600  # at most one bigram per token, far below 2M buckets
    assert model._state["w_in"].shape[0] == len(model.vectors_) + rows


def test_same_seed_one_thread_is_identical_and_threads_work(topics):
    (x, y), (xt, yt) = topics
    a = SupervisedClassifier(vector_size=8, epochs=3, **QUIET).fit(x, y)
    b = SupervisedClassifier(vector_size=8, epochs=3, **QUIET).fit(x, y)
    np.testing.assert_array_equal(a.vectors_.vectors, b.vectors_.vectors)
    c = SupervisedClassifier(vector_size=8, epochs=10, alpha=0.5, n_threads=2, random_state=3,
                             show_progress=False).fit(x, y)
    assert (c.predict(xt) == np.asarray(yt)).mean() > 0.95


def test_init_vectors_start_from_pretrained_rows(topics, tmp_path):
    (x, y), _ = topics
    rng = np.random.default_rng(0)
    words = ["king", "queen", "unicorn"]
    pre = KeyedVectors(words, rng.normal(size=(3, 8)).astype(np.float32))
    path = tmp_path / "pre.npz"
    save_vectors(pre, path)
    model = SupervisedClassifier(vector_size=8, epochs=2, init_vectors=str(path), **QUIET).fit(x, y)
    kv = model.vectors_
    assert "unicorn" in kv  # pre-trained words join the vocabulary (fastText -pretrainedVectors)
    np.testing.assert_array_equal(kv["unicorn"], pre["unicorn"])  # never in training text: unchanged
    assert not np.allclose(kv["king"], pre["king"])  # trained from its pre-trained start
    with pytest.raises(InvalidParameterError, match=r"dimension 8 but vector_size=16"):
        SupervisedClassifier(vector_size=16, init_vectors=str(path), **QUIET).fit(x, y)


def test_real_data_sst2(data):
    folder = data("sst2")
    if not (folder / "train_full.tsv").is_file():
        pytest.skip(f"SST-2 not found under {folder}")
    train = read_labelled(folder / "train_full.tsv")
    dev = read_labelled(folder / "dev.tsv")
    model = SupervisedClassifier(n_threads=2, random_state=0, show_progress=False)
    model.fit(train.texts[:30000], train.labels[:30000])
    acc = (model.predict(dev.texts) == np.asarray([lab[0] for lab in dev.labels])).mean()
    assert acc > 0.76  # fastText's defaults reach ~0.80 on this subset
    meta = model.vectors_.metadata
    assert meta["corpus"]["texts"] == 30000 and meta["corpus"]["labels"] == 2


# ---------------------------------------------------------------------------- bad input
def test_one_label_only_is_an_error():
    with pytest.raises(DataError, match=r"every text has the label 'a'.*at least 2 labels"):
        SupervisedClassifier(**QUIET).fit(["x y", "z"], ["a", "a"])


def test_empty_texts_are_dropped_with_a_warning_and_all_empty_is_an_error():
    model = SupervisedClassifier(vector_size=4, epochs=1, **QUIET).fit(["good film", "  ", "bad film"],
                                                                        ["pos", "neg", "neg"])
    assert model.warnings_ and "dropped 1 empty text" in model.warnings_[0]
    with pytest.raises(DataError, match="every text is empty"):
        SupervisedClassifier(**QUIET).fit(["", " "], ["a", "b"])


def test_missing_labels_are_errors(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("__label__a good\nno label here\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"train.txt:2: a line without a label"):
        SupervisedClassifier(**QUIET).fit(path)
    with pytest.raises(DataError, match="text 1 has no label"):
        SupervisedClassifier(**QUIET).fit(["a b", "c"], ["x", []])
    with pytest.raises(DataError, match="2 texts but 1 labels"):
        SupervisedClassifier(**QUIET).fit(["a b", "c"], ["x"])


def test_not_fitted_and_bad_model_file(tmp_path):
    with pytest.raises(NotFittedError):
        SupervisedClassifier().predict(["a"])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="not an embedlab supervised model"):
        SupervisedClassifier.load(bad)
    vec = tmp_path / "vectors.npz"
    save_vectors(KeyedVectors(["a", "b"], np.ones((2, 2), np.float32)), vec)
    with pytest.raises(FormatError, match="a vectors file \(embedlab npz\), not a supervised model"):
        SupervisedClassifier.load(vec)


def test_fit_on_a_fasttext_file_with_several_labels(tmp_path: Path):
    path = tmp_path / "train.txt"
    path.write_text("__label__a __label__b king queen\n__label__c cow sheep\n__label__a crown\n", encoding="utf-8")
    model = SupervisedClassifier(vector_size=4, epochs=1, loss="ova", **QUIET).fit(path)
    assert model.classes_ == ["a", "b", "c"]
    np.testing.assert_array_equal(model.label_counts_, [2, 1, 1])
