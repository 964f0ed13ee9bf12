"""Tokenizers: turn one line of text into a list of tokens.

Two tokenizers, chosen by name (see :data:`TOKENIZERS`):

* ``"unicode"`` (default): words are runs of Unicode letters/digits (``\\w``, so the underscore of
  ``new_york`` phrases is kept) and combining marks (Devanagari vowel signs, decomposed accents),
  with apostrophes allowed *inside* a word (``don't``, ``o’clock``); everything else
  (punctuation, symbols) separates words.
* ``"whitespace"``: ``str.split()``, for text that is already tokenized.

Both lowercase by default (``lowercase=False`` keeps the case). The ``"unicode"`` tokenizer gives
exactly the matches of :func:`word_pattern` but avoids the (slow) regular expression where it can:
ASCII lines have their punctuation translated to spaces and are split (the regex runs only on
lines holding an apostrophe); non-ASCII lines whose non-space characters are all alphanumeric
(already normalised text) are just split; only the rest go through the regex.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Callable

from .._validation import Options, check_param

__all__ = ["TOKENIZERS", "word_pattern", "get_tokenizer", "tokenize"]

# Basic Multilingual Plane ranges holding all its combining marks (category M); CJK, Hangul
# syllables and surrogates hold none. Marks of the supplementary planes (historic scripts) are left
# out: a character class reaching past U+FFFF makes the regex ~2x slower.
_MARK_SCAN = ((0x0300, 0x3400), (0xA000, 0xAC00), (0xD7B0, 0xD800), (0xF900, 0x10000))


@functools.cache
def word_pattern() -> re.Pattern[str]:
    """The regex of a word: runs of ``\\w`` characters and (BMP) combining marks, so that
    Devanagari, Thai or decomposed accents stay inside their word, joined by single apostrophes
    (ASCII or typographic). Built on first use (~20 ms)."""
    category = unicodedata.category
    ranges: list[list[int]] = []
    for start, stop in _MARK_SCAN:
        for cp in range(start, stop):
            if category(chr(cp))[0] == "M":
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1][1] = cp
                else:
                    ranges.append([cp, cp])
    marks = "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    word = f"[\\w{marks}]+"
    return re.compile(f"{word}(?:['\\u2019]{word})*")

Tokenizer = Callable[[str], list[str]]


# ASCII punctuation/symbols -> space (letters, digits, "_", "'" and whitespace stay)
_KEEP = frozenset(string.ascii_letters + string.digits + "_'" + string.whitespace)
_ASCII_TABLE = str.maketrans({chr(c): " " for c in range(128) if chr(c) not in _KEEP})


def _unicode(line: str) -> list[str]:
    if line.isascii():
        # fastest path: punctuation -> spaces, then split; words with apostrophes get the regex
        line = line.translate(_ASCII_TABLE)
        if "'" in line:
            return word_pattern().findall(line)
        return line.split()
    tokens = line.split()
    # already normalised: only letters/digits between the spaces -> split() == the regex result
    if "".join(tokens).isalnum():
        return tokens
    return word_pattern().findall(line)


def _unicode_lower(line: str) -> list[str]:
    return _unicode(line.lower())


_unicode_keep_case = _unicode


def _whitespace_lower(line: str) -> list[str]:
    return line.lower().split()


def _whitespace_keep_case(line: str) -> list[str]:
    return line.split()


#: name -> (lowercasing tokenizer, case-keeping tokenizer)
TOKENIZERS: dict[str, tuple[Tokenizer, Tokenizer]] = {
    "unicode": (_unicode_lower, _unicode_keep_case),
    "whitespace": (_whitespace_lower, _whitespace_keep_case),
}


def get_tokenizer(name: str = "unicode", lowercase: bool = True) -> Tokenizer:
    """Return the function ``line -> tokens`` for tokenizer ``name``."""
    check_param("tokenizer", name, [Options(tuple(TOKENIZERS))])
    check_param("lowercase", lowercase, [bool])
    lower, keep = TOKENIZERS[name]
    return lower if lowercase else keep


def tokenize(line: str, tokenizer: str = "unicode", lowercase: bool = True) -> list[str]:
    """Split one line into tokens (see the module docstring for the rules)."""
    return get_tokenizer(tokenizer, lowercase)(line)
