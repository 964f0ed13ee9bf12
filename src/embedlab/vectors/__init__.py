"""Vectors: :class:`KeyedVectors` and their file formats (:mod:`embedlab.vectors.io`)."""

from .keyed import KeyedVectors

__all__ = ["KeyedVectors"]
