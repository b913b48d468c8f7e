"""Every seeded deviation changes what a client observes.

One fixed probe script (request sequences over all 18 operations, valid and invalid input,
multi-step sequences) runs against the faithful mock and against the mock with one
deviation switched on. The normalised transcripts must differ, and they must differ in at
least one operation the deviation's catalog entry lists. No deviation is special-cased.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.deviations import ALL_OPERATIONS, CATALOG, CATEGORIES
from pinecone_conformance.mockserver.document import raw_document, routes
from pinecone_conformance.mockserver.settings import ManualClock, MockSettings
from pinecone_conformance.spec.loader import operations

KEY = "probe-key"
VERSION = {"X-Pinecone-Api-Version": "2026-04"}
AUTH = {"Api-Key": KEY, **VERSION}
SERVERLESS = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _operation_id(method: str, path: str) -> str:
    for route in routes():
        if route.method == method and route.pattern.match(path):
            return route.operation_id
    return "-"


class Probe:
    """Sends requests and keeps a transcript of (operation, status, content type, body)."""

    def __init__(self, app: Any) -> None:
        # httpx's ASGI transport driven by a private event loop in this thread: in process,
        # over the full ASGI interface, without the thread hops of Starlette's TestClient.
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://mock")
        self.transcript: list[tuple[str, str, int, str, Any]] = []

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()

    def __call__(self, method: str, path: str, json: Any = None, *, headers: dict[str, str] = AUTH,
                 params: dict[str, Any] | None = None) -> Any:
        response = self.loop.run_until_complete(
            self.client.request(method, path, json=json, headers=headers, params=params))
        try:
            body = response.json()
        except ValueError:
            body = response.text
        content_type = response.headers.get("content-type", "").split(";")[0]
        self.transcript.append((_operation_id(method, path), f"{method} {path} {params or ''}",
                                response.status_code, content_type, body))
        return body if isinstance(body, dict) else {}


#: One request line per operation, path parameters filled with a name that does not exist.
SAMPLE_PATHS = [(op.method.upper(), re.sub(r"\{\w+\}", "probe-x", op.path))
                for op in operations(raw_document()).values()]


def run_probe(app: Any) -> list[tuple[str, str, int, str, Any]]:
    p = Probe(app)
    # auth, wrong key and version header, on every operation
    for method, path in SAMPLE_PATHS:
        p(method, path, {}, headers=VERSION)
        p(method, path, {}, headers={"Api-Key": "not-the-key", **VERSION})
        p(method, path, {}, headers={"Api-Key": KEY})
    p("PUT", "/indexes/probe-x", {})

    # indexes: create, defaults, rules
    p("POST", "/indexes", {"name": "probe-plain", "dimension": 8, "spec": SERVERLESS})
    p("POST", "/indexes", {"name": "probe-tags", "dimension": 8, "spec": SERVERLESS, "tags": {"env": "dev", "team": "a"}})
    p("POST", "/indexes", {"name": "probe-plain", "dimension": 16, "spec": SERVERLESS})
    for bad in ({"name": "Bad_Name", "dimension": 8}, {"name": "probe-d0", "dimension": 0},
                {"name": "probe-dbig", "dimension": 20001},
                {"name": "probe-sd", "dimension": 8, "vector_type": "sparse", "metric": "dotproduct"},
                {"name": "probe-metric", "dimension": 8, "metric": "manhattan"}):
        p("POST", "/indexes", {**bad, "spec": SERVERLESS})
    p("POST", "/indexes", {"name": "probe-region", "dimension": 8, "spec": {"serverless": {"cloud": "aws", "region": "mars-1"}}})
    p("POST", "/indexes", {"name": "probe-sparse", "vector_type": "sparse", "metric": "dotproduct", "spec": SERVERLESS})
    for name in ("probe-plain", "probe-tags", "probe-sparse", "probe-plain"):
        p("GET", f"/indexes/{name}")
    p("GET", "/indexes")

    # configure -> describe, tag deletion, deletion protection
    p("PATCH", "/indexes/probe-tags", {"tags": {"env": "prod", "team": ""}, "deletion_protection": "enabled"})
    p("GET", "/indexes/probe-tags")
    p("DELETE", "/indexes/probe-tags")
    p("GET", "/indexes/probe-tags")
    p("PATCH", "/indexes/probe-tags", {"deletion_protection": "disabled"})
    p("DELETE", "/indexes/probe-tags")
    p("GET", "/indexes/probe-tags")
    p("GET", "/indexes")
    # a partial configure keeps what it does not name; a deleted name is free again
    p("PATCH", "/indexes/probe-plain", {"deletion_protection": "enabled"})
    p("PATCH", "/indexes/probe-plain", {"tags": {"one": "1"}})
    p("PATCH", "/indexes/probe-plain", {"tags": {"two": "2"}})
    p("GET", "/indexes/probe-plain")
    p("PATCH", "/indexes/probe-plain", {"deletion_protection": "disabled"})
    p("POST", "/indexes", {"name": "probe-reuse", "dimension": 8, "spec": SERVERLESS})
    p("DELETE", "/indexes/probe-reuse")
    p("POST", "/indexes", {"name": "probe-reuse", "dimension": 8, "spec": SERVERLESS})
    p("DELETE", "/indexes/probe-missing")
    p("GET", "/indexes/probe-missing")
    p("PATCH", "/indexes/probe-missing", {"tags": {"a": "b"}})

    # create-for-model
    embed = {"model": "multilingual-e5-large", "field_map": {"text": "chunk"}}
    p("POST", "/indexes/create-for-model", {"name": "probe-model", "cloud": "aws", "region": "us-east-1", "embed": embed})
    p("POST", "/indexes/create-for-model", {"name": "probe-model", "cloud": "aws", "region": "us-east-1", "embed": embed})
    p("POST", "/indexes/create-for-model", {"name": "Probe_Model", "cloud": "aws", "region": "us-east-1", "embed": embed})
    p("POST", "/indexes/create-for-model", {"name": "probe-model2", "cloud": "aws", "region": "mars-1", "embed": embed})
    p("POST", "/indexes/create-for-model", {"name": "probe-model3", "cloud": "aws", "region": "us-east-1",
                                            "embed": {**embed, "metric": "manhattan"}})
    p("GET", "/indexes/probe-model")

    # pods and collections
    p("POST", "/indexes", {"name": "probe-pod", "dimension": 8, "spec": {"pod": {"environment": "us-east1-gcp", "pod_type": "p1.x1"}}})
    p("GET", "/indexes/probe-pod")
    p("POST", "/collections", {"name": "probe-coll", "source": "probe-pod"})
    p("POST", "/collections", {"name": "probe-coll", "source": "probe-pod"})
    p("POST", "/collections", {"name": "Probe_Coll", "source": "probe-pod"})
    p("POST", "/collections", {"name": "probe-coll-sl", "source": "probe-plain"})
    p("GET", "/collections/probe-coll")
    p("GET", "/collections")
    p("DELETE", "/collections/probe-coll")
    p("GET", "/collections/probe-coll")
    p("DELETE", "/collections/probe-coll")

    # backups: a pagination walk, limits, tokens
    backup_ids = [p("POST", "/indexes/probe-plain/backups", {"name": f"b{i}"}).get("backup_id", "none") for i in range(3)]
    p("POST", "/indexes/probe-missing/backups", {})
    p("POST", "/indexes/probe-sparse/backups", {"name": "elsewhere"})
    for operation_path in ("/backups", "/indexes/probe-plain/backups"):
        token, pages = None, 0
        while pages < 5:
            page = p("GET", operation_path, params={"limit": 1} | ({"paginationToken": token} if token else {}))
            pages += 1
            token = (page.get("pagination") or {}).get("next")
            if not token:
                break
        for params in ({"limit": 0}, {"limit": 101}, {"paginationToken": "garbage"}, {}):
            p("GET", operation_path, params=params)
    p("GET", f"/backups/{backup_ids[0]}")
    p("DELETE", f"/backups/{backup_ids[2]}")
    p("GET", f"/backups/{backup_ids[2]}")
    p("DELETE", f"/backups/{backup_ids[2]}")

    # restore
    job = p("POST", f"/backups/{backup_ids[0]}/create-index", {"name": "probe-restored", "tags": {"r": "1"}})
    p("POST", f"/backups/{backup_ids[0]}/create-index", {"name": "probe-restored"})
    p("POST", f"/backups/{backup_ids[0]}/create-index", {"name": "Probe_Restored"})
    p("POST", "/backups/probe-missing/create-index", {"name": "probe-r2"})
    p("GET", "/indexes/probe-restored")
    p("GET", f"/restore-jobs/{job.get('restore_job_id', 'none')}")
    p("GET", "/restore-jobs/probe-missing")
    p("POST", f"/backups/{backup_ids[1]}/create-index", {"name": "probe-restored2"})
    token, pages = None, 0
    while pages < 5:
        page = p("GET", "/restore-jobs", params={"limit": 1} | ({"paginationToken": token} if token else {}))
        pages += 1
        token = (page.get("pagination") or {}).get("next")
        if not token:
            break
    for params in ({"limit": 0}, {"limit": 101}, {"paginationToken": "garbage"}, {}):
        p("GET", "/restore-jobs", params=params)
    p("GET", "/indexes")
    p.close()
    return p.transcript


def normalised(transcript: list) -> list:
    """Ids become ``<id-N>`` in order of appearance and timestamps ``<time>``."""
    names: dict[str, str] = {}

    def rename(match: re.Match) -> str:
        return names.setdefault(match.group(0), f"<id-{len(names)}>")

    text = repr(transcript)
    return [TIMESTAMP.sub("<time>", UUID.sub(rename, text))]


def _fresh(deviations=()) -> Any:
    return create_app(KEY, deviations, clock=ManualClock(), settings=MockSettings(seed=1))


@pytest.fixture(scope="module")
def faithful() -> list:
    transcript = run_probe(_fresh())
    assert normalised(transcript) == normalised(run_probe(_fresh())), "the probe is not deterministic"
    return transcript


def test_probe_touches_every_operation(faithful):
    seen = {operation for operation, *_ in faithful}
    assert set(ALL_OPERATIONS) <= seen
    assert all(status < 500 for _, _, status, _, _ in faithful)
    ok = {operation for operation, _, status, _, _ in faithful if status < 300}
    assert set(ALL_OPERATIONS) <= ok, set(ALL_OPERATIONS) - ok


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_deviation_changes_behaviour(faithful, name):
    deviated = run_probe(_fresh([name]))
    assert normalised(deviated) != normalised(faithful), f"{name} changes nothing the probe sees"
    differing = {a[0] for a, b in zip(faithful, deviated, strict=False) if a[2:] != b[2:]}
    if len(faithful) == len(deviated) and differing:
        assert differing & set(CATALOG[name].operations), (
            f"{name} shows in {sorted(differing)}, none of its catalogued operations")


def test_catalog_shape():
    assert len(CATALOG) >= 25
    assert {d.category for d in CATALOG.values()} == set(CATEGORIES)
    known = set(operations(raw_document()))
    assert set(ALL_OPERATIONS) == known
    for name, deviation in CATALOG.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) and deviation.name == name
        assert deviation.category in CATEGORIES
        assert deviation.description and "\n" not in deviation.description
        assert deviation.operations and set(deviation.operations) <= known


def test_deviations_combine():
    names = ["configure-200", "error-message-only", "accept-invalid-names"]
    assert normalised(run_probe(_fresh(names))) != normalised(run_probe(_fresh([names[0]])))


def test_every_deviation_names_its_authority():
    from pinecone_conformance.mockserver.deviations import AUTHORITIES, Deviation

    for deviation in CATALOG.values():
        assert deviation.authority in AUTHORITIES
        if deviation.authority == "production":
            assert deviation.rule and re.fullmatch(r"R-[A-Z]+-\d\d", deviation.rule), deviation.name
        else:
            assert deviation.rule is None, deviation.name
    # conformant to the document (the header is required), only production serves such a request
    assert (CATALOG["api-version-required"].authority, CATALOG["api-version-required"].rule) == ("production", "R-VER-01")
    assert CATALOG["describe-omits-host"].authority == "contract"
    assert {d.authority for d in CATALOG.values()} == set(AUTHORITIES)
    for bad in ({"authority": "production"}, {"authority": "contract", "rule": "R-VER-01"}, {"authority": "vibes"}):
        with pytest.raises(ValueError):
            Deviation("x", "semantics", "x", ("list_indexes",), **bad)


def _client(deviations=()):
    from pinecone_conformance.mockserver.testing import CheckedClient

    return CheckedClient(_fresh(deviations), api_key=KEY, check=not deviations)


def _with_backup(client) -> str:
    assert client.post("/indexes", json={"name": "src", "dimension": 8, "spec": SERVERLESS}).status_code == 201
    assert client.get("/indexes/src").json()["status"]["ready"]
    return client.post("/indexes/src/backups", json={"name": "first"}).json()["backup_id"]


def test_crash_on_minimal_body_hits_existing_resources_only():
    assert CATALOG["crash-on-minimal-body"].category == "status-code"
    faithful, crashing = _client(), _client(["crash-on-minimal-body"])
    backups = {client: _with_backup(client) for client in (faithful, crashing)}
    minimal = [("PATCH", "/indexes/src", {}, 202), ("POST", "/indexes/src/backups", {}, 201),
               ("POST", "/backups/{backup}/create-index", {"name": "restored"}, 202)]
    for method, path, body, expected in minimal:
        assert faithful.request(method, path.format(backup=backups[faithful]), json=body).status_code == expected
        crashed = crashing.request(method, path.format(backup=backups[crashing]), json=body)
        assert crashed.status_code == 500 and crashed.json()["status"] == 500
    # nothing changed: no second backup, no restored index
    assert len(crashing.get("/indexes/src/backups").json()["data"]) == 1
    assert crashing.get("/indexes/restored").status_code == 404
    # missing resources answer as usual; bodies with an optional field work
    assert crashing.request("PATCH", "/indexes/nope", json={}).status_code == 404
    assert crashing.request("POST", "/backups/nope/create-index", json={"name": "r"}).status_code == 404
    assert crashing.patch("/indexes/src", json={"tags": {"a": "b"}}).status_code == 202
    assert crashing.post("/indexes/src/backups", json={"name": "named"}).status_code == 201
    restored = crashing.post(f"/backups/{backups[crashing]}/create-index",
                             json={"name": "restored", "deletion_protection": "disabled"})
    assert restored.status_code == 202


def test_vanishes_from_list_after_update():
    deviation = CATALOG["vanishes-from-list-after-update"]
    assert deviation.category == "semantics" and {"configure_index", "list_indexes"} <= set(deviation.operations)
    faithful, vanishing = _client(), _client(["vanishes-from-list-after-update"])
    for client in (faithful, vanishing):
        for name in ("kept", "changed"):
            assert client.post("/indexes", json={"name": name, "dimension": 8, "spec": SERVERLESS}).status_code == 201
        assert [i["name"] for i in client.get("/indexes").json()["indexes"]] == ["kept", "changed"]
        assert client.patch("/indexes/changed", json={"tags": {"a": "b"}}).status_code == 202
        assert client.get("/indexes/changed").json()["tags"] == {"a": "b"}
    assert [i["name"] for i in faithful.get("/indexes").json()["indexes"]] == ["kept", "changed"]
    assert [i["name"] for i in vanishing.get("/indexes").json()["indexes"]] == ["kept"]
    # deleted and created again: listed again
    assert vanishing.delete("/indexes/changed").status_code == 202
    vanishing.get("/indexes")
    assert vanishing.post("/indexes", json={"name": "changed", "dimension": 8, "spec": SERVERLESS}).status_code == 201
    assert [i["name"] for i in vanishing.get("/indexes").json()["indexes"]] == ["kept", "changed"]


def test_collection_from_serverless_is_accepted_not_a_crash():
    """The deviation does what it says (201), rather than failing with a 500 of its own."""
    client = _client(["collection-from-serverless-accepted"])
    assert client.post("/indexes", json={"name": "sl", "dimension": 8, "spec": SERVERLESS}).status_code == 201
    assert client.get("/indexes/sl").json()["status"]["ready"]
    created = client.post("/collections", json={"name": "from-sl", "source": "sl"})
    assert created.status_code == 201
    assert created.json()["environment"] == "us-east-1-aws" and created.json()["dimension"] == 8
    assert _client().post("/collections", json={"name": "from-sl", "source": "nope"}).status_code == 400
