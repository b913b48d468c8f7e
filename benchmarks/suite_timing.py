"""Print how long the default run takes and how many requests it makes, against the
embedded mock (in process) and the same mock on loopback, beside the same run in one process
(``--workers 1``; the default splits a local run in two), and how long each seeded deviation
takes to be detected. A benchmark, not a test: it prints figures and asserts nothing.

    python benchmarks/suite_timing.py [--seed N] [--rounds R] [--skip-matrix]

CPU is the run's and its processes' (user + system). The machine's load average is printed
beside each figure: on a shared machine wall times move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pinecone_conformance.conformance.selftest import kill_matrix  # noqa: E402
from pinecone_conformance.mockserver.app import create_app  # noqa: E402
from pinecone_conformance.mockserver.serve import serve_in_thread  # noqa: E402

KEY = "benchmark-key"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(*extra: str, seed: int) -> tuple[float, float, int, int]:
    """(wall s, CPU s, requests, exit code) of one ``run`` in a process of its own."""
    with tempfile.TemporaryDirectory() as output:
        started, cpu = time.monotonic(), _children_cpu()
        done = subprocess.run([sys.executable, "-m", "pinecone_conformance", "run", "--seed", str(seed), "-o", output,
                               "--no-progress", *extra], capture_output=True, text=True)
        elapsed, cpu = time.monotonic() - started, _children_cpu() - cpu
        record = json.loads((Path(output) / "run.json").read_text())
    return elapsed, cpu, record["requests_total"], done.returncode


def _print_runs(label: str, extra: tuple[str, ...], seed: int, rounds: int) -> None:
    for how, workers in (("default", ()), ("--workers 1", ("--workers", "1"))):
        for _ in range(rounds):
            seconds, cpu, requests, code = timed_run(*extra, *workers, seed=seed)
            print(f"{label:<12} {how:<12} wall {seconds:6.1f} s  CPU {cpu:6.1f} s  {requests:6d} requests  "
                  f"exit {code}  (load {os.getloadavg()[0]:.2f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--skip-matrix", action="store_true")
    args = parser.parse_args()

    print(f"{os.cpu_count()} CPUs; `pinecone-conformance run --seed {args.seed}`")
    _print_runs("embedded", (), args.seed, args.rounds)
    with serve_in_thread(create_app(api_key=KEY)) as base_url:
        _print_runs("loopback", ("--base-url", base_url, "--api-key", KEY, "--wait", "5"), args.seed, args.rounds)
    if args.skip_matrix:
        return
    with tempfile.TemporaryDirectory() as workdir:
        started = time.monotonic()
        rows = kill_matrix(seed=args.seed, workdir=Path(workdir))
        total = time.monotonic() - started
    print(f"\ntime to detect each seeded deviation (kill matrix, {total:.0f} s in all):")
    for row in sorted(rows, key=lambda r: r.seconds):
        print(f"  {row.deviation:<36} {row.seconds:6.1f} s  {'caught' if row.caught else 'MISSED'}")


if __name__ == "__main__":
    main()
