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
