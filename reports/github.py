"""GitHub Actions output: the job summary and workflow-command annotations.

In a workflow the person reading the result looks at the run page, not at an artifact: the
Markdown summary belongs on that page (``$GITHUB_STEP_SUMMARY``) and each error group belongs
in the annotations list (``::error title=...::message``). Both are plain text written by
the run; this module only formats them, following GitHub's rules:

- workflow-command data escapes ``%``, ``\\r`` and ``\\n``; property values (``title=``)
  escape ``:`` and ``,`` as well (as ``@actions/core`` does);
- GitHub shows at most 10 error and 10 warning annotations per step, so a run prints a
  capped number and a final notice saying how many it left out;
- a job summary is limited to 1 MiB per step; a longer summary is cut with a note.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.reports.grouping import DOCUMENT, Group, group

SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"
#: GitHub's cap on a step's summary.
SUMMARY_LIMIT_BYTES = 1024 * 1024
#: GitHub displays at most 10 annotations of one level per step.
DEFAULT_ANNOTATION_LIMIT = 10
COMMAND_OF_SEVERITY = {"error": "error", "warning": "warning", "note": "notice"}


def in_github_actions(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process runs as a GitHub Actions step."""
    return (os.environ if environ is None else environ).get("GITHUB_ACTIONS") == "true"


def write_step_summary(markdown_text: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """Append ``markdown_text`` to the file ``$GITHUB_STEP_SUMMARY`` names; None when it is not set.

    Appends (other steps of the job write there too), separated by a blank line, cut to
    GitHub's 1 MiB limit with a note saying so.
    """
    name = (os.environ if environ is None else environ).get(SUMMARY_VARIABLE)
    if not name:
        return None
    path = Path(name)
    existing = path.stat().st_size if path.exists() else 0
    text = markdown_text if markdown_text.endswith("\n") else markdown_text + "\n"
    room = SUMMARY_LIMIT_BYTES - existing - 2
    encoded = text.encode("utf-8")
    if len(encoded) > room:
        note = b"\n\n*(summary cut: GitHub allows 1 MiB per step; see summary.md in the artifacts)*\n"
        encoded = encoded[:max(room - len(note), 0)].decode("utf-8", errors="ignore").encode("utf-8") + note
    with path.open("ab") as handle:
        if existing:
            handle.write(b"\n")
        handle.write(encoded)
    return path


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, ``\\r`` and ``\\n`` percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | None) -> str:
    """One workflow command line, e.g. ``::error title=T::message``."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def _as_dicts(items: Iterable[Group | Finding | Mapping]) -> list[dict]:
    """Group-shaped dicts from Groups, findings.json groups, or findings (grouped here)."""
    items = list(items)
    findings = [item for item in items if isinstance(item, Finding)]
    result = []
    grouped = {g.fingerprint: g for g in group(findings)}
    seen = set()
    for item in items:
        if isinstance(item, Finding):
            if item.fingerprint in seen:
                continue
            seen.add(item.fingerprint)
            item = grouped[item.fingerprint]
        if isinstance(item, Group):
            result.append({"fingerprint": item.fingerprint, "severity": item.severity, "check": item.check,
                           "operation": item.operation, "status": item.status, "message": item.message,
                           "count": item.count, "request": item.representative.request})
        else:
            representative = item.get("representative") or {}
            result.append({**item, "request": item.get("request") or representative.get("request")})
    return result


def annotation(g: Mapping) -> str:
    """The workflow command for one group (a dict shaped like a findings.json group)."""
    status = f" {g['status']}" if g.get("status") is not None else ""
    title = f"{g.get('check', '?')} on {g.get('operation') or DOCUMENT}{status}"
    count = g.get("count") or 1
    lines = [" ".join(str(g.get("message", "")).split()) + (f" (x{count})" if count > 1 else "")]
    if g.get("request"):
        lines.append(g["request"])
    if g.get("fingerprint"):
        lines.append(f"replay: pinecone-conformance report replay {g['fingerprint']} --base-url URL")
    level = COMMAND_OF_SEVERITY.get(g.get("severity", "error"), "notice")
    return command(level, "\n".join(lines), title=title)


def annotations(groups_or_findings: Iterable[Group | Finding | Mapping], limit: int = DEFAULT_ANNOTATION_LIMIT,
                severities: Iterable[str] = ("error",)) -> list[str]:
    """Workflow-command lines for the first ``limit`` groups of the given severities.

    Accepts :class:`~reports.grouping.Group` objects, findings.json group dicts, or findings
    (grouped by fingerprint here), in the caller's order. When some are left out, a final
    ``::notice`` says how many, so nobody mistakes the capped list for the whole result.
    """
    wanted = set(severities)
    selected = [g for g in _as_dicts(groups_or_findings) if g.get("severity") in wanted]
    lines = [annotation(g) for g in selected[:max(limit, 0)]]
    left_out = len(selected) - len(lines)
    if left_out > 0:
        lines.append(command("notice", f"{left_out} more {'/'.join(sorted(wanted))} group"
                             f"{'s' if left_out != 1 else ''} left out of the annotations (limit {limit}); "
                             "see summary.md or findings.json in the reports",
                             title="pinecone-conformance"))
    return lines
