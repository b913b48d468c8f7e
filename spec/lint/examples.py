"""Examples of the document against their schemas and the rules the schemas state in prose.

- ``example-schema`` (error): an example (request body, response, parameter, or an ``example``
  inside a component schema or one of its properties) that breaks its schema, validated with
  openapi-core's OAS 3.0 validators in the right context (request examples as *write*, so
  ``readOnly`` properties are forbidden; response examples as *read*).
- ``example-undeclared-property`` (warning): a property in an example that its schema does
  not declare, where the schema does not state ``additionalProperties``.
- ``example-x-enum`` (error): a value outside the allowed values a schema lists as ``x-enum``.
- ``example-prose-value`` (warning): a value outside the values a description lists
  ("Possible values: ...") where the schema has no enum.
- Prose rules checked on examples: ``example-name-rule``, ``example-name-like``,
  ``example-pods``, ``example-sparse``, ``example-dense-dimension``, ``example-vector-type``,
  ``example-error-status``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.text import one_line as _one_line
from pinecone_conformance.spec.lint.common import (
    COMPONENT_SCHEMA,
    SCHEMA_PREFIX,
    deref,
    resolve_pointer,
    short,
    unescape,
)
from pinecone_conformance.spec.lint.prose import listed_values
from pinecone_conformance.spec.loader import HTTP_METHODS, escape_pointer

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



def _media_examples(raw, media, media_ptr, context, operation) -> Iterator[ExampleSite]:
    if not isinstance(media, dict) or "schema" not in media:
        return
    schema_ptr = media_ptr + "/schema"
    if "example" in media:
        yield ExampleSite(media["example"], media_ptr + "/example", schema_ptr, context, operation)
    for name, example in (media.get("examples") or {}).items():
        example, example_ptr = deref(raw, example, f"{media_ptr}/examples/{escape_pointer(str(name))}")
        if isinstance(example, dict) and "value" in example:
            yield ExampleSite(example["value"], example_ptr + "/value", schema_ptr, context, operation)


def _parameter_examples(raw, parameter, parameter_ptr, operation) -> Iterator[ExampleSite]:
    parameter, parameter_ptr = deref(raw, parameter, parameter_ptr)
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
            example, example_ptr = deref(
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
            body, body_ptr = deref(raw, operation.get("requestBody"), f"{op_ptr}/requestBody")
            if isinstance(body, dict):
                for media_type, media in (body.get("content") or {}).items():
                    for site in _media_examples(
                        raw, media, f"{body_ptr}/content/{escape_pointer(media_type)}", "write", op_id
                    ):
                        add(site)
            for status, response in (operation.get("responses") or {}).items():
                response, response_ptr = deref(
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
                parameter, parameter_ptr = deref(raw, parameter_holder, "")
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
            if ref.startswith(SCHEMA_PREFIX):
                component = unescape(ref[len(SCHEMA_PREFIX) :])
            schema, pointer = deref(self.raw, schema, pointer)
        if not isinstance(schema, dict) or "$ref" in schema:
            return
        whole = COMPONENT_SCHEMA.match(pointer)
        if whole:
            component = unescape(whole.group(1))
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
            target = target or (f"{SCHEMA_PREFIX}{tag}" if isinstance(tag, str) else None)
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
                branch, _ = deref(self.raw, branches[index], "")
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
                    f"{short(value)} is not one of the allowed values {allowed} (x-enum at {sub_pointer})",
                    {"allowed": allowed, "schema": sub_pointer},
                )
            self._prose_value(sub, sub_pointer, value, value_pointer)
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

    def _prose_value(self, schema: dict, schema_pointer: str, value: object, value_pointer: str) -> None:
        """A string outside the values the schema's description lists, where the schema itself
        has no enum (``example-vector-type`` already judges ``vector_type``)."""
        description = schema.get("description")
        if (
            not isinstance(value, str)
            or not isinstance(description, str)
            or any(key in schema for key in ("enum", "x-enum", "pattern"))
            or value_pointer.endswith("/vector_type")
        ):
            return
        listed = listed_values(description)
        if listed and "append" not in listed[1] and value not in listed[0]:
            self.add(
                "example-prose-value",
                "warning",
                "example",
                value_pointer,
                f"{short(value)} is not one of the values the description lists ({', '.join(listed[0])}; "
                f"{schema_pointer})",
                {"listed": listed[0], "schema": schema_pointer},
            )

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
        for name_field, value in obj.items():
            problem = _name_problem(value) if is_name_like(component, str(name_field)) else None
            if problem:
                found.append(_name_like_finding(site, component, str(name_field), value, problem,
                                                f"{pointer}/{escape_pointer(str(name_field))}"))
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
        schema = resolve_pointer(raw, site.schema_pointer)
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
        findings.extend(_property_rule_findings(site, unescape(match.group(1)), unescape(match.group(2))))
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


def is_name_like(component: str, field_name: str) -> bool:
    """A field holding a resource's name (``name``, ``*_name``) that NAME_FIELDS does not list:
    the resource-name rule the document states for indexes and collections applies to it too
    (2026-07 states it for backup names: 1-45 characters, lower-case alphanumerics or '-')."""
    return (field_name == "name" or field_name.endswith("_name")) and field_name not in NAME_FIELDS.get(component, ())


def _name_like_finding(site, component: str, field_name: str, value, problem: str, location: str) -> Finding:
    return Finding(
        kind="semantic",
        check="example-name-like",
        severity="warning",
        message=f"{component}.{field_name} {value!r} {problem}: the resource-name rule this document states "
        "for index and collection names (and newer versions for backup names)",
        operation=site.operation,
        location=location,
        details={"schema": component, "field": field_name, "value": value},
    )


def _property_rule_findings(site: ExampleSite, component: str, prop: str) -> list[Finding]:
    """Rules on the ``example`` of a single property (``.../properties/name/example``)."""
    found: list[Finding] = []
    if is_name_like(component, prop):
        problem = _name_problem(site.value)
        if problem:
            found.append(_name_like_finding(site, component, prop, site.value, problem, site.location))
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


