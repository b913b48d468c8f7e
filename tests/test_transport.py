"""The suite's direct ways into the gate (conformance/transport.py) and the gate's synchronous path.

What must hold: the mock's synchronous entry gives the very bytes its ASGI interface gives;
the gate's rules (safety, budget, retries, failures) apply the same whether it is driven
synchronously or as a coroutine; Schemathesis's cases reach the server only through the gate,
with the request Schemathesis reports being the one the server received.
"""

from __future__ import annotations

import json

import anyio
import pytest
import requests
import schemathesis

from pinecone_conformance.conformance.gate import (
    BUDGET,
    SKIPPED_STATUS,
    Answer,
    AsgiUpstream,
    BudgetLedger,
    Gate,
    TransportFailure,
    is_skipped,
)
from pinecone_conformance.conformance.safety import SafetyPolicy
from pinecone_conformance.conformance.transport import (
    GateTransport,
    gate_http_client,
    route_through_gate,
    wire_request,
)
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.faults import Fault, FaultPlan
from pinecone_conformance.spec.loader import load, operations

KEY = "test-key"
PREFIX = "pcc-abcd1234"
HEADERS = [(b"api-key", KEY.encode()), (b"x-pinecone-api-version", b"2026-04"),
           (b"content-type", b"application/json")]
CREATE = json.dumps({"name": f"{PREFIX}-one", "dimension": 8, "metric": "cosine",
                     "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}).encode()


def _gate(upstream, **kwargs) -> Gate:
    return Gate(upstream, policy=SafetyPolicy(run_prefix=PREFIX), operations=operations(load().raw),
                ledger=kwargs.pop("ledger", BudgetLedger(None, None)), sleep=lambda seconds: None, **kwargs)


def _asgi(app, method, path, query=b"", headers=HEADERS, body=b"") -> Answer:
    return anyio.run(AsgiUpstream(app).send, method, path, query, list(headers), body)


@pytest.mark.parametrize(("method", "path", "query", "body"), [
    ("POST", b"/indexes", b"", CREATE),
    ("GET", b"/indexes/pcc-abcd1234-one", b"", b""),
    ("GET", b"/indexes/nobody", b"", b""),
    ("POST", b"/indexes", b"", b"{not json"),
    ("GET", b"/backups", b"limit=1000000", b""),
    ("DELETE", b"/collections", b"", b""),
    ("GET", b"/nowhere", b"", b""),
])
def test_the_mocks_synchronous_entry_answers_what_its_asgi_interface_answers(method, path, query, body):
    by_asgi, direct = create_app(KEY), create_app(KEY)
    if method == "GET" and path.startswith(b"/indexes/pcc"):
        for app in (by_asgi, direct):
            assert app.respond("POST", b"/indexes", b"", HEADERS, CREATE)[0] == 201
    expected = _asgi(by_asgi, method, path, query, body=body)
    status, headers, content = direct.respond(method, path, query, HEADERS, body)
    assert (status, headers) == (expected.status, expected.headers)
    assert _without_host(content) == _without_host(expected.body)  # a new index's host is random
    assert status != 500


def _without_host(body: bytes):
    try:
        value = json.loads(body)
    except ValueError:
        return body
    if isinstance(value, dict):
        value.pop("host", None)
    return value


def test_the_mocks_synchronous_entry_keeps_its_faults():
    app = create_app(KEY, faults=FaultPlan(faults=(Fault(503, 1.0),), seed=1))
    assert app.respond("GET", b"/indexes", b"", HEADERS, b"")[0] == 503
    dropping = create_app(KEY, faults=FaultPlan(reset=1.0, seed=1))
    with pytest.raises(TransportFailure, match="reset"):
        AsgiUpstream(dropping).call("GET", b"/indexes", b"", HEADERS, b"")


class _Flaky:
    """Fails the first ``failures`` calls (503 with Retry-After 0), then answers 200; both ways."""

    def __init__(self, failures: int, reset: bool = False):
        self.failures, self.reset, self.calls = failures, reset, 0

    def call(self, method, raw_path, query, headers, body):
        self.calls += 1
        if self.calls <= self.failures:
            if self.reset:
                raise TransportFailure("connection reset")
            return Answer(503, [(b"retry-after", b"0")], b"{}")
        return Answer(200, [(b"content-type", b"application/json")], b'{"indexes": []}')

    async def send(self, *args):
        return self.call(*args)


@pytest.mark.parametrize("way", ["sync", "async"])
def test_both_ways_through_the_gate_apply_the_same_rules(way):
    def through(gate, *args):
        return gate.exchange(*args) if way == "sync" else anyio.run(gate.pass_through, *args)

    upstream = _Flaky(2)
    gate = _gate(upstream)
    assert through(gate, "GET", b"/indexes", b"", [], b"").status == 200
    assert upstream.calls == 3 and gate.counters.retried == 2 and gate.counters.sent == 3

    refused = through(gate, "DELETE", b"/indexes/somebody-elses", b"", [], b"")
    assert refused.status == SKIPPED_STATUS and upstream.calls == 3  # not sent

    hopeless = _gate(_Flaky(100, reset=True))
    with pytest.raises(TransportFailure):
        through(hopeless, "GET", b"/indexes", b"", [], b"")
    assert hopeless.upstream.calls == 4 and hopeless.counters.transport_failures == 1

    spent = _gate(_Flaky(0), ledger=BudgetLedger(None, 1))
    assert through(spent, "GET", b"/indexes", b"", [], b"").status == 200
    skipped = through(spent, "GET", b"/indexes", b"", [], b"")
    assert skipped.status == SKIPPED_STATUS and spent.counters.skipped[BUDGET] == 1


def test_an_unlimited_budget_counts_in_process_and_a_limited_one_in_its_file(tmp_path):
    unlimited = BudgetLedger(tmp_path / "count", None)
    assert all(unlimited.take() for _ in range(5)) and unlimited.used() == 5
    assert not (tmp_path / "count").exists() and not unlimited.exhausted
    limited = BudgetLedger(tmp_path / "shared", 3)
    assert [limited.take() for _ in range(4)] == [True, True, True, False]
    assert (tmp_path / "shared").read_text() == "3" and BudgetLedger(tmp_path / "shared", 3).exhausted


def test_a_generic_asgi_application_is_served_synchronously_on_one_loop():
    loops = set()

    async def app(scope, receive, send):
        import asyncio

        loops.add(id(asyncio.get_running_loop()))
        await receive()
        await send({"type": "http.response.start", "status": 418, "headers": [(b"x-path", scope["raw_path"])]})
        await send({"type": "http.response.body", "body": b"teapot"})

    upstream = AsgiUpstream(app)
    answers = [upstream.call("GET", b"/indexes/a%2Fb", b"", [], b"") for _ in range(3)]
    assert {(a.status, a.body) for a in answers} == {(418, b"teapot")}
    assert answers[0].headers == [(b"x-path", b"/indexes/a%2Fb")] and len(loops) == 1


def test_the_httpx_client_goes_through_the_gate():
    gate = _gate(AsgiUpstream(create_app(KEY)))
    client = gate_http_client(gate, "http://embedded-mock")
    headers = {"Api-Key": KEY, "X-Pinecone-Api-Version": "2026-04"}
    created = client.post("/indexes", content=CREATE, headers={**headers, "Content-Type": "application/json"})
    assert created.status_code == 201 and created.json()["name"] == f"{PREFIX}-one"
    assert client.get(f"/indexes/{PREFIX}-one", headers=headers).json()["name"] == f"{PREFIX}-one"
    listed = client.get("/backups", params={"limit": "2"}, headers=headers)
    assert listed.status_code == 200
    refused = client.delete("/indexes/somebody-elses", headers=headers)
    assert refused.status_code == SKIPPED_STATUS and is_skipped(refused.headers) == "safety"
    assert gate.counters.sent == 3 and gate.counters.skipped["safety"] == 1


def _schema(gate):
    schema = schemathesis.openapi.from_dict(load().raw)
    route_through_gate(schema, gate)
    schema.config.update(base_url="http://127.0.0.1:9")
    return schema


def test_schemathesis_cases_reach_the_server_only_through_the_gate():
    seen = []
    mock = create_app(KEY)

    class Recording(AsgiUpstream):
        def call(self, method, raw_path, query, headers, body):
            seen.append((method, raw_path, query, dict(headers), body))
            return super().call(method, raw_path, query, headers, body)

    gate = _gate(Recording(mock))
    schema = _schema(gate)
    assert isinstance(schema.transport, GateTransport) and schema.app is None
    narrowed = schema.include(operation_id=["create_index", "delete_index"])
    assert isinstance(narrowed.transport, GateTransport)  # derived schemas keep the transport

    create = narrowed["/indexes"]["POST"]
    case = create.Case(body=json.loads(CREATE), media_type="application/json",
                       headers={"X-Pinecone-Api-Version": "2026-04"})
    session = requests.Session()
    session.headers = {"Api-Key": KEY}  # as the engine's session carries the configured headers
    response = case.call(session=session)
    assert response.status_code == 201 and response.json()["name"] == f"{PREFIX}-one"
    method, raw_path, query, headers, body = seen[-1]
    assert (method, raw_path, json.loads(body)) == ("POST", b"/indexes", json.loads(CREATE))
    assert headers[b"api-key"] == KEY.encode() and headers[b"content-type"] == b"application/json"
    # what Schemathesis reports as sent is what the server received
    assert wire_request(response.request)[:2] == ("POST", b"/indexes") and response.request.body == body
    assert response.headers["content-type"] == ["application/json"] and response.message == "Created"

    delete = narrowed["/indexes/{index_name}"]["DELETE"]
    refused = delete.Case(path_parameters={"index_name": "somebody-elses"}).call(session=session)
    assert refused.status_code == SKIPPED_STATUS and is_skipped(refused.headers) == "safety"
    assert len(seen) == 1  # the refused one was never sent


def test_a_server_at_a_url_is_reached_with_its_answer_intact_and_failures_as_transport_failures():
    from pinecone_conformance.conformance.gate import HttpUpstream
    from pinecone_conformance.mockserver.serve import serve_in_thread

    with serve_in_thread(create_app(KEY)) as base_url:
        upstream = HttpUpstream(base_url, timeout=10)
        created = upstream.call("POST", b"/indexes", b"", HEADERS + [(b"host", b"ignored"), (b"connection", b"x")], CREATE)
        assert created.status == 201 and json.loads(created.body)["name"] == f"{PREFIX}-one"
        described = upstream.call("GET", f"/indexes/{PREFIX}-one".encode(), b"", HEADERS, b"")
        assert described.status == 200 and (b"content-type", b"application/json") in described.headers
        refused = upstream.call("GET", b"/backups", b"limit=0", HEADERS, b"")
        assert refused.status == 400 and json.loads(refused.body)["status"] == 400
        upstream.close()
    nobody = HttpUpstream("http://127.0.0.1:9", timeout=2)
    with pytest.raises(TransportFailure):
        nobody.call("GET", b"/indexes", b"", HEADERS, b"")
