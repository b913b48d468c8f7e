"""The stateless phases of a process's operation tests run in one engine run, and each error
fails exactly the test of the operation it names (conformance.test_conformance.StatelessRun)."""

from __future__ import annotations

import threading

import pytest

from pinecone_conformance.conformance import fuzz
from pinecone_conformance.conformance.test_conformance import StatelessRun
from pinecone_conformance.core.findings import Finding


class _State:
    """What StatelessRun reads of the run's state: the errors recorded, in order."""

    def __init__(self):
        self._errors: list[Finding] = []
        self.lock = threading.Lock()

    def store_errors(self):
        return list(self._errors)

    def record(self, finding):
        if finding.severity == "error":
            self._errors.append(finding)


def _error(operation, check="status_code_conformance", **details):
    return Finding(check=check, kind="status-code", severity="error", operation=operation, message=f"on {operation}",
                   details=details)


def _fake_engine(calls, recorded, returned=(), fatal=None):
    def run_engine(schema, state, *, operation_ids=None, phases=None, max_examples=None):
        calls.append((tuple(operation_ids), tuple(phases)))
        for finding in recorded:  # what the observer records while the engine runs
            state.record(finding)
        return fuzz.EngineResult(findings=list(returned), scenarios=len(operation_ids), fatal=fatal)
    return run_engine


def test_one_engine_run_serves_every_operation_and_each_error_fails_its_own_test(monkeypatch):
    calls = []
    recorded = [_error("create_index"), _error("describe_index"), _error("create_index", check="error_body"),
                _error(None, check="network_error"), _error("create_index", scenario="x")]
    monkeypatch.setattr(fuzz, "run_engine", _fake_engine(calls, recorded, returned=[_error("list_indexes")]))
    run = StatelessRun(_State(), object(), ["list_indexes", "create_index", "describe_index"], ["examples", "coverage"])

    first = run.outcome("list_indexes")
    assert calls == [(("list_indexes", "create_index", "describe_index"), ("examples", "coverage"))]
    # its own error, plus the one that names no operation of the run
    assert sorted((f.check, f.operation or "") for f in first) == [("network_error", ""), ("status_code_conformance", "list_indexes")]
    assert [f.check for f in run.outcome("create_index")] == ["status_code_conformance", "error_body"]  # not the scenario's
    assert [f.operation for f in run.outcome("describe_index")] == ["describe_index"]
    assert len(calls) == 1  # the engine ran once
    assert run.outcome("create_index") == []  # an error is reported once


def test_errors_recorded_before_the_engine_ran_are_not_its(monkeypatch):
    state = _State()
    state.record(_error("create_index"))  # an earlier test's
    monkeypatch.setattr(fuzz, "run_engine", _fake_engine([], []))
    run = StatelessRun(state, object(), ["create_index"], ["fuzzing"])
    assert run.outcome("create_index") == []


def test_a_crashed_engine_run_is_not_started_again_for_each_operation(monkeypatch):
    calls = []

    def crashing(*args, **kwargs):
        calls.append(1)
        raise ValueError("a bug")

    monkeypatch.setattr(fuzz, "run_engine", crashing)
    run = StatelessRun(_State(), object(), ["list_indexes", "create_index"], ["examples"])
    with pytest.raises(ValueError):
        run.outcome("list_indexes")
    with pytest.raises(RuntimeError, match="crashed in an earlier test"):
        run.outcome("create_index")
    assert calls == [1]


def test_a_fatal_engine_error_is_kept_for_every_operation(monkeypatch):
    monkeypatch.setattr(fuzz, "run_engine", _fake_engine([], [], fatal="SchemaError: broken"))
    run = StatelessRun(_State(), object(), ["list_indexes", "create_index"], ["examples"])
    run.outcome("list_indexes")
    assert run.fatal == "SchemaError: broken"
    run.outcome("create_index")
    assert run.fatal == "SchemaError: broken"


def _observed(tmp_path, *options):
    import json

    import cli_process

    done = cli_process.run(["run", "--seed", "3", "--phase", "examples",
                            "--operation", "list_indexes", "--operation", "list_collections", "--operation", "describe_index",
                            "--no-progress", "-o", str(tmp_path), *options], timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((tmp_path / "run.json").read_text())["observed_statuses"]


def test_with_two_workers_each_operation_is_tested_once_not_once_per_worker(tmp_path):
    """Each of the run's processes (--workers) tests its share of the operations, not all of them."""
    alone = _observed(tmp_path / "alone", "--workers", "1")
    two = _observed(tmp_path / "two", "--workers", "2")
    tested = ("list_indexes", "list_collections", "describe_index")
    assert all(alone.get(op) for op in tested)
    # One engine run over several operations may send more examples than one per operation (it
    # reuses what earlier answers said), never fewer; had each worker run the engine over every
    # operation it collected, each operation would have been tested twice.
    requests = {op: sum(two[op].values()) for op in tested}
    assert all(0 < requests[op] <= sum(alone[op].values()) for op in tested), (requests, alone)
    assert sum(requests.values()) < sum(sum(alone[op].values()) for op in tested) * 2


def test_engine_threads_change_timing_not_what_is_sent(tmp_path):
    """Against a server the stateless phases may test operations side by side (--engine-threads,
    2 by default against a remote URL): the same requests per operation and status as one at a
    time, and a clean verdict on the faithful mock."""
    import json

    import cli_process

    from pinecone_conformance.mockserver.app import create_app
    from pinecone_conformance.mockserver.serve import serve_in_thread

    def observed(name, threads):
        with serve_in_thread(create_app(api_key="k")) as base_url:
            done = cli_process.run(
                ["run", "--base-url", base_url, "--api-key", "k",
                 "--seed", "2", "--phase", "examples", "--phase", "coverage",
                 "--engine-threads", str(threads),
                 "--operation", "create_backup", "--operation", "describe_index", "--operation", "list_indexes",
                 "--operation", "create_collection", "--no-progress", "-o", str(tmp_path / name)], timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        record = json.loads((tmp_path / name / "run.json").read_text())
        assert record["options"]["engine_threads"] == threads
        return record["observed_statuses"]

    one, two = observed("one", 1), observed("two", 2)
    assert sum(one["create_collection"].values()) > 20 and sum(one["create_backup"].values()) > 20  # coverage ran
    assert two == one
