"""Where the embedded run's CPU goes, by phase: startup, examples, coverage, fuzzing,
stateful, scenarios, response validation, the in-process mock, reports.

    python benchmarks/phase_profile.py [--loopback] [RUN OPTIONS ...]        (default: --seed 1)

The run is profiled in one process (``--workers 1``): a sampler sees only its own threads.

``--loopback`` serves a fresh mock on 127.0.0.1 in this process (its server thread is
charged on a line of its own) and runs the suite against it with ``--base-url``.

It runs ``pinecone-conformance run`` in this process under a sampling profiler of every
thread: every few milliseconds it reads each thread's own CPU clock and charges the CPU
used since the last sample to what that thread's stack shows it doing (for a thread that
is waiting, to what it was doing at the sample before: it used no CPU while waiting). The phase of a
Schemathesis worker thread is an argument its thread was started with, which only an
in-process sampler can read (py-spy sees the stack but not the phase; pyinstrument and
cProfile follow one thread), hence this small sampler on ``sys._current_frames``. Response
validation, the mock and imports are charged first, whatever phase they run in, so the
phase lines are the phases' own work. A benchmark: it prints figures and asserts nothing.
The machine's load average is printed beside the figures: on a shared machine, wall
times move with it (CPU times much less).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

INTERVAL = 0.005

#: (label, test on one frame's file and function name); the first match from the innermost
#: frame outwards wins for the "charged first" group, then the phase group is looked up.
CHARGED_FIRST = (
    ("validation (openapi-core, views)", lambda path, name: path.endswith("conformance/validation.py")),
    ("response checks (semantic)", lambda path, name: path.endswith("conformance/response_checks.py")),
    ("mock server (in process)", lambda path, name: "/mockserver/" in path),
    # The gate (safety, budget, retries) before the plumbing around it, which would otherwise
    # take in the gate's own work whenever the gate runs under an event loop.
    ("gate (safety, budget, retries)",
     lambda path, name: path.endswith(("conformance/gate.py", "conformance/safety.py"))),
    ("in-process transport (our transports, requests, ASGI, TestClient)",
     lambda path, name: "/anyio/" in path or "starlette/testclient" in path or "schemathesis/python/asgi" in path
     or path.endswith("conformance/transport.py") or "/requests/" in path or "/httpx/" in path
     or "schemathesis/transport/" in path),
    ("imports", lambda path, name: name == "_find_and_load"),
    ("reports", lambda path, name: "/reports/" in path or name == "_write_reports"),
)


#: Innermost frames of a thread that waits (for a lock, a queue, a future, a socket): it uses
#: no CPU there, so the CPU it used since the last sample was used before it began to wait.
WAITING = {("threading.py", "wait"), ("threading.py", "_wait_for_tstate_lock"), ("selectors.py", "select"),
           ("queue.py", "get"), ("_base.py", "result"), ("_base.py", "wait")}


def _is_waiting(frame) -> bool:
    return (os.path.basename(frame.f_code.co_filename), frame.f_code.co_name) in WAITING


def _phase_of(frame, thread: threading.Thread | None) -> str:
    """What a thread (its innermost ``frame``) is doing."""
    if thread is not None and thread.name.startswith("mock-"):  # mockserver.serve.serve_in_thread
        return "mock server on loopback (uvicorn thread)"
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    for label, matches in CHARGED_FIRST:
        if any(matches(f.f_code.co_filename, f.f_code.co_name) for f in frames):
            return label
    # a Schemathesis unit-test worker is started with its phase as an argument (read, never
    # a frame's locals: reading those from another thread is not safe)
    phase = (getattr(thread, "_kwargs", None) or {}).get("phase")
    if phase is not None:
        return str(getattr(phase, "value", phase))
    for f in frames:
        path, name = f.f_code.co_filename, f.f_code.co_name
        if "schemathesis/engine/run/stateful" in path:
            return "stateful"
        if "/conformance/scenarios/" in path:
            return "scenarios"
        if name in ("pytest_collection", "pytest_collect_file", "pytest_sessionstart"):
            return "startup (collection, session)"
    return "other (pytest, engine coordination, schema loading)"


class Sampler(threading.Thread):
    """Charges each thread's CPU time, sample by sample, to what its stack shows."""

    def __init__(self) -> None:
        super().__init__(daemon=True, name="phase-sampler")
        self.cpu: Counter = Counter()
        self._last: dict[int, float] = {}
        self._doing: dict[int, str] = {}
        self._stop_event = threading.Event()
        self.overhead = 0.0

    def run(self) -> None:
        me = threading.get_ident()
        while not self._stop_event.wait(INTERVAL):
            threads = {thread.ident: thread for thread in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                try:
                    used = time.clock_gettime(time.pthread_getcpuclockid(ident))
                except (OSError, ProcessLookupError):
                    continue  # the thread ended meanwhile
                delta = used - self._last.get(ident, 0.0)
                self._last[ident] = used
                if _is_waiting(frame):  # charge what it did before it began to wait
                    label = self._doing.get(ident) or _phase_of(frame, threads.get(ident))
                else:
                    label = self._doing[ident] = _phase_of(frame, threads.get(ident))
                if delta > 0:
                    self.cpu[label] += delta
        self.overhead = time.thread_time()

    def stop(self) -> float:
        """Stop; return the sampler's own CPU time (its overhead)."""
        self._stop_event.set()
        self.join()
        return self.overhead


def main(argv: list[str]) -> None:
    loopback = "--loopback" in argv
    run_options = [option for option in argv if option != "--loopback"] or ["--seed", "1"]
    # the sampler sees the threads of this process: the run must not be split among processes
    # (the default run's wall time, split, is what suite_timing.py prints)
    if not any(option.startswith(("--workers", "-n")) for option in run_options):
        run_options += ["--workers", "1"]
    load_before = os.getloadavg()
    started_wall, started_cpu = time.monotonic(), time.process_time()
    sampler = Sampler()
    sampler.start()
    from pinecone_conformance.conformance.cli import main as cli_main

    with tempfile.TemporaryDirectory() as output, contextlib.ExitStack() as stack:
        target = []
        if loopback:
            from pinecone_conformance.mockserver.app import create_app
            from pinecone_conformance.mockserver.serve import serve_in_thread

            base_url = stack.enter_context(serve_in_thread(create_app(api_key="profile-key")))
            target = ["--base-url", base_url, "--api-key", "profile-key"]
        code = cli_main(["run", *target, *run_options, "-o", output, "--no-progress"])
        record = json.loads((Path(output) / "run.json").read_text())
    overhead = sampler.stop()
    wall, cpu = time.monotonic() - started_wall, time.process_time() - started_cpu
    load_after = os.getloadavg()

    sampled = sum(sampler.cpu.values())
    requests = record.get("requests_total", 0)
    where = "mock on loopback" if loopback else "embedded mock"
    print(f"\n{where}: `pinecone-conformance run {' '.join(run_options)}`: exit {code}, {requests} requests")
    print(f"wall {wall:6.1f} s   CPU {cpu:6.1f} s (sampler overhead {overhead:.1f} s)   "
          f"CPU per request {1000 * (cpu - overhead) / max(requests, 1):.1f} ms")
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after (2 cores shared: wall times "
          f"move with the load)   PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
    print(f"\n{'CPU by phase':<54} {'s':>7} {'%':>6}")
    for label, seconds in sampler.cpu.most_common():
        print(f"{label:<54} {seconds:7.2f} {100 * seconds / sampled:5.1f}%")
    print(f"{'(sampled in all)':<54} {sampled:7.2f}")
    print(f"{'(not sampled: threads that ended between samples)':<54} {max(cpu - overhead - sampled, 0.0):7.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
