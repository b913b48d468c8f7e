"""findings.json (validated against its schema), junit.xml (parsed with junitparser), summary.md."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from junitparser import Error, Failure, JUnitXml

from pinecone_conformance.core.findings import Finding, FindingStore
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports import findings_json, write_reports
from pinecone_conformance.reports.findings_json import (
    SCHEMA_VERSION,
    InvalidFindingsFile,
    load,
    schema,
    validation_errors,
)
from pinecone_conformance.reports.junit import xml_safe

FIXTURE = Path(__file__).parent / "data" / "reports" / "run"


def load_fixture() -> tuple[list[Finding], RunRecord]:
    return FindingStore(FIXTURE / "findings").all(), RunRecord.load(FIXTURE)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    findings, record = load_fixture()
    return write_reports(tmp_path_factory.mktemp("reports"), findings, record, secrets=("pcsk_unused",))


def test_writes_all_four_outputs(written):
    assert sorted(written) == ["findings.json", "junit.xml", "report.html", "summary.md"]
    assert all(path.is_file() and path.stat().st_size > 0 for path in written.values())


# findings.json ---------------------------------------------------------------------------

def test_schema_is_draft_2020_12_and_versioned():
    s = schema()
    Draft202012Validator.check_schema(s)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["properties"]["schema_version"] == {"const": SCHEMA_VERSION, "description": "Version of this schema."}
    assert f"schema_version {SCHEMA_VERSION}" in s["description"]


def test_findings_json_validates_and_holds_everything(written):
    document = json.loads(written["findings.json"].read_text())
    assert validation_errors(document) == []
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["verdict"] == "FAIL"
    run = document["run"]
    assert run["spec"] == {"version": "2026-04", "sha256": "9f2c" + "0" * 56,
                           "source": "spec/documents/db_control_2026-04.oas.yaml"}
    assert (run["target"], run["seed"], run["started_at"], run["finished_at"]) == (
        "embedded-mock", 1234, "2026-11-23T22:00:00+00:00", "2026-11-23T22:03:30+00:00")
    assert run["tool_versions"]["schemathesis"] == "4.3.2"
    assert document["coverage"]["requests_per_operation"] == {
        "list_indexes": 42, "create_index": 43, "describe_index": 34, "delete_index": 7,
        "configure_index": 13, "create_collection": 0}
    assert len(document["findings"]) == 8  # every finding, not only the groups
    assert len(document["groups"]) == 6
    assert document["counts"]["by_severity"] == {"error": 5, "warning": 2, "note": 1}
    first = document["groups"][0]
    assert (first["operation"], first["count"]) == ("describe_index", 3)
    assert first["representative"]["request"].endswith("/indexes/i7")
    fingerprints = {f["fingerprint"] for f in document["findings"]}
    assert fingerprints == {g["fingerprint"] for g in document["groups"]}


@pytest.mark.parametrize("breakage", [
    lambda d: d.pop("run"),
    lambda d: d.update(schema_version=99),
    lambda d: d["findings"][0].update(severity="fatal"),
    lambda d: d["findings"][0].pop("check"),
    lambda d: d["groups"][0].update(count=0),
    lambda d: d["groups"][0].update(fingerprint="not-hex"),
    lambda d: d["run"].update(seed="1234"),
    lambda d: d["counts"]["by_severity"].pop("note"),
    lambda d: d.update(verdict="MAYBE"),
])
def test_broken_findings_json_is_rejected(written, breakage):
    document = json.loads(written["findings.json"].read_text())
    broken = copy.deepcopy(document)
    breakage(broken)
    assert validation_errors(broken), "the schema accepted a broken document"


def test_load_accepts_file_or_directory_and_rejects_bad_files(written, tmp_path):
    assert load(written["findings.json"])["schema_version"] == SCHEMA_VERSION
    assert load(written["findings.json"].parent)["verdict"] == "FAIL"
    with pytest.raises(InvalidFindingsFile, match="no such file"):
        load(tmp_path / "missing.json")
    (tmp_path / "findings.json").write_text("{not json")
    with pytest.raises(InvalidFindingsFile, match="not JSON"):
        load(tmp_path)
    (tmp_path / "findings.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION, "groups": []}))
    with pytest.raises(InvalidFindingsFile, match="not a valid findings.json"):
        load(tmp_path)


def test_empty_run_is_valid_and_passes():
    document = findings_json.build([], RunRecord(spec_version="2026-04", exit_code=0))
    assert validation_errors(document) == []
    assert document["verdict"] == "PASS" and document["groups"] == [] and document["findings"] == []


# junit.xml -------------------------------------------------------------------------------

def _cases(path: Path) -> dict[tuple[str, str], object]:
    xml = JUnitXml.fromfile(str(path))
    return {(case.classname, case.name): case for suite in xml for case in suite}


def test_junit_one_case_per_operation_and_check(written):
    findings, record = load_fixture()
    cases = _cases(written["junit.xml"])
    expected = {(op, check) for op, checks in record.checks_run.items() for check in checks}
    expected |= {(f.operation or "(document)", f.check) for f in findings}
    assert set(cases) == expected
    assert len(cases) == 19


def test_junit_failures_exactly_where_errors_are(written):
    cases = _cases(written["junit.xml"])
    failing = {key for key, case in cases.items() if any(isinstance(r, Failure | Error) for r in case.result)}
    assert failing == {("describe_index", "response_schema_conformance"), ("create_index", "index_vector_type"),
                       ("delete_index", "delete_accepted")}
    failure = next(r for r in cases[("describe_index", "response_schema_conformance")].result)
    assert "dimension" in failure.message
    text = failure.text
    for needed in ("curl -X GET", "/indexes/i7", "status: 200", "occurrences: 3", "seed: 1234",
                   "properties/dimension", '"dimension":"1536"'):
        assert needed in text
    # warnings and notes are reported but do not fail
    warned = cases[("list_indexes", "rejects_unknown_field")]
    assert warned.is_passed and "undocumented query parameter" in warned.system_out
    assert "<script>" in warned.system_out  # the untrusted body is carried as text, escaped in the XML
    noted = cases[("configure_index", "rate_limit_headers")]
    assert noted.is_passed and "Retry-After" in noted.system_out


def test_junit_suite_counts_and_properties(written):
    xml = JUnitXml.fromfile(str(written["junit.xml"]))
    (suite,) = list(xml)
    assert (suite.tests, suite.failures, suite.errors) == (19, 3, 0)
    properties = {p.name: p.value for p in suite.properties()}
    assert properties["seed"] == "1234" and properties["spec_version"] == "2026-04"


def test_junit_survives_control_characters(tmp_path):
    body = "bad\x00bytes\x1b[31m\ud800"
    finding = Finding("response-schema", "c", "error", "m\x07", "op", response=body, status=200)
    paths = write_reports(tmp_path, [finding], RunRecord(operations=["op"]))
    cases = _cases(paths["junit.xml"])
    assert "bad\ufffdbytes" in next(iter(cases[("op", "c")].result)).text
    assert xml_safe("a\x00b") == "a\ufffdb"


# summary.md ------------------------------------------------------------------------------

def test_summary_markdown(written):
    text = written["summary.md"].read_text()
    lines = text.splitlines()
    assert lines[0] == "## Pinecone conformance: ❌ FAIL"
    assert "5 errors, 2 warnings, 1 note" in text
    assert "| error | 5 | 3 |" in text and "| warning | 2 | 2 |" in text and "| note | 1 | 1 |" in text
    assert "| response-schema | 3 |" in text and "| semantic | 1 |" in text
    top = [line for line in lines if line.startswith("| error |") and "`" in line]
    assert top[0] == ("| error | `describe_index` | `response_schema_conformance` | 200 | 3 | response of describe_index "
                      "breaks its schema: 'dimension' is '1536' (a string), not an integer |")
    assert "- Operations exercised: 5/6 (83%) — not exercised: `create_collection`" in text
    assert "- Documented status codes observed: 11/27 (41%)" in text
    assert "- Links followed: 2/3 (67%)" in text
    assert "seed `1234`" in text


def test_summary_top_ten_and_escaping(tmp_path):
    findings = [Finding("k", f"check_{i:02d}", "error", f"msg {i} | <b>x</b>\nsecond line", "op", status=500)
                for i in range(15)]
    text = write_reports(tmp_path, findings, RunRecord(operations=["op"]))["summary.md"].read_text()
    assert "Top deviations (10 of 15)" in text
    rows = [line for line in text.splitlines() if line.startswith("| error | `op`")]
    assert len(rows) == 10
    assert all(len(re.split(r"(?<!\\)\|", row)) == 8 for row in rows)  # 6 cells: no pipe leaked
    assert "msg 0 \\| &lt;b&gt;x&lt;/b&gt; second line" in text


def test_summary_of_a_clean_run(tmp_path):
    record = RunRecord(spec_version="2026-04", exit_code=0, operations=["a"], observed_statuses={"a": {"200": 1}},
                       documented_statuses={"a": ["200"]})
    text = write_reports(tmp_path, [], record)["summary.md"].read_text()
    assert text.startswith("## Pinecone conformance: ✅ PASS")
    assert "Top deviations" not in text
    assert "- Operations exercised: 1/1 (100%)" in text
