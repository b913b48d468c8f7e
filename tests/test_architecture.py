"""The house's one-way rules, checked on the source: a leaf core, no upward imports, no cycles.

- ``core`` imports nothing of ours: everything may import it.
- ``spec``, ``strategies``, ``mockserver`` and ``reports`` never import ``conformance``.
- No two modules import each other, directly or around a longer cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "spec", "strategies", "conformance", "reports", "mockserver")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """module -> the project modules it imports (at any depth of the file)."""
    modules = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            targets |= {c for c in candidates if c in modules and c != name}
        graph[name] = targets
    return graph


def test_core_is_a_leaf():
    graph = _imports()
    upward = {m: sorted(t for t in targets if t.split(".")[0] != "core")
              for m, targets in graph.items() if m.split(".")[0] == "core"}
    assert {m: t for m, t in upward.items() if t} == {}


def test_nothing_below_the_suite_imports_it():
    graph = _imports()
    upward = {m: sorted(t for t in targets if t.split(".")[0] == "conformance")
              for m, targets in graph.items() if m.split(".")[0] in ("spec", "strategies", "mockserver", "reports")}
    assert {m: t for m, t in upward.items() if t} == {}


def test_no_import_cycles():
    graph = _imports()
    cycles = []

    def visit(node, stack, seen):
        for target in graph.get(node, ()):
            if target in stack:
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in seen:
                seen.add(target)
                visit(target, stack + [target], seen)

    for module in graph:
        visit(module, [module], {module})
    # a package's __init__ importing its own submodules is the package's table of contents, not a cycle
    real = [c for c in cycles if not any(c[i + 1].startswith(c[i] + ".") for i in range(len(c) - 1))]
    assert real == []
