"""Shared test configuration: show the kill matrix at the end of the run.

The self-test writes its matrix to ``selftest-report/kill-matrix.txt``; under pytest-xdist a
worker's output is not shown, so the controller prints the file in the terminal summary."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

KILL_MATRIX = Path(__file__).resolve().parents[1] / "selftest-report" / "kill-matrix.txt"
_STARTED = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if KILL_MATRIX.is_file() and KILL_MATRIX.stat().st_mtime >= _STARTED:
        terminalreporter.section("kill matrix (seeded deviation x check)")
        terminalreporter.write_line(KILL_MATRIX.read_text(encoding="utf-8"))


#: The longest tests, started first so that pytest-xdist's other worker runs everything else
#: meanwhile (scheduled last, the kill matrix alone would set the wall-clock time).
LONGEST_FIRST = ("test_kill_matrix_catches_every_seeded_deviation",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        if item.originalname in LONGEST_FIRST:
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=rank)  # stable: the order within each rank is kept
