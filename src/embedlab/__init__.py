"""embedlab: create embeddings and prove they are good.

Heavy parts load lazily: importing embedlab compiles nothing and imports no optional extra.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (loaded on first access)
_LAZY: dict[str, str] = {
    "KeyedVectors": "embedlab.vectors",
    "Word2Vec": "embedlab.models.word2vec",
    "FastText": "embedlab.models.fasttext",
    "Glove": "embedlab.models.glove",
    "PPMISVD": "embedlab.models.ppmi_svd",
    "TablePCA": "embedlab.models.pca",
    "SubwordKeyedVectors": "embedlab.vectors.subword",
    "Corpus": "embedlab.corpus",
    "Vocabulary": "embedlab.corpus",
    "Phrases": "embedlab.corpus",
    "EvalResult": "embedlab.evaluation",
    "make_evaluator": "embedlab.evaluation",
    "load_vectors": "embedlab.vectors.io",
    "save_vectors": "embedlab.vectors.io",
    "clone": "embedlab.base",
    "BaseEmbedder": "embedlab.base",
    "Node2Vec": "embedlab.models.node2vec",
    "DeepWalk": "embedlab.models.node2vec",
    "Graph": "embedlab.corpus.graph",
    "read_edgelist": "embedlab.corpus.graph",
    "embedding_drift": "embedlab.monitoring",
    "GraphSAGE": "embedlab.models.gnn",
    "GCN": "embedlab.models.gnn",
    "SupervisedClassifier": "embedlab.models.supervised",
    "EntityEmbedder": "embedlab.models.entity",
    "SentenceEncoder": "embedlab.models.transformer",
    "SentenceFineTuner": "embedlab.models.finetune",
    "BM25": "embedlab.models.bm25",
    "build_index": "embedlab.search",
    "load_index": "embedlab.search",
    "Interactions": "embedlab.corpus.interactions",
    "read_interactions": "embedlab.corpus.interactions",
    "RecommenderVectors": "embedlab.vectors.recommend",
    "Item2Vec": "embedlab.models.item2vec",
    "ALS": "embedlab.models.recommend",
    "BPR": "embedlab.models.recommend",
    "EASE": "embedlab.models.recommend",
    "ItemKNN": "embedlab.models.recommend",
    "Popularity": "embedlab.models.recommend",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'embedlab' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
