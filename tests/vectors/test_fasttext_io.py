"""fastText .bin interop: models trained by the ``fasttext`` package read exactly, ours read by it."""

from __future__ import annotations

import importlib.util
import itertools
import struct
import subprocess
import sys

import numpy as np
import pytest

from embedlab.corpus import Corpus, sample_corpus_path
from embedlab.exceptions import FormatError, InvalidParameterError
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import load_vectors, save_vectors
from embedlab.vectors.io.fasttext import FASTTEXT_MAGIC, read_fasttext_bin
from embedlab.vectors.subword import SubwordKeyedVectors, ngram_strings, subword_rows

# skip only when the peer is absent: an installed fasttext that fails to import or to train fails
# these interop tests (skipping hid every one of them when training broke)
if importlib.util.find_spec("fasttext") is None:
    pytest.skip("the fasttext package (test extra) is needed for interop tests", allow_module_level=True)
import fasttext  # noqa: E402

UNSEEN = ["xylophonic", "naïveté", "Straße", "日本語", "qwzx", "begatting", "q", "zz"]


@pytest.fixture(scope="module")
def ft_model(tmp_path_factory):
    """A tiny fastText skip-gram model trained by the fasttext package, saved as .bin."""
    folder = tmp_path_factory.mktemp("ft")
    text = folder / "text.txt"
    lines = itertools.islice(iter(Corpus(sample_corpus_path())), 1500)
    text.write_text("\n".join(" ".join(t) for t in lines) + "\n", encoding="utf-8")
    # trained in a child process: in the full test run (not alone) this fasttext build raised "Encountered
    # NaN" on all 10 tries, while a fresh process trains; it also
    # raises it sporadically on small inputs, hence the retries
    path = folder / "model.bin"
    script = (
        "import sys, fasttext\n"
        "for attempt in range(10):\n"
        "    try:\n"
        f"        m = fasttext.train_unsupervised({str(text)!r}, model='skipgram', dim=12, epoch=1, minCount=3,"
        " minn=2, maxn=5, bucket=20_000, thread=1, verbose=0)\n"
        "        break\n"
        "    except RuntimeError as exc:\n"
        "        error = exc\n"
        "else:\n"
        "    sys.exit(f'failed to train 10 times: {error}')\n"
        f"m.save_model({str(path)!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"the fasttext package is installed but {done.stderr.strip().splitlines()[-1]}")
    model = fasttext.load_model(str(path))
    return model, path


def test_reader_matches_fasttext_vectors_for_known_and_unseen_words(ft_model):
    model, path = ft_model
    kv = load_vectors(path)
    assert isinstance(kv, SubwordKeyedVectors)
    assert (kv.min_n, kv.max_n, kv.bucket) == (2, 5, 20_000)
    assert kv.index_to_key == model.words
    for w in model.words[:300]:
        np.testing.assert_allclose(kv[w], model.get_word_vector(w), rtol=1e-5, atol=1e-6)
    for w in UNSEEN:
        assert w not in kv
        np.testing.assert_allclose(kv[w], model.get_word_vector(w), rtol=1e-5, atol=1e-6)
    # the hashed rows agree with fastText's own n-gram ids, for ASCII and non-ASCII words
    for w in UNSEEN + ["über", "ça", "ﬁne", "e\u0301t\u00e9"]:
        subwords, ids = model.get_subwords(w)
        assert (ids - len(model.words)).tolist() == kv.ngram_rows(w).tolist(), w
        assert list(subwords) == ngram_strings(w, 2, 5), w
    nw = len(model.words)
    indptr, rows = subword_rows(model.words[:50], 2, 5, 20_000, row_offset=nw, include_word=True)
    for i, w in enumerate(model.words[:50]):
        if w != "</s>":
            assert rows[indptr[i]:indptr[i + 1]].tolist() == model.get_subwords(w)[1].tolist(), w
    assert kv.metadata["params"]["architecture"] == "skipgram" and kv.metadata["params"]["vector_size"] == 12


def test_writer_output_loads_in_fasttext_with_the_same_vectors(ft_model, tmp_path):
    model, path = ft_model
    kv = read_fasttext_bin(path)
    out = tmp_path / "ours.bin"
    save_vectors(kv, out)  # a SubwordKeyedVectors saved to .bin becomes a fastText model
    again = fasttext.load_model(str(out))
    assert again.words == model.words
    for w in model.words[:200] + UNSEEN:
        np.testing.assert_allclose(again.get_word_vector(w), model.get_word_vector(w), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(load_vectors(out)["qwzx"], kv["qwzx"], rtol=1e-5, atol=1e-6)


def test_trained_model_written_as_bin_is_read_by_fasttext(tmp_path):
    from embedlab.models.fasttext import FastText

    sents = list(itertools.islice(iter(Corpus(sample_corpus_path())), 800))
    kv = FastText(vector_size=8, epochs=1, bucket=3000, random_state=0, show_progress=False).fit(sents).vectors_
    out = tmp_path / "trained.bin"
    kv.save(out)
    ft = fasttext.load_model(str(out))
    for w in kv.index_to_key[:100] + UNSEEN:
        np.testing.assert_allclose(ft.get_word_vector(w), kv[w], rtol=1e-4, atol=1e-5)


def test_npz_and_vec_round_trips(ft_model, tmp_path):
    _, path = ft_model
    kv = load_vectors(path)
    kv.save(tmp_path / "v.npz")
    back = KeyedVectors.load(tmp_path / "v.npz")
    assert isinstance(back, SubwordKeyedVectors) and back.bucket == kv.bucket
    np.testing.assert_array_equal(back["xylophonic"], kv["xylophonic"])
    kv.save(tmp_path / "v.vec")
    text = KeyedVectors.load(tmp_path / "v.vec")
    assert type(text) is KeyedVectors and len(text) == len(kv)


def test_plain_word2vec_binary_still_works_and_plain_vectors_refuse_fasttext(tmp_path):
    kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    kv.save(tmp_path / "w.bin")
    back = KeyedVectors.load(tmp_path / "w.bin")
    assert type(back) is KeyedVectors and back.index_to_key == ["a", "b"]
    with pytest.raises(InvalidParameterError, match="needs n-gram vectors"):
        save_vectors(kv, tmp_path / "x.bin", format="fasttext")


def test_bad_fasttext_files_raise_format_errors(ft_model, tmp_path):
    _, path = ft_model
    data = path.read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="truncated"):
        load_vectors(cut)
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(struct.pack("<2i", FASTTEXT_MAGIC + 1, 12) + data[8:200])
    with pytest.raises(FormatError, match="not a fastText model"):
        read_fasttext_bin(wrong)
    newer = tmp_path / "newer.bin"
    newer.write_bytes(struct.pack("<2i", FASTTEXT_MAGIC, 99) + data[8:])
    with pytest.raises(FormatError, match="version 99 is newer"):
        load_vectors(newer)
