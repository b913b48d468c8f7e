"""Print how long a full run takes against broken servers, next to the clean run: a broken
describe or list must cost little more than a clean run (goal: at most 2x), never a wait per
scenario. A benchmark, not a test: it prints figures and asserts nothing.

Each server is the mock on loopback (so waits use the real-server defaults: --wait 120, polls
backing off to 5 s) with one seeded deviation that breaks what waits read.

    python benchmarks/broken_servers.py [--seed N] [--deviation NAME ...]
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

from pinecone_conformance.mockserver.app import create_app  # noqa: E402
from pinecone_conformance.mockserver.serve import serve_in_thread  # noqa: E402

KEY = "benchmark-key"
#: Deviations that break what a wait reads: state never Ready, describe's shape or status, the
#: list, a configure that describe never shows (waited for once: the document lets it lag).
BROKEN = ("index-never-ready", "dimension-as-string", "describe-omits-host", "describe-missing-400",
          "deleted-index-still-listed", "vanishes-from-list-after-update", "configure-not-reflected",
          "tag-deletion-ignored")


def timed(deviation: str | None, seed: int) -> tuple[float, float, int, int]:
    """(wall s, child CPU s, requests, exit code) of one full run on loopback."""
    app = create_app(api_key=KEY, deviations=[deviation] if deviation else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with serve_in_thread(app) as base_url, tempfile.TemporaryDirectory() as output:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "pinecone_conformance", "run", "--base-url", base_url, "--api-key", KEY,
                               "--seed", str(seed), "-o", output, "--no-progress", "--profile", "production"],
                              capture_output=True, text=True)
        wall = time.monotonic() - started
        requests = json.loads((Path(output) / "run.json").read_text())["requests_total"]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), requests, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deviation", action="append", default=[])
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} (2-core machine; figures move with the load)")
    clean = timed(None, args.seed)
    print(f"{'server':<34} {'wall s':>7} {'cpu s':>7} {'requests':>9} {'exit':>5} {'x clean':>8}")
    print(f"{'clean':<34} {clean[0]:7.1f} {clean[1]:7.1f} {clean[2]:9d} {clean[3]:5d} {1.0:8.2f}")
    for deviation in args.deviation or BROKEN:
        wall, cpu, requests, code = timed(deviation, args.seed)
        print(f"{deviation:<34} {wall:7.1f} {cpu:7.1f} {requests:9d} {code:5d} {wall / clean[0]:8.2f}")


if __name__ == "__main__":
    main()
