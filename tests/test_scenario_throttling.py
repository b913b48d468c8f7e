"""A 429 that outlived the gate's retries is throttling, never a deviation of a scenario's check
(the registry's rule for ``throttled``): the scenario ends, not run, and records nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from pinecone_conformance.conformance.scenarios.base import (
    Scenario,
    ScenarioNotRun,
    expect_rejected,
    wait_ready,
)
from pinecone_conformance.conformance.session import Reply

THROTTLED = {"error": {"code": "RESOURCE_EXHAUSTED", "message": "slow down"}, "status": 429}


def _reply(status: int, body: dict) -> Reply:
    return Reply(operation_id="create_index", status=status, headers={}, body=body, text=json.dumps(body),
                 request="curl ...", conforms=True)


class _State:
    def __init__(self):
        self.config = SimpleNamespace(wait=0.2, poll_interval=0.05, seed=1, secrets=(), prefix="pcc-test")
        self.never_ready = ""
        self.recorded = []
        self.validator = SimpleNamespace(response_pointer=lambda operation, status: "#/paths")

    def ran(self, operation, check):
        pass

    def record(self, finding):
        self.recorded.append(finding)


class _Client:
    def __init__(self, answer):
        self.answer = answer

    def call(self, *args, **kwargs):
        return self.answer


def _scenario(answer: Reply) -> tuple[Scenario, _State]:
    state = _State()
    return Scenario(client=_Client(answer), state=state, name="s"), state


def test_a_required_call_still_throttled_ends_the_scenario_without_a_finding():
    s, state = _scenario(_reply(429, THROTTLED))
    with pytest.raises(ScenarioNotRun, match="throttled"):
        s.require(s.client.call("create_index"), range(200, 300), "create_accepted", "create an index")
    assert state.recorded == []


def test_a_429_is_not_taken_for_the_rejection_of_an_invalid_body():
    s, state = _scenario(_reply(429, THROTTLED))
    with pytest.raises(ScenarioNotRun):
        expect_rejected(s, s.client.call("create_index"), "invalid_body_rejected", "a body without a dimension")
    assert state.recorded == []
    s, state = _scenario(_reply(400, {"error": {"code": "INVALID_ARGUMENT", "message": "no"}, "status": 400}))
    assert expect_rejected(s, s.client.call("create_index"), "invalid_body_rejected", "a body without a dimension")


def test_other_failures_are_still_findings():
    s, state = _scenario(_reply(500, {"error": {"code": "UNKNOWN", "message": "boom"}, "status": 500}))
    assert not s.expect(s.client.call("create_index"), range(200, 300), "create_accepted", "create an index")
    assert [f.check for f in state.recorded] == ["create_accepted"]


def test_a_wait_that_ends_on_a_429_does_not_report_the_index_as_never_ready():
    s, state = _scenario(_reply(429, THROTTLED))
    with pytest.raises(ScenarioNotRun):
        wait_ready(s, "pcc-test-i1")
    assert state.recorded == [] and not state.never_ready
