"""Shared test configuration: show the kill matrix at the end of the run, and start the
longest tests first.

The self-test runs its matrix in parts (tests/test_selftest.py), each writing its rows to
``selftest-report/kill-matrix-parts/``; under pytest-xdist a worker's output is not shown, so
the controller renders the parts written during this session as one matrix in the terminal
summary and keeps it in ``selftest-report/kill-matrix.txt``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

SELFTEST_REPORT = Path(__file__).resolve().parents[1] / "selftest-report"
KILL_MATRIX = SELFTEST_REPORT / "kill-matrix.txt"
KILL_MATRIX_PARTS_DIR = SELFTEST_REPORT / "kill-matrix-parts"
_STARTED = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    parts = sorted(path for path in KILL_MATRIX_PARTS_DIR.glob("part-*.json") if path.stat().st_mtime >= _STARTED)
    if not parts:
        return
    from pinecone_conformance.conformance.selftest import render, row_from_record
    from pinecone_conformance.mockserver.deviations import CATALOG

    rows = [row_from_record(record) for path in parts for record in json.loads(path.read_text(encoding="utf-8"))]
    rows.sort(key=lambda row: list(CATALOG).index(row.deviation) if row.deviation in CATALOG else len(CATALOG))
    text = render(rows)
    KILL_MATRIX.write_text(text, encoding="utf-8")
    terminalreporter.section(f"kill matrix (seeded deviation x check, {len(parts)} parts)")
    terminalreporter.write_line(text)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under ``-n N`` (xdist's ``load``): see tests/xdist_schedule.py."""
    if config.getvalue("dist") != "load":
        return None
    from xdist_schedule import LongestFirstScheduling, modules_with_shared_fixtures

    return LongestFirstScheduling(config, log, together=modules_with_shared_fixtures(Path(__file__).parent,
                                                                                      config.rootpath))


#: The longest tests (wall time, longest first; measured with --durations on 2 cores), started
#: first so that pytest-xdist's workers fill the end of the run with short ones (scheduled
#: late, one of these alone would set the wall-clock time). Then the tests marked slow.
LONGEST_FIRST = (
    "test_kill_matrix_catches_every_seeded_deviation",
    "test_fuzzing_the_mock_and_its_contract_profile_finds_nothing",
    "test_default_run_on_the_faithful_mock_is_clean",
    "test_a_full_default_run_writes_to_nothing_it_did_not_create",
    "test_a_contract_literal_server_passes_the_contract_profile",
    "test_the_baseline_gate_fails_only_on_what_is_new",
    "test_four_workers_overlap_on_a_clean_server_with_a_clean_verdict_and_the_same_names",
    "test_a_run_through_injected_faults_ends_cleanly",
    "test_under_xdist_each_scenario_runs_once",
    "test_two_shards_merged_do_what_one_run_does",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = getattr(item, "originalname", item.name)
        if name in LONGEST_FIRST:
            return LONGEST_FIRST.index(name)
        return len(LONGEST_FIRST) + (0 if item.get_closest_marker("slow") else 1)

    items.sort(key=rank)  # stable: the order within each rank is kept


# --- CPU per test -------------------------------------------------------------------------------
# On a shared 2-core machine wall times move with everybody's load; the CPU a test used (its
# process, its threads, and the subprocesses it waited for) is what adding or cutting work
# changes. ``--cpu-durations N`` lists the N tests that used the most, beside --durations.

_CPU_STARTED = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-durations", type=int, default=None, metavar="N",
                     help="list the N tests that used the most CPU (their process, threads and waited-for children)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("cpu_durations") is not None:
        config.pluginmanager.register(CpuLedger(config.getoption("cpu_durations")), "pcc-cpu-ledger")


def _cpu_seconds() -> float:
    import resource

    import cli_process

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # the CLI runs forked by tests/cli_process.py are children of its server, not of this process
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + cli_process.forked_cpu_seconds()


class CpuLedger:
    """Measures each test where it runs (an xdist worker), reads the figures where the reports
    arrive (the controller), and lists the largest in the terminal summary."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.spent: dict[str, float] = {}

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        item.stash[_CPU_STARTED] = _cpu_seconds()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.when == "teardown" and _CPU_STARTED in item.stash:  # setup, call and teardown together
            report.user_properties.append(("cpu_seconds", round(_cpu_seconds() - item.stash[_CPU_STARTED], 2)))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            for name, value in report.user_properties:
                if name == "cpu_seconds":  # summed: some plugins give several items one node id
                    self.spent[report.nodeid] = self.spent.get(report.nodeid, 0.0) + value

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        total = sum(self.spent.values())
        terminalreporter.section(f"most CPU (top {self.count} of {len(self.spent)} tests; {total:.0f} s in all)")
        for nodeid, seconds in sorted(self.spent.items(), key=lambda item: -item[1])[:self.count]:
            terminalreporter.write_line(f"{seconds:8.2f}s  {nodeid}")
