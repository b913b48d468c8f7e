"""The reports take their checks from the registry the run recorded (RunRecord.checks): names,
order and citations come from there, and a registered check that ran nowhere is visible."""

import xml.etree.ElementTree as ET

from pinecone_conformance.conformance.registry import CHECKS
from pinecone_conformance.conformance.response_checks import (
    ALL_CHECKS,
    Exchange,
    ResponseCheck,
    applicable_checks,
)
from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports import junit, markdown
from pinecone_conformance.reports.facts import matrix, never_ran
from pinecone_conformance.reports.grouping import group


def record(**fields) -> RunRecord:
    return RunRecord(operations=["list_indexes", "describe_index"], checks=CHECKS.as_record(), **fields)


def test_a_registered_check_that_ran_nowhere_is_a_skipped_junit_case():
    ran = record(checks_run={"list_indexes": ["openapi_core_conformance"], "describe_index": ["error_body"]})
    root = junit.build([], ran)
    suite = root.find("testsuite")
    skipped = {case.get("name") for case in suite.findall("testcase") if case.get("classname") == junit.NOT_RUN}
    assert skipped == set(CHECKS.ids()) - {"openapi_core_conformance", "error_body"}
    assert int(suite.get("skipped")) == len(skipped) and int(suite.get("tests")) == len(skipped) + 2
    assert all(case.find("skipped") is not None for case in suite.findall("testcase")
               if case.get("classname") == junit.NOT_RUN)


def test_a_case_cites_its_check_from_the_registry():
    finding = CHECKS["error_code"].finding("HTTP 404 carries error.code 'X'", operation="describe_index", status=404)
    root = junit.build([finding], record(checks_run={"describe_index": ["error_code"]}))
    case = next(c for c in root.iter("testcase") if c.get("name") == "error_code")
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties["check.authority"] == "production" and properties["check.reference"] == "R-ERR-02"
    assert properties["check.asserts"] == CHECKS["error_code"].asserts
    assert case.find("failure") is not None


def test_a_check_that_found_something_counts_as_run():
    finding = Finding("semantic", "create_echo", "error", "m", "describe_index")
    assert "create_echo" not in never_ran(record(), group([finding]))
    assert "create_echo" in never_ran(record())


def test_matrix_columns_follow_the_registry_order():
    ran = record(checks_run={"list_indexes": ["error_body", "openapi_core_conformance", "not_a_server_error"]})
    columns = matrix(ran, []).columns
    assert columns == [c for c in CHECKS.ids() if c in columns]
    assert columns.index("not_a_server_error") < columns.index("openapi_core_conformance") < columns.index("error_body")


def test_a_run_without_a_recorded_registry_keeps_the_old_reports():
    old = RunRecord(operations=["list_indexes"], checks_run={"list_indexes": ["b_check", "a_check"]})
    assert never_ran(old) == []
    assert matrix(old, []).columns == ["a_check", "b_check"]
    assert "Registered checks run" not in markdown.render([], old)
    assert ET.tostring(junit.build([], old)).count(b"testcase") == 2


def test_the_summary_names_the_checks_that_never_ran():
    text = markdown.render([], record(checks_run={"list_indexes": ["openapi_core_conformance"]}))
    assert f"Registered checks run: 1/{len(CHECKS)}" in text and "`error_body`" in text


def test_response_checks_declare_registered_ids_and_their_preconditions_say_where_they_ran():
    declared = {check_id for check in ALL_CHECKS if isinstance(check, ResponseCheck) for check_id in check.reports}
    assert declared and declared <= set(CHECKS.ids())
    error = Exchange("describe_index", "GET", "/indexes/x", 404, {"error": {"code": "NOT_FOUND", "message": "m"},
                                                                   "status": 404}, path_parameters={"index_name": "x"})
    assert set(applicable_checks(error)) == {"error_body", "error_code"}
    ok = Exchange("describe_index", "GET", "/indexes/x", 200, {"name": "x"}, path_parameters={"index_name": "x"})
    assert {"describe_identity", "index_ready_state"} <= set(applicable_checks(ok))
    assert "error_body" not in applicable_checks(ok)
    throttled = Exchange("list_indexes", "GET", "/indexes", 429, None)
    assert applicable_checks(throttled) == []


def test_every_response_checks_come_from_the_registry():
    assert set(CHECKS.every_response()) == {"openapi_core_conformance", "allowed_values", "undocumented_property",
                                            "network_error"}
