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


CHEAP = ["list-collections-without-auth", "create-backup-200", "create-collection-200"]


def test_one_worker_runs_each_deviation_alone(tmp_path):
    """One worker process runs the deviations one after another, each in a run of its own
    with only that deviation on, and the verdicts are those of the runs."""
    import json

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

    import conformance.selftest as selftest

    monkeypatch.setattr(selftest, "_worker_command", lambda **_: [sys.executable, "-c", "pass"])
    rows = kill_matrix(CHEAP[:1], seed=1, max_examples=2, parallel=1, workdir=tmp_path)
    assert rows[0].caught and rows[0].exit_code == 1 and rows[0].checks
