"""The mock never answers 500: inputs that used to crash it, in process and over a socket.

Each class of crash is fixed in the one place it belongs and tested here with the exact
inputs that found it: JSON nested ~1000 deep (recursion), a pagination token encoding a
huge offset (token decoding), a lone-surrogate escape in a tag key, a region and a model
name (text encoding), plus the body size limit.
"""

from __future__ import annotations

import base64
import http.client
import json

import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.bodies import MAX_NESTING
from pinecone_conformance.mockserver.serve import serve_in_thread
from pinecone_conformance.mockserver.settings import MockSettings
from pinecone_conformance.mockserver.testing import CheckedClient, serverless

HEADERS = {"Api-Key": "test-key", "X-Pinecone-Api-Version": "2026-04", "Content-Type": "application/json"}
LIMIT = 4096  # a small body limit, so the tests need not send megabytes


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def _tags(value: str) -> bytes:
    return ('{"tags":' + value + "}").encode()


def _huge_offset_token(digits: int) -> str:
    return base64.urlsafe_b64encode(("offset:" + "9" * digits).encode()).decode()


#: (method, path, raw body, query): the inputs that answered 500 before the fix.
CRASHERS = [
    ("POST", "/indexes", ('{"name":"deep","dimension":8,"spec":{"serverless":{"cloud":"aws","region":"us-east-1",'
                          '"schema":' + _nested(950) + '}}}').encode(), None),
    ("POST", "/indexes", ('{"name":"deep","tags":' + _nested(1000) + '}').encode(), None),
    ("PATCH", "/indexes/existing", _tags(_nested(990)), None),
    ("GET", "/backups", b"", {"paginationToken": _huge_offset_token(5000)}),
    ("GET", "/restore-jobs", b"", {"paginationToken": _huge_offset_token(50)}),
    ("GET", "/indexes/existing/backups", b"", {"paginationToken": _huge_offset_token(4301)}),
    ("PATCH", "/indexes/existing", b'{"tags":{"\\ud800":"v"}}', None),
    ("POST", "/indexes", b'{"name":"s","dimension":8,"spec":{"serverless":{"cloud":"aws","region":"\\ud800"}}}', None),
    ("POST", "/indexes/create-for-model",
     b'{"name":"m","cloud":"aws","region":"us-east-1","embed":{"model":"\\udc00x","field_map":{"text":"t"}}}', None),
    ("POST", "/indexes", b'{"name":"\\udbff","dimension":8,"spec":{"serverless":{"cloud":"aws","region":"us-east-1"}}}',
     None),
]


def _client(**kwargs) -> CheckedClient:
    client = CheckedClient(create_app(settings=MockSettings(max_body_bytes=LIMIT)), **kwargs)
    assert client.post("/indexes", json=serverless("existing")).status_code == 201
    return client


@pytest.mark.parametrize(("method", "path", "body", "query"), CRASHERS,
                         ids=[f"{m} {p} {i}" for i, (m, p, _, _) in enumerate(CRASHERS)])
def test_former_crashers_are_refused_with_400_in_process(method, path, body, query):
    client = _client()
    response = client.request(method, path, content=body, params=query, headers={"Content-Type": "application/json"},
                              check=query is None)  # a 400 on a list is production's, undocumented
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_ARGUMENT"
    assert response.json()["status"] == 400


def test_former_crashers_are_refused_with_400_on_loopback():
    app = create_app(settings=MockSettings(max_body_bytes=LIMIT))
    with serve_in_thread(app) as url:
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("POST", "/indexes", body=json.dumps(serverless("existing")), headers=HEADERS)
        created = connection.getresponse()
        assert created.status == 201 and created.read()
        for method, path, body, query in CRASHERS:
            target = path + ("?paginationToken=" + query["paginationToken"] if query else "")
            connection.request(method, target, body=body, headers=HEADERS)
            response = connection.getresponse()
            payload = json.loads(response.read())
            assert response.status == 400, (method, path, payload)
            assert payload["error"]["code"] == "INVALID_ARGUMENT"
        connection.close()


def test_nesting_limit_is_exact():
    client = _client()
    at_limit = _tags(_nested(MAX_NESTING - 1))  # the body object itself is one level
    over = _tags(_nested(MAX_NESTING))
    accepted = client.patch("/indexes/existing", content=at_limit)
    assert accepted.status_code == 422  # parsed, then refused for its shape (tags are strings)
    refused = client.patch("/indexes/existing", content=over)
    assert refused.status_code == 400 and "recursion limit" in refused.json()["error"]["message"]


def test_issued_tokens_still_work_and_near_misses_are_refused():
    client = _client()
    for number in range(3):
        assert client.post("/indexes/existing/backups", json={"name": f"b{number}"}).status_code == 201
    first = client.get("/backups", params={"limit": 2}).json()
    token = first["pagination"]["next"]
    second = client.get("/backups", params={"limit": 2, "paginationToken": token}).json()
    assert len(first["data"]) == 2 and len(second["data"]) == 1 and "pagination" not in second
    for bad in (_huge_offset_token(19), base64.urlsafe_b64encode(b"offset:-1").decode(),
                base64.urlsafe_b64encode("offset:１".encode()).decode(), "x" * 10_000):
        response = client.get("/backups", params={"paginationToken": bad}, check=False)
        assert response.status_code == 400 and response.json()["error"]["message"] == "Invalid pagination token."


def test_surrogate_pairs_that_form_a_character_are_fine():
    client = _client()
    response = client.patch("/indexes/existing", content=b'{"tags":{"\\ud83d\\ude00":"v"}}')
    assert response.status_code == 400  # a real character, refused by the tag-key rule, not by the parser
    assert "tag key" in response.json()["error"]["message"]


def test_body_over_the_limit_is_400_where_a_body_is_taken_and_ignored_elsewhere():
    client = _client()
    big = json.dumps({"name": "big", "padding": "x" * LIMIT}).encode()
    refused = client.post("/indexes", content=big)
    assert refused.status_code == 400 and "too large" in refused.json()["error"]["message"]
    assert client.patch("/indexes/existing", content=big).status_code == 400
    assert client.get("/indexes/existing").status_code == 200  # nothing changed
    listed = client.request("GET", "/indexes", content=big)  # list_indexes takes no body: it is ignored
    assert listed.status_code == 200 and [i["name"] for i in listed.json()["indexes"]] == ["existing"]
    # unauthenticated: still 401 first
    assert client.post("/indexes", content=big, auth=False).status_code == 401
    # just under the limit: parsed as usual
    fits = json.dumps({"name": "fits", "x": "y" * (LIMIT - 40)}).encode()
    assert len(fits) <= LIMIT and client.post("/indexes", content=fits).status_code == 422


def test_body_over_the_limit_keeps_the_connection_usable_on_loopback():
    app = create_app(settings=MockSettings(max_body_bytes=LIMIT))
    with serve_in_thread(app) as url:
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        huge = b'{"name":"x","padding":"' + b"x" * (LIMIT * 200) + b'"}'
        for method, path, expected in (("POST", "/indexes", 400), ("GET", "/indexes", 200),
                                       ("POST", "/indexes", 400)):
            connection.request(method, path, body=huge, headers=HEADERS)
            response = connection.getresponse()
            response.read()
            assert response.status == expected and not response.will_close
        connection.request("POST", "/indexes", body=json.dumps(serverless("after")), headers=HEADERS)
        response = connection.getresponse()
        assert response.status == 201 and json.loads(response.read())["name"] == "after"
        connection.close()


def test_default_body_limit_is_one_mebibyte():
    assert MockSettings().max_body_bytes == 1024 * 1024
    client = CheckedClient(create_app())
    body = json.dumps({"name": "x", "padding": "p" * (1024 * 1024)}).encode()
    assert client.post("/indexes", content=body).status_code == 400


def test_numbers_beyond_a_double_are_refused_not_echoed_as_infinity():
    """``1e400`` would be stored as ``inf`` and echoed as ``Infinity``: an answer no JSON parser reads."""
    client = _client()
    schema = b'{"name":"inf","dimension":8,"spec":{"serverless":{"cloud":"aws","region":"us-east-1",' \
             b'"schema":{"fields":{"x":{"filterable":true,"w":1e400}}}}}}'
    refused = client.post("/indexes", content=schema)
    assert refused.status_code == 400 and "out of range" in refused.json()["error"]["message"]
    assert client.post("/indexes", content=b'{"name":"neg","dimension":-1e999}').status_code == 400
    listed = client.get("/indexes")
    assert "Infinity" not in listed.text and [i["name"] for i in listed.json()["indexes"]] == ["existing"]
    small = schema.replace(b"1e400", b"1e300")
    assert client.post("/indexes", content=small).status_code == 201
