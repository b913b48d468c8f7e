"""Plain Schemathesis and this suite against the same loopback mock, side by side.

    python benchmarks/versus_schemathesis.py [--rounds N] [--seed N] [-- EXTRA SUITE OPTIONS]

Each round serves a fresh faithful mock (``mockserver.serve.serve_in_thread``, 127.0.0.1)
for each tool, alternating: the plain Schemathesis CLI with its default settings
(``schemathesis run`` on the contract, the API key and version headers), then
``pinecone-conformance run --base-url`` with its default settings (every check on). For each
run it prints the wall time, the CPU time of the tool's process (user + system, from the
kernel's accounting of the child), the requests the server answered (counted by the server,
the same way for both) and requests per second; then the median of each and the ratio
suite / Schemathesis. The machine's load average is printed beside each run: on a shared
machine, wall times move with it. A benchmark: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pinecone_conformance.mockserver.app import create_app  # noqa: E402
from pinecone_conformance.mockserver.serve import serve_in_thread  # noqa: E402
from pinecone_conformance.spec.loader import resolve  # noqa: E402

KEY = "benchmark-key"
VERSION = "2026-04"


class CountingApp:
    """The mock, counting the HTTP requests it answers."""

    def __init__(self, app) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


@dataclass
class Measured:
    tool: str
    wall: float
    cpu: float
    requests: int
    exit_code: int
    load: float
    summary: str = ""

    @property
    def per_second(self) -> float:
        return self.requests / self.wall if self.wall else 0.0


def _schemathesis_command(base_url: str, seed: int, report_dir: str) -> list[str]:
    executable = Path(sys.executable).with_name("schemathesis")
    return [str(executable), "run", str(resolve(VERSION)), "--url", base_url, "-H", f"Api-Key: {KEY}",
            "-H", f"X-Pinecone-Api-Version: {VERSION}", "--seed", str(seed), "--no-color",
            "--report-dir", report_dir]


def _suite_command(base_url: str, seed: int, output: str, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "pinecone_conformance", "run", "--base-url", base_url, "--api-key", KEY, "--seed", str(seed),
            "-o", output, "--no-progress", *extra]


def measure(tool: str, command_for, seed: int) -> Measured:
    """One run of ``tool`` against a fresh mock on loopback."""
    app = CountingApp(create_app(api_key=KEY))
    with tempfile.TemporaryDirectory() as scratch, serve_in_thread(app) as base_url:
        log = open(Path(scratch) / "output.log", "wb")  # noqa: SIM115 - closed below
        load = os.getloadavg()[0]
        started = time.monotonic()
        process = subprocess.Popen(command_for(base_url, seed, scratch), stdout=log, stderr=subprocess.STDOUT,
                                   cwd=scratch)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.close()
        lines = (Path(scratch) / "output.log").read_text(errors="replace").splitlines()
    meaningful = [line.strip() for line in lines if line.strip() and not set(line.strip()) <= set("=-_ ")]
    summary = next((line for line in reversed(meaningful) if " findings (" in line), meaningful[-1] if meaningful else "")
    return Measured(tool, wall, usage.ru_utime + usage.ru_stime, app.requests, process.returncode, load, summary[:200])


def _line(m: Measured) -> str:
    return (f"{m.tool:<22} wall {m.wall:6.1f} s  CPU {m.cpu:6.1f} s  {m.requests:6d} requests  "
            f"{m.per_second:6.1f} req/s  exit {m.exit_code}  (load {m.load:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("suite_options", nargs="*", help="extra options for pinecone-conformance run (after --)")
    args = parser.parse_args()

    tools = {
        "schemathesis run": lambda url, seed, scratch: _schemathesis_command(url, seed, scratch),
        "pinecone-conformance": lambda url, seed, scratch: _suite_command(url, seed, scratch, args.suite_options),
    }
    results: dict[str, list[Measured]] = {tool: [] for tool in tools}
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start")
    for round_number in range(args.rounds):
        order = list(tools) if round_number % 2 == 0 else list(reversed(tools))
        for tool in order:
            measured = measure(tool, tools[tool], args.seed)
            results[tool].append(measured)
            print(f"round {round_number + 1}: {_line(measured)}\n         last line: {measured.summary}", flush=True)

    print("\nmedians")
    medians = {}
    for tool, runs in results.items():
        medians[tool] = Measured(tool, statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
                                 int(statistics.median(r.requests for r in runs)), max(r.exit_code for r in runs),
                                 statistics.median(r.load for r in runs))
        print(_line(medians[tool]))
    plain, suite = medians["schemathesis run"], medians["pinecone-conformance"]
    print(f"\nsuite / schemathesis: wall x{suite.wall / plain.wall:.2f}, CPU x{suite.cpu / plain.cpu:.2f}, "
          f"requests x{suite.requests / max(plain.requests, 1):.2f}, req/s x{suite.per_second / plain.per_second:.2f}")


if __name__ == "__main__":
    main()
