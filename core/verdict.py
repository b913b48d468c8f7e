"""The run's verdict, in one place: the exit code the CLI returns and the word the reports print.

One rule answers two questions, and every output (the exit code, findings.json, summary.md,
junit.xml, report.html, a merged run) takes its answer from here:

- did the run do its planned work? A run that crashed, was interrupted or stopped by an
  outage (*broken*) concludes nothing; one cut short by ``--budget`` or ``--max-time``
  (*incomplete*) never passes;
- did it find what fails at the chosen level (errors; warnings too with ``--fail-on warning``)?
"""

from __future__ import annotations

from collections.abc import Iterable

from pinecone_conformance.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from pinecone_conformance.core.findings import Finding

PASS = "PASS"
FAIL = "FAIL"
#: The run did not do all its planned work (cut short by --budget or --max-time, a crash, an
#: interruption) and found no error: it cannot pass.
INCOMPLETE = "INCOMPLETE"

#: --fail-on level -> the severities that fail the run at it.
FAILING_SEVERITIES = {"error": frozenset({"error"}), "warning": frozenset({"error", "warning"})}


def failing(findings: Iterable[Finding], fail_on: str = "error") -> bool:
    """Whether any finding fails the run at the ``fail_on`` level."""
    levels = FAILING_SEVERITIES[fail_on]
    return any(finding.severity in levels for finding in findings)


def decide(found_failing: bool, *, incomplete: bool = False, broken: bool = False) -> int:
    """The exit code: 2 when the planned work did not run (nothing can be concluded); else 1
    when something fails the run; else 2 when it was cut short (it never passes); else 0."""
    if broken:
        return EXIT_USAGE
    if found_failing:
        return EXIT_FINDINGS
    return EXIT_USAGE if incomplete else EXIT_OK


def exit_code(findings: Iterable[Finding], *, fail_on: str = "error", incomplete: bool = False,
              broken: bool = False) -> int:
    return decide(failing(findings, fail_on), incomplete=incomplete, broken=broken)


def word(findings: Iterable[Finding], *, incomplete: bool = False, exit_code: int | None = None) -> str:
    """FAIL when any error was found or the run's exit code says it failed (``--fail-on
    warning``); INCOMPLETE when it found none but did not do all its planned work; else PASS."""
    if any(finding.severity == "error" for finding in findings):
        return FAIL
    if incomplete:
        return INCOMPLETE
    return FAIL if exit_code not in (None, EXIT_OK) else PASS
