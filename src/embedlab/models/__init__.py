"""Embedding methods, one module per method, found by name through :func:`get_model`."""

from __future__ import annotations

import importlib

from ..base import BaseEmbedder
from ..exceptions import InvalidParameterError

__all__ = ["MODELS", "get_model", "model_names"]

# registry name -> "module:Class"; add a line when a method lands
MODELS: dict[str, str] = {
    "word2vec": "embedlab.models.word2vec:Word2Vec",
    "fasttext": "embedlab.models.fasttext:FastText",
    "glove": "embedlab.models.glove:Glove",
    "ppmi-svd": "embedlab.models.ppmi_svd:PPMISVD",
    "pca": "embedlab.models.pca:TablePCA",
    "node2vec": "embedlab.models.node2vec:Node2Vec",
    "deepwalk": "embedlab.models.node2vec:DeepWalk",
    "popularity": "embedlab.models.recommend:Popularity",
    "itemknn": "embedlab.models.recommend:ItemKNN",
    "ease": "embedlab.models.recommend:EASE",
    "als": "embedlab.models.recommend:ALS",
    "bpr": "embedlab.models.recommend:BPR",
    "item2vec": "embedlab.models.item2vec:Item2Vec",
    "supervised": "embedlab.models.supervised:SupervisedClassifier",
    "graphsage": "embedlab.models.gnn:GraphSAGE",
    "gcn": "embedlab.models.gnn:GCN",
    "cnn": "embedlab.models.cnn:ImageCNN",
}


def model_names() -> list[str]:
    return list(MODELS)


def get_model(name: str) -> type[BaseEmbedder]:
    """The estimator class registered under ``name`` (e.g. "word2vec")."""
    try:
        target = MODELS[name]
    except KeyError:
        raise InvalidParameterError(
            f"unknown method '{name}'; valid methods: {', '.join(MODELS)}"
        ) from None
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)
