"""Print what running the scenarios side by side saves against a slow server: the scenarios
phase (``run --phase scenarios``) with ``--scenario-workers 1`` and ``4``, alternating, against
the same loopback mock made slow the realistic way: every answer after ``--latency`` (the
mock's latency fault) and every lifecycle (Initializing -> Ready, a delete taking effect, a
backup, a restore job) taking ``--lifecycle-delay`` seconds. A benchmark, not a test: it
prints figures and asserts nothing.

Each run gets a fresh mock (the same seed, the same run id), so both see the same server.

    python benchmarks/scenarios_concurrency.py [--rounds N] [--latency 0.02] [--lifecycle-delay 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pinecone_conformance.mockserver.app import create_app  # noqa: E402
from pinecone_conformance.mockserver.faults import FaultPlan  # noqa: E402
from pinecone_conformance.mockserver.serve import serve_in_thread  # noqa: E402
from pinecone_conformance.mockserver.settings import MockSettings  # noqa: E402

KEY = "benchmark-key"
RUN_ID = "benchconc1"


def timed(workers: int, *, seed: int, latency: float, lifecycle_delay: float) -> dict:
    """Wall s, CPU s (the run's process), requests, error findings and exit code of one scenarios phase."""
    app = create_app(api_key=KEY, settings=MockSettings(lifecycle_delay=lifecycle_delay,
                                                        faults=FaultPlan(latency=latency)))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with serve_in_thread(app) as base_url, tempfile.TemporaryDirectory() as output:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "pinecone_conformance", "run", "--base-url", base_url, "--api-key", KEY,
                               "--phase", "scenarios", "--scenario-workers", str(workers), "--seed", str(seed),
                               "--run-id", RUN_ID, "--wait", "60", "-o", output, "--no-progress"],
                              capture_output=True, text=True)
        wall = time.monotonic() - started
        record = json.loads((Path(output) / "run.json").read_text())
        report = json.loads((Path(output) / "findings.json").read_text())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors = sum(group["count"] for group in report["groups"] if group["severity"] == "error")
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "requests": record["requests_total"], "errors": errors, "exit": done.returncode,
            "not_run": len(record.get("not_run") or {})}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds before every answer (default 0.02)")
    parser.add_argument("--lifecycle-delay", type=float, default=2.0,
                        help="seconds every lifecycle takes: ready, delete, backup, restore (default 2)")
    parser.add_argument("--workers", type=int, action="append", default=[], help="scenario workers (default 1 and 4)")
    args = parser.parse_args()
    choices = args.workers or [1, 4]
    print(f"load average {os.getloadavg()[0]:.1f} (2-core machine; figures move with the load)")
    print(f"loopback mock: latency {args.latency:g} s per answer, lifecycles {args.lifecycle_delay:g} s; "
          f"run --phase scenarios, seed {args.seed}, {args.rounds} round(s), medians")
    runs: dict[int, list[dict]] = {workers: [] for workers in choices}
    for _ in range(args.rounds):
        for workers in choices:  # alternating, so a change of load hits both
            runs[workers].append(timed(workers, seed=args.seed, latency=args.latency,
                                       lifecycle_delay=args.lifecycle_delay))
    print(f"{'scenario workers':<17} {'wall s':>7} {'cpu s':>6} {'requests':>9} {'errors':>7} {'not run':>8} "
          f"{'exit':>5} {'x one':>6}")
    one = statistics.median(run["wall"] for run in runs[choices[0]])
    for workers in choices:
        wall = statistics.median(run["wall"] for run in runs[workers])
        last = runs[workers][-1]
        print(f"{workers:<17} {wall:7.1f} {statistics.median(r['cpu'] for r in runs[workers]):6.1f} "
              f"{int(statistics.median(r['requests'] for r in runs[workers])):9d} {last['errors']:7d} "
              f"{last['not_run']:8d} {last['exit']:5d} {wall / one:6.2f}")


if __name__ == "__main__":
    main()
