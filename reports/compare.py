"""``pinecone-conformance report compare OLD NEW``: which deviations are new, fixed or still there.

Runs are compared by group fingerprint (operation, check, status, schema location), never
by message or request: those differ between runs with different seeds, the deviation does
not. As the issue asks, the exit code is 1 when *anything* new appears, whatever its
severity, so a nightly job can gate on it; 0 otherwise (fixed deviations never fail); 2 for
bad input (a missing, unreadable or invalid findings.json), reported in one line.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field

from pinecone_conformance.reports.findings_json import InvalidFindingsFile, load
from pinecone_conformance.reports.grouping import DOCUMENT, severity_rank
from pinecone_conformance.reports.markdown import cell

EXIT_NOTHING_NEW = 0
EXIT_NEW = 1


@dataclass(frozen=True)
class Comparison:
    """Groups (as in findings.json) sorted most severe first.

    ``still`` holds the new run's groups, each with ``old_count`` added.
    """

    new: list[dict] = field(default_factory=list)
    fixed: list[dict] = field(default_factory=list)
    still: list[dict] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_NEW if self.new else EXIT_NOTHING_NEW


def _order(g: dict) -> tuple:
    return (severity_rank(g.get("severity", "")), -g.get("count", 0), g.get("operation") or DOCUMENT,
            g.get("check", ""), g.get("status") or 0, g.get("location") or "")


def compare(old: dict, new: dict) -> Comparison:
    """Compare two findings.json documents by group fingerprint."""
    old_groups = {g["fingerprint"]: g for g in old.get("groups", [])}
    new_groups = {g["fingerprint"]: g for g in new.get("groups", [])}
    return Comparison(
        new=sorted((g for fp, g in new_groups.items() if fp not in old_groups), key=_order),
        fixed=sorted((g for fp, g in old_groups.items() if fp not in new_groups), key=_order),
        still=sorted(({**g, "old_count": old_groups[fp].get("count", 0)}
                      for fp, g in new_groups.items() if fp in old_groups), key=_order),
    )


def _run_label(document: dict) -> str:
    run = document.get("run", {})
    spec = run.get("spec", {})
    return (f"{spec.get('version', '?')} (sha256 {spec.get('sha256', '')[:12] or '?'}) against "
            f"{run.get('target', '?')}, seed {run.get('seed')}, started {run.get('started_at') or '?'}")


def _warnings(old: dict, new: dict) -> list[str]:
    old_spec, new_spec = old["run"]["spec"], new["run"]["spec"]
    if old_spec.get("sha256") != new_spec.get("sha256"):
        return [f"the runs tested different documents ({old_spec.get('version')} {old_spec.get('sha256', '')[:12]} "
                f"vs {new_spec.get('version')} {new_spec.get('sha256', '')[:12]}): fingerprints may have moved"]
    return []


_SECTIONS = (("new", "NEW"), ("fixed", "FIXED"), ("still", "STILL"))


def _count(g: dict, section: str) -> str:
    if section == "still":
        return f"{g.get('old_count', 0)}→{g.get('count', 0)}"
    return str(g.get("count", 0))


def render_table(result: Comparison, old: dict, new: dict) -> str:
    lines = [f"old: {_run_label(old)}", f"new: {_run_label(new)}"]
    lines += [f"warning: {warning}" for warning in _warnings(old, new)]
    lines.append(f"{len(result.new)} new, {len(result.fixed)} fixed, {len(result.still)} still")
    for section, title in _SECTIONS:
        groups = getattr(result, section)
        if not groups:
            continue
        rows = [(g["severity"], g.get("operation") or DOCUMENT, g["check"],
                 "" if g.get("status") is None else str(g["status"]), _count(g, section),
                 " ".join(g.get("message", "").split())) for g in groups]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines += ["", f"{title} ({len(groups)})"]
        for row in rows:
            lines.append("  " + "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=False))
                         + "  " + row[5])
    return "\n".join(lines) + "\n"


def render_markdown(result: Comparison, old: dict, new: dict) -> str:
    verdict = "❌ new deviations" if result.new else "✅ nothing new"
    lines = [f"## Conformance comparison: {verdict}", "",
             f"**{len(result.new)} new**, {len(result.fixed)} fixed, {len(result.still)} still.", "",
             f"- old: {cell(_run_label(old), 300)}", f"- new: {cell(_run_label(new), 300)}"]
    lines += [f"- ⚠️ {cell(warning, 300)}" for warning in _warnings(old, new)]
    for section, title in _SECTIONS:
        groups = getattr(result, section)
        lines += ["", f"### {title.capitalize()} ({len(groups)})", ""]
        if not groups:
            lines.append("None.")
            continue
        lines += ["| Severity | Operation | Check | Status | Count | Message |",
                  "| --- | --- | --- | ---: | ---: | --- |"]
        lines += [f"| {g['severity']} | `{cell(g.get('operation') or DOCUMENT)}` | `{cell(g['check'])}` | "
                  f"{'' if g.get('status') is None else g['status']} | {_count(g, section)} | "
                  f"{cell(g.get('message', ''))} |" for g in groups]
    return "\n".join(lines) + "\n"


def render_json(result: Comparison, old: dict, new: dict) -> str:
    document = {
        "old": {"run": old["run"], "verdict": old["verdict"]},
        "new": {"run": new["run"], "verdict": new["verdict"]},
        "warnings": _warnings(old, new),
        "counts": {"new": len(result.new), "fixed": len(result.fixed), "still": len(result.still)},
        "new_deviations": result.new,
        "fixed": result.fixed,
        "still": result.still,
        "exit_code": result.exit_code,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"table": render_table, "markdown": render_markdown, "json": render_json}


def main_compare(args: argparse.Namespace) -> int:
    """Entry point of ``report compare``: print the comparison, return the exit code."""
    from pinecone_conformance.core.errors import UsageError

    try:
        old = load(args.old)
        new = load(args.new)
    except InvalidFindingsFile as error:
        raise UsageError(str(error)) from None
    result = compare(old, new)
    print(RENDERERS[getattr(args, "format", "table") or "table"](result, old, new), end="")
    return result.exit_code
