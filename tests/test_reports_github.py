"""``reports.github``: job summary and workflow-command annotations, escaped as GitHub requires."""

from __future__ import annotations

import re

import pytest

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.reports.github import (
    SUMMARY_LIMIT_BYTES,
    annotations,
    command,
    escape_data,
    escape_property,
    in_github_actions,
    write_step_summary,
)
from pinecone_conformance.reports.grouping import group

COMMAND = re.compile(r"^::(?P<level>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse(line: str) -> tuple[str, dict, str]:
    """Parse a workflow command the way the runner does: properties split on ',' and the first '='."""
    match = COMMAND.match(line)
    assert match, line
    props = {}
    for pair in filter(None, (match.group("props") or "").split(",")):
        key, _, value = pair.partition("=")
        props[key] = unescape(value)
    return match.group("level"), props, unescape(match.group("data"))


def finding(op="create_index", check="status_code_conformance", status=200, message="wrong status",
            severity="error", request="curl -X POST http://h/indexes"):
    return Finding(kind="status_code", check=check, severity=severity, message=message, operation=op,
                   status=status, request=request)


def test_escaping_follows_the_runner_rules():
    assert escape_data("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", "50% of\nlines: x, y", title="t: 1, 2%")
    assert "\n" not in line
    assert parse(line) == ("error", {"title": "t: 1, 2%"}, "50% of\nlines: x, y")


def test_each_error_group_is_one_annotation_with_title_message_and_replay_hint():
    findings = [finding(), finding(request="curl -X POST http://h/indexes -d '{\"name\": \"a,b:c\"}'"),
                finding(op="describe_index", check="response_schema", status=None, message="missing: host"),
                finding(severity="warning", check="undocumented_property")]
    lines = annotations(findings)
    assert len(lines) == 2  # two error groups; the warning is not asked for
    level, props, data = parse(lines[0])
    assert level == "error" and props == {"title": "status_code_conformance on create_index 200"}
    first, request, replay = data.split("\n")
    assert first == "wrong status (x2)" and request == "curl -X POST http://h/indexes"  # the shortest request
    assert replay.startswith("replay: pinecone-conformance report replay " + findings[0].fingerprint)
    assert parse(lines[1])[1]["title"] == "response_schema on describe_index"
    assert parse(lines[1])[2].startswith("missing: host\n")
    warning = annotations(findings, severities=("warning",))
    assert [parse(line)[0] for line in warning] == ["warning"]


def test_groups_and_findings_json_dicts_give_the_same_lines():
    findings = [finding(op=f"op{i}") for i in range(3)]
    groups = group(findings)
    as_dicts = [{"fingerprint": g.fingerprint, "severity": g.severity, "check": g.check, "operation": g.operation,
                 "status": g.status, "message": g.message, "count": g.count,
                 "representative": {"request": g.representative.request}} for g in groups]
    assert annotations(groups) == annotations(as_dicts) == annotations(findings)


@pytest.mark.parametrize(("total", "limit", "shown"), [(3, 10, 3), (12, 10, 10), (5, 0, 0), (11, 10, 10)])
def test_annotations_are_capped_with_a_final_line_saying_how_many_were_left_out(total, limit, shown):
    lines = annotations([finding(op=f"op{i}") for i in range(total)], limit=limit)
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == shown
    if total > shown:
        level, _, data = parse(lines[-1])
        assert level == "notice" and data.startswith(f"{total - shown} more error group")
        assert len(lines) == shown + 1
    else:
        assert len(lines) == shown


def test_step_summary_is_appended_only_when_the_variable_is_set(tmp_path):
    assert write_step_summary("# x", {}) is None
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    assert write_step_summary("## Conformance: PASS", {"GITHUB_STEP_SUMMARY": str(target)}) == target
    write_step_summary("second\n", {"GITHUB_STEP_SUMMARY": str(target)})
    assert target.read_text(encoding="utf-8") == "earlier step\n\n## Conformance: PASS\n\nsecond\n"


def test_step_summary_respects_githubs_size_limit(tmp_path):
    target = tmp_path / "summary.md"
    write_step_summary("é" * SUMMARY_LIMIT_BYTES, {"GITHUB_STEP_SUMMARY": str(target)})
    data = target.read_bytes()
    assert len(data) <= SUMMARY_LIMIT_BYTES
    assert data.decode("utf-8").rstrip().endswith("see summary.md in the artifacts)*")


def test_in_github_actions():
    assert in_github_actions({"GITHUB_ACTIONS": "true"}) and not in_github_actions({})
