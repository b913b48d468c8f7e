"""openapi-core as an independent validator of every response.

Schemathesis validates responses with its own JSON Schema machinery; openapi-core is a
second, independent implementation of OpenAPI 3.0 semantics (nullable, discriminator,
readOnly). Running both on every response guards against a bug in either, and where they
disagree the suite says so.

Three views of the same document are used:

- ``contract``: the document as published. A problem here is an error.
- ``strict``: undocumented properties are forbidden. Real servers add fields (the
  research notes an undocumented ``id`` on IndexModel), so a problem here is a warning.
- ``allowed values``: the document lists allowed values as ``x-enum`` (12 places) which
  validators ignore; this view turns them into ``enum``, so ``state: "Active"`` is caught.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qsl

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from spec.loader import escape_pointer, operations

_VALIDATION_HOST = "http://conformance.invalid"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a response, before it becomes a Finding."""

    check: str
    kind: str
    severity: str
    message: str
    location: str


class _Request:
    """openapi-core's request protocol for a request we already sent."""

    def __init__(self, method: str, path: str, query: str = "", headers: Mapping[str, str] | None = None):
        self.method = method.lower()
        self.path = path
        self.host_url = _VALIDATION_HOST
        self.full_url_pattern = _VALIDATION_HOST + path
        self.body = None
        self.content_type = "application/json"
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
            header=Headers(dict(headers or {})),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes):
        self.status_code = status
        self.headers = Headers(dict(headers))
        self.data = body
        self.content_type = self.headers.get("content-type", "")


def _each_mapping(node: object) -> Iterator[dict]:
    """Every mapping inside ``node`` (itself included), depth first."""
    if isinstance(node, dict):
        yield node
        for value in list(node.values()):
            yield from _each_mapping(value)
    elif isinstance(node, list):
        for value in node:
            yield from _each_mapping(value)


def tighten_enums(raw: dict) -> dict:
    """A copy of ``raw`` in which every ``x-enum`` also constrains as ``enum``."""
    raw = copy.deepcopy(raw)
    for node in _each_mapping([raw.get("components", {}), raw.get("paths", {})]):
        if "x-enum" in node and "enum" not in node and isinstance(node["x-enum"], list):
            node["enum"] = list(node["x-enum"])
    return raw


def _open_compositions(raw: dict) -> dict:
    """A copy where schemas that declare no properties of their own say
    ``additionalProperties: true``: a free-form map (``field_map: {type: object}``) has no
    undocumented keys, and for a ``oneOf`` wrapper the strict policy must judge the branches."""
    raw = copy.deepcopy(raw)
    for node in _each_mapping(raw):
        is_object = node.get("type") == "object" or any(k in node for k in ("oneOf", "anyOf", "allOf"))
        if is_object and "properties" not in node and "additionalProperties" not in node:
            node["additionalProperties"] = True
    return raw


def _for_validation(raw: dict) -> dict:
    raw = copy.deepcopy(raw)
    raw["servers"] = [{"url": _VALIDATION_HOST}]
    return raw


class ResponseValidator:
    """Validates responses of a document's operations with openapi-core."""

    def __init__(self, raw: dict):
        self._raw = raw
        self._operations = operations(raw)

    @cached_property
    def _contract(self) -> OpenAPI:
        return OpenAPI.from_dict(_for_validation(self._raw))

    @cached_property
    def _strict(self) -> OpenAPI:
        from openapi_core import Config

        return OpenAPI.from_dict(
            _for_validation(_open_compositions(self._raw)),
            config=Config(additional_properties_default_policy="forbid"),
        )

    @cached_property
    def _allowed_values(self) -> OpenAPI:
        return OpenAPI.from_dict(_for_validation(tighten_enums(self._raw)))

    def response_pointer(self, operation_id: str, status: int | str) -> str:
        operation = self._operations[operation_id]
        responses = operation.definition.get("responses", {})
        key = str(status) if str(status) in responses else "default"
        return f"{operation.pointer}/responses/{escape_pointer(key)}"

    def schema_pointer(self, operation_id: str, status: int | str) -> str:
        return f"{self.response_pointer(operation_id, status)}/content/application~1json/schema"

    def validate(
        self,
        operation_id: str,
        *,
        path: str,
        query: str = "",
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[Problem]:
        """Every problem openapi-core finds with one response (contract, then strict and allowed values)."""
        operation = self._operations[operation_id]
        request = _Request(operation.method, path, query)
        response = _Response(status, headers, body)
        contract = list(self._errors(self._contract, request, response))
        problems = [
            Problem("openapi_core_conformance", kind, "error", message, self._where(operation_id, status, kind))
            for kind, message in contract
        ]
        if contract:
            return problems
        for view, check, severity in (
            (self._allowed_values, "allowed_values", "error"),
            (self._strict, "undocumented_property", "warning"),
        ):
            problems.extend(
                Problem(check, kind, severity, message, self._where(operation_id, status, kind))
                for kind, message in self._errors(view, request, response)
            )
        return problems

    def _where(self, operation_id: str, status: int, kind: str) -> str:
        if kind == "status-code":
            return f"{self._operations[operation_id].pointer}/responses"
        if kind == "content-type":
            return f"{self.response_pointer(operation_id, status)}/content"
        return self.schema_pointer(operation_id, status)

    @staticmethod
    def _errors(openapi: OpenAPI, request: _Request, response: _Response):
        for error in openapi.iter_response_errors(request, response):
            yield _describe(error)


def _describe(error: Exception) -> tuple[str, str]:
    """(kind, one readable message) for an openapi-core validation error."""
    name = type(error).__name__
    cause_name = type(error.__cause__).__name__ if error.__cause__ else ""
    if name in ("ResponseNotFound",):
        return "status-code", f"openapi-core: status code not documented for this operation ({error})"
    if "MediaTypeNotFound" in (name, cause_name):
        return "content-type", f"openapi-core: response content type not documented ({error})"
    if name in ("MissingData", "MissingResponseContent"):
        return "response-schema", f"openapi-core: response body missing ({error})"
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        parts = []
        for schema_error in list(schema_errors)[:5]:
            where = "/".join(str(p) for p in getattr(schema_error, "absolute_path", []))
            parts.append(f"at /{where}: {schema_error.message}" if where else schema_error.message)
        return "response-schema", "openapi-core: response violates schema: " + "; ".join(parts)
    detail = str(cause or error)
    if "deserialize" in detail.lower() or name == "MediaTypeDeserializeError":
        return "response-schema", f"openapi-core: response body cannot be deserialized ({detail[:200]})"
    return "response-schema", f"openapi-core: {name}: {detail[:300]}"


def parse_json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


class RequestBodyValidator:
    """The document's request-body schemas (OpenAPI 3.0 write context), for judging what a
    server accepted: was a body invalid only because of explicit ``null``s?"""

    def __init__(self, raw: dict):
        from openapi_schema_validator import OAS30WriteValidator
        from referencing import Registry, Resource

        self._registry = Registry().with_resource("urn:contract", Resource.opaque(raw))
        self._validator_class = OAS30WriteValidator
        self._operations = operations(raw)
        self._validators: dict = {}

    def errors(self, operation_id: str, body: object) -> list[str]:
        validator = self._validators.get(operation_id)
        if validator is None:
            operation = self._operations[operation_id]
            pointer = f"{operation.pointer}/requestBody/content/application~1json/schema"
            validator = self._validator_class({"$ref": f"urn:contract#{pointer}"}, registry=self._registry)
            self._validators[operation_id] = validator
        return [error.message for error in validator.iter_errors(body)]


def without_nulls(value: object) -> object:
    """``value`` with every ``null`` member of an object removed (recursively)."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value
