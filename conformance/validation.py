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

Speed: openapi-core runs once per response (the contract view), with a schema validator
factory that reuses each compiled validator instead of rebuilding it for every value. The
two other views only differ in the body's schema, so they are judged by precompiled
validators, built by openapi-core's own OAS 3.0 read factory (the same ``nullable``, formats
and strict-properties rule openapi-core would apply) once per (operation, response,
media type). Everything derived from a document is built once per document and shared by
every validator of that document (see :func:`_compiled`).

Most bodies are valid for both views, so each view's validator has a fast path in front of
it: the same schema translated to plain JSON Schema and compiled once by ``jsonschema_rs``
(:mod:`.fast_schemas`), which only says "valid" where the python validator finds nothing.
Only a body it does not call valid is judged by the python validator, which gives the
problems and messages; a schema it cannot translate exactly has no fast path.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import parse_qsl

from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types import media_type_deserializers
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.media_types.finders import MediaTypeFinder
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.validation.schemas._validators import (
    build_enforce_properties_required_validator,
    build_forbid_unspecified_additional_properties_validator,
)
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_core.validation.schemas.validators import SchemaValidator
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from werkzeug.datastructures import Headers, ImmutableMultiDict

from pinecone_conformance.conformance.fast_schemas import compile_fast_check
from pinecone_conformance.core.values import copy_tree, loads_finite
from pinecone_conformance.spec.loader import escape_pointer, operations

_VALIDATION_HOST = "http://conformance.invalid"
_DOCUMENT_URI = "urn:contract"
#: Verdicts kept per document, and the largest body whose verdict is kept.
_MEMO_SIZE = 4096
_MEMO_BODY_LIMIT = 64 * 1024


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

    def __init__(self, method: str, path: str, query: str = "", headers: Mapping[str, str] | None = None,
                 path_pattern: str | None = None):
        self.method = method.lower()
        self.path = path
        self.path_pattern = path_pattern
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
    raw = copy_tree(raw)
    for node in _each_mapping([raw.get("components", {}), raw.get("paths", {})]):
        if "x-enum" in node and "enum" not in node and isinstance(node["x-enum"], list):
            node["enum"] = list(node["x-enum"])
    return raw


def _open_compositions(raw: dict) -> dict:
    """A copy where schemas that declare no properties of their own say
    ``additionalProperties: true``: a free-form map (``field_map: {type: object}``) has no
    undocumented keys, and for a ``oneOf`` wrapper the strict policy must judge the branches."""
    raw = copy_tree(raw)
    for node in _each_mapping(raw):
        is_object = node.get("type") == "object" or any(k in node for k in ("oneOf", "anyOf", "allOf"))
        if is_object and "properties" not in node and "additionalProperties" not in node:
            node["additionalProperties"] = True
    return raw


def _for_validation(raw: dict) -> dict:
    """The document with one server, the host the validator's requests claim: path- and
    operation-level ``servers`` (2024-04 declares them) would not match it."""
    raw = copy_tree(raw)
    raw["servers"] = [{"url": _VALIDATION_HOST}]
    for item in raw.get("paths", {}).values():
        if isinstance(item, dict):
            item.pop("servers", None)
            for operation in item.values():
                if isinstance(operation, dict):
                    operation.pop("servers", None)
    return raw


def _plain_pointer(raw: dict, parts) -> str | None:
    """The JSON pointer of ``parts`` in ``raw`` when it reaches its node without passing
    through a ``$ref`` (else None: the location is only reachable through a reference)."""
    node: object = raw
    for part in parts:
        if isinstance(node, dict) and "$ref" not in node and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return "".join("/" + escape_pointer(str(part)) for part in parts)


class _Schemas:
    """Compiled OAS 3.0 read-context validators for the schemas of one view of a document.

    The validator classes and format checker are openapi-core's own (openapi-schema-validator's
    ``OAS30ReadValidator``, its strict-properties rule), so a compiled validator judges a
    value exactly as openapi-core does; only the ``$ref`` resolution is jsonschema's
    ``referencing`` registry, built once, instead of a resolver rebuilt for every value."""

    def __init__(self, raw: dict):
        self._raw = raw
        self._registry = Registry().with_resource(_DOCUMENT_URI, Resource.opaque(raw))
        self._built: dict = {}
        self._fast: dict = {}

    def validator(self, parts, *, forbid_unspecified_additional_properties: bool = False,
                  enforce_properties_required: bool = False):
        """A ``jsonschema`` validator for the schema at ``parts``, or None when it cannot be
        addressed without following a reference."""
        key = (tuple(parts), forbid_unspecified_additional_properties, enforce_properties_required)
        if key not in self._built:
            pointer = _plain_pointer(self._raw, key[0])
            validator = None
            if pointer is not None:
                validator_class = OAS30ReadValidator
                if enforce_properties_required:
                    validator_class = build_enforce_properties_required_validator(validator_class)
                if forbid_unspecified_additional_properties:
                    validator_class = build_forbid_unspecified_additional_properties_validator(validator_class)
                validator = validator_class({"$ref": f"{_DOCUMENT_URI}#{pointer}"}, registry=self._registry,
                                            format_checker=copy.deepcopy(OAS30ReadValidator.FORMAT_CHECKER))
            self._built[key] = validator
        return self._built[key]

    def fast_check(self, parts, *, strict: bool):
        """The Rust fast path for the schema at ``parts`` (see :mod:`.fast_schemas`), or None;
        compiled once (responses of one schema come with several content-type spellings)."""
        key = (tuple(parts), strict)
        if key not in self._fast:
            pointer = _plain_pointer(self._raw, key[0])
            self._fast[key] = None if pointer is None else compile_fast_check(self._raw, pointer, strict=strict)
        return self._fast[key]


class _CompiledSchemaValidators(SchemaValidatorsFactory):
    """openapi-core's OAS 3.0 read factory, except that each schema's validator is compiled
    once (see :class:`_Schemas`) instead of being rebuilt for every value openapi-core
    validates, which was most of its cost per response."""

    def __init__(self, raw: dict):
        super().__init__(OAS30ReadValidator)
        self._schemas = _Schemas(raw)

    def create(self, spec, schema, format_validators=None, extra_format_validators=None,
               forbid_unspecified_additional_properties=False, enforce_properties_required=False):
        compiled = None
        if format_validators is None and extra_format_validators is None:
            compiled = self._schemas.validator(
                schema.parts, forbid_unspecified_additional_properties=forbid_unspecified_additional_properties,
                enforce_properties_required=enforce_properties_required)
        if compiled is None:
            return super().create(spec, schema, format_validators, extra_format_validators,
                                  forbid_unspecified_additional_properties, enforce_properties_required)
        return SchemaValidator(schema, compiled)


class _RememberedPaths(APICallPathFinder):
    """openapi-core's path finder, remembering each answer. The suite tells openapi-core
    which operation answered (the request's path template), so there are as many lookups
    as operations, and each need only be done once."""

    def __init__(self, spec, base_url=None):
        super().__init__(spec, base_url=base_url)
        self._found: dict = {}

    def find(self, method: str, name: str):
        key = (method, name)
        if key not in self._found:
            self._found[key] = super().find(method, name)
        return self._found[key]


@dataclass(frozen=True)
class _BodyViews:
    """The allowed-values and strict validators of one (operation, response, media type), and
    their fast paths (None: the python validator judges every body)."""

    allowed_values: object | None
    strict: object | None
    allowed_values_fast: object | None = None
    strict_fast: object | None = None


#: The response needs no view check: no content, or a media type without a schema.
_NOTHING_TO_CHECK = _BodyViews(None, None)


class _Compiled:
    """Everything derived from one document, built at most once and shared by every
    validator of that document (and every thread): the contract's openapi-core object, the
    view validators, the request-body validators."""

    def __init__(self, raw: dict, fast: bool = True):
        self.raw = raw
        self.fast = fast
        self.operations = operations(raw)
        self._lock = threading.Lock()
        self._body_views: dict = {}
        self._request_validators: dict = {}
        self._judged_by_body: dict = {}
        self._verdicts: OrderedDict = OrderedDict()

    @cached_property
    def contract(self) -> OpenAPI:
        raw = _for_validation(self.raw)
        # spec_validator_cls=None: the document was validated once, where it was loaded
        # (spec.loader.load); openapi-core would validate it again against the meta-schema
        return OpenAPI.from_dict(raw, config=Config(schema_validators_factory=_CompiledSchemaValidators(raw),
                                                    path_finder_cls=_RememberedPaths, spec_validator_cls=None))

    @cached_property
    def _contract_spec(self) -> SchemaPath:
        return SchemaPath.from_dict(self.raw)

    @cached_property
    def _allowed_values(self) -> _Schemas:
        return _Schemas(tighten_enums(self.raw))

    @cached_property
    def _strict(self) -> _Schemas:
        return _Schemas(_open_compositions(self.raw))

    # openapi-core objects for the two views, only for responses the compiled body
    # validators cannot judge alone (declared response headers, a non-JSON media type,
    # a schema reached only through a reference).
    @cached_property
    def strict_openapi(self) -> OpenAPI:
        return OpenAPI.from_dict(
            _for_validation(_open_compositions(self.raw)),
            config=Config(additional_properties_default_policy="forbid", spec_validator_cls=None),
        )

    @cached_property
    def allowed_values_openapi(self) -> OpenAPI:
        return OpenAPI.from_dict(_for_validation(tighten_enums(self.raw)), config=Config(spec_validator_cls=None))

    def judged_by_body(self, operation_id: str, status: int) -> bool:
        """Whether openapi-core's verdict on this response depends only on its status, content
        type and body: the operation is found by its template (not the request's path), and the
        response declares no headers. Then equal responses get equal verdicts."""
        key = (operation_id, status)
        if key not in self._judged_by_body:
            operation = self.operations[operation_id]
            responses = self._contract_spec / "paths" / operation.path / operation.method / "responses"
            found = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
            self._judged_by_body[key] = found is None or "headers" not in responses / found
        return self._judged_by_body[key]

    def memo(self, key: tuple, judge) -> list[Problem]:
        """The verdict on a response equal to one judged before, else ``judge()``'s (kept: a run
        sees the same error bodies and list pages many times)."""
        with self._lock:
            if key in self._verdicts:
                self._verdicts.move_to_end(key)
                return list(self._verdicts[key])
        verdict = judge()
        with self._lock:
            self._verdicts[key] = tuple(verdict)
            while len(self._verdicts) > _MEMO_SIZE:
                self._verdicts.popitem(last=False)
        return list(verdict)

    def prepare(self) -> None:
        """Build now what the first responses would otherwise build: the contract's openapi-core
        object and the view validators of every JSON response the document declares (~0.5 s
        of CPU). Called before a run forks its processes, each inherits them instead of
        building its own."""
        _ = self.contract
        for operation_id, operation in self.operations.items():
            for status, response in operation.definition.get("responses", {}).items():
                if str(status).isdigit() and "application/json" in (response or {}).get("content", {}):
                    self.judged_by_body(operation_id, int(status))
                    self.body_views(operation_id, int(status), "application/json")

    def body_views(self, operation_id: str, status: int, content_type: str) -> _BodyViews | None:
        """The view validators for a response the contract accepted; None when only
        openapi-core's full pass can judge it."""
        key = (operation_id, status, content_type)
        if key not in self._body_views:
            with self._lock:
                if key not in self._body_views:
                    self._body_views[key] = self._build_body_views(operation_id, status, content_type)
        return self._body_views[key]

    def _build_body_views(self, operation_id: str, status: int, content_type: str) -> _BodyViews | None:
        operation = self.operations[operation_id]
        # The views change schemas only, never which response or media type applies: find
        # those in the document as openapi-core does (exact code, its range, then default).
        responses = self._contract_spec / "paths" / operation.path / operation.method / "responses"
        key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
        if key is None or "headers" in responses / key:
            return None
        if "content" not in responses / key:
            return _NOTHING_TO_CHECK
        try:
            mime_type, _, media_type = MediaTypeFinder(responses / key / "content").find(content_type)
        except MediaTypeNotFound:
            return None
        if media_type_deserializers[mime_type] is not json_loads:
            return None
        if "schema" not in media_type:
            return _NOTHING_TO_CHECK
        parts = (media_type / "schema").parts
        allowed_values = self._allowed_values.validator(parts)
        strict = self._strict.validator(parts, forbid_unspecified_additional_properties=True)
        if allowed_values is None or strict is None:
            return None
        if not self.fast:
            return _BodyViews(allowed_values, strict)
        return _BodyViews(allowed_values, strict, self._allowed_values.fast_check(parts, strict=False),
                          self._strict.fast_check(parts, strict=True))

    def request_validator(self, operation_id: str):
        validator = self._request_validators.get(operation_id)
        if validator is None:
            from openapi_schema_validator import OAS30WriteValidator

            registry = Registry().with_resource(_DOCUMENT_URI, Resource.opaque(self.raw))
            pointer = f"{self.operations[operation_id].pointer}/requestBody/content/application~1json/schema"
            validator = OAS30WriteValidator({"$ref": f"{_DOCUMENT_URI}#{pointer}"}, registry=registry)
            self._request_validators[operation_id] = validator
        return validator


class _DocumentKey:
    """A document as a cache key: equal when the documents are equal (by content) and the
    fast paths are both on or both off."""

    def __init__(self, raw: dict, fast: bool = True):
        self.raw = raw
        self.fast = fast
        digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
        self.digest = digest if fast else f"{digest}-slow"

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _DocumentKey) and other.digest == self.digest


@lru_cache(maxsize=8)
def _compiled_for(key: _DocumentKey) -> _Compiled:
    return _Compiled(key.raw, key.fast)


def _compiled(raw: dict, fast: bool = True) -> _Compiled:
    """The document's compiled validators, built once per document (not per run state)."""
    return _compiled_for(_DocumentKey(raw, fast))


def prepare(raw: dict) -> None:
    """Compile the document's response validators now (see :meth:`_Compiled.prepare`)."""
    _compiled(raw).prepare()


class ResponseValidator:
    """Validates responses of a document's operations with openapi-core.

    ``fast_path=False``: no Rust fast path in front of the view validators (the tests and the
    benchmark compare both ways; the verdicts are the same)."""

    def __init__(self, raw: dict, *, fast_path: bool = True):
        self._compiled = _compiled(raw, fast_path)
        self._operations = self._compiled.operations

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
        """Every problem openapi-core finds with one response (contract, then allowed values and strict)."""
        content_type = Headers(dict(headers)).get("content-type", "")
        if self._compiled.judged_by_body(operation_id, status) and len(body) <= _MEMO_BODY_LIMIT:
            return self._compiled.memo(
                (operation_id, status, content_type, body),
                lambda: self._validate(operation_id, path, query, status, headers, body))
        return self._validate(operation_id, path, query, status, headers, body)

    def _validate(self, operation_id, path, query, status, headers, body) -> list[Problem]:
        operation = self._operations[operation_id]
        request = _Request(operation.method, path, query, path_pattern=operation.path)
        response = _Response(status, headers, body)
        contract = list(self._errors(self._compiled.contract, request, response))
        problems = [
            Problem("openapi_core_conformance", kind, "error", message, self._where(operation_id, status, kind))
            for kind, message in contract
        ]
        if contract:
            return problems
        views = self._compiled.body_views(operation_id, status, response.content_type)
        if views is None:
            return self._openapi_core_views(operation_id, status, request, response)
        if views is _NOTHING_TO_CHECK:
            return []
        # the contract view deserialized this very body as JSON
        value = _finite_json(body)
        finite = value is not _NOT_FINITE
        if not finite:
            value = json.loads(body)
        where = self.schema_pointer(operation_id, status)
        for validator, fast, check, severity in (
            (views.allowed_values, views.allowed_values_fast, "allowed_values", "error"),
            (views.strict, views.strict_fast, "undocumented_property", "warning"),
        ):
            if finite and fast is not None and fast(value):
                continue  # surely valid: python-jsonschema would find nothing
            errors = tuple(validator.iter_errors(value))
            if errors:
                problems.append(Problem(check, "response-schema", severity, _schema_message(errors), where))
        return problems

    def _openapi_core_views(self, operation_id: str, status: int, request: _Request, response: _Response):
        problems = []
        for view, check, severity in (
            (self._compiled.allowed_values_openapi, "allowed_values", "error"),
            (self._compiled.strict_openapi, "undocumented_property", "warning"),
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
        # the response validator itself: OpenAPI.iter_response_errors only adds runtime
        # Protocol checks of our own request and response objects, which are slow
        for error in openapi.response_validator.iter_errors(request, response):
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
        return "response-schema", _schema_message(schema_errors)
    detail = str(cause or error)
    if "deserialize" in detail.lower() or name == "MediaTypeDeserializeError":
        return "response-schema", f"openapi-core: response body cannot be deserialized ({detail[:200]})"
    return "response-schema", f"openapi-core: {name}: {detail[:300]}"


def _schema_message(schema_errors) -> str:
    parts = []
    for schema_error in list(schema_errors)[:5]:
        where = "/".join(str(p) for p in getattr(schema_error, "absolute_path", []))
        parts.append(f"at /{where}: {schema_error.message}" if where else schema_error.message)
    return "openapi-core: response violates schema: " + "; ".join(parts)


#: A body with ``NaN``, ``Infinity`` or a number beyond a double: Python takes them as floats
#: the Rust validator does not see as numbers, so such bodies have no fast path.
_NOT_FINITE = object()


def _finite_json(body: bytes) -> object:
    """``body`` as JSON for the fast path, or :data:`_NOT_FINITE`."""
    try:
        return loads_finite(body)
    except ValueError:
        return _NOT_FINITE


def parse_json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


class RequestBodyValidator:
    """The document's request-body schemas (OpenAPI 3.0 write context), for judging what a
    server accepted: was a body invalid only because of explicit ``null``s?"""

    def __init__(self, raw: dict):
        self._compiled = _compiled(raw)

    def errors(self, operation_id: str, body: object) -> list[str]:
        return [error.message for error in self._compiled.request_validator(operation_id).iter_errors(body)]


