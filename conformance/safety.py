"""What a run may send: the one rule every request is held to before it leaves.

Against a server we do not own, the suite must write only to what it created. This module
decides that for one request, whatever produced it (a Schemathesis phase, the state machine,
a scenario, cleanup); :mod:`conformance.gate` applies the decision to every request. A
request that can change state (POST, PUT, PATCH, DELETE) may name only

- resources whose name carries the run's prefix (``pcc-<run id>-``), or
- names that cannot exist, because they break the name rule (the server must refuse them), or
- backups (by id) whose source index is ours, or ids the server never showed us (a
  generated id cannot name an existing backup; an id harvested from a list can, so a
  harvested id of somebody else's backup is refused).

On top of that, ``read_only`` refuses every method but GET, and without ``allow_paid`` the
run creates no billed extras (pod indexes, pod scaling, dedicated read capacity).

The same module also rewrites names into the run's prefix (:func:`confine_name`), so that
generated and example requests stay meaningful instead of being refused.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field

from pinecone_conformance.core import domain

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Path parameters that name a resource by its user-chosen name.
NAME_PARAMETERS = ("index_name", "collection_name")
#: Path parameters that name a resource by a server-assigned id.
ID_PARAMETERS = ("backup_id", "job_id")
#: Body members that name a resource by its name: the one created, or the one it is made from.
#: (A backup's ``name`` is a label: backups are named by their id, so create_backup has none.)
BODY_NAME_FIELDS = {
    "create_index": ("name",),
    "create_index_for_model": ("name",),
    "create_collection": ("name", "source"),
    "create_index_from_backup_operation": ("name",),
}
#: For a request to a route the document does not define: any member that could be a name.
ANY_BODY_NAME_FIELDS = ("name", "source")

#: Reasons a request is not sent (counted per reason, shown in the summary).
SAFETY = "safety"
READ_ONLY = "read-only"
PAID = "paid-resource"


@dataclass(frozen=True)
class SafetyPolicy:
    """What a run may write to. ``run_prefix`` is ``pcc-<run id>`` (no trailing dash)."""

    run_prefix: str
    read_only: bool = False
    allow_paid: bool = True

    def owns(self, name: object) -> bool:
        return isinstance(name, str) and name.startswith(self.run_prefix + "-")


@dataclass
class Ownership:
    """Backup ids the run may touch, learnt from the answers it received.

    ``ours``: backups whose source index is ours. ``foreign``: ids the server showed us that
    belong to somebody else's index. Thread-safe: every worker thread reports answers here."""

    policy: SafetyPolicy
    ours: set = field(default_factory=set)
    foreign: set = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def learn(self, body: object) -> None:
        """Record every backup / restore job in an answer (a describe or a list page)."""
        for item in _backup_like_items(body):
            source = item.get("source_index_name") or item.get("target_index_name")
            ident = item.get("backup_id") or item.get("restore_job_id")
            if not isinstance(ident, str):
                continue
            with self._lock:
                if self.policy.owns(source):
                    self.ours.add(ident)
                    self.foreign.discard(ident)
                elif ident not in self.ours:
                    self.foreign.add(ident)

    def may_touch(self, ident: str) -> bool:
        with self._lock:
            return ident in self.ours or ident not in self.foreign


def _backup_like_items(body: object):
    if isinstance(body, dict):
        if "backup_id" in body or "restore_job_id" in body:
            yield body
        for value in body.values():
            if isinstance(value, list):
                yield from (item for item in value if isinstance(item, dict))


def parse_body(content: bytes | str | None) -> object:
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def refusal(method: str, path_parameters: dict, body: object, policy: SafetyPolicy, ownership: Ownership,
            *, operation_id: str | None) -> tuple[str, str] | None:
    """Why this request must not be sent, as (reason, one-line explanation), or None to send it.

    ``operation_id`` is None for a request to a route the document does not have (an
    undocumented method probe); such a request is refused unless everything it names is ours."""
    method = method.upper()
    if policy.read_only and method != "GET":
        return READ_ONLY, f"{method} is not sent in read-only mode"
    if method not in MUTATING_METHODS:
        return None
    for name in NAME_PARAMETERS:
        value = path_parameters.get(name)
        if value is not None and not _may_name(value, policy):
            return SAFETY, f"{method} names {name}={value!r}, which is not the run's"
    for name in ID_PARAMETERS:
        value = path_parameters.get(name)
        if value is not None and not ownership.may_touch(str(value)):
            return SAFETY, f"{method} names {name}={value!r}, a backup or job the run did not make"
    if isinstance(body, dict):
        for name in body_name_fields(operation_id):
            value = body.get(name)
            if isinstance(value, str) and not _may_name(value, policy):
                return SAFETY, f"{method} body names {name}={value!r}, which is not the run's"
    if operation_id is None and not any(path_parameters.get(n) for n in (*NAME_PARAMETERS, *ID_PARAMETERS)):
        return SAFETY, f"{method} on a route the document does not define, naming nothing of the run's"
    if not policy.allow_paid:
        paid = paid_extra(operation_id, body)
        if paid:
            return PAID, f"{paid} (billed; pass --allow-paid-resources to test it)"
    return None


def body_name_fields(operation_id: str | None) -> tuple[str, ...]:
    if operation_id is None:
        return ANY_BODY_NAME_FIELDS
    return BODY_NAME_FIELDS.get(operation_id, ())


def _may_name(value: object, policy: SafetyPolicy) -> bool:
    """Ours, or a name that cannot exist (it breaks the name rule, so the server must refuse it)."""
    return policy.owns(value) or not domain.is_valid_name(value)


def paid_extra(operation_id: str | None, body: object) -> str | None:
    """The billed extra a request asks for (pod index, pod scaling, dedicated read capacity), if any."""
    if not isinstance(body, dict):
        return None
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    if operation_id in ("create_index", "configure_index") and isinstance(spec.get("pod"), dict):
        return "a pod index" if operation_id == "create_index" else "pod scaling"
    for holder in (spec.get("serverless"), spec, body):
        capacity = holder.get("read_capacity") if isinstance(holder, dict) else None
        if isinstance(capacity, dict) and str(capacity.get("mode", "")).lower() == "dedicated":
            return "dedicated read capacity"
    return None


def confine_name(value: object, policy: SafetyPolicy) -> object:
    """A valid name that is not ours, moved into the run's prefix (still valid, at most 45
    characters); anything else unchanged. Invalid names stay invalid: they test the name rule."""
    if not isinstance(value, str) or policy.owns(value) or not domain.is_valid_name(value):
        return value
    confined = f"{policy.run_prefix}-{value}"[: domain.NAME_MAX].rstrip("-")
    return confined if domain.is_valid_name(confined) else value


def confine_case(operation_id: str | None, path_parameters: dict | None, body: object, policy: SafetyPolicy) -> None:
    """Move the names of a generated request into the run's prefix, in place."""
    for name in NAME_PARAMETERS:
        if path_parameters and name in path_parameters:
            path_parameters[name] = confine_name(path_parameters[name], policy)
    if isinstance(body, dict):
        for name in body_name_fields(operation_id):
            if name in body:
                body[name] = confine_name(body[name], policy)


# --- routes: which operation a request is, and the resources it names --------------------------


@dataclass(frozen=True)
class Route:
    operation_id: str
    method: str
    pattern: re.Pattern


def routes(operations: dict) -> list[Route]:
    """A matcher per documented operation (``operations``: operationId -> OperationRef)."""
    found = []
    for operation_id, operation in operations.items():
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(operation.path))
        found.append(Route(operation_id, operation.method.upper(), re.compile(rf"\A{regex}/?\Z")))
    return found


def match(route_list: list[Route], method: str, path: str) -> tuple[str | None, dict]:
    """(operationId or None, path parameters) for a request; parameters also for an undocumented method."""
    from urllib.parse import unquote

    parameters: dict = {}
    for route in route_list:
        found = route.pattern.match(path)
        if found:
            values = {key: unquote(value) for key, value in found.groupdict().items()}
            if route.method == method.upper():
                return route.operation_id, values
            parameters = parameters or values
    return None, parameters
