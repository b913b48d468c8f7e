"""CPU per request of each layer between Schemathesis (or a scenario) and the embedded mock.

    python benchmarks/transport_profile.py [--requests N] [--profile LAYER]

The same three requests (a list, a describe that misses, a create with a body the mock
refuses, so the mock's state does not grow), sent N times each through one layer at a time:

- ``mock``: ``MockApp.respond``, the mock's own work;
- ``gate``: ``Gate.exchange`` on the mock (safety, budget, retries, ownership);
- ``schemathesis (ours)``: ``Case.call`` with the schema routed through ``GateTransport``;
- ``schemathesis (ASGI)``: ``Case.call`` with the gate as the schema's ASGI app (what the suite
  did before: a requests session, an ASGI adapter and two hops to an event-loop thread);
- ``scenario client (httpx)``: ``transport.gate_http_client``;
- ``scenario client (TestClient)``: a starlette TestClient around the gate, entered once.

CPU is the process's (every thread: the ASGI path runs half its work on the portal's thread).
``--profile LAYER`` prints the cProfile top functions of that layer (cumulative). A benchmark:
it prints figures and asserts nothing; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
import schemathesis  # noqa: E402

from pinecone_conformance.conformance.gate import AsgiUpstream, BudgetLedger, Gate  # noqa: E402
from pinecone_conformance.conformance.safety import SafetyPolicy  # noqa: E402
from pinecone_conformance.conformance.transport import gate_http_client, route_through_gate  # noqa: E402
from pinecone_conformance.mockserver.app import create_app  # noqa: E402
from pinecone_conformance.spec.loader import load, operations  # noqa: E402

KEY = "bench-key"
PREFIX = "pcc-bench0000"
VERSION = "2026-04"
HEADERS = {"Api-Key": KEY, "X-Pinecone-Api-Version": VERSION}
RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()] + [(b"content-type", b"application/json")]
REFUSED_BODY = {"name": f"{PREFIX}-x", "dimension": 0, "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}


def _gate(raw: dict) -> Gate:
    return Gate(AsgiUpstream(create_app(KEY)), policy=SafetyPolicy(run_prefix=PREFIX), operations=operations(raw),
                ledger=BudgetLedger(None, None))


def _schema(raw: dict, gate: Gate, ours: bool):
    schema = schemathesis.openapi.from_dict(raw)
    if ours:
        route_through_gate(schema, gate)
    else:
        schema.app = gate
    schema.config.update(base_url="http://127.0.0.1:9")
    return schema


def _layers(raw: dict) -> dict:
    """name -> a function sending the three requests once."""
    body = json.dumps(REFUSED_BODY).encode()
    paths = [("GET", b"/indexes", b""), ("GET", f"/indexes/{PREFIX}-missing".encode(), b""), ("POST", b"/indexes", body)]
    mock = create_app(KEY)
    gate = _gate(raw)

    def through_mock():
        for method, path, content in paths:
            mock.respond(method, path, b"", RAW_HEADERS, content)

    def through_gate():
        for method, path, content in paths:
            gate.exchange(method, path, b"", RAW_HEADERS, content)

    def case_caller(ours: bool):
        schema = _schema(raw, _gate(raw), ours)
        session = requests.Session()
        session.headers = dict(HEADERS)
        cases = [schema["/indexes"]["GET"].Case(),
                 schema["/indexes/{index_name}"]["GET"].Case(path_parameters={"index_name": f"{PREFIX}-missing"}),
                 schema["/indexes"]["POST"].Case(body=REFUSED_BODY, media_type="application/json")]

        def call():
            for case in cases:
                case.call(session=session)
        return call

    def client_caller(client):
        def call():
            client.get("/indexes", headers=HEADERS)
            client.get(f"/indexes/{PREFIX}-missing", headers=HEADERS)
            client.post("/indexes", headers=HEADERS, json=REFUSED_BODY)
        return call

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    test_client = TestClient(_gate(raw), base_url="http://embedded-mock")
    test_client.__enter__()
    return {
        "mock": through_mock,
        "gate": through_gate,
        "schemathesis (ours)": case_caller(True),
        "schemathesis (ASGI)": case_caller(False),
        "scenario client (httpx)": client_caller(gate_http_client(_gate(raw), "http://embedded-mock")),
        "scenario client (TestClient)": client_caller(test_client),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="rounds of the three requests per layer")
    parser.add_argument("--profile", default=None, help="print the cProfile top functions of this layer")
    args = parser.parse_args()
    raw = load(VERSION).raw
    layers = _layers(raw)
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{3 * args.requests} requests per layer")
    print(f"{'layer':<30} {'CPU ms/request':>15} {'wall ms/request':>16}")
    for name, send in layers.items():
        send()  # warm: caches, lazy imports, the portal thread
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        for _ in range(args.requests):
            send()
        cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
        print(f"{name:<30} {1000 * cpu / (3 * args.requests):15.3f} {1000 * wall / (3 * args.requests):16.3f}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            layers[args.profile]()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
