"""A write whose path has dot segments is not sent: a client or proxy could resolve them after
the gate judged the path, and the request would reach another resource."""

from __future__ import annotations

import pytest

from pinecone_conformance.conformance.gate import SKIPPED_STATUS, BudgetLedger, Gate, is_skipped
from pinecone_conformance.conformance.safety import SafetyPolicy
from pinecone_conformance.spec.loader import load, operations

PREFIX = "pcc-abcd1234"


class Upstream:
    """Records what reaches it; answers 202."""

    def __init__(self):
        self.seen = []

    def call(self, method, raw_path, query, headers, body):
        from pinecone_conformance.conformance.gate import Answer

        self.seen.append((method, raw_path))
        return Answer(202, [], b"")


@pytest.fixture
def gate_and_upstream():
    upstream = Upstream()
    gate = Gate(upstream, policy=SafetyPolicy(run_prefix=PREFIX), operations=operations(load().raw),
                ledger=BudgetLedger(None, None), sleep=lambda seconds: None)
    return gate, upstream


@pytest.mark.parametrize("path", [
    f"/indexes/{PREFIX}-one/..", f"/indexes/{PREFIX}-one/../somebody", "/indexes/..", "/indexes/.",
    "/indexes/%2e%2e", f"/indexes/{PREFIX}-one/%2E%2E/other", "/collections/../indexes/somebody",
])
@pytest.mark.parametrize("method", ["DELETE", "PATCH", "POST", "PUT"])
def test_writes_with_dot_segments_are_not_sent(gate_and_upstream, method, path):
    gate, upstream = gate_and_upstream
    answer = gate.exchange(method, path.encode(), b"", [], b"{}")
    assert answer.status == SKIPPED_STATUS and is_skipped(dict((k.decode(), v.decode()) for k, v in answer.headers))
    assert upstream.seen == []


def test_reads_and_ordinary_writes_still_go_through(gate_and_upstream):
    gate, upstream = gate_and_upstream
    assert gate.exchange("GET", b"/indexes/..", b"", [], b"").status == 202  # a read changes nothing
    assert gate.exchange("DELETE", f"/indexes/{PREFIX}-one".encode(), b"", [], b"").status == 202
    assert gate.exchange("DELETE", f"/indexes/{PREFIX}-a.b".encode(), b"", [], b"").status == 202
    assert [method for method, _ in upstream.seen] == ["GET", "DELETE", "DELETE"]
