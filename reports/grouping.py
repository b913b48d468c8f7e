"""Identical deviations become one entry: a count and the smallest request that reproduces it.

A fuzzer that finds one broken schema usually finds it a hundred times. A report that
lists a hundred lines hides the second problem below the first; so every output shows
*groups*, keyed by :attr:`core.findings.Finding.fingerprint` (operation, check,
status, schema location), and keeps the shortest request as the one a person copies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pinecone_conformance.core.findings import SEVERITIES, Finding

#: The row name used where a finding concerns no operation (e.g. a broken example in the document).
DOCUMENT = "(document)"


@dataclass(frozen=True)
class Group:
    """All findings sharing one fingerprint."""

    fingerprint: str
    representative: Finding
    """The occurrence with the shortest request: the easiest one to reproduce by hand."""
    count: int
    severity: str
    """The worst severity among the occurrences (they normally agree)."""
    operation: str | None
    check: str
    status: int | None
    location: str | None
    kind: str
    message: str
    occurrences: tuple[Finding, ...] = ()
    authority: str = "contract"
    """``contract`` (the document) or ``production`` (production parity); see :mod:`core.checks`."""
    """Every finding of the group, in the order they were found."""

    @property
    def row(self) -> str:
        """The operation, or :data:`DOCUMENT` for findings about no operation."""
        return self.operation or DOCUMENT


def severity_rank(severity: str) -> int:
    """0 for the most severe; unknown severities sort last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _request_size(finding: Finding) -> tuple[int, int]:
    # A finding with a request beats one without: something to copy is the point.
    return (0, len(finding.request)) if finding.request else (1, 0)


def group(findings: Iterable[Finding]) -> list[Group]:
    """Group ``findings`` by fingerprint; most severe first, then most frequent.

    Ties are broken by operation, check and status so every output is deterministic.
    """
    members: dict[str, list[Finding]] = {}
    for finding in findings:
        members.setdefault(finding.fingerprint, []).append(finding)
    groups = []
    for fingerprint, items in members.items():
        representative = min(items, key=_request_size)  # min() is stable: first of equals wins
        severity = min((item.severity for item in items), key=severity_rank)
        groups.append(Group(
            fingerprint=fingerprint,
            representative=representative,
            count=len(items),
            severity=severity,
            operation=representative.operation,
            check=representative.check,
            status=representative.status,
            location=representative.location,
            kind=representative.kind,
            message=representative.message,
            occurrences=tuple(items),
            authority=representative.authority,
        ))
    groups.sort(key=lambda g: (severity_rank(g.severity), -g.count, g.row, g.check,
                               -1 if g.status is None else g.status, g.location or ""))
    return groups
