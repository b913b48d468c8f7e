"""OAS 3.0 read-context schemas as plain JSON Schema, judged by ``jsonschema_rs``.

The response views (allowed values, strict) are judged by openapi-schema-validator's
``OAS30ReadValidator`` (python-jsonschema), which is slow. Most bodies of a run are valid, so
a precompiled Rust validator answering only "valid or not" lets them skip python-jsonschema;
only a body it does not call valid goes to the python validator, which then produces the
problems and messages as before. That is only right if the Rust answer "valid" implies that
the python validator finds nothing, so this module translates a schema into a draft 4 schema
the Rust validator judges exactly as ``OAS30ReadValidator`` does:

- OAS 3.0 applies every keyword beside a ``$ref`` (draft 4 ignores them): the translation puts
  the ``$ref`` and its siblings side by side in an ``allOf``;
- ``nullable: true`` next to ``type`` becomes ``type: [T, "null"]``; ``writeOnly: true`` in a
  read context refuses the value; ``required`` skips write-only properties;
- formats: ``int32``/``int64`` become ranges for integers (python checks ints only); the
  string formats python checks (``date-time``...) are checked by python's own checker, called
  by the Rust validator; formats python does not check are dropped;
- the strict view (openapi-core's "forbid unspecified additional properties") adds
  ``additionalProperties: false`` where openapi-core's rule refuses extra members;
- a ``discriminator`` beside ``oneOf``/``anyOf``/``allOf`` replaces that keyword by the
  discriminator's rule (an object whose property names a mapped or component schema, judged
  by that schema alone).

One case cannot be translated exactly: a discriminator value that python resolves as a JSON
pointer with escapes (``%xx``, ``~``, ``/``). The translation is then two-sided: an *under*
approximation (never valid where python finds a problem) and an *over* one (valid wherever
python finds none); ``not`` and the other branches of a ``oneOf`` use the over one, so the
whole is still an under approximation. Where python has no verdict at all (it recurses until
``RecursionError`` on a discriminator value naming the discriminated schema itself, or on a
value nested deeper than :data:`_MAX_DEPTH`), a guard beside the translation refuses the value,
so python judges it as before. Anything else this module does not know (``pattern``,
whose regex dialects differ, ``multipleOf``, ``uniqueItems``, external references, a keyword a
newer openapi-schema-validator adds) gives no fast path: the python validator judges alone.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from urllib.parse import unquote

import jsonschema_rs
from jsonschema import _keywords, _legacy_keywords
from openapi_schema_validator import OAS30ReadValidator
from openapi_schema_validator import _keywords as oas_keywords

from pinecone_conformance.spec.loader import escape_pointer

_UNDER, _OVER = "u", "o"
_FLIP = {_UNDER: _OVER, _OVER: _UNDER}
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
#: The integer ranges python's OAS 3.0 format checker enforces (on ints only).
_INT_RANGES = {"int32": (-(1 << 31), (1 << 31) - 1), "int64": (-(1 << 63), (1 << 63) - 1)}
#: Formats python's checker passes for every JSON value (a float is a float, binary is pragmatic).
_NO_OP_FORMATS = frozenset({"float", "double", "binary", "password"})
#: Formats python's checker judges on strings only (every other value passes): the Rust
#: validator calls python's checker for them.
_STRING_FORMATS = frozenset({"date", "date-time", "time", "email", "idn-email", "idn-hostname", "ipv4",
                             "ipv6", "uuid", "byte", "regex"})
#: Characters that make a discriminator value resolve as something else than a component name.
_ESCAPING = "[\\u0000-\\u0020\\u007f%/~#?\\\\]"
#: Component names that a non-string discriminator value (``str(5)``, ``str(True)``) could name.
_NON_STRING_NAME = re.compile(r"^([-+0-9\[{]|(True|None|inf|nan)$)")
_SAFE_NUMBER = 2 ** 53
#: Deepest nesting of arrays and objects the fast path judges: deeper values (none of the
#: documents' bodies) go to python, whose recursion limit may stop it where Rust would not.
_MAX_DEPTH = 24
#: Keywords whose python implementation is known here; another implementation (a newer
#: library) means no fast path rather than a guess.
_KNOWN = {
    "type": oas_keywords.type, "enum": _keywords.enum, "properties": _keywords.properties,
    "required": oas_keywords.read_required, "additionalProperties": oas_keywords.additionalProperties,
    "items": oas_keywords.items, "allOf": oas_keywords.allOf, "anyOf": oas_keywords.anyOf,
    "oneOf": oas_keywords.oneOf, "not": _keywords.not_, "$ref": _keywords.ref,
    "format": oas_keywords.format, "minimum": _legacy_keywords.minimum_draft3_draft4,
    "maximum": _legacy_keywords.maximum_draft3_draft4, "minLength": _keywords.minLength,
    "maxLength": _keywords.maxLength, "minItems": _keywords.minItems, "maxItems": _keywords.maxItems,
    "minProperties": _keywords.minProperties, "maxProperties": _keywords.maxProperties,
    "writeOnly": oas_keywords.read_writeOnly, "readOnly": oas_keywords.not_implemented,
    "discriminator": oas_keywords.not_implemented, "xml": oas_keywords.not_implemented,
    "externalDocs": oas_keywords.not_implemented, "example": oas_keywords.not_implemented,
    "deprecated": oas_keywords.not_implemented,
}
_PYTHON_KEYWORDS = frozenset(OAS30ReadValidator.VALIDATORS)
_LIBRARY_AS_KNOWN = all(OAS30ReadValidator.VALIDATORS.get(k) is f for k, f in _KNOWN.items())
_COUNTED = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")


def _has_cycle(edges: dict[tuple, list[tuple]]) -> bool:
    """Whether the directed graph ``edges`` has a cycle (iterative depth-first search)."""
    state: dict[tuple, int] = {}  # 1: on the current path, 2: done
    for start in edges:
        if state.get(start):
            continue
        path = [(start, iter(edges.get(start, ())))]
        state[start] = 1
        while path:
            node, children = path[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                path.pop()
            elif state.get(child) == 1:
                return True
            elif not state.get(child):
                state[child] = 1
                path.append((child, iter(edges.get(child, ()))))
    return False


def _reaches(edges: dict[tuple, list[tuple[tuple, object]]], start: tuple, goal: tuple) -> bool:
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack += [target for target, _ in edges.get(node, ())]
    return False


class NoFastPath(Exception):
    """The schema uses something this translation cannot judge exactly."""


def _conforms(format_name: str, value: str) -> bool:
    try:
        return OAS30ReadValidator.FORMAT_CHECKER.conforms(value, format_name)
    except Exception:  # python would raise: let it, on the slow path
        return False


def _format_name(name: str) -> str:
    return f"pcc-oas30-{name}"


_FORMATS = {_format_name(name): functools.partial(_conforms, name) for name in _STRING_FORMATS}


def _lookup(raw: dict, pointer: str) -> object:
    """The node at a ``#...`` reference, resolved as ``referencing`` resolves it (percent
    decoding, then ``~1``/``~0``); NoFastPath when it does not resolve."""
    if pointer and not unquote(pointer).startswith("/"):
        raise NoFastPath(f"reference #{pointer} (an anchor, not a pointer)")
    node: object = raw
    for segment in _segments(pointer):
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            raise NoFastPath(f"unresolvable reference #{pointer}")
    return node


def _segments(pointer: str) -> tuple[str, ...]:
    """A pointer as its decoded segments: one name however the pointer is escaped."""
    return tuple(segment.replace("~1", "/").replace("~0", "~") for segment in unquote(pointer).split("/")[1:])


def _pointer(segments: tuple[str, ...]) -> str:
    """Decoded segments as a pointer for a ``#...`` reference (``%`` escaped too: references are URIs)."""
    return "".join("/" + escape_pointer(s).replace("%", "%25") for s in segments)


def _resolvable(raw: dict, pointer: str) -> bool:
    try:
        _lookup(raw, pointer)
    except NoFastPath:
        return False
    return True


def _number(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or abs(value) > _SAFE_NUMBER:
        raise NoFastPath(f"limit {value!r}")
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NoFastPath(f"count {value!r}")
    return value


class _Translation:
    """The draft 4 translation of one document view, definitions shared by every schema of it."""

    def __init__(self, raw: dict, *, strict: bool):
        self._raw = raw
        self._strict = strict
        self._definitions: dict[str, dict] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._poisoned: frozenset[tuple[str, str]] = frozenset()

    def root(self, pointer: str) -> dict:
        self._poisoned = self._analyse(pointer)
        top = self._ref(pointer, _UNDER)
        return {"allOf": [self._guard(), top], "definitions": self._definitions}

    # --- what python cannot judge at all: its recursion --------------------------------------

    def _analyse(self, pointer: str) -> frozenset[tuple[str, str]]:
        """The (property, value) pairs of discriminators whose schema leads back to the same
        discriminator for the same value (python recurses until RecursionError: no verdict, so
        no fast path for a body holding one); NoFastPath when a schema refers back to itself
        for the same value whatever the value (every value has the recursion)."""
        same: dict[tuple, list[tuple[tuple, tuple | None]]] = {}
        stack = [_segments(pointer)]
        while stack:
            node = stack.pop()
            if node in same:
                continue
            edges: list[tuple[tuple, tuple | None]] = []
            same[node] = edges
            schema = _lookup(self._raw, _pointer(node))
            if not isinstance(schema, dict):
                continue
            ref = schema.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                edges.append((_segments(ref[1:]), None))
            discriminated = "discriminator" in schema and any(k in schema for k in ("oneOf", "anyOf", "allOf"))
            if discriminated:
                prop = schema["discriminator"].get("propertyName") if isinstance(schema["discriminator"], dict) else None
                for value, target in self._candidates(schema["discriminator"]).items():
                    edges.append((_segments(target), (prop, value)))
            for key in ("oneOf", "anyOf", "allOf"):
                if not discriminated and isinstance(schema.get(key), list):
                    edges += [((*node, key, str(i)), None) for i in range(len(schema[key]))]
            if "not" in schema:
                edges.append(((*node, "not"), None))
            stack += [target for target, _ in edges]
            if isinstance(schema.get("properties"), dict):
                stack += [(*node, "properties", name) for name in schema["properties"]]
            stack += [(*node, key) for key in ("items", "additionalProperties") if isinstance(schema.get(key), dict)]
        if _has_cycle({node: [t for t, label in edges if label is None] for node, edges in same.items()}):
            raise NoFastPath("a schema that refers to itself for the same value")
        return frozenset(label for node, edges in same.items() for target, label in edges
                         if label is not None and _reaches(same, target, node))

    def _guard(self) -> dict:
        """Values the translation may judge but python cannot: nested deeper than
        :data:`_MAX_DEPTH` (python's recursion limit), or holding a recursing discriminator value."""
        refused: dict[str, list[str]] = {}
        for prop, value in sorted(self._poisoned):
            refused.setdefault(prop, []).append(value)
        not_refused = {prop: {"not": {"enum": values}} for prop, values in refused.items()}
        self._definitions["g0"] = {"type": ["null", "boolean", "integer", "number", "string"]}
        for depth in range(1, _MAX_DEPTH + 1):
            below = {"$ref": f"#/definitions/g{depth - 1}"}
            self._definitions[f"g{depth}"] = {"properties": not_refused, "patternProperties": {"": below}, "items": below}
        return {"$ref": f"#/definitions/g{_MAX_DEPTH}"}

    def _ref(self, pointer: str, mode: str) -> dict:
        if mode == _OVER and not self._is_uncertain({"$ref": f"#{pointer}"}):
            mode = _UNDER  # both translations are the same: share one
        key = (pointer, mode)
        if key not in self._names:
            name = f"{mode}{len(self._names)}"
            self._names[key] = name
            self._definitions[name] = {}  # a placeholder, for references back to it
            target = _lookup(self._raw, pointer)
            self._definitions[name] = self._schema(target, mode)
        return {"$ref": f"#/definitions/{self._names[key]}"}

    # --- which schemas depend on the mode ----------------------------------------------------

    def _is_uncertain(self, schema: object) -> bool:
        """Whether the translation of ``schema`` differs between the two modes: it reaches a
        discriminator (references followed; every reachable schema is visited once)."""
        stack, seen = [schema], set()
        while stack:
            node = stack.pop()
            if not isinstance(node, dict):
                continue
            if "discriminator" in node and any(k in node for k in ("oneOf", "anyOf", "allOf")):
                return True
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#") and ref not in seen:
                seen.add(ref)
                stack.append(_lookup(self._raw, ref[1:]))
            stack += [node.get(k) for k in ("items", "additionalProperties", "not")]
            if isinstance(node.get("properties"), dict):
                stack += node["properties"].values()
            for key in ("oneOf", "anyOf", "allOf"):
                if isinstance(node.get(key), list):
                    stack += node[key]
        return False

    # --- the translation -----------------------------------------------------------------------

    def _schema(self, schema: object, mode: str) -> dict:
        if not isinstance(schema, dict):
            raise NoFastPath(f"schema {schema!r}")
        if "patternProperties" in schema:  # python's additionalProperties reads it
            raise NoFastPath("patternProperties")
        if isinstance(schema.get("id"), str):  # python's draft 4 base: a new base URI for references
            raise NoFastPath("id")
        if "$schema" in schema:  # python-jsonschema would judge this part by another dialect
            raise NoFastPath("$schema")
        parts: list[dict] = []
        local: dict = {}
        for key, value in schema.items():
            if key not in _PYTHON_KEYWORDS:
                continue  # python ignores it (nullable and exclusive* are read with type and limits)
            if key not in _KNOWN:
                raise NoFastPath(key)
            self._keyword(schema, key, value, mode, local, parts)
        if self._strict and "additionalProperties" not in schema and (
                "properties" in schema or schema.get("type") == "object"):
            local["additionalProperties"] = False  # openapi-core's forbid-unspecified rule
        if local:
            parts.insert(0, local)
        if len(parts) == 1:
            return parts[0]
        return {"allOf": parts} if parts else {}

    def _keyword(self, schema: dict, key: str, value: object, mode: str, local: dict, parts: list) -> None:
        if key == "type":
            if value not in _TYPES:
                raise NoFastPath(f"type {value!r}")
            local["type"] = [value, "null"] if schema.get("nullable") is True else value
        elif key == "enum":
            if not isinstance(value, list) or not all(v is None or isinstance(v, str | bool) for v in value):
                raise NoFastPath("enum of other values than strings, booleans and null")
            parts.append({"enum": value} if value else {"not": {}})
        elif key == "properties":
            if not isinstance(value, dict):
                raise NoFastPath("properties")
            local["properties"] = {name: self._schema(sub, mode) for name, sub in value.items()}
        elif key == "required":
            self._required(schema, value, local)
        elif key == "additionalProperties":
            if isinstance(value, bool):
                local["additionalProperties"] = value
            elif isinstance(value, dict):
                local["additionalProperties"] = self._schema(value, mode)
            else:
                raise NoFastPath("additionalProperties")
        elif key == "items":
            if not isinstance(value, dict):
                raise NoFastPath("items")
            local["items"] = self._schema(value, mode)
        elif key in ("allOf", "anyOf", "oneOf"):
            if not isinstance(value, list) or not value:
                raise NoFastPath(key)
            if "discriminator" in schema:
                parts.append(self._discriminator(schema["discriminator"], mode))
            else:
                parts.append(self._composition(key, value, mode))
        elif key == "not":
            parts.append({"not": self._schema(value, _FLIP[mode])})
        elif key == "$ref":
            if not isinstance(value, str) or not value.startswith("#"):
                raise NoFastPath(f"reference {value!r}")
            parts.append(self._ref(value[1:], mode))
        elif key == "format":
            self._format(value, parts)
        elif key in ("minimum", "maximum"):
            local[key] = _number(value)
            exclusive = "exclusiveMinimum" if key == "minimum" else "exclusiveMaximum"
            if schema.get(exclusive, False):
                local[exclusive] = True
        elif key in _COUNTED:
            local[key] = _count(value)
        elif key == "writeOnly":
            if value:
                parts.append({"not": {}})
        # readOnly, discriminator (alone), xml, externalDocs, example, deprecated: no-ops

    def _required(self, schema: dict, value: object, local: dict) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise NoFastPath("required")
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            raise NoFastPath("properties")
        kept = []
        for name in value:
            declared = properties.get(name)
            if declared and isinstance(declared, dict) and declared.get("writeOnly", False):
                continue  # python's read context does not require a write-only property
            if declared and not isinstance(declared, dict):
                raise NoFastPath("property schema")
            kept.append(name)
        if kept:
            local["required"] = list(dict.fromkeys(kept))

    def _composition(self, key: str, branches: list, mode: str) -> dict:
        if key != "oneOf" or not any(self._is_uncertain(b) for b in branches):
            return {key: [self._schema(b, mode) for b in branches]}
        # exactly one branch valid: one surely valid while every other is surely invalid
        chosen = []
        for index, branch in enumerate(branches):
            others = [{"not": self._schema(b, _FLIP[mode])} for i, b in enumerate(branches) if i != index]
            chosen.append({"allOf": [self._schema(branch, mode), *others]})
        return {"anyOf": chosen}

    def _discriminator(self, discriminator: object, mode: str) -> dict:
        """openapi-schema-validator's ``handle_discriminator``: an object whose property (present
        and truthy) names its schema, through the mapping or as a component name; the value is
        judged by that schema alone."""
        prop = discriminator["propertyName"]
        branches = []
        for value, pointer in self._candidates(discriminator).items():
            if (prop, value) not in self._poisoned:
                branches.append({"properties": {prop: {"enum": [value]}}, "allOf": [self._ref(pointer, mode)]})
            elif mode == _OVER:  # python recurses forever: valid, to be sure
                branches.append({"properties": {prop: {"enum": [value]}}})
        if mode == _OVER:  # a value python may resolve as an escaped pointer: valid, to be sure
            branches.append({"properties": {prop: {"type": "string", "pattern": _ESCAPING}}})
        return {"type": "object", "required": [prop], "anyOf": branches or [{"not": {}}]}

    def _candidates(self, discriminator: object) -> dict[str, str]:
        """Each discriminator value python resolves, and the pointer of the schema it names."""
        if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
            raise NoFastPath("discriminator")
        mapping = discriminator.get("mapping", {})
        if not isinstance(mapping, dict) or not all(isinstance(k, str) for k in mapping):
            raise NoFastPath("discriminator mapping")
        components = self._raw.get("components", {}).get("schemas", {})
        names = [n for n in components if isinstance(n, str)]
        if any(_NON_STRING_NAME.match(n) or re.search(_ESCAPING, n) for n in names) or len(names) != len(components):
            raise NoFastPath("component names a discriminator value could reach in another way")
        targets: dict[str, str] = {}
        for value in dict.fromkeys([*mapping, *names]):
            if not value:
                continue  # a falsy value is refused
            ref = mapping.get(value) or f"#/components/schemas/{value}"
            if not isinstance(ref, str):
                continue  # python refuses a mapping to something else than a reference
            if not ref.startswith("#"):
                raise NoFastPath(f"discriminator mapping to {ref!r}")
            if _resolvable(self._raw, ref[1:]):
                targets[value] = ref[1:]
        return targets

    def _format(self, name: object, parts: list) -> None:
        if not isinstance(name, str) or name not in OAS30ReadValidator.FORMAT_CHECKER.checkers:
            return  # python checks no such format
        if name in _INT_RANGES:
            low, high = _INT_RANGES[name]
            parts.append({"anyOf": [{"not": {"type": "integer"}}, {"minimum": low, "maximum": high}]})
        elif name in _STRING_FORMATS:
            parts.append({"format": _format_name(name)})
        elif name not in _NO_OP_FORMATS:
            raise NoFastPath(f"format {name}")


def translate(raw: dict, pointer: str, *, strict: bool = False) -> dict:
    """The draft 4 schema judging like ``OAS30ReadValidator`` (with openapi-core's strict rule
    when ``strict``) the schema at ``pointer`` of ``raw``; NoFastPath when there is none."""
    if not _LIBRARY_AS_KNOWN:
        raise NoFastPath("openapi-schema-validator implements a keyword differently")
    return _Translation(raw, strict=strict).root(pointer)


def compile_fast_check(raw: dict, pointer: str, *, strict: bool = False) -> Callable[[object], bool] | None:
    """A function answering True only for values the python validator finds no problem with
    (False: not known to be valid, let python judge); None when the schema has no fast path."""
    try:
        validator = jsonschema_rs.Draft4Validator(translate(raw, pointer, strict=strict), formats=_FORMATS,
                                                  validate_formats=True, ignore_unknown_formats=False)
    except (NoFastPath, jsonschema_rs.ValidationError, ValueError):
        return None
    return functools.partial(_is_valid, validator)


def _is_valid(validator, value: object) -> bool:
    try:
        return validator.is_valid(value)
    except Exception:  # a value the Rust validator cannot take (a lone surrogate): python judges
        return False
