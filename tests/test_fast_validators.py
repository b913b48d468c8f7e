"""The Rust fast paths never say "valid" where the python validators find a problem.

- Response views (:mod:`conformance.fast_schemas`): for a synthetic document using every
  construct the translation knows (``nullable``, ``readOnly``/``writeOnly``, formats, ``$ref``
  siblings, ``discriminator`` with a mapping, ``oneOf``/``anyOf``/``allOf``/``not``, the strict
  rule) and for every response schema of the bundled documents, generated values (near the
  schema, with values made to break each keyword) are valid for the fast path only where
  ``OAS30ReadValidator`` finds nothing; and they agree everywhere except on strings that a
  discriminator resolves as an escaped pointer (the one documented approximation).
- The mock's body reader (:mod:`mockserver.bodies`): for generated request bodies of every
  operation, the answer (the body, or the status and message) is the same with and without
  the fast path.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinecone_conformance.conformance.fast_schemas import NoFastPath, compile_fast_check, translate
from pinecone_conformance.conformance.validation import _open_compositions, _Schemas, tighten_enums
from pinecone_conformance.mockserver import bodies
from pinecone_conformance.mockserver.document import raw_document, request_schema_name, routes
from pinecone_conformance.mockserver.errors import ApiError
from pinecone_conformance.spec.loader import load, operations
from pinecone_conformance.strategies.bodies import BODY_STRATEGIES

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

#: Values that break keywords: null, booleans as numbers, 1.0 for an integer, the int32/int64
#: edges, non-BMP text, date-times, discriminator values (mapped, component names, escaped).
ODD = [None, True, False, 0, 1, 1.0, -1, 2.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 63 - 1,
       2 ** 63, -(2 ** 63) - 1, 2 ** 70, 1e300, "", "x", "xyz", "\U0001F600" * 3, "2024-01-31T10:00:00Z",
       "2024-02-31T10:00:00Z", "2024-01-31", "not-a-date", "123e4567-e89b-12d3-a456-426614174000", [], {},
       [None], {"x": 1}, "On", "Off", "Gone", "CapOn", "CapOff", "Small", "OnDemand", "Dedicated",
       "ReadCapacityOnDemandSpecResponse", "ReadCapacityDedicatedSpecResponse", "IndexModel", "a/b", "%43apOn",
       "Cap%4Fn", "ReadCapacityOnDemandSpec%52esponse", "Small/properties/x", "Not-An-Allowed-Value"]
_ESCAPING = re.compile(r"[\x00-\x20\x7f%/~#?\\]")


def _resolve(raw: dict, schema):
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
        node = raw
        for part in schema["$ref"][2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
        schema = node
    return schema if isinstance(schema, dict) else {}


@st.composite
def near_values(draw, raw: dict, schema, depth: int = 0):
    """A value following ``schema`` loosely: mostly of its shape, often broken somewhere."""
    if depth > 6 or draw(st.integers(0, 11)) == 0:
        return copy.deepcopy(draw(st.sampled_from(ODD)))
    schema = _resolve(raw, schema)
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            value = draw(near_values(raw, draw(st.sampled_from(schema[key])), depth + 1))
            prop = (schema.get("discriminator") or {}).get("propertyName")
            if prop and isinstance(value, dict) and draw(st.booleans()):
                names = [*(schema["discriminator"].get("mapping") or {}), *raw.get("components", {}).get("schemas", {})]
                value[prop] = draw(st.sampled_from([*names, *ODD]))
            return value
    if isinstance(schema.get("allOf"), list):
        merged: dict = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(raw, part)
            merged["properties"].update(part.get("properties") or {})
            merged["required"] += part.get("required") or []
            merged.setdefault("type", part.get("type"))
        merged["properties"].update(schema.get("properties") or {})
        return draw(near_values(raw, merged, depth + 1))
    allowed = schema.get("enum") or schema.get("x-enum")
    if allowed:
        return draw(st.sampled_from([*allowed, "Not-An-Allowed-Value"]))
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind == "string":
        if schema.get("format") in ("date-time", "date", "uuid"):
            return draw(st.sampled_from(ODD[18:24]))
        low, high = schema.get("minLength", 0), schema.get("maxLength", 6)
        return draw(st.sampled_from(["", "a" * low, "a" * high, "a" * (high + 1), "\U0001F600" * high]) | st.text(max_size=4))
    if kind in ("integer", "number"):
        edges = [schema[k] + d for k in ("minimum", "maximum") if k in schema for d in (-1, 0, 1)]
        return draw(st.sampled_from(edges + [0, 1, 1.0, 0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 63]) | st.integers(-3, 3))
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "array":
        return draw(st.lists(near_values(raw, schema.get("items") or {}, depth + 1), max_size=3))
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        value = {}
        for name, sub in properties.items():
            if draw(st.integers(0, 9)) < (8 if name in required else 4):
                value[name] = draw(near_values(raw, sub, depth + 1))
        extra = schema.get("additionalProperties")
        if draw(st.integers(0, 5)) == 0:
            value["undocumented_member"] = draw(near_values(raw, extra if isinstance(extra, dict) else {}, depth + 1))
        return value
    return copy.deepcopy(draw(st.sampled_from(ODD)))


def _escapes(value) -> bool:
    """Whether ``value`` holds a string a discriminator may resolve as an escaped pointer."""
    if isinstance(value, str):
        return bool(_ESCAPING.search(value))
    if isinstance(value, dict):
        return any(_escapes(v) for v in value.values())
    if isinstance(value, list):
        return any(_escapes(v) for v in value)
    return False


@functools.cache
def _document(name: str) -> dict:
    return SYNTHETIC if name == "synthetic" else load(name).raw


@functools.cache
def _view(name: str, strict: bool) -> tuple[dict, _Schemas]:
    view = _open_compositions(_document(name)) if strict else tighten_enums(_document(name))
    return view, _Schemas(view)


@functools.cache
def _judges(name: str, parts: tuple, strict: bool):
    """(python validator, fast check) of one view's schema at ``parts`` of a document (a
    version, or "synthetic"), built as validation.py builds them."""
    view, schemas = _view(name, strict)
    python = schemas.validator(parts, forbid_unspecified_additional_properties=strict)
    pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return python, compile_fast_check(view, pointer, strict=strict)


def _agree(python, fast, value) -> None:
    try:
        python_valid = not list(python.iter_errors(value))
    except (RecursionError, TypeError):  # a discriminator naming itself (or a list): python has no verdict
        assert not fast(value), value
        return
    if fast(value):
        assert python_valid, (value, [e.message for e in python.iter_errors(value)])
    elif python_valid:
        assert _escapes(value), value  # the only place the fast path may be stricter


# --- a synthetic document with every construct -------------------------------------------------------

SYNTHETIC = {"openapi": "3.0.3", "components": {"schemas": {
    "Everything": {"type": "object", "required": ["id", "kind", "secret"], "properties": {
        "id": {"type": "integer", "format": "int32", "minimum": -5, "maximum": 2147483647},
        "big": {"type": "integer", "format": "int64"},
        "ratio": {"type": "number", "format": "float", "minimum": 0, "maximum": 1, "exclusiveMaximum": True},
        "label": {"type": "string", "nullable": True, "minLength": 1, "maxLength": 3},
        "plain_nullable": {"nullable": True, "x-enum": ["only"]},
        "when": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "uid": {"type": "string", "format": "uuid"},
        "hostish": {"type": "string", "format": "made-up"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "flag": {"type": "boolean", "enum": [True, None], "nullable": True},
        "secret": {"type": "string", "writeOnly": True},
        "shown": {"type": "string", "readOnly": True},
        "ref_with_siblings": {"$ref": "#/components/schemas/Small", "nullable": True, "required": ["extra"]},
        "choice": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]},
        "either": {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "array", "items": {"type": "integer"}, "maxItems": 2}]},
        "both": {"allOf": [{"$ref": "#/components/schemas/Small"},
                           {"type": "object", "properties": {"more": {"type": "string"}}, "minProperties": 1, "maxProperties": 3}]},
        "never_int": {"not": {"type": "integer"}},
        "mode": {"$ref": "#/components/schemas/Capacity"},
        "modes_one_of": {"oneOf": [{"$ref": "#/components/schemas/Capacity"},
                                   {"type": "object", "required": ["mode"], "properties": {"mode": {"type": "string"}}}]},
        "not_mode": {"not": {"$ref": "#/components/schemas/Capacity"}},
        "map": {"type": "object", "additionalProperties": {"type": "integer"}},
        "free": {"type": "object"},
        "list": {"type": "array", "items": {"$ref": "#/components/schemas/Small"}, "minItems": 1},
    }},
    "Small": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
    "Capacity": {"discriminator": {"propertyName": "mode", "mapping": {
        "On": "#/components/schemas/CapOn", "Off": "#/components/schemas/CapOff", "Gone": "#/components/schemas/Missing"}},
        "oneOf": [{"$ref": "#/components/schemas/CapOn"}, {"$ref": "#/components/schemas/CapOff"}]},
    "CapOn": {"type": "object", "properties": {"mode": {"type": "string"}, "n": {"type": "integer"}}, "required": ["mode", "n"]},
    "CapOff": {"type": "object", "properties": {"mode": {"type": "string"}}, "required": ["mode"], "additionalProperties": False},
}}}
EVERYTHING = ("components", "schemas", "Everything")


@pytest.mark.parametrize("strict", [False, True], ids=["allowed-values", "strict"])
@SETTINGS
@given(data=st.data())
def test_synthetic_constructs_fast_valid_only_where_python_finds_nothing(strict, data):
    python, fast = _judges("synthetic", EVERYTHING, strict)
    assert fast is not None
    _agree(python, fast, data.draw(near_values(SYNTHETIC, SYNTHETIC["components"]["schemas"]["Everything"])))


VALID = {"id": 1, "kind": "a", "label": None, "when": "2024-01-31T10:00:00Z", "big": 2 ** 63 - 1,
         "ref_with_siblings": {"x": 1, "extra": 0}, "choice": 1.5, "either": [1], "both": {"x": 1, "more": "m"},
         "never_int": "s", "mode": {"mode": "On", "n": 1}, "modes_one_of": {"mode": "free"}, "not_mode": {"mode": "Off", "n": 1},
         "map": {"a": 1}, "list": [{"x": 2}], "flag": None, "plain_nullable": "only"}
BROKEN = {
    "an int32 beyond its range": {"id": 2 ** 31}, "an int64 beyond its range": {"big": 2 ** 63},
    "1.0 for an integer": {"id": 1.0}, "a boolean for an integer": {"id": True}, "null where not nullable": {"kind": None},
    "an enum miss": {"kind": "c"}, "a boolean enum miss": {"flag": False}, "a bad date-time": {"when": "2024-02-31T10:00:00Z"},
    "a bad date": {"day": "yesterday"}, "a bad uuid": {"uid": "nope"}, "a write-only property read": {"secret": "s"},
    "too long (code points)": {"label": "\U0001F600" * 4}, "exclusive maximum": {"ratio": 1},
    "a $ref sibling": {"ref_with_siblings": {"x": 1}}, "oneOf matching two": {"choice": 2},
    "anyOf matching none": {"either": "abc"}, "allOf missing a part": {"both": {"more": "m"}},
    "not": {"never_int": 3}, "discriminator value unknown": {"mode": {"mode": "Else", "n": 1}},
    "discriminator mapped to nothing": {"mode": {"mode": "Gone"}}, "discriminator falsy": {"mode": {"mode": "", "n": 1}},
    "discriminator target refuses": {"mode": {"mode": "Off", "n": 1}}, "a component named by discriminator": {"mode": {"mode": "Small"}},
    "oneOf with a discriminator, both": {"modes_one_of": {"mode": "On", "n": 1}}, "not a discriminated one": {"not_mode": {"mode": "On", "n": 1}},
    "additionalProperties schema": {"map": {"a": "s"}}, "minItems": {"list": []}, "wrong type": {"list": {}},
}


@pytest.mark.parametrize("strict", [False, True], ids=["allowed-values", "strict"])
def test_each_construct_is_judged_exactly(strict):
    python, fast = _judges("synthetic", EVERYTHING, strict)
    # strict: each part of an allOf, and a $ref's sibling required member, are undocumented members
    base = {k: v for k, v in VALID.items() if not strict or k not in ("both", "ref_with_siblings")}
    assert not list(python.iter_errors(base)) and fast(base), [e.message for e in python.iter_errors(base)]
    for why, change in BROKEN.items():
        value = {**base, **change}
        refused = bool(list(python.iter_errors(value)))
        assert refused or (strict and why == "oneOf with a discriminator, both"), why  # python refuses it ...
        assert fast(value) is not refused, why  # ... and the fast path does not call it valid
    nullable_without_type = {**base, "plain_nullable": None}  # nullable needs a type: null is not in the x-enum
    assert bool(list(python.iter_errors(nullable_without_type))) is (not strict) and not fast(nullable_without_type) is not strict
    extra = {**base, "undocumented": 1}
    assert fast(extra) is (not strict) and bool(list(python.iter_errors(extra))) is strict


def test_an_escaped_discriminator_value_goes_to_python():
    """'Cap%4Fn' resolves to CapOn for python (a percent-escaped pointer): the fast path is not
    sure, so it does not call it valid, and inside a 'not' it does not call it invalid-hence-valid."""
    python, fast = _judges("synthetic", EVERYTHING, False)
    base = {k: v for k, v in VALID.items()}
    escaped = {**base, "mode": {"mode": "Cap%4Fn", "n": 1}}
    assert not list(python.iter_errors(escaped)) and not fast(escaped)
    negated = {**base, "not_mode": {"mode": "Cap%4Fn", "n": 1}}
    assert list(python.iter_errors(negated)) and not fast(negated)


def test_a_value_python_recurses_on_forever_goes_to_python():
    """A discriminator value naming the discriminated schema itself: python recurses until
    RecursionError; the fast path must not call it valid (nor, inside a 'not', invalid)."""
    python, fast = _judges("synthetic", EVERYTHING, False)
    for key in ("mode", "not_mode", "modes_one_of"):
        value = {**VALID, key: {"mode": "Capacity", "n": 1}}
        with pytest.raises(RecursionError):
            list(python.iter_errors(value))
        assert not fast(value), key


def test_values_nested_deeper_than_python_recurses_go_to_python():
    python, fast = _judges("synthetic", EVERYTHING, False)
    deep: object = 1
    for _ in range(30):
        deep = {"a": deep}
    value = {**VALID, "map": {}, "free": deep}
    assert not list(python.iter_errors(value)) and not fast(value)  # python judges it: no fast path
    assert fast({**value, "free": {"a": {"b": [1]}}})


@pytest.mark.parametrize("schema", [
    {"type": "string", "pattern": "^a$"}, {"type": "number", "multipleOf": 0.1}, {"type": "array", "uniqueItems": True},
    {"type": "object", "patternProperties": {"^x": {}}}, {"$ref": "other.yaml#/X"}, {"type": "null"},
    {"enum": [1, 2]}, {"type": "array", "items": [{"type": "string"}]}, {"id": "elsewhere", "type": "string"},
    {"type": "integer", "minimum": 2 ** 60}, {"$ref": "#components/schemas/X"},
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"},
], ids=lambda s: next(iter(s)))
def test_what_cannot_be_translated_exactly_has_no_fast_path(schema):
    raw = {"components": {"schemas": {"X": {"type": "object", "properties": {"p": schema}}}}}
    with pytest.raises(NoFastPath):
        translate(raw, "/components/schemas/X")
    assert compile_fast_check(raw, "/components/schemas/X") is None


def test_a_value_the_rust_validator_cannot_take_goes_to_python():
    raw = {"components": {"schemas": {"X": {"type": "string"}}}}
    fast = compile_fast_check(raw, "/components/schemas/X")
    assert fast("fine") and not fast("\ud800")  # a lone surrogate: python judges


# --- every response schema of the bundled documents ----------------------------------------------------


@functools.cache
def _response_schemas(version: str) -> list[tuple]:
    raw = _document(version)
    found = []
    for operation in operations(raw).values():
        for code, response in operation.definition.get("responses", {}).items():
            if "schema" in (response.get("content", {}).get("application/json") or {}):
                found.append((*operation.pointer.strip("/").split("/"), "responses", code, "content", "application/json", "schema"))
    return found


def _unescaped(parts: tuple) -> tuple:
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in parts)


@pytest.mark.parametrize("version", ["2025-04", "2026-04", "2026-07"])
@pytest.mark.parametrize("strict", [False, True], ids=["allowed-values", "strict"])
@SETTINGS
@given(data=st.data())
def test_document_responses_fast_valid_only_where_python_finds_nothing(version, strict, data):
    raw = _document(version)
    parts = _unescaped(data.draw(st.sampled_from(_response_schemas(version))))
    python, fast = _judges(version, parts, strict)
    assert fast is not None, parts  # every response schema of the bundled documents has one
    schema = raw
    for part in parts:
        schema = schema[part]
    _agree(python, fast, data.draw(near_values(raw, schema)))


# --- the mock's body reader ------------------------------------------------------------------------------

BODY_OPERATIONS = sorted({r.operation_id for r in routes() if request_schema_name(r.operation_id)})


def _answer(operation_id: str, body: bytes, nulls_as_absent: bool, fast_path: bool):
    try:
        return ("read", bodies.read_body(operation_id, body, nulls_as_absent=nulls_as_absent, fast_path=fast_path))
    except ApiError as error:
        return ("refused", error.status, error.message)


def _places(value, where=()):
    """Every (path, value) inside a JSON value, itself included."""
    yield where, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from _places(child, (*where, key))


def _changed(value, where: tuple, change):
    if not where:
        return change(value)
    copied = dict(value) if isinstance(value, dict) else list(value)
    copied[where[0]] = _changed(value[where[0]], where[1:], change)
    return copied


#: One-place changes that break a keyword: null, the wrong type, 1.0 for an integer, an
#: undocumented member, a missing member, a non-BMP string.
CHANGES = [lambda v: None, lambda v: True, lambda v: "x", lambda v: [], lambda v: {}, lambda v: 2 ** 64,
           lambda v: "\U0001F600",
           lambda v: float(v) if isinstance(v, int) and not isinstance(v, bool) else 1.0,
           lambda v: {**v, "undocumented_member": 1} if isinstance(v, dict) else [v],
           lambda v: dict(list(v.items())[1:]) if isinstance(v, dict) else str(v)]


def every_change(value) -> list:
    """``value`` changed in each place in each way of :data:`CHANGES`."""
    return [_changed(value, where, change) for where, _ in _places(value) for change in CHANGES]


def _request_bodies(operation_id: str) -> st.SearchStrategy:
    schema = raw_document()["components"]["schemas"][request_schema_name(operation_id)]
    valid = BODY_STRATEGIES[operation_id]("pcc-fast-") if operation_id in BODY_STRATEGIES else st.nothing()
    return valid | near_values(raw_document(), schema)


@pytest.mark.parametrize("operation_id", BODY_OPERATIONS)
@SETTINGS
@given(data=st.data())
def test_the_mock_answers_the_same_with_and_without_the_fast_path(operation_id, data):
    value = data.draw(_request_bodies(operation_id))
    body = json.dumps(value).encode()
    for nulls_as_absent in (True, False):
        assert _answer(operation_id, body, nulls_as_absent, True) == _answer(operation_id, body, nulls_as_absent, False)


@pytest.mark.parametrize("operation_id", sorted(BODY_STRATEGIES))
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_the_mock_answers_bodies_changed_in_one_place_the_same(operation_id, data):
    """A valid body broken in one place (each place, each way) gets the same answer both ways."""
    answers = Counter()
    for changed in every_change(data.draw(BODY_STRATEGIES[operation_id]("pcc-fast-"))):
        body = json.dumps(changed).encode()
        for nulls_as_absent in (True, False):
            answer = _answer(operation_id, body, nulls_as_absent, True)
            assert answer == _answer(operation_id, body, nulls_as_absent, False), changed
            answers[answer[0]] += 1
    assert answers["refused"] and answers["read"], answers


@pytest.mark.parametrize("operation_id", sorted(BODY_STRATEGIES))
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_the_mock_fast_path_is_used_and_refuses_what_python_refuses(operation_id, data):
    name = request_schema_name(operation_id)
    assert bodies._fast_validator(name) is not None
    valid = data.draw(BODY_STRATEGIES[operation_id]("pcc-fast-"))
    assert bodies._first_error(bodies._validator(name), valid) is None
    assert bodies._surely_valid(name, valid)  # a valid body never reaches python-jsonschema
    for broken in ([], "x", 1.0, None, {**valid, "undocumented_member": 1}, {**valid, **dict.fromkeys(valid, 1.0)}):
        refused = bodies._first_error(bodies._validator(name), broken) is not None
        assert refused or isinstance(broken, dict), broken  # not an object: always refused
        assert bodies._surely_valid(name, broken) is not refused, broken
