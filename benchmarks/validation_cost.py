"""CPU per response of the response validator, and per body of the mock's body reader, with
and without the Rust fast paths (conformance/fast_schemas.py, mockserver/bodies.py).

    python benchmarks/validation_cost.py [--rounds N]

A corpus is recorded from the embedded mock (``MockApp.respond``): indexes of every kind
created (valid bodies from the domain strategies, and bodies the mock refuses), described,
listed, configured; collections, backups, restore jobs; missing resources. Each recorded
response is then judged ``--rounds`` times by ``ResponseValidator.validate`` (the run's memo of
equal responses is bypassed, as for responses a run sees once) and each request body read as
many times by ``read_body``, both ways. A benchmark: it prints figures and asserts nothing;
the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pinecone_conformance.conformance.validation import ResponseValidator  # noqa: E402
from pinecone_conformance.mockserver import bodies  # noqa: E402
from pinecone_conformance.mockserver.app import create_app  # noqa: E402
from pinecone_conformance.mockserver.document import routes  # noqa: E402
from pinecone_conformance.mockserver.errors import ApiError  # noqa: E402
from pinecone_conformance.spec.loader import load  # noqa: E402
from pinecone_conformance.strategies.bodies import BODY_STRATEGIES  # noqa: E402

KEY = "bench-key"
VERSION = "2026-04"
PREFIX = "pcc-bench-"
HEADERS = [(b"api-key", KEY.encode()), (b"x-pinecone-api-version", VERSION.encode()),
           (b"content-type", b"application/json")]


def _generated_bodies(operation_id: str, count: int) -> list[dict]:
    """``count`` valid bodies of the operation from the domain strategies (seeded)."""
    found: list[dict] = []

    @settings(max_examples=count, database=None, derandomize=True, suppress_health_check=list(HealthCheck),
              deadline=None)
    @given(st.data())
    def collect(data):
        found.append(data.draw(BODY_STRATEGIES[operation_id](PREFIX)))

    collect()
    return found[:count]


def _requests() -> list[tuple[str, str, dict | None]]:
    """(method, path, body) of the corpus: valid and refused bodies, reads and misses."""
    sent: list[tuple[str, str, dict | None]] = []
    for body in _generated_bodies("create_index", 12):
        sent += [("POST", "/indexes", body), ("GET", f"/indexes/{body['name']}", None)]
        sent += [("POST", "/indexes", {**body, "dimension": 1.0}), ("POST", "/indexes", {**body, "spec": {}})]
    for body in _generated_bodies("create_index_for_model", 4):
        sent += [("POST", "/indexes/create-for-model", body), ("GET", f"/indexes/{body['name']}", None)]
    sent += [("GET", "/indexes", None)] * 3
    created = [body["name"] for method, path, body in sent if method == "POST" and path == "/indexes" and body][:4]
    for body in _generated_bodies("configure_index", 4):
        sent += [("PATCH", f"/indexes/{created[0]}", body), ("PATCH", f"/indexes/{created[1]}", {**body, "x": 1})]
    for name in created[:2]:
        sent += [("POST", "/collections", {"name": f"{name}-c", "source": name}), ("GET", f"/collections/{name}-c", None),
                 ("POST", f"/indexes/{name}/backups", {"name": f"{name}-b"}), ("GET", f"/indexes/{name}/backups", None)]
    sent += [("GET", "/collections", None), ("GET", "/backups", None), ("GET", "/restore-jobs", None),
             ("GET", f"/indexes/{PREFIX}missing", None), ("GET", f"/collections/{PREFIX}missing", None),
             ("GET", "/backups/00000000-0000-0000-0000-000000000000", None), ("POST", "/indexes", None),
             ("POST", "/indexes", {"name": 5}), ("DELETE", f"/indexes/{created[3]}", None)]
    return sent


def _operation_id(method: str, path: str) -> str | None:
    return next((r.operation_id for r in routes() if r.method == method and r.pattern.match(path)), None)


def _record() -> tuple[list[dict], list[tuple[str, bytes]]]:
    mock = create_app(KEY)
    responses, request_bodies = [], []
    for method, path, body in _requests():
        content = b"" if body is None else json.dumps(body).encode()
        status, headers, answer = mock.respond(method, path.encode(), b"", HEADERS, content)
        operation_id = _operation_id(method, path)
        if operation_id is None:
            continue
        if body is not None:
            request_bodies.append((operation_id, content))
        responses.append({"operation_id": operation_id, "path": path, "status": status,
                          "headers": {k.decode(): v.decode() for k, v in headers}, "body": answer})
    return responses, request_bodies


def _cpu(function, rounds: int) -> float:
    function()  # warm: compiled validators, caches
    started = time.process_time()
    for _ in range(rounds):
        function()
    return time.process_time() - started


def _validate_all(validator: ResponseValidator, responses: list[dict]):
    def run():
        for response in responses:
            validator._validate(response["operation_id"], response["path"], "", response["status"],
                                response["headers"], response["body"])
    return run


def _read_all(request_bodies: list[tuple[str, bytes]], fast_path: bool):
    def run():
        for operation_id, content in request_bodies:
            try:
                bodies.read_body(operation_id, content, fast_path=fast_path)
            except ApiError:
                pass
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="times each response and body is judged")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        responses, request_bodies = _record()
    raw = load(VERSION).raw
    statuses = sorted({r["status"] for r in responses})
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{len(responses)} responses (statuses {statuses}), {len(request_bodies)} request bodies, "
          f"{args.rounds} rounds")
    print(f"{'what':<44} {'slow CPU us':>12} {'fast CPU us':>12} {'ratio':>7}")
    slow = _cpu(_validate_all(ResponseValidator(raw, fast_path=False), responses), args.rounds)
    fast = _cpu(_validate_all(ResponseValidator(raw), responses), args.rounds)
    count = args.rounds * len(responses)
    print(f"{'ResponseValidator.validate, per response':<44} {1e6 * slow / count:12.1f} {1e6 * fast / count:12.1f} "
          f"{slow / fast:7.2f}")
    validator = ResponseValidator(raw)
    for label, chosen in (("2xx", [r for r in responses if r["status"] < 300]),
                          ("4xx", [r for r in responses if r["status"] >= 400])):
        slow = _cpu(_validate_all(ResponseValidator(raw, fast_path=False), chosen), args.rounds)
        fast = _cpu(_validate_all(validator, chosen), args.rounds)
        count = args.rounds * len(chosen)
        print(f"{f'  of which {len(chosen)} {label}, per response':<44} {1e6 * slow / count:12.1f} "
              f"{1e6 * fast / count:12.1f} {slow / fast:7.2f}")
    for label, chosen in (("", request_bodies), ("  of which well-shaped", [b for b in request_bodies if _shaped(b)]),
                          ("  of which refused (422/400)", [b for b in request_bodies if not _shaped(b)])):
        slow = _cpu(_read_all(chosen, False), args.rounds)
        fast = _cpu(_read_all(chosen, True), args.rounds)
        count = args.rounds * len(chosen)
        print(f"{(label or 'mock read_body') + f' ({len(chosen)}), per body':<44} {1e6 * slow / count:12.1f} "
              f"{1e6 * fast / count:12.1f} {slow / fast:7.2f}")


def _shaped(request_body: tuple[str, bytes]) -> bool:
    try:
        bodies.read_body(*request_body)
    except ApiError:
        return False
    return True


if __name__ == "__main__":
    main()
