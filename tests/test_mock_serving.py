"""The mock over real sockets: concurrency, keep-alive safety, and the ``mock`` command."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import local_http
import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread
from pinecone_conformance.mockserver.testing import CheckedClient, serverless

HEADERS = {"Api-Key": "test-key", "X-Pinecone-Api-Version": "2026-04", "Content-Type": "application/json"}
CLI = str(Path(sys.executable).with_name("pinecone-conformance"))


@pytest.fixture(scope="module")
def base_url():
    with serve_in_thread(create_app()) as url:
        yield url


def test_concurrent_creates_and_deletes_stay_consistent(base_url):
    names = [f"conc-{i % 5}" for i in range(40)]

    def create(name):
        with local_http.Client(base_url=base_url, headers=HEADERS) as client:
            return name, client.post("/indexes", json=serverless(name)).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create, names))
    created = [name for name, status in results if status == 201]
    assert sorted(created) == [f"conc-{i}" for i in range(5)]  # exactly one winner per name
    assert all(status in (201, 409) for _, status in results)
    client = CheckedClient(base_url=base_url)
    listed = [i["name"] for i in client.get("/indexes").json()["indexes"] if i["name"].startswith("conc-")]
    assert sorted(listed) == sorted(created)

    def delete(name):
        with local_http.Client(base_url=base_url, headers=HEADERS) as c:
            return c.delete(f"/indexes/{name}").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(delete, names))
    assert sorted(statuses).count(202) >= 5 and set(statuses) <= {202, 404}
    assert not [i for i in client.get("/indexes").json()["indexes"] if i["name"].startswith("conc-")]


def test_error_then_request_on_the_same_keep_alive_connection(base_url):
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    big = json.dumps({"name": "BAD NAME", "padding": "x" * 200_000}).encode()
    for headers, body, expected in (
        ({k: v for k, v in HEADERS.items() if k != "Api-Key"}, big, 401),  # refused before the body matters
        (HEADERS, big, 422),  # no spec: cannot be deserialised
        (HEADERS, b"{not json" + b" " * 70_000, 400),
        (HEADERS, json.dumps(serverless("keepalive")).encode(), 201),
    ):
        connection.request("POST", "/indexes", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == expected
        assert not response.will_close
    connection.request("GET", "/indexes/keepalive", headers=HEADERS)
    response = connection.getresponse()
    assert response.status == 200 and json.loads(response.read())["name"] == "keepalive"
    connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mock_command_serves_on_loopback():
    port = _free_port()
    process = subprocess.Popen([CLI, "mock", "--port", str(port), "--api-key", "cli-key", "--deviation", "configure-200"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PINECONE_API_KEY": ""})
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = local_http.get(f"http://127.0.0.1:{port}/indexes", headers={"Api-Key": "cli-key"}, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "the mock command did not start"
                time.sleep(0.1)
        assert response.status_code == 200 and response.json() == {"indexes": []}
        assert local_http.get(f"http://127.0.0.1:{port}/indexes", headers={"Api-Key": "test-key"}).status_code == 401
        with socket.socket() as sock:  # loopback only: the port is bound to 127.0.0.1, not 0.0.0.0
            sock.settimeout(1)
            addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1", "127.0.1.1"}
            for address in addresses:
                assert sock.connect_ex((address, port)) != 0
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_list_deviations_prints_an_aligned_table():
    result = subprocess.run([CLI, "mock", "--list-deviations"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    from pinecone_conformance.mockserver.deviations import CATALOG

    assert len(lines) == len(CATALOG) + 1 and lines[0].split() == ["NAME", "CATEGORY", "DESCRIPTION"]
    columns = {line.index(line.split()[1], len(line.split()[0])) for line in lines}
    assert len(columns) == 1  # the category column starts at the same offset on every line
    for name, deviation in CATALOG.items():
        assert any(line.split()[:2] == [name, deviation.category] for line in lines)


def test_unknown_deviation_is_exit_2_with_one_line():
    result = subprocess.run([CLI, "mock", "--deviation", "no-such-thing", "--port", str(_free_port())],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["pinecone-conformance: error: unknown deviation: no-such-thing"]


def test_mock_command_listens_on_the_host_given():
    port = _free_port()
    process = subprocess.Popen([CLI, "mock", "--host", "127.0.0.2", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PINECONE_API_KEY": ""})
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = local_http.get(f"http://127.0.0.2:{port}/indexes", headers={"Api-Key": "test-key"}, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "the mock command did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        with socket.socket() as sock:  # only the address asked for
            sock.settimeout(1)
            assert sock.connect_ex(("127.0.0.1", port)) != 0
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "serving on http://127.0.0.2:" in process.stderr.read().decode()


def test_serve_in_thread_takes_a_host():
    with serve_in_thread(create_app(), host="127.0.0.3") as url:
        assert url.startswith("http://127.0.0.3:")
        assert local_http.get(url + "/indexes", headers={"Api-Key": "test-key"}).status_code == 200


@pytest.mark.parametrize("host", ["no-such-host.invalid", "256.1.1.1"])
def test_mock_command_refuses_a_host_it_cannot_listen_on(host):
    result = subprocess.run([CLI, "mock", "--host", host, "--port", str(_free_port())],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pinecone-conformance: error: cannot listen on {host}:")
