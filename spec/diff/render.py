"""The output formats of ``spec diff``: text, json, markdown, junit, github.

Every format shows the same changes in the same order (breaking first). The JSON format is
versioned (:data:`FORMAT_VERSION`) and described by ``spec/diff.schema.json``; a consumer should
check ``format`` and ``format_version`` before reading anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from xml.etree import ElementTree

from pinecone_conformance.spec.diff.compare import Change
from pinecone_conformance.spec.diff.rules import LEVELS

FORMAT = "pinecone-conformance/spec-diff"
FORMAT_VERSION = 1
_ALL_SHOWN = 4


@dataclass(frozen=True)
class Side:
    """One of the two documents compared, as the reports name it."""

    source: str
    version: str
    sha256: str


@dataclass(frozen=True)
class DiffResult:
    old: Side
    new: Side
    changes: list[Change]
    fail_on: str
    compared_operations: tuple[str, ...] = ()
    """The operations both documents have: a change affecting all of them says so."""
    positions: dict = field(default_factory=dict)
    """``(in_old, pointer)`` -> ``(line, column)`` in the YAML text, where known."""

    def position(self, change: Change) -> tuple[int, int] | None:
        """Where the change's location is, in the document it points into."""
        return self.positions.get((change.in_old, change.location))

    def position_in_new(self, change: Change) -> tuple[int, int] | None:
        """Where to show the change in NEW (a removal: its nearest surviving ancestor)."""
        return self.positions.get(("new", change.location) if change.in_old else (False, change.location))

    def counts(self) -> dict[str, int]:
        return {level: sum(1 for c in self.changes if c.level == level) for level in LEVELS}

    def failing(self) -> list[Change]:
        """The changes at or above ``fail_on``."""
        limit = LEVELS.index(self.fail_on)
        return [c for c in self.changes if LEVELS.index(c.level) <= limit]


def _every(result: DiffResult, change: Change) -> bool:
    return len(change.operations) > 1 and set(change.operations) == set(result.compared_operations)


def _operations(result: DiffResult, change: Change) -> str:
    if _every(result, change):
        return f"all {len(change.operations)} operations"
    if len(change.operations) <= _ALL_SHOWN:
        return ", ".join(change.operations)
    return f"{', '.join(change.operations[:3])} +{len(change.operations) - 3} more"


def summary_line(result: DiffResult) -> str:
    counts = result.counts()
    verdict = "FAIL" if result.failing() else "PASS"
    return (f"spec diff {result.old.version} -> {result.new.version}: {counts['breaking']} breaking, "
            f"{counts['warning']} warning, {counts['info']} info (fail on {result.fail_on}: {verdict})")


def render_text(result: DiffResult) -> str:
    """One change per line: LEVEL, operation(s), location (in NEW; in OLD for removals), message."""
    lines = []
    for change in result.changes:
        where = ("old:" if change.in_old else "") + change.location
        more = f" (+{len(change.locations) - 1} more)" if len(change.locations) > 1 else ""
        lines.append(f"{change.level.upper():<8}  {_operations(result, change)}  {where}{more}  {change.message}")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def to_json_document(result: DiffResult) -> dict:
    def side(s: Side) -> dict:
        return {"source": s.source, "version": s.version, "sha256": s.sha256}

    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "old": side(result.old),
        "new": side(result.new),
        "fail_on": result.fail_on,
        "verdict": "fail" if result.failing() else "pass",
        "counts": result.counts(),
        "changes": [{**c.to_dict(), "line": (result.position(c) or (None,))[0]} for c in result.changes],
    }


def render_json(result: DiffResult) -> str:
    return json.dumps(to_json_document(result), indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: DiffResult) -> str:
    """A PR comment or job summary: the counts, then one table per level."""
    counts = result.counts()
    out = [f"## spec diff {result.old.version} → {result.new.version}", ""]
    verdict = "❌ fails" if result.failing() else "✅ passes"
    out.append(f"**{counts['breaking']} breaking**, {counts['warning']} warning, {counts['info']} info "
               f"— {verdict} `--fail-on {result.fail_on}`")
    out.append("")
    if not result.changes:
        out.append("No changes a client or a server can notice.")
        return "\n".join(out) + "\n"
    for level in LEVELS:
        changes = [c for c in result.changes if c.level == level]
        if not changes:
            continue
        out += [f"### {level} ({len(changes)})", "", "| operations | location | change |", "|---|---|---|"]
        for change in changes:
            where = ("old: " if change.in_old else "") + change.location
            operations = f"all {len(change.operations)} operations" if _every(result, change) \
                else ", ".join(change.operations)
            out.append(f"| {_cell(operations)} | `{_cell(where)}` | {_cell(change.message)} |")
        out.append("")
    return "\n".join(out)


def render_junit(result: DiffResult) -> str:
    """One test case per change; those at or above ``--fail-on`` are failures."""
    failing = {id(c) for c in result.failing()}
    suite = ElementTree.Element("testsuite", {
        "name": f"spec diff {result.old.version} -> {result.new.version}",
        "tests": str(max(1, len(result.changes))),
        "failures": str(len(failing)),
        "errors": "0",
    })
    if not result.changes:
        ElementTree.SubElement(suite, "testcase", {"classname": "spec-diff", "name": "no changes"})
    for change in result.changes:
        case = ElementTree.SubElement(suite, "testcase", {
            "classname": f"spec-diff.{change.side}",
            "name": f"{change.rule} {change.location}",
        })
        text = f"{change.level}: {change.message}\noperations: {', '.join(change.operations)}"
        if id(change) in failing:
            failure = ElementTree.SubElement(case, "failure", {"type": change.level, "message": change.message})
            failure.text = text
        else:
            ElementTree.SubElement(case, "system-out").text = text
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_COMMANDS = {"breaking": "error", "warning": "warning", "info": "notice"}


def render_github(result: DiffResult) -> str:
    """GitHub Actions workflow commands: ``::error``, ``::warning``, ``::notice`` per change.

    Every annotation is placed in NEW, the file a pull request changes (OLD is often a copy
    taken from git): a removal at the nearest part of NEW that is still there."""
    lines = []
    for change in result.changes:
        title = f"{change.level} {change.rule} ({_operations(result, change)})"
        where = ("old:" if change.in_old else "") + change.location
        source = result.new.source
        position = result.position_in_new(change)
        at = f",line={position[0]},col={position[1]}" if position else ""
        lines.append(f"::{_COMMANDS[change.level]} file={_escape_property(source)}{at},"
                     f"title={_escape_property(title)}::{_escape_data(f'{where} {change.message}')}")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "junit": render_junit,
    "github": render_github,
}
