"""Semantic checks of one response that no schema can express.

Each check is a plain function ``(exchange) -> list[Problem]`` over one request/response
pair, declared with :func:`response_check`: the registered check ids it reports and its
precondition (which responses it can judge), the way Schemathesis declares its checks. The
same functions run on every response of the Schemathesis run and of the scenarios, so a rule
is written once; the precondition also says which checks *ran* on a response, for the
coverage and the JUnit matrix, whether or not they found something.

The rules come from the document's prose and the research notes (rule ids R-* in
``shared/research/pinecone-behavior.md``). Rules the research marks as inferred are warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pinecone_conformance.conformance.validation import Problem
from pinecone_conformance.core import domain

#: operationId -> which model its success body is.
INDEX_MODEL_OPERATIONS = {"create_index", "create_index_for_model", "describe_index", "configure_index"}
PAGINATED_OPERATIONS = {"list_index_backups", "list_project_backups", "list_restore_jobs"}
CREATE_OPERATIONS = {"create_index", "create_collection", "create_index_for_model"}


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as the checks see them."""

    operation_id: str
    method: str
    path: str
    status: int
    body: object
    """The parsed JSON response body, or None."""
    path_parameters: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    request_body: object = None
    response_pointer: str = ""


Check = Callable[[Exchange], list[Problem]]


@dataclass(frozen=True)
class ResponseCheck:
    """A check function with the ids it reports and the responses it applies to."""

    function: Check
    reports: tuple[str, ...]
    applies: Callable[[Exchange], bool]

    def __call__(self, exchange: Exchange) -> list[Problem]:
        return self.function(exchange) if self.applies(exchange) else []

    @property
    def __name__(self) -> str:
        return self.function.__name__


def response_check(*reports: str, applies: Callable[[Exchange], bool]):
    """Declare a response check: the registered ids it may report, and its precondition."""
    def declare(function: Check) -> ResponseCheck:
        return ResponseCheck(function, reports, applies)
    return declare


def _succeeded(exchange: Exchange) -> bool:
    return 200 <= exchange.status < 300


def _problem(exchange: Exchange, check: str, message: str, *, severity: str = "error", kind: str = "semantic") -> Problem:
    return Problem(check, kind, severity, message, exchange.response_pointer)


@response_check("error_body", "error_code", applies=lambda ex: ex.status >= 400 and ex.status != 429)
def error_body_consistency(exchange: Exchange) -> list[Problem]:
    """R-ERR-01/02: an error body's ``status`` equals the HTTP status and ``error.code`` fits it."""
    body = exchange.body
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return [_problem(exchange, "error_body", "error response has no {\"error\": {...}} object", kind="error-body")]
    problems = []
    if body.get("status") != exchange.status:
        problems.append(_problem(
            exchange, "error_body",
            f"error body says status {body.get('status')!r} but the HTTP status is {exchange.status}",
            kind="error-body",
        ))
    expected = domain.ERROR_CODE_FOR_STATUS.get(exchange.status)
    code = body["error"].get("code")
    if expected and code != expected:
        problems.append(_problem(
            exchange, "error_code", f"HTTP {exchange.status} carries error.code {code!r}, expected {expected!r}",
            kind="error-body",
        ))
    return problems


def _index_models(exchange: Exchange) -> list[dict]:
    if not 200 <= exchange.status < 300 or not isinstance(exchange.body, dict):
        return []
    if exchange.operation_id in INDEX_MODEL_OPERATIONS:
        return [exchange.body]
    if exchange.operation_id == "list_indexes":
        return [item for item in exchange.body.get("indexes") or [] if isinstance(item, dict)]
    return []


@response_check("index_ready_state", "index_vector_type", "pod_arithmetic", "index_host",
                applies=lambda ex: _succeeded(ex) and (ex.operation_id in INDEX_MODEL_OPERATIONS
                                                       or ex.operation_id == "list_indexes"))
def index_model_consistency(exchange: Exchange) -> list[Problem]:
    """Rules every IndexModel obeys: ready matches state, dense/sparse, pods = replicas x shards."""
    problems = []
    for model in _index_models(exchange):
        name = model.get("name")
        status = model.get("status") if isinstance(model.get("status"), dict) else {}
        state, ready = status.get("state"), status.get("ready")
        if state in domain.READY_STATES and ready is False:
            problems.append(_problem(exchange, "index_ready_state", f"index {name}: state {state} but ready is false"))
        if state in domain.NOT_READY_STATES and ready is True:
            problems.append(_problem(exchange, "index_ready_state", f"index {name}: state {state} but ready is true"))
        vector_type = model.get("vector_type", "dense")
        if vector_type == "sparse":
            if model.get("dimension") is not None:
                problems.append(_problem(exchange, "index_vector_type", f"sparse index {name} reports a dimension"))
            if model.get("metric") not in (None, "dotproduct"):
                problems.append(_problem(
                    exchange, "index_vector_type", f"sparse index {name} reports metric {model.get('metric')!r}",
                ))
        elif vector_type == "dense" and model.get("dimension") is None:
            problems.append(_problem(exchange, "index_vector_type", f"dense index {name} reports no dimension"))
        spec = model.get("spec") if isinstance(model.get("spec"), dict) else {}
        pod = spec.get("pod")
        if isinstance(pod, dict) and all(isinstance(pod.get(k), int) for k in ("pods", "replicas", "shards")):
            if pod["pods"] != pod["replicas"] * pod["shards"]:
                problems.append(_problem(
                    exchange, "pod_arithmetic",
                    f"index {name}: pods {pod['pods']} != replicas {pod['replicas']} x shards {pod['shards']}",
                ))
        host = model.get("host")
        if isinstance(host, str) and isinstance(name, str) and name not in host:
            problems.append(_problem(
                exchange, "index_host", f"index {name}: host {host!r} does not contain the index name", severity="warning",
            ))
    return problems


_IDENTITY_FIELDS = {
    "describe_index": ("index_name", "name"),
    "configure_index": ("index_name", "name"),
    "describe_collection": ("collection_name", "name"),
    "describe_backup": ("backup_id", "backup_id"),
    "describe_restore_job": ("job_id", "restore_job_id"),
}


@response_check("describe_identity", applies=lambda ex: ex.operation_id in _IDENTITY_FIELDS and _succeeded(ex))
def describes_what_was_asked(exchange: Exchange) -> list[Problem]:
    """A describe answers about the resource named in the path, not another one."""
    parameter, field_name = _IDENTITY_FIELDS[exchange.operation_id]
    asked = exchange.path_parameters.get(parameter)
    if not isinstance(exchange.body, dict) or asked is None:
        return []
    got = exchange.body.get(field_name)
    if got is not None and str(got) != str(asked):
        return [_problem(exchange, "describe_identity", f"asked for {parameter}={asked!r}, the response describes {got!r}")]
    return []


@response_check("describe_identity", applies=lambda ex: ex.operation_id == "list_index_backups" and ex.status == 200)
def index_backups_belong_to_the_index(exchange: Exchange) -> list[Problem]:
    """R-BAK-04: ``GET /indexes/{name}/backups`` lists only that index's backups."""
    if not isinstance(exchange.body, dict):
        return []
    asked = exchange.path_parameters.get("index_name")
    strangers = sorted({str(item.get("source_index_name")) for item in exchange.body.get("data") or []
                        if isinstance(item, dict) and item.get("source_index_name") not in (None, asked)})
    if asked is not None and strangers:
        return [_problem(exchange, "describe_identity", f"backups of {asked} include backups of {strangers}")]
    return []


@response_check("create_echo", applies=lambda ex: ex.operation_id in CREATE_OPERATIONS and _succeeded(ex))
def create_echoes_request(exchange: Exchange) -> list[Problem]:
    """R-IDX-*: what create answers matches what was asked (name, dimension, metric, ...)."""
    asked, got = exchange.request_body, exchange.body
    if not isinstance(asked, dict) or not isinstance(got, dict):
        return []
    problems = []
    fields_to_echo = ["name"]
    if exchange.operation_id == "create_index":
        fields_to_echo += ["dimension", "metric", "vector_type", "deletion_protection"]
    for name in fields_to_echo:
        if asked.get(name) is not None and name in got and got[name] != asked[name]:
            problems.append(_problem(
                exchange, "create_echo", f"created with {name}={asked[name]!r} but the response says {got[name]!r}",
            ))
    if exchange.operation_id == "create_index" and isinstance(asked.get("tags"), dict) and asked["tags"]:
        if got.get("tags") != asked["tags"]:
            problems.append(_problem(
                exchange, "create_echo", f"created with tags {asked['tags']!r} but the response says {got.get('tags')!r}",
            ))
    return problems


@response_check("pagination_limit", applies=lambda ex: ex.operation_id in PAGINATED_OPERATIONS and ex.status == 200)
def pagination_limit(exchange: Exchange) -> list[Problem]:
    """R-BAK-05: a page never holds more than ``limit`` items."""
    limit = exchange.query.get("limit")
    data = exchange.body.get("data") if isinstance(exchange.body, dict) else None
    try:
        limit = int(limit) if limit is not None else None
    except (TypeError, ValueError):
        return []
    if limit is not None and 1 <= limit <= 100 and isinstance(data, list) and len(data) > limit:
        return [_problem(exchange, "pagination_limit", f"limit={limit} but the page holds {len(data)} items")]
    return []


@response_check("restore_job_progress", "restore_job_completed_at", "timestamps_ordered",
                applies=lambda ex: ex.status == 200 and ex.operation_id in ("describe_restore_job", "list_restore_jobs"))
def restore_job_consistency(exchange: Exchange) -> list[Problem]:
    """R-RST-06: a Completed job has ``completed_at`` and ``percent_complete`` 100."""
    if exchange.operation_id == "describe_restore_job":
        jobs = [exchange.body]
    elif isinstance(exchange.body, dict):
        jobs = exchange.body.get("data") or []
    else:
        return []
    problems = []
    for job in jobs:
        if isinstance(job, dict) and job.get("status") == "Completed":
            if job.get("percent_complete") not in (None, 100, 100.0):
                problems.append(_problem(
                    exchange, "restore_job_progress",
                    f"restore job {job.get('restore_job_id')} is Completed at {job.get('percent_complete')}%",
                ))
            if not job.get("completed_at"):
                problems.append(_problem(
                    exchange, "restore_job_completed_at",
                    f"restore job {job.get('restore_job_id')} is Completed without completed_at", severity="warning",
                ))
        if isinstance(job, dict) and _instant(job.get("created_at")) and _instant(job.get("completed_at")) \
                and _instant(job["created_at"]) > _instant(job["completed_at"]):
            problems.append(_problem(
                exchange, "timestamps_ordered",
                f"restore job {job.get('restore_job_id')} completed at {job['completed_at']}, before it was created "
                f"at {job['created_at']}", severity="warning",
            ))
    return problems


def _instant(value: object):
    """An RFC 3339 timestamp as an aware datetime, or None."""
    from datetime import datetime

    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


ALL_CHECKS: tuple[Check, ...] = (
    error_body_consistency,
    index_model_consistency,
    describes_what_was_asked,
    index_backups_belong_to_the_index,
    create_echoes_request,
    pagination_limit,
    restore_job_consistency,
)


def check_exchange(exchange: Exchange) -> list[Problem]:
    problems: list[Problem] = []
    for check in ALL_CHECKS:
        problems.extend(check(exchange))
    return problems


def applicable_checks(exchange: Exchange) -> list[str]:
    """The ids of the checks that judge this response (they ran on it, whatever they found)."""
    return [check_id for check in ALL_CHECKS if isinstance(check, ResponseCheck) and check.applies(exchange)
            for check_id in check.reports]
