"""``report replay`` sends through the suite's gate: against a server it writes only to what the
replayed run owns (its pcc-<run id>- prefix), as a run does."""

from __future__ import annotations

import local_http
import pytest

from pinecone_conformance.conformance.cli import main
from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.redaction import REDACTED
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread
from pinecone_conformance.mockserver.testing import serverless
from pinecone_conformance.reports import write_reports
from pinecone_conformance.reports.findings_json import load

KEY = "replay-key"
HEADERS = {"Api-Key": REDACTED, "X-Pinecone-Api-Version": "2026-04", "Content-Type": "application/json"}


class Recorder:
    """ASGI wrapper: remembers (method, path) of every request, then lets the mock answer."""

    def __init__(self, app):
        self.app, self.seen = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.seen.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


def run_dir(tmp_path, base_url: str, run_id: str, requests: list[tuple[str, str, dict | None]]):
    """A findings.json whose findings recorded these requests (as a run on ``base_url`` would)."""
    findings = [
        Finding(kind="status-code", check="status_code_conformance", severity="error", message=f"{method} {path}",
                operation="delete_index" if method == "DELETE" else "create_index", status=200 + index,
                details={"exchange": {"method": method, "url": base_url + path, "request_headers": HEADERS,
                                      "request_body": body, "status": 200, "response_headers": {},
                                      "response_body": "{}"}})
        for index, (method, path, body) in enumerate(requests)  # distinct statuses: one group each
    ]
    write_reports(tmp_path, findings, RunRecord(spec_version="2026-04", target=base_url, seed=1, run_id=run_id))
    return {g["message"]: g["fingerprint"] for g in load(tmp_path)["groups"]}


@pytest.fixture
def server():
    recorder = Recorder(create_app(KEY))
    with serve_in_thread(recorder) as url:
        http = local_http.Client(base_url=url, headers={"Api-Key": KEY, "X-Pinecone-Api-Version": "2026-04"})
        assert http.post("/indexes", json=serverless("somebody-elses")).status_code == 201
        assert http.post("/indexes", json=serverless("pcc-abc123-mine")).status_code == 201
        recorder.seen.clear()
        yield url, recorder, http
        http.close()


def test_a_replay_never_deletes_what_the_run_did_not_create(server, tmp_path, capsys):
    url, recorder, http = server
    groups = run_dir(tmp_path, url, "abc123", [("DELETE", "/indexes/somebody-elses", None),
                                               ("DELETE", "/indexes/pcc-abc123-mine", None)])
    code = main(["report", "replay", groups["DELETE /indexes/somebody-elses"], "--base-url", url,
                 "--api-key", KEY, "--dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "not replayed: the gate refused DELETE /indexes/somebody-elses (safety)" in err
    assert ("DELETE", "/indexes/somebody-elses") not in recorder.seen
    assert http.get("/indexes/somebody-elses").status_code == 200  # untouched
    # what the run owns is replayed
    main(["report", "replay", groups["DELETE /indexes/pcc-abc123-mine"], "--base-url", url, "--api-key", KEY,
          "--dir", str(tmp_path)])
    assert ("DELETE", "/indexes/pcc-abc123-mine") in recorder.seen


def test_a_replay_of_another_runs_create_is_refused(server, tmp_path, capsys):
    url, recorder, _ = server
    groups = run_dir(tmp_path, url, "zzz999", [("POST", "/indexes", serverless("pcc-abc123-other"))])
    assert main(["report", "replay", next(iter(groups.values())), "--base-url", url, "--api-key", KEY,
                 "--dir", str(tmp_path)]) == 2
    assert "not replayed" in capsys.readouterr().err and ("POST", "/indexes") not in recorder.seen


def test_a_run_without_a_run_id_owns_nothing(server, tmp_path, capsys):
    url, recorder, _ = server
    groups = run_dir(tmp_path, url, "", [("DELETE", "/indexes/pcc-abc123-mine", None)])
    assert main(["report", "replay", next(iter(groups.values())), "--base-url", url, "--api-key", KEY,
                 "--dir", str(tmp_path)]) == 2
    assert recorder.seen == []
    capsys.readouterr()
