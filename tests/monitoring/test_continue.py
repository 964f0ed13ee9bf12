"""Continued training: state files, vocabulary growth, freezing, warm starts, CLI options."""

from __future__ import annotations

import shutil

import random
import sys
from pathlib import Path

import numpy as np
import pytest

from embedlab.exceptions import FormatError, InputFileError, InvalidParameterError
from embedlab.models.fasttext import FastText
from embedlab.models.word2vec import Word2Vec
from embedlab.vectors import KeyedVectors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from cli_helpers import assert_cli_error  # noqa: E402

TOPICS = {
    "royal": ["king", "queen", "prince", "princess", "crown", "throne", "palace"],
    "farm": ["cow", "sheep", "goat", "horse", "field", "barn", "grain"],
    "sea": ["ship", "sail", "wave", "harbour", "fish", "boat", "anchor"],
}
GLUE = ["the", "a", "and", "of", "in", "with", "near", "saw"]


def topic_text(path: Path, n: int, seed: int, extra: dict[str, list[str]] | None = None) -> Path:
    rng = random.Random(seed)
    topics = {k: v + (extra or {}).get(k, []) for k, v in TOPICS.items()}
    lines = []
    for _ in range(n):
        words = topics[rng.choice(sorted(topics))]
        lines.append(" ".join(rng.choice(words) if rng.random() < 0.6 else rng.choice(GLUE) for _ in range(12)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def w2v(**kw) -> Word2Vec:
    base = dict(vector_size=16, epochs=3, window=3, min_count=3, random_state=1, n_threads=1, show_progress=False)
    base.update(kw)
    return Word2Vec(**base)


@pytest.fixture
def halves(tmp_path):
    first = topic_text(tmp_path / "first.txt", 800, 0)
    second = topic_text(tmp_path / "second.txt", 800, 1, extra={"royal": ["duke", "duchess"], "sea": ["mast"]})
    return first, second


def test_continue_save_continue_round_trip(halves, tmp_path):
    first, second = halves
    m1 = w2v().fit(first)
    s1 = m1.save_state(tmp_path / "s1.npz")
    m2 = w2v(epochs=2).continue_training(second, s1)
    assert {"duke", "duchess", "mast"} <= set(m2.added_words_)
    assert len(m2.vocab_) == len(m1.vocab_) + 3
    # counts merged, vocabulary re-sorted by count
    assert m2.vocab_.count("king") > m1.vocab_.count("king")
    assert np.all(np.diff(m2.vocab_.counts) <= 0)
    s2 = m2.save_state(tmp_path / "s2.npz")
    m3 = w2v(epochs=1).continue_training(first, s2)
    assert len(m3.vocab_) == len(m2.vocab_) and m3.added_words_ == []
    assert [h["added_words"] for h in m3.state_history_] == [len(m1.vocab_), 3, 0]
    assert m3.vectors_.metadata["continued_from"]["previous_lr"]["epochs_done"] == 2
    # the new royal words are placed among royal words
    royal = set(TOPICS["royal"]) | {"duke", "duchess"}
    hits = [k for k, _ in m2.vectors_.most_similar("duke", topn=5)]
    assert len(royal & set(hits)) >= 3, hits
    # one thread + a seed: the same continuation twice gives identical vectors
    again = w2v(epochs=2).continue_training(second, s1)
    assert np.array_equal(again.vectors_.vectors, m2.vectors_.vectors)


def test_continued_rows_start_from_the_state(halves, tmp_path):
    first, second = halves
    m1 = w2v().fit(first)
    s1 = m1.save_state(tmp_path / "s1.npz")
    frozen = w2v(epochs=2).continue_training(second, s1, freeze_existing=True)
    old = m1.vectors_.index_to_key
    assert np.array_equal(frozen.vectors_[old], m1.vectors_[old])
    moving = w2v(epochs=2).continue_training(second, s1)
    assert not np.array_equal(moving.vectors_[old], m1.vectors_[old])
    # the output layer is carried over too (state arrays round-trip exactly)
    with np.load(s1) as data:
        assert np.array_equal(data["syn1neg"], m1.syn1neg_) and np.array_equal(data["syn0"], m1.vectors_.vectors)


def test_state_bad_input(halves, tmp_path):
    first, second = halves
    ck = tmp_path / "ck.npz"

    def keep_checkpoint(epoch, elapsed, metrics):  # a finished run removes its checkpoint; keep a copy
        if ck.is_file():
            shutil.copy(ck, tmp_path / "ck-copy.npz")

    m1 = w2v(checkpoint_every=1, checkpoint_path=str(ck), epochs=2, callbacks=keep_checkpoint).fit(first)
    s1 = m1.save_state(tmp_path / "s1.npz")
    with pytest.raises(InvalidParameterError, match=r"keeps vector_size.*vector_size=8 \(state: 16\)"):
        w2v(vector_size=8).continue_training(second, s1)
    with pytest.raises(FormatError, match="a word2vec state, not fasttext"):
        FastText(vector_size=16, show_progress=False).continue_training(second, s1)
    with pytest.raises(FormatError, match="checkpoint"):
        w2v().continue_training(second, tmp_path / "ck-copy.npz")
    with pytest.raises(InputFileError, match="not found"):
        w2v().continue_training(second, tmp_path / "none.npz")
    m1.vectors_.save(tmp_path / "vec.npz")
    with pytest.raises(FormatError, match="not an embedlab model state"):
        w2v().continue_training(second, tmp_path / "vec.npz")


def test_fasttext_continue_and_freeze(halves, tmp_path):
    first, second = halves
    kw = dict(vector_size=16, epochs=2, min_count=3, bucket=5000, random_state=1, n_threads=1, show_progress=False)
    f1 = FastText(**kw).fit(first)
    s1 = f1.save_state(tmp_path / "f1.npz")
    f2 = FastText(**kw).continue_training(second, s1, freeze_existing=True)
    old = f1.vectors_.index_to_key
    assert {"duke", "mast"} <= set(f2.added_words_)
    np.testing.assert_array_equal(f2.vectors_[old], f1.vectors_[old])
    s2 = f2.save_state(tmp_path / "f2.npz")
    f3 = FastText(**kw).continue_training(first, s2)
    assert len(f3.vocab_) == len(f2.vocab_) and not np.array_equal(f3.vectors_[old], f1.vectors_[old])


def test_init_vectors_warm_start(halves, tmp_path):
    first, _ = halves
    rng = np.random.default_rng(0)
    keys = TOPICS["royal"] + ["zebra"]
    pre = KeyedVectors(keys, rng.normal(size=(len(keys), 16)).astype(np.float32) * 5)
    m = w2v().fit_from_vectors(first, pre, freeze_existing=True)
    scale = np.linalg.norm(pre.vectors, axis=1).mean()
    np.testing.assert_allclose(m.vectors_["king"], pre["king"] / scale, rtol=1e-6)
    assert m.vectors_.metadata["continued_from"]["initialised_words"] == 7
    with pytest.raises(InvalidParameterError, match="dimension 16 but vector_size is 8"):
        w2v(vector_size=8).fit_from_vectors(first, pre)


def test_cli_save_state_continue_from(halves, tmp_path, run_cli):
    first, second = halves
    common = ["-e", "2", "--min-count", "3", "--seed", "1", "-t", "1", "--no-progress"]
    r = run_cli("train", "word2vec", first, "-o", tmp_path / "v1.npz", "-d", "16", *common,
                "--save-state", tmp_path / "s1.npz")
    assert r.exit_code == 0, r.stderr
    r = run_cli("train", "word2vec", second, "-o", tmp_path / "v2.npz", *common, "--continue-from",
                tmp_path / "s1.npz", "--freeze-existing", "--save-state", tmp_path / "s2.npz")
    assert r.exit_code == 0, r.stderr
    assert "3 new words" in r.stderr
    v1, v2 = KeyedVectors.load(tmp_path / "v1.npz"), KeyedVectors.load(tmp_path / "v2.npz")
    assert v2.vector_size == 16 and "duke" in v2 and np.array_equal(v2[v1.index_to_key], v1[v1.index_to_key])
    r = run_cli("train", "word2vec", first, "-o", tmp_path / "v3.npz", *common, "--continue-from", tmp_path / "s2.npz")
    assert r.exit_code == 0 and (tmp_path / "v3.npz").exists()
    # bad input: one line, exit 2, no output written
    out = tmp_path / "bad.npz"
    assert_cli_error(run_cli("train", "word2vec", second, "-o", out, "-d", "32", "--continue-from", tmp_path / "s1.npz"),
                     r"--vector-size 32 differs from the state's 16")
    assert_cli_error(run_cli("train", "fasttext", second, "-o", out, "--continue-from", tmp_path / "s1.npz"),
                     r"a word2vec state, not fasttext")
    assert_cli_error(run_cli("train", "word2vec", second, "-o", out, "--freeze-existing"),
                     r"--freeze-existing needs --continue-from")
    assert_cli_error(run_cli("train", "word2vec", second, "-o", out, "--continue-from", tmp_path / "v1.npz"),
                     r"not an embedlab model state")
    assert not out.exists()


def test_state_of_another_version_and_hierarchical_softmax(halves, tmp_path):
    import json as _json

    first, second = halves
    m1 = w2v(hs=True, negative=0).fit(first)
    s1 = m1.save_state(tmp_path / "hs.npz")
    m2 = w2v(hs=True, negative=0, epochs=1).continue_training(second, s1)
    assert "duke" in m2.vectors_ and np.isfinite(m2.vectors_.vectors).all()
    assert m2.syn1_.shape == (len(m2.vocab_) - 1, 16)  # Huffman tree rebuilt from the merged counts
    with np.load(s1) as data:
        arrays = {k: data[k] for k in data.files}
    meta = _json.loads(bytes(arrays.pop("meta")).decode())
    meta["version"] = 99
    np.savez(tmp_path / "v99.npz", meta=np.frombuffer(_json.dumps(meta).encode(), np.uint8), **arrays)
    with pytest.raises(FormatError, match="model state version 99; this embedlab reads version 1"):
        w2v(hs=True, negative=0).continue_training(second, tmp_path / "v99.npz")
