"""The rules: what a change at one place means for a client, request side and response side.

The same change reads differently by direction: a new allowed value is harmless in a request
(the server accepts more) and breaking in a response (a client may meet a value it does not
know); a property that became required breaks requests and is harmless in responses. So every
schema rule has a level per side, and :data:`RULES` is the table of them all (the synthetic
tests fire each one, so none can silently die). Levels follow oasdiff's classification where it
has the rule (breaking = ERR, warning = WARN, info = INFO).

:func:`compare_nodes` compares two flattened schemas (see :mod:`spec.diff.flatten`) and yields
:class:`Hit`\\ s; :mod:`spec.diff.compare` walks the operations and says where each applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pinecone_conformance.spec.diff.flatten import ALWAYS, BOUNDS, MISSING, NEVER, SOME, Node, canonical

BREAKING, WARNING, INFO = "breaking", "warning", "info"
LEVELS = (BREAKING, WARNING, INFO)
REQUEST, RESPONSE, OPERATION = "request", "response", "operation"

#: rule -> (level on the request side, level on the response side, what it means).
#: Rules that are not about a schema (operations, statuses, media types) have one side only:
#: the other level is None.
RULES: dict[str, tuple[str | None, str | None, str]] = {
    # operations
    "operation-removed": (BREAKING, None, "an operation is gone"),
    "operation-added": (INFO, None, "a new operation"),
    "operation-id-changed": (WARNING, None, "same method and path, new operationId (generated client names change)"),
    "operation-description-changed": (INFO, None, "summary or description of an operation"),
    "operation-deprecated": (INFO, None, "an operation is now deprecated"),
    # authentication
    "security-added": (BREAKING, None, "an operation now requires authentication it did not"),
    "security-removed": (INFO, None, "an operation no longer requires authentication"),
    "security-alternative-removed": (BREAKING, None, "a way to authenticate is no longer accepted"),
    "security-alternative-added": (INFO, None, "a new way to authenticate is accepted"),
    "security-scheme-changed": (BREAKING, None, "an authentication scheme changed (type, location, header name)"),
    # parameters
    "parameter-added-required": (BREAKING, None, "a new required parameter"),
    "parameter-added": (INFO, None, "a new optional parameter"),
    "parameter-removed": (WARNING, None, "a parameter is no longer documented (the server may ignore or reject it)"),
    "parameter-became-required": (BREAKING, None, "an optional parameter became required"),
    "parameter-became-optional": (INFO, None, "a required parameter became optional"),
    "parameter-serialization-changed": (BREAKING, None, "a parameter is serialized differently (style, explode)"),
    # request bodies
    "request-body-added-required": (BREAKING, None, "a required request body where there was none"),
    "request-body-added": (INFO, None, "an optional request body where there was none"),
    "request-body-removed": (WARNING, None, "the request body is no longer documented"),
    "request-body-became-required": (BREAKING, None, "an optional request body became required"),
    "request-body-became-optional": (INFO, None, "a required request body became optional"),
    # statuses
    "success-status-removed": (None, BREAKING, "a success status a client handles is gone"),
    "success-status-added": (None, WARNING, "a new success status a client may not handle"),
    "error-status-removed": (None, INFO, "an error status is no longer documented"),
    "error-status-added": (None, INFO, "a new documented error status"),
    "response-description-changed": (None, INFO, "the description of a response"),
    "response-header-removed-required": (None, BREAKING, "a response header that was always sent is gone"),
    "response-header-removed": (None, WARNING, "an optional response header is gone"),
    "response-header-added": (None, INFO, "a new response header"),
    "response-header-became-optional": (None, BREAKING, "a response header may now be absent"),
    # media types (request and response)
    "media-type-removed": (BREAKING, BREAKING, "a media type is gone"),
    "media-type-changed": (BREAKING, BREAKING, "the only media type was replaced by another"),
    "media-type-added": (INFO, INFO, "a new media type beside the existing ones"),
    # schemas: property paths
    "property-added-required": (BREAKING, INFO, "a new property that is always required"),
    "property-added-conditionally-required": (WARNING, INFO, "a new property required in some oneOf members"),
    "property-added": (INFO, INFO, "a new optional property"),
    "property-removed-required": (WARNING, BREAKING, "a property that was always present is gone"),
    "property-removed": (WARNING, WARNING, "an optional property is gone"),
    "property-removed-rejected": (BREAKING, None, "a removed property a client may still send, in a closed object"),
    "property-became-required": (BREAKING, INFO, "a property became required"),
    "property-became-optional": (INFO, BREAKING, "a property may now be absent"),
    # schemas: values
    "type-changed": (BREAKING, BREAKING, "an incompatible type"),
    "type-widened": (INFO, BREAKING, "more types allowed (integer -> number, a type added)"),
    "type-narrowed": (BREAKING, INFO, "fewer types allowed"),
    "became-nullable": (INFO, BREAKING, "null is now allowed"),
    "no-longer-nullable": (BREAKING, INFO, "null is no longer allowed"),
    "enum-value-added": (INFO, BREAKING, "a new value in the allowed values (enum or x-enum)"),
    "enum-value-removed": (BREAKING, INFO, "a value removed from an enforced enum"),
    "x-enum-value-removed": (WARNING, INFO, "a value removed from the documented x-enum list"),
    "values-restricted": (BREAKING, INFO, "an allowed-values list where any value was allowed"),
    "values-unrestricted": (INFO, BREAKING, "the allowed-values list was dropped (a response may carry any value)"),
    "bound-tightened": (BREAKING, INFO, "a tighter min/max/length/items/properties bound"),
    "bound-loosened": (INFO, BREAKING, "a looser min/max/length/items/properties bound (a wider response)"),
    "pattern-added": (BREAKING, INFO, "a pattern where there was none"),
    "pattern-changed": (WARNING, WARNING, "a different pattern"),
    "pattern-removed": (INFO, BREAKING, "the pattern was dropped (a wider response)"),
    "format-changed": (WARNING, WARNING, "a different format"),
    "default-changed": (WARNING, INFO, "a different default (clients that omit the value get another one)"),
    "default-removed": (WARNING, INFO, "the default was dropped"),
    "default-added": (INFO, INFO, "a default where there was none"),
    "additional-properties-closed": (BREAKING, INFO, "additionalProperties: false where other properties were allowed"),
    "additional-properties-opened": (INFO, WARNING, "other properties are now allowed"),
    "member-added": (INFO, BREAKING, "a new oneOf/anyOf member"),
    "member-removed": (BREAKING, INFO, "a oneOf/anyOf member is gone"),
    "discriminator-property-changed": (BREAKING, BREAKING, "members are told apart by another property"),
    "discriminator-value-added": (INFO, BREAKING, "a new discriminator value (mapping entry)"),
    "discriminator-value-removed": (BREAKING, INFO, "a discriminator value (mapping entry) is gone"),
    "composition-changed": (INFO, INFO, "restructured into (or out of) oneOf/anyOf members; paths compared through them"),
    "description-changed": (INFO, INFO, "the description of a schema or parameter"),
}


def applies(rule: str, side: str) -> bool:
    """Whether ``rule`` means anything on ``side`` (some are request-only or response-only)."""
    request_level, response_level, _ = RULES[rule]
    return (response_level if side == RESPONSE else request_level) is not None


def level_of(rule: str, side: str) -> str:
    request_level, response_level, _ = RULES[rule]
    level = response_level if side == RESPONSE else request_level
    if level is None:
        raise KeyError(f"rule {rule} has no {side} side")
    return level


@dataclass(frozen=True)
class Hit:
    """One rule firing at one node of one schema: where (in NEW, or OLD for removals) and why."""

    rule: str
    message: str
    pointers: tuple[str, ...]
    in_old: bool = False


_NUMERIC = {"integer", "number"}


def _types_relation(old: frozenset[str] | None, new: frozenset[str] | None) -> str | None:
    """``type-widened``, ``type-narrowed`` or ``type-changed`` (None: the same)."""
    if old == new:
        return None
    if new is None:
        return "type-widened"
    if old is None:
        return "type-narrowed"

    def covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
        return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)

    if covers(new, old):
        return "type-widened"
    if covers(old, new):
        return "type-narrowed"
    return "type-changed"


def _show(value: object) -> str:
    return "none" if value is None or value is MISSING else f"`{value}`"


def _types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _described(node: Node) -> str:
    return f"`{node.label}`" if node.label else "the value"


def compare_nodes(old_nodes: dict, new_nodes: dict) -> Iterator[Hit]:
    """Every rule that fires between two flattened schemas (property paths -> :class:`Node`)."""
    added = {p: None for p in new_nodes if p not in old_nodes}
    removed = {p: None for p in old_nodes if p not in new_nodes}
    for path in added:
        if path[:-1] in added or path[-1:] in (("[]",), ("*",)):
            continue  # inside a subtree that is new as a whole, or an items/values schema
        node = new_nodes[path]
        rule, message = {
            ALWAYS: ("property-added-required", f"new required property `{node.site}`"),
            SOME: ("property-added-conditionally-required",
                   f"new property `{node.site}`, required in some oneOf/anyOf members"),
            NEVER: ("property-added", f"new optional property `{node.site}`"),
        }[node.required]
        yield Hit(rule, message, node.site_pointers)
    for path in removed:
        if path[:-1] in removed or path[-1:] in (("[]",), ("*",)):
            continue
        node = old_nodes[path]
        rule = "property-removed-required" if node.required == ALWAYS else "property-removed"
        yield Hit(rule, f"property `{node.site}` removed", node.site_pointers, in_old=True)
        parent = new_nodes.get(path[:-1])
        if parent is not None and parent.closed:
            # a request that still sends it is now rejected (response side: not applicable)
            yield Hit("property-removed-rejected", f"`{node.site}` is rejected now: {_described(parent)} is closed "
                      "(additionalProperties: false)", node.site_pointers, in_old=True)
    for path, new in new_nodes.items():
        old = old_nodes.get(path)
        if old is not None:
            yield from _compare_node(old, new)


_REQUIRED_RANK = {NEVER: 0, SOME: 1, ALWAYS: 2}


def _compare_node(old: Node, new: Node) -> Iterator[Hit]:
    name = _described(new)
    where = new.pointers
    site = f"`{new.site}`"
    if old.path and _REQUIRED_RANK[new.required] > _REQUIRED_RANK[old.required]:
        yield Hit("property-became-required", f"{site} became required ({old.required} -> {new.required})",
                  new.site_pointers)
    elif old.path and _REQUIRED_RANK[new.required] < _REQUIRED_RANK[old.required]:
        yield Hit("property-became-optional", f"{site} is no longer required ({old.required} -> {new.required})",
                  new.site_pointers)
    relation = _types_relation(old.types, new.types)
    if relation:
        yield Hit(relation, f"{name}: type {_types(old.types)} -> {_types(new.types)}", where)
    if new.nullable and not old.nullable:
        yield Hit("became-nullable", f"{name} became nullable", where)
    elif old.nullable and not new.nullable:
        yield Hit("no-longer-nullable", f"{name} is no longer nullable", where)
    yield from _compare_values(old, new, name, where)
    yield from _compare_bounds(old, new, name, where)
    if old.patterns != new.patterns:
        if old.patterns is None:
            yield Hit("pattern-added", f"{name}: pattern {', '.join(new.patterns or ())} added", where)
        elif new.patterns is None:
            yield Hit("pattern-removed", f"{name}: pattern {', '.join(old.patterns)} removed", where)
        else:
            yield Hit("pattern-changed", f"{name}: pattern {', '.join(old.patterns)} -> {', '.join(new.patterns)}", where)
    if old.format != new.format:
        yield Hit("format-changed", f"{name}: format {_show(old.format)} -> {_show(new.format)}", where)
    # A default of something that must be sent anyway has no effect (the version header's
    # default changes with every release and no client can notice).
    if ALWAYS not in (old.required, new.required) and old.default != new.default:
        if old.default is MISSING:
            yield Hit("default-added", f"{name}: default {_show(new.default)} added", where)
        elif new.default is MISSING:
            yield Hit("default-removed", f"{name}: default {_show(old.default)} removed", where)
        else:
            yield Hit("default-changed", f"{name}: default {_show(old.default)} -> {_show(new.default)}", where)
    if new.closed and not old.closed:
        yield Hit("additional-properties-closed", f"{name}: additionalProperties closed", where)
    elif old.closed and not new.closed:
        yield Hit("additional-properties-opened", f"{name}: additionalProperties no longer closed", where)
    yield from _compare_members(old, new, name, where)
    yield from _compare_discriminators(old, new, name, where)
    if old.description != new.description and old.description and new.description:
        yield Hit("description-changed", f"{name}: description changed", where)


def _compare_values(old: Node, new: Node, name: str, where: tuple[str, ...]) -> Iterator[Hit]:
    if old.values is None and new.values is None:
        return
    if old.values is None:
        yield Hit("values-restricted", f"{name}: values restricted to {list(new.values)} ({new.values_source})", where)
        return
    if new.values is None:
        yield Hit("values-unrestricted", f"{name}: allowed values {list(old.values)} dropped", where)
        return
    old_keys, new_keys = {canonical(v) for v in old.values}, {canonical(v) for v in new.values}
    for value in new.values:
        if canonical(value) not in old_keys:
            yield Hit("enum-value-added", f"{name}: new allowed value {_show(value)} ({new.values_source})", where)
    for value in old.values:
        if canonical(value) not in new_keys:
            rule = "enum-value-removed" if new.values_source == "enum" else "x-enum-value-removed"
            yield Hit(rule, f"{name}: allowed value {_show(value)} removed ({new.values_source})", where)


def _compare_bounds(old: Node, new: Node, name: str, where: tuple[str, ...]) -> Iterator[Hit]:
    for key, larger_is_looser in BOUNDS.items():
        before, after = old.bounds.get(key), new.bounds.get(key)
        if before == after:
            continue
        if after is None:
            tighter = False
        elif before is None:
            tighter = True
        else:
            tighter = (after < before) if larger_is_looser else (after > before)
        rule = "bound-tightened" if tighter else "bound-loosened"
        yield Hit(rule, f"{name}: {key} {_show(before)} -> {_show(after)}", where)
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        if new.exclusive.get(key) != old.exclusive.get(key):
            rule = "bound-tightened" if new.exclusive.get(key) else "bound-loosened"
            yield Hit(rule, f"{name}: {key} {bool(old.exclusive.get(key))} -> {bool(new.exclusive.get(key))}", where)


def _compare_discriminators(old: Node, new: Node, name: str, where: tuple[str, ...]) -> Iterator[Hit]:
    if old.discriminator is None or new.discriminator is None:
        return  # introduced or dropped with the composition itself (composition-changed)
    (old_property, old_values), (new_property, new_values) = old.discriminator, new.discriminator
    pointer = (new.composition_pointer,) if new.composition_pointer else where
    if old_property != new_property:
        yield Hit("discriminator-property-changed", f"{name}: discriminator `{old_property}` -> `{new_property}`",
                  pointer)
        return
    for value in new_values:
        if value not in old_values:
            yield Hit("discriminator-value-added", f"{name}: new `{new_property}` value `{value}`", pointer)
    for value in old_values:
        if value not in new_values:
            yield Hit("discriminator-value-removed", f"{name}: `{new_property}` value `{value}` removed", pointer)


def _compare_members(old: Node, new: Node, name: str, where: tuple[str, ...]) -> Iterator[Hit]:
    if old.members is None and new.members is None:
        return
    if old.members is None or new.members is None:
        now = f"a oneOf/anyOf of {len(new.members)} members" if new.members is not None else "a plain schema"
        yield Hit("composition-changed", f"{name} is now {now}", (new.composition_pointer,) if new.composition_pointer
                  else where)
        return
    for key, pointer in new.members.items():
        if key not in old.members:
            yield Hit("member-added", f"{name}: new member {key}", (pointer,))
    for key, pointer in old.members.items():
        if key not in new.members:
            yield Hit("member-removed", f"{name}: member {key} removed", (pointer,), in_old=True)


__all__ = ["BREAKING", "INFO", "LEVELS", "OPERATION", "REQUEST", "RESPONSE", "RULES", "WARNING", "Hit", "applies",
           "compare_nodes", "level_of"]
