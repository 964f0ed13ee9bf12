"""A corpus read, tokenized, counted and encoded once, for several fits with the same corpus settings.

Tuning trains many models on one corpus; the trials that share the corpus settings (for Word2Vec:
``min_count``, ``max_vocab_size``, ``phrases``, ``lowercase``) need the same vocabulary and ids.
An estimator with ``prepare_corpus(corpus) -> PreparedCorpus`` accepts the result in ``fit`` in
place of the corpus and skips that work; the owner of the :class:`PreparedCorpus` closes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .encode import EncodedCorpus
from .vocab import Vocabulary

__all__ = ["PreparedCorpus"]


@dataclass
class PreparedCorpus:
    """Vocabulary, phrases (or None) and encoded ids of a corpus, built with ``settings``.

    ``settings`` names the corpus-affecting hyperparameters and their values; an estimator
    refuses a prepared corpus whose settings differ from its own.
    """

    vocab: Vocabulary
    encoded: EncodedCorpus
    phrases: Any = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def borrow(self) -> EncodedCorpus:
        """A view of the encoded corpus whose ``close()`` leaves the shared arrays alone."""
        return EncodedCorpus(self.encoded.ids, self.encoded.offsets)

    def close(self) -> None:
        """Release the arrays (and temporary files). Idempotent."""
        self.encoded.close()

    def __enter__(self) -> PreparedCorpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
