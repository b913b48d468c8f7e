"""``pinecone-conformance run``: check the setup, run the pytest suite, write the reports.

The suite itself is ``conformance/test_conformance.py`` driven by pytest, in one process or
split among processes forked from this one (``--workers``, :mod:`conformance.parts`). This
module only turns command-line options into pytest options,
refuses a broken setup with one clear line (exit 2), merges what the workers wrote into a
:class:`~core.run_record.RunRecord`, hands findings and record to ``reports``, and
decides the exit code: 1 when an error finding exists (or a warning, with
``--fail-on-warning``), else 0.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pinecone_conformance.conformance.plugin import PHASES
from pinecone_conformance.core import verdict
from pinecone_conformance.core.errors import EXIT_USAGE, UsageError
from pinecone_conformance.core.findings import FindingStore
from pinecone_conformance.core.run_record import FINDINGS_DIR, STATS_GLOB, RunCounters, RunRecord
from pinecone_conformance.core.version import tool_versions
from pinecone_conformance.spec.loader import load, operations

SUITE_MODULE = Path(__file__).parent / "test_conformance.py"
#: The suite's pytest plugin (its options and fixtures), loaded by name: the run turns autoloading off.
SUITE_PLUGIN = "pinecone_conformance.conformance.plugin"


def validate_target(base_url: str) -> str:
    """The base URL, checked: http(s), a host, nothing unparseable. One-line UsageError otherwise."""
    from urllib.parse import urlsplit

    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https:// (got {base_url!r})")
    try:
        parts = urlsplit(base_url)
        host, _ = parts.hostname, parts.port
    except ValueError as error:
        raise UsageError(f"--base-url is not a valid URL ({error}): {base_url!r}") from None
    if not host:
        raise UsageError(f"--base-url has no host: {base_url!r}")
    return base_url.rstrip("/")


def preflight(base_url: str, api_key: str | None, api_version: str, raw: dict, timeout: float = 15.0) -> None:
    """Fail early, in one line, on an unreachable server or a refused key (one GET, through a gate)."""
    from pinecone_conformance.conformance.gate import BudgetLedger, Gate, HttpUpstream, TransportFailure
    from pinecone_conformance.conformance.safety import SafetyPolicy
    from pinecone_conformance.conformance.session import gate_client

    if not api_key:
        raise UsageError("an API key is needed for --base-url: pass --api-key or set PINECONE_API_KEY")
    upstream = HttpUpstream(base_url, timeout)
    gate = Gate(upstream, policy=SafetyPolicy(run_prefix="pcc-preflight", read_only=True),
                operations=operations(raw), ledger=BudgetLedger(None, None))
    try:
        with gate_client(gate, base_url) as client:
            response = client.get("/indexes", headers={"Api-Key": api_key, "X-Pinecone-Api-Version": api_version})
    except (TransportFailure, OSError) as error:
        raise UsageError(f"cannot reach {base_url}: {error or 'no answer'}") from None
    finally:
        upstream.close()
    if response.status_code == 401:
        raise UsageError(f"{base_url} refused the API key (401 on list_indexes); check --api-key")


def validate_output(output: Path) -> Path:
    if output.exists() and not output.is_dir():
        raise UsageError(f"-o/--output must be a directory, and {str(output)!r} is a file")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output directory {str(output)!r}: {error.strerror}") from None
    return output


def validate_numbers(args: argparse.Namespace) -> None:
    for flag, value in (("--budget", args.budget), ("--max-time", args.max_time),
                        ("--request-timeout", args.request_timeout), ("--max-examples", args.max_examples),
                        ("--scenario-workers", args.scenario_workers), ("--engine-threads", args.engine_threads)):
        if value is not None and value <= 0:
            raise UsageError(f"{flag} must be positive (got {value})")
    if args.wait is not None and args.wait < 0:
        raise UsageError(f"--wait must not be negative (got {args.wait})")


def validate_selection(args: argparse.Namespace, raw: dict) -> None:
    """--operation and --phase must name things that exist: a typo would silently test nothing."""
    known = list(operations(raw))
    for name in args.operation:
        if name not in known:
            raise UsageError(f"unknown operation {name!r} for --operation (the document has: {', '.join(known)})")
    for name in args.phase:
        if name not in PHASES:
            raise UsageError(f"unknown phase {name!r} for --phase (one of: {', '.join(PHASES)})")
    from pinecone_conformance.conformance.plugin import validate_checks

    validate_checks(args.check)



def check_deviations(names: list[str]) -> None:
    if not names:
        return
    from pinecone_conformance.mockserver.deviations import CATALOG

    unknown = [name for name in names if name not in CATALOG]
    if unknown:
        raise UsageError(f"unknown deviation {unknown[0]!r} (see: pinecone-conformance mock --list-deviations)")


def pytest_arguments(args: argparse.Namespace, seed: int, output: Path, *, quiet_terminal: bool = False,
                     started: float | None = None) -> list[str]:
    """pytest's options for a run; ``quiet_terminal`` hands the terminal to the progress line.
    ``started`` (a ``time.time()``) is when the run began: ``--max-time`` counts from it in
    every process the run is split into, not from each one's own start."""
    terminal = ["-p", "no:terminal"] if quiet_terminal else ["-q", "--no-header", "-rN"]
    # --assert=plain: the suite fails through pytest.fail, never through assert, so rewriting the
    # asserts of Schemathesis and Hypothesis at every start would be work for nothing.
    # Only the plugins the suite needs: a plugin the user has installed for other work (one that
    # reorders tests or reseeds random, say) must not change a run, and loading every installed
    # plugin is start-up time paid for nothing.
    plugins = ["--disable-plugin-autoload", "-p", SUITE_PLUGIN]
    # unraisableexception: two full garbage collections of the whole heap at the session's end,
    # to report exceptions raised in __del__, which no run looks at
    arguments = [str(SUITE_MODULE), *terminal, *plugins, "-p", "no:cacheprovider", "-p", "no:unraisableexception",
                 "--assert=plain",
                 "--pcc-seed", str(seed), "--pcc-output", str(output), "--pcc-spec", str(args.spec),
                 "-W", "ignore::DeprecationWarning"]
    if args.base_url:
        arguments += ["--pcc-base-url", args.base_url]
    if args.api_key:
        arguments += ["--pcc-api-key", args.api_key]
    for option, values in (("--pcc-operation", args.operation), ("--pcc-check", args.check),
                           ("--pcc-deviation", args.deviation), ("--pcc-phase", args.phase)):
        for value in values:
            arguments += [option, value]
    for option, value in (("--pcc-max-examples", args.max_examples), ("--pcc-wait", args.wait),
                          ("--pcc-budget", args.budget), ("--pcc-run-id", args.run_id), ("--pcc-max-time", args.max_time),
                          ("--pcc-request-timeout", args.request_timeout),
                          ("--pcc-scenario-workers", args.scenario_workers),
                          ("--pcc-engine-threads", args.engine_threads)):
        if value is not None:
            arguments += [option, str(value)]
    arguments += ["--pcc-profile", args.profile, "--pcc-mock-profile", args.mock_profile]
    if started is not None:
        arguments += ["--pcc-started", repr(started)]
    if args.shard:
        arguments += ["--pcc-shard", args.shard]
    for option, on in (("--pcc-read-only", args.read_only), ("--pcc-allow-paid-resources", args.allow_paid_resources)):
        if on:
            arguments.append(option)
    return arguments


#: Processes a run is split into by default where it is bound by the CPU (the embedded mock, a
#: server on this machine): one per core of the 2-core machines it is measured on. A fixed
#: number, not the machine's count, so that a seed reproduces the same run anywhere. A server
#: across the network is mostly waited on, which the engine's threads already overlap.
LOCAL_WORKERS = 2


def worker_count(args: argparse.Namespace) -> int:
    """How many processes run the suite (--workers: a number, or 'auto' for this machine's cores)."""
    from pinecone_conformance.conformance.parts import can_fork
    from pinecone_conformance.core.network import is_loopback

    text = str(args.workers).strip() if args.workers is not None else ""
    if not text:
        count = 1 if args.base_url and not is_loopback(args.base_url) else LOCAL_WORKERS
    elif text == "auto":
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    elif text.isdigit() and int(text) >= 1:
        count = int(text)
    else:
        raise UsageError(f"--workers must be a positive number or 'auto' (got {args.workers!r})")
    return count if can_fork() else 1


def build_record(args: argparse.Namespace, document, output: Path, seed: int, started: str, workers: int) -> RunRecord:
    record = RunRecord(
        spec_version=document.version,
        spec_sha256=document.sha256,
        spec_source=str(document.path),
        target=args.base_url or "embedded-mock",
        seed=seed,
        run_id=args.run_id,
        started_at=started,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        tool_versions=tool_versions(),
        options={"deviations": list(args.deviation), "operations": list(args.operation), "checks": list(args.check),
                 "phases": list(args.phase), "profile": args.profile, "mock_profile": args.mock_profile, "shard": args.shard,
                 "baseline": args.baseline, "fail_on": fail_level(args), "max_examples": args.max_examples, "workers": workers,
                 "wait": args.wait, "budget": args.budget, "max_time": args.max_time, "read_only": args.read_only,
                 "allow_paid_resources": args.allow_paid_resources, "request_timeout": args.request_timeout,
                 "engine_threads": args.engine_threads},
    )
    from pinecone_conformance.conformance.registry import CHECKS

    record.checks = CHECKS.as_record(set(args.check))
    ops = operations(document.raw)
    record.operations = list(ops)
    record.documented_statuses = {op_id: sorted(map(str, op.definition.get("responses", {}))) for op_id, op in ops.items()}
    for stats_file in sorted(output.glob(STATS_GLOB)):
        RunCounters.load(stats_file).merge_into(record)
    from pinecone_conformance.spec.loader import links, with_links_overlay, without_dangling_links

    for link in links(without_dangling_links(with_links_overlay(document.raw, skip_missing=True))):  # defined, maybe never followed
        record.links.setdefault(f"{link.source.operation_id} -> {link.definition.get('operationId')} ({link.name})", 0)
    return record


def main_run(args: argparse.Namespace) -> int:
    import pytest

    from pinecone_conformance.conformance.gate import BUDGET, DEADLINE, stop_file
    from pinecone_conformance.conformance.plugin import BUDGET_FILE
    from pinecone_conformance.conformance.runid import new_run_id, validate_run_id
    from pinecone_conformance.conformance.shard import parse_shard, shard_run_id

    began = time.time()
    document = load(args.spec)
    check_deviations(args.deviation)
    validate_numbers(args)
    validate_selection(args, document.raw)
    workers = worker_count(args)
    if args.deviation and args.base_url:
        raise UsageError("--deviation switches on deviations of the embedded mock; it cannot be used with --base-url")
    if args.mock_profile != "production" and args.base_url:
        raise UsageError("--mock-profile chooses the embedded mock's behaviour; it cannot be used with --base-url")
    if args.run_id is not None:
        validate_run_id(args.run_id)
    shard = parse_shard(args.shard) if args.shard else None
    baseline = load_baseline(args.baseline) if args.baseline else None
    if args.base_url:
        args.base_url = validate_target(args.base_url)
        if not args.api_key:
            raise UsageError("an API key is needed for --base-url: pass --api-key or set PINECONE_API_KEY")
    output = validate_output(Path(args.output))
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    args.run_id = args.run_id or new_run_id(seed)
    if shard:  # each shard its own resource prefix: shards running at once never touch each other's
        args.run_id = shard_run_id(args.run_id, *shard)
        args.shard = f"{shard[0]}/{shard[1]}"
    shutil.rmtree(output / FINDINGS_DIR, ignore_errors=True)
    for stale in (*output.glob(STATS_GLOB), output / BUDGET_FILE, stop_file(output)):
        stale.unlink(missing_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    # Before the first request: what cleanup needs to find this run's resources after any crash.
    RunRecord(spec_version=document.version, spec_sha256=document.sha256, spec_source=str(document.path),
              target=args.base_url or "embedded-mock", seed=seed, run_id=args.run_id, started_at=started,
              incomplete="running (or killed before it finished)", exit_code=EXIT_USAGE).save(output)
    if args.base_url:
        preflight(args.base_url, args.api_key, document.version, document.raw, timeout=args.request_timeout or 15.0)
    target = args.base_url or "the embedded mock" + (f" (deviations: {', '.join(args.deviation)})" if args.deviation else "")
    mode = " (read-only)" if args.read_only else ""
    print(f"pinecone-conformance: testing {target}{mode} against {document.title} {document.version}, seed {seed}, "
          f"run id {args.run_id} (cleanup: pinecone-conformance cleanup --from {output})", file=sys.stderr)
    progress = ProgressPlugin(output, enabled=not args.no_progress)
    arguments = pytest_arguments(args, seed, output, quiet_terminal=progress.active, started=began)
    interrupted = threading.Event()

    def on_sigterm(signum, frame):
        interrupted.set()
        raise KeyboardInterrupt  # pytest then tears fixtures down: the run's resources are deleted

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    crashed, part_problems = progress.crashed, []
    try:
        if workers > 1:
            from pinecone_conformance.conformance.parts import run_parts
            from pinecone_conformance.conformance.validation import prepare

            prepare(document.raw)  # compiled once here, inherited by every part (not built by each)

            def part_progress(k: int) -> ProgressPlugin:  # one progress line: the first part's tests, every finding
                return ProgressPlugin(output, enabled=k == 1 and progress.active,
                                      label=f"conformance (worker 1 of {workers})")

            parts = run_parts(arguments, workers, part_progress, sweep=bool(args.base_url))
            status, crashed, part_problems = parts.status, parts.crashed, parts.problems
        else:
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
    record = build_record(args, document, output, seed, started, workers)
    problems = part_problems + _did_not_run(status, crashed, record, output)
    record.errors += problems
    cut_short = [reason for reason in (BUDGET, DEADLINE) if record.skipped.get(reason)]
    if cut_short:
        limits = {BUDGET: f"--budget {args.budget}", DEADLINE: f"--max-time {args.max_time}s"}
        record.incomplete = "cut short by " + " and ".join(limits[reason] for reason in cut_short)
    if problems:
        record.incomplete = problems[0]
    fail_on = fail_level(args)
    record.exit_code = verdict.exit_code(findings, fail_on=fail_on, incomplete=bool(record.incomplete),
                                         broken=bool(problems))
    record.save(output)
    written = _write_reports(output, findings, record, args.api_key)
    gate = None
    if baseline is not None and "findings.json" in written:
        gate = gate_on_baseline(baseline, output, fail_on)
        if not problems:  # only what is new fails the run; a crash or an outage still cannot pass
            record.exit_code = verdict.decide(bool(gate["failing"]), incomplete=bool(record.incomplete))
        record.save(output)
    _publish(output, findings, record, args.api_key, gate)
    counts = {severity: sum(f.severity == severity for f in findings) for severity in ("error", "warning", "note")}
    print(f"pinecone-conformance: {len(findings)} findings ({counts['error']} errors, {counts['warning']} warnings, "
          f"{counts['note']} notes) from {record.requests_total} requests; seed {seed}; reports in {output}"
          + (f" ({', '.join(sorted(written))})" if written else ""), file=sys.stderr)
    skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(record.skipped.items()))
    if skipped:
        print(f"pinecone-conformance: requests not sent: {skipped} (see the summary)", file=sys.stderr)
    for line in _top_deviations(findings):
        print(line, file=sys.stderr)
    if gate is not None:
        print(f"pinecone-conformance: against the baseline: {len(gate['comparison'].new)} new, "
              f"{len(gate['comparison'].fixed)} fixed, {len(gate['comparison'].still)} still; "
              f"{len(gate['failing'])} new at or above {fail_on}", file=sys.stderr)
    if problems:
        print(f"pinecone-conformance: error: {problems[0]}" + (f" (and {len(problems) - 1} more: see run.json)"
              if len(problems) > 1 else ""), file=sys.stderr)
    elif record.incomplete:
        print(f"pinecone-conformance: INCOMPLETE: {record.incomplete}", file=sys.stderr)
    return record.exit_code


def fail_level(args: argparse.Namespace) -> str:
    """The severity that fails the run: --fail-on, else warning with --fail-on-warning, else error."""
    return args.fail_on or ("warning" if args.fail_on_warning else "error")


def load_baseline(path: str) -> dict:
    """The baseline findings.json, read and validated before anything is sent (exit 2 if unusable)."""
    from pinecone_conformance.reports.findings_json import InvalidFindingsFile
    from pinecone_conformance.reports.findings_json import load as load_findings

    try:
        return load_findings(path)
    except InvalidFindingsFile as error:
        raise UsageError(f"--baseline: {error}") from None


def gate_on_baseline(baseline: dict, output: Path, fail_on: str) -> dict:
    """Compare this run with the baseline; append new / fixed / still to summary.md.

    Returns the comparison and the new groups at or above ``fail_on``: only those fail the run."""
    from pinecone_conformance.reports.compare import compare, render_markdown
    from pinecone_conformance.reports.findings_json import load as load_findings
    from pinecone_conformance.reports.grouping import severity_rank

    current = load_findings(output)
    comparison = compare(baseline, current)
    failing = [g for g in comparison.new if severity_rank(g["severity"]) <= severity_rank(fail_on)]
    summary = output / "summary.md"
    if summary.is_file():
        summary.write_text(summary.read_text(encoding="utf-8") + "\n" + render_markdown(comparison, baseline, current),
                           encoding="utf-8")
    return {"comparison": comparison, "failing": failing}


def _publish(output: Path, findings, record: RunRecord, api_key: str | None, gate: dict | None) -> None:
    """findings.har beside the reports; on GitHub Actions, the job summary and annotations."""
    from pinecone_conformance.conformance.plugin import EMBEDDED_API_KEY
    from pinecone_conformance.reports.github import annotations, in_github_actions, write_step_summary
    from pinecone_conformance.reports.har import write_har

    secrets = tuple(s for s in (api_key, EMBEDDED_API_KEY) if s)
    write_har(output, findings, secrets=secrets, started_at=record.started_at)
    summary = output / "summary.md"
    if summary.is_file():
        write_step_summary(summary.read_text(encoding="utf-8"))
    if in_github_actions():
        if gate is not None:
            lines = annotations(gate["failing"], severities=("error", "warning"))
        else:
            from pinecone_conformance.reports.findings_json import load as load_findings

            lines = annotations(load_findings(output)["groups"])
        for line in lines:
            print(line)


def _did_not_run(status, crashed: dict[str, str], record: RunRecord, output: Path) -> list[str]:
    """What of the planned work did not run: an interrupted or broken pytest, crashed tests, a
    phase Schemathesis could not run, an outage, or nothing tested at all. Empty when all ran."""
    import pytest

    from pinecone_conformance.conformance.gate import stop_file

    problems = []
    if status in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        problems.append(f"the suite did not complete (pytest exit {int(status)})")
    if stop_file(output).exists():
        reason = stop_file(output).read_text(encoding="utf-8").splitlines()[0]
        problems.append(f"the run stopped early: {reason}")
    problems += [f"{test} did not run to its end: {why}" for test, why in crashed.items()]
    if status == pytest.ExitCode.NO_TESTS_COLLECTED or (not problems and record.requests_total == 0
                                                        and not record.skipped):
        problems.append("nothing was tested (no test collected or no request sent)")
    return problems


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

    def __init__(self, output: Path, enabled: bool, label: str = "conformance"):
        from pinecone_conformance.reports.progress import Progress

        self.output = output
        self.crashed: dict[str, str] = {}
        self.progress = Progress(stream=sys.__stderr__, enabled=enabled, label=label)
        self.active = self.progress.active

    def pytest_collection_finish(self, session) -> None:
        self.progress.start(len(session.items))

    def pytest_runtest_logreport(self, report) -> None:
        """A test that failed other than by reporting deviations crashed (or could not run its phase)."""
        from pinecone_conformance.conformance.plugin import DEVIATIONS_PROPERTY

        if report.failed and not dict(report.user_properties).get(DEVIATIONS_PROPERTY):
            text = str(report.longrepr or "").strip().splitlines()
            self.crashed[report.nodeid.split("::")[-1] + ("" if report.when == "call" else f" ({report.when})")] = (
                text[-1][:300] if text else "failed")
        self._advance(report)

    def _advance(self, report) -> None:
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
        from pinecone_conformance.reports import write_reports
    except ImportError:
        return {}
    from pinecone_conformance.conformance.plugin import EMBEDDED_API_KEY

    secrets = tuple(s for s in (api_key, EMBEDDED_API_KEY) if s)
    return write_reports(output, findings, record, secrets=secrets)
