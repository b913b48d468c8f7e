"""Walk two documents operation by operation and say where every change applies.

Operations are matched by method and path template (parameter names in the template do not
matter to a client), so a renamed operationId is a change of its own, not a removal. At each
operation the request side (parameters, request body) and the response side (per status, per
media type) are compared separately, through the flattened schemas of :mod:`spec.diff.flatten`
and the rules of :mod:`spec.diff.rules`. Then the hits are grouped: a change to a shared
component seen by many operations is one :class:`Change` listing those operations, reported
once per side (request, response) where a client sees it, not once per schema walk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pinecone_conformance.spec.diff.flatten import ALWAYS, NEVER, deref, escape, flatten
from pinecone_conformance.spec.diff.rules import (
    LEVELS,
    OPERATION,
    REQUEST,
    RESPONSE,
    Hit,
    applies,
    compare_nodes,
    level_of,
)

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Place:
    """Where a client sees a change: an operation and the part of it."""

    operation: str
    method: str
    path: str
    context: str
    """e.g. ``request body application/json``, ``response 200 application/json``, ``header parameter X``."""


@dataclass
class Change:
    """One change, classified, with every operation and place it affects."""

    level: str
    rule: str
    side: str
    message: str
    location: str
    """JSON pointer in NEW (in OLD when :attr:`in_old`, i.e. for removals)."""
    in_old: bool = False
    locations: list[str] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "level": self.level,
            "rule": self.rule,
            "side": self.side,
            "operations": self.operations,
            "location": self.location,
            "document": "old" if self.in_old else "new",
            "locations": self.locations,
            "message": self.message,
            "places": [
                {"operation": p.operation, "method": p.method.upper(), "path": p.path, "context": p.context}
                for p in self.places
            ],
        }


@dataclass(frozen=True)
class _Operation:
    operation_id: str
    method: str
    path: str
    pointer: str
    definition: dict
    path_parameters: tuple


@dataclass(frozen=True)
class _Pair:
    """The two documents of one comparison, with the flattening cache of that comparison."""

    old: dict
    new: dict
    cache: dict = field(default_factory=dict)

    def flatten_old(self, schema, pointer: str, label: str, required: str = ALWAYS, side: str = REQUEST) -> dict:
        return flatten(self.old, schema, pointer, label, required, cache=self.cache, omit=_OMIT[side])

    def flatten_new(self, schema, pointer: str, label: str, required: str = ALWAYS, side: str = REQUEST) -> dict:
        return flatten(self.new, schema, pointer, label, required, cache=self.cache, omit=_OMIT[side])


#: What a side never carries: a client does not send readOnly properties, a server does not return writeOnly ones.
_OMIT = {REQUEST: "readOnly", RESPONSE: "writeOnly"}


@dataclass(frozen=True)
class _Raw:
    """One hit at one place, before grouping."""

    level: str
    rule: str
    side: str
    message: str
    pointers: tuple[str, ...]
    in_old: bool
    place: Place


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operations(document: dict) -> dict[tuple[str, str], _Operation]:
    found = {}
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                pointer = f"/paths/{escape(path)}/{method}"
                operation_id = str(operation.get("operationId") or f"{method.upper()} {path}")
                found[(method, _template(path))] = _Operation(
                    operation_id, method, path, pointer, operation, tuple(item.get("parameters") or ()))
    return found


def matched_operations(old: dict, new: dict) -> list[str]:
    """operationIds (in NEW) of the operations both documents have: the ones compared in depth."""
    old_ops, new_ops = _operations(old), _operations(new)
    return sorted(operation.operation_id for key, operation in new_ops.items() if key in old_ops)


def compare_documents(old: dict, new: dict) -> list[Change]:
    """Every change between two OpenAPI documents (raw dicts), grouped and sorted."""
    old_ops, new_ops = _operations(old), _operations(new)
    pair = _Pair(old, new)
    raws: list[_Raw] = []
    for key, operation in old_ops.items():
        if key not in new_ops:
            place = Place(operation.operation_id, operation.method, operation.path, "operation")
            raws.append(_raw("operation-removed", OPERATION,
                             f"operation {operation.method.upper()} {operation.path} removed",
                             (operation.pointer,), True, place))
    for key, operation in new_ops.items():
        place = Place(operation.operation_id, operation.method, operation.path, "operation")
        if key not in old_ops:
            raws.append(_raw("operation-added", OPERATION, f"new operation {operation.method.upper()} {operation.path}",
                             (operation.pointer,), False, place))
            continue
        raws.extend(_compare_operation(pair, old_ops[key], operation))
    return _group(raws)


def _raw(rule: str, side: str, message: str, pointers: tuple[str, ...], in_old: bool, place: Place) -> _Raw:
    return _Raw(level_of(rule, side), rule, side, message, pointers, in_old, place)


def _from_hits(hits: Iterator[Hit], side: str, subject: str, place: Place) -> Iterator[_Raw]:
    for hit in hits:
        if not applies(hit.rule, side):
            continue
        # the root of a parameter or body schema has no label of its own: the subject names it
        message = hit.message.removeprefix("the value: ")
        yield _raw(hit.rule, side, f"{subject}: {message}", hit.pointers, hit.in_old, place)


def _compare_operation(pair: _Pair, old: _Operation, new: _Operation) -> Iterator[_Raw]:
    place = Place(new.operation_id, new.method, new.path, "operation")
    if old.operation_id != new.operation_id:
        yield _raw("operation-id-changed", OPERATION, f"operationId {old.operation_id} -> {new.operation_id}",
                   (f"{new.pointer}/operationId",), False, place)
    for key in ("summary", "description"):
        before, after = old.definition.get(key), new.definition.get(key)
        if before and after and before != after:
            yield _raw("operation-description-changed", OPERATION, f"operation {key} changed",
                       (f"{new.pointer}/{key}",), False, place)
    if new.definition.get("deprecated") is True and old.definition.get("deprecated") is not True:
        yield _raw("operation-deprecated", OPERATION, "operation deprecated", (f"{new.pointer}/deprecated",), False, place)
    yield from _compare_security(pair, old, new)
    yield from _compare_parameters(pair, old, new)
    yield from _compare_request_body(pair, old, new)
    yield from _compare_responses(pair, old, new)


# --- authentication -----------------------------------------------------------------------

_SCHEME_FIELDS = ("type", "in", "name", "scheme", "bearerFormat")


def _security(document: dict, operation: _Operation) -> tuple[list[frozenset[str]], str]:
    """The operation's security requirements (alternatives of scheme names) and where they are."""
    if "security" in operation.definition:
        requirements, pointer = operation.definition.get("security") or [], f"{operation.pointer}/security"
    else:
        requirements, pointer = document.get("security") or [], "/security"
    return [frozenset((r or {}).keys()) for r in requirements if isinstance(r, dict)], pointer


def _compare_security(pair: _Pair, old: _Operation, new: _Operation) -> Iterator[_Raw]:
    place = Place(new.operation_id, new.method, new.path, "security")
    before, old_pointer = _security(pair.old, old)
    after, new_pointer = _security(pair.new, new)
    open_before = not before or frozenset() in before
    open_after = not after or frozenset() in after
    if open_before and not open_after:
        yield _raw("security-added", REQUEST, "authentication now required", (new_pointer,), False, place)
    elif open_after and not open_before:
        yield _raw("security-removed", REQUEST, "authentication no longer required", (new_pointer,), False, place)
    elif not open_before:
        for alternative in before:
            if alternative not in after:
                names = " + ".join(sorted(alternative))
                yield _raw("security-alternative-removed", REQUEST, f"authentication with {names} no longer accepted",
                           (old_pointer,), True, place)
        for alternative in after:
            if alternative not in before:
                names = " + ".join(sorted(alternative))
                yield _raw("security-alternative-added", REQUEST, f"authentication with {names} accepted",
                           (new_pointer,), False, place)
    old_schemes = (pair.old.get("components") or {}).get("securitySchemes") or {}
    new_schemes = (pair.new.get("components") or {}).get("securitySchemes") or {}
    for name in sorted(set().union(*after) if after else ()):
        if name in old_schemes and name in new_schemes and any(alternative for alternative in before if name in alternative):
            old_scheme, _ = deref(pair.old, old_schemes[name], f"/components/securitySchemes/{escape(name)}")
            new_scheme, pointer = deref(pair.new, new_schemes[name], f"/components/securitySchemes/{escape(name)}")
            changed = [f"{k} {old_scheme.get(k)!r} -> {new_scheme.get(k)!r}"
                       for k in _SCHEME_FIELDS if old_scheme.get(k) != new_scheme.get(k)]
            if changed:
                yield _raw("security-scheme-changed", REQUEST, f"security scheme {name}: {', '.join(changed)}",
                           (pointer,), False, place)


# --- parameters ---------------------------------------------------------------------------


def _parameters(document: dict, operation: _Operation) -> dict[tuple[str, str], tuple[dict, str]]:
    """Parameters by what a client sends: (location, name); path parameters by position."""
    item_pointer = operation.pointer.rsplit("/", 1)[0]
    found: dict[tuple[str, str], tuple[dict, str]] = {}
    slots = re.findall(r"\{([^}]*)\}", operation.path)
    sources = [(p, f"{item_pointer}/parameters/{i}") for i, p in enumerate(operation.path_parameters)]
    sources += [(p, f"{operation.pointer}/parameters/{i}")
                for i, p in enumerate(operation.definition.get("parameters") or [])]
    for parameter, pointer in sources:
        parameter, pointer = deref(document, parameter, pointer)
        where, name = str(parameter.get("in", "")), str(parameter.get("name", ""))
        if where == "header":
            name = name.lower()
        elif where == "path" and name in slots:
            name = f"#{slots.index(name)}"
        found[(where, name)] = (parameter, pointer)
    return found


#: OpenAPI 3.0 default ``style`` by parameter location; ``explode`` defaults to true for ``form``.
_DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}


def _serialization(parameter: dict) -> tuple[str, bool]:
    """How a parameter is put on the wire, with the defaults filled in."""
    style = str(parameter.get("style") or _DEFAULT_STYLE.get(str(parameter.get("in")), "simple"))
    explode = parameter.get("explode")
    return style, bool(style == "form" if explode is None else explode)


def _compare_parameters(pair: _Pair, old: _Operation, new: _Operation) -> Iterator[_Raw]:
    before, after = _parameters(pair.old, old), _parameters(pair.new, new)
    for key, (parameter, pointer) in before.items():
        if key not in after:
            subject = f"{parameter.get('in')} parameter `{parameter.get('name')}`"
            place = Place(new.operation_id, new.method, new.path, subject)
            yield _raw("parameter-removed", REQUEST, f"{subject} removed", (pointer,), True, place)
    for key, (parameter, pointer) in after.items():
        subject = f"{parameter.get('in')} parameter `{parameter.get('name')}`"
        place = Place(new.operation_id, new.method, new.path, subject)
        required = bool(parameter.get("required"))
        if key not in before:
            rule = "parameter-added-required" if required else "parameter-added"
            yield _raw(rule, REQUEST, f"new {'required' if required else 'optional'} {subject}",
                       (pointer,), False, place)
            continue
        old_parameter, old_pointer = before[key]
        was_required = bool(old_parameter.get("required"))
        if required and not was_required:
            yield _raw("parameter-became-required", REQUEST, f"{subject} became required", (pointer,), False, place)
        elif was_required and not required:
            yield _raw("parameter-became-optional", REQUEST, f"{subject} became optional", (pointer,), False, place)
        before_style, after_style = _serialization(old_parameter), _serialization(parameter)
        if before_style != after_style:
            yield _raw("parameter-serialization-changed", REQUEST,
                       f"{subject}: style/explode {before_style[0]}/{before_style[1]} -> "
                       f"{after_style[0]}/{after_style[1]}", (pointer,), False, place)
        if old_parameter.get("description") and parameter.get("description") and \
                old_parameter["description"] != parameter["description"]:
            yield _raw("description-changed", REQUEST, f"{subject}: description changed",
                       (f"{pointer}/description",), False, place)
        old_nodes = pair.flatten_old(old_parameter.get("schema"), f"{old_pointer}/schema", "",
                            ALWAYS if was_required else NEVER)
        new_nodes = pair.flatten_new(parameter.get("schema"), f"{pointer}/schema", "",
                            ALWAYS if required else NEVER)
        yield from _from_hits(compare_nodes(old_nodes, new_nodes), REQUEST, subject, place)


# --- request bodies -------------------------------------------------------------------------


def _compare_request_body(pair: _Pair, old: _Operation, new: _Operation) -> Iterator[_Raw]:
    place = Place(new.operation_id, new.method, new.path, "request body")
    old_body, old_pointer = deref(pair.old, old.definition.get("requestBody") or {}, f"{old.pointer}/requestBody")
    new_body, new_pointer = deref(pair.new, new.definition.get("requestBody") or {}, f"{new.pointer}/requestBody")
    if not old_body and not new_body:
        return
    required, was_required = bool(new_body.get("required")), bool(old_body.get("required"))
    if not old_body:
        rule = "request-body-added-required" if required else "request-body-added"
        yield _raw(rule, REQUEST, f"new {'required' if required else 'optional'} request body",
                   (new_pointer,), False, place)
        return
    if not new_body:
        yield _raw("request-body-removed", REQUEST, "request body removed", (old_pointer,), True, place)
        return
    if required and not was_required:
        yield _raw("request-body-became-required", REQUEST, "request body became required", (new_pointer,), False, place)
    elif was_required and not required:
        yield _raw("request-body-became-optional", REQUEST, "request body became optional", (new_pointer,), False, place)
    yield from _compare_content(pair, old_body, new_body, old_pointer, new_pointer, REQUEST,
                                "request", new, "request body")


def _compare_content(pair: _Pair, old_holder, new_holder, old_pointer, new_pointer, side, subject,
                     operation: _Operation, context: str) -> Iterator[_Raw]:
    """Media types of a request body or response, then the schema of each one both have."""
    before, after = old_holder.get("content") or {}, new_holder.get("content") or {}
    removed = [m for m in before if m not in after]
    added = [m for m in after if m not in before]
    place = Place(operation.operation_id, operation.method, operation.path, context)
    if removed and added and not set(before) & set(after):
        yield _raw("media-type-changed", side, f"{subject}: media type {', '.join(removed)} -> {', '.join(added)}",
                   tuple(f"{new_pointer}/content/{escape(m)}" for m in added), False, place)
    else:
        for media_type in removed:
            yield _raw("media-type-removed", side, f"{subject}: media type {media_type} removed",
                       (f"{old_pointer}/content/{escape(media_type)}",), True, place)
        for media_type in added:
            yield _raw("media-type-added", side, f"{subject}: new media type {media_type}",
                       (f"{new_pointer}/content/{escape(media_type)}",), False, place)
    for media_type in after:
        if media_type not in before:
            continue
        here = Place(operation.operation_id, operation.method, operation.path, f"{context} {media_type}")
        old_schema = (before[media_type] or {}).get("schema")
        new_schema = (after[media_type] or {}).get("schema")
        old_nodes = pair.flatten_old(old_schema, f"{old_pointer}/content/{escape(media_type)}/schema", "", side=side)
        new_nodes = pair.flatten_new(new_schema, f"{new_pointer}/content/{escape(media_type)}/schema", "", side=side)
        yield from _from_hits(compare_nodes(old_nodes, new_nodes), side, f"{side} body", here)


# --- responses ------------------------------------------------------------------------------


def _is_success(status: str) -> bool:
    return status.startswith("2")


def _compare_responses(pair: _Pair, old: _Operation, new: _Operation) -> Iterator[_Raw]:
    before = {str(k): v for k, v in (old.definition.get("responses") or {}).items()}
    after = {str(k): v for k, v in (new.definition.get("responses") or {}).items()}
    for status in before:
        if status not in after:
            place = Place(new.operation_id, new.method, new.path, f"response {status}")
            rule = "success-status-removed" if _is_success(status) else "error-status-removed"
            yield _raw(rule, RESPONSE, f"response {status} removed",
                       (f"{old.pointer}/responses/{escape(status)}",), True, place)
    for status, response in after.items():
        place = Place(new.operation_id, new.method, new.path, f"response {status}")
        new_response, new_pointer = deref(pair.new, response or {}, f"{new.pointer}/responses/{escape(status)}")
        if status not in before:
            rule = "success-status-added" if _is_success(status) else "error-status-added"
            yield _raw(rule, RESPONSE, f"new response {status}", (new_pointer,), False, place)
            continue
        old_response, old_pointer = deref(pair.old, before[status] or {}, f"{old.pointer}/responses/{escape(status)}")
        if old_response.get("description") and new_response.get("description") and \
                old_response["description"] != new_response["description"]:
            yield _raw("response-description-changed", RESPONSE, f"response {status}: description changed",
                       (f"{new_pointer}/description",), False, place)
        yield from _compare_headers(pair, old_response, new_response, old_pointer, new_pointer, status, place)
        yield from _compare_content(pair, old_response, new_response, old_pointer, new_pointer,
                                    RESPONSE, f"response {status}", new, f"response {status}")


def _headers(document: dict, response: dict, pointer: str) -> dict[str, tuple[str, dict, str]]:
    """Response headers by lower-cased name: (name as written, header object, pointer)."""
    found = {}
    for name, header in (response.get("headers") or {}).items():
        header, where = deref(document, header or {}, f"{pointer}/headers/{escape(name)}")
        found[str(name).lower()] = (str(name), header, where)
    return found


def _compare_headers(pair: _Pair, old_response: dict, new_response: dict, old_pointer: str, new_pointer: str,
                     status: str, place: Place) -> Iterator[_Raw]:
    before = _headers(pair.old, old_response, old_pointer)
    after = _headers(pair.new, new_response, new_pointer)
    for key, (name, header, pointer) in before.items():
        if key not in after:
            rule = "response-header-removed-required" if header.get("required") else "response-header-removed"
            yield _raw(rule, RESPONSE, f"response {status}: header `{name}` removed", (pointer,), True, place)
    for key, (name, header, pointer) in after.items():
        subject = f"response {status} header `{name}`"
        if key not in before:
            yield _raw("response-header-added", RESPONSE, f"response {status}: new header `{name}`", (pointer,),
                       False, place)
            continue
        _, old_header, old_header_pointer = before[key]
        if old_header.get("required") and not header.get("required"):
            yield _raw("response-header-became-optional", RESPONSE, f"{subject} is no longer required", (pointer,),
                       False, place)
        old_nodes = pair.flatten_old(old_header.get("schema"), f"{old_header_pointer}/schema", "", side=RESPONSE)
        new_nodes = pair.flatten_new(header.get("schema"), f"{pointer}/schema", "", side=RESPONSE)
        yield from _from_hits(compare_nodes(old_nodes, new_nodes), RESPONSE, subject, place)


# --- grouping -------------------------------------------------------------------------------


def _group(raws: list[_Raw]) -> list[Change]:
    """One change per place in the document (component changes) or per message (inline ones)."""
    groups: dict[tuple, Change] = {}
    for raw in raws:
        shared = any(p.startswith("/components/") for p in raw.pointers)
        key = (raw.level, raw.rule, raw.side, raw.message, raw.in_old, raw.pointers if shared else None)
        change = groups.get(key)
        if change is None:
            change = groups[key] = Change(raw.level, raw.rule, raw.side, raw.message, raw.pointers[0], raw.in_old)
        for pointer in raw.pointers:
            if pointer not in change.locations:
                change.locations.append(pointer)
        if raw.place.operation not in change.operations:
            change.operations.append(raw.place.operation)
        if raw.place not in change.places:
            change.places.append(raw.place)
    changes = list(groups.values())
    for change in changes:
        change.operations.sort()
    changes.sort(key=lambda c: (LEVELS.index(c.level), c.location, c.rule, c.message))
    return changes
