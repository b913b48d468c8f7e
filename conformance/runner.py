"""``pinecone-conformance run``: check the setup, run the pytest suite, write the reports.

The suite itself is ``conformance/test_conformance.py`` driven by pytest (optionally with
pytest-xdist workers). This module only turns command-line options into pytest options,
refuses a broken setup with one clear line (exit 2), merges what the workers wrote into a
:class:`~core.run_record.RunRecord`, hands findings and record to ``reports``, and
decides the exit code: 1 when an error finding exists (or a warning, with
``--fail-on-warning``), else 0.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from core.findings import FindingStore
from core.run_record import FINDINGS_DIR, RunRecord
from core.version import tool_versions
from spec.loader import load, operations

SUITE_MODULE = Path(__file__).parent / "test_conformance.py"


def preflight(base_url: str, api_key: str | None, api_version: str) -> None:
    """Fail early, in one line, on an unreachable server or a refused key."""
    import httpx

    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https:// (got {base_url!r})")
    if not api_key:
        raise UsageError("an API key is needed for --base-url: pass --api-key or set PINECONE_API_KEY")
    try:
        response = httpx.get(base_url.rstrip("/") + "/indexes", timeout=15.0,
                             headers={"Api-Key": api_key, "X-Pinecone-Api-Version": api_version})
    except httpx.HTTPError as error:
        raise UsageError(f"cannot reach {base_url}: {type(error).__name__}: {str(error) or 'no answer'}") from None
    if response.status_code == 401:
        raise UsageError(f"{base_url} refused the API key (401 on list_indexes); check --api-key")


def check_deviations(names: list[str]) -> None:
    if not names:
        return
    from mockserver.deviations import CATALOG

    unknown = [name for name in names if name not in CATALOG]
    if unknown:
        raise UsageError(f"unknown deviation {unknown[0]!r} (see: pinecone-conformance mock --list-deviations)")


def pytest_arguments(args: argparse.Namespace, seed: int, output: Path, *, quiet_terminal: bool = False) -> list[str]:
    """pytest's options for a run; ``quiet_terminal`` hands the terminal to the progress line."""
    terminal = ["-p", "no:terminal"] if quiet_terminal else ["-q", "--no-header", "-rN"]
    arguments = [str(SUITE_MODULE), *terminal, "-p", "no:cacheprovider",
                 "--pcc-seed", str(seed), "--pcc-output", str(output), "--spec", str(args.spec),
                 "-W", "ignore::DeprecationWarning"]
    if args.base_url:
        arguments += ["--base-url", args.base_url]
    if args.api_key:
        arguments += ["--api-key", args.api_key]
    for option, values in (("--pcc-operation", args.operation), ("--pcc-check", args.check),
                           ("--deviation", args.deviation), ("--pcc-phase", getattr(args, "phase", []) or [])):
        for value in values:
            arguments += [option, value]
    for option, value in (("--max-examples", args.max_examples), ("--wait", args.wait),
                          ("--budget", args.budget), ("--run-id", args.run_id)):
        if value is not None:
            arguments += [option, str(value)]
    if args.workers:
        arguments += ["-n", str(args.workers)]
    return arguments


def build_record(args: argparse.Namespace, document, output: Path, seed: int, started: str) -> RunRecord:
    from conformance.plugin import run_id_for

    record = RunRecord(
        spec_version=document.version,
        spec_sha256=document.sha256,
        spec_source=str(document.path),
        target=args.base_url or "embedded-mock",
        seed=seed,
        run_id=args.run_id or run_id_for(seed),
        started_at=started,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        tool_versions=tool_versions(),
        options={"deviations": list(args.deviation), "operations": list(args.operation), "checks": list(args.check),
                 "max_examples": args.max_examples, "workers": args.workers, "wait": args.wait, "budget": args.budget},
    )
    ops = operations(document.raw)
    record.operations = list(ops)
    record.documented_statuses = {op_id: sorted(map(str, op.definition.get("responses", {}))) for op_id, op in ops.items()}
    for stats_file in sorted(output.glob("stats-*.json")):
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        record.requests_total += stats.get("requests_total", 0)
        record.throttled += stats.get("throttled", 0)
        for op, counts in stats.get("observed_statuses", {}).items():
            merged = record.observed_statuses.setdefault(op, {})
            for status, count in counts.items():
                merged[status] = merged.get(status, 0) + count
        for op, checks in stats.get("checks_run", {}).items():
            record.checks_run[op] = sorted(set(record.checks_run.get(op, [])) | set(checks))
        record.errors += stats.get("errors", [])
        for link, count in stats.get("links_followed", {}).items():
            record.links[link] = record.links.get(link, 0) + count
    from spec.loader import links, with_links_overlay, without_dangling_links

    for link in links(without_dangling_links(with_links_overlay(document.raw))):  # defined, maybe never followed
        record.links.setdefault(f"{link.source.operation_id} -> {link.definition.get('operationId')} ({link.name})", 0)
    return record


def exit_code(findings, fail_on_warning: bool) -> int:
    severities = {finding.severity for finding in findings}
    if "error" in severities or (fail_on_warning and "warning" in severities):
        return EXIT_FINDINGS
    return EXIT_OK


def main_run(args: argparse.Namespace) -> int:
    import pytest

    document = load(args.spec)
    check_deviations(args.deviation)
    if args.deviation and args.base_url:
        raise UsageError("--deviation switches on deviations of the embedded mock; it cannot be used with --base-url")
    if args.base_url:
        preflight(args.base_url, args.api_key, document.version)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    output = Path(args.output)
    shutil.rmtree(output / FINDINGS_DIR, ignore_errors=True)
    for stale in output.glob("stats-*.json"):
        stale.unlink()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    target = args.base_url or "the embedded mock" + (f" (deviations: {', '.join(args.deviation)})" if args.deviation else "")
    print(f"pinecone-conformance: testing {target} against {document.title} {document.version}, seed {seed}",
          file=sys.stderr)
    progress = ProgressPlugin(output, enabled=not args.no_progress)
    arguments = pytest_arguments(args, seed, output, quiet_terminal=progress.active)
    interrupted = threading.Event()

    def on_sigterm(signum, frame):
        interrupted.set()
        raise KeyboardInterrupt  # pytest then tears fixtures down: the run's resources are deleted

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        status = pytest.main(arguments, plugins=[progress])
    except KeyboardInterrupt:
        interrupted.set()
        status = pytest.ExitCode.INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.finish()
    if interrupted.is_set():
        status = pytest.ExitCode.INTERRUPTED
    findings = FindingStore(output / FINDINGS_DIR).all()
    record = build_record(args, document, output, seed, started)
    record.exit_code = exit_code(findings, args.fail_on_warning)
    completed = status not in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR)
    if not completed:
        record.exit_code = EXIT_USAGE
        record.errors.append(f"the suite did not complete (pytest exit {int(status)})")
    record.save(output)
    written = _write_reports(output, findings, record, args.api_key)
    counts = {severity: sum(f.severity == severity for f in findings) for severity in ("error", "warning", "note")}
    print(f"pinecone-conformance: {len(findings)} findings ({counts['error']} errors, {counts['warning']} warnings, "
          f"{counts['note']} notes) from {record.requests_total} requests; seed {seed}; reports in {output}"
          + (f" ({', '.join(sorted(written))})" if written else ""), file=sys.stderr)
    for line in _top_deviations(findings):
        print(line, file=sys.stderr)
    if not completed:
        print(f"pinecone-conformance: error: the suite did not complete (pytest exit {int(status)})", file=sys.stderr)
    return record.exit_code


def _top_deviations(findings, limit: int = 5) -> list[str]:
    """The most frequent error deviations, one line each, for the terminal."""
    groups: dict[str, list] = {}
    for finding in findings:
        if finding.severity == "error":
            groups.setdefault(finding.fingerprint, []).append(finding)
    ranked = sorted(groups.values(), key=len, reverse=True)[:limit]
    return [f"  x{len(group):<4} [{group[0].check}] {group[0].operation or '-'}: {group[0].message[:150]}" for group in ranked]


class ProgressPlugin:
    """Feeds the progress line from pytest's reports (works with xdist: reports reach the controller)."""

    def __init__(self, output: Path, enabled: bool):
        from reports.progress import Progress

        self.output = output
        self.progress = Progress(stream=sys.__stderr__, enabled=enabled)
        self.active = self.progress.active

    def pytest_collection_finish(self, session) -> None:
        self.progress.start(len(session.items))

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "teardown" and self.active:  # counting findings reads the store: only for a TTY
            self.progress.advance(report.nodeid.split("::")[-1], self._findings_so_far())

    def _findings_so_far(self) -> int:
        total = 0
        for path in (self.output / FINDINGS_DIR).glob("findings-*.ndjson"):
            with path.open("rb") as handle:
                total += sum(1 for _ in handle)
        return total

    def finish(self) -> None:
        self.progress.finish()


def _write_reports(output: Path, findings, record, api_key: str | None) -> dict:
    try:
        from reports import write_reports
    except ImportError:
        return {}
    from conformance.plugin import EMBEDDED_API_KEY

    secrets = tuple(s for s in (api_key, EMBEDDED_API_KEY) if s)
    return write_reports(output, findings, record, secrets=secrets)
