"""Helpers shared by the CLI tests: the one-line error contract and a small synthetic corpus."""

from __future__ import annotations

import random
import re
from pathlib import Path


def assert_cli_error(result, pattern: str, code: int = 2) -> str:
    """Exit ``code``, stderr is exactly one line ``error: ...`` matching ``pattern``, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert re.search(pattern, lines[0]), (pattern, lines[0])
    return lines[0]


_TOPICS = {
    "royal": ["king", "queen", "prince", "princess", "crown", "throne", "palace"],
    "farm": ["cow", "sheep", "goat", "horse", "field", "barn", "grain"],
    "sea": ["ship", "sail", "wave", "harbour", "fish", "boat", "anchor"],
}
_GLUE = ["the", "a", "and", "of", "in", "with", "near", "saw"]


def write_topic_corpus(path: Path, n_sentences: int = 600, seed: int = 0) -> Path:
    """A small synthetic corpus: each sentence mixes glue words with words of one topic, so that
    words of a topic share contexts (their neighbours are known)."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_sentences):
        words = _TOPICS[rng.choice(sorted(_TOPICS))]
        lines.append(" ".join(rng.choice(words) if rng.random() < 0.6 else rng.choice(_GLUE) for _ in range(12)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


TOPICS = _TOPICS
