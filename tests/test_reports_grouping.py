"""Grouping and the shared facts (verdict, coverage, matrix) every report states."""

from __future__ import annotations

from pathlib import Path

from pinecone_conformance.core.findings import Finding, FindingStore
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports.facts import FAIL, PASS, coverage, matrix, verdict
from pinecone_conformance.reports.grouping import DOCUMENT, group

FIXTURE = Path(__file__).parent / "data" / "reports" / "run"


def load_fixture() -> tuple[list[Finding], RunRecord]:
    return FindingStore(FIXTURE / "findings").all(), RunRecord.load(FIXTURE)


def test_identical_deviations_are_one_group_with_count_and_shortest_request():
    findings, _ = load_fixture()
    groups = group(findings)
    assert len(findings) == 8
    assert len(groups) == 6
    schema = [g for g in groups if g.operation == "describe_index"]
    assert len(schema) == 1
    (g,) = schema
    assert g.count == 3 and len(g.occurrences) == 3
    assert g.representative.request == min((f.request for f in findings if f.operation == "describe_index"), key=len)
    assert g.representative.request.endswith("/indexes/i7")
    assert (g.check, g.status, g.severity, g.kind) == ("response_schema_conformance", 200, "error", "response-schema")


def test_groups_sorted_by_severity_then_count():
    findings, _ = load_fixture()
    groups = group(findings)
    assert [g.severity for g in groups] == ["error", "error", "error", "warning", "warning", "note"]
    assert groups[0].count == 3  # the most frequent error first
    assert group(list(reversed(findings))) == group(list(reversed(findings)))  # deterministic


def test_different_status_or_location_are_different_groups():
    base = dict(kind="response-schema", check="c", severity="error", message="m", operation="op")
    findings = [Finding(**base, status=200, location="/a"), Finding(**base, status=500, location="/a"),
                Finding(**base, status=200, location="/b"), Finding(**base, status=200, location="/a", request="curl x")]
    groups = group(findings)
    assert sorted(g.count for g in groups) == [1, 1, 2]
    two = next(g for g in groups if g.count == 2)
    assert two.representative.request == "curl x"  # a finding with a request beats one without


def test_group_takes_worst_severity_and_document_row():
    base = dict(kind="k", check="c", message="m")
    (g,) = group([Finding(**base, severity="note"), Finding(**base, severity="warning")])
    assert g.severity == "warning" and g.row == DOCUMENT


def test_verdict():
    findings, record = load_fixture()
    assert verdict(findings, record) == FAIL
    clean = RunRecord(exit_code=0)
    assert verdict([f for f in findings if f.severity != "error"], clean) == PASS
    assert verdict([], RunRecord(exit_code=1)) == FAIL  # e.g. --fail-on-warning


def test_coverage_counts_documented_statuses_ranges_default_and_undocumented():
    _, record = load_fixture()
    cov = coverage(record)
    assert (cov.operations_exercised, cov.operations_total) == (5, 6)
    by_op = {op.operation: op for op in cov.operations}
    assert by_op["create_index"].documented["4XX"] == 1  # 403 falls under 4XX
    assert by_op["create_index"].documented["400"] == 30  # exact beats the range
    assert by_op["configure_index"].documented["default"] == 1  # 503 under default
    assert by_op["delete_index"].undocumented == {"200": 4}
    assert (cov.statuses_observed, cov.statuses_total) == (11, 27)
    assert (cov.links_followed, cov.links_total) == (2, 3)


def test_matrix_has_every_pair_and_marks_results():
    findings, record = load_fixture()
    m = matrix(record, group(findings))
    assert m.rows[: len(record.operations)] == record.operations
    assert m.rows[-1] == DOCUMENT
    assert m.result("describe_index", "response_schema_conformance") == "fail"
    assert m.result("list_indexes", "rejects_unknown_field") == "warn"
    assert m.result("configure_index", "rate_limit_headers") == "note"
    assert m.result("list_indexes", "status_code_conformance") == "pass"
    assert m.result("create_collection", "status_code_conformance") == "not-run"
    assert m.result(DOCUMENT, "example_valid") == "warn"
