#!/usr/bin/env python3
"""Build the bundled sample corpus ``src/embedlab/data/sample_corpus.txt.gz``.

Source: the King James Version of the Bible (1611/1769 text), public domain (outside the UK,
where the Crown's letters patent apply), as shipped by Debian's ``bible-kjv-text`` package and
printed by the ``bible`` program of Debian's ``bible-kjv`` package::

    sudo apt-get install bible-kjv bible-kjv-text
    python scripts/make_sample_corpus.py            # writes src/embedlab/data/sample_corpus.txt.gz

Output: one verse per line (31,102 lines), original spelling, case and punctuation, verse numbers
and book/chapter headings removed; ~790k tokens with embedlab's default tokenizer. The gzip
stream has no timestamp or file name, so the same package version gives byte-identical output.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    verses = kjv_verses()
    data = ("\n".join(verses) + "\n").encode("utf-8")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    tmp.replace(args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes, {len(verses):,} lines)")


if __name__ == "__main__":
    main()
