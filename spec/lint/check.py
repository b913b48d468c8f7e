"""The spec self-check: every rule over a document, and the ``spec check`` command.

:func:`check_document` is pure (a dict, optionally its YAML text, in; findings out). With the
text, findings carry ``details.line`` / ``details.column`` and the YAML-only rules run.
"""

from __future__ import annotations

import os
import sys

from pinecone_conformance.core.errors import SpecError
from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.text import one_line
from pinecone_conformance.spec.lint.errors import error_example_findings
from pinecone_conformance.spec.lint.examples import _check_site, _Validators, example_sites
from pinecone_conformance.spec.lint.links import link_findings, link_server_findings
from pinecone_conformance.spec.lint.prose import prose_findings
from pinecone_conformance.spec.lint.render import render, summary
from pinecone_conformance.spec.lint.responses import (
    error_response_findings,
    not_found_findings,
    parameter_findings,
)
from pinecone_conformance.spec.lint.rules import filter_findings
from pinecone_conformance.spec.lint.schemas import drift_findings, oneof_findings
from pinecone_conformance.spec.lint.source import Source, portability_findings
from pinecone_conformance.spec.loader import load

_SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


def check_document(raw: dict, text: str | None = None) -> list[Finding]:
    """Every finding of the spec self-check for a parsed document (pure: no I/O).

    ``text`` is the YAML the document was parsed from: findings then carry their line and
    column, and the rules that only the text can show (unquoted timestamps, duplicate keys) run.
    """
    validators = _Validators(raw)
    findings: list[Finding] = []
    for site in example_sites(raw):
        try:
            findings.extend(_check_site(raw, validators, site))
        except RecursionError:
            raise
        except Exception as exc:  # a shape the document validator let through: report, never crash
            findings.append(
                Finding(
                    kind="example",
                    check="example-uncheckable",
                    severity="error",
                    message=f"the example could not be checked: {type(exc).__name__}: {one_line(str(exc), 160)}",
                    operation=site.operation,
                    location=site.location,
                )
            )
    findings.extend(link_findings(raw))
    findings.extend(link_server_findings(raw))
    findings.extend(error_response_findings(raw))
    findings.extend(not_found_findings(raw))
    findings.extend(parameter_findings(raw))
    findings.extend(error_example_findings(raw))
    findings.extend(prose_findings(raw))
    findings.extend(oneof_findings(raw, validators))
    findings.extend(drift_findings(raw))
    source = Source.parse(text) if text is not None else None
    if source is not None:
        findings.extend(portability_findings(source))
    unique: dict[tuple, Finding] = {}
    for finding in findings:
        unique.setdefault((finding.check, finding.location, finding.message), finding)
    result = list(unique.values())
    return source.locate(result) if source is not None else result


def main_check(args) -> int:
    """``spec check``: load (one-line SpecError on bad input), check, print, exit 0/1/2."""
    document = load(args.document, validate=True)
    text = document.path.read_bytes().decode("utf-8", errors="replace")
    try:
        findings = check_document(document.raw, text)
    except RecursionError:
        raise SpecError(f"{document.path}: schemas nest too deeply to check") from None
    findings = filter_findings(findings, getattr(args, "select", None) or (), getattr(args, "ignore", None) or ())
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], f.location or "", f.check))
    counts = summary(findings)
    output = render(getattr(args, "format", "table") or "table", document, findings, counts)
    try:
        print(output, flush=True)
    except BrokenPipeError:  # `spec check | head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    failing = counts["errors"] > 0 or (getattr(args, "strict", False) and counts["warnings"] > 0)
    return 1 if failing else 0
