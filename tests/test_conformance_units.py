"""Unit tests of the suite's building blocks: findings, redaction, validators, checks, strategies."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from openapi_schema_validator import OAS30WriteValidator
from referencing import Registry, Resource

from pinecone_conformance.conformance.response_checks import Exchange, check_exchange
from pinecone_conformance.conformance.validation import ResponseValidator
from pinecone_conformance.core import domain
from pinecone_conformance.core.findings import Finding, FindingStore
from pinecone_conformance.core.redaction import REDACTED, curl_command, redact
from pinecone_conformance.spec.loader import load
from pinecone_conformance.strategies import bodies
from pinecone_conformance.strategies.validity import request_problem

RAW = load("2026-04").raw
VALIDATOR = ResponseValidator(RAW)
JSON = {"content-type": "application/json"}

SERVERLESS_MODEL = {
    "name": "movies", "dimension": 8, "metric": "cosine", "host": "movies-abc1234.svc.aped-4627-b74a.pinecone.io",
    "spec": {"serverless": {"cloud": "aws", "region": "us-east-1",
                            "read_capacity": {"mode": "OnDemand", "status": {"state": "Ready"}}}},
    "status": {"ready": True, "state": "Ready"}, "vector_type": "dense", "deletion_protection": "disabled",
}


def _validate(operation, body, status=200, headers=JSON, path="/indexes/movies"):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return VALIDATOR.validate(operation, path=path, status=status, headers=headers, body=payload)


# --- findings and redaction -------------------------------------------------------------------


def test_finding_rejects_unknown_severity():
    with pytest.raises(ValueError):
        Finding(kind="x", check="y", severity="fatal", message="m")


def test_fingerprint_groups_occurrences_not_requests():
    first = Finding("response-schema", "c", "error", "m1", operation="op", status=200, location="/a", request="curl 1")
    second = Finding("response-schema", "c", "error", "m2", operation="op", status=200, location="/a", request="curl 22")
    other = Finding("response-schema", "c", "error", "m1", operation="op", status=201, location="/a")
    assert first.fingerprint == second.fingerprint != other.fingerprint


def test_store_keeps_every_writer_apart(tmp_path, monkeypatch):
    store = FindingStore(tmp_path)
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        store.add(Finding("k", "c", "warning", f"from {worker}"))
    assert sorted(f.message for f in store) == ["from gw0", "from gw1"]
    assert len(list(tmp_path.glob("findings-*.ndjson"))) == 2


def test_curl_line_redacts_the_key():
    line = curl_command("POST", "http://x/indexes", {"Api-Key": "pcsk_secret", "X-Pinecone-Api-Version": "2026-04"},
                       {"name": "a"})
    assert "pcsk_secret" not in line and REDACTED in line and "2026-04" in line and '"name":"a"' in line
    assert redact("key=pcsk_secret!", ["pcsk_secret", None]) == f"key={REDACTED}!"


# --- openapi-core validation ------------------------------------------------------------------


def test_valid_index_model_has_no_problem():
    assert _validate("describe_index", SERVERLESS_MODEL) == []


def test_wrong_type_is_a_contract_error():
    problems = _validate("describe_index", {**SERVERLESS_MODEL, "dimension": "8"})
    assert [(p.check, p.severity) for p in problems] == [("openapi_core_conformance", "error")]
    assert "/dimension" in problems[0].message
    assert problems[0].location.endswith("/responses/200/content/application~1json/schema")


def test_value_outside_x_enum_is_caught():
    problems = _validate("describe_index", {**SERVERLESS_MODEL, "status": {"ready": True, "state": "Active"}})
    assert [(p.check, p.severity) for p in problems] == [("allowed_values", "error")]


def test_undocumented_property_is_a_warning_but_free_form_maps_are_not():
    problems = _validate("describe_index", {**SERVERLESS_MODEL, "id": "123"})
    assert [(p.check, p.severity) for p in problems] == [("undocumented_property", "warning")]
    embedded = {**SERVERLESS_MODEL, "embed": {"model": "m", "field_map": {"text": "chunk"}, "read_parameters": {"a": 1}}}
    assert _validate("describe_index", embedded) == []


def test_undocumented_status_and_content_type():
    assert _validate("describe_index", {"error": {"code": "X", "message": "m"}, "status": 400}, status=400)[0].kind == "status-code"
    assert _validate("describe_index", SERVERLESS_MODEL, headers={"content-type": "text/plain"})[0].kind == "content-type"


def test_null_pagination_is_caught():
    problems = _validate("list_project_backups", {"data": [], "pagination": None}, path="/backups")
    assert problems and problems[0].check == "openapi_core_conformance"


# --- semantic response checks -------------------------------------------------------------------


def _exchange(operation, body, status=200, **extra):
    return Exchange(operation_id=operation, method="GET", path="/", status=status, body=body, **extra)


def test_error_body_must_agree_with_http_status():
    checks = {p.check for p in check_exchange(_exchange("describe_index", {"error": {"code": "NOT_FOUND", "message": "m"},
                                                                           "status": 400}, status=404))}
    assert checks == {"error_body"}
    checks = {p.check for p in check_exchange(_exchange("describe_index", {"error": {"code": "UNKNOWN", "message": "m"},
                                                                           "status": 404}, status=404))}
    assert checks == {"error_code"}
    assert check_exchange(_exchange("describe_index", {"error": {"code": "NOT_FOUND", "message": "m"}, "status": 404},
                                    status=404)) == []


@pytest.mark.parametrize(("change", "check"), [
    ({"status": {"ready": False, "state": "Ready"}}, "index_ready_state"),
    ({"status": {"ready": True, "state": "Initializing"}}, "index_ready_state"),
    ({"vector_type": "sparse"}, "index_vector_type"),
    ({"dimension": None}, "index_vector_type"),
    ({"spec": {"pod": {"environment": "e", "pod_type": "p1.x1", "replicas": 2, "shards": 2, "pods": 3}}}, "pod_arithmetic"),
])
def test_index_model_rules(change, check):
    model = {**SERVERLESS_MODEL, **change}
    assert check in {p.check for p in check_exchange(_exchange("describe_index", model))}
    assert check_exchange(_exchange("describe_index", SERVERLESS_MODEL, path_parameters={"index_name": "movies"})) == []


def test_describe_must_answer_about_the_asked_resource():
    problems = check_exchange(_exchange("describe_index", SERVERLESS_MODEL, path_parameters={"index_name": "other"}))
    assert {p.check for p in problems} == {"describe_identity"}


def test_page_larger_than_limit():
    exchange = _exchange("list_project_backups", {"data": [{}, {}, {}]}, query={"limit": "2"})
    assert {p.check for p in check_exchange(exchange)} == {"pagination_limit"}


# --- strategies: valid means valid by the schema AND by the prose rules ----------------------


def _request_schema_validator(schema_name):
    registry = Registry().with_resource("urn:doc", Resource.opaque(RAW))
    schema = {"$ref": f"urn:doc#/components/schemas/{schema_name}"}
    return OAS30WriteValidator(schema, registry=registry)


@pytest.mark.parametrize(("operation", "schema_name"), [
    ("create_index", "CreateIndexRequest"),
    ("create_index_for_model", "CreateIndexForModelRequest"),
    ("configure_index", "ConfigureIndexRequest"),
    ("create_index_from_backup_operation", "CreateIndexFromBackupRequest"),
])
def test_positive_bodies_are_really_valid(operation, schema_name):
    validator = _request_schema_validator(schema_name)

    @settings(max_examples=60, suppress_health_check=list(HealthCheck), deadline=None)
    @given(bodies.BODY_STRATEGIES[operation]("pcc-abc123"))
    def check(body):
        errors = [e.message for e in validator.iter_errors(body)]
        assert errors == [], errors
        assert request_problem(operation, body) is None
        if "name" in body:
            assert body["name"].startswith("pcc-abc123-") and domain.is_valid_name(body["name"])

    check()


def test_invalid_variants_each_break_a_rule():
    for rule, name in bodies.invalid_names("pcc-abc123").items():
        assert not domain.is_valid_name(name), rule
    for rule, body in bodies.invalid_create_index_bodies("pcc-abc123-x").items():
        schema_errors = list(_request_schema_validator("CreateIndexRequest").iter_errors(body))
        assert schema_errors or request_problem("create_index", body) or rule in ("unknown metric", "unknown vector_type",
                                                                                    "unknown deletion_protection"), rule


def test_request_problem_knows_prose_rules():
    serverless = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
    assert request_problem("create_index", {"name": "a", "metric": "cosine", "spec": serverless}) == \
        "a dense index without a dimension"
    assert request_problem("create_index", {"name": "a", "dimension": 3, "spec": serverless}) is None
    assert request_problem("list_project_backups", None, {"paginationToken": "abc"})


# --- leniency and validator agreement -------------------------------------------------------------


def test_explicit_nulls_are_told_apart_from_real_errors():
    from pinecone_conformance.conformance.validation import RequestBodyValidator
    from pinecone_conformance.core.values import without_nulls

    validator = RequestBodyValidator(RAW)
    sdk_style = {"name": "a", "dimension": 3, "metric": "cosine", "spec": {"pod": {
        "environment": "us-east-1-aws", "pod_type": "p1.x1", "metadata_config": None, "source_collection": None}}}
    assert validator.errors("create_index", sdk_style)  # null is not allowed by the schema...
    assert validator.errors("create_index", without_nulls(sdk_style)) == []  # ...and is the only problem
    wrong_type = {**sdk_style, "dimension": "3"}
    assert validator.errors("create_index", without_nulls(wrong_type))


def test_validators_that_disagree_make_a_finding(tmp_path, monkeypatch):
    import schemathesis.specs.openapi.checks as st_checks

    from pinecone_conformance.conformance import fuzz
    from pinecone_conformance.conformance.session import RunState, Target

    state = RunState(target=Target("http://x", "k"), raw=RAW, store=FindingStore(tmp_path), seed=1, prefix="pcc-t")

    class Request:
        method, url, headers, body = "GET", "http://x/indexes/movies", {}, None

    class Response:
        status_code, content, request = 200, json.dumps(SERVERLESS_MODEL).encode(), Request()

    exchange = _exchange("describe_index", SERVERLESS_MODEL, response_pointer="/p")

    def schemathesis_says_invalid(ctx, response, case):
        raise AssertionError("invalid")

    monkeypatch.setattr(st_checks, "response_schema_conformance", schemathesis_says_invalid)
    fuzz._compare_validators(None, Response(), None, state, exchange, problems=[])
    assert [f.check for f in state.store] == ["validator_agreement"]
    monkeypatch.setattr(st_checks, "response_schema_conformance", lambda ctx, response, case: None)
    fuzz._compare_validators(None, Response(), None, state, exchange, problems=[])
    assert len(state.store.all()) == 1  # agreement: nothing more


def test_dedicated_read_capacity_needs_node_type_and_scaling():
    body = {"name": "a", "cloud": "aws", "region": "us-east-1", "read_capacity": {"mode": "Dedicated", "dedicated": {}},
            "embed": {"model": "multilingual-e5-large", "field_map": {"text": "t"}}}
    assert "node_type" in request_problem("create_index_for_model", body)
    body["read_capacity"]["dedicated"] = {"node_type": "t1", "scaling": "Manual"}
    assert request_problem("create_index_for_model", body) is None


def test_a_dropped_connection_is_a_finding_not_a_crash(tmp_path):
    import httpx as httpx_module

    from pinecone_conformance.conformance.scenarios import run_scenario
    from pinecone_conformance.conformance.session import ApiClient, RunState, Target

    state = RunState(target=Target("http://x", "k"), raw=RAW, store=FindingStore(tmp_path), seed=1, prefix="pcc-t")

    class Dropping:
        def request(self, *args, **kwargs):
            raise httpx_module.RemoteProtocolError("Server disconnected without sending a response.")

    run_scenario("defaults_filled", ApiClient(state, Dropping()), state)
    assert [(f.check, f.kind, f.severity) for f in state.store] == [("network_error", "transport", "error")]


def test_engine_errors_become_findings():
    from pinecone_conformance.conformance import fuzz
    from pinecone_conformance.conformance.session import RunState, Target

    state = RunState(target=Target("http://x", "k"), raw=RAW, store=FindingStore("/nonexistent"), seed=1, prefix="p")

    class Event:
        label = "GET /collections"
        value = ConnectionResetError("reset by peer")

    finding = fuzz._error_to_finding(Event(), state)
    assert (finding.operation, finding.check, finding.severity) == ("list_collections", "network_error", "error")
    assert finding.location == "/paths/~1collections/get"


def test_cleanup_sweeps_only_prefixed_resources_across_pages(tmp_path):
    """Leftovers of an earlier run with the same prefix go (backups found by their source index,
    on every page); other people's resources stay."""
    from starlette.testclient import TestClient

    from pinecone_conformance.conformance.cleanup import cleanup
    from pinecone_conformance.conformance.session import ApiClient, RunState, Target
    from pinecone_conformance.mockserver.app import create_app

    app = create_app(api_key="k")
    web = TestClient(app)
    headers = {"Api-Key": "k"}
    serverless = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
    for name in ("pcc-abc123-left", "someone-elses"):
        assert web.post("/indexes", headers=headers, json={"name": name, "dimension": 2, "spec": serverless}).status_code == 201
        web.get(f"/indexes/{name}", headers=headers)
    for _ in range(3):
        web.post("/indexes/someone-elses/backups", headers=headers, json={})
    for _ in range(102):  # more than one page of 100
        assert web.post("/indexes/pcc-abc123-left/backups", headers=headers, json={}).status_code == 201
    state = RunState(target=Target("http://mock", "k", app), raw=RAW, store=FindingStore(tmp_path), seed=1,
                     prefix="pcc-abc123")
    assert cleanup(ApiClient(state, state.cleanup_client()), state) == []
    assert [i["name"] for i in web.get("/indexes", headers=headers).json()["indexes"]] == ["someone-elses"]
    left = web.get("/backups", headers=headers, params={"limit": 100}).json()["data"]
    assert {b["source_index_name"] for b in left} == {"someone-elses"} and len(left) == 3


def test_copy_tree_copies_as_deepcopy_does_and_shares_nothing_mutable():
    import copy

    from pinecone_conformance.core.values import copy_tree
    from pinecone_conformance.spec.loader import load

    raw = load("2026-04").raw
    copied = copy_tree(raw)
    assert copied == copy.deepcopy(raw)
    copied["paths"]["/indexes"]["get"]["operationId"] = "changed"
    copied["components"]["schemas"]["IndexModel"]["required"].append("changed")
    assert raw["paths"]["/indexes"]["get"]["operationId"] == "list_indexes"
    assert "changed" not in raw["components"]["schemas"]["IndexModel"]["required"]
    shared = {"a": 1}
    tree = {"x": shared, "y": [shared, {1, 2}]}
    result = copy_tree(tree)
    assert result == tree and result["x"] is not shared and result["y"][0] is not shared
    assert result["y"][1] == {1, 2} and result["y"][1] is not tree["y"][1]
