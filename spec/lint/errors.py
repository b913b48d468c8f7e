"""Error examples that contradict where they sit: a key or summary naming another status's
error, an ``error.code`` belonging to another status, a component-level error example with a
status no operation declares, and messages naming request fields the request cannot lack.

An error example is an object with an integer ``status`` and an ``error`` object (the
document's ErrorResponse shape).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.spec.lint.common import deref, status_number
from pinecone_conformance.spec.lint.rules import finding
from pinecone_conformance.spec.loader import escape_pointer, operations

#: Phrases that name an HTTP status, as they appear in example keys and summaries.
STATUS_PHRASES: dict[str, int] = {
    "bad request": 400,
    "unauthorized": 401,
    "unauthenticated": 401,
    "payment required": 402,
    "forbidden": 403,
    "permission denied": 403,
    "not found": 404,
    "conflict": 409,
    "already exists": 409,
    "precondition failed": 412,
    "unprocessable": 422,
    "too many requests": 429,
    "rate limited": 429,
    "internal server error": 500,
    "service unavailable": 503,
}

#: The HTTP statuses each error code belongs with (gRPC-style codes as the document uses them).
CODE_STATUSES: dict[str, set[int]] = {
    "INVALID_ARGUMENT": {400},
    "OUT_OF_RANGE": {400},
    "UNAUTHENTICATED": {401},
    "PAYMENT_REQUIRED": {402},
    "FORBIDDEN": {403},
    "PERMISSION_DENIED": {403},
    "QUOTA_EXCEEDED": {403, 429},
    "NOT_FOUND": {404},
    "ALREADY_EXISTS": {409},
    "ABORTED": {409},
    "FAILED_PRECONDITION": {400, 412},
    "UNPROCESSABLE_ENTITY": {422},
    "RESOURCE_EXHAUSTED": {429},
    "UNKNOWN": {500},
    "INTERNAL": {500},
    "DATA_LOSS": {500},
    "UNIMPLEMENTED": {501},
    "UNAVAILABLE": {503},
    "DEADLINE_EXCEEDED": {504},
}

_MISSING_FIELD = re.compile(r"missing field `([^`]+)`")


@dataclass(frozen=True)
class ErrorExample:
    value: dict
    location: str  # pointer to the example value
    key: str | None  # the name under ``examples`` (None for ``example``)
    summary: str | None
    status: int | None  # the HTTP status it sits under (None: a component)
    operation: str | None
    example_pointer: str | None = None  # the Example Object (key and summary live there)


def is_error_body(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("status"), int) and isinstance(value.get("error"), dict)


def response_error_examples(raw: dict) -> Iterator[ErrorExample]:
    for operation in operations(raw).values():
        for status, response in (operation.definition.get("responses") or {}).items():
            response, response_ptr = deref(
                raw, response, f"{operation.pointer}/responses/{escape_pointer(str(status))}")
            if not isinstance(response, dict):
                continue
            for media_type, media in (response.get("content") or {}).items():
                if not isinstance(media, dict):
                    continue
                media_ptr = f"{response_ptr}/content/{escape_pointer(media_type)}"
                if is_error_body(media.get("example")):
                    yield ErrorExample(media["example"], media_ptr + "/example", None, None,
                                       status_number(status), operation.operation_id)
                for name, example in (media.get("examples") or {}).items():
                    example, example_ptr = deref(raw, example, f"{media_ptr}/examples/{escape_pointer(str(name))}")
                    if isinstance(example, dict) and is_error_body(example.get("value")):
                        yield ErrorExample(example["value"], example_ptr + "/value", str(name),
                                           example.get("summary"), status_number(status), operation.operation_id,
                                           example_ptr)


def component_error_examples(raw: dict) -> Iterator[ErrorExample]:
    components = raw.get("components") or {}
    for name, example in (components.get("examples") or {}).items():
        if isinstance(example, dict) and is_error_body(example.get("value")):
            yield ErrorExample(example["value"], f"/components/examples/{escape_pointer(str(name))}/value",
                               str(name), example.get("summary"), None, None)
    for name, schema in (components.get("schemas") or {}).items():
        if isinstance(schema, dict) and is_error_body(schema.get("example")):
            yield ErrorExample(schema["example"], f"/components/schemas/{escape_pointer(str(name))}/example",
                               None, None, None, None)


def _phrases(text: str | None) -> dict[str, int]:
    words = " " + re.sub(r"[^a-z0-9]+", " ", (text or "").lower()) + " "
    return {phrase: status for phrase, status in STATUS_PHRASES.items() if f" {phrase} " in words}


def status_name_findings(raw: dict) -> list[Finding]:
    found = []
    for example in response_error_examples(raw):
        if example.status is None:
            continue
        for label, text in (("key", example.key), ("summary", example.summary)):
            wrong = {phrase: status for phrase, status in _phrases(text).items() if status != example.status}
            if wrong:
                phrase, status = next(iter(wrong.items()))
                found.append(finding(
                    "example-status-name",
                    f"the {example.status} response's example {label} {text!r} names a {status} error "
                    f"({phrase!r}); the body says {example.value['error'].get('code')!r}",
                    example.example_pointer or example.location,
                    operation=example.operation,
                    status=example.status,
                    details={"label": label, "text": text, "named_status": status},
                ))
    return found


def error_code_findings(raw: dict) -> list[Finding]:
    found = []
    examples = list(response_error_examples(raw)) + list(component_error_examples(raw))
    for example in examples:
        code = example.value["error"].get("code")
        status = example.status if example.status is not None else example.value["status"]
        allowed = CODE_STATUSES.get(code) if isinstance(code, str) else None
        if allowed and status not in allowed:
            where = f"the {status} response's example" if example.status is not None else "the example"
            found.append(finding(
                "example-error-code",
                f"{where} has error.code {code!r}, which belongs with {' or '.join(map(str, sorted(allowed)))}, "
                f"not {status}",
                example.location + "/error/code",
                operation=example.operation,
                status=example.status,
                details={"code": code, "expected_statuses": sorted(allowed)},
            ))
    declared = {status_number(s) for op in operations(raw).values() for s in op.definition.get("responses") or {}}
    for example in component_error_examples(raw):
        if example.value["status"] not in declared:
            found.append(finding(
                "example-undeclared-status",
                f"the component example has status {example.value['status']}, which no operation declares "
                f"(declared: {', '.join(str(s) for s in sorted(s for s in declared if s))})",
                example.location + "/status",
                details={"status": example.value["status"]},
            ))
    return found


def _request_fields(raw: dict, schema: object, depth: int = 0) -> tuple[set[str], set[str]]:
    """Every property name the request schema declares anywhere, and those it requires."""
    declared: set[str] = set()
    required: set[str] = set()
    schema, _ = deref(raw, schema, "")
    if not isinstance(schema, dict) or depth > 20:
        return declared, required
    declared |= set(schema.get("properties") or {})
    required |= {name for name in schema.get("required") or [] if isinstance(name, str)}
    children = list((schema.get("properties") or {}).values())
    children += [schema[key] for key in ("items", "additionalProperties") if isinstance(schema.get(key), dict)]
    for key in ("allOf", "oneOf", "anyOf"):
        children += list(schema.get(key) or [])
    for child in children:
        more_declared, more_required = _request_fields(raw, child, depth + 1)
        declared |= more_declared
        required |= more_required
    return declared, required


def message_field_findings(raw: dict) -> list[Finding]:
    """``missing field `metric``` in a 422 example of an operation whose request has no
    (required) ``metric``: a server deserialising that request can never say it."""
    found = []
    by_id = operations(raw)
    for example in response_error_examples(raw):
        message = example.value["error"].get("message")
        if not isinstance(message, str) or not (example.status and 400 <= example.status < 500):
            continue
        operation = by_id[example.operation]
        body, _ = deref(raw, operation.definition.get("requestBody"), "")
        media = ((body or {}).get("content") or {}).get("application/json") if isinstance(body, dict) else None
        schema = media.get("schema") if isinstance(media, dict) else None
        declared, required = _request_fields(raw, schema) if schema is not None else (set(), set())
        for name in _MISSING_FIELD.findall(message):
            field_name = name.rsplit(".", 1)[-1]
            if schema is None:
                problem = f"{example.operation} takes no request body"
            elif field_name not in declared:
                problem = f"{example.operation}'s request schema has no field {field_name!r}"
            elif field_name not in required:
                problem = f"{example.operation}'s request schema does not require {field_name!r}"
            else:
                continue
            found.append(finding(
                "example-message-field",
                f"the {example.status} example says {message!r}, but {problem} (a copy-pasted message)",
                example.location + "/error/message",
                operation=example.operation,
                status=example.status,
                details={"field": field_name, "declared": field_name in declared},
            ))
    return found


def error_example_findings(raw: dict) -> list[Finding]:
    return status_name_findings(raw) + error_code_findings(raw) + message_field_findings(raw)
