"""The house's one-way rules, checked on the source: a leaf core, no upward imports, no cycles,
one installed namespace.

- ``core`` imports nothing of ours: everything may import it.
- ``spec``, ``strategies``, ``mockserver`` and ``reports`` never import ``conformance``.
- No two modules import each other, directly or around a longer cycle.
- Everything installs under ``pinecone_conformance``: every import of ours names it, and the
  wheel puts nothing else into site-packages.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "spec", "strategies", "conformance", "reports", "mockserver")
NAMESPACE = "pinecone_conformance"


def _module_name(path: Path) -> str:
    """``core/findings.py`` -> ``core.findings`` (the name inside the namespace)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _ours(imported: str) -> str | None:
    """``pinecone_conformance.core.findings`` -> ``core.findings``; None for anything else."""
    return imported[len(NAMESPACE) + 1:] if imported.startswith(NAMESPACE + ".") else None


def _import_names(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def _imports() -> dict[str, set[str]]:
    """module -> the project modules it imports (at any depth of the file)."""
    modules = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for module, members in _import_names(ast.parse(path.read_text(encoding="utf-8"))):
            candidates = [_ours(c) for c in (module, *members)]
            targets |= {c for c in candidates if c in modules and c != name}
        graph[name] = targets
    return graph


def test_the_graph_sees_the_imports():
    """The rules below mean something only if the graph holds the real imports."""
    graph = _imports()
    assert "core.findings" in graph["conformance.session"] and "spec.loader" in graph["conformance.session"]
    assert sum(len(targets) for targets in graph.values()) > 150


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


def _python_files():
    for folder in (*PACKAGES, NAMESPACE, "tests", "benchmarks"):
        yield from (ROOT / folder).rglob("*.py")


def test_every_import_of_ours_goes_through_the_namespace():
    """``from core.x import ...`` would work from a checkout and break once installed."""
    bare = sorted(f"{path.relative_to(ROOT)}: {module}" for path in _python_files()
                  for module, _ in _import_names(ast.parse(path.read_text(encoding="utf-8")))
                  if module.split(".")[0] in PACKAGES)
    assert bare == []


#: Calls that take a package by its dotted name in a string: importlib.resources, importlib.
_NAMED_BY_STRING = {"files", "import_module", "read_text", "read_binary", "as_file"}


def test_every_package_named_in_a_string_goes_through_the_namespace():
    """``files("reports")`` works from a checkout only where pytest put the checkout on sys.path
    (in process), and breaks once installed or in a worker process."""
    bare = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in _NAMED_BY_STRING and node.args[0].value.split(".")[0] in PACKAGES:
                    bare.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}({node.args[0].value!r})")
    assert bare == []


def test_pyproject_installs_every_package_folder_under_the_namespace():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {f"{NAMESPACE}." + ".".join(init.parent.relative_to(ROOT).parts)
               for package in PACKAGES for init in (ROOT / package).rglob("__init__.py")}
    assert set(setuptools["packages"]) == folders | {NAMESPACE}
    assert setuptools["package-dir"] == {NAMESPACE: NAMESPACE, **{f"{NAMESPACE}.{p}": p for p in PACKAGES}}


def test_the_wheel_puts_one_package_into_site_packages_and_runs_from_there(tmp_path):
    """Built and installed (not editable): only ``pinecone_conformance`` lands in site-packages,
    with the bundled documents, and the CLI runs from the installed copy."""
    # built from a copy of what the distribution is made of: setuptools writes build/ beside the
    # sources, which in the checkout would be shared by parallel runs and keep stale modules
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in (*PACKAGES, NAMESPACE):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")} == {NAMESPACE}
    assert f"{NAMESPACE}/spec/documents/db_control_2026-04.oas.yaml" in names
    assert f"{NAMESPACE}/reports/findings.schema.json" in names
    assert any(name.startswith(f"{NAMESPACE}/reports/templates/") for name in names)
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert f"pinecone-conformance = {NAMESPACE}.conformance.cli:main" in entry_points
    assert f"pinecone_conformance = {NAMESPACE}.conformance.plugin" in entry_points
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", "import pinecone_conformance.conformance.cli as cli, sys; print(cli.__file__); "
                               "from pinecone_conformance.reports import findings_json, html; "
                               "assert findings_json.schema() and html._template('report.js'); print('data files found'); "
                               "sys.exit(cli.main(['spec', 'check', '2026-04', '--format', 'json']))"],
        cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[0].startswith(str(site)), done.stdout[:300] + done.stderr[-2000:]
    assert "data files found" in done.stdout, done.stderr[-2000:]  # read through the namespace, not the checkout
    assert done.returncode in (0, 1), done.stderr[-2000:]
