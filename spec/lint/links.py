"""Links: the document's own ``links`` (unknown targets, invalid runtime expressions, unknown
parameters, runtime expressions used as a server URL) and our links overlay (``spec/links.yaml``)."""

from __future__ import annotations

import re

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.spec.lint.common import deref, status_number, unescape
from pinecone_conformance.spec.lint.rules import finding
from pinecone_conformance.spec.loader import (
    escape_pointer,
    is_runtime_expression,
    link_expression_errors,
    links,
    operations,
)


def link_parameter_errors(raw: dict, link: dict) -> list[str]:
    """Parameters a Link names that its target operation (by operationId) does not have.

    Names may be qualified (``path.index_name``, ``query.limit``). An unknown target gives
    no error here (that is :func:`spec.loader.dangling_links`' finding).
    """
    target = operations(raw).get(link.get("operationId"))
    if target is None:
        return []
    path_item = (raw.get("paths") or {}).get(target.path) or {}
    available: set[tuple[str, str]] = set()
    for parameter in list(path_item.get("parameters") or []) + list(
        target.definition.get("parameters") or []
    ):
        parameter, _ = deref(raw, parameter, "")
        if isinstance(parameter, dict):
            available.add((str(parameter.get("in")), str(parameter.get("name"))))
    problems = []
    for name in link.get("parameters") or {}:
        location, _, bare = str(name).partition(".") if "." in str(name) else ("", "", str(name))
        if location in ("path", "query", "header", "cookie"):
            ok = (location, bare) in available
        else:
            ok = any(have == name for _, have in available)
        if not ok:
            problems.append(str(name))
    return problems


def link_findings(raw: dict) -> list[Finding]:
    found: list[Finding] = []
    known = operations(raw)
    for link in links(raw):
        target = link.definition.get("operationId")
        if "operationRef" in link.definition and target is None:
            continue  # operationRef links are not ours to judge here
        if target not in known:
            found.append(
                Finding(
                    kind="link",
                    check="link-unknown-operation",
                    severity="error",
                    message=f"link {link.name!r} names operationId {target!r}, which is not in the document",
                    operation=link.source.operation_id,
                    location=link.pointer,
                    status=status_number(link.status),
                    details={"link": link.name, "operationId": target},
                )
            )
        for expression in link_expression_errors(link.definition):
            found.append(
                Finding(
                    kind="link",
                    check="link-invalid-expression",
                    severity="error",
                    message=f"link {link.name!r} uses {expression!r}, which is not a valid runtime expression",
                    operation=link.source.operation_id,
                    location=link.pointer,
                    status=status_number(link.status),
                    details={"link": link.name, "expression": expression},
                )
            )
        for name in link_parameter_errors(raw, link.definition):
            found.append(
                Finding(
                    kind="link",
                    check="link-unknown-parameter",
                    severity="error",
                    message=f"link {link.name!r} sets parameter {name!r}, which {target} does not have",
                    operation=link.source.operation_id,
                    location=f"{link.pointer}/parameters/{escape_pointer(name)}",
                    status=status_number(link.status),
                    details={"link": link.name, "parameter": name},
                )
            )
    return found



_BODY_EXPRESSION = re.compile(r"\A\$(request|response)\.body#(/.*)?\Z")


def _schema_has_pointer(raw: dict, schema: object, pointer: str) -> bool:
    """Whether a body pointer (``/name``, ``/data/0/id``) names something ``schema`` declares."""
    for token in [unescape(t) for t in pointer.lstrip("/").split("/")] if pointer else []:
        schema, _ = deref(raw, schema, "")
        if not isinstance(schema, dict):
            return False
        properties = schema.get("properties") or {}
        if token in properties:
            schema = properties[token]
        elif token.isdigit() and isinstance(schema.get("items"), dict):
            schema = schema["items"]
        else:
            return False
    return True


def _json_schema_of(raw: dict, holder: object) -> object:
    holder, _ = deref(raw, holder, "")
    content = (holder or {}).get("content") if isinstance(holder, dict) else None
    media = (content or {}).get("application/json")
    return media.get("schema") if isinstance(media, dict) else None


def overlay_problems(raw: dict, overlay: dict) -> list[str]:
    """Everything wrong with a links overlay (``{operationId: {status: {name: Link}}}``) for a
    document: unknown source or target operations, missing response statuses, invalid runtime
    expressions, parameters or request-body fields the target does not have, and body pointers
    naming properties the source's request or response schema does not declare. Empty: sound."""
    problems: list[str] = []
    known = operations(raw)
    if not isinstance(overlay, dict):
        return ["the overlay is not a mapping of operationId -> status -> links"]
    for source_id, by_status in overlay.items():
        source = known.get(source_id)
        if source is None:
            problems.append(f"{source_id}: no such operation in the document")
            continue
        for status, link_map in (by_status or {}).items():
            where = f"{source_id} {status}"
            response = (source.definition.get("responses") or {}).get(str(status))
            if response is None:
                problems.append(f"{where}: the operation has no {status} response")
                continue
            for name, link in (link_map or {}).items():
                here = f"{where} {name}"
                if not isinstance(link, dict):
                    problems.append(f"{here}: not a Link object")
                    continue
                target_id = link.get("operationId")
                target = known.get(target_id)
                if target is None:
                    problems.append(f"{here}: target operationId {target_id!r} is not in the document")
                for expression in link_expression_errors(link):
                    problems.append(f"{here}: {expression!r} is not a valid runtime expression")
                for parameter in link_parameter_errors(raw, link):
                    problems.append(f"{here}: {target_id} has no parameter {parameter!r}")
                body = link.get("requestBody")
                if target is not None and isinstance(body, dict):
                    target_schema, _ = deref(
                        raw, _json_schema_of(raw, target.definition.get("requestBody")), ""
                    )
                    declared = (
                        (target_schema or {}).get("properties") or {}
                        if isinstance(target_schema, dict)
                        else {}
                    )
                    for field_name in body:
                        if field_name not in declared:
                            problems.append(f"{here}: {target_id}'s request body has no field {field_name!r}")
                values = list((link.get("parameters") or {}).values())
                values += (
                    list(body.values()) if isinstance(body, dict) else [body] if body is not None else []
                )
                for value in values:
                    match = _BODY_EXPRESSION.match(value) if isinstance(value, str) else None
                    if not match:
                        continue
                    side, pointer = match.group(1), match.group(2) or ""
                    holder = source.definition.get("requestBody") if side == "request" else response
                    schema = _json_schema_of(raw, holder)
                    if schema is None or not _schema_has_pointer(raw, schema, pointer):
                        problems.append(
                            f"{here}: {value!r} names nothing the {side} body of {source_id} declares"
                        )
    return problems


def link_server_findings(raw: dict) -> list[Finding]:
    """``server.url`` of a Link is a Server Object URL (a URL, optionally with ``{variables}``
    the Server Object defines); a runtime expression there (``$response.body#/host``) is not
    evaluated by tools that follow the specification, so the link points nowhere."""
    found = []
    for link in links(raw):
        server = link.definition.get("server")
        url = server.get("url") if isinstance(server, dict) else None
        if isinstance(url, str) and (url.startswith("$") or is_runtime_expression(url.strip("{}"))):
            found.append(finding(
                "link-server-expression",
                f"link {link.name!r} sets server.url to the runtime expression {url!r}; a Server Object "
                "url must be a URL (runtime expressions are allowed in parameters and requestBody only)",
                f"{link.pointer}/server/url",
                operation=link.source.operation_id,
                status=status_number(link.status),
                details={"link": link.name, "url": url},
            ))
    return found
