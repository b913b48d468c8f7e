"""``run --workers N``: the suite's pytest session in N processes forked from the runner.

A run on the embedded mock or a server on this machine is bound by the CPU (generating cases
and judging answers is Python), so a second core halves it only in a second process. A fresh
interpreter pays about 1.5 s importing pytest, Schemathesis, Hypothesis and the suite before it
tests anything; a process forked after those imports (:func:`preload`) starts at once and shares
their memory.

Each part runs ``--pcc-part K/N``: its share of the work (:func:`conformance.shard.split`,
deterministic, so a seed reproduces the run). The parts share the output directory as
pytest-xdist's workers did: each writes its own findings and stats files (named by process),
counts its requests in the run's one budget ledger and stops at the run's one stop file. A part
deletes what it created and never sweeps (another part may still be using a prefixed
resource); against a server, one session of its own sweeps once every part has ended
(``--pcc-sweep-only``).

Signals reach the runner alone (each part is in a process group of its own, so a Ctrl-C at the
terminal is not delivered twice); the runner passes each one on to every part, which then ends
its session the way a single-process run does: fixtures torn down, resources deleted. A part
whose runner dies gets SIGTERM (Linux), so it cleans up too.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: What a part leaves for the runner: its pytest exit code and the tests that crashed (and,
#: beside it with the suffix ``.out``, what it printed).
PART_FILE = "part-{k}.json"
#: The number the sweeping session goes by among the parts (they count from 1).
SWEEPER = 0

#: pytest's exit codes (pytest.ExitCode, without importing pytest to name them).
OK, TESTS_FAILED, INTERRUPTED, INTERNAL_ERROR, USAGE_ERROR, NO_TESTS_COLLECTED = range(6)


@dataclass
class PartsOutcome:
    """The parts' result as one session's: a pytest exit code, the crashed tests by name, and
    what went wrong with a part itself (it ended without leaving a result, say)."""

    status: int
    crashed: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def can_fork() -> bool:
    return hasattr(os, "fork")


#: What every part imports, imported once before forking: the suite, and the modules of its
#: engines that they import only when a run starts (measured: 0.6 s of each part's CPU).
PRELOAD = ("pinecone_conformance.conformance.fuzz", "pinecone_conformance.conformance.scenarios",
           "pinecone_conformance.conformance.validation", "pinecone_conformance.conformance.cleanup",
           "pinecone_conformance.mockserver.app", "hypothesis.stateful",
           "schemathesis.engine.core", "schemathesis.engine.run.unit", "schemathesis.engine.run.stateful",
           "schemathesis.engine.run.probes", "schemathesis.specs.openapi.schemas",
           "schemathesis.specs.openapi.stateful", "schemathesis.specs.openapi.coverage",
           "schemathesis.specs.openapi.checks", "schemathesis.generation.stateful.state_machine",
           "schemathesis.generation.hypothesis.builder", "schemathesis.python.asgi")


def preload() -> None:
    """Import :data:`PRELOAD`. Only a saving: a name a later release no longer has is skipped."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def combined_status(statuses: list[int]) -> int:
    """One exit code for the parts: the gravest failure of any part; a part that found nothing
    to run is fine when another ran something."""
    for grave in (INTERRUPTED, INTERNAL_ERROR, USAGE_ERROR, TESTS_FAILED):
        if grave in statuses:
            return grave
    return NO_TESTS_COLLECTED if statuses and all(s == NO_TESTS_COLLECTED for s in statuses) else OK


def run_parts(arguments: list[str], n: int, plugin_for: Callable[[int], object], *,
              sweep: bool = False) -> PartsOutcome:
    """Run ``pytest.main(arguments)`` as parts 1..n, side by side; then, with ``sweep``, the
    sweeping session. ``plugin_for(k)`` is the extra pytest plugin of part ``k`` (its progress
    display): it is asked for its ``crashed`` tests at the part's end.

    What a part leaves for the runner (its result, what it printed) goes to a private
    directory of its own, removed at the end: never into the run's output directory, which
    is uploaded as a CI artifact, even when the runner is killed before it cleans up."""
    preload()
    scratch, held = _scratch(Path(tempfile.gettempdir()))
    try:
        gc.freeze()  # what exists now stays shared with the parts (no copy when the collector visits it)
        try:
            parts = {_fork([*arguments, "--pcc-part", f"{k}/{n}"], _result(scratch, k), plugin_for(k)): k
                     for k in range(1, n + 1)}
        finally:
            gc.unfreeze()  # the runner's own heap is collected as before
        ended, interrupted = _wait(parts)
        outcome = _collect(parts, ended, scratch, interrupted)
        if sweep:
            sweeper = {_fork([*arguments, "--pcc-sweep-only"], _result(scratch, SWEEPER), None): SWEEPER}
            swept, stopped = _wait(sweeper)
            _collect(sweeper, swept, scratch, stopped)  # its requests and errors are in its stats file
            if stopped:
                outcome.status = INTERRUPTED
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        held.close()
    return outcome


#: The private directories of runs split into parts: ``pcc-parts-XXXX`` in the temporary directory.
SCRATCH_PREFIX = "pcc-parts-"
#: In each, a file the runner holds locked while it lives (the parts inherit the lock).
SCRATCH_LOCK = "held"


def _scratch(root: Path):
    """A new private directory for this run's parts under ``root``, with its lock file held.

    First removes those of runners that are gone: a runner killed with SIGKILL cannot remove
    its own. A directory counts as gone only when its lock can be taken (no process holds it,
    whatever its pid namespace); one without a lock file (being made, or an older version's)
    is left alone."""
    import fcntl

    for old in root.glob(f"{SCRATCH_PREFIX}*"):
        try:
            with open(old / SCRATCH_LOCK, "rb") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a live run, no lock file, or not ours to open
            continue
        shutil.rmtree(old, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=root))
    held = open(scratch / SCRATCH_LOCK, "wb")
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return scratch, held


def _result(scratch: Path, k: int) -> Path:
    """Where part ``k`` (or the sweeping session, :data:`SWEEPER`) leaves its result."""
    return scratch / PART_FILE.format(k=k or "sweep")


def _fork(arguments: list[str], result: Path, plugin: object | None) -> int:
    """Start one part; the runner's side gets its process id."""
    sys.stdout.flush()
    sys.stderr.flush()  # what is buffered now would otherwise be printed by every part again
    pid = os.fork()
    if pid:
        return pid
    _part(arguments, result, plugin)  # never returns


def _part(arguments: list[str], result: Path, plugin: object | None) -> None:
    """The part's process: run the session, leave its result, end without returning into the
    runner's code (which the fork copied)."""
    status, crashed, error = INTERNAL_ERROR, {}, None
    try:
        os.setpgid(0, 0)
        # what pytest prints, kept apart, so that the runner prints each part's after the other's
        log = os.open(result.with_suffix(".out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.close(log)
        _die_with_parent()
        import pytest

        status = int(pytest.main(arguments, plugins=[plugin] if plugin is not None else []))
        crashed = dict(getattr(plugin, "crashed", {}) or {})
    except KeyboardInterrupt:  # interrupted before its session began or after it ended
        status = INTERRUPTED
    except BaseException as failure:  # a bug: reported by the runner, never run past this point
        error = f"{type(failure).__name__}: {failure}"
    finally:
        try:
            result.write_text(json.dumps({"status": status, "crashed": crashed, "error": error}), encoding="utf-8")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when the runner dies, so it ends its session and cleans up."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wait(parts: dict[int, int]) -> tuple[dict[int, int], bool]:
    """Wait for every part (by its pid: a child the runner's caller started is not ours to
    reap): their wait statuses, and whether the runner was interrupted. Each interrupt
    (SIGTERM, Ctrl-C) is passed on to the parts still running."""
    ended: dict[int, int] = {}
    interrupted = False
    for pid in parts:
        while pid not in ended:
            try:
                ended[pid] = os.waitpid(pid, 0)[1]
            except KeyboardInterrupt:
                interrupted = True
                for running in parts.keys() - ended.keys():
                    try:
                        os.kill(running, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            except ChildProcessError:  # already reaped (by nobody of ours): no status to read
                break
    return ended, interrupted


def _collect(parts: dict[int, int], ended: dict[int, int], scratch: Path, interrupted: bool) -> PartsOutcome:
    """The parts' results; what each printed goes to stdout, part by part."""
    statuses, crashed, problems = [], {}, []
    for pid, k in parts.items():
        result = _result(scratch, k)
        printed = result.with_suffix(".out")
        if printed.exists():
            sys.stdout.write(printed.read_text(encoding="utf-8", errors="replace"))
            sys.stdout.flush()
        try:
            left = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            how = ended.get(pid)
            why = (f"killed by signal {os.WTERMSIG(how)}" if how is not None and os.WIFSIGNALED(how)
                   else "it left no result")
            problems.append(f"worker {k} ended without a result ({why})")
            statuses.append(INTERNAL_ERROR)
            continue
        statuses.append(left["status"])
        crashed.update(left["crashed"])
        if left.get("error"):
            problems.append(f"worker {k} failed: {left['error']}")
    status = INTERRUPTED if interrupted else combined_status(statuses)
    return PartsOutcome(status=status, crashed=crashed, problems=problems)
