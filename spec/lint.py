"""The spec self-check: ``pinecone-conformance spec check [VERSION|PATH]``.

Validates an OpenAPI document *itself* and reports :class:`~core.findings.Finding`\\ s:

- ``example-schema`` (error): an example (request body, response, parameter, or an ``example``
  inside a component schema or one of its properties) that breaks its schema, validated with
  openapi-core's OAS 3.0 validators in the right context (request examples as *write*, so
  ``readOnly`` properties are forbidden; response examples as *read*).
- ``example-undeclared-property`` (warning): a property in an example that its schema does
  not declare, where the schema does not state ``additionalProperties`` (likely a misspelling
  the lenient OAS 3.0 rules let through).
- ``example-x-enum`` (error): a value outside the allowed values a schema lists as ``x-enum``
  (the document's way of stating an enum that schema validation ignores).
- ``link-unknown-operation`` / ``link-invalid-expression`` / ``link-unknown-parameter``
  (error): a ``links`` entry naming an operationId not in the document, using an invalid
  runtime expression, or naming a parameter its target operation does not have.
- Rules the schemas state only in prose, checked on examples (error):
  ``example-name-rule`` (index and collection names: 1-45 characters, lower-case
  alphanumerics or '-', starting and ending alphanumeric), ``example-pods`` (``pods`` equal
  to ``shards`` x ``replicas``), ``example-sparse`` (a sparse index uses metric dotproduct
  and has no dimension), ``example-dense-dimension`` (a dense index needs a dimension),
  ``example-vector-type`` (``vector_type`` is ``dense`` or ``sparse``), ``example-error-status``
  (an error body's ``status`` equals the response's HTTP status).

:func:`check_document` is pure (a dict in, findings out); :func:`main_check` is the CLI.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.findings import Finding
from core.text import one_line as _one_line
from spec.loader import (
    HTTP_METHODS,
    SpecError,
    escape_pointer,
    link_expression_errors,
    links,
    load,
    operations,
)

#: Resource names (indexes, collections): 1-45 chars, lower-case alphanumerics or '-',
#: starting and ending with an alphanumeric character.
NAME_RULE = re.compile(r"\A[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?\Z")

#: Fields holding an index or collection name, by component schema. ``source`` and the
#: ``source_*``/``target_*`` fields name an existing index or collection, which obeys the rule
#: too: a value breaking it can only get a 4xx, never describe a real resource.
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "CreateIndexRequest": ("name",),
    "CreateIndexForModelRequest": ("name",),
    "CreateIndexFromBackupRequest": ("name",),
    "CreateCollectionRequest": ("name", "source"),
    "IndexModel": ("name",),
    "CollectionModel": ("name",),
    "BackupModel": ("source_index_name",),
    "RestoreJobModel": ("target_index_name",),
    "ServerlessSpec": ("source_collection",),
    "ServerlessSpecResponse": ("source_collection",),
    "PodSpec": ("source_collection",),
}

#: Path/query parameters that carry an index or collection name.
NAME_PARAMETERS = ("index_name", "collection_name")

#: Schemas describing an index's vectors (``vector_type``, ``metric``, ``dimension``).
VECTOR_SCHEMAS = ("CreateIndexRequest", "IndexModel", "ModelIndexEmbed")
#: Schemas where a dense index must state its dimension (a create request, a described index).
DENSE_NEEDS_DIMENSION = ("CreateIndexRequest", "IndexModel")
VECTOR_TYPES = ("dense", "sparse")

_SCHEMA_PREFIX = "#/components/schemas/"
_COMPONENT_SCHEMA = re.compile(r"\A/components/schemas/([^/]+)\Z")


# --- example sites -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleSite:
    """One example of the document and the schema it must satisfy."""

    value: object
    location: str  # JSON pointer to the example value
    schema_pointer: str  # JSON pointer to its schema
    context: str  # "read" (responses), "write" (requests), or "any" (component schemas)
    operation: str | None = None
    parameter: str | None = None  # the parameter's name, for parameter examples


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _resolve_pointer(raw: dict, pointer: str) -> object:
    node: object = raw
    for token in pointer.lstrip("/").split("/") if pointer not in ("", "/") else []:
        token = _unescape(token)
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


def _deref(raw: dict, node: object, pointer: str, limit: int = 20) -> tuple[object, str]:
    """Follow local ``$ref``s; returns the target and its pointer (unresolvable: unchanged)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and limit:
        ref = node["$ref"]
        if not ref.startswith("#"):
            break
        try:
            node, pointer = _resolve_pointer(raw, ref[1:]), ref[1:]
        except (KeyError, IndexError, ValueError):
            break
        limit -= 1
    return node, pointer


def _media_examples(raw, media, media_ptr, context, operation) -> Iterator[ExampleSite]:
    if not isinstance(media, dict) or "schema" not in media:
        return
    schema_ptr = media_ptr + "/schema"
    if "example" in media:
        yield ExampleSite(media["example"], media_ptr + "/example", schema_ptr, context, operation)
    for name, example in (media.get("examples") or {}).items():
        example, example_ptr = _deref(raw, example, f"{media_ptr}/examples/{escape_pointer(str(name))}")
        if isinstance(example, dict) and "value" in example:
            yield ExampleSite(example["value"], example_ptr + "/value", schema_ptr, context, operation)


def _parameter_examples(raw, parameter, parameter_ptr, operation) -> Iterator[ExampleSite]:
    parameter, parameter_ptr = _deref(raw, parameter, parameter_ptr)
    if not isinstance(parameter, dict):
        return
    name = parameter.get("name")
    if "schema" in parameter:
        schema_ptr = parameter_ptr + "/schema"
        if "example" in parameter:
            yield ExampleSite(
                parameter["example"], parameter_ptr + "/example", schema_ptr, "write", operation, name
            )
        for ex_name, example in (parameter.get("examples") or {}).items():
            example, example_ptr = _deref(
                raw, example, f"{parameter_ptr}/examples/{escape_pointer(str(ex_name))}"
            )
            if isinstance(example, dict) and "value" in example:
                yield ExampleSite(
                    example["value"], example_ptr + "/value", schema_ptr, "write", operation, name
                )
    for media_type, media in (parameter.get("content") or {}).items():
        for site in _media_examples(
            raw, media, f"{parameter_ptr}/content/{escape_pointer(media_type)}", "write", operation
        ):
            yield ExampleSite(site.value, site.location, site.schema_pointer, "write", operation, name)


def _schema_examples(schema: object, pointer: str, seen: set[str]) -> Iterator[ExampleSite]:
    """``example`` values inside a schema and its subschemas (``$ref``s are not followed)."""
    if not isinstance(schema, dict) or "$ref" in schema or pointer in seen:
        return
    seen.add(pointer)
    if "example" in schema:
        yield ExampleSite(schema["example"], pointer + "/example", pointer, "any")
    for name, sub in (schema.get("properties") or {}).items():
        yield from _schema_examples(sub, f"{pointer}/properties/{escape_pointer(str(name))}", seen)
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield from _schema_examples(schema[key], f"{pointer}/{key}", seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for index, sub in enumerate(schema.get(key) or []):
            yield from _schema_examples(sub, f"{pointer}/{key}/{index}", seen)


def example_sites(raw: dict) -> list[ExampleSite]:
    """Every example of the document with the schema it must satisfy, in document order."""
    sites: list[ExampleSite] = []
    seen_locations: set[str] = set()
    schema_seen: set[str] = set()

    def add(site: ExampleSite) -> None:
        if site.location not in seen_locations:  # an example shared via $ref is checked once
            seen_locations.add(site.location)
            sites.append(site)

    for path, item in (raw.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        path_ptr = f"/paths/{escape_pointer(path)}"
        for index, parameter in enumerate(item.get("parameters") or []):
            for site in _parameter_examples(raw, parameter, f"{path_ptr}/parameters/{index}", None):
                add(site)
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            op_ptr = f"{path_ptr}/{method}"
            op_id = operation.get("operationId")
            for index, parameter in enumerate(operation.get("parameters") or []):
                for site in _parameter_examples(raw, parameter, f"{op_ptr}/parameters/{index}", op_id):
                    add(site)
            body, body_ptr = _deref(raw, operation.get("requestBody"), f"{op_ptr}/requestBody")
            if isinstance(body, dict):
                for media_type, media in (body.get("content") or {}).items():
                    for site in _media_examples(
                        raw, media, f"{body_ptr}/content/{escape_pointer(media_type)}", "write", op_id
                    ):
                        add(site)
            for status, response in (operation.get("responses") or {}).items():
                response, response_ptr = _deref(
                    raw, response, f"{op_ptr}/responses/{escape_pointer(str(status))}"
                )
                if not isinstance(response, dict):
                    continue
                for media_type, media in (response.get("content") or {}).items():
                    media_ptr = f"{response_ptr}/content/{escape_pointer(media_type)}"
                    for site in _media_examples(raw, media, media_ptr, "read", op_id):
                        add(site)
                    if isinstance(media, dict):
                        for site in _schema_examples(media.get("schema"), media_ptr + "/schema", schema_seen):
                            add(site)
            for parameter_holder in operation.get("parameters") or []:
                parameter, parameter_ptr = _deref(raw, parameter_holder, "")
                if (
                    isinstance(parameter, dict)
                    and parameter_ptr
                    and isinstance(parameter.get("schema"), dict)
                ):
                    for site in _schema_examples(parameter["schema"], parameter_ptr + "/schema", schema_seen):
                        add(site)
            if isinstance(body, dict):
                for media_type, media in (body.get("content") or {}).items():
                    if isinstance(media, dict):
                        media_ptr = f"{body_ptr}/content/{escape_pointer(media_type)}"
                        for site in _schema_examples(media.get("schema"), media_ptr + "/schema", schema_seen):
                            add(site)
    for name, schema in ((raw.get("components") or {}).get("schemas") or {}).items():
        for site in _schema_examples(schema, f"/components/schemas/{escape_pointer(str(name))}", schema_seen):
            add(site)
    return sites


# --- schema validation (openapi-core, OAS 3.0) ----------------------------------------------


class _Validators:
    """openapi-core's OAS 3.0 validators for the document, one per context, ``$ref``-aware."""

    def __init__(self, raw: dict) -> None:
        from jsonschema_path import SchemaPath
        from openapi_core.validation.schemas import (
            oas30_read_schema_validators_factory,
            oas30_write_schema_validators_factory,
        )
        from openapi_schema_validator import OAS30Validator

        self._spec = SchemaPath.from_dict(raw)
        self._factories = {
            "read": oas30_read_schema_validators_factory,
            "write": oas30_write_schema_validators_factory,
        }
        self._plain = OAS30Validator
        self._base: dict[str, object] = {}
        self._cache: dict[tuple[str, str], object] = {}

    def _root(self, context: str):
        if context not in self._base:
            if context in self._factories:
                self._base[context] = self._factories[context].create(self._spec, self._spec).validator
            else:
                with self._spec.resolve() as resolved:
                    self._base[context] = self._plain(
                        resolved.contents,
                        _resolver=resolved.resolver,
                        format_checker=self._plain.FORMAT_CHECKER,
                    )
        return self._base[context]

    def get(self, context: str, schema_pointer: str):
        key = (context, schema_pointer)
        if key not in self._cache:
            self._cache[key] = self._root(context).evolve(schema={"$ref": "#" + schema_pointer})
        return self._cache[key]

    def errors(self, context: str, schema_pointer: str, value: object) -> list:
        return list(self.get(context, schema_pointer).iter_errors(value))

    def is_valid(self, context: str, schema_pointer: str, value: object) -> bool:
        try:
            return bool(self.get(context, schema_pointer).is_valid(value))
        except Exception:  # an unresolvable reference inside a branch: not a match
            return False


def _instance_path(error) -> str:
    return "".join("/" + escape_pointer(str(part)) for part in error.absolute_path)


def _short(value: object, limit: int = 80) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_message(error) -> str:
    from jsonschema.exceptions import best_match

    if error.context:
        deepest = best_match(error.context)
        if deepest is not None:
            where = _instance_path(deepest) or "/"
            return f"{_one_line(error.message, 120)} (closest branch: {where}: {_readable(deepest.message)})"
    return _readable(error.message)


def _readable(message: str) -> str:
    if message == "None for not nullable":
        return "null is not allowed here (the schema is not nullable)"
    return _one_line(message, 240)


# --- the walk: undeclared properties, x-enum, typed objects ---------------------------------


@dataclass
class _Walk:
    raw: dict
    validators: _Validators
    site: ExampleSite
    findings: list[Finding] = field(default_factory=list)
    typed: list[tuple[str, dict, str]] = field(default_factory=list)  # (component, object, pointer)

    def flatten(self, schema: object, pointer: str, value: object, depth: int = 0):
        """The schemas ``value`` is checked against: ``$ref`` resolved, ``allOf`` expanded,
        the matching ``oneOf``/``anyOf`` branch picked. Yields (schema, pointer, component)."""
        if depth > 30:
            return
        component = None
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref.startswith(_SCHEMA_PREFIX):
                component = _unescape(ref[len(_SCHEMA_PREFIX) :])
            schema, pointer = _deref(self.raw, schema, pointer)
        if not isinstance(schema, dict) or "$ref" in schema:
            return
        whole = _COMPONENT_SCHEMA.match(pointer)
        if whole:
            component = _unescape(whole.group(1))
        yield schema, pointer, component
        for index, sub in enumerate(schema.get("allOf") or []):
            yield from self.flatten(sub, f"{pointer}/allOf/{index}", value, depth + 1)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key) or []
            if not branches:
                continue
            chosen = self._choose(schema, key, branches, pointer, value)
            if chosen is not None:
                yield from self.flatten(branches[chosen], f"{pointer}/{key}/{chosen}", value, depth + 1)

    def _choose(self, schema: dict, key: str, branches: list, pointer: str, value: object) -> int | None:
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(value, dict):
            tag = value.get(discriminator.get("propertyName"))
            target = (discriminator.get("mapping") or {}).get(tag) if isinstance(tag, str) else None
            target = target or (f"{_SCHEMA_PREFIX}{tag}" if isinstance(tag, str) else None)
            for index, branch in enumerate(branches):
                if isinstance(branch, dict) and branch.get("$ref") == target:
                    return index
        matches = [
            index
            for index in range(len(branches))
            if self.validators.is_valid(self.site.context, f"{pointer}/{key}/{index}", value)
        ]
        if matches:
            return matches[0]
        # None matches (the schema check reports it): pick the branch sharing most keys.
        if isinstance(value, dict):

            def overlap(index: int) -> int:
                branch, _ = _deref(self.raw, branches[index], "")
                return (
                    len(set(value) & set((branch or {}).get("properties") or {}))
                    if isinstance(branch, dict)
                    else 0
                )

            best = max(range(len(branches)), key=overlap)
            return best if overlap(best) else None
        return None

    def walk(self, value: object, schema: object, schema_pointer: str, value_pointer: str) -> None:
        flat = list(self.flatten(schema, schema_pointer, value))
        if not flat:
            return
        for sub, sub_pointer, component in flat:
            allowed = sub.get("x-enum")
            if isinstance(allowed, list) and value is not None and value not in allowed:
                self.add(
                    "example-x-enum",
                    "error",
                    "example",
                    value_pointer,
                    f"{_short(value)} is not one of the allowed values {allowed} (x-enum at {sub_pointer})",
                    {"allowed": allowed, "schema": sub_pointer},
                )
            if component and isinstance(value, dict):
                self.typed.append((component, value, value_pointer))
        if isinstance(value, dict):
            declared: dict[str, tuple[object, str]] = {}
            additional: list[tuple[object, str]] = []
            open_object = False
            for sub, sub_pointer, _ in flat:
                for name, prop in (sub.get("properties") or {}).items():
                    declared.setdefault(name, (prop, f"{sub_pointer}/properties/{escape_pointer(str(name))}"))
                if "additionalProperties" in sub:
                    if sub["additionalProperties"] is not False:
                        open_object = True
                    if isinstance(sub["additionalProperties"], dict):
                        additional.append(
                            (sub["additionalProperties"], sub_pointer + "/additionalProperties")
                        )
            for key, item in value.items():
                item_pointer = f"{value_pointer}/{escape_pointer(str(key))}"
                if key in declared:
                    prop, prop_pointer = declared[key]
                    self.walk(item, prop, prop_pointer, item_pointer)
                elif additional:
                    self.walk(item, additional[0][0], additional[0][1], item_pointer)
                elif (
                    declared
                    and not open_object
                    and not any("additionalProperties" in sub for sub, _, _ in flat)
                ):
                    declaring = next((p for s, p, _ in flat if s.get("properties")), flat[0][1])
                    self.add(
                        "example-undeclared-property",
                        "warning",
                        "example",
                        item_pointer,
                        f"property {key!r} is not declared by the schema ({declaring}); "
                        f"declared: {', '.join(sorted(declared))}",
                        {"property": key, "schema": declaring, "declared": sorted(declared)},
                    )
        elif isinstance(value, list):
            for sub, sub_pointer, _ in flat:
                if isinstance(sub.get("items"), dict):
                    for index, item in enumerate(value):
                        self.walk(item, sub["items"], sub_pointer + "/items", f"{value_pointer}/{index}")
                    break

    def add(self, check, severity, kind, location, message, details=None) -> None:
        self.findings.append(
            Finding(
                kind=kind,
                check=check,
                severity=severity,
                message=message,
                operation=self.site.operation,
                location=location,
                details=details or {},
            )
        )


# --- prose rules -----------------------------------------------------------------------------


def _name_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    if not 1 <= len(value) <= 45:
        return f"is {len(value)} characters long (1-45 allowed)"
    if not NAME_RULE.match(value):
        return "must consist of lower-case alphanumerics or '-' and start and end with an alphanumeric"
    return None


def _rule_findings(raw: dict, site: ExampleSite, typed: list[tuple[str, dict, str]]) -> list[Finding]:
    """Cross-field rules stated only in prose, on each object typed by a known component."""
    found: list[Finding] = []

    def add(check: str, location: str, message: str, details: dict | None = None) -> None:
        found.append(
            Finding(
                kind="semantic",
                check=check,
                severity="error",
                message=message,
                operation=site.operation,
                location=location,
                details=details or {},
            )
        )

    seen: set[tuple[str, str]] = set()
    for component, obj, pointer in typed:
        if (component, pointer) in seen:
            continue
        seen.add((component, pointer))
        for name_field in NAME_FIELDS.get(component, ()):
            problem = _name_problem(obj.get(name_field))
            if problem:
                add(
                    "example-name-rule",
                    f"{pointer}/{name_field}",
                    f"{component}.{name_field} {obj[name_field]!r} {problem}",
                    {"schema": component, "field": name_field, "value": obj[name_field]},
                )
        if component == "PodSpec" and "pods" in obj and isinstance(obj.get("pods"), int):
            shards = obj.get("shards", 1)
            replicas = obj.get("replicas", 1)
            if isinstance(shards, int) and isinstance(replicas, int) and obj["pods"] != shards * replicas:
                add(
                    "example-pods",
                    f"{pointer}/pods",
                    f"pods is {obj['pods']} but shards x replicas is {shards} x {replicas} = {shards * replicas}",
                    {"pods": obj["pods"], "shards": shards, "replicas": replicas},
                )
        if component in VECTOR_SCHEMAS and _declares(raw, component, "vector_type", "dimension"):
            vector_type = obj.get("vector_type")
            if vector_type is not None and vector_type not in VECTOR_TYPES:
                add(
                    "example-vector-type",
                    f"{pointer}/vector_type",
                    f"{component}.vector_type {vector_type!r} is neither 'dense' nor 'sparse'",
                )
            if vector_type == "sparse":
                if obj.get("metric") not in (None, "dotproduct"):
                    add(
                        "example-sparse",
                        f"{pointer}/metric",
                        f"a sparse index must use metric 'dotproduct', not {obj['metric']!r}",
                    )
                if obj.get("dimension") is not None:
                    add(
                        "example-sparse",
                        f"{pointer}/dimension",
                        f"a sparse index must not have a dimension (has {obj['dimension']!r})",
                    )
            if (
                component in DENSE_NEEDS_DIMENSION
                and vector_type in (None, "dense")
                and obj.get("dimension") is None
            ):
                kind = "dense (vector_type defaults to 'dense')" if vector_type is None else "dense"
                add(
                    "example-dense-dimension",
                    pointer or "/",
                    f"{component} describes a {kind} index without a dimension, but vector_type says "
                    "\"If 'dense', the vector dimension must be specified\" (the service answers 400)",
                )
    return found


_RESPONSE_STATUS = re.compile(r"/responses/([1-5][0-9][0-9])/")


def _declares(raw: dict, component: str, *names: str) -> bool:
    """Whether a component schema declares these properties (the 2026-07 redesign does not,
    and the vector rules are about the 2024-2026-04 index model)."""
    schema = ((raw.get("components") or {}).get("schemas") or {}).get(component)
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return isinstance(properties, dict) and all(name in properties for name in names)


_PROPERTY_EXAMPLE = re.compile(r"\A/components/schemas/([^/]+)/properties/([^/]+)\Z")


def _check_site(raw: dict, validators: _Validators, site: ExampleSite) -> list[Finding]:
    findings: list[Finding] = []
    try:
        schema = _resolve_pointer(raw, site.schema_pointer)
    except (KeyError, IndexError, ValueError):
        return findings
    # 1. the schema itself (openapi-core, OAS 3.0, read/write context)
    try:
        errors = validators.errors(site.context, site.schema_pointer, site.value)
    except Exception as exc:  # unresolvable $ref and the like: report, don't crash
        errors = []
        findings.append(
            Finding(
                kind="example",
                check="example-schema",
                severity="error",
                message=f"cannot validate the example: {_one_line(str(exc), 200)}",
                operation=site.operation,
                location=site.location,
                details={"schema": site.schema_pointer},
            )
        )
    reported: set[str] = set()
    for error in errors:
        where = _instance_path(error)
        if where in reported:  # one finding per offending node (nullable + type say the same)
            continue
        reported.add(where)
        findings.append(
            Finding(
                kind="example",
                check="example-schema",
                severity="error",
                message=f"{where or '/'}: {_error_message(error)}",
                operation=site.operation,
                location=site.location,
                details={"instance_path": where, "schema": site.schema_pointer, "context": site.context},
            )
        )
    # 2. undeclared properties, x-enum, typed objects
    walk = _Walk(raw, validators, site)
    walk.walk(site.value, schema, site.schema_pointer, site.location)
    findings.extend(walk.findings)
    findings.extend(_rule_findings(raw, site, walk.typed))
    match = _PROPERTY_EXAMPLE.match(site.schema_pointer)
    if match:  # the example of one property: the rules that apply to that property alone
        findings.extend(_property_rule_findings(site, _unescape(match.group(1)), _unescape(match.group(2))))
    # 3. an error body's ``status`` is "the HTTP status code of the error"
    response_status = _RESPONSE_STATUS.search(site.location)
    if (
        response_status
        and isinstance(site.value, dict)
        and isinstance(site.value.get("status"), int)
        and isinstance(site.value.get("error"), dict)
        and site.value["status"] != int(response_status.group(1))
    ):
        findings.append(
            Finding(
                kind="semantic",
                check="example-error-status",
                severity="error",
                message=f"the error body says status {site.value['status']} in the "
                f"{response_status.group(1)} response's example",
                operation=site.operation,
                location=site.location + "/status",
                status=int(response_status.group(1)),
            )
        )
    # 4. parameters that carry a resource name
    if site.parameter in NAME_PARAMETERS:
        problem = _name_problem(site.value)
        if problem:
            findings.append(
                Finding(
                    kind="semantic",
                    check="example-name-rule",
                    severity="error",
                    message=f"parameter {site.parameter} {site.value!r} {problem}",
                    operation=site.operation,
                    location=site.location,
                    details={"parameter": site.parameter, "value": site.value},
                )
            )
    return findings


def _property_rule_findings(site: ExampleSite, component: str, prop: str) -> list[Finding]:
    """Rules on the ``example`` of a single property (``.../properties/name/example``)."""
    found: list[Finding] = []
    if prop in NAME_FIELDS.get(component, ()):
        problem = _name_problem(site.value)
        if problem:
            found.append(
                Finding(
                    kind="semantic",
                    check="example-name-rule",
                    severity="error",
                    message=f"{component}.{prop} {site.value!r} {problem}",
                    location=site.location,
                    details={"schema": component, "field": prop, "value": site.value},
                )
            )
    if prop == "vector_type" and component in VECTOR_SCHEMAS and site.value not in VECTOR_TYPES:
        found.append(
            Finding(
                kind="semantic",
                check="example-vector-type",
                severity="error",
                message=f"{component}.vector_type {site.value!r} is neither 'dense' nor 'sparse'",
                location=site.location,
            )
        )
    return found


# --- links -------------------------------------------------------------------------------------


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
        parameter, _ = _deref(raw, parameter, "")
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
                    status=_status(link.status),
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
                    status=_status(link.status),
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
                    status=_status(link.status),
                    details={"link": link.name, "parameter": name},
                )
            )
    return found


_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "pattern", "minLength",
                "maxLength", "minItems", "maxItems")
_INPUT_ERROR_STATUSES = ("400", "422", "4XX", "4xx", "default")


def error_response_findings(raw: dict) -> list[Finding]:
    """Parameters with constraints on operations that document no 400/422: a server cannot
    reject an out-of-range value with a documented status (the list operations' ``limit`` is
    1..100, yet they list only 200/401/500), so every conformant server is caught between
    accepting bad input and answering an undocumented code."""
    findings = []
    for operation in operations(raw).values():
        responses = {str(status) for status in operation.definition.get("responses", {})}
        if responses & set(_INPUT_ERROR_STATUSES):
            continue
        for index, parameter in enumerate(operation.definition.get("parameters", [])):
            parameter, _ = _deref(raw, parameter, "")
            schema = parameter.get("schema", {}) if isinstance(parameter, dict) else {}
            constraints = [key for key in _CONSTRAINTS if key in schema]
            if not constraints:
                continue
            bounds = ", ".join(f"{key} {schema[key]}" for key in constraints)
            findings.append(Finding(
                kind="document-gap",
                check="constrained-input-without-4xx",
                severity="warning",
                message=f"{parameter.get('in')} parameter {parameter.get('name')!r} is constrained ({bounds}) but "
                        f"{operation.operation_id} documents no 400/422 response to reject a violation with "
                        f"(documented: {', '.join(sorted(responses))})",
                operation=operation.operation_id,
                location=f"{operation.pointer}/parameters/{index}/schema",
            ))
    return findings


def _status(status: str) -> int | None:
    return int(status) if str(status).isdigit() else None


# --- the check ---------------------------------------------------------------------------------


def check_document(raw: dict) -> list[Finding]:
    """Every finding of the spec self-check for a parsed document (pure: no I/O)."""
    validators = _Validators(raw)
    findings: list[Finding] = []
    for site in example_sites(raw):
        try:
            findings.extend(_check_site(raw, validators, site))
        except RecursionError:
            raise
        except Exception as exc:  # a shape the document validator let through: report, never crash
            findings.append(
                Finding(
                    kind="example",
                    check="example-uncheckable",
                    severity="error",
                    message=f"the example could not be checked: {type(exc).__name__}: {_one_line(str(exc), 160)}",
                    operation=site.operation,
                    location=site.location,
                )
            )
    findings.extend(link_findings(raw))
    findings.extend(error_response_findings(raw))
    unique: dict[tuple, Finding] = {}
    for finding in findings:
        unique.setdefault((finding.check, finding.location, finding.message), finding)
    return list(unique.values())


def summary(findings: list[Finding]) -> dict:
    counts = {severity: 0 for severity in ("error", "warning", "note")}
    for finding in findings:
        counts[finding.severity] += 1
    return {
        "errors": counts["error"],
        "warnings": counts["warning"],
        "notes": counts["note"],
        "total": len(findings),
    }


def format_table(findings: list[Finding]) -> str:
    rows = [(f.severity, f.check, f.location or "-", f.message) for f in findings]
    header = ("SEVERITY", "CHECK", "LOCATION", "MESSAGE")
    lines = []
    if rows:
        widths = [max(len(row[i]) for row in rows + [header]) for i in range(3)]
        for row in [header, *rows]:
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    counts = summary(findings)
    lines.append(
        f"{counts['errors']} error{'s' if counts['errors'] != 1 else ''}, "
        f"{counts['warnings']} warning{'s' if counts['warnings'] != 1 else ''}"
    )
    return "\n".join(lines)


_SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


def main_check(args) -> int:
    """``spec check``: load (one-line SpecError on bad input), check, print, exit 0/1."""
    document = load(args.document, validate=True)
    try:
        findings = check_document(document.raw)
    except RecursionError:
        raise SpecError(f"{document.path}: schemas nest too deeply to check") from None
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], f.location or "", f.check))
    counts = summary(findings)
    if getattr(args, "format", "table") == "json":
        payload = {
            "document": str(document.path),
            "version": document.version,
            "sha256": document.sha256,
            "findings": [finding.to_dict() for finding in findings],
            "summary": counts,
        }
        text = json.dumps(payload, indent=2, default=str)
    else:
        header = f"{document.path} (version {document.version or '?'}, sha256 {document.sha256[:12]})"
        text = header + "\n" + format_table(findings)
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `spec check | head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    failing = counts["errors"] > 0 or (getattr(args, "strict", False) and counts["warnings"] > 0)
    return 1 if failing else 0


# --- the links overlay ---------------------------------------------------------------------------

_BODY_EXPRESSION = re.compile(r"\A\$(request|response)\.body#(/.*)?\Z")


def _schema_has_pointer(raw: dict, schema: object, pointer: str) -> bool:
    """Whether a body pointer (``/name``, ``/data/0/id``) names something ``schema`` declares."""
    for token in [_unescape(t) for t in pointer.lstrip("/").split("/")] if pointer else []:
        schema, _ = _deref(raw, schema, "")
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
    holder, _ = _deref(raw, holder, "")
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
                    target_schema, _ = _deref(
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
