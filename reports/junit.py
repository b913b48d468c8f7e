"""junit.xml: one test case per operation x check, so any CI shows the run natively.

Decisions, so every CI reads the run the same way as the exit code:

- one ``<testcase classname="OPERATION_ID" name="CHECK">`` per operation x check that ran
  (``RunRecord.checks_run``) or found something; findings about no operation use the class
  name ``(document)``;
- error findings make the case fail: one ``<failure>`` whose message is the deviation (or
  the first of several) and whose text gives, per distinct deviation, the curl line,
  status, response excerpt, schema location and seed;
- warnings and notes never fail a case: they go to the case's ``<system-out>``, where CI
  shows them next to a passing test;
- setup problems of the run (``RunRecord.errors``) go to the suite's ``<system-err>``;
- from the registry the run recorded (``RunRecord.checks``): each case carries its check's
  kind, authority, reference and assertion as properties, and every registered check that
  ran nowhere is one skipped case (class name ``(not run)``), so a check that silently stopped
  running shows in CI instead of vanishing.

Built with the standard library's ``xml.etree``; characters XML 1.0 cannot hold (response
bodies are arbitrary) are replaced first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports.facts import never_ran, pairs
from pinecone_conformance.reports.grouping import Group, group

JUNIT_XML = "junit.xml"
SUITE_NAME = "pinecone-conformance"
#: Class name of the skipped cases for registered checks that ran nowhere.
NOT_RUN = "(not run)"

_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: object) -> str:
    """``text`` with characters XML 1.0 forbids replaced by U+FFFD."""
    return _XML_INVALID.sub("\ufffd", str(text))


def _seconds(record: RunRecord) -> float:
    try:
        return max(0.0, (datetime.fromisoformat(record.finished_at)
                         - datetime.fromisoformat(record.started_at)).total_seconds())
    except (TypeError, ValueError):
        return 0.0


def describe(g: Group, seed: int | None = None) -> str:
    """A deviation as plain text: what, how often, and how to reproduce it."""
    f = g.representative
    seed = f.seed if f.seed is not None else seed
    lines = [f"[{g.severity}] {g.message}", f"  kind: {g.kind}; authority: {g.authority}"
             + (f" ({g.representative.details.get('authority_reference')})"
                if (g.representative.details or {}).get("authority_reference") else "")
             + f"; occurrences: {g.count}"]
    if g.status is not None:
        lines.append(f"  status: {g.status}")
    if g.location:
        lines.append(f"  schema location: {g.location}")
    if seed is not None:
        lines.append(f"  seed: {seed}")
    if f.request:
        lines.append(f"  request: {f.request}")
    if f.response:
        lines.append("  response:")
        lines += [f"    {line}" for line in f.response.splitlines()]
    return "\n".join(lines)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attributes: object) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: xml_safe(value) for key, value in attributes.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def build(findings: Sequence[Finding], record: RunRecord, groups: Sequence[Group] | None = None) -> ET.Element:
    """The ``<testsuites>`` element of junit.xml."""
    groups = group(findings) if groups is None else list(groups)
    by_pair: dict[tuple[str, str], list[Group]] = {}
    for g in groups:
        by_pair.setdefault((g.row, g.check), []).append(g)
    cases = pairs(record, groups)
    not_run = never_ran(record, groups)
    failing = sum(1 for pair in cases if any(g.severity == "error" for g in by_pair.get(pair, [])))
    seconds = f"{_seconds(record):.3f}"
    counts = {"tests": len(cases) + len(not_run), "failures": failing, "errors": 0, "skipped": len(not_run),
              "time": seconds}

    root = ET.Element("testsuites", {"name": SUITE_NAME, **{k: str(v) for k, v in counts.items()}})
    suite = _el(root, "testsuite", name=f"{SUITE_NAME} {record.spec_version}".strip(),
                timestamp=record.started_at or "", hostname=record.target or "", **counts)
    properties = _el(suite, "properties")
    for name, value in (("spec_version", record.spec_version), ("spec_sha256", record.spec_sha256),
                        ("target", record.target), ("seed", record.seed), ("run_id", record.run_id),
                        ("requests_total", record.requests_total), ("throttled", record.throttled),
                        *sorted(("version." + k, v) for k, v in record.tool_versions.items())):
        if value not in (None, ""):
            _el(properties, "property", name=name, value=value)

    for op, check in cases:
        case = _el(suite, "testcase", classname=op, name=check, time="0")
        _check_properties(case, record.checks.get(check))
        found = by_pair.get((op, check), [])
        errors = [g for g in found if g.severity == "error"]
        others = [g for g in found if g.severity != "error"]
        if errors:
            message = errors[0].message if len(errors) == 1 else (
                f"{len(errors)} deviations; first: {errors[0].message}")
            _el(case, "failure", "\n\n".join(describe(g, record.seed) for g in errors),
                message=message, type=errors[0].kind)
        if others:
            _el(case, "system-out", "\n\n".join(describe(g, record.seed) for g in others))
    for check in not_run:
        case = _el(suite, "testcase", classname=NOT_RUN, name=check, time="0")
        _check_properties(case, record.checks[check])
        _el(case, "skipped", message=f"registered check {check} ran on no operation in this run")
    if record.errors:
        _el(suite, "system-err", "\n".join(record.errors))
    return root


def _check_properties(case: ET.Element, declared: dict | None) -> None:
    """The registered check's kind, authority, reference and assertion, as case properties."""
    if not declared:
        return
    properties = _el(case, "properties")
    for name in ("kind", "authority", "reference", "confidence", "asserts"):
        if declared.get(name):
            _el(properties, "property", name=f"check.{name}", value=declared[name])


def render(findings: Sequence[Finding], record: RunRecord, groups: Sequence[Group] | None = None) -> str:
    root = build(findings, record, groups)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
