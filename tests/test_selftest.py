"""The kill matrix: every seeded deviation of the mock must be caught by the real suite,
by a check of the kind that names the problem. Prints the matrix (deviation x check).

The matrix is run in parts, one test item each, so that pytest-xdist's workers share it (one
item for the whole matrix kept one worker busy for minutes while the other had run out of
work); each part writes its rows, and the terminal summary (conftest) renders them as one."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import KILL_MATRIX_PARTS_DIR

from pinecone_conformance.conformance.selftest import (
    COVERAGE_DEPTH,
    KINDS_FOR_CATEGORY,
    OPERATIONS_PER_RUN,
    Row,
    _run_arguments,
    kill_matrix,
    operations_for,
    planned_operations,
    render,
    row_from_record,
    row_record,
)
from pinecone_conformance.mockserver.deviations import CATALOG

#: How many test items share the matrix: more than the two workers, so that neither waits long
#: for the other's last part; few, as each part starts a worker process of its own (~2 s).
PARTS = 4


def matrix_parts(count: int = PARTS) -> list[list[str]]:
    """The catalog dealt into ``count`` parts: the runs over more operations (the longer ones)
    first, round robin, so the parts take about as long as each other."""
    ordered = sorted(CATALOG.values(), key=lambda d: (-len(operations_for(d)), d.name))
    return [[d.name for d in ordered[k::count]] for k in range(count)]


def test_every_category_has_a_detecting_kind():
    assert {d.category for d in CATALOG.values()} <= set(KINDS_FOR_CATEGORY)


def test_row_needs_the_right_kind_to_count_as_caught():
    wrong_kind = Row("x", "semantics", exit_code=1, seconds=1.0)
    wrong_kind.kinds["response-schema"] = 3
    assert not wrong_kind.caught
    right_kind = Row("x", "semantics", exit_code=1, seconds=1.0)
    right_kind.kinds["semantic"] = 1
    right_kind.authorities["contract"] = 1
    assert right_kind.caught
    assert not Row("x", "semantics", exit_code=0, seconds=1.0).caught


def test_a_production_only_deviation_counts_as_caught_only_by_production_checks():
    """Such a deviation is a server the document allows: caught through a contract check, it
    would fail a contract-conformant server's default run too, so it is not caught but
    misjudged (and the matrix says so)."""
    def row(**authorities) -> Row:
        made = Row("x", "semantics", exit_code=1, seconds=1.0, profile="production")
        made.kinds["semantic"] = sum(authorities.values())
        made.authorities.update(authorities)
        return made

    assert row(production=2).caught and not row(production=2).misjudged
    assert not row(contract=1).caught and row(contract=1).misjudged
    assert not row(production=1, contract=1).caught
    assert "failed by contract checks, though only production forbids them: x" in render([row(contract=1)])
    assert not Row("x", "semantics", exit_code=1, seconds=1.0, kinds=Counter(semantic=1)).caught  # no authority seen
    assert row_from_record(row_record(row(contract=1))).misjudged  # kept through the parts' files


def test_the_parts_hold_every_deviation_once():
    """Split or not, the matrix is the whole catalog: no deviation lost, none run twice."""
    assert len(CATALOG) >= 25
    parts = matrix_parts()
    names = [name for part in parts for name in part]
    assert sorted(names) == sorted(CATALOG) and len(names) == len(set(names))
    assert all(parts) and max(map(len, parts)) - min(map(len, parts)) <= 1


def test_the_runs_together_reach_every_operation_the_catalog_lists_early():
    plan = planned_operations(CATALOG)
    assert set(plan) == set(CATALOG)
    early = {operation for d in CATALOG.values() for operation in d.operations[:COVERAGE_DEPTH]}
    assert {operation for operations in plan.values() for operation in operations} == early
    for name, operations in plan.items():
        listed = CATALOG[name].operations
        assert operations[:OPERATIONS_PER_RUN] == listed[:OPERATIONS_PER_RUN]  # its own first ones, always
        assert set(operations) <= set(listed[:COVERAGE_DEPTH])  # never one it does not list
    arguments = _run_arguments(CATALOG["dimension-as-string"], seed=1, max_examples=3, output=Path("out"))
    assert [arguments[i + 1] for i, a in enumerate(arguments) if a == "--operation"] == \
        list(plan["dimension-as-string"])


def test_a_deviation_outside_the_catalog_runs_on_its_first_operations():
    from dataclasses import replace

    other = replace(CATALOG["dimension-as-string"], name="not-in-the-catalog")
    assert operations_for(other) == other.operations[:OPERATIONS_PER_RUN]


@pytest.mark.parametrize("part", range(PARTS))
def test_kill_matrix_catches_every_seeded_deviation(part, tmp_path):
    names = matrix_parts()[part]
    rows = kill_matrix(names, seed=1, max_examples=3, parallel=1, workdir=tmp_path)
    assert [row.deviation for row in rows] == names
    KILL_MATRIX_PARTS_DIR.mkdir(parents=True, exist_ok=True)  # rendered as one in the terminal summary (conftest)
    (KILL_MATRIX_PARTS_DIR / f"part-{part}-of-{PARTS}.json").write_text(
        json.dumps([row_record(row) for row in rows]), encoding="utf-8")
    missed = [row.deviation for row in rows if not row.caught]
    assert missed == [], f"seeded deviations the suite did not catch: {missed}\n{render(rows)}"


CHEAP = ["list-collections-without-auth", "create-backup-200", "create-collection-200"]


def test_one_worker_runs_each_deviation_alone(tmp_path):
    """One worker process runs the deviations one after another, each in a run of its own
    with only that deviation on, and the verdicts are those of the runs."""
    rows = kill_matrix(CHEAP, seed=1, max_examples=2, parallel=1, workdir=tmp_path)
    assert [row.deviation for row in rows] == CHEAP
    assert all(row.caught for row in rows), render(rows)
    for name in CHEAP:
        record = json.loads((tmp_path / name / "run.json").read_text())
        assert record["options"]["deviations"] == [name]
    log = (tmp_path / "workers.log").read_text()
    assert all(f"reports in {tmp_path / name}" in log for name in CHEAP)  # all three by the one worker


def test_a_deviation_whose_worker_died_is_run_alone(tmp_path, monkeypatch):
    import sys

    import pinecone_conformance.conformance.selftest as selftest
    monkeypatch.setattr(selftest, "_worker_command", lambda **_: [sys.executable, "-c", "pass"])
    rows = kill_matrix(CHEAP[:1], seed=1, max_examples=2, parallel=1, workdir=tmp_path)
    assert rows[0].caught and rows[0].exit_code == 1 and rows[0].checks
