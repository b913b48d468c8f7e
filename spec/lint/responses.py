"""What operations forget to document, and parameters whose declarations contradict themselves.

- ``constrained-input-without-4xx``: a constrained parameter (or a request body) on an
  operation that documents no 400/422: every conformant server is caught between accepting
  bad input and answering an undocumented code.
- ``missing-not-found``: an operation on a resource named in its path (``{index_name}``) or
  by a required ``source`` field of its request body (a collection from an index) that
  documents no 404, although the resource may not exist.
- ``parameter-required-default``: a required parameter is always sent, so its ``default``
  can never apply.
"""

from __future__ import annotations

import re

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.spec.lint.common import deref
from pinecone_conformance.spec.lint.rules import finding
from pinecone_conformance.spec.loader import escape_pointer, operations

_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "pattern", "minLength",
                "maxLength", "minItems", "maxItems")
_INPUT_ERROR_STATUSES = ("400", "422", "4XX", "4xx", "default")
_NOT_FOUND_STATUSES = ("404", "4XX", "4xx", "default")
_PATH_PARAMETER = re.compile(r"\{([^{}]+)\}")


def _parameters(raw: dict, operation) -> list[tuple[dict, str]]:
    """The operation's own parameters and its path item's, dereferenced, with their pointers."""
    path_item = (raw.get("paths") or {}).get(operation.path) or {}
    result = []
    holders = [(p, f"/paths/{escape_pointer(operation.path)}/parameters/{i}")
               for i, p in enumerate(path_item.get("parameters") or [])]
    holders += [(p, f"{operation.pointer}/parameters/{i}")
                for i, p in enumerate(operation.definition.get("parameters") or [])]
    for parameter, pointer in holders:
        target, _ = deref(raw, parameter, pointer)
        if isinstance(target, dict):
            result.append((target, pointer))
    return result


def error_response_findings(raw: dict) -> list[Finding]:
    """Constrained inputs (the list operations' ``limit`` is 1..100, yet they list only
    200/401/500) and request bodies on operations that document no 400/422."""
    findings = []
    for operation in operations(raw).values():
        responses = {str(status) for status in operation.definition.get("responses", {})}
        if responses & set(_INPUT_ERROR_STATUSES):
            continue
        documented = ", ".join(sorted(responses))
        for index, parameter in enumerate(operation.definition.get("parameters", [])):
            parameter, _ = deref(raw, parameter, "")
            schema = parameter.get("schema", {}) if isinstance(parameter, dict) else {}
            constraints = [key for key in _CONSTRAINTS if key in schema]
            if not constraints:
                continue
            bounds = ", ".join(f"{key} {schema[key]}" for key in constraints)
            findings.append(finding(
                "constrained-input-without-4xx",
                f"{parameter.get('in')} parameter {parameter.get('name')!r} is constrained ({bounds}) but "
                f"{operation.operation_id} documents no 400/422 response to reject a violation with "
                f"(documented: {documented})",
                f"{operation.pointer}/parameters/{index}/schema",
                operation=operation.operation_id,
            ))
        body, _ = deref(raw, operation.definition.get("requestBody"), "")
        if isinstance(body, dict) and body.get("content"):
            findings.append(finding(
                "constrained-input-without-4xx",
                f"{operation.operation_id} takes a request body but documents no 400/422 response to "
                f"reject a malformed one with (documented: {documented})",
                f"{operation.pointer}/requestBody",
                operation=operation.operation_id,
            ))
    return findings


def _required_source_fields(raw: dict, operation) -> list[str]:
    """Required top-level request-body fields that name an existing resource (``source``,
    ``source_*``): a create-from-source request whose source may not exist."""
    body, _ = deref(raw, operation.definition.get("requestBody"), "")
    media = ((body or {}).get("content") or {}).get("application/json") if isinstance(body, dict) else None
    schema, _ = deref(raw, media.get("schema") if isinstance(media, dict) else None, "")
    if not isinstance(schema, dict):
        return []
    properties = schema.get("properties") or {}
    return [name for name in schema.get("required") or []
            if name in properties and (name == "source" or str(name).startswith("source_"))]


def not_found_findings(raw: dict) -> list[Finding]:
    findings = []
    for operation in operations(raw).values():
        responses = {str(status) for status in operation.definition.get("responses", {})}
        if responses & set(_NOT_FOUND_STATUSES):
            continue
        names = _PATH_PARAMETER.findall(operation.path)
        sources = _required_source_fields(raw, operation)
        named = [("{" + n + "}") for n in names] + [f"request field {s!r}" for s in sources]
        if not named:
            continue
        findings.append(finding(
            "missing-not-found",
            f"{operation.operation_id} acts on the resource named by {', '.join(named)} but documents no 404 "
            f"for one that does not exist (documented: {', '.join(sorted(responses))})",
            f"{operation.pointer}/responses",
            operation=operation.operation_id,
            details={"parameters": names, "fields": sources},
        ))
    return findings


def parameter_findings(raw: dict) -> list[Finding]:
    findings = []
    for operation in operations(raw).values():
        for parameter, pointer in _parameters(raw, operation):
            schema, _ = deref(raw, parameter.get("schema"), "")
            required = parameter.get("required") is True or parameter.get("in") == "path"
            if required and isinstance(schema, dict) and "default" in schema:
                findings.append(finding(
                    "parameter-required-default",
                    f"{parameter.get('in')} parameter {parameter.get('name')!r} is required, so its default "
                    f"{schema['default']!r} never applies (send it, or make the parameter optional)",
                    f"{pointer}/schema/default",
                    operation=operation.operation_id,
                    details={"parameter": parameter.get("name"), "default": schema["default"]},
                ))
    return findings
