"""How pytest-xdist shares the project's tests between its workers (``-n 2``).

xdist's default (``--dist load``) deals the first quarter of the tests out round robin, in
a fixed share per worker, and splits a module's tests between workers: a module-scoped
fixture (a whole run of the suite, a corpus of recorded responses) is then built in both.
This scheduler hands out work one unit at a time to whichever worker is running short, in
the order conftest sorts the tests (the longest first), and keeps together the tests of a
module that defines a module- or session-scoped fixture, so that the fixture is built once.

It is used in place of ``load`` (what ``-n N`` picks); an explicit ``--dist`` other than
``load`` is left to xdist.
"""

from __future__ import annotations

import ast
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

SHARED_SCOPES = {"module", "package", "session"}


def _is_shared_fixture(decorator: ast.expr) -> bool:
    """``@pytest.fixture(scope="module")`` (or package, session)."""
    if not isinstance(decorator, ast.Call):
        return False
    name = decorator.func.attr if isinstance(decorator.func, ast.Attribute) else getattr(decorator.func, "id", "")
    return name == "fixture" and any(
        keyword.arg == "scope" and isinstance(keyword.value, ast.Constant) and keyword.value.value in SHARED_SCOPES
        for keyword in decorator.keywords)


def modules_with_shared_fixtures(tests: Path, rootdir: Path) -> set[str]:
    """Node-id prefixes (``tests/test_x.py``) of the test modules that define a shared fixture.

    Read from the source, because the controller, which schedules, never collects."""
    found = set()
    for path in sorted(tests.rglob("test_*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue  # the workers' collection reports it
        functions = (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))
        if any(_is_shared_fixture(decorator) for function in functions for decorator in function.decorator_list):
            found.add(path.relative_to(rootdir).as_posix())
    return found


class LongestFirstScheduling(LoadScopeScheduling):
    """One test per work unit, in collection order, except that the tests of a module with a
    shared fixture form one unit (xdist's loadscope with a scope of our choosing)."""

    def __init__(self, config, log=None, *, together: set[str]) -> None:
        super().__init__(config, log)
        self.together = together
        config.option.loadscopereorder = False  # keep conftest's order: the longest tests first

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return module if module in self.together else nodeid
