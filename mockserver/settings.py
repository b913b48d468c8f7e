"""Knobs of one mock instance: quotas, lifecycle timing, id seed, and the clock.

Time is injected rather than read from ``time.time()`` so tests can freeze it
(:class:`ManualClock`) and watch a resource sit in ``Initializing`` or ``Terminating``,
and so the default (delay 0) makes every lifecycle finish by the next read.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from pinecone_conformance.mockserver.faults import FaultPlan


class Clock(Protocol):
    """Where the mock reads the time, in seconds (any epoch; only differences matter)."""

    def now(self) -> float: ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to; safe to share between threads."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, when: float) -> None:
        with self._lock:
            self._now = when


@dataclass(frozen=True)
class MockSettings:
    """Limits and timing of one project.

    The quotas are generous on purpose: a fuzzing run of thousands of requests must never
    hit them by accident. Tests that want the 403 lower them.
    """

    max_indexes: int = 100_000
    max_pods: int = 1_000_000
    max_collections: int = 100_000
    max_backups: int = 100_000
    #: Seconds a resource takes to become ready, finish a restore or disappear after a delete.
    #: With 0 the create response still shows the initial state and the next read the final one.
    lifecycle_delay: float = 0.0
    #: Seed for ids and the project's host suffix; ``None`` gives random ones.
    seed: int | None = None
    #: Name of the project, used in quota messages.
    project_name: str = "default"
    #: Longest request body kept, in bytes; a longer one is drained and answered 400 by the
    #: operations that take a body. 1 MiB: far above any valid control-plane request.
    max_body_bytes: int = 1_048_576
    #: Transient faults injected before any handler runs (none by default).
    faults: FaultPlan = FaultPlan()
