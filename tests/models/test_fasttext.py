"""FastText estimator: OOV vectors on real text, determinism, parameters, persistence."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from embedlab.base import clone
from embedlab.corpus import Corpus, sample_corpus_path
from embedlab.exceptions import InvalidParameterError, NotFittedError, VocabularyError
from embedlab.models import get_model
from embedlab.models.fasttext import FastText
from embedlab.vectors import KeyedVectors
from embedlab.vectors.subword import SubwordKeyedVectors

N_LINES = 8_000  # ~250k tokens of the bundled KJV sample (Genesis .. Judges)


@pytest.fixture(scope="module")
def verses() -> list[list[str]]:
    return list(itertools.islice(iter(Corpus(sample_corpus_path())), N_LINES))


@pytest.fixture(scope="module")
def model(verses) -> FastText:
    return FastText(vector_size=32, epochs=3, bucket=50_000, n_threads=1, random_state=7,
                    show_progress=False).fit(verses)


def test_registered_and_fitted_attributes(model):
    assert get_model("fasttext") is FastText
    kv = model.vectors_
    assert isinstance(kv, SubwordKeyedVectors)
    assert kv.metadata["method"] == "fasttext" and kv.metadata["params"]["min_n"] == 3
    assert len(model.loss_history_) == 3 and all(np.isfinite(model.loss_history_))
    assert kv.vectors.shape == (len(model.vocab_), 32)
    assert 0 < kv.metadata["corpus"]["ngram_rows"] <= 50_000


def test_oov_misspellings_and_inflections_land_near_their_word(model):
    kv = model.vectors_
    cases = {"egyptt": "egypt", "begatt": "begat", "commandmentz": "commandments", "kingdomz": "kingdom",
             "prophetts": "prophets", "pharaohs": "pharaoh", "jerusalam": "jerusalem"}
    hits = 0
    for typo, word in cases.items():
        assert word in kv and typo not in kv  # the typo was never trained, yet it has a vector
        assert kv[typo].shape == (32,) and np.linalg.norm(kv[typo]) > 0
        neighbours = [w for w, _ in kv.most_similar(typo, topn=5)]
        hits += word in neighbours
    assert hits >= 5


def test_oov_vector_is_mean_of_ngram_rows(model):
    kv = model.vectors_
    rows = kv.ngram_rows("xylophonic")
    used = rows[rows >= 0]
    expected = kv.ngram_vectors[used].sum(axis=0) / len(rows)
    np.testing.assert_allclose(kv["xylophonic"], expected, rtol=1e-5, atol=1e-7)


def test_seed_and_one_thread_give_identical_vectors(verses):
    small = verses[:1500]
    params = dict(vector_size=16, epochs=1, bucket=5000, n_threads=1, random_state=3, show_progress=False)
    a = FastText(**params).fit(small).vectors_
    b = FastText(**params).fit(small).vectors_
    c = FastText(**{**params, "random_state": 4}).fit(small).vectors_
    np.testing.assert_array_equal(a.vectors, b.vectors)
    np.testing.assert_array_equal(a.ngram_vectors, b.ngram_vectors)
    assert not np.array_equal(a.vectors, c.vectors)


def test_cbow_and_no_subwords(verses):
    small = verses[:1500]
    cb = FastText(vector_size=16, epochs=1, bucket=5000, architecture="cbow", random_state=1,
                  show_progress=False).fit(small)
    assert np.isfinite(cb.loss_history_[0]) and cb.vectors_["zzzqq"].shape == (16,)
    hs = FastText(vector_size=16, epochs=1, bucket=5000, hs=True, negative=0, random_state=1, n_threads=1,
                  show_progress=False).fit(small)
    assert np.isfinite(hs.loss_history_[0]) and hs.loss_history_[0] > 0
    assert hs.vectors_.most_similar("egyptt", topn=1)[0][0].startswith("egypt")
    plain = FastText(vector_size=16, epochs=1, max_n=0, random_state=1, show_progress=False).fit(small)
    assert not plain.vectors_.has_subwords
    with pytest.raises(VocabularyError, match="no character n-grams"):
        plain.vectors_["zzzqq"]


def test_callback_can_stop_training(verses):
    seen = []

    def cb(epoch, elapsed, metrics):
        seen.append((epoch, metrics["loss"], metrics["words_per_sec"]))
        return True

    m = FastText(vector_size=8, epochs=5, bucket=1000, callbacks=cb, random_state=0,
                 show_progress=False).fit(verses[:500])
    assert len(seen) == 1 and seen[0][0] == 1 and len(m.loss_history_) == 1


def test_callbacks_read_current_vectors_that_change_each_epoch(verses):
    m = FastText(vector_size=8, epochs=3, bucket=1000, n_threads=1, random_state=0, show_progress=False)
    with pytest.raises(NotFittedError, match="FastText"):
        m.current_vectors()
    seen = []

    def cb(epoch, elapsed, metrics):
        kv = m.current_vectors()
        seen.append((isinstance(kv, SubwordKeyedVectors), len(kv), kv["in"].copy(), kv["zzqqin"].copy()))

    m.set_params(callbacks=cb).fit(verses[:500])
    assert [s[0] for s in seen] == [True, True, True]
    assert all(s[1] == len(m.vectors_) for s in seen)
    for a, b in itertools.pairwise(seen):
        assert not np.allclose(a[2], b[2])  # trained word moves between epochs
        assert not np.allclose(a[3], b[3])  # so does an unseen word composed from n-grams
    np.testing.assert_allclose(seen[-1][2], m.vectors_["in"], rtol=1e-6)
    assert m.current_vectors() is m.vectors_  # after training: the fitted vectors


@pytest.mark.parametrize(
    "params,match",
    [
        ({"min_n": 5, "max_n": 3}, "min_n=5 is larger than max_n=3"),
        ({"bucket": 0}, "bucket=0 leaves no rows"),
        ({"architecture": "sg"}, "parameter 'architecture' must be one of"),
        ({"vector_size": 0}, "parameter 'vector_size'"),
        ({"max_n": -1}, "parameter 'max_n'"),
        ({"sample": 1.5}, "parameter 'sample'"),
        ({"min_alpha": 0.5}, "min_alpha=0.5 is larger than alpha"),
        ({"negative": 0}, "negative=0 with hs=False leaves no output layer"),
    ],
)
def test_invalid_parameters_raise_one_line_errors(params, match):
    with pytest.raises(InvalidParameterError, match=match) as err:
        FastText(**params).fit([["a", "b"]])
    assert "\n" not in str(err.value)


def test_max_n_zero_allows_bucket_zero_and_params_roundtrip():
    FastText(max_n=0, bucket=0)._validate_params()
    m = FastText(min_n=2, max_n=4, bucket=1000)
    assert clone(m).get_params() == m.get_params()
    assert m.set_params(max_n=5).max_n == 5
    with pytest.raises(NotFittedError, match="not fitted"):
        from embedlab.base import check_is_fitted

        check_is_fitted(m)


def test_save_load_keeps_ngrams_and_vec_exports_words(model, tmp_path):
    kv = model.vectors_
    npz = tmp_path / "ft.npz"
    kv.save(npz)
    back = KeyedVectors.load(npz)
    assert isinstance(back, SubwordKeyedVectors)
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    np.testing.assert_array_equal(back["jerusalam"], kv["jerusalam"])
    assert "jerusalam" not in back
    mapped = KeyedVectors.load(npz, mmap=True)
    np.testing.assert_array_equal(mapped["begatt"], kv["begatt"])
    vec = tmp_path / "ft.vec"
    kv.save(vec)
    text = KeyedVectors.load(vec)
    assert type(text) is KeyedVectors and text.index_to_key == kv.index_to_key
    np.testing.assert_allclose(text.vectors, kv.vectors, rtol=1e-6)
    with pytest.raises(VocabularyError, match="not in the vocabulary"):
        text["jerusalam"]


def test_cli_trains_saves_and_answers_oov_neighbours(verses, tmp_path):
    from typer.testing import CliRunner

    from embedlab.cli.app import app

    text = tmp_path / "kjv.txt"
    text.write_text("\n".join(" ".join(v) for v in verses[:1500]) + "\n", encoding="utf-8")
    out = tmp_path / "ft.npz"
    runner = CliRunner()
    res = runner.invoke(app, ["train", "fasttext", str(text), "-o", str(out), "-d", "16", "-e", "1",
                              "--bucket", "20000", "--threads", "1", "--seed", "1", "--no-progress"])
    assert res.exit_code == 0, res.output
    kv = KeyedVectors.load(out)
    assert isinstance(kv, SubwordKeyedVectors) and kv.metadata["params"]["bucket"] == 20000
    res = runner.invoke(app, ["neighbors", str(out), "begatt", "-k", "3", "--json"])
    assert res.exit_code == 0 and "begatt" in res.stdout
    bad = runner.invoke(app, ["train", "fasttext", str(text), "-o", str(tmp_path / "x.npz"), "--min-n", "5",
                              "--max-n", "3"])
    assert bad.exit_code == 2 and "--min-n 5 is larger than --max-n 3" in bad.stderr  # the CLI's flags
    assert not (tmp_path / "x.npz").exists()
