"""The gate: the one place every request of a run passes through on its way to the server.

Schemathesis (all phases), the scenarios and cleanup all talk to the server through a
:class:`Gate` in front of the real target: the embedded mock (called in process) or a server at
a URL (forwarded with urllib3). The suite's own transports (:mod:`conformance.transport`) call it
synchronously (:meth:`Gate.exchange`: no event loop, no HTTP client library on the way); it is
also an ASGI application, for a client that wants one. Putting the rules in a transport seam,
as httpx does, means no producer of requests can go around them:

- **safety** (:mod:`conformance.safety`): a request that would touch what the run did not
  create, a write in read-only mode, a billed extra without permission: not sent;
- **budget** and **deadline**: one request budget for the whole run, shared by every worker
  through a locked file, and ``--max-time``; past either, nothing more is sent;
- **transient faults**: 429, 502, 503, 504 and dropped connections are retried with backoff
  a bounded number of times, honouring ``Retry-After`` in both its forms (seconds, HTTP-date);
- **outage**: when most of the recent requests failed at the transport or with 502-504, the
  run stops, instead of producing thousands of findings about a server that is down;
- a per-request **timeout**.

A request that is not sent gets a synthetic answer with status :data:`SKIPPED_STATUS` and the
header ``x-pcc-skipped: <reason>``; the suite never judges such an answer, only counts it.
A transport failure that outlives its retries is raised as :class:`TransportFailure`.
"""

from __future__ import annotations

import asyncio
import email.utils
import fcntl
import json
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx
import urllib3

from pinecone_conformance.conformance.safety import (
    MUTATING_METHODS,
    SAFETY,
    Ownership,
    SafetyPolicy,
    match,
    parse_body,
    refusal,
    routes,
)
from pinecone_conformance.core.asgi import read_body, serve_lifespan

#: The address Schemathesis is given: it reaches the gate in process (:mod:`conformance.transport`),
#: and nothing listens here (the discard port of loopback), so a request it would send around the
#: transport (its capability probes) reaches nobody.
GATE_ADDRESS = "http://127.0.0.1:9"

#: Status of the synthetic answer to a request that was not sent.
SKIPPED_STATUS = 599
SKIPPED_HEADER = "x-pcc-skipped"
BUDGET = "budget"
DEADLINE = "max-time"
OUTAGE = "outage"

#: Too Many Requests: retried here; what outlives the retries is throttling, never a deviation.
THROTTLED = 429
RETRY_STATUSES = frozenset({THROTTLED, 502, 503, 504})
#: Retries per request: throttling is waited out longer than a failing server.
MAX_THROTTLE_RETRIES = 5
MAX_FAULT_RETRIES = 3
#: Longest single wait, whatever Retry-After says.
MAX_RETRY_AFTER = 30.0
#: Outage: this many of the last OUTAGE_WINDOW requests failed (transport or 502-504 after retries).
OUTAGE_WINDOW = 20
OUTAGE_FAILURES = 16

HOP_BY_HOP = frozenset({"host", "content-length", "connection", "transfer-encoding", "keep-alive", "accept-encoding",
                        "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection"})
DECODED_AWAY = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})


class TransportFailure(ConnectionError):
    """The server gave no usable answer (connection refused or reset, timeout), even after retries."""


class SkippedRequest(Exception):
    """A request the gate did not send (safety, read-only, budget, deadline, outage)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class BudgetLedger:
    """A request budget shared by every process of a run: a counter in a locked file.

    ``limit`` None means unlimited: the counter still counts, in this process only (with no
    limit there is nothing to share, and a locked file per request is the cost of a syscall
    round trip on every request). Cleanup uses its own ledger."""

    def __init__(self, path: Path | None, limit: int | None):
        self.path = path
        self.limit = limit
        self._local = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Count one request; False (and nothing counted) when the budget is spent."""
        with self._lock:
            if self.path is None or self.limit is None:
                if self.limit is not None and self._local >= self.limit:
                    return False
                self._local += 1
                return True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a+", encoding="ascii") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.seek(0)
                used = int(handle.read().strip() or 0)
                if self.limit is not None and used >= self.limit:
                    return False
                handle.seek(0)
                handle.truncate()
                handle.write(str(used + 1))
                return True

    def used(self) -> int:
        if self.path is None or self.limit is None:
            return self._local
        try:
            return int(self.path.read_text(encoding="ascii").strip() or 0)
        except (OSError, ValueError):
            return 0

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.used() >= self.limit


@dataclass
class GateCounters:
    """What passed the gate. Thread-safe through ``lock``."""

    sent: int = 0
    retried: int = 0
    throttled: int = 0
    transport_failures: int = 0
    skipped: Counter = field(default_factory=Counter)
    skipped_examples: dict = field(default_factory=dict)
    methods: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict:
        with self.lock:
            return {"sent": self.sent, "retried": self.retried, "throttled": self.throttled,
                    "transport_failures": self.transport_failures, "skipped": dict(self.skipped),
                    "skipped_examples": dict(self.skipped_examples), "methods": dict(self.methods)}


def retry_delay(value: str | None, attempt: int, *, now: float | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): Retry-After as delta-seconds or an
    HTTP-date when given, else exponential backoff from 0.1 s; capped at :data:`MAX_RETRY_AFTER`."""
    fallback = min(0.1 * 2 ** attempt, MAX_RETRY_AFTER)
    if not value:
        return fallback
    value = value.strip()
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return fallback
    if when is None:
        return fallback
    current = time.time() if now is None else now
    return min(max(when.timestamp() - current, 0.0), MAX_RETRY_AFTER)


# --- upstreams: where admitted requests go ----------------------------------------------------
#
# Each upstream answers both ways: ``call`` (synchronous: the suite's own transports, no event
# loop on the way) and ``send`` (a coroutine: the gate as an ASGI application).


class AsgiUpstream:
    """An application in this process: the embedded mock, or any ASGI application.

    The mock is called through its synchronous entry (:meth:`mockserver.app.MockApp.respond`),
    which gives the same bytes as its ASGI interface without an event loop on the way. Any other
    application is run on one event loop of this upstream's own (a daemon thread, started on the
    first synchronous call), never one loop per request."""

    def __init__(self, app):
        self.app = app
        self._respond = getattr(app, "respond", None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()

    def call(self, method: str, raw_path: bytes, query: bytes, headers: list, body: bytes) -> Answer:
        if self._respond is None:
            return asyncio.run_coroutine_threadsafe(self.send(method, raw_path, query, headers, body),
                                                    self._event_loop()).result()
        try:
            status, out_headers, content = self._respond(method, raw_path, query, headers, body)
        except Exception as error:  # the app broke without answering: what a client sees as a dropped connection
            raise TransportFailure(f"the application raised {type(error).__name__}: {error}") from None
        return Answer(status, out_headers, content)

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._loop_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, daemon=True, name="gate-asgi-upstream").start()
                self._loop = loop
            return self._loop

    async def send(self, method: str, raw_path: bytes, query: bytes, headers: list, body: bytes) -> Answer:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": httpx.URL(raw_path.decode("latin-1")).path,
                 "raw_path": raw_path, "query_string": query, "root_path": "",
                 "headers": headers, "server": ("embedded-mock", 80), "client": ("127.0.0.1", 1)}
        sent = False
        status, out_headers, chunks = 500, [], []

        async def receive():
            nonlocal sent
            if sent:
                await anyio.sleep_forever()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status, out_headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, send)
        except Exception as error:  # the app broke without answering: what a client sees as a dropped connection
            raise TransportFailure(f"the application raised {type(error).__name__}: {error}") from None
        return Answer(status, out_headers, b"".join(chunks))


class HttpUpstream:
    """A server at a URL, reached through one urllib3 connection pool (thread-safe, keep-alive).

    urllib3 rather than httpx: measured on loopback, one request cost ~0.8 ms of CPU through
    an httpx client and ~0.4 ms through urllib3 (``benchmarks/transport_profile.py`` has the
    layers in process), and the gate needs nothing httpx adds: no redirects are followed, no
    retries made (the gate makes its own), the body is decoded as httpx would."""

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False,
                                        maxsize=8, block=False)

    def call(self, method: str, raw_path: bytes, query: bytes, headers: list, body: bytes) -> Answer:
        url = self.base_url + raw_path.decode("latin-1") + (("?" + query.decode("latin-1")) if query else "")
        plain = urllib3.HTTPHeaderDict()
        for key, value in headers:
            name = key.decode("latin-1")
            if name.lower() not in HOP_BY_HOP:
                plain.add(name, value.decode("latin-1"))
        try:
            response = self.pool.request(method, url, headers=plain, body=body or None, redirect=False,
                                         preload_content=True, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise TransportFailure(f"{type(error).__name__}: {error or 'no answer'}") from None
        kept = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
                if k.lower() not in DECODED_AWAY]
        return Answer(response.status, kept, response.data)

    async def send(self, method: str, raw_path: bytes, query: bytes, headers: list, body: bytes) -> Answer:
        return await anyio.to_thread.run_sync(self.call, method, raw_path, query, headers, body)

    def close(self) -> None:
        self.pool.clear()


# --- the gate ------------------------------------------------------------------------------------


class Gate:
    """ASGI application: admit, send with retries, learn, answer. See the module docstring."""

    def __init__(self, upstream, *, policy: SafetyPolicy, operations: dict, ledger: BudgetLedger,
                 deadline: float | None = None, sleep: Callable[[float], object] | None = None,
                 on_stop: Callable[[str], None] | None = None, ownership: Ownership | None = None):
        self.upstream = upstream
        self.policy = policy
        self.ownership = ownership or Ownership(policy)
        self.operations = operations
        self.routes = routes(operations)
        self.ledger = ledger
        self.deadline = deadline
        self.counters = GateCounters()
        self.recent: deque = deque(maxlen=OUTAGE_WINDOW)
        self.stopped: str | None = None
        self._sleep = sleep
        self._on_stop = on_stop

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await serve_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw_path.split(b"?", 1)[0]
        answer = await self.pass_through(scope["method"], raw_path, scope.get("query_string", b""),
                                         list(scope.get("headers", [])), body)
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body})

    def unmetered(self) -> Gate:
        """The same gate for cleanup: same safety rules and ownership, but no budget, deadline or
        outage stop (cleanup must run whatever ended the run), and counters of its own."""
        return Gate(self.upstream, policy=self.policy, operations=self.operations, ledger=BudgetLedger(None, None),
                    sleep=self._sleep, ownership=self.ownership)

    def skipped(self, reason: str, message: str) -> Answer:
        with self.counters.lock:
            self.counters.skipped[reason] += 1
            self.counters.skipped_examples.setdefault(reason, message)
        payload = json.dumps({"skipped": reason, "message": message}).encode()
        return Answer(SKIPPED_STATUS, [(SKIPPED_HEADER.encode(), reason.encode()),
                                       (b"content-type", b"application/json")], payload)

    def admit(self, method: str, raw_path: bytes, body: bytes) -> tuple[str, str] | None:
        """Why not to send this request, or None. Safety first, then the run's limits."""
        from urllib.parse import unquote

        path = unquote(raw_path.decode("latin-1"))
        if method.upper() in MUTATING_METHODS and any(segment in (".", "..") for segment in path.split("/")):
            # clients and proxies may resolve dot segments after this check: the request could reach
            # a resource other than the one it was judged by
            return SAFETY, f"{method.upper()} {path}: a path with '.' or '..' segments is not sent"
        operation_id, parameters = match(self.routes, method, path)
        refused = refusal(method, parameters, parse_body(body), self.policy, self.ownership,
                          operation_id=operation_id)
        if refused:
            return refused
        if self.stopped:
            return OUTAGE, f"not sent: {self.stopped}"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return DEADLINE, "not sent: the run's --max-time is over"
        return None

    def exchange(self, method: str, raw_path: bytes, query: bytes, headers: list, body: bytes) -> Answer:
        """One request through the gate, synchronously (the suite's transports call this): the
        answer, the gate's synthetic answer for a request not sent, or :class:`TransportFailure`."""
        steps = self._steps(method, raw_path, body)
        try:
            step = next(steps)
            while True:
                if step is _SEND:
                    step = steps.send(_outcome(self.upstream.call, method, raw_path, query, headers, body))
                else:
                    (self._sleep or time.sleep)(step)
                    step = next(steps)
        except StopIteration as done:
            return done.value

    async def pass_through(self, method: str, raw_path: bytes, query: bytes, headers: list, body: bytes) -> Answer:
        """The same as :meth:`exchange`, as a coroutine (the gate as an ASGI application)."""
        steps = self._steps(method, raw_path, body)
        try:
            step = next(steps)
            while True:
                if step is _SEND:
                    try:
                        outcome = await self.upstream.send(method, raw_path, query, headers, body), None
                    except TransportFailure as error:
                        outcome = None, error
                    step = steps.send(outcome)
                else:
                    await self._wait(step)
                    step = next(steps)
        except StopIteration as done:
            return done.value

    def _steps(self, method: str, raw_path: bytes, body: bytes):
        """The gate's rules for one request, apart from how it is sent or waited for, so the
        synchronous and the asynchronous way share them: yields :data:`_SEND` (and is sent back
        ``(answer, failure)``) or a number of seconds to wait; returns the answer to give."""
        refused = self.admit(method, raw_path, body)
        if refused:
            return self.skipped(*refused)
        answer: Answer | None = None
        failure: TransportFailure | None = None
        for attempt in range(MAX_THROTTLE_RETRIES + 1):
            if not self.ledger.take():
                if answer is not None or failure is not None:
                    break  # keep the last real outcome
                return self.skipped(BUDGET, f"not sent: the request budget of {self.ledger.limit} is spent")
            with self.counters.lock:
                self.counters.sent += 1
                self.counters.methods[method.upper()] += 1
                if attempt:
                    self.counters.retried += 1
            answer, failure = yield _SEND
            status = answer.status if answer is not None else None
            if status == THROTTLED:
                with self.counters.lock:
                    self.counters.throttled += 1
            retry_budget = MAX_THROTTLE_RETRIES if status == THROTTLED else MAX_FAULT_RETRIES
            if (failure is None and status not in RETRY_STATUSES) or attempt >= retry_budget:
                break
            if self.deadline is not None and time.monotonic() >= self.deadline:
                break
            yield retry_delay(_header(answer, b"retry-after") if answer else None, attempt)
        self._note_outcome(failure is not None or (answer is not None and answer.status in (502, 503, 504)))
        if failure is not None:
            with self.counters.lock:
                self.counters.transport_failures += 1
            raise failure
        if answer is not None and 200 <= answer.status < 300:
            self.ownership.learn(parse_body(answer.body))
        return answer

    async def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            await anyio.sleep(seconds)

    def _note_outcome(self, failed: bool) -> None:
        with self.counters.lock:
            self.recent.append(failed)
            if (not self.stopped and len(self.recent) == OUTAGE_WINDOW
                    and sum(self.recent) >= OUTAGE_FAILURES):
                self.stopped = (f"the server looks down: {sum(self.recent)} of the last {OUTAGE_WINDOW} requests "
                                "failed (no answer or 502-504) after retries")
                stop = self._on_stop
            else:
                stop = None
        if stop is not None:
            stop(self.stopped)


#: What :meth:`Gate._steps` yields when the request is to be sent now.
_SEND = object()


def _outcome(call: Callable[..., Answer], *args) -> tuple[Answer | None, TransportFailure | None]:
    try:
        return call(*args), None
    except TransportFailure as error:
        return None, error


def _header(answer: Answer, name: bytes) -> str | None:
    for key, value in answer.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def is_skipped(headers) -> str | None:
    """The reason a response is the gate's synthetic answer, or None for a real answer."""
    getter = getattr(headers, "get", None)
    if getter is None:
        return None
    value = getter(SKIPPED_HEADER)
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def stop_file(output: Path) -> Path:
    """Where a worker writes why the run must stop (an outage), for the runner to read."""
    return Path(output) / "stop-reason.txt"


def write_stop(output: Path, reason: str) -> None:
    path = stop_file(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(reason + os.linesep)
