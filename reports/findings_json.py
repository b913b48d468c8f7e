"""findings.json: every finding, the groups and the run's metadata, in a versioned schema.

This is the machine-readable record of a run: ``report compare`` reads it, and anything
else (dashboards, bug trackers) may too. Its shape is fixed by ``findings.schema.json``
beside this module; :data:`SCHEMA_VERSION` changes whenever a consumer would have to
change (a field removed, renamed or retyped), never for an added optional field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.redaction import redact
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.core.version import own_version
from pinecone_conformance.reports.facts import counts_by_kind, counts_by_severity, coverage, verdict
from pinecone_conformance.reports.grouping import Group, group
from pinecone_conformance.reports.scrub import redact_finding, redact_record, secret_tuple

SCHEMA_VERSION = 2
SCHEMA_FILE = "findings.schema.json"
FINDINGS_JSON = "findings.json"


@cache
def schema() -> dict:
    """The JSON Schema (draft 2020-12) of findings.json."""
    return json.loads(files("pinecone_conformance.reports").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def _group_dict(g: Group) -> dict:
    return {
        "fingerprint": g.fingerprint,
        "severity": g.severity,
        "kind": g.kind,
        "authority": g.authority,
        "check": g.check,
        "operation": g.operation,
        "status": g.status,
        "location": g.location,
        "message": g.message,
        "count": g.count,
        "representative": _finding_dict(g.representative),
    }


def _finding_dict(f: Finding) -> dict:
    return {"fingerprint": f.fingerprint, **f.to_dict()}


def build(findings: Sequence[Finding], record: RunRecord, groups: Sequence[Group] | None = None) -> dict:
    """The findings.json document (a plain dict, ready for :func:`json.dumps`)."""
    findings = list(findings)
    groups = group(findings) if groups is None else list(groups)
    cov = coverage(record)
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "pinecone-conformance", "version": own_version()},
        "verdict": verdict(findings, record),
        "run": {
            "spec": {"version": record.spec_version, "sha256": record.spec_sha256, "source": record.spec_source},
            "target": record.target,
            "seed": record.seed,
            "run_id": record.run_id,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "tool_versions": dict(record.tool_versions),
            "options": dict(record.options),
            "profile": record.options.get("profile", "contract"),
            "requests_total": record.requests_total,
            "throttled": record.throttled,
            "retried": record.retried,
            "skipped": dict(record.skipped),
            "incomplete": record.incomplete,
            "exit_code": record.exit_code,
            "errors": list(record.errors),
        },
        "counts": {
            "findings": len(findings),
            "groups": len(groups),
            "by_severity": counts_by_severity(findings),
            "by_kind": counts_by_kind(findings),
        },
        "coverage": {
            "operations": list(record.operations),
            "requests_per_operation": {op.operation: op.requests for op in cov.operations},
            "documented_statuses": {op: [str(code) for code in codes]
                                    for op, codes in record.documented_statuses.items()},
            "observed_statuses": {op: {str(code): n for code, n in by_code.items()}
                                  for op, by_code in record.observed_statuses.items()},
            "checks_run": {op: sorted(set(checks)) for op, checks in record.checks_run.items()},
            "checks": dict(record.checks),
            "links": dict(record.links),
            "summary": {
                "operations_exercised": cov.operations_exercised,
                "operations_total": cov.operations_total,
                "statuses_observed": cov.statuses_observed,
                "statuses_total": cov.statuses_total,
                "links_followed": cov.links_followed,
                "links_total": cov.links_total,
            },
        },
        "groups": [_group_dict(g) for g in groups],
        "findings": [_finding_dict(f) for f in findings],
    }


def render(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=False, default=str, ensure_ascii=False) + "\n"


def write(path: str | Path, findings: Sequence[Finding], record: RunRecord,
          secrets: Iterable[str | None] = ()) -> Path:
    """Write findings.json alone to ``path`` (a file), without ``secrets``.

    :func:`reports.write_reports` writes it together with the other outputs; this is for
    callers that want only the machine-readable record.
    """
    secrets = secret_tuple(secrets)
    findings = [redact_finding(f, secrets) for f in findings]
    text = render(build(findings, redact_record(record, secrets)))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(text, secrets), encoding="utf-8", errors="replace")
    return path


def validation_errors(document: object) -> list[str]:
    """Why ``document`` is not a valid findings.json (empty when it is)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


class InvalidFindingsFile(ValueError):
    """A findings.json that cannot be read or does not match the schema (message: one line)."""


def load(path: str | Path) -> dict:
    """Read and validate a findings.json; ``path`` may be the file or the directory holding it."""
    path = Path(path)
    if path.is_dir():
        path = path / FINDINGS_JSON
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidFindingsFile(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidFindingsFile(f"{path}: cannot read ({error.__class__.__name__}: {error})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidFindingsFile(f"{path}: not JSON ({error})") from None
    if isinstance(document, dict) and document.get("schema_version") != SCHEMA_VERSION:
        raise InvalidFindingsFile(
            f"{path}: schema_version {document.get('schema_version')!r} is not {SCHEMA_VERSION} "
            "(written by another version of pinecone-conformance?)")
    problems = validation_errors(document)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidFindingsFile(f"{path}: not a valid findings.json: {problems[0]}{more}")
    return document
