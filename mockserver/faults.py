"""Transient faults injected in front of the mock: throttling, gateway errors, latency, resets.

A client that must survive a flaky network (retries with backoff, ``Retry-After``, dropped
connections) is tested against ``pinecone-conformance mock --fault 429:0.2 --fault 503:0.05
--latency 50ms --reset 0.01`` or ``create_app(faults=FaultPlan(...))``.

Faults act like a gateway in front of the service: they are decided *before* routing, so a
faulted request never reaches a handler and never changes state. One uniform draw per
request from a generator seeded by ``FaultPlan.seed`` picks the outcome, so for a client that
sends its requests one after the other the n-th request meets the same fault on every run.

A reset drops the connection without any answer. Under uvicorn the socket is closed with
``SO_LINGER`` 0 (the client sees a TCP reset). In process (no socket: Starlette's TestClient,
httpx's ASGITransport) the call raises :class:`ConnectionDropped`, a ``ConnectionResetError``.
"""

from __future__ import annotations

import random
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

from pinecone_conformance.mockserver.errors import ApiError, Reply, error_reply

#: Statuses a fault may answer with: throttling and the gateway errors.
FAULT_STATUSES = (429, 502, 503, 504)
_MESSAGES = {
    429: "Too many requests. Please retry shortly.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable. Please retry shortly.",
    504: "Gateway timeout.",
}


class ConnectionDropped(ConnectionResetError):
    """Raised in process where a served mock would reset the connection."""


@dataclass(frozen=True)
class Fault:
    status: int
    probability: float


@dataclass(frozen=True)
class FaultPlan:
    """Which faults, how often, and the seed. The default plan injects nothing."""

    faults: tuple[Fault, ...] = ()
    #: Seconds added before every answer (faulted or not).
    latency: float = 0.0
    #: Probability that a request's connection is dropped without an answer.
    reset: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        for fault in self.faults:
            if fault.status not in FAULT_STATUSES:
                raise ValueError(f"fault status must be one of {', '.join(map(str, FAULT_STATUSES))}, "
                                 f"not {fault.status}")
            _check_probability(f"fault {fault.status}", fault.probability)
        _check_probability("reset", self.reset)
        if self.latency < 0:
            raise ValueError(f"latency must not be negative: {self.latency}")
        if self.reset + sum(fault.probability for fault in self.faults) > 1:
            raise ValueError("the fault and reset probabilities add up to more than 1")

    @property
    def active(self) -> bool:
        return bool(self.faults) or self.latency > 0 or self.reset > 0


def _check_probability(what: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{what}: probability must be between 0 and 1, not {value}")


def parse_fault(text: str) -> Fault:
    """``"429:0.2"`` -> ``Fault(429, 0.2)``; ``ValueError`` with a one-line reason otherwise."""
    match = re.fullmatch(r"\s*(\d{3})\s*:\s*([0-9]*\.?[0-9]+(?:[eE]-?[0-9]+)?)\s*", text)
    if match is None:
        raise ValueError(f"--fault expects STATUS:PROBABILITY (e.g. 429:0.2), not {text!r}")
    return Fault(int(match.group(1)), float(match.group(2)))


def parse_duration(text: str) -> float:
    """``"50ms"``, ``"0.05s"`` or ``"0.05"`` (seconds) -> 0.05; ``ValueError`` otherwise."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(ms|s)?\s*", text)
    if match is None:
        raise ValueError(f"--latency expects a duration like 50ms or 0.05s, not {text!r}")
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "ms" else value


@dataclass(frozen=True)
class Outcome:
    """What the injector decided for one request: a reset, a fault reply, or neither."""

    reset: bool = False
    reply: Reply | None = None


class FaultInjector:
    """Draws the outcome of each request from a :class:`FaultPlan` (thread-safe, seeded)."""

    def __init__(self, plan: FaultPlan, wall_clock: Callable[[], float] = time.time) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()
        self._throttled = 0
        self._wall_clock = wall_clock

    def decide(self) -> Outcome:
        if not (self.plan.faults or self.plan.reset):
            return Outcome()
        with self._lock:
            draw = self._random.random()
            if draw < self.plan.reset:
                return Outcome(reset=True)
            threshold = self.plan.reset
            for fault in self.plan.faults:
                threshold += fault.probability
                if draw < threshold:
                    return Outcome(reply=self._reply(fault.status))
            return Outcome()

    def _reply(self, status: int) -> Reply:
        headers = {}
        if status == 429:
            headers["Retry-After"] = self._retry_after(self._throttled)
            self._throttled += 1
        return error_reply(ApiError(status, _MESSAGES[status], headers=headers))

    def _retry_after(self, count: int) -> str:
        """Both forms of RFC 9110, alternating, with small waits: ``0``, an HTTP-date about a
        second ahead, ``1``, an HTTP-date..."""
        if count % 2 == 0:
            return str((count // 2) % 2)
        return formatdate(self._wall_clock() + 1, usegmt=True)


def drop_connection(receive: Callable) -> bool:
    """Reset the TCP connection a uvicorn request arrived on; False when there is no socket.

    uvicorn keeps the transport on the request cycle whose bound ``receive`` the app gets; a
    transport aborted with ``SO_LINGER`` 0 sends a reset and no byte of an answer.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()
    return True
