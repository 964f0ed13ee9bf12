"""Corpus input: streaming readers, tokenizers, vocabulary, integer encoding and phrases.

* :class:`Corpus` / :func:`as_sentences`: re-iterable token lists from files (plain/.gz/.bz2),
  lists of files or directories, read in constant memory.
* :func:`tokenize` / :func:`get_tokenizer`: ``"unicode"`` and ``"whitespace"`` tokenizers.
* :class:`Vocabulary`: counts, ``min_count`` / ``max_vocab_size``, subsampling and noise
  distributions.
* :func:`encode` -> :class:`EncodedCorpus`: flat int32 ids + int64 offsets for the kernels;
  :func:`build_and_encode` builds the vocabulary and encodes in one pass.
* :class:`Phrases` / :class:`PhrasedSentences`: gensim-compatible bigram collocations.
* :func:`sample_corpus_path`: the bundled ~1M-token KJV sample corpus.
"""

from __future__ import annotations

from .encode import MEMMAP_THRESHOLD, EncodedCorpus, build_and_encode, encode
from .phrases import PhrasedSentences, Phrases
from .readers import Corpus, as_sentences, list_corpus_files, sample_corpus_path
from .tokenize import TOKENIZERS, get_tokenizer, tokenize
from .vocab import Vocabulary

__all__ = [
    "Corpus",
    "as_sentences",
    "list_corpus_files",
    "sample_corpus_path",
    "TOKENIZERS",
    "get_tokenizer",
    "tokenize",
    "Vocabulary",
    "encode",
    "build_and_encode",
    "EncodedCorpus",
    "MEMMAP_THRESHOLD",
    "Phrases",
    "PhrasedSentences",
]
