"""The Schemathesis part of the suite: every operation, stateless and stateful.

Schemathesis generates the requests (examples, coverage, fuzzing in positive and negative
modes, then a state machine along the document's links plus our overlay) and runs its
built-in checks. On top of that, one observer check sees every response: it validates it
with openapi-core (contract, allowed values, strict), runs the semantic response checks,
and counts what was exercised. Failures never stop the run: each becomes a
:class:`~core.findings.Finding`.

Traps of this document handled here (see ``shared/research/schemathesis-4-notes.md``):
dangling data-plane links are dropped before Schemathesis sees the document; the version
header is pinned (the explicit version checks live in the scenarios); positive bodies come
from the domain strategies so they are really valid; a 429 is throttling, never a finding
of the contract.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.engine import events

from pinecone_conformance.conformance.gate import GATE_ADDRESS, THROTTLED, is_skipped
from pinecone_conformance.conformance.registry import CHECKS
from pinecone_conformance.conformance.safety import NAME_PARAMETERS, SafetyPolicy, confine_case, confine_name
from pinecone_conformance.conformance.session import RunState, forgotten_rejection
from pinecone_conformance.conformance.transport import route_through_gate
from pinecone_conformance.core import domain
from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.redaction import curl_command, redact, scrubbed_excerpt
from pinecone_conformance.core.text import one_line
from pinecone_conformance.spec.loader import escape_pointer, operations
from pinecone_conformance.strategies.bodies import BODY_STRATEGIES
from pinecone_conformance.strategies.validity import request_problem

#: Built-in checks we do not run, and why.
EXCLUDED_CHECKS = {
    # The version header is "required" in the document, but the real service serves a request
    # without it with the oldest version (R-VER-01); the scenarios check the header explicitly.
    "missing_required_header",
    # Compares two identities; a single-key run has nothing to compare.
    "ignored_auth_between_identities",
}

#: How much of a Schemathesis failure message a finding keeps.
MESSAGE_LIMIT = 600

#: The attribute of a Schemathesis schema that carries the run's state. Schemathesis calls
#: checks as plain functions with (ctx, response, case); the observer finds its run through
#: ``case.operation.schema`` (the schema object itself, not the document, not a registry).
STATE_ATTRIBUTE = "pcc_state"


def generation_document(raw: dict, policy: SafetyPolicy | None = None) -> dict:
    """The document Schemathesis generates from: the contract with our links, without the
    dangling ones, with ``x-enum`` as ``enum`` and the name rule as a ``pattern`` on request
    names (so negative mode breaks them one at a time), and, given the run's ``policy``, the
    document's example names moved into the run's prefix (the examples and coverage phases
    send them as they are: ``DELETE /indexes/test-index`` becomes a request about
    ``pcc-<run id>-test-index``, which tests the same thing and touches nobody's index)."""
    from pinecone_conformance.conformance.validation import tighten_enums
    from pinecone_conformance.spec.loader import with_links_overlay, without_dangling_links

    raw = tighten_enums(without_dangling_links(with_links_overlay(raw, skip_missing=True)))
    if policy is not None:
        _confine_examples(raw, policy)
    for schema_name in ("CreateIndexRequest", "CreateIndexForModelRequest", "CreateCollectionRequest",
                        "CreateIndexFromBackupRequest"):
        name_schema = raw.get("components", {}).get("schemas", {}).get(schema_name, {}).get("properties", {}).get("name")
        if isinstance(name_schema, dict):
            name_schema["pattern"] = domain.NAME_PATTERN
    return raw


def _confine_examples(raw: dict, policy: SafetyPolicy) -> None:
    """Move every name in the document's request examples (path parameters and request bodies)
    into the run's prefix, in place."""
    for item in raw.get("paths", {}).values():
        for operation in (item.get(m) for m in ("post", "put", "patch", "delete", "get")):
            if not isinstance(operation, dict):
                continue
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                if isinstance(parameter, dict) and parameter.get("name") in NAME_PARAMETERS:
                    _confine_example_values(parameter, lambda value: confine_name(value, policy))
            operation_id = operation.get("operationId")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _confine_example_values(media, lambda value, op=operation_id: _confined_body(op, value, policy))


def _confine_example_values(holder: dict, change) -> None:
    if "example" in holder:
        holder["example"] = change(holder["example"])
    for example in (holder.get("examples") or {}).values():
        if isinstance(example, dict) and "value" in example:
            example["value"] = change(example["value"])


def _confined_body(operation_id: str, value, policy: SafetyPolicy):
    if isinstance(value, dict):
        value = dict(value)
        confine_case(operation_id, None, value, policy)
    return value


#: Allocations between two collections of the youngest generation (CPython's default: 700).
#: Generation allocates and drops objects by the million, almost all freed by reference
#: counting; at the default the cycle collector ran ~1,800 times in a run and cost ~2 s of its
#: CPU (measured with gc.callbacks), at 10,000 ~120 times and ~0.9 s.
GC_YOUNG_THRESHOLD = 10_000


@contextlib.contextmanager
def heap_frozen():
    """What exists once a run is set up (modules, the document, the schema and its strategies)
    lives until the run ends: ``gc.freeze()`` takes it out of the cycle collector's sight, so a
    full collection walks only what the run allocates later (five full collections cost ~0.55 s
    of an embedded run's CPU, measured with gc.callbacks). Unfrozen when the block ends, so a
    process that runs several runs (the kill matrix's workers) keeps nothing of one for the next."""
    import gc

    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def collect_less_often() -> None:
    """Raise the cycle collector's young threshold to :data:`GC_YOUNG_THRESHOLD` for this process
    (never lowers it). Called where a run starts generating (:func:`build_schema`)."""
    import gc

    young, middle, old = gc.get_threshold()
    if young < GC_YOUNG_THRESHOLD:
        gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def build_schema(raw: dict, state: RunState):
    """A Schemathesis schema wired to the run's gate, strategies and observer.

    Every request goes to ``state.gate`` (in front of the real target), so the
    safety rules, the budget and the retries apply to every phase and every probe. Against
    anything but the embedded mock, Schemathesis's own link inference and response reuse are
    off: they feed names taken from list answers (other people's indexes) into deletes."""
    collect_less_often()
    generated = generation_document(raw, state.policy)
    schema = schemathesis.openapi.from_dict(generated)
    setattr(schema, STATE_ATTRIBUTE, state)
    target = state.config.target
    # Schemathesis reaches the gate in process, through our transport (no requests session, no
    # ASGI on the way); the address it believes it talks to is one where nothing listens, so what
    # it would send around the transport (its capability probes) reaches nobody.
    route_through_gate(schema, state.gate)
    schema.config.update(base_url=GATE_ADDRESS, workers=state.config.engine_threads)
    if not target.is_embedded:
        schema.config.phases.stateful.inference.algorithms = []
        for phase in (schema.config.phases.fuzzing, schema.config.phases.stateful, schema.config.phases.coverage,
                      schema.config.phases.examples):
            if hasattr(phase, "extra_data_sources"):
                phase.extra_data_sources.responses = False
    headers = {"X-Pinecone-Api-Version": state.config.api_version}
    if target.api_key:
        headers["Api-Key"] = target.api_key
    schema.config.update(headers=headers)
    schema.config.seed = state.config.seed
    # No example database: Hypothesis would otherwise replay (and save) examples kept in the
    # working directory's .hypothesis/ by earlier runs, against whatever server they tested, so
    # the same seed would not give the same run; reading and writing it is time spent too.
    schema.config.generation.update(max_examples=state.config.max_examples, deterministic=False, database="none")
    schema.config.checks.update(excluded_check_names=sorted(EXCLUDED_CHECKS))
    _install_hooks(schema, state)
    return schema


def _install_hooks(schema, state: RunState) -> None:
    @schema.hook
    def map_case(context, case):
        """The coverage and examples phases build cases without the part hooks below: confine
        their names on the finished case. Not in the state machine, where Schemathesis takes a
        finished case's edited parts for values a link supplied (the part hooks serve there)."""
        phase = getattr(getattr(getattr(case, "meta", None), "phase", None), "name", None)
        if str(getattr(phase, "value", phase)) != "stateful":
            body = case.body if isinstance(case.body, dict) else None
            confine_case(case.operation.definition.raw.get("operationId"), case.path_parameters, body, state.policy)
        return case

    @schema.hook
    def map_path_parameters(context, path_parameters):
        """Valid names in generated paths move into the run's prefix (invalid ones stay: they
        test the name rule); the gate refuses whatever still names somebody else's resource.
        Done while the case is drawn, not on the finished case: Schemathesis takes a finished
        case's edited parts for values a link supplied (and judges them so)."""
        if path_parameters:
            confine_case(None, path_parameters, None, state.policy)
        return path_parameters

    @schema.hook
    def map_body(context, body):
        """The same for the names a generated body creates or reads from."""
        operation_id = context.operation.definition.raw.get("operationId") if context.operation else None
        if isinstance(body, dict):
            confine_case(operation_id, None, body, state.policy)
        return body

    # One body strategy per operation for the whole run: a strategy built anew for every case
    # is validated (and its filters described) anew by Hypothesis every time.
    body_strategies = {operation_id: build(state.config.prefix) for operation_id, build in BODY_STRATEGIES.items()}

    @schema.hook
    def flatmap_case(context, case):
        """Positive cases get a body from the domain strategies, so they are really valid."""
        operation_id = context.operation.definition.raw.get("operationId") if context.operation else None
        mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
        if mode != GenerationMode.POSITIVE or operation_id not in BODY_STRATEGIES or case.body is None:
            return st.just(case)
        if not isinstance(case.body, dict):
            return st.just(case)

        def with_body(body):
            # In the state machine, a link's request body is merged in after this (merge_body),
            # so values taken from earlier responses still win.
            case.body = body
            return case

        return body_strategies[operation_id].map(with_body)

    @schema.hook
    def map_headers(context, headers):
        """Pin the version header (the document types it only as a string)."""
        if headers is not None and "X-Pinecone-Api-Version" in headers:
            headers["X-Pinecone-Api-Version"] = state.config.api_version
        return headers

    @schema.hook
    def filter_failure(context, failure, case, response):
        """429 is throttling, not a contract finding; an answer the gate made up for a request it did
        not send is nobody's finding; some 400s depend on state the generator cannot know."""
        if response is not None and (response.status_code == THROTTLED or is_skipped(response.headers)):
            return False
        if type(failure).__name__ == "AcceptedNegativeData" and _only_nulls_were_invalid(case, state):
            if state.config.profile == "production":
                return False  # production accepts them for the SDK (R-IDX-20): nothing to report
            state.record(CHECKS["explicit_null_accepted"].finding(
                "the server accepted explicit nulls for optional fields (as the real service does for "
                "the official SDK); the body is otherwise valid",
                operation=case.operation.definition.raw.get("operationId"),
                location=state.operations[case.operation.definition.raw.get("operationId")].pointer + "/requestBody",
                request=_curl_from_prepared(response.request, state) if response is not None else None,
                status=getattr(response, "status_code", None), seed=state.config.seed))
            return False
        if type(failure).__name__ == "RejectedPositiveData" and response is not None \
                and 400 <= response.status_code < 500:
            operation_id = case.operation.definition.raw.get("operationId")
            # Schema-valid but breaking a prose rule (or needing state we cannot know): rejecting it is right.
            return request_problem(operation_id, case.body, dict(case.query or {})) is None
        return True


def _only_nulls_were_invalid(case, state: RunState) -> bool:
    """Is this negative case invalid only through ``null`` members of its body?"""
    from pinecone_conformance.core.values import without_nulls

    operation_id = case.operation.definition.raw.get("operationId")
    body = case.body
    if not isinstance(body, dict) or "requestBody" not in case.operation.definition.raw:
        return False
    if state.request_bodies.errors(operation_id, body) == []:
        return False  # not invalid by the contract at all (only by our tightened view)
    return state.request_bodies.errors(operation_id, without_nulls(body)) == []


@schemathesis.check
def pinecone_observer(ctx, response, case):
    """Sees every response: openapi-core validation, semantic checks, coverage counts.

    It records findings itself (with their own check names and severities) and never
    raises, so Schemathesis's own verdicts stay separate from ours.
    """
    state = getattr(case.operation.schema, STATE_ATTRIBUTE, None)
    if state is None:
        return None
    operation_id = case.operation.definition.raw.get("operationId")
    request = response.request
    if (request.method or "").lower() != case.operation.method.lower():
        return None  # Schemathesis probing an undocumented method; its own check judges that
    url = request.url or ""
    path = url.split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "/" in path else "/"
    path, _, query = path.partition("?")
    body = response.content or b""
    request_body = request.body
    if isinstance(request_body, bytes):
        try:
            request_body = json.loads(request_body)
        except ValueError:
            pass
    elif isinstance(request_body, str):
        try:
            request_body = json.loads(request_body)
        except ValueError:
            pass
    exchange, problems = state.observe(
        operation_id,
        method=request.method or case.method,
        path=path,
        query=query,
        path_parameters=dict(case.path_parameters or {}),
        query_parameters=dict(case.query or {}),
        request_headers=dict(request.headers),
        request_body=request_body,
        status=response.status_code,
        headers={k: (v[0] if isinstance(v, list) else v) for k, v in response.headers.items()},
        body=body,
        via="schemathesis",
    )
    _compare_validators(ctx, response, case, state, exchange, problems)
    return None


def _compare_validators(ctx, response, case, state: RunState, exchange, problems) -> None:
    """Schemathesis and openapi-core must agree on whether a body fits its schema; where they
    do not, one of them (or the schema) is wrong, and that is worth a finding of its own."""
    from schemathesis.specs.openapi.checks import response_schema_conformance

    if response.status_code == THROTTLED or any(p.kind in ("status-code", "content-type") for p in problems):
        return
    if exchange.body is None:
        return
    core_invalid = any(p.kind == "response-schema" and p.severity == "error" for p in problems)
    try:
        response_schema_conformance(ctx, response, case)
        schemathesis_invalid = False
    except Exception:  # a Failure or a FailureGroup: Schemathesis found the body invalid
        schemathesis_invalid = True
    state.ran(exchange.operation_id, "validator_agreement")
    if core_invalid == schemathesis_invalid:
        return
    verdict = {True: "invalid", False: "valid"}
    state.record(CHECKS["validator_agreement"].finding(
        f"openapi-core finds this response {verdict[core_invalid]}, Schemathesis finds it "
        f"{verdict[schemathesis_invalid]}: one of the validators, or the schema, is wrong",
        operation=exchange.operation_id,
        location=exchange.response_pointer,
        request=_curl_from_prepared(response.request, state),
        status=response.status_code,
        response=scrubbed_excerpt(response.content, state.config.secrets) or None,
        seed=state.config.seed,
    ))


# --- running ------------------------------------------------------------------------------


@dataclass
class EngineResult:
    findings: list[Finding]
    scenarios: int
    fatal: str | None = None


def run_engine(schema, state: RunState, *, operation_ids: Iterable[str] | None = None,
               phases: Iterable[str] | None = None, max_examples: int | None = None) -> EngineResult:
    """Run Schemathesis on the selected operations and phases; collect every failure."""
    schema.config.generation.update(max_examples=max_examples or state.config.max_examples)
    if operation_ids:
        wanted = set(operation_ids)
        schema = schema.include(operation_id=sorted(wanted))
        setattr(schema, STATE_ATTRIBUTE, state)  # include() makes a new schema object
    if phases:
        schema.config.phases.update(phases=list(phases))
    findings: list[Finding] = []
    scenarios = 0
    fatal = None
    stream = schemathesis.engine.from_schema(schema).execute()
    stopped = False  # by us, below: the engine then reports an interruption that is no Ctrl-C
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            findings.extend(_failures_to_findings(event, state))
        elif isinstance(event, events.Interrupted):
            if not stopped:
                raise KeyboardInterrupt  # Schemathesis stops quietly on Ctrl-C/SIGTERM; the run must stop too
        elif isinstance(event, events.FatalError):
            fatal = f"{type(event.exception).__name__}: {event.exception}"
        elif isinstance(event, events.NonFatalError):
            if _is_transport_error(event.value):
                findings.append(_error_to_finding(event, state))
            elif type(event.value).__name__ != "NoLinksFound":  # a selection without links: nothing to walk
                state.note_error(f"schemathesis: {event.label}: {type(event.value).__name__}: {event.value}")
        if state.budget_exhausted and not stopped:
            stopped = True
            stream.stop()
    return EngineResult(findings, scenarios, fatal)


def _is_transport_error(error: BaseException) -> bool:
    import http.client

    import requests

    return isinstance(error, (requests.RequestException, http.client.HTTPException, ConnectionError, TimeoutError))


def _error_to_finding(event, state: RunState) -> Finding:
    """A request that got no usable answer (connection dropped, timeout, unparseable HTTP):
    the server's fault as far as a client can tell, so a finding rather than a crash."""
    label = str(event.label or "")
    by_route = {f"{op.method.upper()} {op.path}": op_id for op_id, op in state.operations.items()}
    return CHECKS["network_error"].finding(
        redact(f"{label}: {type(event.value).__name__}: {one_line(str(event.value), MESSAGE_LIMIT)}", state.config.secrets),
        operation=by_route.get(label),
        location=state.operations[by_route[label]].pointer if label in by_route else None,
        seed=state.config.seed,
    )


def _failures_to_findings(event, state: RunState) -> Iterator[Finding]:
    recorder = event.recorder
    ops = operations(state.raw)
    for node in recorder.cases.values():
        if node.transition is not None and node.is_transition_applied:
            state.count_link(_link_key(node.transition.id, ops))
    for case_id, checks in recorder.checks.items():
        case_node = recorder.cases.get(case_id)
        if case_node is not None:
            checked_operation = case_node.value.operation.definition.raw.get("operationId")
            for check in checks:
                state.ran(checked_operation, check.name)
        for check in checks:
            info = check.failure_info
            if info is None:
                continue
            failure = info.failure
            # Checks such as ignored_auth send requests of their own: judge the response they got.
            interaction = recorder.interactions.get(getattr(failure, "case_id", None) or case_id) \
                or recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            if getattr(response, "status_code", None) == THROTTLED:
                continue  # throttling, never a contract finding
            if response is not None and is_skipped(getattr(response, "headers", None) or {}):
                continue  # the gate did not send the probe (budget, deadline, safety): nothing was judged
            case_node = recorder.cases.get(case_id)
            case = case_node.value if case_node is not None else None
            operation_id = None
            if case is not None:
                operation_id = case.operation.definition.raw.get("operationId")
            declared = CHECKS[check.name] if check.name in CHECKS else None
            if check.name == "negative_data_rejection" and operation_id in ops \
                    and not {"400", "422"} & set(ops[operation_id].definition.get("responses", {})):
                declared = CHECKS["negative_data_rejection_undocumented"]  # the document asks for no refusal
            location = None
            if operation_id in ops:
                location = f"{ops[operation_id].pointer}/responses"
                status = getattr(response, "status_code", None)
                if check.name == "response_schema_conformance" and status is not None:
                    responses = ops[operation_id].definition.get("responses", {})
                    key = str(status) if str(status) in responses else "default"
                    location += f"/{escape_pointer(key)}/content/application~1json/schema"
                elif check.name in ("negative_data_rejection", "positive_data_acceptance"):
                    location = f"{ops[operation_id].pointer}/requestBody"
            status_code = getattr(response, "status_code", None)
            if check.name == "status_code_conformance" and operation_id in ops and case is not None \
                    and forgotten_rejection(ops[operation_id].definition, status_code, bool(case.query)):
                continue
            request_line = redact(_real_url(info.code_sample or "", state), state.config.secrets)
            if response is not None and getattr(response, "request", None) is not None:
                request_line = _curl_from_prepared(response.request, state)
            prefix = ""
            if declared is None:  # a check a newer Schemathesis added: reported, under a generic id
                declared, prefix = CHECKS["schemathesis_other"], f"[{check.name}] "
            yield declared.finding(
                redact(f"{prefix}{failure.title}: {one_line(failure.message, MESSAGE_LIMIT)}", state.config.secrets),
                operation=operation_id,
                location=location,
                request=request_line,
                status=getattr(response, "status_code", None),
                response=scrubbed_excerpt(getattr(response, "content", None), state.config.secrets) or None,
                seed=state.config.seed,
                details={"phase": str(event.phase), "schemathesis_code": getattr(failure, "code", None)},
            )


def _link_key(transition_id: str, ops) -> str:
    """``POST /indexes -> [201] DescribeIndex -> GET /indexes/{index_name}`` becomes
    ``create_index -> describe_index (DescribeIndex)``, the form the run record uses."""
    by_route = {f"{op.method.upper()} {op.path}": op_id for op_id, op in ops.items()}
    parts = [part.strip() for part in transition_id.split("->")]
    if len(parts) != 3:
        return transition_id
    source, target = by_route.get(parts[0], parts[0]), by_route.get(parts[2], parts[2])
    name = parts[1].split("]", 1)[-1].strip()
    return f"{source} -> {target} ({name})"


def _curl_from_prepared(request, state: RunState) -> str:
    body = request.body
    url = _real_url(request.url or "", state)
    line = curl_command(request.method or "GET", url, dict(request.headers), body)
    return redact(line, state.config.secrets)


def _real_url(text: str, state: RunState) -> str:
    """``text`` with the gate's placeholder address replaced by the target's base URL."""
    return text.replace(GATE_ADDRESS, state.config.target.base_url.rstrip("/"))

