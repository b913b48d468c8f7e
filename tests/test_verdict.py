"""core.verdict is the one rule behind the exit code and the reports' word."""

import pytest

from pinecone_conformance.core import verdict
from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports.facts import verdict as report_verdict


def finding(severity: str) -> Finding:
    return Finding(check="c", kind="k", severity=severity, message="m")


@pytest.mark.parametrize(("severities", "fail_on", "incomplete", "broken", "code"), [
    ([], "error", False, False, 0),
    (["note", "warning"], "error", False, False, 0),
    (["warning"], "warning", False, False, 1),
    (["error"], "error", False, False, 1),
    (["error"], "error", True, False, 1),     # cut short, and deviations found: those fail it
    ([], "error", True, False, 2),            # cut short with nothing found: never a pass
    (["warning"], "error", True, False, 2),
    (["error"], "error", False, True, 2),     # a crash or an outage concludes nothing
    ([], "error", False, True, 2),
])
def test_exit_code(severities, fail_on, incomplete, broken, code):
    findings = [finding(s) for s in severities]
    assert verdict.exit_code(findings, fail_on=fail_on, incomplete=incomplete, broken=broken) == code


@pytest.mark.parametrize(("severities", "incomplete", "exit_code", "word"), [
    ([], False, 0, verdict.PASS),
    ([], False, None, verdict.PASS),
    (["error"], False, 1, verdict.FAIL),
    (["error"], True, 2, verdict.FAIL),
    ([], True, 2, verdict.INCOMPLETE),
    (["warning"], False, 1, verdict.FAIL),    # --fail-on warning
])
def test_the_reports_word_is_the_same_rule(severities, incomplete, exit_code, word):
    findings = [finding(s) for s in severities]
    assert verdict.word(findings, incomplete=incomplete, exit_code=exit_code) == word
    record = RunRecord(incomplete="cut short" if incomplete else "", exit_code=exit_code)
    assert report_verdict(findings, record) == word


def test_an_unknown_fail_on_level_is_refused():
    with pytest.raises(KeyError):
        verdict.failing([finding("error")], "note")
