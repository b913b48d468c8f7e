"""A run's shared state, the target, and the HTTP client the scenario checks use.

Every response the suite receives, from Schemathesis or from a scenario, passes through
:meth:`RunState.observe`: it is counted (coverage), validated by openapi-core and the
semantic response checks, and each problem becomes a finding in the run's store. The
client honours 429 and ``Retry-After``, keeps to the request budget, and remembers every
resource it created so the run can delete them, even when interrupted.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from pinecone_conformance.conformance.gate import (
    SKIPPED_STATUS,
    THROTTLED,
    AsgiUpstream,
    BudgetLedger,
    Gate,
    HttpUpstream,
    SkippedRequest,
    TransportFailure,
    is_skipped,
)
from pinecone_conformance.conformance.registry import CHECKS
from pinecone_conformance.conformance.response_checks import Exchange, applicable_checks, check_exchange
from pinecone_conformance.conformance.safety import SafetyPolicy
from pinecone_conformance.conformance.validation import RequestBodyValidator, ResponseValidator, parse_json
from pinecone_conformance.core.checks import apply_profile
from pinecone_conformance.core.findings import Finding, FindingStore
from pinecone_conformance.core.redaction import (
    REDACTED,
    SECRET_HEADERS,
    curl_command,
    redact,
    scrubbed_excerpt,
)
from pinecone_conformance.core.run_record import RunCounters
from pinecone_conformance.reports.scrub import redact_finding, secret_tuple
from pinecone_conformance.spec.loader import operations

EMBEDDED_BASE_URL = "http://embedded-mock"

__all__ = ["ApiClient", "BudgetExhausted", "Reply", "RunState", "SkippedRequest", "Target", "TransportFailure",
           "eventually", "forgotten_rejection", "gate_client"]


#: Problems that make an answer useless as a statement of state.
UNTRUSTWORTHY_KINDS = frozenset({"response-schema", "status-code", "content-type"})


class BudgetExhausted(SkippedRequest):
    """The run's request budget (or its --max-time) is used up: nothing more is sent."""


def forgotten_rejection(operation: dict, status: int, invalid_request: bool) -> bool:
    """A 400 for an invalid request (an out-of-range ``limit``, a bogus version header) on an
    operation that documents no 400 is the right answer, which the document forgot to list.
    The server is not at fault: ``spec check`` reports the gap in the document
    (``constrained-input-without-4xx``), so the run does not report it again per response."""
    return status == 400 and invalid_request and "400" not in operation.get("responses", {})


@dataclass
class Target:
    """The server under test: a base URL, or an ASGI app called in process (the embedded mock)."""

    base_url: str
    api_key: str | None
    app: object | None = None
    request_timeout: float = 60.0

    @property
    def is_embedded(self) -> bool:
        return self.app is not None

    def upstream(self):
        """Where the gate sends what it admits."""
        return AsgiUpstream(self.app) if self.app is not None else HttpUpstream(self.base_url, self.request_timeout)


def gate_client(gate: Gate, base_url: str) -> httpx.Client:
    """An httpx client whose every request goes through ``gate``, synchronously, in process
    (:func:`conformance.transport.gate_http_client`; no event loop, no TestClient)."""
    from pinecone_conformance.conformance.transport import gate_http_client

    return gate_http_client(gate, base_url)


#: The settings a run is made of, frozen: every reader sees the same values in every worker.
@dataclass(frozen=True)
class RunConfig:
    target: Target
    seed: int
    prefix: str
    """The run's name prefix, ``pcc-<run id>``: what the run may write to."""
    api_version: str = "2026-04"
    max_examples: int = 10
    wait: float = 5.0
    poll_interval: float = 0.0
    budget: int | None = None
    selected_checks: frozenset[str] = frozenset()
    profile: str = "contract"
    """What fails the run: ``contract`` (the document) or ``production`` (also production parity)."""
    read_only: bool = False
    allow_paid: bool = True
    budget_file: object = None
    """Path of the budget ledger shared by the run's workers (None: this process only)."""
    deadline: float | None = None
    """time.monotonic() after which nothing more is sent (--max-time)."""
    scenario_workers: int = 1
    """Scenarios run side by side in this many threads (they share no resources)."""
    engine_threads: int = 1
    """Operations Schemathesis's stateless phases test side by side, each in a thread: against a
    server over the network one thread generates while another waits for an answer."""

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(secret for secret in (self.target.api_key,) if secret)

    def wants(self, check: str) -> bool:
        return not self.selected_checks or check in self.selected_checks


#: Error findings recorded in the current thread go here too while a collector is open.
_COLLECTOR: contextvars.ContextVar[list | None] = contextvars.ContextVar("pcc_error_collector", default=None)


#: The effects a run may stop waiting for (:meth:`RunState.give_up_waiting`).
READY = "an index becoming ready"
CONFIGURED = "a configure being applied"


class RunState:
    """One process's view of a run, passed explicitly to everything that sends or judges:

    - ``config``: the frozen :class:`RunConfig`;
    - ``counters``: a locked :class:`core.run_record.RunCounters` (coverage, errors, what was
      created), saved per process and merged by the runner;
    - ``store``: where findings go;
    - what is derived from the document once per run: validators, operations, the safety
      policy and the gate every request passes through.
    """

    def __init__(self, target: Target, raw: dict, store: FindingStore, *,
                 on_stop: Callable[[str], None] | None = None, **settings) -> None:
        self.config = RunConfig(target=target, **settings)
        self.raw = raw
        self.store = store
        self.counters = RunCounters()
        self._gave_up: dict[str, str] = {}
        """Effect -> why: an effect (an index ready, a configure applied) that once did not
        happen within --wait is not waited for again in this run (see :meth:`give_up_waiting`)."""
        self._deleted: set[str] = set()
        self._errors: list[Finding] = []
        self._lock = threading.Lock()
        self.validator = ResponseValidator(raw)
        self.request_bodies = RequestBodyValidator(raw)
        self.operations = operations(raw)
        self.policy = SafetyPolicy(run_prefix=self.config.prefix, read_only=self.config.read_only,
                                   allow_paid=self.config.allow_paid)
        self.gate = Gate(target.upstream(), policy=self.policy, operations=self.operations,
                         ledger=BudgetLedger(self.config.budget_file, self.config.budget),
                         deadline=self.config.deadline, on_stop=on_stop)
        self.cleanup_gate: Gate | None = None

    def http_client(self) -> httpx.Client:
        """A client for the scenarios: through the run's gate."""
        return gate_client(self.gate, self.config.target.base_url)

    def cleanup_client(self) -> httpx.Client:
        """A client for cleanup: through the same safety rules, outside the budget and deadline."""
        self.cleanup_gate = self.cleanup_gate or self.gate.unmetered()
        return gate_client(self.cleanup_gate, self.config.target.base_url)

    def transport_counts(self) -> RunCounters:
        """The counters with the gate's (and cleanup's) transport counts copied in, to save."""
        self.counters.add_transport(self.gate.counters.as_dict(),
                                    self.cleanup_gate.counters.as_dict() if self.cleanup_gate else None)
        return self.counters

    @property
    def throttled(self) -> int:
        return self.gate.counters.throttled

    @property
    def budget_exhausted(self) -> bool:
        """Nothing more will be sent: the budget is spent, the deadline passed, or the server is down."""
        gate = self.gate
        return gate.ledger.exhausted or bool(gate.stopped) or (
            gate.deadline is not None and time.monotonic() >= gate.deadline)

    def give_up_waiting(self, effect: str, why: str) -> bool:
        """Record that ``effect`` did not happen within --wait, unless a scenario beside this
        one already did: only the first to give up reports it (True). A server that never does
        it then costs one --wait per run, not one per wait."""
        with self._lock:
            if effect in self._gave_up:
                return False
            self._gave_up[effect] = why
            return True

    def gave_up_on(self, effect: str) -> str:
        """Why the run stopped waiting for ``effect`` ("" while it still waits for it)."""
        with self._lock:
            return self._gave_up.get(effect, "")

    @property
    def never_ready(self) -> str:
        """Set when an index never became ready within --wait: later scenarios that need one are not run."""
        return self.gave_up_on(READY)

    def note_deleted(self, name: str) -> None:
        """An index this process deleted (its delete was accepted): a list that still shows it
        is judged by production's rule (R-ST-04), which the document does not state."""
        with self._lock:
            self._deleted.add(name)

    def was_deleted(self, name: str) -> bool:
        with self._lock:
            return name in self._deleted

    def note_error(self, message: str) -> None:
        self.counters.note_error(redact(message, self.config.secrets))

    def count_link(self, key: str) -> None:
        self.counters.count_link(key)

    def note_skip(self, scenario: str, why: str) -> None:
        """A scenario that did not run to its end because the gate refused one of its steps."""
        self.counters.note_not_run(scenario, redact(why, self.config.secrets))

    def record(self, finding: Finding) -> None:
        """Store a finding as the run's profile judges it (see :func:`core.checks.apply_profile`)."""
        if not self.config.wants(finding.check):
            return
        confidence = CHECKS[finding.check].authority.confidence if finding.check in CHECKS else ""
        finding = redact_finding(apply_profile(finding, self.config.profile, confidence),
                                 secret_tuple(self.config.secrets))
        self.store.add(finding)
        if finding.severity == "error":
            with self._lock:
                self._errors.append(finding)
            collector = _COLLECTOR.get()
            if collector is not None:
                collector.append(finding)

    def store_errors(self) -> list[Finding]:
        """Error findings this process recorded so far, in order."""
        with self._lock:
            return list(self._errors)

    @contextlib.contextmanager
    def collecting_errors(self) -> Iterator[list[Finding]]:
        """The error findings recorded by this thread while the block runs (for one scenario
        among several running side by side)."""
        collected: list[Finding] = []
        token = _COLLECTOR.set(collected)
        try:
            yield collected
        finally:
            _COLLECTOR.reset(token)

    def ran(self, operation_id: str | None, check: str) -> None:
        if operation_id and self.config.wants(check):
            self.counters.ran(operation_id, check)

    @property
    def created(self) -> dict[str, set[str]]:
        """kind -> what this process created (a copy)."""
        return self.counters.created_by_kind()

    def observe(
        self,
        operation_id: str,
        *,
        method: str,
        path: str,
        query: str = "",
        path_parameters: Mapping | None = None,
        query_parameters: Mapping | None = None,
        request_headers: Mapping[str, str] | None = None,
        request_body: object = None,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        via: str,
        invalid_request: bool = False,
    ) -> tuple[Exchange, list]:
        """Count, validate and check one response; record each problem as a finding.

        Returns the exchange and the problems found (a 429 is counted as throttling only; an
        answer the gate made up for a request it did not send is not judged at all)."""
        if status == SKIPPED_STATUS and is_skipped(headers):
            return Exchange(operation_id=operation_id, method=method.upper(), path=path, status=status, body=None), []
        self.counters.count_response(operation_id, status)
        parsed = parse_json(body) if body else None
        exchange = Exchange(
            operation_id=operation_id,
            method=method.upper(),
            path=path,
            status=status,
            body=parsed,
            path_parameters=dict(path_parameters or {}),
            query=dict(query_parameters or {}),
            request_body=request_body,
            response_pointer=self.validator.schema_pointer(operation_id, status),
        )
        self._remember_lifecycle(exchange)
        if status == THROTTLED:  # throttling that outlived the gate's retries: a note, never a deviation
            self.ran(operation_id, "throttled")
            self.record(CHECKS["throttled"].finding(
                f"{operation_id} was still throttled (429) after the retries Retry-After allowed",
                operation=operation_id, status=status, seed=self.config.seed, details={"via": via}))
            return exchange, []
        problems = self.validator.validate(
            operation_id, path=path, query=query, status=status, headers=headers, body=body
        ) + check_exchange(exchange)
        if forgotten_rejection(self.operations[operation_id].definition, status, bool(query) or invalid_request):
            problems = [problem for problem in problems if problem.kind != "status-code"]
        for check in (*CHECKS.every_response(), *applicable_checks(exchange)):
            self.ran(operation_id, check)
        url = self.config.target.base_url.rstrip("/") + path + (f"?{query}" if query else "")
        request_line = redact(curl_command(method, url, dict(request_headers or {}), request_body), self.config.secrets)
        for problem in problems:
            self.ran(operation_id, problem.check)
            self.record(CHECKS[problem.check].finding(
                redact(problem.message, self.config.secrets),
                severity=problem.severity,
                kind=problem.kind,
                operation=operation_id,
                location=problem.location,
                request=request_line,
                status=status,
                response=scrubbed_excerpt(body, self.config.secrets) or None,
                seed=self.config.seed,
                details={"via": via, "exchange": exchange_record(
                    method, url, request_headers, request_body, status, headers, body, self.config.secrets)},
            ))
        return exchange, problems

    def _remember_lifecycle(self, exchange: Exchange) -> None:
        """Track what a 2xx create made (for the cleanup) and which indexes a 2xx delete
        removed (for the list's judges), whatever sent it."""
        if not 200 <= exchange.status < 300:
            return
        if exchange.operation_id == "delete_index" and isinstance(exchange.path_parameters.get("index_name"), str):
            self.note_deleted(exchange.path_parameters["index_name"])
        body = exchange.body if isinstance(exchange.body, dict) else {}
        asked = exchange.request_body if isinstance(exchange.request_body, dict) else {}
        kind, key = {
            "create_index": ("index", body.get("name") or asked.get("name")),
            "create_index_for_model": ("index", body.get("name") or asked.get("name")),
            "create_index_from_backup_operation": ("index", asked.get("name")),
            "create_collection": ("collection", body.get("name") or asked.get("name")),
            "create_backup": ("backup", body.get("backup_id")),
        }.get(exchange.operation_id, (None, None))
        if kind and isinstance(key, str):
            self.counters.note_created(kind, key)


def exchange_record(method: str, url: str, request_headers: Mapping | None, request_body: object, status: int,
                    response_headers: Mapping | None, body: bytes | str | None, secrets) -> dict:
    """One request and its answer as ``findings.har`` and ``report replay`` need them: secret
    headers redacted, every text scrubbed of the key, the body cut after scrubbing."""
    def headers_of(headers: Mapping | None) -> dict:
        return {name: REDACTED if name.lower() in SECRET_HEADERS else redact(str(value), secrets)
                for name, value in dict(headers or {}).items()}

    if isinstance(request_body, bytes):
        request_body = request_body.decode("utf-8", "replace")
    if request_body is not None and not isinstance(request_body, str):
        request_body = json.dumps(request_body, default=str)
    return {"method": method.upper(), "url": redact(url, secrets), "request_headers": headers_of(request_headers),
            "request_body": redact(request_body, secrets) if request_body is not None else None, "status": status,
            "response_headers": headers_of(response_headers), "response_body": scrubbed_excerpt(body, secrets)}


@dataclass
class Reply:
    """A response as the scenarios see it."""

    operation_id: str
    status: int
    headers: Mapping[str, str]
    body: object
    text: str
    request: str
    conforms: bool = True
    """False when the answer breaks the document (status, media type or body schema): such an
    answer cannot be trusted to say the state of anything."""

    def field(self, *path: str, default=None):
        node = self.body
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node


_KEEP = object()


class ApiClient:
    """Calls operations by operationId; every reply goes through :meth:`RunState.observe`."""

    def __init__(self, state: RunState, http: httpx.Client):
        self.state = state
        self.http = http

    def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        body: object = None,
        raw_body: bytes | None = None,
        api_key: object = _KEEP,
        version: object = _KEEP,
        headers: Mapping[str, str] | None = None,
        invalid: bool = False,
    ) -> Reply:
        operation = self.state.operations.get(operation_id)
        if operation is None:  # an older or newer contract without this operation (run --spec 2024-04)
            raise SkippedRequest("contract", f"the contract {self.state.config.api_version} has no operation {operation_id}")
        url_path = operation.path
        for name, value in (path or {}).items():
            url_path = url_path.replace("{" + name + "}", quote(str(value), safe=""))
        request_headers = {}
        key = self.state.config.target.api_key if api_key is _KEEP else api_key
        if key is not None:
            request_headers["Api-Key"] = str(key)
        api_version = self.state.config.api_version if version is _KEEP else version
        if api_version is not None:
            request_headers["X-Pinecone-Api-Version"] = str(api_version)
        content = raw_body
        if body is not None and raw_body is None:
            content = json.dumps(body).encode()
        if content is not None:
            request_headers["Content-Type"] = "application/json"
        request_headers.update(headers or {})
        params = {k: v for k, v in (query or {}).items() if v is not None}
        response = self._send(operation.method.upper(), url_path, params, request_headers, content)
        query_string = response.request.url.query.decode() if response.request is not None else ""
        exchange, problems = self.state.observe(
            operation_id,
            method=operation.method,
            path=url_path,
            query=query_string,
            path_parameters=path,
            query_parameters=params,
            request_headers=request_headers,
            request_body=body if body is not None else (raw_body.decode("utf-8", "replace") if raw_body else None),
            status=response.status_code,
            headers=dict(response.headers),
            body=response.content,
            via="scenario",
            invalid_request=invalid,
        )
        url = self.state.config.target.base_url.rstrip("/") + url_path + (f"?{query_string}" if query_string else "")
        return Reply(
            operation_id=operation_id,
            status=response.status_code,
            headers=dict(response.headers),
            body=exchange.body,
            text=response.text,
            request=redact(curl_command(operation.method, url, request_headers, exchange.request_body), self.state.config.secrets),
            conforms=not any(p.severity == "error" and p.kind in UNTRUSTWORTHY_KINDS for p in problems),
        )

    def _send(self, method: str, url_path: str, params: dict, headers: dict, content: bytes | None) -> httpx.Response:
        """Send through the gate (which retries transient faults); a request it did not send raises."""
        response = self.http.request(method, url_path, params=params, headers=headers, content=content)
        reason = is_skipped(response.headers) if response.status_code == SKIPPED_STATUS else None
        if reason in ("budget", "max-time", "outage"):
            raise BudgetExhausted(reason, response.json().get("message", reason))
        if reason:
            raise SkippedRequest(reason, response.json().get("message", reason))
        return response


#: The first pause between polls; pauses grow by :data:`BACKOFF` up to the configured interval.
FIRST_POLL = 0.05
BACKOFF = 1.6


def eventually(probe: Callable[[], object], done: Callable[[object], bool], *, wait: float, interval: float,
               working: Callable[[object], bool] | None = None) -> tuple[bool, object]:
    """Call ``probe`` until ``done(result)`` or ``wait`` seconds pass; (reached, last result).

    Real servers apply creates and deletes asynchronously, so effects are polled for with a
    bounded deadline instead of expected at once. Pauses start at :data:`FIRST_POLL` and grow
    to ``interval``, so a server that is done at once costs milliseconds and a slow one is not
    hammered. ``working(result)`` says whether an answer that is not done yet still means "in
    progress": when it does not (an unexpected status, a body that breaks the document, a state
    that contradicts itself), waiting longer cannot help, so the wait ends at once.
    """
    deadline = time.monotonic() + wait
    pause = min(FIRST_POLL, interval) if interval > 0 else 0.0
    while True:
        result = probe()
        if done(result):
            return True, result
        if working is not None and not working(result):
            return False, result
        if time.monotonic() >= deadline:
            return False, result
        time.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
        pause = min(pause * BACKOFF, interval) if interval > 0 else 0.0
