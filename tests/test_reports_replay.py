"""findings.har and ``report replay``, against the embedded mock served on loopback."""

from __future__ import annotations

import json

import local_http
import pytest

from pinecone_conformance.conformance.cli import main
from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.redaction import REDACTED, curl_command
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread
from pinecone_conformance.mockserver.testing import serverless
from pinecone_conformance.reports import write_reports
from pinecone_conformance.reports.findings_json import load
from pinecone_conformance.reports.har import FINDINGS_HAR, render_har, write_har
from pinecone_conformance.reports.replay import GONE, STILL_THERE, Replayed, find_group, target_url, verdict

KEY = "test-key"
HEADERS = {"Api-Key": KEY, "X-Pinecone-Api-Version": "2026-04", "Content-Type": "application/json"}


def exchange(base_url: str, method: str, path: str, body: dict | None = None) -> dict:
    """Send a request and record it the way findings carry it (key redacted)."""
    content = None if body is None else json.dumps(body)
    response = local_http.request(method, base_url + path, headers=HEADERS, content=content, timeout=10)
    return {"method": method, "url": base_url + path,
            "request_headers": {**HEADERS, "Api-Key": REDACTED}, "request_body": body,
            "status": response.status_code, "response_headers": dict(response.headers),
            "response_body": response.text}


def finding_of(ex: dict, kind: str, check: str, operation: str, message: str, **details) -> Finding:
    return Finding(kind=kind, check=check, severity="error", message=message, operation=operation,
                   status=ex["status"], request=curl_command(ex["method"], ex["url"], ex["request_headers"],
                                                             ex["request_body"]),
                   response=ex["response_body"], details={"exchange": ex, **details})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run against a mock with two seeded deviations: a wrong status and a missing property."""
    directory = tmp_path_factory.mktemp("run")
    with serve_in_thread(create_app(KEY, ["create-index-200", "describe-omits-host"])) as url:
        created = exchange(url, "POST", "/indexes", serverless("pcc-abc123-one"))
        setup = exchange(url, "POST", "/indexes", serverless("pcc-abc123-two"))
        described = exchange(url, "GET", "/indexes/pcc-abc123-two")
    assert created["status"] == 200 and "host" not in json.loads(described["response_body"])
    findings = [
        finding_of(created, "status-code", "status_code_conformance", "create_index", "create_index answered 200"),
        finding_of(described, "response-schema", "response_schema_conformance", "describe_index",
                   "'host' is a required property", setup_exchanges=[setup]),
        Finding(kind="example", check="example_valid", severity="error", message="old finding, no exchange",
                location="#/components/examples/x"),
        Finding(kind="leniency", check="explicit_null_accepted", severity="note", message="a note",
                operation="create_index", details={"exchange": created}),
    ]
    record = RunRecord(spec_version="2026-04", target=url, seed=1, run_id="abc123")
    write_reports(directory, findings, record, secrets=(KEY,))
    write_har(directory, findings, secrets=(KEY,))
    return directory


def fingerprint(run_dir, check: str) -> str:
    return next(g["fingerprint"] for g in load(run_dir)["groups"] if g["check"] == check)


def test_har_has_one_entry_per_error_group_with_an_exchange_and_no_key(run_dir):
    har = json.loads((run_dir / FINDINGS_HAR).read_text())
    entries = har["log"]["entries"]
    assert har["log"]["version"] == "1.2" and har["log"]["creator"]["name"] == "pinecone-conformance"
    assert len(entries) == 2  # the old finding has no exchange, the note is no error
    by_fp = {entry["comment"].split()[0]: entry for entry in entries}
    create = by_fp[fingerprint(run_dir, "status_code_conformance")]
    assert create["request"]["method"] == "POST" and create["request"]["url"].endswith("/indexes")
    assert json.loads(create["request"]["postData"]["text"])["name"] == "pcc-abc123-one"
    assert create["request"]["postData"]["mimeType"] == "application/json"
    assert create["response"]["status"] == 200 and create["response"]["statusText"] == "OK"
    assert {"name": "Api-Key", "value": REDACTED} in create["request"]["headers"]
    describe = by_fp[fingerprint(run_dir, "response_schema_conformance")]
    assert "postData" not in describe["request"] and "host" not in json.loads(describe["response"]["content"]["text"])
    assert KEY not in (run_dir / FINDINGS_HAR).read_text()


def test_har_scrubs_secrets_and_is_empty_without_exchanges():
    leaky = Finding(kind="k", check="c", severity="error", message="m", operation="op",
                    details={"exchange": {"method": "GET", "url": "http://h/x?key=s3cret", "status": 500,
                                          "request_headers": [["Authorization", "Bearer s3cret"]],
                                          "response_body": "echo s3cret"}})
    text = render_har([leaky], secrets=("s3cret",))
    assert "s3cret" not in text
    entry = json.loads(text)["log"]["entries"][0]
    assert entry["request"]["queryString"] == [{"name": "key", "value": REDACTED}]
    assert json.loads(render_har([]))["log"]["entries"] == []


def test_replay_against_the_same_faulty_server_says_still_there(run_dir, capsys):
    with serve_in_thread(create_app(KEY, ["create-index-200", "describe-omits-host"])) as url:
        for check in ("status_code_conformance", "response_schema_conformance"):
            fp = fingerprint(run_dir, check)
            assert main(["report", "replay", fp[:8], "--base-url", url, "--api-key", KEY, "--dir", str(run_dir)]) == 1
            out = capsys.readouterr().out
            assert out.startswith(fp) and f": {STILL_THERE}:" in out


def test_replay_against_a_fixed_server_says_gone(run_dir, capsys, monkeypatch):
    monkeypatch.setenv("PINECONE_API_KEY", KEY)
    with serve_in_thread(create_app(KEY)) as url:
        fp = fingerprint(run_dir, "status_code_conformance")
        assert main(["report", "replay", fp, "--base-url", url, "--dir", str(run_dir / "findings.json")]) == 0
        assert f": {GONE}: the server now answers 201 (was 200)" in capsys.readouterr().out
        fp = fingerprint(run_dir, "response_schema_conformance")  # the setup call creates the index first
        assert main(["report", "replay", fp, "--base-url", url, "--dir", str(run_dir)]) == 0
        assert "different shape" in capsys.readouterr().out


def test_replay_bad_input_is_one_line_exit_2(run_dir, capsys, monkeypatch):
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)
    fp = fingerprint(run_dir, "status_code_conformance")
    old = fingerprint(run_dir, "example_valid")
    with serve_in_thread(create_app(KEY)) as url:
        cases = [
            ["ffffffffffff", "--base-url", url, "--api-key", KEY],  # no such finding
            ["", "--base-url", url, "--api-key", KEY],
            [old, "--base-url", url, "--api-key", KEY],  # no exchange recorded
            [fp, "--base-url", url],  # the key is needed
            [fp, "--base-url", "ftp://x", "--api-key", KEY],
            [fp, "--base-url", "http://127.0.0.1:1", "--api-key", KEY],  # nobody listens
        ]
        for argv in cases:
            assert main(["report", "replay", *argv, "--dir", str(run_dir)]) == 2, argv
            err = capsys.readouterr().err.strip()
            assert err.startswith("pinecone-conformance: error:") and "\n" not in err, err
    assert main(["report", "replay", fp, "--base-url", "http://x", "--dir", str(run_dir / "nothing")]) == 2


def test_ambiguous_prefixes_are_refused():
    document = {"groups": [{"fingerprint": "abc1"}, {"fingerprint": "abc2"}, {"fingerprint": "def0"}]}
    assert find_group(document, "ABC1")["fingerprint"] == "abc1"
    with pytest.raises(Exception, match="ambiguous"):
        find_group(document, "abc")


def test_target_url_keeps_path_and_query_below_the_recorded_base():
    assert target_url("http://old:1/indexes?limit=2", "http://old:1", "https://new/") == "https://new/indexes?limit=2"
    assert target_url("http://old/prefix/indexes", "http://old/prefix", "http://n/p") == "http://n/p/indexes"
    assert target_url("http://embedded-mock/backups", "embedded-mock", "http://n") == "http://n/backups"


@pytest.mark.parametrize(("kind", "recorded", "now", "expected"), [
    ("status-code", (200, '{"a": 1}'), (200, '{"b": 2}'), STILL_THERE),
    ("status-code", (200, ""), (201, ""), GONE),
    ("response-schema", (200, '{"a": 1, "b": [1]}'), (200, '{"b": [5, 6], "a": 9}'), STILL_THERE),
    ("response-schema", (200, '{"a": 1}'), (200, '{"a": 1, "host": "h"}'), GONE),
    ("response-schema", (200, '{"a": 1}'), (201, '{"a": 1}'), STILL_THERE),  # same class, same shape
    ("semantic", (200, '{"a": 1}'), (500, '{"a": 1}'), GONE),
    ("error-body", (404, "not json"), (404, "other text"), STILL_THERE),
])
def test_verdict_rules(kind, recorded, now, expected):
    ex = {"status": recorded[0], "response_body": recorded[1]}
    assert verdict(kind, ex, Replayed(now[0], {}, now[1]))[0] == expected


def test_headers_findings_compare_header_names():
    ex = {"status": 200, "response_headers": {"content-type": "application/json"}}
    assert verdict("headers", ex, Replayed(200, {"content-type": "x"}, ""))[0] == STILL_THERE
    assert verdict("headers", ex, Replayed(200, {"content-type": "x", "x-pinecone-api-version": "2026-04"}, ""))[0] == GONE
