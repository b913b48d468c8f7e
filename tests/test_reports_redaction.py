"""The API key never reaches a written report, wherever in a finding or the record it hides."""

from __future__ import annotations

from pathlib import Path

from pinecone_conformance.core.findings import Finding, FindingStore
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports import write_reports

FIXTURE = Path(__file__).parent / "data" / "reports" / "run"
KEY = "pcsk_TESTKEY_5b1e9c_RecognisableSecret"
OTHER = "embedded-mock-key"


def leaky_inputs() -> tuple[list[Finding], RunRecord]:
    """The fixture plus the key in every place a careless check could put it."""
    findings = FindingStore(FIXTURE / "findings").all()
    findings.append(Finding(
        kind="auth", check="auth_required", severity="error",
        message=f"list_indexes accepted key {KEY} after it was revoked",
        operation="list_indexes", location=f"/paths/~1indexes/get#{KEY}",
        request=f"curl -H 'Api-Key: {KEY}' -H 'X-Other: {OTHER}' 'https://h/indexes?key={KEY}'",
        status=200, response=f'{{"echo": "{KEY}", "html": "<b>{KEY}</b>", "amp": "&{KEY}&"}}',
        seed=1234, details={"headers": {"Api-Key": KEY}, KEY: [KEY, {"nested": KEY}]},
    ))
    record = RunRecord.load(FIXTURE)
    record.target = f"https://h/?api_key={KEY}"
    record.options = {**record.options, "api_key": KEY}
    record.errors = [f"cleanup failed for key {KEY}"]
    record.tool_versions = {**record.tool_versions, "note": KEY}
    return findings, record


def all_text(directory: Path) -> dict[str, str]:
    return {str(path): path.read_bytes().decode("utf-8", errors="replace")
            for path in directory.rglob("*") if path.is_file()}


def test_key_appears_in_no_written_file(tmp_path):
    findings, record = leaky_inputs()
    written = write_reports(tmp_path, findings, record, secrets=(KEY, OTHER, None, ""))
    assert len(written) == 4
    texts = all_text(tmp_path)
    assert len(texts) == 4
    for path, text in texts.items():
        assert KEY not in text, f"the API key leaked into {path}"
        assert OTHER not in text, f"the second secret leaked into {path}"
        assert "[REDACTED]" in text, f"{path} lost the finding that held the key"
    # the caller's objects are untouched (redaction works on copies)
    assert KEY in findings[-1].request and KEY in record.target


def test_without_the_secret_the_key_would_leak(tmp_path):
    """Proves the test above can fail: the inputs really do hold the key."""
    findings, record = leaky_inputs()
    write_reports(tmp_path, findings, record)
    assert all(KEY in text for text in all_text(tmp_path).values())


def test_findings_json_writer_alone_redacts(tmp_path):
    from pinecone_conformance.reports.findings_json import load, write

    findings, record = leaky_inputs()
    path = write(tmp_path / "findings.json", findings, record, secrets=(KEY,))
    assert KEY not in path.read_text()
    assert load(path)["run"]["options"]["api_key"] == "[REDACTED]"


def test_a_short_key_is_redacted_where_it_stands_alone_and_never_inside_a_word(tmp_path):
    """A test server's key such as ``k`` or ``test`` replaced inside words broke the reports
    (``"check"`` became ``"chec[REDACTED]"`` in findings.json); a real key is long and is
    replaced wherever it appears, even glued to other characters."""
    import json

    from pinecone_conformance.core.redaction import REDACTED, SHORT_SECRET, redact

    assert redact('{"check": "x", "kind": "k"} -H \'Api-Key: k\' ?key=k', ["k"]) == \
        f'{{"check": "x", "kind": "{REDACTED}"}} -H \'Api-Key: {REDACTED}\' ?key={REDACTED}'
    assert redact("tested test pcc-test-1 contest", ["test"]) == f"tested {REDACTED} pcc-{REDACTED}-1 contest"
    long_key = "pcsk_" + "x" * (SHORT_SECRET - 5)
    assert redact(f"a{long_key}b", [long_key]) == f"a{REDACTED}b"
    finding = Finding(check="status_code_conformance", kind="status-code", severity="error", message="k said k",
                      operation="list_indexes")
    write_reports(tmp_path, [finding], RunRecord.load(FIXTURE), secrets=("k",))
    written = json.loads((tmp_path / "findings.json").read_text())
    assert written["findings"][0]["check"] == "status_code_conformance"
    assert written["findings"][0]["message"] == f"{REDACTED} said {REDACTED}"
