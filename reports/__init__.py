"""Turns a run's findings into JSON, JUnit XML, Markdown and HTML, and compares runs.

The runner calls :func:`write_reports` once, after the suite, with every finding and the
:class:`~core.run_record.RunRecord`. Data flows one way: findings and record are
redacted, grouped once, and each output module renders its own text from them.

Redaction happens twice, on purpose: every string of the findings and the record is
scrubbed before rendering (so escaping in HTML, XML or JSON cannot disguise a secret), and
every rendered text is scrubbed again before it is written, as a last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.redaction import redact
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports import findings_json, html, junit, markdown
from pinecone_conformance.reports.grouping import group
from pinecone_conformance.reports.scrub import redact_data, redact_finding, redact_record, secret_tuple

__all__ = ["write_reports", "redact_data", "redact_finding", "redact_record"]

OUTPUTS = {
    "findings.json": findings_json.FINDINGS_JSON,
    "junit.xml": junit.JUNIT_XML,
    "summary.md": markdown.SUMMARY_MD,
    "report.html": html.REPORT_HTML,
}


def write_reports(output_dir: str | Path, findings: Iterable[Finding], record: RunRecord,
                  secrets: Iterable[str | None] = ()) -> dict[str, Path]:
    """Write findings.json, junit.xml, summary.md and report.html into ``output_dir``.

    Returns ``{output name: path}``. ``secrets`` (the API key, any other credential) are
    removed from everything written.
    """
    secrets = secret_tuple(secrets)
    findings = [redact_finding(f, secrets) for f in findings]
    record = redact_record(record, secrets)
    groups = group(findings)
    texts = {
        "findings.json": findings_json.render(findings_json.build(findings, record, groups)),
        "junit.xml": junit.render(findings, record, groups),
        "summary.md": markdown.render(findings, record, groups),
        "report.html": html.render(findings, record, groups),
    }
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, text in texts.items():
        path = output / OUTPUTS[name]
        path.write_text(redact(text, secrets), encoding="utf-8", errors="replace")  # lone surrogates
        written[name] = path
    return written
