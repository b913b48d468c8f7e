"""Schemathesis fuzzing of the faithful mock: every operation, positive and negative data.

Zero server errors, zero undocumented statuses, zero content-type or response-schema
violations. The mock is pre-seeded with one resource of each kind and names are drawn
partly from the existing ones, so fuzzing reaches the 200/202 paths and not only 404s
(``test_fuzzing_reached_every_operation_in_both_modes`` proves it did).

The contract profile (``create_app(profile="contract")``) is fuzzed the same way, with
the plain status check: it must answer only what the document lists, with no exception.

To see what this fuzzing alone catches, switch deviations on:
``MOCK_FUZZ_DEVIATIONS=describe-omits-host,create-with-tags-500 pytest tests/fuzz/mock_fuzz.py``.

Not collected with the other tests (the name does not start with ``test_``): Schemathesis
draws every operation's coverage cases when it makes its tests, at collection (about 5 s
of CPU; 18 s before the name formats could draw the longest names) that each pytest-xdist
worker paid before running anything. tests/test_mock_fuzz.py runs this module in a pytest
of its own, once, and judges its JUnit report.
"""

from __future__ import annotations

import itertools
import json
import os
from http import HTTPStatus

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.rules import EMBED_MODELS, SERVERLESS_REGIONS
from pinecone_conformance.mockserver.settings import MockSettings
from pinecone_conformance.mockserver.testing import CheckedClient
from pinecone_conformance.spec.loader import load

API_KEY = "fuzz-key"
HEADERS = {"Api-Key": API_KEY, "X-Pinecone-Api-Version": "2026-04"}
PAGINATED = {"list_project_backups", "list_index_backups", "list_restore_jobs"}
INDEX_NAMES = ["fuzz-dense", "fuzz-pod", "fuzz-sparse"]


def _seeded_app(profile: str = "production"):
    deviations = [name for name in os.environ.get("MOCK_FUZZ_DEVIATIONS", "").split(",") if name]
    app = create_app(API_KEY, deviations, settings=MockSettings(seed=7), profile=profile)
    client = CheckedClient(app, api_key=API_KEY, check=not deviations)
    serverless = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
    assert client.post("/indexes", json={"name": "fuzz-dense", "dimension": 8, "spec": serverless}).status_code < 300
    assert client.post("/indexes", json={
        "name": "fuzz-sparse", "vector_type": "sparse", "metric": "dotproduct", "spec": serverless}).status_code < 300
    assert client.post("/indexes", json={
        "name": "fuzz-pod", "dimension": 8, "spec": {"pod": {"environment": "us-east1-gcp", "pod_type": "p1.x1"}}}).status_code < 300
    assert client.post("/collections", json={"name": "fuzz-coll", "source": "fuzz-pod"}).status_code < 300
    backup = client.post("/indexes/fuzz-dense/backups", json={"name": "b"}).json()["backup_id"]
    job = client.post(f"/backups/{backup}/create-index", json={"name": "fuzz-restored"}).json()
    doomed = client.post("/indexes/fuzz-dense/backups", json={"name": "doomed"}).json()["backup_id"]
    return app, backup, job["restore_job_id"], doomed


APP, BACKUP_ID, JOB_ID, DOOMED_BACKUP_ID = _seeded_app()
CONTRACT_APP, *_contract_ids = _seeded_app("contract")
assert _contract_ids == [BACKUP_ID, JOB_ID, DOOMED_BACKUP_ID]  # same seed, same calls: the formats fit both

_name = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?\Z")
schemathesis.openapi.format("mockfuzz-index-name", st.sampled_from(INDEX_NAMES) | _name)
schemathesis.openapi.format("mockfuzz-pod-index-name", st.just("fuzz-pod"))
_counter = itertools.count()


def _long_fresh_name(length: int) -> str:
    """A name never used before, ``length`` (40 to 46) characters long.

    The coverage phase asks the name format for values at the length bounds (44, 45 and 46
    characters). A format strategy that cannot draw them makes Hypothesis spend its whole
    budget before it gives up, about 1.3 s of CPU per bound and body (12 s of the module's
    collection); these names answer at once."""
    stem = f"fresh-{next(_counter)}-"
    return stem + "x" * (length - len(stem))


#: Mostly names never used before (so creates can succeed whatever ran earlier), some arbitrary, some taken,
#: some as long as a name may be (and one longer).
schemathesis.openapi.format("mockfuzz-fresh-name", st.builds(lambda: f"fresh-{next(_counter)}") | _name
                            | st.sampled_from(INDEX_NAMES) | st.sampled_from(range(40, 47)).map(_long_fresh_name))
schemathesis.openapi.format("mockfuzz-collection-name", st.just("fuzz-coll") | _name)
schemathesis.openapi.format("mockfuzz-backup-id", st.just(BACKUP_ID) | st.uuids().map(str))
schemathesis.openapi.format("mockfuzz-restore-job-id", st.just(JOB_ID) | st.uuids().map(str))

schemathesis.openapi.format("mockfuzz-aws-region", st.sampled_from(sorted(SERVERLESS_REGIONS["aws"])))
schemathesis.openapi.format("mockfuzz-embed-model", st.sampled_from(sorted(EMBED_MODELS)))

_FORMATS = {"index_name": "mockfuzz-index-name", "collection_name": "mockfuzz-collection-name", "backup_id": "mockfuzz-backup-id",
            "job_id": "mockfuzz-restore-job-id"}
# Deletes get their own resources, recreated before every case, so that deleting does not
# starve the other operations of existing resources (nor itself of successes).
_DOOMED = {"index_name": "mockfuzz-doomed-index", "collection_name": "mockfuzz-doomed-collection", "backup_id": "mockfuzz-doomed-backup"}
schemathesis.openapi.format("mockfuzz-doomed-backup", st.just(DOOMED_BACKUP_ID) | st.uuids().map(str))
schemathesis.openapi.format("mockfuzz-doomed-index", st.just("fuzz-doomed") | _name)
schemathesis.openapi.format("mockfuzz-doomed-collection", st.just("fuzz-doomed-coll") | _name)
_RESEED = [
    ("/indexes", {"name": "fuzz-doomed", "dimension": 8, "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}),
    ("/collections", {"name": "fuzz-doomed-coll", "source": "fuzz-pod"}),
]


def _reseed(app=None) -> None:
    """Recreate the deletable resources (in process, without HTTP; 409 when they exist)."""
    headers = {key.lower(): value for key, value in HEADERS.items()}
    for path, body in _RESEED:
        (app or APP).answer("POST", path, b"", headers, json.dumps(body).encode())


def _raw_with_formats() -> dict:
    """The document without dangling links, with our name formats on path parameters and names."""
    raw = load("2026-04", drop_dangling=True).raw
    for item in raw["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "path" and parameter["name"] in _FORMATS:
                    doomed = operation.get("operationId", "").startswith("delete_") and parameter["name"] in _DOOMED
                    parameter["schema"]["format"] = (_DOOMED if doomed else _FORMATS)[parameter["name"]]
    schemas = raw["components"]["schemas"]
    for name in ("CreateIndexRequest", "CreateIndexForModelRequest", "CreateIndexFromBackupRequest"):
        schemas[name]["properties"]["name"]["format"] = "mockfuzz-fresh-name"
    for_model = schemas["CreateIndexForModelRequest"]["properties"]
    for_model["cloud"]["enum"] = ["aws"]
    for_model["region"]["format"] = "mockfuzz-aws-region"
    for_model["embed"]["properties"]["model"]["format"] = "mockfuzz-embed-model"
    for_model["embed"]["properties"]["field_map"].update(
        {"properties": {"text": {"type": "string", "minLength": 1}}, "required": ["text"]})
    schemas["CreateCollectionRequest"]["properties"]["name"]["format"] = "mockfuzz-fresh-name"
    schemas["CreateCollectionRequest"]["properties"]["source"]["format"] = "mockfuzz-pod-index-name"
    return raw


def in_process(app):
    """The mock as a WSGI application over :meth:`MockApp.respond`, its whole exchange without
    ASGI (the same faults, reply and bytes as an HTTP request gets).

    Schemathesis reaches an ASGI application through a requests adapter and a thread of its
    own, two thread hops per request: most of the CPU of ~5,000 cases. A WSGI application it
    calls directly. The path goes over as sent (percent-encoded), as the ASGI face routes it."""
    def wsgi(environ, start_response):
        raw_path, _, query = environ["RAW_URI"].partition("?")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = [(name[5:].replace("_", "-").lower().encode("latin-1"), value.encode("latin-1"))
                   for name, value in environ.items() if name.startswith("HTTP_")]
        headers += [(name.replace("_", "-").lower().encode("latin-1"), environ[name].encode("latin-1"))
                    for name in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(name)]
        status, reply_headers, content = app.respond(environ["REQUEST_METHOD"], raw_path.encode("latin-1"),
                                                     query.encode("latin-1"), headers, body)
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [(name.decode("latin-1"), value.decode("latin-1")) for name, value in reply_headers])
        return [content]

    return wsgi


schema = schemathesis.openapi.from_dict(_raw_with_formats())
schema.app = in_process(APP)
schema.config.update(headers=HEADERS)


def documented_status(ctx, response, case):
    """``status_code_conformance``, except the 400 for a bad ``limit``/``paginationToken`` on lists.

    The paginated lists document no 400 at all, yet the service must refuse ``limit=0`` and
    a token it never issued (research R-BAK-06, R-RST-08): a gap of the document, not of
    the mock (reported to the spec-lint owners).
    """
    if response.status_code == 400 and case.operation.definition.raw.get("operationId") in PAGINATED:
        message = response.json().get("error", {}).get("message", "")
        if message.startswith(("Invalid value for limit", "Invalid pagination token")):
            return None
    return status_code_conformance(ctx, response, case)


#: (operationId, mode) -> statuses seen; proves the run reached every operation in both modes.
SEEN: dict[tuple[str, str], set[int]] = {}


def record(ctx, response, case):
    mode = case.meta.generation.mode.value if case.meta is not None else "explicit"
    SEEN.setdefault((case.operation.definition.raw["operationId"], mode), set()).add(response.status_code)


CHECKS = [record, not_a_server_error, documented_status, content_type_conformance, response_schema_conformance]
schema.config.generation.update(modes=list(GenerationMode))


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_fuzz_faithful_mock(case):
    _reseed()
    case.call_and_validate(checks=CHECKS)


contract_schema = schemathesis.openapi.from_dict(_raw_with_formats())
contract_schema.app = in_process(CONTRACT_APP)
contract_schema.config.update(headers=HEADERS)
contract_schema.config.generation.update(modes=list(GenerationMode))
SEEN_CONTRACT: dict[tuple[str, str], set[int]] = {}


def record_contract(ctx, response, case):
    mode = case.meta.generation.mode.value if case.meta is not None else "explicit"
    SEEN_CONTRACT.setdefault((case.operation.definition.raw["operationId"], mode), set()).add(response.status_code)


CONTRACT_CHECKS = [record_contract, not_a_server_error, status_code_conformance, content_type_conformance,
                   response_schema_conformance]


@contract_schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_fuzz_contract_profile(case):
    _reseed(CONTRACT_APP)
    case.call_and_validate(checks=CONTRACT_CHECKS)


def test_contract_fuzzing_reached_every_operation():
    if not SEEN_CONTRACT:
        pytest.skip("the fuzzing ran in another xdist worker")
    for operation, _mode in SEEN_CONTRACT:
        statuses = set().union(*(SEEN_CONTRACT.get((operation, mode), set()) for mode in ("positive", "negative")))
        assert any(status < 300 for status in statuses), f"{operation} never succeeded: {statuses}"
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        assert len({operation for operation, _ in SEEN_CONTRACT}) == 18


def test_fuzzing_reached_every_operation_in_both_modes():
    if not SEEN:
        pytest.skip("the fuzzing ran in another xdist worker")
    operations = {operation for operation, _ in SEEN}
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # under xdist the operations are spread over workers
        assert len(operations) == 18
    for operation in operations:
        assert (operation, "positive") in SEEN and (operation, "negative") in SEEN, operation
        statuses = set().union(*(SEEN.get((operation, mode), set()) for mode in ("positive", "negative")))
        assert any(status < 300 for status in statuses), f"{operation} never succeeded: {statuses}"
