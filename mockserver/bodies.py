"""Reading a request body the way a serde-based server does.

Three outcomes, in this order (research 1.4):

1. not JSON at all -> 400 ``Failed to parse the request body as JSON``;
2. JSON of the wrong shape (wrong type, missing required field, an unknown ``oneOf``
   variant) -> 422 ``Failed to deserialize the JSON body into the target type: ...``;
3. otherwise the parsed body, handed to :mod:`mockserver.rules` for value checks (400).

Shapes come from the document's request schemas with every *value* constraint removed
(``minimum``, ``maxLength``, ``pattern``...): serde checks types, the service checks values.
An explicit ``null`` is treated as an absent field, as the official SDK sends ``null``
for optional fields it does not use.

Most bodies have the right shape, so the shape is first judged by ``jsonschema_rs`` (the same
structural schema, compiled once): only a body it does not call valid is judged by the python
validator, which finds the error to report. The Rust validator is given only keywords both
implement alike (see :func:`_rust_schema`); a schema with any other has no fast path.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError

from pinecone_conformance.core.values import loads_finite, without_nulls
from pinecone_conformance.mockserver.document import raw_document, request_schema_name
from pinecone_conformance.mockserver.errors import ApiError

_VALUE_KEYWORDS = frozenset({
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "pattern", "enum", "format", "default", "example", "examples", "description", "title",
    "discriminator", "minItems", "maxItems", "multipleOf", "x-enum",
})


def _structural(schema: Any) -> Any:
    if isinstance(schema, dict):
        kept = {}
        for key, value in schema.items():
            if key in _VALUE_KEYWORDS:
                continue
            if key == "properties" and isinstance(value, dict):  # property *names* are never keywords
                kept[key] = {name: _structural(sub) for name, sub in value.items()}
            else:
                kept[key] = _structural(value)
        return kept
    if isinstance(schema, list):
        return [_structural(item) for item in schema]
    return schema


@functools.cache
def _structural_schemas() -> dict:
    return _structural(copy.deepcopy(raw_document()["components"]["schemas"]))


@functools.cache
def _validator(schema_name: str) -> Draft4Validator:
    return Draft4Validator({"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": _structural_schemas()}})


class _NoFastPath(Exception):
    """The structural schema uses a keyword the two validators might judge differently."""


#: Draft 4 keywords whose python-jsonschema and jsonschema_rs implementations agree on every
#: JSON value (integers are ints, not ``1.0``, in both; lengths count code points in both).
_SUBSCHEMA_KEYWORDS = frozenset({"not", "items"})
_COUNT_KEYWORDS = frozenset({"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"})
_DRAFT4_TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})
_REFERENCE = "#/components/schemas/"


def _rust_schema(schema: Any, names: frozenset) -> dict:
    """``schema`` as jsonschema_rs must see it to judge as python's ``Draft4Validator`` does:
    keywords python ignores (``nullable``, ``x-*``, and all but ``$ref`` beside a ``$ref``)
    dropped, the ones judged alike kept, and :class:`_NoFastPath` for any other
    (``pattern``, ``uniqueItems``, ``patternProperties``...)."""
    if not isinstance(schema, dict):
        raise _NoFastPath(repr(schema))
    if "$ref" in schema:  # draft 4: a reference's siblings are ignored
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith(_REFERENCE) or ref[len(_REFERENCE):] not in names:
            raise _NoFastPath(f"reference {ref!r}")
        return {"$ref": ref}
    if isinstance(schema.get("id"), str) or "$schema" in schema:  # a new base URI, another dialect
        raise _NoFastPath("id or $schema")
    kept: dict = {}
    for key, value in schema.items():
        if key not in Draft4Validator.VALIDATORS or key == "format":  # python ignores them (no format checker)
            continue
        if key in _SUBSCHEMA_KEYWORDS or (key == "additionalProperties" and isinstance(value, dict)):
            kept[key] = _rust_schema(value, names)
        elif key == "additionalProperties" and isinstance(value, bool):
            kept[key] = value
        elif key == "properties" and isinstance(value, dict):
            kept[key] = {name: _rust_schema(sub, names) for name, sub in value.items()}
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list) and value:
            kept[key] = [_rust_schema(sub, names) for sub in value]
        elif key == "required" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            if value:
                kept[key] = list(dict.fromkeys(value))
        elif key == "type" and isinstance(value, str | list) and all(
                t in _DRAFT4_TYPES for t in ([value] if isinstance(value, str) else value)):
            kept[key] = value
        elif key == "enum" and isinstance(value, list) and all(v is None or isinstance(v, str | bool) for v in value):
            kept[key] = value if value else None
        elif key in _COUNT_KEYWORDS and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            kept[key] = value
        else:
            raise _NoFastPath(key)
    if kept.get("enum", []) is None:  # an empty enum refuses everything
        del kept["enum"]
        return {"allOf": [kept, {"not": {}}]}
    return kept


def _references(schema: Any) -> set[str]:
    """The component names ``schema`` refers to, anywhere inside it."""
    if isinstance(schema, dict):
        found = {schema["$ref"][len(_REFERENCE):]} if isinstance(schema.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_references(value) for value in schema))
    return set()


def _recursive(schemas: dict, name: str) -> bool:
    """Whether ``name`` reaches itself or another schema that does (python-jsonschema's recursion
    limit could stop it on a deep body where Rust would not: no fast path then)."""
    path: list[str] = []

    def visit(current: str) -> bool:
        if current in path:
            return True
        path.append(current)
        found = any(visit(child) for child in sorted(_references(schemas.get(current, {}))))
        path.pop()
        return found

    return visit(name)


@functools.cache
def _fast_validator(schema_name: str):
    """The jsonschema_rs validator for ``schema_name``'s shape, or None (no fast path)."""
    schemas = _structural_schemas()
    names = frozenset(schemas)
    if _recursive(schemas, schema_name):
        return None
    try:
        translated = {name: _rust_schema(schema, names) for name, schema in schemas.items()}
        return jsonschema_rs.Draft4Validator({"allOf": [{"$ref": f"{_REFERENCE}{schema_name}"}],
                                              "components": {"schemas": translated}}, validate_formats=False)
    except (_NoFastPath, jsonschema_rs.ValidationError, ValueError):
        return None


def _surely_valid(schema_name: str, data: Any) -> bool:
    """True only when the python validator would find no error in ``data``."""
    validator = _fast_validator(schema_name)
    if validator is None:
        return False
    try:
        return validator.is_valid(data)
    except Exception:  # a value the Rust validator cannot take: python judges
        return False



#: Deepest nesting of arrays and objects a body may have: serde_json's recursion limit. Deeper
#: bodies are refused here, so no later step (null stripping, shape validation, rendering an
#: echoed value) ever recurses deeper than this.
MAX_NESTING = 128


def parse_json(body: bytes) -> Any:
    """The JSON value of ``body``; 400 when it is not JSON, as serde_json refuses it.

    Besides syntax, serde_json refuses three things Python's ``json`` accepts, and so does
    this function: nesting deeper than :data:`MAX_NESTING`, a ``\\uD800``-style escape of a
    lone surrogate (not a Unicode character: it could not even be written back as UTF-8),
    and a number beyond a double's range.
    """
    try:
        value = loads_finite(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(400, "Failed to parse the request body as JSON: invalid UTF-8") from None
    except json.JSONDecodeError as error:
        raise ApiError(
            400, f"Failed to parse the request body as JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise ApiError(400, "Failed to parse the request body as JSON: recursion limit exceeded") from None
    except ValueError as error:
        raise ApiError(400, f"Failed to parse the request body as JSON: {error}") from None
    _check_nesting_and_text(value)
    return value


def _check_nesting_and_text(value: Any) -> None:
    """400 for nesting deeper than :data:`MAX_NESTING` or a string (or key) with a lone surrogate.

    Walks with an explicit stack: the walk itself must not recurse.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_NESTING:
                raise ApiError(400, "Failed to parse the request body as JSON: recursion limit exceeded")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str):
                    _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "Failed to parse the request body as JSON: lone surrogate in a unicode escape") from None


def read_body(operation_id: str, body: bytes, *, nulls_as_absent: bool = True, fast_path: bool = True) -> dict:
    """The request body of ``operation_id`` as a dict of known shape, or an :class:`ApiError`.

    ``nulls_as_absent``: an explicit ``null`` stands for an absent field (production's leniency
    for the official SDK); otherwise it is checked like any value, and refused (422) where the
    document does not make the field nullable (it makes none nullable).

    ``fast_path=False``: the python validator judges every body (the tests and the benchmark
    compare both ways; the answers are the same).
    """
    data = parse_json(body)
    if nulls_as_absent:
        data = without_nulls(data)
    schema_name = request_schema_name(operation_id)
    if schema_name is None:
        return data if isinstance(data, dict) else {}
    if fast_path and _surely_valid(schema_name, data):
        return data
    error = _first_error(_validator(schema_name), data)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path)
        prefix = f"{where}: " if where else ""
        raise ApiError(
            422,
            "Failed to deserialize the JSON body into the target type: "
            f"{prefix}{_serde_message(error, schema_name)} at line 1 column {len(body)}",
        )
    return data


def _first_error(validator: Draft4Validator, data: Any) -> ValidationError | None:
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    return _focus(errors[0]) if errors else None


def _focus(error: ValidationError) -> ValidationError:
    """For a failed ``oneOf``, the error inside the variant the client evidently meant.

    The variant meant is the one whose required keys are all present (``spec.pod`` names the
    pod variant); without such a single variant the ``oneOf`` error itself is reported.
    """
    if error.validator != "oneOf" or not error.context or not isinstance(error.instance, dict):
        return error
    by_variant: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        by_variant.setdefault(sub.schema_path[0], []).append(sub)
    meant = [
        index for index, variant in enumerate(error.validator_value)
        if _required_of(variant) and all(key in error.instance for key in _required_of(variant))
    ]
    if len(meant) == 1 and meant[0] in by_variant:
        subs = sorted(by_variant[meant[0]], key=lambda e: -len(e.absolute_path))
        return _focus(subs[0])
    return error


def _required_of(variant: dict) -> list[str]:
    if "$ref" in variant:
        name = variant["$ref"].rsplit("/", 1)[-1]
        variant = raw_document()["components"]["schemas"].get(name, {})
    return list(variant.get("required") or [])


def _describe(instance: Any) -> str:
    if isinstance(instance, bool):
        return f"boolean `{str(instance).lower()}`"
    if isinstance(instance, int):
        return f"integer `{instance}`"
    if isinstance(instance, float):
        return f"floating point `{instance}`"
    if isinstance(instance, str):
        return f"string {json.dumps(instance)[:60]}"
    if isinstance(instance, list):
        return "sequence"
    if isinstance(instance, dict):
        return "map"
    return "null"


_EXPECTED = {"integer": "u32", "number": "f64", "string": "a string", "boolean": "a boolean", "array": "a sequence", "object": "a map"}


def _serde_message(error: ValidationError, schema_name: str) -> str:
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in (error.instance or {})]
        return f"missing field `{missing[0] if missing else error.validator_value[0]}`"
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
        if expected == "object" and not error.absolute_path:
            return f"invalid type: {_describe(error.instance)}, expected struct {schema_name}"
        return f"invalid type: {_describe(error.instance)}, expected {_EXPECTED.get(expected, expected)}"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unknown field `{extra[0] if extra else '?'}`"
    if error.validator == "oneOf":
        return "data did not match any variant of untagged enum"
    return error.message.splitlines()[0][:200]
