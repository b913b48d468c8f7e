"""The kill matrix: every seeded deviation of the mock must be caught by the real suite,
by a check of the kind that names the problem. Prints the matrix (deviation x check)."""

from __future__ import annotations

from conftest import KILL_MATRIX

from conformance.selftest import KINDS_FOR_CATEGORY, Row, kill_matrix, render
from mockserver.deviations import CATALOG


def test_every_category_has_a_detecting_kind():
    assert {d.category for d in CATALOG.values()} <= set(KINDS_FOR_CATEGORY)


def test_row_needs_the_right_kind_to_count_as_caught():
    wrong_kind = Row("x", "semantics", exit_code=1, seconds=1.0)
    wrong_kind.kinds["response-schema"] = 3
    assert not wrong_kind.caught
    right_kind = Row("x", "semantics", exit_code=1, seconds=1.0)
    right_kind.kinds["semantic"] = 1
    assert right_kind.caught
    assert not Row("x", "semantics", exit_code=0, seconds=1.0).caught


def test_kill_matrix_catches_every_seeded_deviation(tmp_path):
    assert len(CATALOG) >= 25
    rows = kill_matrix(seed=1, max_examples=3, workdir=tmp_path)
    KILL_MATRIX.parent.mkdir(parents=True, exist_ok=True)
    KILL_MATRIX.write_text(render(rows), encoding="utf-8")  # printed in the terminal summary (conftest)
    missed = [row.deviation for row in rows if not row.caught]
    assert missed == [], f"seeded deviations the suite did not catch: {missed}"
