"""The mock's modules import one way: no cycles, no import of the suite, the model never renders.

Read from the source with ``ast`` (imports inside functions count too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pinecone_conformance.mockserver as mockserver

PACKAGE = Path(mockserver.__file__).parent
MOCK = mockserver.__name__  # pinecone_conformance.mockserver


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        module = path.stem
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == MOCK:
                    found |= {f"{MOCK}.{alias.name}" for alias in node.names}
                else:
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        graph[module] = {name.removeprefix(MOCK + ".") if name.startswith(MOCK + ".") else f"!{name}"
                         for name in found}
    return graph


def test_no_module_of_the_mock_imports_the_suite():
    for module, imported in _imports().items():
        outside = {name[1:] for name in imported if name.startswith("!")}
        assert not {name for name in outside if name.startswith("pinecone_conformance.conformance")}, module


def test_the_mock_imports_without_cycles():
    graph = {module: {name for name in imported if not name.startswith("!")} for module, imported in _imports().items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for dependency in graph.get(module, ()):
            visit(dependency, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
    assert "views" not in graph["model"] and "model" not in graph["views"]
    assert "views" not in graph["drafts"]
    assert {"store", "lifecycles", "quotas"} <= graph["model"]


def test_views_render_domain_objects_only():
    graph = _imports()
    assert graph["views"] - {"!__future__", "!datetime", "!typing"} == {"store"}
