"""Run ``python -m pinecone_conformance ARGS`` in a process of its own, forked from one that has
already imported the suite and compiled the contract's validators.

The tests start the CLI about a hundred times. A fresh interpreter spends ~1.7 s of CPU
importing Schemathesis, Hypothesis, openapi-core and pytest before a run sends anything, which
was a third of the tests' CPU. Here one server process per test process (each pytest-xdist
worker has its own) imports all that once, then forks a child for each run: the child is a
process of its own (its own pid, exit code, signals, environment, working directory, standard
streams), started from an interpreter that did nothing but import and compile the contract's
response validators, as the runner does before it forks its parts (a pure function of the
document, cached by its content: ~0.4 s of each run's CPU otherwise). :func:`run` answers like
``subprocess.run(..., capture_output=True, text=True)``.

Use a real subprocess where the test needs what a fork cannot give: a different ``PYTHONPATH``
or interpreter, a signal sent to the run, or its output read while it runs.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from pinecone_conformance.conformance.parts import PRELOAD

#: Imported by the server before its first fork (what every run needs), with what a run split
#: among processes imports before it forks them (the engines' modules a run imports only once
#: it starts: measured, 0.4-0.6 s of each run's CPU otherwise).
_WARM = ("pinecone_conformance.conformance.cli", "pinecone_conformance.conformance.runner",
         "pinecone_conformance.conformance.plugin", "pinecone_conformance.conformance.test_conformance",
         "pinecone_conformance.reports", "pytest", *PRELOAD)

_SERVER = r'''
import gc, importlib, json, os, signal, sys, time, traceback
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
# What the runner does before it forks its parts: the contract's validators compiled once
from pinecone_conformance.conformance.validation import prepare
from pinecone_conformance.spec.loader import load
prepare(load().raw)
gc.freeze()
answers = os.fdopen(os.dup(1), "w")
requests = sys.stdin
for line in requests:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setpgid(0, 0)
            for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, request["out"], os.O_WRONLY),
                                    (2, request["err"], os.O_WRONLY)):
                opened = os.open(path, flags)
                os.dup2(opened, fd)
                os.close(opened)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = ["pinecone-conformance", *request["argv"]]
            signal.signal(signal.SIGINT, signal.default_int_handler)
            from pinecone_conformance.conformance.cli import main
            try:
                code = main(request["argv"])
            except SystemExit as stop:
                code = stop.code
            code = code if isinstance(code, int) else (0 if code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    deadline = time.monotonic() + request["timeout"]
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            done, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.005)
    timed_out = time.monotonic() > deadline
    answers.write(json.dumps({"code": os.waitstatus_to_exitcode(status), "timed_out": timed_out,
                              "cpu": usage.ru_utime + usage.ru_stime}) + "\n")
    answers.flush()
'''


class _Server:
    """The forking server of this test process (started at the first run, stopped at exit)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", _SERVER, json.dumps(_WARM)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()
        self.cpu = 0.0
        """CPU seconds of the runs it forked (they are not children of the test process)."""

    def run(self, argv: list[str], env: dict, cwd: str, timeout: float) -> tuple[int, bool, str, str]:
        """One run; the caller holds :attr:`lock` (a server runs one at a time)."""
        with tempfile.TemporaryDirectory(prefix="pcc-cli-") as scratch:
            out, err = Path(scratch, "stdout"), Path(scratch, "stderr")
            out.touch()
            err.touch()
            request = {"argv": argv, "env": env, "cwd": cwd, "timeout": timeout, "out": str(out), "err": str(err)}
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the CLI fork server died")
            answer = json.loads(line)
            self.cpu += answer["cpu"]
            return (answer["code"], answer["timed_out"], out.read_text(errors="replace"),
                    err.read_text(errors="replace"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)


_servers: dict[int, list[_Server]] = {}  # by pid: a process forked from a test process starts its own
_servers_lock = threading.Lock()


def _free_server() -> _Server:
    """An idle server of this process, its lock held: runs started side by side (from threads)
    each get one, so they overlap as separate processes would."""
    with _servers_lock:
        mine = _servers.setdefault(os.getpid(), [])
        mine[:] = [server for server in mine if server.process.poll() is None]
        for server in mine:
            if server.lock.acquire(blocking=False):
                return server
        server = _Server()
        server.lock.acquire()
        mine.append(server)
        atexit.register(server.stop)
        return server


def run(argv: list[str], *, env: dict | None = None, cwd: str | os.PathLike | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m pinecone_conformance *argv`` with its output captured (text), as
    ``subprocess.run`` answers; raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
    argv = [str(arg) for arg in argv]
    server = _free_server()
    try:
        code, timed_out, stdout, stderr = server.run(argv, dict(os.environ if env is None else env),
                                                     str(cwd or os.getcwd()), timeout)
    finally:
        server.lock.release()
    command = [sys.executable, "-m", "pinecone_conformance", *argv]
    if timed_out:
        raise subprocess.TimeoutExpired(command, timeout, output=stdout, stderr=stderr)
    return subprocess.CompletedProcess(command, code, stdout, stderr)


def forked_cpu_seconds() -> float:
    """CPU used by the runs this process had forked so far (for ``--cpu-durations``)."""
    return sum(server.cpu for server in _servers.get(os.getpid(), []))
