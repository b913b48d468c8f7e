"""Fault injection: seeded 429/502/503/504 answers, Retry-After in both forms, latency, resets.

Faults are decided before routing, so a faulted request never changes state; on loopback a
reset is a real TCP reset (httpx sees a transport error, never a 500).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import local_http
import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.faults import (
    ConnectionDropped,
    Fault,
    FaultPlan,
    parse_duration,
    parse_fault,
)
from pinecone_conformance.mockserver.serve import serve_in_thread
from pinecone_conformance.mockserver.settings import MockSettings
from pinecone_conformance.mockserver.testing import CheckedClient, serverless

HEADERS = {"Api-Key": "test-key", "X-Pinecone-Api-Version": "2026-04"}
CLI = str(Path(sys.executable).with_name("pinecone-conformance"))


def _statuses(plan: FaultPlan, count: int = 200) -> list[int]:
    client = CheckedClient(create_app(faults=plan), check=False)
    return [client.get("/indexes").status_code for _ in range(count)]


def test_faults_are_seeded_and_reproducible():
    plan = FaultPlan(faults=(Fault(429, 0.2), Fault(503, 0.1)), seed=42)
    first, second = _statuses(plan), _statuses(plan)
    assert first == second
    assert set(first) == {200, 429, 503}
    assert 20 <= first.count(429) <= 60 and 5 <= first.count(503) <= 40
    assert _statuses(FaultPlan(faults=plan.faults, seed=43)) != first


def test_every_gateway_status_can_be_injected_with_an_error_body():
    for status in (429, 502, 503, 504):
        client = CheckedClient(create_app(faults=FaultPlan(faults=(Fault(status, 1.0),), seed=1)), check=False)
        response = client.get("/indexes")
        assert response.status_code == status
        body = response.json()
        assert body["status"] == status and body["error"]["message"]
        assert response.headers["content-type"].startswith("application/json")


def test_429_carries_retry_after_alternating_seconds_and_http_date():
    client = CheckedClient(create_app(faults=FaultPlan(faults=(Fault(429, 1.0),), seed=1)), check=False)
    values = [client.get("/indexes").headers["retry-after"] for _ in range(6)]
    seconds, dates = values[0::2], values[1::2]
    assert seconds == ["0", "1", "0"]
    for value in dates:
        ahead = parsedate_to_datetime(value).timestamp() - time.time()
        assert -1.5 <= ahead <= 1.5, value  # an HTTP-date about a second ahead (1 s resolution)
    assert client.get("/indexes").headers["retry-after"].isdigit()


def test_other_faults_carry_no_retry_after():
    client = CheckedClient(create_app(faults=FaultPlan(faults=(Fault(503, 1.0),), seed=1)), check=False)
    assert "retry-after" not in client.get("/indexes").headers


def test_a_faulted_request_never_changes_state():
    plan = FaultPlan(faults=(Fault(503, 0.5),), reset=0.2, seed=5)
    app = create_app(faults=plan)
    client = CheckedClient(app, check=False)
    created, refused, dropped = [], 0, 0
    for number in range(60):
        try:
            response = client.post("/indexes", json=serverless(f"f-{number}"))
        except ConnectionDropped:
            dropped += 1
            continue
        if response.status_code == 201:
            created.append(f"f-{number}")
        else:
            assert response.status_code == 503
            refused += 1
    assert refused and dropped and created
    app.faults = type(app.faults)(FaultPlan())  # look at the state without faults
    listed = sorted(i["name"] for i in client.get("/indexes").json()["indexes"])
    assert listed == sorted(created)


def test_latency_delays_every_answer():
    client = CheckedClient(create_app(faults=FaultPlan(latency=0.05)))
    started = time.monotonic()
    for _ in range(4):
        assert client.get("/indexes").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_reset_in_process_raises_connection_reset():
    client = CheckedClient(create_app(faults=FaultPlan(reset=1.0, seed=1)))
    with pytest.raises(ConnectionResetError):
        client.get("/indexes")


def test_reset_on_loopback_is_a_transport_error_not_a_500():
    app = create_app(settings=MockSettings(faults=FaultPlan(reset=0.5, seed=3)))
    outcomes = []
    with serve_in_thread(app) as url:
        for _ in range(30):
            try:
                with local_http.Client(base_url=url, headers=HEADERS, timeout=5) as client:
                    outcomes.append(client.post("/indexes", json=serverless(f"r-{len(outcomes)}")).status_code)
            except httpx.TransportError as error:
                assert isinstance(error, (httpx.ReadError, httpx.RemoteProtocolError)), repr(error)
                outcomes.append("reset")
        assert "reset" in outcomes and 201 in outcomes
        assert set(outcomes) <= {201, "reset"}  # never a 500, never a partial answer
        app.faults = type(app.faults)(FaultPlan())
        with local_http.Client(base_url=url, headers=HEADERS, timeout=5) as client:
            listed = client.get("/indexes").json()["indexes"]
    assert len(listed) == outcomes.count(201)


def test_plans_and_flags_are_validated():
    assert parse_fault("429:0.2") == Fault(429, 0.2)
    assert parse_duration("50ms") == 0.05 and parse_duration("0.2s") == 0.2 and parse_duration("1") == 1.0
    for bad in ("429", "429:x", "abc:0.1", ""):
        with pytest.raises(ValueError, match="STATUS:PROBABILITY"):
            parse_fault(bad)
    with pytest.raises(ValueError, match="duration"):
        parse_duration("fast")
    for plan in (dict(faults=(Fault(500, 0.1),)), dict(faults=(Fault(429, 1.5),)), dict(reset=-0.1),
                 dict(faults=(Fault(429, 0.6), Fault(503, 0.5))), dict(latency=-1.0)):
        with pytest.raises(ValueError):
            FaultPlan(**plan)
    assert not FaultPlan().active and FaultPlan(latency=0.01).active


@pytest.mark.parametrize("flags", [["--fault", "500:0.1"], ["--fault", "429"], ["--latency", "soon"],
                                   ["--reset", "2"], ["--fault", "429:0.7", "--fault", "503:0.7"]])
def test_bad_fault_flags_are_exit_2_with_one_line(flags):
    result = subprocess.run([CLI, "mock", "--port", "0", *flags], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pinecone-conformance: error:")


@pytest.mark.slow
def test_mock_command_injects_faults_reproducibly():
    def run_once() -> list[int | str]:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        process = subprocess.Popen(
            [CLI, "mock", "--port", str(port), "--fault", "429:0.3", "--fault", "503:0.2", "--reset", "0.1",
             "--latency", "5ms", "--fault-seed", "9"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PINECONE_API_KEY": ""})
        try:
            deadline = time.monotonic() + 20
            while True:  # wait for the port without sending a request (that would consume a draw)
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()
                time.sleep(0.1)
            seen: list[int | str] = []
            for _ in range(25):
                try:
                    seen.append(local_http.get(f"http://127.0.0.1:{port}/indexes", headers=HEADERS, timeout=5).status_code)
                except httpx.TransportError:
                    seen.append("reset")
            return seen
        finally:
            process.terminate()
            process.wait(timeout=10)

    first = run_once()
    assert {429, 503, "reset", 200} <= set(first) and set(first) <= {200, 429, 503, "reset"}
    assert run_once() == first
