"""Text to vectors: document embeddings from word vectors (mean, TF-IDF-weighted, SIF).

``DocumentEmbedder(kv, method=...)`` follows the estimator habit: ``fit(texts)`` learns what the
method needs (IDF weights, SIF word probabilities and common component), ``transform(texts)``
returns one row per text. Words without a vector are skipped and counted: ``oov_`` reports
token coverage, the share of texts with at least one known word, and the most frequent
unknown words. A text with no known word gets a zero row (kept, so that items stay aligned
across embeddings for paired comparisons).

SIF is Arora, Liang & Ma (2017), "A simple but tough-to-beat baseline for sentence embeddings":
weights ``a / (a + p(w))`` then removal of the projection on the first principal component(s).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import Interval, Options, validate_params
from ..exceptions import DataError, NotFittedError

if TYPE_CHECKING:
    from ..vectors import KeyedVectors

__all__ = ["tokenize", "lookup_tokens", "DocumentEmbedder", "OOVReport", "lookup_index", "oov_summary"]

_TOKEN = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]", re.UNICODE)


def tokenize(text: str, lowercase: bool = True, tokenizer: str = "regex") -> list[str]:
    """Split a text into tokens: ``regex`` keeps words (with inner ``-``/``'``) and punctuation;
    ``whitespace`` splits on whitespace only (for pre-tokenised data such as SST-2)."""
    if lowercase:
        text = text.lower()
    return text.split() if tokenizer == "whitespace" else _TOKEN.findall(text)


_CLITICS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")


def _has_punctuation(kv: KeyedVectors, sample: int = 20000) -> bool:
    """Whether the vocabulary holds punctuation tokens (GloVe's '.', ','), among its first keys."""
    return any(len(k) == 1 and not k.isalnum() for k in kv.index_to_key[:sample])


def lookup_tokens(kv: KeyedVectors, lowercase: bool = True) -> Callable[[str], list[str]]:
    """The tokens of a text that pooling looks up in ``kv``, split the way the vectors were made:

    * vectors embedlab trained (their metadata names the corpus) get the training tokenizer, so
      punctuation, which training dropped, is neither looked up nor counted as unknown;
    * other vectors (GloVe, word2vec files) get words and punctuation; punctuation is looked up only
      when the vocabulary has some; a word the vectors lack is tried in the parts their own
      tokenizer would have made (``don't`` -> ``do n't``, ``it's`` -> ``it 's``,
      ``boundary-layer`` -> ``boundary layer``).
    """
    meta = kv.metadata or {}
    corpus = meta.get("corpus")
    if isinstance(corpus, dict) and "total_words" in corpus and isinstance(meta.get("params"), dict):  # trained here
        from ..corpus.tokenize import get_tokenizer

        params = meta.get("params") or {}
        tokenizer = params.get("tokenizer") or "unicode"
        lower = params.get("lowercase", lowercase)
        return get_tokenizer(tokenizer if tokenizer in ("unicode", "whitespace") else "unicode", bool(lower))
    punctuation = _has_punctuation(kv)
    index = kv.key_to_index

    def split(text: str) -> list[str]:
        out: list[str] = []
        for tok in tokenize(text, lowercase, "regex"):
            if tok in index:
                out.append(tok)
            elif len(tok) == 1 and not tok.isalnum():
                if punctuation:
                    out.append(tok)
            else:
                out.extend(_parts(tok, index))
        return out

    return split


def _parts(tok: str, index: Mapping[str, int]) -> list[str]:
    """``tok`` as the known parts its clitic or hyphens separate, else ``[tok]`` (unknown)."""
    for clitic in _CLITICS:
        if tok.endswith(clitic) and len(tok) > len(clitic):
            head = tok[: -len(clitic)]
            if head in index and clitic in index:
                return [head, clitic]
    if "-" in tok:
        parts = [p for p in tok.split("-") if p]
        if parts and all(p in index for p in parts):
            return parts
    return [tok]


def lookup_index(kv: KeyedVectors, word: str) -> int | None:
    """Row of ``word`` in ``kv``, trying the word as given then lowercased; None when absent."""
    i = kv.key_to_index.get(word)
    if i is None:
        i = kv.key_to_index.get(word.lower())
    return i


@dataclass
class OOVReport:
    """How much of the input had vectors."""

    n_texts: int
    n_tokens: int
    n_oov_tokens: int
    n_empty_texts: int  # texts with no known token (zero vector)
    top_oov: list[tuple[str, int]] = field(default_factory=list)

    @property
    def token_coverage(self) -> float:
        return 1.0 - self.n_oov_tokens / self.n_tokens if self.n_tokens else 0.0

    @property
    def text_coverage(self) -> float:
        return 1.0 - self.n_empty_texts / self.n_texts if self.n_texts else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["top_oov"] = [list(t) for t in self.top_oov]
        d["token_coverage"] = self.token_coverage
        d["text_coverage"] = self.text_coverage
        return d


def oov_summary(details: Mapping[str, Any]) -> dict[str, Any] | None:
    """Token coverage, text coverage and the most frequent unknown words of a text task's result
    details (``details["oov"]``, as :meth:`OOVReport.to_dict` gives it), or None for other tasks.
    The terminal table, the HTML and the Markdown reports all show this."""
    oov = details.get("oov") if isinstance(details, Mapping) else None
    if not isinstance(oov, Mapping) or "token_coverage" not in oov:
        return None
    unknown = ", ".join(f"{w} ({n:,})" for w, n in list(oov.get("top_oov") or [])[:8])
    return {
        "token_coverage": float(oov["token_coverage"]),
        "text_coverage": float(oov.get("text_coverage", 1.0)),
        "n_tokens": int(oov.get("n_tokens", 0)),
        "unknown": unknown or "none",
    }


class DocumentEmbedder:
    """Embed texts with word vectors.

    Parameters
    ----------
    kv:
        The word vectors.
    method:
        ``"mean"`` (average of word vectors), ``"tfidf"`` (IDF-weighted average, IDF learned by
        ``fit``) or ``"sif"`` (smooth inverse frequency + common-component removal).
    sif_a:
        SIF smoothing ``a`` in ``a / (a + p(w))``.
    n_components:
        Principal components removed by SIF (0 keeps the weighted average).
    lowercase, tokenizer:
        Tokenisation: ``"auto"`` (default) splits texts the way the vectors were made (see
        :func:`lookup_tokens`), so coverage counts the tokens pooling really looks up;
        ``"regex"`` and ``"whitespace"`` as :func:`tokenize`.
    word_frequencies:
        Where SIF takes ``p(w)``: ``"auto"`` uses the vectors' corpus counts when they have them,
        else the fitted texts; ``"vectors"`` or ``"texts"`` force one.
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "method": [Options(("mean", "tfidf", "sif"), search=True)],
        "sif_a": [Interval(float, 0.0, None, closed="neither", search=(1e-4, 1e-2), log=True)],
        "n_components": [Interval(int, 0, None)],
        "lowercase": [Options((True, False))],
        "tokenizer": [Options(("auto", "regex", "whitespace"))],
        "word_frequencies": [Options(("auto", "vectors", "texts"))],
    }

    def __init__(
        self,
        kv: KeyedVectors,
        method: str = "mean",
        sif_a: float = 1e-3,
        n_components: int = 1,
        lowercase: bool = True,
        tokenizer: str = "auto",
        word_frequencies: str = "auto",
    ) -> None:
        self.kv = kv
        self.method = method
        self.sif_a = sif_a
        self.n_components = n_components
        self.lowercase = lowercase
        self.tokenizer = tokenizer
        self.word_frequencies = word_frequencies

    # ------------------------------------------------------------------ helpers
    def _params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._parameter_constraints}

    def _encode(self, texts: Sequence[str]) -> tuple[list[list[int]], OOVReport, Counter]:
        """Token rows per text (known words only) plus OOV statistics and all-token counts."""
        rows: list[list[int]] = []
        oov: Counter = Counter()
        n_tokens = 0
        n_empty = 0
        index = self.kv.key_to_index
        split = (lookup_tokens(self.kv, self.lowercase) if self.tokenizer == "auto"
                 else lambda text: tokenize(text, self.lowercase, self.tokenizer))
        for text in texts:
            toks = split(text)
            n_tokens += len(toks)
            ids = []
            for t in toks:
                i = index.get(t)
                if i is None:
                    oov[t] += 1
                else:
                    ids.append(i)
            if not ids:
                n_empty += 1
            rows.append(ids)
        report = OOVReport(len(texts), n_tokens, sum(oov.values()), n_empty, oov.most_common(10))
        return rows, report, oov

    def _weighted_mean(self, rows: list[list[int]], weights: np.ndarray | None) -> np.ndarray:
        from scipy.sparse import csr_matrix

        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(r) for r in rows])
        cols = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(indptr[-1]))
        data = np.ones(len(cols)) if weights is None else weights[cols]
        m = csr_matrix((data, cols, indptr), shape=(len(rows), len(self.kv)))
        total = np.asarray(m.sum(axis=1)).ravel()
        out = np.asarray(m @ np.asarray(self.kv.vectors, dtype=np.float64))
        nz = total > 0
        out[nz] /= total[nz, None]
        return out

    def _weights(self) -> np.ndarray | None:
        if self.method == "tfidf":
            return self.idf_
        if self.method == "sif":
            return self.sif_a / (self.sif_a + self.word_prob_)
        return None

    # ------------------------------------------------------------------ estimator API
    def fit(self, texts: Sequence[str]) -> DocumentEmbedder:
        """Learn IDF (tfidf) or word probabilities and the common component (sif)."""
        validate_params(self._parameter_constraints, self._params(), type(self).__name__)
        texts = list(texts)
        if not texts:
            raise DataError("DocumentEmbedder.fit needs at least one text; got none")
        rows, report, _ = self._encode(texts)
        self.oov_ = report
        v = len(self.kv)
        if self.method == "tfidf":
            df = np.zeros(v)
            for r in rows:
                df[np.unique(np.asarray(r, dtype=np.int64))] += 1
            n = len(rows)
            self.idf_ = np.log((1.0 + n) / (1.0 + df)) + 1.0  # scikit-learn's smooth idf
        if self.method == "sif":
            use_vectors = self.kv.counts is not None and self.word_frequencies != "texts"
            if self.word_frequencies == "vectors" and self.kv.counts is None:
                raise DataError("word_frequencies='vectors' but these vectors carry no corpus counts")
            if use_vectors:
                counts = np.asarray(self.kv.counts, dtype=np.float64)
            else:
                counts = np.bincount(np.fromiter((i for r in rows for i in r), dtype=np.int64), minlength=v)
                counts = counts.astype(np.float64)
            total = counts.sum()
            if total == 0:
                raise DataError("SIF needs word frequencies but none of the texts has a word with a vector")
            self.word_prob_ = counts / total
            self.word_prob_source_ = "vectors" if use_vectors else "texts"
            emb = self._weighted_mean(rows, self._weights())
            k = min(self.n_components, max(0, min(emb.shape) - 1))
            if k > 0:
                from sklearn.decomposition import TruncatedSVD

                svd = TruncatedSVD(n_components=k, n_iter=7, random_state=0).fit(emb)
                self.components_ = svd.components_
            else:
                self.components_ = np.zeros((0, self.kv.vector_size))
        self.fitted_ = True
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """One float64 row per text; the OOV report of this call is in ``last_oov_``."""
        if not getattr(self, "fitted_", False):
            raise NotFittedError("DocumentEmbedder is not fitted; call fit(texts) first")
        rows, report, _ = self._encode(list(texts))
        self.last_oov_ = report
        emb = self._weighted_mean(rows, self._weights())
        if self.method == "sif" and len(self.components_):
            emb -= (emb @ self.components_.T) @ self.components_
        return emb

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        return self.fit(texts).transform(texts)
