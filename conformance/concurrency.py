"""Scenarios side by side: a small thread pool that knows what each scenario holds.

Against a real server a scenario spends most of its time waiting (an index takes tens of
seconds to become ready, a delete to take effect), so running independent scenarios at the
same time costs about the longest one instead of the sum. Independent is the whole point:

- a scenario declares a :class:`Footprint`: how many indexes it holds at most at once, which
  project-wide listings it walks and which it changes;
- two scenarios overlap only if neither walks a listing the other changes (a walk of the
  project's backups page by page must not see backups appear and vanish under it), and the
  indexes held by the running ones stay within :data:`INDEX_CAPACITY` (a starter project
  allows few indexes: more at once would be refused, and the scenarios skipped);
- a scenario that fits nowhere still runs, alone, when nothing else holds anything.

Each scenario runs in its own daemon thread, so its error findings are attributed to it
(:meth:`conformance.session.RunState.collecting_errors` collects per thread), and its own
pytest item waits for it and reports it. :meth:`ScenarioPool.stop` (session end, Ctrl-C, a
crash) cancels what has not started and makes the running ones stop at their next request,
so no thread outlives the run and cleanup still runs after them.

Nothing here depends on thread timing for what is sent: the scenarios' names and values come
from the run's prefix and each scenario's own counter (see ``conformance.scenarios.base``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pinecone_conformance.conformance.session import ApiClient

#: Indexes all running scenarios may hold at once: the quota of a Pinecone starter project.
INDEX_CAPACITY = 5

#: How long :meth:`ScenarioPool.stop` waits for running scenarios to reach their next request.
STOP_GRACE = 30.0


@dataclass(frozen=True)
class Footprint:
    """What a scenario holds while it runs (see the module docstring)."""

    indexes: int = 0
    """The most indexes it has at one moment."""
    walks: frozenset[str] = frozenset()
    """Project-wide listings it reads as a whole (e.g. ``backups``): nothing may change them meanwhile."""
    changes: frozenset[str] = frozenset()
    """Project-wide listings it adds to or removes from."""
    waits: int = 0
    """Asynchronous effects it waits for: the pool starts the longest first."""

    def conflicts_with(self, other: Footprint) -> bool:
        return bool(self.walks & other.changes or other.walks & self.changes)


class ScenarioStopped(Exception):
    """The run is ending (interrupted, or its session finished early): a scenario stops at its next request."""


class StoppableClient(ApiClient):
    """The run's client for one pool: it refuses to send once the pool is told to stop."""

    def __init__(self, client: ApiClient, stopping: threading.Event):
        super().__init__(client.state, client.http)
        self._stopping = stopping

    def call(self, operation_id: str, **kwargs):
        if self._stopping.is_set():
            raise ScenarioStopped("the run is ending")
        return super().call(operation_id, **kwargs)


@dataclass
class _Job:
    name: str
    footprint: Footprint
    done: threading.Event = field(default_factory=threading.Event)
    errors: list = field(default_factory=list)
    failure: BaseException | None = None


class ScenarioPool:
    """Runs the named scenarios in ``workers`` threads, as their footprints allow.

    ``run(name, client)`` runs one scenario in the calling thread with ``client`` and returns
    the error findings it recorded. :meth:`outcome` waits for one scenario and returns those
    (or raises what the scenario raised, so a crash stays a crash of its own test)."""

    def __init__(self, names: Iterable[str], run: Callable[[str, ApiClient], list], client: ApiClient, *,
                 workers: int, footprints: dict[str, Footprint], capacity: int = INDEX_CAPACITY):
        self._run = run
        self._stopping = threading.Event()
        self._client = StoppableClient(client, self._stopping)
        self.capacity = capacity
        self._jobs = {name: _Job(name, footprints.get(name, Footprint())) for name in names}
        # the longest waits first (a stable sort: otherwise the given order), so the run ends with short ones
        self._pending = sorted(self._jobs.values(), key=lambda job: -job.footprint.waits)
        self._running: list[_Job] = []
        self._changed = threading.Condition()
        self._threads = [threading.Thread(target=self._work, name=f"pcc-scenario-{number}", daemon=True)
                         for number in range(max(1, min(workers, len(self._jobs))))]
        self.max_running = 0
        """The most scenarios that ran at one moment (for tests and benchmarks)."""

    def start(self) -> ScenarioPool:
        for thread in self._threads:
            thread.start()
        return self

    def outcome(self, name: str) -> list:
        """Wait for scenario ``name``; its error findings (re-raises its crash)."""
        job = self._jobs[name]
        while not job.done.wait(0.2):  # short waits: Ctrl-C reaches the waiting thread at once
            pass
        if job.failure is not None:
            raise job.failure
        return job.errors

    def stop(self, grace: float = STOP_GRACE) -> list[str]:
        """Cancel what has not started, stop the running ones at their next request, and wait
        (at most ``grace`` seconds) for the threads. Returns the names that never started."""
        self._stopping.set()
        with self._changed:
            cancelled, self._pending = self._pending, []
            self._changed.notify_all()
        for job in cancelled:
            job.failure = ScenarioStopped("the run ended before this scenario started")
            job.done.set()
        deadline = time.monotonic() + grace
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        return [job.name for job in cancelled]

    @property
    def alive(self) -> int:
        return sum(thread.is_alive() for thread in self._threads)

    # --- the workers ----------------------------------------------------------------------------

    def _fits(self, job: _Job) -> bool:
        if not self._running:
            return True  # alone, anything runs
        held = sum(other.footprint.indexes for other in self._running)
        return (held + job.footprint.indexes <= self.capacity
                and not any(job.footprint.conflicts_with(other.footprint) for other in self._running))

    def _next(self) -> _Job | None:
        """The first pending job that fits beside the running ones; None when none is left."""
        with self._changed:
            while True:
                if self._stopping.is_set() or not self._pending:
                    return None
                job = next((job for job in self._pending if self._fits(job)), None)
                if job is not None:
                    self._pending.remove(job)
                    self._running.append(job)
                    self.max_running = max(self.max_running, len(self._running))
                    return job
                self._changed.wait()

    def _work(self) -> None:
        while (job := self._next()) is not None:
            try:
                job.errors = self._run(job.name, self._client)
            except BaseException as error:  # handed to the scenario's own test, which re-raises it
                job.failure = error
            finally:
                with self._changed:
                    self._running.remove(job)
                    self._changed.notify_all()
                job.done.set()


#: Where the scenario tests are, in a pytest node id: under xdist they are one unit of work.
SCENARIO_TEST = "::test_scenario["
#: The xdist group of the scenario tests (their ``xdist_group`` mark, and the scope above).
SCENARIO_SCOPE = "pcc-scenarios"


def xdist_scheduler(config, log):
    """``--dist loadgroup`` that also keeps the scenario tests together on one worker, so that
    worker can run them side by side. (xdist groups by an ``@group`` suffix it adds to node ids,
    which pytest 9 no longer lets it change; the scope is told by the node id here instead.)"""
    from xdist.scheduler import LoadGroupScheduling

    class ScenariosTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return SCENARIO_SCOPE if SCENARIO_TEST in nodeid else super()._split_scope(nodeid)

    return ScenariosTogether(config, log)
