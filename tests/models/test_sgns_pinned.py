"""Pinned vectors of the skip-gram family: seeded single-thread runs must stay bit-identical.

word2vec (skip-gram / CBOW, negative sampling / hierarchical softmax, float16 outputs, the
deterministic mode), item2vec (basket and sequential windows), node2vec and DeepWalk, and the
deterministic modes of fastText and GloVe are trained on small fixed data; the SHA-256 of each
model's float32 vector bytes must equal the digest recorded before the trainers were merged into
one (a refactor of the trainers may move code, never a bit).

The digests hold for the machine and numba version they were recorded on (fastmath code differs
between CPU generations): elsewhere the test is skipped. Recompute with
``python tests/models/test_sgns_pinned.py``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

#: where the digests were recorded (numba's host CPU name, numba's version)
PINNED_ON = ("rocketlake", "0.68.1")

PINNED = {
    "deepwalk": "bd592eefb037bf5c3061843e3be66807993ba1b9d7d75481a4133e28a204e55b",
    "fasttext-det-sg": "89ae7b90a23396f5298d8a8d4e86ca142138441123c71e3cb972fab2088d150f",
    "fasttext-sg": "2fa35831901472bfb1fd28b3716dd603cd36db9636c9c24888db6e188202a3a6",
    "glove-det": "5968d9a686fea5b2edd4e1f5789c068da3450cb6e77a2fc9d7b23a560278f794",
    "i2v-basket": "6e753963d9b8c8c072cbf0e86f2d266b5db0683fd83f4c9aefd2e7d59fcf186c",
    "i2v-sequential": "e596711a7a57b896c339df554d437d16c0c5eb2ec425917be59b045324bbd9da",
    "i2v-sequential-sample": "6b0fcd0d61b94d12a605cfeed9bcc60e2cf4e4865adb37d2b91c72fdf793bcb4",
    "node2vec": "1ef67a10a6172380cc60db8014aed246a33b778a79626b3edb8c66671e2faded",
    "node2vec-shared": "996e6017ccb7ef5ec9491a53d96e84481f3b0bde10b386963447d099e97b95ad",
    "w2v-cbow-hs": "b3337528c9530cb7d20d7e6e87f7fb6cef322d68061f827118622d0973db538d",
    "w2v-cbow-ns": "378a5daa9b378e7ae153ddd741bb753c6264ebd83b24e5c1d726d4a22d400da2",
    "w2v-cbow-sum-hs-ns": "9b323f33ed0caa05659b3eed95ff99bed8801e96733cc3d99491bf15004b17c1",
    "w2v-det-cbow-hs-ns": "f35f1c5c2df8baa8a0a7babe1f86a8d6dde1fa8e241add4338f27e63163dbcc9",
    "w2v-det-sg-hs": "b9d969099e9f99168967cb91cc7c433ddd7a9299cfa99bccc0cd1a9a685b275b",
    "w2v-det-sg-ns": "26fb40e42603c0adfa83d2215a46a21df25c42f2932178fe8cc679d46eefced5",
    "w2v-sg-hs": "c40f32af4e96b5128128914c865d66384f9fc4825be2e7305734a6b2c994d881",
    "w2v-sg-ns": "70a742154230969c06966707b406773d1c741d7d669ab3788cec6abb39c793f9",
    "w2v-sg-ns-f16": "09e36492f97d3803ccbec23b54f4fd4f53c3b389436f640e1ca1bf1fb01db44e",
}


def _environment() -> tuple[str, str]:
    import llvmlite.binding as llvm
    import numba

    return llvm.get_host_cpu_name(), numba.__version__


def _sentences() -> list[list[str]]:
    from embedlab.corpus import Corpus, sample_corpus_path

    return list(Corpus(sample_corpus_path()))[:300]  # ~9k tokens


def _baskets() -> list[list[int]]:
    rng = np.random.default_rng(5)
    out = []
    for _ in range(400):
        k = int(rng.integers(2, 12))
        start = int(rng.integers(0, 60))
        out.append([int(x) for x in (start + rng.integers(0, 25, size=k)) % 80])
    return out


def _graph() -> Any:
    from embedlab.corpus.graph import Graph

    rng = np.random.default_rng(9)
    n = 120
    src = np.concatenate([np.arange(n), rng.integers(0, n, 400)])
    dst = np.concatenate([(np.arange(n) + 1) % n, rng.integers(0, n, 400)])
    keep = src != dst  # no self-loops (they would be dropped with a warning)
    return Graph.from_edges(src[keep], dst[keep], [str(i) for i in range(n)], report=False)


W2V = dict(vector_size=16, epochs=2, window=3, min_count=2, random_state=11, show_progress=False, n_threads=1)
I2V = dict(vector_size=12, epochs=3, window=4, random_state=3, show_progress=False, n_threads=1)
N2V = dict(vector_size=12, walk_length=12, walks_per_node=3, window=3, epochs=2, random_state=7,
           show_progress=False, n_threads=1)


def _cases() -> dict[str, Any]:
    from embedlab.models.fasttext import FastText
    from embedlab.models.glove import Glove
    from embedlab.models.item2vec import Item2Vec
    from embedlab.models.node2vec import DeepWalk, Node2Vec
    from embedlab.models.word2vec import Word2Vec

    return {
        "w2v-sg-ns": lambda: Word2Vec(**W2V, architecture="skipgram", negative=5).fit(_sentences()),
        "w2v-sg-hs": lambda: Word2Vec(**W2V, architecture="skipgram", negative=0, hs=True).fit(_sentences()),
        "w2v-cbow-ns": lambda: Word2Vec(**W2V, architecture="cbow", negative=5).fit(_sentences()),
        "w2v-cbow-hs": lambda: Word2Vec(**W2V, architecture="cbow", negative=0, hs=True).fit(_sentences()),
        "w2v-cbow-sum-hs-ns": lambda: Word2Vec(**W2V, architecture="cbow", negative=3, hs=True,
                                               cbow_mean=False).fit(_sentences()),
        "w2v-sg-ns-f16": lambda: Word2Vec(**W2V, negative=5, output_dtype="float16").fit(_sentences()),
        "w2v-det-sg-ns": lambda: Word2Vec(**W2V, negative=5, deterministic=True).fit(_sentences()),
        "w2v-det-sg-hs": lambda: Word2Vec(**W2V, negative=0, hs=True, deterministic=True).fit(_sentences()),
        "w2v-det-cbow-hs-ns": lambda: Word2Vec(**W2V, architecture="cbow", negative=3, hs=True,
                                               deterministic=True).fit(_sentences()),
        "i2v-basket": lambda: Item2Vec(**I2V, window_mode="basket").fit(_baskets()),
        "i2v-sequential": lambda: Item2Vec(**I2V, window_mode="sequential").fit(_baskets()),
        "i2v-sequential-sample": lambda: Item2Vec(**I2V, window_mode="sequential", sample=1e-2,
                                                  ns_exponent=0.75).fit(_baskets()),
        "node2vec": lambda: Node2Vec(**N2V, p=0.5, q=2.0).fit(_graph()),
        "node2vec-shared": lambda: Node2Vec(**N2V, shared_negatives=True).fit(_graph()),
        "deepwalk": lambda: DeepWalk(**N2V).fit(_graph()),
        "fasttext-sg": lambda: FastText(vector_size=12, epochs=1, min_count=2, random_state=2, n_threads=1,
                                        show_progress=False).fit(_sentences()[:120]),
        "fasttext-det-sg": lambda: FastText(vector_size=12, epochs=1, min_count=2, random_state=2, n_threads=1,
                                            deterministic=True, show_progress=False).fit(_sentences()[:120]),
        "glove-det": lambda: Glove(vector_size=8, epochs=3, min_count=2, random_state=4, n_threads=1,
                                   deterministic=True, show_progress=False).fit(_sentences()),
    }


def digest(model: Any) -> str:
    vectors = np.ascontiguousarray(model.vectors_.vectors, dtype=np.float32)
    return hashlib.sha256(vectors.tobytes()).hexdigest()


@pytest.mark.parametrize("case", sorted(_cases()))
def test_sgns_family_vectors_are_pinned(case: str) -> None:
    if _environment() != PINNED_ON:
        pytest.skip(f"digests recorded on {PINNED_ON}, this is {_environment()}")
    assert digest(_cases()[case]()) == PINNED[case]


if __name__ == "__main__":  # prints the table to paste into PINNED
    print(f"PINNED_ON = {_environment()!r}")
    for name, make in sorted(_cases().items()):
        print(f'    "{name}": "{digest(make())}",')
