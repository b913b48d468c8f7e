"""Outputs of ``spec check``: an aligned table grouped by rule (with a count per rule), JSON,
SARIF 2.1.0 (GitHub code scanning shows the findings on the document's lines) and GitHub
workflow-command annotations."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.version import own_version
from pinecone_conformance.spec.lint.rules import RULES

_SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "note": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def summary(findings: list[Finding]) -> dict:
    counts = {severity: 0 for severity in ("error", "warning", "note")}
    for finding in findings:
        counts[finding.severity] += 1
    return {"errors": counts["error"], "warnings": counts["warning"], "notes": counts["note"], "total": len(findings)}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def summary_line(findings: list[Finding]) -> str:
    counts = summary(findings)
    line = f"{_plural(counts['errors'], 'error')}, {_plural(counts['warnings'], 'warning')}"
    return line + (f", {_plural(counts['notes'], 'note')}" if counts["notes"] else "")


def _position(finding: Finding) -> str:
    line, column = finding.details.get("line"), finding.details.get("column")
    return f"{line}:{column}" if line else "-"


def _grouped(findings: list[Finding]) -> list[Finding]:
    """By rule (most severe rules first), then by place in the document."""
    def key(f: Finding):
        return (_SEVERITY_ORDER[f.severity], f.check, f.details.get("line") or 0, f.location or "")
    return sorted(findings, key=key)


def format_table(findings: list[Finding]) -> str:
    rows = [(f.severity, f.check, f.location or "-", _position(f), f.message) for f in _grouped(findings)]
    header = ("SEVERITY", "CHECK", "LOCATION", "LINE", "MESSAGE")
    lines = []
    if rows:
        widths = [max(len(row[i]) for row in rows + [header]) for i in range(4)]
        for row in [header, *rows]:
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    lines.append(summary_line(findings))
    return "\n".join(lines)


def rule_counts(findings: list[Finding]) -> list[tuple[str, str, int, str]]:
    """(rule id, severity, count, why) for every rule that found something, most severe first."""
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.check] = counts.get(finding.check, 0) + 1
    rows = []
    for rule_id, count in counts.items():
        rule = RULES.get(rule_id)
        severity = rule.severity if rule else next(f.severity for f in findings if f.check == rule_id)
        rows.append((rule_id, severity, count, rule.why if rule else ""))
    return sorted(rows, key=lambda row: (_SEVERITY_ORDER[row[1]], row[0]))


def format_rule_counts(findings: list[Finding]) -> str:
    rows = [(rule_id, severity, str(count), why) for rule_id, severity, count, why in rule_counts(findings)]
    if not rows:
        return ""
    header = ("RULE", "SEVERITY", "COUNT", "WHY")
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
                     for row in [header, *rows])


def _artifact_uri(path: Path) -> str:
    try:
        relative = os.path.relpath(path.resolve(), Path.cwd().resolve())
    except ValueError:  # another drive
        return path.resolve().as_uri()
    return Path(relative).as_posix() if not relative.startswith("..") else path.resolve().as_uri()


def to_sarif(document, findings: list[Finding]) -> dict:
    """A SARIF 2.1.0 log: one run, one result per finding on the document's line and column,
    the JSON pointer as the logical location, every registered rule in the driver."""
    rule_ids = sorted(RULES)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = [{
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": RULES[rule_id].why},
        "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[rule_id].severity]},
        "properties": {"kind": RULES[rule_id].kind},
    } for rule_id in rule_ids]
    uri = _artifact_uri(Path(document.path))
    results = []
    for finding in findings:
        physical: dict = {"artifactLocation": {"uri": uri}}
        line, column = finding.details.get("line"), finding.details.get("column")
        if isinstance(line, int) and line >= 1:
            physical["region"] = {"startLine": line, **({"startColumn": column} if isinstance(column, int) else {})}
        result: dict = {
            "ruleId": finding.check,
            "level": _SARIF_LEVEL[finding.severity],
            "message": {"text": finding.message},
            "locations": [{
                "physicalLocation": physical,
                **({"logicalLocations": [{"fullyQualifiedName": finding.location, "kind": "member"}]}
                   if finding.location else {}),
            }],
            "partialFingerprints": {"findingFingerprint/v1": finding.fingerprint},
        }
        if finding.check in index:
            result["ruleIndex"] = index[finding.check]
        if finding.operation:
            result["properties"] = {"operation": finding.operation}
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pinecone-conformance spec check", "version": own_version(),
                                "rules": rules}},
            "artifacts": [{"location": {"uri": uri}}],
            "results": results,
        }],
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(document, findings: list[Finding]) -> str:
    """GitHub Actions workflow commands (``::error file=...,line=...::message``), one a finding."""
    uri = _artifact_uri(Path(document.path))
    lines = []
    for finding in findings:
        props = [f"file={_escape_property(uri)}"]
        if finding.details.get("line"):
            props.append(f"line={finding.details['line']}")
            if finding.details.get("column"):
                props.append(f"col={finding.details['column']}")
        props.append(f"title={_escape_property(finding.check)}")
        where = f" ({finding.location})" if finding.location else ""
        lines.append(f"::{_GITHUB_LEVEL[finding.severity]} {','.join(props)}::{_escape_data(finding.message + where)}")
    return "\n".join(lines)


def render(output_format: str, document, findings: list[Finding], counts: dict) -> str:
    if output_format == "json":
        return json.dumps({
            "document": str(document.path),
            "version": document.version,
            "sha256": document.sha256,
            "findings": [finding.to_dict() for finding in findings],
            "summary": counts,
            "rules": {rule_id: {"severity": severity, "count": count, "why": why}
                      for rule_id, severity, count, why in rule_counts(findings)},
        }, indent=2, default=str)
    if output_format == "sarif":
        return json.dumps(to_sarif(document, findings), indent=2, default=str)
    if output_format == "github":
        return "\n".join(filter(None, [to_github(document, findings), summary_line(findings)]))
    header = f"{document.path} (version {document.version or '?'}, sha256 {document.sha256[:12]})"
    counts_block = format_rule_counts(findings)
    return "\n".join(filter(None, [header, counts_block and counts_block + "\n", format_table(findings)]))
