"""Imports flow one way (README "Architecture"): cli -> models, evaluation, tuning, report ->
corpus, vectors -> kernels. The lower layers never import the upper ones, at import time or
inside functions (that is how the vectors.io <-> evaluation.generic cycle hid)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "embedlab"
UPPER = {"cli", "models", "evaluation", "tuning", "report", "search", "monitoring", "serve"}
# layer -> packages it must not import
FORBIDDEN = {
    "kernels": UPPER | {"corpus", "vectors"},
    "vectors": UPPER,
    "corpus": UPPER | {"vectors"},
}


def _imported(path: Path) -> set[str]:
    """First-level embedlab subpackages imported anywhere in ``path`` (absolute or relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = list(parts[:-1])[: len(parts) - node.level]
                target = base + (node.module.split(".") if node.module else [])
                names = [target[0]] if target else [a.name for a in node.names]
            elif node.module and node.module.startswith("embedlab."):
                names = [node.module.split(".")[1]]
            else:
                names = []
            out.update(names)
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("embedlab."))
    return out


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_upper_ones(layer):
    bad = {}
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        hits = _imported(path) & FORBIDDEN[layer]
        if hits:
            bad[str(path.relative_to(PACKAGE))] = sorted(hits)
    assert not bad, bad


def test_pretrained_packages_live_in_vectors():
    assert (PACKAGE / "vectors" / "pretrained.py").is_file()
    assert not (PACKAGE / "evaluation" / "generic.py").exists()
