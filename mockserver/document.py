"""The 2026-04 document, read once, as the source of routes and request-body shapes.

The mock derives its routes (:func:`routes`) and its structural request validation
(:mod:`mockserver.bodies`) from the document itself so that the two cannot drift apart.
The parsed document is cached and treated as read-only.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pinecone_conformance.core.version import CONTRACT_VERSION
from pinecone_conformance.spec.loader import available_versions, load, operations


@functools.cache
def raw_document() -> dict:
    return load(CONTRACT_VERSION, validate=False).raw


@functools.cache
def known_api_versions() -> frozenset[str]:
    """Values of ``X-Pinecone-Api-Version`` the mock serves: every bundled dated version."""
    return frozenset(available_versions())


@dataclass(frozen=True)
class Route:
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    #: Literal paths (``/indexes/create-for-model``) win over templated ones.
    literal: bool


@functools.cache
def routes() -> tuple[Route, ...]:
    found = []
    for op in operations(raw_document()).values():
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]*)", re.escape(op.path))
        found.append(Route(op.operation_id, op.method.upper(), op.path, re.compile(rf"\A{regex}\Z"), "{" not in op.path))
    return tuple(sorted(found, key=lambda route: not route.literal))


@functools.cache
def documented_statuses(operation_id: str) -> frozenset[int]:
    op = operations(raw_document())[operation_id]
    return frozenset(int(code) for code in op.definition.get("responses", {}) if str(code).isdigit())


@functools.cache
def required_fields(operation_id: str) -> frozenset[str]:
    """Top-level fields the request body of ``operation_id`` must have (none without a body)."""
    name = request_schema_name(operation_id)
    schema = raw_document()["components"]["schemas"].get(name, {}) if name else {}
    return frozenset(schema.get("required") or ())


@functools.cache
def request_schema_name(operation_id: str) -> str | None:
    op = operations(raw_document())[operation_id]
    content = (op.definition.get("requestBody") or {}).get("content", {})
    ref = (content.get("application/json") or {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] or None
