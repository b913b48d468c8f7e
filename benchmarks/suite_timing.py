"""Print how long the default run takes and how many requests it makes, against the
embedded mock (in process) and the same mock on loopback, and how long each seeded
deviation takes to be detected. A benchmark, not a test: it prints figures and asserts nothing.

    python benchmarks/suite_timing.py [--seed N] [--skip-matrix]
"""

from __future__ import annotations

import argparse
import json
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


def timed_run(*extra: str, seed: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as output:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "pinecone_conformance", "run", "--seed", str(seed), "-o", output, *extra],
                              capture_output=True, text=True)
        elapsed = time.monotonic() - started
        record = json.loads((Path(output) / "run.json").read_text())
    return elapsed, record["requests_total"], done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-matrix", action="store_true")
    args = parser.parse_args()

    seconds, requests, code = timed_run(seed=args.seed)
    print(f"embedded mock (in process): {seconds:6.1f} s  {requests:6d} requests  exit {code}")
    with serve_in_thread(create_app(api_key=KEY)) as base_url:
        seconds, requests, code = timed_run("--base-url", base_url, "--api-key", KEY, "--wait", "5", seed=args.seed)
    print(f"mock on loopback:           {seconds:6.1f} s  {requests:6d} requests  exit {code}")
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
