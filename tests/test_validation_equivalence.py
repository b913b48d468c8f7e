"""The one-pass ResponseValidator finds exactly what the three-pass one found.

The suite used to run openapi-core three times on every response (contract, x-enum view,
strict view). It now runs openapi-core once and judges the two views with precompiled
validators. This test keeps the three-pass validator (below, as it was) and requires both
to report the same problems (check, kind, severity, location and message) on a corpus of:

- every response of a probe over all 18 operations (valid and invalid requests, multi-step
  sequences) from the faithful mock and from the mock with each seeded deviation on;
- mutations of the faithful mock's 2xx bodies that break them in each way a view can see:
  a value outside its allowed values, an undocumented property, a missing member, a wrong
  type, an explicit null.

The corpus must exercise every check (and clean responses), so the test cannot pass by
comparing nothing. The same corpus shows that the Rust fast path in front of the two views
(conformance/fast_schemas.py) changes no verdict and calls a body valid exactly where the
python validator finds nothing.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator

import pytest
from openapi_core import Config, OpenAPI
from test_mock_deviations import run_probe

from pinecone_conformance.conformance.validation import (
    Problem,
    RequestBodyValidator,
    ResponseValidator,
    _for_validation,
    _open_compositions,
    _Request,
    _Response,
    tighten_enums,
)
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.deviations import CATALOG
from pinecone_conformance.mockserver.document import routes
from pinecone_conformance.mockserver.settings import ManualClock, MockSettings
from pinecone_conformance.spec.loader import load

RAW = load("2026-04").raw
KEY = "probe-key"  # the probe's key


# --- the three-pass validator, as it was ---------------------------------------------------------


class ThreePassValidator:
    def __init__(self, raw: dict):
        self._new = ResponseValidator(raw)  # for the pointers, which did not change
        self._contract = OpenAPI.from_dict(_for_validation(raw))
        self._strict = OpenAPI.from_dict(_for_validation(_open_compositions(raw)),
                                         config=Config(additional_properties_default_policy="forbid"))
        self._allowed_values = OpenAPI.from_dict(_for_validation(tighten_enums(raw)))
        self._operations = self._new._operations

    def validate(self, operation_id, *, path, query="", status, headers, body) -> list[Problem]:
        operation = self._operations[operation_id]
        request = _Request(operation.method, path, query)
        response = _Response(status, headers, body)
        contract = list(self._errors(self._contract, request, response))
        problems = [Problem("openapi_core_conformance", kind, "error", message, self._where(operation_id, status, kind))
                    for kind, message in contract]
        if contract:
            return problems
        for view, check, severity in ((self._allowed_values, "allowed_values", "error"),
                                      (self._strict, "undocumented_property", "warning")):
            problems.extend(Problem(check, kind, severity, message, self._where(operation_id, status, kind))
                            for kind, message in self._errors(view, request, response))
        return problems

    def _where(self, operation_id, status, kind):
        if kind == "status-code":
            return f"{self._operations[operation_id].pointer}/responses"
        if kind == "content-type":
            return f"{self._new.response_pointer(operation_id, status)}/content"
        return self._new.schema_pointer(operation_id, status)

    @staticmethod
    def _errors(openapi, request, response):
        for error in openapi.iter_response_errors(request, response):
            yield _describe(error)


def _describe(error: Exception) -> tuple[str, str]:
    name = type(error).__name__
    cause_name = type(error.__cause__).__name__ if error.__cause__ else ""
    if name in ("ResponseNotFound",):
        return "status-code", f"openapi-core: status code not documented for this operation ({error})"
    if "MediaTypeNotFound" in (name, cause_name):
        return "content-type", f"openapi-core: response content type not documented ({error})"
    if name in ("MissingData", "MissingResponseContent"):
        return "response-schema", f"openapi-core: response body missing ({error})"
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        parts = []
        for schema_error in list(schema_errors)[:5]:
            where = "/".join(str(p) for p in getattr(schema_error, "absolute_path", []))
            parts.append(f"at /{where}: {schema_error.message}" if where else schema_error.message)
        return "response-schema", "openapi-core: response violates schema: " + "; ".join(parts)
    detail = str(cause or error)
    if "deserialize" in detail.lower() or name == "MediaTypeDeserializeError":
        return "response-schema", f"openapi-core: response body cannot be deserialized ({detail[:200]})"
    return "response-schema", f"openapi-core: {name}: {detail[:300]}"


# --- the corpus ------------------------------------------------------------------------------------


class Recorder:
    """An ASGI wrapper keeping every (method, path, query, status, headers, body) it served."""

    def __init__(self, app):
        self.app = app
        self.exchanges: list[tuple] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
        self.exchanges.append((scope["method"], scope["path"], scope.get("query_string", b"").decode(),
                               start.get("status"), headers, b"".join(chunks)))


def _operation_id(method: str, path: str) -> str | None:
    return next((r.operation_id for r in routes() if r.method == method and r.pattern.match(path)), None)


def _recorded(deviations=()) -> list[dict]:
    recorder = Recorder(create_app(KEY, deviations, clock=ManualClock(), settings=MockSettings(seed=1)))
    run_probe(recorder)
    found = []
    for method, path, query, status, headers, body in recorder.exchanges:
        operation_id = _operation_id(method, path)
        if operation_id and status != 429:
            found.append({"operation_id": operation_id, "path": path, "query": query, "status": status,
                          "headers": headers, "body": body})
    return found


def _leaves(node, where=()) -> Iterator[tuple[tuple, object]]:
    """Every (path, value) inside a JSON value, containers included, outermost first."""
    yield where, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*where, key))
    elif isinstance(node, list) and node:
        yield from _leaves(node[0], (*where, 0))


def _replaced(node, where: tuple, change):
    if not where:
        return change(node)
    head, rest = where[0], where[1:]
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[head] = _replaced(node[head], rest, change)
    return copy


def _without(node, where: tuple):
    return _replaced(node, where[:-1], lambda container: {k: v for k, v in container.items() if k != where[-1]})


def _mutations(body) -> Iterator[object]:
    for where, value in _leaves(body):
        if isinstance(value, dict):
            yield _replaced(body, where, lambda v: {**v, "undocumented_member": 1})
        if isinstance(value, str):
            yield _replaced(body, where, lambda v: "Not-An-Allowed-Value")
        if isinstance(value, bool | int | float) and not isinstance(value, bool):
            yield _replaced(body, where, lambda v: str(v))
        if where:
            yield _replaced(body, where, lambda v: None)
            if isinstance(where[-1], str):
                yield _without(body, where)


@pytest.fixture(scope="module")
def recordings() -> dict[str, list[dict]]:
    """The probe's responses from the faithful mock ("") and with each deviation on."""
    return {"": _recorded(), **{name: _recorded([name]) for name in CATALOG}}


@pytest.fixture(scope="module")
def corpus(recordings) -> list[dict]:
    unique = {(r["operation_id"], r["status"], r["headers"].get("content-type"), r["body"]): r
              for responses in recordings.values() for r in responses}
    corpus = list(unique.values())
    mutated_operations = set()
    for response in recordings[""]:
        if not 200 <= response["status"] < 300 or response["operation_id"] in mutated_operations:
            continue
        try:
            body = json.loads(response["body"])
        except ValueError:
            continue
        mutated_operations.add(response["operation_id"])
        corpus += [{**response, "body": json.dumps(mutated).encode()} for mutated in _mutations(body)]
    return corpus


def _as_tuples(problems: list[Problem]) -> list[tuple]:
    return [(p.check, p.kind, p.severity, p.location, p.message) for p in problems]


@pytest.mark.slow
def test_one_pass_finds_what_three_passes_found(corpus):
    old, new = ThreePassValidator(RAW), ResponseValidator(RAW)
    checks, differences = Counter(), []
    for response in corpus:
        expected = _as_tuples(old.validate(**response))
        got = _as_tuples(new.validate(**response))
        if got != expected:
            differences.append((response["operation_id"], response["status"], response["body"][:200], expected, got))
        checks.update({problem[0] for problem in expected} or {"clean"})
    assert differences == [], f"{len(differences)} of {len(corpus)} responses judged differently, e.g. {differences[:3]}"
    # the corpus exercises every view and clean responses, many times each
    for check in ("clean", "openapi_core_conformance", "allowed_values", "undocumented_property"):
        assert checks[check] >= 10, (check, checks)
    assert len({r["operation_id"] for r in corpus}) == 18


def test_seeded_response_deviations_are_seen_the_same_way(recordings):
    """Each response-schema deviation of the catalog shows in at least one response of the
    probe as a problem, the same one both ways."""
    old, new = ThreePassValidator(RAW), ResponseValidator(RAW)
    faithful = {(r["operation_id"], r["status"], r["body"]) for r in recordings[""]}
    for name, deviation in CATALOG.items():
        if deviation.category != "response-schema":
            continue
        changed = [r for r in recordings[name] if (r["operation_id"], r["status"], r["body"]) not in faithful]
        judged = [(_as_tuples(old.validate(**r)), _as_tuples(new.validate(**r))) for r in changed]
        assert any(expected for expected, _ in judged), name
        assert all(expected == got for expected, got in judged), name


def test_validators_are_built_once_per_document():
    first, second = ResponseValidator(RAW), ResponseValidator(load("2026-04").raw)
    assert first._compiled is second._compiled  # an equal document (loaded again) shares them
    assert RequestBodyValidator(RAW)._compiled is first._compiled
    other = load("2026-04").raw
    other["info"] = {**other["info"], "title": "changed"}
    assert ResponseValidator(other)._compiled is not first._compiled


def test_the_views_are_shared_between_threads(corpus):
    """Schemathesis validates from worker threads: concurrent first use gives one answer."""
    from concurrent.futures import ThreadPoolExecutor

    described = next(r for r in corpus if r["operation_id"] == "describe_index" and r["status"] == 200)
    model = json.loads(described["body"])
    body = json.dumps({**model, "status": {**model["status"], "state": "Bogus"}, "extra": 1}).encode()
    validator = ResponseValidator({**RAW, "x-thread-test": True})  # a document of its own: nothing built yet

    def validate(_):
        return _as_tuples(validator.validate("describe_index", path="/indexes/x", status=200,
                                             headers={"content-type": "application/json"}, body=body))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(validate, range(16)))
    assert all(result == results[0] for result in results)
    assert [problem[0] for problem in results[0]] == ["allowed_values", "undocumented_property"]


def _document_only_openapi_core_can_judge_in_places() -> dict:
    """The contract, changed so that some responses need openapi-core's full pass for the
    views: a declared response header (with allowed values), a response given by reference,
    a text media type."""
    raw = copy.deepcopy(RAW)
    described = raw["paths"]["/indexes/{index_name}"]["get"]["responses"]
    described["200"]["headers"] = {"X-Region": {"schema": {"type": "string", "x-enum": ["us-east-1"]}}}
    listed = raw["paths"]["/indexes"]["get"]["responses"]
    raw.setdefault("components", {}).setdefault("responses", {})["IndexList"] = listed["200"]
    listed["200"] = {"$ref": "#/components/responses/IndexList"}
    collections = raw["paths"]["/collections"]["get"]["responses"]
    collections["200"]["content"]["text/plain"] = {"schema": {"type": "string", "x-enum": ["fine"]}}
    return raw


def test_responses_only_openapi_core_can_judge_are_judged_the_same(corpus):
    raw = _document_only_openapi_core_can_judge_in_places()
    old, new = ThreePassValidator(raw), ResponseValidator(raw)
    chosen = [r for r in corpus if r["operation_id"] in ("describe_index", "list_indexes", "list_collections")]
    extra = []
    for response in chosen:
        if response["operation_id"] == "describe_index" and response["status"] == 200:
            extra.append({**response, "headers": {**response["headers"], "x-region": "mars-1"}})
        if response["operation_id"] == "list_collections" and response["status"] == 200:
            extra.append({**response, "headers": {"content-type": "text/plain"}, "body": b"not fine"})
    checks = Counter()
    for response in chosen + extra:
        expected = _as_tuples(old.validate(**response))
        assert _as_tuples(new.validate(**response)) == expected, response
        checks.update(problem[0] for problem in expected)
    assert checks["allowed_values"] >= 2 and checks["undocumented_property"] >= 1, checks


# --- the Rust fast path in front of the two views ----------------------------------------------------


@pytest.mark.slow
def test_the_fast_path_changes_no_verdict(corpus):
    """The same problems, in the same order with the same messages, with and without it."""
    fast, slow = ResponseValidator(RAW), ResponseValidator(RAW, fast_path=False)
    assert fast._compiled is not slow._compiled
    differences = [(r["operation_id"], r["status"], r["body"][:200])
                   for r in corpus if _as_tuples(fast.validate(**r)) != _as_tuples(slow.validate(**r))]
    assert differences == [], f"{len(differences)} of {len(corpus)} responses judged differently, e.g. {differences[:3]}"


def test_the_fast_path_says_valid_only_where_python_finds_nothing(corpus):
    """For every JSON body of the corpus and both views: where the fast path says valid, the
    python validator finds nothing; and where python finds nothing the fast path says valid
    (so clean bodies never reach python-jsonschema)."""
    compiled = ResponseValidator(RAW)._compiled
    verdicts = Counter()
    for response in corpus:
        views = compiled.body_views(response["operation_id"], response["status"],
                                    response["headers"].get("content-type", ""))
        if views is None or views.allowed_values is None:
            continue
        try:
            value = json.loads(response["body"])
        except ValueError:
            continue
        for python, fast in ((views.allowed_values, views.allowed_values_fast), (views.strict, views.strict_fast)):
            assert fast is not None, response["operation_id"]  # every schema of the document has a fast path
            python_valid = not list(python.iter_errors(value))
            assert fast(value) == python_valid, (response["operation_id"], response["status"], response["body"][:300])
            verdicts[python_valid] += 1
    assert verdicts[True] >= 100 and verdicts[False] >= 50, verdicts


def test_bodies_changed_in_one_place_fast_valid_only_where_python_finds_nothing(recordings):
    """Each documented 2xx body of the faithful mock, changed in each place in each breaking way
    (null, wrong types, 1.0 for an integer, 2**64, undocumented or missing members, and every
    discriminator value: mapped, a component name, the discriminated schema itself)."""
    from test_fast_validators import _agree, _changed, _places, every_change

    compiled = ResponseValidator(RAW)._compiled
    names = ["OnDemand", "Dedicated", "ReadCapacityDedicatedSpecResponse", "IndexModel", "ReadCapacityResponse", ""]
    seen, judged = set(), Counter()
    for response in recordings[""]:
        key = (response["operation_id"], response["status"])
        if not 200 <= response["status"] < 300 or key in seen or not response["body"]:
            continue
        seen.add(key)
        views = compiled.body_views(*key, response["headers"].get("content-type", ""))
        body = json.loads(response["body"])
        changed = every_change(body) + [_changed(body, where, lambda v, n=name: n)
                                        for where, value in _places(body) if isinstance(value, str) for name in names]
        for value in changed:
            for python, fast in ((views.allowed_values, views.allowed_values_fast), (views.strict, views.strict_fast)):
                _agree(python, fast, value)
                judged[fast(value)] += 1
    assert len({operation for operation, _ in seen}) >= 12 and judged[True] >= 100 and judged[False] >= 1000, (seen, judged)
