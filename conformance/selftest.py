"""The kill matrix: switch on each seeded deviation of the mock in turn, run the real suite,
and require that it is caught by a check of the right kind.

Each deviation gets a run of its own, with only that deviation switched on (deviations never
mask each other): the same ``pinecone-conformance run`` a user types, restricted to the first
operations through which the deviation shows (:func:`planned_operations`). The runs are shared out over a few worker
processes (two by default), each running one deviation after another in process, so the
start-up (interpreter, imports, the document) is paid once per worker instead of once per
deviation. A run a worker could not finish (the worker died) is run again in a process of
its own. "Caught" means: the run exits 1 and at least one error finding is of a kind that
names the deviation's category (a response-schema deviation must be caught by a schema
check, not by an unrelated 500). The matrix is printed as deviation x check.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from pinecone_conformance.core.findings import FindingStore
from pinecone_conformance.core.run_record import FINDINGS_DIR

#: Deviation category -> finding kinds that name that problem.
KINDS_FOR_CATEGORY = {
    "response-schema": {"response-schema"},
    "status-code": {"status-code", "server-error"},
    "input-validation": {"input-validation"},
    "semantics": {"semantic"},
    "auth": {"auth"},
    "headers": {"content-type", "headers"},
    "error-body": {"error-body", "response-schema"},
}

#: A deviation's run is restricted to the first operations it lists (those through which it
#: shows most directly): a run costs about as much per operation (create_index's coverage
#: cases alone are ~400 requests). One was enough for each of the 46: the matrix took 68 s of
#: CPU instead of 88 s with two operations each, with the same verdicts (four: twice the CPU).
OPERATIONS_PER_RUN = 1

#: ... and to any operation among its first this many that no other run reaches, so that the
#: matrix as a whole still exercises every operation the catalog lists that early.
COVERAGE_DEPTH = 4

#: Seconds one deviation's run may take.
RUN_TIMEOUT = 900


@dataclass
class Row:
    deviation: str
    category: str
    exit_code: int
    seconds: float
    checks: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    profile: str = "contract"
    authorities: Counter = field(default_factory=Counter)

    @property
    def misjudged(self) -> bool:
        """A production-only deviation (a server the document allows) failed contract checks:
        a contract-conformant server would fail the default profile the same way."""
        return self.profile == "production" and self.authorities.get("contract", 0) > 0

    @property
    def caught(self) -> bool:
        """The run failed, through a check of the deviation's kind and of its authority."""
        return (self.exit_code == 1 and bool(set(self.kinds) & KINDS_FOR_CATEGORY.get(self.category, set()))
                and self.authorities.get(self.profile, 0) > 0 and not self.misjudged)


def profile_for(deviation) -> str:
    """The profile under which ``deviation`` must make the run fail."""
    return "production" if getattr(deviation, "authority", "contract") == "production" else "contract"


def planned_operations(catalog: dict) -> dict[str, tuple[str, ...]]:
    """Deviation name -> the operations its run is restricted to: its first
    :data:`OPERATIONS_PER_RUN`, plus each operation within its first :data:`COVERAGE_DEPTH` that
    no run would reach otherwise (given to the deviation that lists it earliest, then first in
    the catalog). Computed over the whole catalog, so a run is the same alone or in the matrix."""
    plan = {name: list(deviation.operations[:OPERATIONS_PER_RUN]) for name, deviation in catalog.items()}
    covered = {operation for operations in plan.values() for operation in operations}
    for depth in range(OPERATIONS_PER_RUN, COVERAGE_DEPTH):
        for name, deviation in catalog.items():
            if depth < len(deviation.operations) and deviation.operations[depth] not in covered:
                plan[name].append(deviation.operations[depth])
                covered.add(deviation.operations[depth])
    return {name: tuple(operations) for name, operations in plan.items()}


def operations_for(deviation) -> tuple[str, ...]:
    """The operations ``deviation``'s run is restricted to (see :func:`planned_operations`)."""
    from pinecone_conformance.mockserver.deviations import CATALOG

    if CATALOG.get(deviation.name) is deviation:
        return planned_operations(CATALOG)[deviation.name]
    return tuple(deviation.operations[:OPERATIONS_PER_RUN])


def _run_arguments(deviation, *, seed: int, max_examples: int, output: Path) -> list[str]:
    """``pinecone-conformance`` arguments for one deviation's run."""
    # --workers 1: the matrix already runs its deviations side by side, one process each
    arguments = ["run", "--deviation", deviation.name, "--seed", str(seed), "--max-examples", str(max_examples),
                 "-o", str(output), "--no-progress", "--workers", "1"]
    # A production-parity deviation fails only the production profile (under the contract profile
    # it is reported, as a warning, in the parity section): it is judged where it must fail.
    arguments += ["--profile", profile_for(deviation)]
    for operation in operations_for(deviation):
        arguments += ["--operation", operation]
    return arguments


def _row(deviation, exit_code: int, seconds: float, output: Path) -> Row:
    row = Row(deviation.name, deviation.category, exit_code, seconds, profile=profile_for(deviation))
    for finding in FindingStore(output / FINDINGS_DIR):
        if finding.severity == "error":
            row.checks[finding.check] += 1
            row.kinds[finding.kind] += 1
            row.authorities[finding.authority] += 1
    return row


def run_one(deviation, *, seed: int, max_examples: int, output: Path) -> Row:
    """One deviation's run in a process of its own."""
    command = [sys.executable, "-m", "pinecone_conformance", *_run_arguments(deviation, seed=seed, max_examples=max_examples,
                                                                     output=output)]
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return _row(deviation, completed.returncode, time.monotonic() - started, output)


def _worker_command(*, seed: int, max_examples: int, workdir: Path) -> list[str]:
    return [sys.executable, "-m", "pinecone_conformance.conformance.selftest", "--seed", str(seed), "--max-examples", str(max_examples),
            str(workdir)]


def _work(worker: subprocess.Popen, queue: deque, lock: threading.Lock, results: dict) -> None:
    """Feed deviation names to one worker process, one at a time, until the queue is empty
    (or the worker died: what it had not finished stays unjudged, and is run alone below)."""
    while True:
        with lock:
            if not queue:
                break
            name = queue.popleft()
        try:
            worker.stdin.write(name + "\n")
            worker.stdin.flush()
            ready, _, _ = select.select([worker.stdout], [], [], RUN_TIMEOUT)
            answer = worker.stdout.readline() if ready else ""
        except OSError:
            answer = ""
        if not answer:  # the worker died (or hangs): stop it; its deviation is run alone below
            worker.kill()
            return
        exit_code, seconds = json.loads(answer)
        results[name] = (exit_code, seconds)


def kill_matrix(names: list[str] | None = None, *, seed: int = 1, max_examples: int = 5, parallel: int = 2,
                workdir: Path = Path("selftest-report")) -> list[Row]:
    from pinecone_conformance.mockserver.deviations import CATALOG

    chosen = [CATALOG[name] for name in (names or list(CATALOG))]
    workdir.mkdir(parents=True, exist_ok=True)
    # The runs over more operations take longest: start them first, so no worker is left
    # with a long run at the end while the others are idle.
    queue = deque(d.name for d in sorted(chosen, key=lambda d: -len(operations_for(d))))
    lock, results = threading.Lock(), {}
    workers = []
    with open(workdir / "workers.log", "ab") as log:
        for _ in range(max(1, min(parallel, len(chosen)))):
            workers.append(subprocess.Popen(_worker_command(seed=seed, max_examples=max_examples, workdir=workdir),
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True))
    feeders = [threading.Thread(target=_work, args=(worker, queue, lock, results), daemon=True) for worker in workers]
    for feeder in feeders:
        feeder.start()
    for feeder in feeders:
        feeder.join()
    for worker in workers:
        try:
            worker.stdin.close()
        except OSError:
            pass
        worker.wait(timeout=60)
    rows = []
    for deviation in chosen:
        output = workdir / deviation.name
        if deviation.name in results:
            exit_code, seconds = results[deviation.name]
            rows.append(_row(deviation, exit_code, seconds, output))
        else:
            rows.append(run_one(deviation, seed=seed, max_examples=max_examples, output=output))
    return rows


def _serve_as_worker(argv: list[str]) -> None:
    """A worker process: read deviation names from stdin, run each in this process (its
    output to the log on stderr), answer each with one JSON line ``[exit code, seconds]``."""
    parser = argparse.ArgumentParser(prog="python -m pinecone_conformance.conformance.selftest")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--max-examples", type=int, required=True)
    parser.add_argument("workdir", type=Path)
    args = parser.parse_args(argv)
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # what the runs print goes to the log, never into the answers

    from pinecone_conformance.mockserver.deviations import CATALOG

    for line in sys.stdin:
        name = line.strip()
        started = time.monotonic()
        code = _run_in_process(_run_arguments(CATALOG[name], seed=args.seed, max_examples=args.max_examples,
                                              output=args.workdir / name))
        sys.stdout.flush()
        sys.stderr.flush()
        answers.write(json.dumps([code, time.monotonic() - started]) + "\n")
        answers.flush()


def _run_in_process(argv: list[str]) -> int:
    """``pinecone-conformance run ...`` in this process, with the CLI's exit codes (bad input and
    our own errors are 2, never a traceback that would end the worker)."""
    from pinecone_conformance.conformance.arguments import build_parser
    from pinecone_conformance.conformance.runner import main_run
    from pinecone_conformance.core.errors import EXIT_USAGE, SpecError, UsageError

    try:
        return main_run(build_parser().parse_args(argv))
    except (UsageError, SpecError) as error:
        print(f"selftest: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # a bug: judged as "not caught", never a dead worker
        print(f"selftest: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_USAGE


def row_record(row: Row) -> dict:
    """One row of ``kill-matrix.json`` (what :func:`row_from_record` reads back)."""
    return {"deviation": row.deviation, "category": row.category, "profile": row.profile, "caught": row.caught,
            "exit_code": row.exit_code, "seconds": round(row.seconds, 2), "checks": dict(row.checks),
            "kinds": dict(row.kinds), "authorities": dict(row.authorities)}


def row_from_record(record: dict) -> Row:
    """A row saved by :func:`row_record`, so parts of a matrix run apart can be rendered as one."""
    return Row(record["deviation"], record["category"], record["exit_code"], record["seconds"],
               checks=Counter(record["checks"]), kinds=Counter(record.get("kinds", {})), profile=record["profile"],
               authorities=Counter(record.get("authorities", {})))


def render(rows: list[Row]) -> str:
    checks = sorted({check for row in rows for check in row.checks})
    width = max((len(row.deviation) for row in rows), default=10)
    lines = [f"{'deviation':<{width}}  profile     caught  {'secs':>5}  "
             + "  ".join(f"{i + 1:>3}" for i in range(len(checks)))]
    for row in rows:
        cells = "  ".join(f"{row.checks.get(check, 0) or '.':>3}" for check in checks)
        lines.append(f"{row.deviation:<{width}}  {row.profile:<10}  {'yes' if row.caught else 'NO':>6}  "
                     f"{row.seconds:5.1f}  {cells}")
    lines.append("")
    lines += [f"{i + 1:>3} = {check}" for i, check in enumerate(checks)]
    caught = sum(row.caught for row in rows)
    misjudged = [row.deviation for row in rows if row.misjudged]
    if misjudged:
        lines.append(f"\nfailed by contract checks, though only production forbids them: {', '.join(misjudged)}")
    lines.append(f"\n{caught}/{len(rows)} seeded deviations caught")
    return "\n".join(lines)


def main_selftest(args: argparse.Namespace) -> int:
    rows = kill_matrix(args.deviation or None, seed=args.seed or 1, max_examples=args.max_examples or 5,
                       workdir=Path(args.output) / "selftest")
    print(render(rows))
    (Path(args.output) / "selftest").mkdir(parents=True, exist_ok=True)
    (Path(args.output) / "selftest" / "kill-matrix.json").write_text(
        json.dumps([row_record(row) for row in rows], indent=2), encoding="utf-8")
    return 0 if all(row.caught for row in rows) else 1


if __name__ == "__main__":
    _serve_as_worker(sys.argv[1:])
