"""summary.md: a short Markdown summary fit for a CI job summary.

Short on purpose (CI job summaries are read at a glance and capped in size): the verdict,
counts by severity and kind, the top deviations, coverage. Everything else is in
report.html and findings.json.
"""

from __future__ import annotations

from collections.abc import Sequence

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports.facts import (
    FAIL,
    PASS,
    counts_by_kind,
    counts_by_severity,
    coverage,
    never_ran,
    verdict,
)
from pinecone_conformance.reports.grouping import Group, group

SUMMARY_MD = "summary.md"
TOP = 10
MESSAGE_WIDTH = 160


def cell(text: object, width: int = MESSAGE_WIDTH) -> str:
    """``text`` safe inside a Markdown table cell: one line, pipes and HTML escaped, shortened."""
    value = " ".join(str(text).split())
    if len(value) > width:
        value = value[: width - 1] + "…"
    for raw, escaped in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("`", "\\`")):
        value = value.replace(raw, escaped)
    return value


def _ratio(done: int, total: int) -> str:
    percent = f" ({100 * done / total:.0f}%)" if total else ""
    return f"{done}/{total}{percent}"


def render(findings: Sequence[Finding], record: RunRecord, groups: Sequence[Group] | None = None,
           top: int = TOP) -> str:
    findings = list(findings)
    groups = group(findings) if groups is None else list(groups)
    result = verdict(findings, record)
    by_severity = counts_by_severity(findings)
    by_kind = counts_by_kind(findings)
    cov = coverage(record)

    mark = {FAIL: "❌", PASS: "✅"}.get(result, "⚠️")
    lines = [f"## Pinecone conformance: {mark} {result}", ""]
    if record.incomplete:
        lines += [f"**Incomplete:** {cell(record.incomplete, 300)}", ""]
    about = [f"Contract `{cell(record.spec_version or '?')}`"]
    if record.spec_sha256:
        about.append(f"(sha256 `{record.spec_sha256[:12]}`)")
    about.append(f"against `{cell(record.target or '?')}`")
    about.append(f"· profile `{cell(record.options.get('profile', 'contract'))}`")
    if record.seed is not None:
        about.append(f"· seed `{record.seed}`")
    if record.run_id:
        about.append(f"· run `{cell(record.run_id)}`")
    lines.append(" ".join(about))
    lines.append(f"{record.requests_total} requests ({record.throttled} throttled)"
                 + (f", {record.started_at} → {record.finished_at}" if record.started_at else "") + ".")
    lines += ["", f"**{len(findings)} findings** in **{len(groups)} distinct deviations**: "
              + ", ".join(f"{n} {severity}{'s' if n != 1 else ''}" for severity, n in by_severity.items()) + ".", ""]

    if findings:
        lines += ["| Severity | Findings | Distinct |", "| --- | ---: | ---: |"]
        for severity, n in by_severity.items():
            lines.append(f"| {severity} | {n} | {sum(1 for g in groups if g.severity == severity)} |")
        lines += ["", "| Kind | Findings |", "| --- | ---: |"]
        lines += [f"| {cell(kind)} | {n} |" for kind, n in by_kind.items()]
        contract_groups = [g for g in groups if g.authority != "production"]
        parity = [g for g in groups if g.authority == "production"]
        if contract_groups:
            shown = contract_groups[:top]
            lines += ["", f"### Top deviations ({len(shown)} of {len(contract_groups)})", "",
                      "| Severity | Operation | Check | Status | Count | Message |",
                      "| --- | --- | --- | ---: | ---: | --- |"]
            for g in shown:
                lines.append(f"| {g.severity} | `{cell(g.row)}` | `{cell(g.check)}` | "
                             f"{'' if g.status is None else g.status} | {g.count} | {cell(g.message)} |")
        if parity:
            shown = parity[:top]
            lines += ["", f"### Production parity ({len(shown)} of {len(parity)})", "",
                      "Production Pinecone behaves otherwise where the document is silent or wrong; under the "
                      "`contract` profile these never fail the run.", "",
                      "| Severity | Operation | Check | Rule | Status | Count | Message |",
                      "| --- | --- | --- | --- | ---: | ---: | --- |"]
            for g in shown:
                rule = (g.representative.details or {}).get("authority_reference", "")
                lines.append(f"| {g.severity} | `{cell(g.row)}` | `{cell(g.check)}` | {cell(rule, 60)} | "
                             f"{'' if g.status is None else g.status} | {g.count} | {cell(g.message)} |")
        lines.append("")

    lines += ["### Coverage", ""]
    unexercised = [op.operation for op in cov.operations if not op.requests]
    lines.append(f"- Operations exercised: {_ratio(cov.operations_exercised, cov.operations_total)}"
                 + (f" — not exercised: {', '.join(f'`{cell(op)}`' for op in unexercised)}" if unexercised else ""))
    lines.append(f"- Documented status codes observed: {_ratio(cov.statuses_observed, cov.statuses_total)}")
    undocumented = sum(len(op.undocumented) for op in cov.operations)
    if undocumented:
        lines.append(f"- Undocumented status codes observed: {undocumented}")
    lines.append(f"- Links followed: {_ratio(cov.links_followed, cov.links_total)}")
    lines.append(f"- Operation × check pairs run: {cov.checks_run}")
    if record.checks:
        idle = never_ran(record, groups)
        lines.append(f"- Registered checks run: {_ratio(len(record.checks) - len(idle), len(record.checks))}"
                     + (f" — never ran: {', '.join(f'`{cell(check)}`' for check in idle)}" if idle else ""))
    if record.skipped:
        lines += ["", "### Requests not sent", ""]
        lines += [f"- {count} for {cell(reason)}" + (f", e.g. {cell(record.skipped_examples[reason], 200)}"
                                                     if reason in record.skipped_examples else "")
                  for reason, count in sorted(record.skipped.items())]
    if record.not_run:
        lines += ["", "### Not run to their end", ""]
        lines += [f"- `{cell(name)}`: {cell(why, 300)}" for name, why in sorted(record.not_run.items())]
    if record.errors:
        lines += ["", "### Setup problems", ""] + [f"- {cell(error, 300)}" for error in record.errors]
    lines += ["", "Details: `report.html`, `findings.json`, `junit.xml`.", ""]
    return "\n".join(lines)
