"""Waits that end as soon as waiting cannot help: backoff from milliseconds, an early end on an
answer that cannot mean "still in progress", and one --wait, not one per scenario, for a
server that never makes an index ready."""

from __future__ import annotations

import json
import threading
import time

import cli_process
import pytest

from pinecone_conformance.conformance.scenarios.base import Scenario, wait_ready
from pinecone_conformance.conformance.session import FIRST_POLL, Reply, RunState, eventually


def _reply(status=200, body=None, conforms=True) -> Reply:
    return Reply(operation_id="describe_index", status=status, headers={}, body=body, text=json.dumps(body),
                 request="curl ...", conforms=conforms)


def test_polling_backs_off_from_milliseconds_to_the_interval():
    calls = []
    started = time.monotonic()

    def probe():
        calls.append(time.monotonic() - started)
        return len(calls)

    reached, last = eventually(probe, lambda n: n >= 6, wait=30, interval=0.4)
    assert reached and last == 6
    gaps = [b - a for a, b in zip(calls, calls[1:], strict=False)]
    assert gaps[0] < 0.2 and gaps[0] >= FIRST_POLL * 0.9  # the first pause is short
    assert all(later >= earlier * 0.9 for earlier, later in zip(gaps, gaps[1:], strict=False))  # it grows
    assert max(gaps) <= 0.4 + 0.1  # never past the interval


@pytest.mark.parametrize("answer", [
    _reply(500, {"error": {"code": "UNKNOWN", "message": "boom"}, "status": 500}),
    _reply(200, {"name": "x", "status": {"state": "Initializing", "ready": False}}, conforms=False),
    _reply(200, {"name": "x", "status": {"state": "Ready", "ready": False}}),  # a contradiction
    _reply(404, {"error": {"code": "NOT_FOUND", "message": "gone"}, "status": 404}),
])
def test_a_wait_ends_at_once_on_an_answer_that_cannot_mean_in_progress(answer):
    probes = []

    def probe():
        probes.append(1)
        return answer

    from pinecone_conformance.conformance.scenarios.base import _still_coming_up

    started = time.monotonic()
    reached, last = eventually(probe, lambda r: r.field("status", "ready") is True, wait=30, interval=5,
                               working=_still_coming_up)
    assert not reached and last is answer and len(probes) == 1
    assert time.monotonic() - started < 1


class _State:
    """Just what wait_ready reads and writes."""

    def __init__(self, wait):
        from types import SimpleNamespace

        self.config = SimpleNamespace(wait=wait, poll_interval=0.05, seed=1, secrets=(), prefix="pcc-test")
        self._gave_up = {}
        self._lock = threading.Lock()
        self.recorded = []

    give_up_waiting, gave_up_on = RunState.give_up_waiting, RunState.gave_up_on
    never_ready = RunState.never_ready

    def ran(self, operation, check):
        pass

    def record(self, finding):
        self.recorded.append(finding)

    class validator:  # noqa: N801 (a stand-in for the response validator)
        @staticmethod
        def response_pointer(operation, status):
            return "#/paths"


class _Client:
    def __init__(self, answer):
        self.answer, self.calls = answer, 0

    def call(self, *args, **kwargs):
        self.calls += 1
        return self.answer


def test_an_index_that_never_becomes_ready_costs_one_wait_then_stops_the_others():
    from pinecone_conformance.conformance.scenarios.base import ScenarioAbort, ScenarioNotRun

    state = _State(wait=0.6)
    stuck = _Client(_reply(200, {"name": "i", "status": {"state": "Initializing", "ready": False}}))
    first = Scenario(client=stuck, state=state, name="first")
    with pytest.raises(ScenarioAbort):
        wait_ready(first, "i")
    assert [f.check for f in state.recorded] == ["index_becomes_ready"]
    assert "not within" in state.recorded[0].message and state.never_ready
    calls = stuck.calls
    second = Scenario(client=stuck, state=state, name="second")
    with pytest.raises(ScenarioNotRun, match="never became ready"):
        wait_ready(second, "j")
    assert stuck.calls == calls  # the second scenario did not wait at all


def test_two_scenarios_that_give_up_at_the_same_moment_report_it_once():
    """Side by side (--scenario-workers), a second scenario can reach its own deadline while the
    first is still recording its finding: it must not report the same server fault again."""
    from pinecone_conformance.conformance.scenarios.base import ScenarioAbort, ScenarioNotRun

    state = _State(wait=0.2)
    stuck = _Client(_reply(200, {"name": "i", "status": {"state": "Initializing", "ready": False}}))
    second_ended = []

    def record(finding):
        state.recorded.append(finding)
        if len(state.recorded) == 1:  # the second gives up while the first records its finding
            with pytest.raises((ScenarioAbort, ScenarioNotRun)) as ended:
                wait_ready(Scenario(client=stuck, state=state, name="second"), "j")
            second_ended.append(ended.type)

    state.record = record
    with pytest.raises(ScenarioAbort):
        wait_ready(Scenario(client=stuck, state=state, name="first"), "i")
    assert [f.check for f in state.recorded] == ["index_becomes_ready"]
    assert second_ended == [ScenarioNotRun]


def test_a_broken_describe_ends_the_wait_with_the_finding_that_says_why():
    state = _State(wait=30)
    broken = _Client(_reply(500, {"error": {"code": "UNKNOWN", "message": "boom"}, "status": 500}))
    from pinecone_conformance.conformance.scenarios.base import ScenarioAbort

    started = time.monotonic()
    with pytest.raises(ScenarioAbort):
        wait_ready(Scenario(client=broken, state=state, name="s"), "i")
    assert time.monotonic() - started < 2 and broken.calls == 1
    assert "stopped waiting" in state.recorded[0].message
    assert not state.never_ready  # an early end says nothing about the next index


@pytest.mark.slow
def test_a_server_whose_indexes_never_become_ready_is_reported_once(tmp_path):
    done = cli_process.run(["run", "--deviation", "index-never-ready",
                            "--profile", "production", "--phase", "scenarios", "--wait", "3", "--seed", "2",
                            "-o", str(tmp_path), "--no-progress"], timeout=600)
    assert done.returncode == 1, done.stderr[-2000:]
    groups = json.loads((tmp_path / "findings.json").read_text())["groups"]
    assert sum(g["count"] for g in groups if g["check"] == "index_becomes_ready") == 1
    not_run = json.loads((tmp_path / "run.json").read_text())["not_run"]
    assert len(not_run) >= 3 and all("never became ready" in why for why in not_run.values())


def test_a_configure_never_applied_costs_one_wait_per_run():
    """describe is polled for a configure's change up to --wait; once one was never applied, the
    run's later configures read describe once (a broken server costs one wait, not one each)."""
    from pinecone_conformance.conformance.scenarios.base import described_after_configure, showing
    from pinecone_conformance.conformance.session import CONFIGURED

    state = _State(wait=0.5)
    old = _Client(_reply(200, {"name": "i", "deletion_protection": "disabled"}))
    first, second = Scenario(client=old, state=state, name="first"), Scenario(client=old, state=state, name="second")
    started = time.monotonic()
    assert described_after_configure(first, "i", showing({"deletion_protection": "enabled"})).field(
        "deletion_protection") == "disabled"  # the last answer, for the caller to judge
    assert time.monotonic() - started >= 0.5 and old.calls > 2
    assert "not applied within 0.5s" in state.gave_up_on(CONFIGURED)
    calls, started = old.calls, time.monotonic()
    described_after_configure(second, "i", showing({"deletion_protection": "enabled"}))
    assert old.calls == calls + 1 and time.monotonic() - started < 0.2
    applied = _Client(_reply(200, {"name": "j", "deletion_protection": "enabled"}))
    assert described_after_configure(Scenario(client=applied, state=_State(wait=5), name="third"), "j",
                                     showing({"deletion_protection": "enabled"})) is applied.answer
    assert applied.calls == 1  # applied at once: no wait at all
