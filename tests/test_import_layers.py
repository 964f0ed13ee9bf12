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


# The whole order (README "Architecture"), lowest first. A module may import its own package and
# any lower tier, at import time or inside a function; the middle tier's packages may import each
# other sideways (evaluation scores models and builds their encoders and baselines; models.finetune
# scores with evaluators; tuning, monitoring, serve and report use models and evaluation).
TIERS: dict[str, int] = {
    "exceptions": 0, "_progress": 0, "kernels": 0,
    "_validation": 1, "_fileio": 1,
    "corpus": 2, "vectors": 2,
    "base": 3,
    "models": 4, "evaluation": 4, "search": 4,
    "tuning": 5, "serve": 5, "monitoring": 5, "planning": 5, "report": 5,
    "cli": 7, "__main__": 8,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(["embedlab", *parts])] = path
    return out


def _imports(modules: dict[str, Path]) -> dict[str, dict[str, bool]]:
    """module -> {imported embedlab module: at module level?}"""
    graph: dict[str, dict[str, bool]] = {}
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(n) for n in tree.body}
        is_pkg = path.name == "__init__.py"
        found: dict[str, bool] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                if node.level:
                    base = mod.split(".")[: len(mod.split(".")) - node.level + (1 if is_pkg else 0)]
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                names = [prefix] + [f"{prefix}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name.startswith("embedlab") and name != mod:
                    found[name] = found.get(name, False) or id(node) in top_level
        graph[mod] = found
    return graph


def _top(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_package_has_a_tier():
    tops = {_top(m) for m in _modules()} - {"__init__"}
    assert tops <= set(TIERS), sorted(tops - set(TIERS))


def test_no_arrow_up_anywhere_and_only_the_cli_imports_the_cli():
    graph = _imports(_modules())
    up = []
    for mod, targets in graph.items():
        for target in targets:
            a, b = _top(mod), _top(target)
            if a == b or "__init__" in (a, b):
                continue
            if TIERS[b] > TIERS[a] or (b == "cli" and a != "__main__"):
                up.append(f"{mod} -> {target}")
    assert not up, up


def test_no_import_circle_at_module_level():
    """Module-level imports form no cycle (a cycle makes the import order decide what works)."""
    graph = {m: {t for t, top_level in ts.items() if top_level} for m, ts in _imports(_modules()).items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for v in graph:
        if v not in index:
            visit(v)
    assert not circles, circles
