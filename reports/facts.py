"""The facts every output states: verdict, counts, coverage and the operation x check matrix.

Computed once here so findings.json, summary.md, junit.xml and report.html can never
disagree about whether a run passed or how much of the contract it exercised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pinecone_conformance.core.findings import SEVERITIES, Finding
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.core.verdict import FAIL, INCOMPLETE, PASS, word  # noqa: F401  (the words are re-exported to the reports)
from pinecone_conformance.reports.grouping import DOCUMENT, Group, severity_rank

#: Matrix cell results, worst first. ``not-run``: the check never ran on that operation.
RESULTS = ("fail", "warn", "note", "pass", "not-run")
_RESULT_OF_SEVERITY = {"error": "fail", "warning": "warn", "note": "note"}


def verdict(findings: Iterable[Finding], record: RunRecord) -> str:
    """The run's word as :func:`core.verdict.word` judges it from its findings and record."""
    return word(findings, incomplete=bool(record.incomplete), exit_code=record.exit_code)


def counts_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Every severity, zeros included, in severity order."""
    counted = Counter(finding.severity for finding in findings)
    return {severity: counted.get(severity, 0) for severity in SEVERITIES}


def counts_by_kind(findings: Iterable[Finding]) -> dict[str, int]:
    """Kinds present, most frequent first."""
    counted = Counter(finding.kind for finding in findings)
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


def status_matches(code: str, documented: str) -> bool:
    """Whether an observed code is covered by a documented key (``404``, ``4XX``)."""
    documented = documented.upper()
    if len(documented) == 3 and documented.endswith("XX"):
        return code[:1] == documented[:1]
    return code == documented


@dataclass(frozen=True)
class OperationCoverage:
    operation: str
    requests: int
    documented: dict[str, int]
    """Documented status key -> responses observed for it (0 = never seen)."""
    undocumented: dict[str, int]
    """Observed codes the document does not list for this operation (and no ``default`` covers)."""


@dataclass(frozen=True)
class Coverage:
    operations: list[OperationCoverage]
    links: dict[str, int]
    checks_run: int
    """Operation x check pairs that ran."""

    @property
    def operations_total(self) -> int:
        return len(self.operations)

    @property
    def operations_exercised(self) -> int:
        return sum(1 for op in self.operations if op.requests)

    @property
    def statuses_total(self) -> int:
        return sum(len(op.documented) for op in self.operations)

    @property
    def statuses_observed(self) -> int:
        return sum(1 for op in self.operations for seen in op.documented.values() if seen)

    @property
    def links_total(self) -> int:
        return len(self.links)

    @property
    def links_followed(self) -> int:
        return sum(1 for times in self.links.values() if times)


def coverage(record: RunRecord) -> Coverage:
    """What the run exercised, per operation of the contract (in document order)."""
    names = list(record.operations) + [op for op in record.observed_statuses if op not in record.operations]
    result = []
    for op in names:
        observed = {str(code): count for code, count in record.observed_statuses.get(op, {}).items()}
        documented_keys = [str(key) for key in record.documented_statuses.get(op, [])]
        explicit = [key for key in documented_keys if key != "default"]
        documented = {key: 0 for key in documented_keys}
        undocumented: dict[str, int] = {}
        for code, count in sorted(observed.items()):
            matched = code if code in explicit else next((key for key in explicit if status_matches(code, key)), None)
            if matched is None and "default" in documented:
                matched = "default"
            if matched is None:
                undocumented[code] = count
            else:
                documented[matched] += count
        result.append(OperationCoverage(op, sum(observed.values()), documented, undocumented))
    checks_run = sum(len(set(checks)) for checks in record.checks_run.values())
    return Coverage(result, dict(record.links), checks_run)


@dataclass(frozen=True)
class Matrix:
    """Operation x check results: rows in document order, columns in the registry's order."""

    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], str] = field(default_factory=dict)
    """(row, column) -> one of :data:`RESULTS`."""
    groups: dict[tuple[str, str], list[Group]] = field(default_factory=dict)

    def result(self, row: str, column: str) -> str:
        return self.cells.get((row, column), "not-run")


def pairs(record: RunRecord, groups: Sequence[Group]) -> list[tuple[str, str]]:
    """Every operation x check that ran or found something, rows in document order.

    A check that found something counts as run even if the record forgot it: a finding
    must never be invisible in the matrix or in JUnit.
    """
    ran = {(op, check) for op, checks in record.checks_run.items() for check in checks}
    ran |= {(g.row, g.check) for g in groups}
    order = {op: index for index, op in enumerate(record.operations)}
    return sorted(ran, key=lambda pair: (order.get(pair[0], len(order)), pair[0] == DOCUMENT, pair[0], pair[1]))


def ordered_checks(record: RunRecord, names: set[str]) -> list[str]:
    """``names`` in the registry's order (families together), then any the registry lacks, sorted."""
    registered = [check for check in record.checks if check in names]
    return registered + sorted(names - set(registered))


def never_ran(record: RunRecord, groups: Sequence[Group] = ()) -> list[str]:
    """Registered checks that ran on no operation and found nothing: what this run did not test
    (a phase not selected, an operation the server never answered, a check with no occasion)."""
    ran = {check for checks in record.checks_run.values() for check in checks} | {g.check for g in groups}
    return [check for check in record.checks if check not in ran]


def matrix(record: RunRecord, groups: Sequence[Group]) -> Matrix:
    ran = pairs(record, groups)
    rows = list(record.operations)
    rows += sorted({op for op, _ in ran if op not in rows}, key=lambda op: (op == DOCUMENT, op))
    columns = ordered_checks(record, {check for _, check in ran})
    by_pair: dict[tuple[str, str], list[Group]] = {}
    for g in groups:
        by_pair.setdefault((g.row, g.check), []).append(g)
    cells = {}
    for pair in ran:
        found = by_pair.get(pair, [])
        if found:
            worst = min((g.severity for g in found), key=severity_rank)
            cells[pair] = _RESULT_OF_SEVERITY.get(worst, "note")
        else:
            cells[pair] = "pass"
    return Matrix(rows, columns, cells, by_pair)
