"""Bigram phrase detection, compatible with gensim's ``Phrases`` (without connector words).

``fit`` counts unigrams and adjacent bigrams in one dictionary (as gensim does: its size,
``len_vocab``, enters the default score). A bigram ``a b`` becomes the token ``a_b`` when its score
exceeds ``threshold``:

* ``"default"`` (Mikolov et al. 2013): ``(count(ab) - min_count) / (count(a) * count(b)) * len_vocab``;
* ``"npmi"`` (Bouma 2009): ``log(p(ab) / (p(a) p(b))) / -log(p(ab))`` when ``count(ab) >= min_count``,
  in ``[-1, 1]``.

``transform`` scans a sentence left to right and greedily joins each accepted pair, exactly as
gensim's ``phrases[sentence]``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .._validation import Interval, Options, validate_params
from ..exceptions import FormatError, NotFittedError

__all__ = ["Phrases", "PhrasedSentences"]


class Phrases:
    """Detect bigram collocations (``new york`` -> ``new_york``) and join them in sentences.

    Learned attributes: ``phrasegrams_`` (dict ``(a, b) -> score`` of the accepted pairs),
    ``vocab_size_`` (distinct unigrams and bigrams counted) and ``corpus_word_count_``.
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "min_count": [Interval(int, 1, None, search=(2, 20))],
        "threshold": [Interval(float, None, None, search=(1.0, 100.0), log=True)],
        "delimiter": [str],
        "scoring": [Options(("default", "npmi"))],
    }

    def __init__(self, min_count: int = 5, threshold: float = 10.0, delimiter: str = "_", scoring: str = "default") -> None:
        self.min_count = min_count
        self.threshold = threshold
        self.delimiter = delimiter
        self.scoring = scoring

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"min_count": self.min_count, "threshold": self.threshold, "delimiter": self.delimiter, "scoring": self.scoring}

    def _validate_params(self) -> None:
        def extra(params: Mapping[str, Any]) -> None:
            if params["scoring"] == "npmi" and not -1.0 <= params["threshold"] <= 1.0:
                from ..exceptions import InvalidParameterError

                raise InvalidParameterError(
                    f"Phrases: parameter 'threshold' must be in [-1, 1] with scoring='npmi'; got {params['threshold']!r}"
                )

        validate_params(self._parameter_constraints, self.get_params(), "Phrases", extra)

    def fit(self, sentences: Any) -> Phrases:
        """Count unigrams and bigrams in ``sentences`` (anything :func:`as_sentences` accepts)."""
        from .readers import as_sentences

        self._validate_params()
        vocab: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        n_words = 0
        for sentence in as_sentences(sentences):
            vocab.update(sentence)
            n_words += len(sentence)
            if len(sentence) > 1:
                pairs.update(zip(sentence, sentence[1:]))
        join = self.delimiter.join
        for pair, count in pairs.items():
            vocab[join(pair)] += count
        self.vocab_size_ = len(vocab)
        self.corpus_word_count_ = n_words
        self.phrasegrams_ = {}
        for pair in pairs:
            score = self._score(vocab[pair[0]], vocab[pair[1]], vocab[join(pair)])
            if score > self.threshold:
                self.phrasegrams_[pair] = score
        return self

    def _score(self, count_a: int, count_b: int, count_ab: int) -> float:
        if count_a <= 0 or count_b <= 0 or count_ab <= 0:
            return -math.inf
        if self.scoring == "default":
            return (count_ab - self.min_count) / (count_a * count_b) * self.vocab_size_
        if count_ab < self.min_count:
            return -math.inf
        n = float(self.corpus_word_count_)
        p_a, p_b, p_ab = count_a / n, count_b / n, count_ab / n
        return math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)

    def _check_fitted(self) -> None:
        if not hasattr(self, "phrasegrams_"):
            raise NotFittedError("Phrases is not fitted yet; call fit(sentences) first")

    def transform(self, tokens: list[str]) -> list[str]:
        """Join the detected phrases of one sentence, greedily from the left."""
        self._check_fitted()
        grams = self.phrasegrams_
        delimiter = self.delimiter
        out: list[str] = []
        i, n = 0, len(tokens)
        while i < n:
            if i + 1 < n and (tokens[i], tokens[i + 1]) in grams:
                out.append(tokens[i] + delimiter + tokens[i + 1])
                i += 2
            else:
                out.append(tokens[i])
                i += 1
        return out

    def export_phrases(self) -> dict[str, float]:
        """The accepted phrases as ``{"a_b": score}``."""
        self._check_fitted()
        return {self.delimiter.join(pair): score for pair, score in self.phrasegrams_.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation of the fitted model (parameters and accepted pairs)."""
        self._check_fitted()
        return {
            "params": self.get_params(),
            "vocab_size": self.vocab_size_,
            "corpus_word_count": self.corpus_word_count_,
            "phrasegrams": [[a, b, score] for (a, b), score in self.phrasegrams_.items()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Phrases:
        """Inverse of :meth:`to_dict`."""
        try:
            model = cls(**data["params"])
            model.vocab_size_ = int(data["vocab_size"])
            model.corpus_word_count_ = int(data["corpus_word_count"])
            model.phrasegrams_ = {(str(a), str(b)): float(s) for a, b, s in data["phrasegrams"]}
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"phrases data is malformed ({exc!r}); expected the output of Phrases.to_dict()") from None
        return model


class PhrasedSentences:
    """Re-iterable view of ``sentences`` with ``phrases.transform`` applied to each."""

    def __init__(self, sentences: Iterable[list[str]], phrases: Phrases) -> None:
        from .readers import as_sentences

        phrases._check_fitted()
        self.sentences = as_sentences(sentences)
        self.phrases = phrases

    def __iter__(self) -> Iterator[list[str]]:
        transform = self.phrases.transform
        for sentence in self.sentences:
            yield transform(sentence)
