#!/usr/bin/env python3
"""Build the bundled sample corpus ``src/embedlab/data/sample_corpus.txt.gz``.

Two public sources, one line each:

1. the King James Version of the Bible (1611/1769 text), public domain (outside the UK, where the
   Crown's letters patent apply), as shipped by Debian's ``bible-kjv-text`` package and printed by
   the ``bible`` program of Debian's ``bible-kjv`` package: 31,102 verse lines, original spelling,
   case and punctuation, verse numbers and book/chapter headings removed (~790k tokens);
2. WordNet 3.0's noun and verb synsets from Debian's ``wordnet-base`` package, one line per synset:
   ``lemma, lemma: gloss; "example"`` (95,882 lines, ~1.46M tokens), so that the bundled
   benchmarks are covered (WordSim353: 14% of pairs with the Bible alone, 92% with both).
   WordNet's licence allows redistribution with its notice, kept in ``data/SOURCES.md``.

::

    sudo apt-get install bible-kjv bible-kjv-text wordnet-base
    python scripts/make_sample_corpus.py            # writes src/embedlab/data/sample_corpus.txt.gz

The gzip stream has no timestamp or file name, so the same package versions give byte-identical
output.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "src" / "embedlab" / "data" / "sample_corpus.txt.gz"
VERSE = re.compile(r"^ +\d+ (.+?)\s*$")  # verse lines are indented; "1 Kings 2" headings are not


def kjv_verses() -> list[str]:
    """Every verse of the KJV, in canonical order, one string each."""
    if shutil.which("bible") is None:
        sys.exit("the 'bible' program is missing: sudo apt-get install bible-kjv bible-kjv-text")
    text = subprocess.run(
        ["bible", "-l100000", "gen1:1-rev22:21"], check=True, capture_output=True, stdin=subprocess.DEVNULL
    ).stdout.decode("utf-8")
    verses = [m.group(1) for m in map(VERSE.match, text.splitlines()) if m]
    if len(verses) != 31102:
        sys.exit(f"expected the 31,102 verses of the KJV, got {len(verses)}")
    return verses


WORDNET = Path("/usr/share/wordnet")
WORDNET_POS = ("noun", "verb")  # adjectives/adverbs add 1 MB for 2 points of WordSim353 coverage
_LEX_ID = re.compile(r"\([a-z]+\)$")  # adjective markers such as "(a)"


def wordnet_glosses() -> list[str]:
    """One line per WordNet noun and verb synset, in the data files' order: its lemmas, then its
    gloss (definition and examples), e.g. ``tiger, Panthera tigris: large feline of forests ...``."""
    if not (WORDNET / "data.noun").is_file():
        sys.exit(f"WordNet's data files are missing in {WORDNET}: sudo apt-get install wordnet-base")
    lines = []
    for pos in WORDNET_POS:
        with open(WORDNET / f"data.{pos}", encoding="utf-8") as fh:
            for raw in fh:
                if raw.startswith("  "):  # the licence header
                    continue
                head, _, gloss = raw.partition(" | ")
                fields = head.split()
                n_words = int(fields[3], 16)
                words = [_LEX_ID.sub("", fields[4 + 2 * i]).replace("_", " ") for i in range(n_words)]
                lines.append(", ".join(words) + ": " + gloss.strip())
    return lines


def sample_lines() -> list[str]:
    """Every line of the sample corpus: the KJV verses, then the WordNet glosses."""
    return kjv_verses() + wordnet_glosses()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    verses = sample_lines()
    data = ("\n".join(verses) + "\n").encode("utf-8")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    tmp.replace(args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes, {len(verses):,} lines)")


if __name__ == "__main__":
    main()
