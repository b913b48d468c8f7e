"""Flatten a schema into its resolved property paths, through ``$ref``, ``allOf`` and every
``oneOf``/``anyOf`` member.

Two versions of a document are compared path by path (``spec.serverless.cloud``,
``indexes[].status.state``, ``tags.*``), not schema object by schema object: so a schema that
was restructured into a ``oneOf`` of members, or moved behind a ``$ref``, but still describes
the same property paths, shows no removals. Each :class:`Node` holds what a client can notice
at one path, merged over the alternatives that declare it (the loosest bound, the union of the
allowed values, ...), and remembers where in the document it is defined (JSON pointers, after
``$ref`` resolution), so one change to a shared component can be reported once.

``enum`` and ``x-enum`` (this document family's closed value lists, which schema validation
ignores) are one value list here; :attr:`Node.values_source` says which keyword held it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from pinecone_conformance.core.errors import SpecError

#: Required-ness of a property in its parent, over the parent's alternatives (oneOf members).
ALWAYS, SOME, NEVER = "always", "some", "never"

#: Numeric and size bounds: keyword -> True when a larger value is looser (a maximum).
BOUNDS = {
    "minimum": False,
    "maximum": True,
    "minLength": False,
    "maxLength": True,
    "minItems": False,
    "maxItems": True,
    "minProperties": False,
    "maxProperties": True,
}

_COMPONENT_PREFIX = "#/components/schemas/"
_MAX_ALTERNATIVES = 64
_MAX_DEPTH = 40
MISSING = object()


@dataclass(frozen=True)
class Part:
    """One schema object that applies at a path (after ``$ref``), without its composition."""

    schema: dict
    pointer: str
    label: str
    """``Component.prop.path`` (the innermost component reached) or the inline path."""
    members: tuple[tuple[str, str], ...] | None = None
    """``(member key, pointer)`` of the ``oneOf``/``anyOf`` this object had, if any."""


@dataclass
class Node:
    """What a client can notice at one property path."""

    path: tuple[str, ...]
    pointers: tuple[str, ...]
    """Where the value's schema is (after ``$ref``): changes to the value are reported here."""
    label: str
    """The value's schema as ``Component.path`` (or the inline path), for messages."""
    site: str = ""
    """Where the property is declared, ``Parent.name``: presence and required-ness are reported here."""
    site_pointers: tuple[str, ...] = ()
    required: str = NEVER
    types: frozenset[str] | None = None
    nullable: bool = False
    values: tuple | None = None
    values_source: str | None = None
    bounds: dict = field(default_factory=dict)
    exclusive: dict = field(default_factory=dict)
    patterns: tuple[str, ...] | None = None
    format: str | None = None
    default: object = MISSING
    closed: bool = False
    members: dict[str, str] | None = None
    composition_pointer: str | None = None
    """Where the ``oneOf``/``anyOf`` is, when there is one."""
    discriminator: tuple[str, tuple[str, ...]] | None = None
    """``(propertyName, mapping values)`` of the ``discriminator``, when there is one."""
    description: str | None = None

    @property
    def pointer(self) -> str:
        return self.pointers[0]


def canonical(value: object) -> str:
    """A value as comparable text: allowed values may be objects, and ``1`` is not ``true``."""
    return json.dumps(value, sort_keys=True, default=str)


def escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def resolve_ref(document: dict, ref: str) -> dict:
    """The object a local ``$ref`` names; a one-line SpecError for anything else."""
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise SpecError(f"unsupported $ref {ref!r} (only local references are resolved)")
    target: object = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or token not in target:
            raise SpecError(f"unresolvable $ref {ref!r}")
        target = target[token]
    if not isinstance(target, dict):
        raise SpecError(f"$ref {ref!r} does not name an object")
    return target


def deref(document: dict, obj: dict, pointer: str, seen: tuple[str, ...] = ()) -> tuple[dict, str]:
    """Follow a chain of ``$ref`` (parameters, responses, bodies, schemas) to the object."""
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        if ref in seen:
            raise SpecError(f"circular $ref {ref!r}")
        seen = (*seen, ref)
        obj, pointer = resolve_ref(document, ref), ref[1:]
    return (obj if isinstance(obj, dict) else {}), pointer


def flatten(document: dict, schema: dict | None, pointer: str, label: str, required: str = ALWAYS,
            cache: dict | None = None, omit: str | None = None) -> dict:
    """Every property path of ``schema`` -> :class:`Node`; the root is the empty path.

    ``omit`` is ``readOnly`` for a request (a client never sends those properties) or
    ``writeOnly`` for a response (a server never returns them): such properties are left out.

    ``cache`` (owned by the caller, one per comparison) keeps the result for a ``$ref`` schema,
    which most bodies are: a shared component is flattened once, not once per operation.
    The result must then be treated as read-only.
    """
    nodes: dict[tuple[str, ...], Node] = {}
    if not isinstance(schema, dict):
        return nodes
    key = (id(document), schema["$ref"], required, omit) if isinstance(schema.get("$ref"), str) else None
    if cache is not None and key is not None and key in cache:
        return cache[key]
    alternatives = _expand(document, schema, pointer, label, ())
    _build(document, (), alternatives, required, nodes, frozenset(), (label, (pointer,)), omit)
    if cache is not None and key is not None:
        cache[key] = nodes
    return nodes


def _member_key(document: dict, member: dict, index: int) -> str:
    """A member's identity across versions: its component, else what it requires, else its title."""
    if "$ref" in member:
        return str(member["$ref"]).rsplit("/", 1)[-1]
    if member.get("required"):
        return "requires " + ",".join(sorted(map(str, member["required"])))
    if member.get("title"):
        return f"title {member['title']}"
    return f"member {index}"


def _expand(document: dict, schema: dict, pointer: str, label: str, refs: tuple[str, ...]) -> list[tuple[Part, ...]]:
    """The alternatives (a disjunction) of conjunctions of parts that ``schema`` stands for."""
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref in refs:  # a recursive schema: stop here, the path above already describes it
            return [()]
        target = resolve_ref(document, ref)
        name = ref[len(_COMPONENT_PREFIX):] if ref.startswith(_COMPONENT_PREFIX) else label
        return _expand(document, target, ref[1:], name, (*refs, ref))
    own = {k: v for k, v in schema.items() if k not in ("allOf", "oneOf", "anyOf")}
    members = None
    for keyword in ("oneOf", "anyOf"):
        if isinstance(schema.get(keyword), list):
            members = tuple(
                (_member_key(document, m, i), f"{pointer}/{keyword}/{i}") for i, m in enumerate(schema[keyword])
            )
    alternatives: list[tuple[Part, ...]] = [(Part(own, pointer, label, members),)]
    for i, sub in enumerate(schema.get("allOf") or []):
        sub_alts = _expand(document, sub, f"{pointer}/allOf/{i}", label, refs)
        alternatives = [a + b for a, b in itertools.product(alternatives, sub_alts)][:_MAX_ALTERNATIVES]
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list) and branches:
            choice: list[tuple[Part, ...]] = []
            for i, sub in enumerate(branches):
                choice.extend(_expand(document, sub, f"{pointer}/{keyword}/{i}", label, refs))
            alternatives = [a + b for a, b in itertools.product(alternatives, choice)][:_MAX_ALTERNATIVES]
    return alternatives


def _first(parts: tuple[Part, ...], keyword: str) -> object:
    for part in parts:
        if keyword in part.schema:
            return part.schema[keyword]
    return MISSING


def _build(document, path, alternatives, required, nodes, ancestors, site, omit) -> None:
    parts = [part for alternative in alternatives for part in alternative]
    if not parts or len(path) > _MAX_DEPTH:
        return
    pointers = tuple(dict.fromkeys(part.pointer for part in parts if _is_declaring(part)))
    pointers = pointers or tuple(dict.fromkeys(part.pointer for part in parts))
    node = Node(path=path, pointers=pointers, label=parts[0].label, required=required,
                site=site[0], site_pointers=site[1])
    _merge_facts(node, alternatives)
    nodes[path] = node
    if set(pointers) <= ancestors:  # a recursive schema: the path above already describes what is inside
        return
    ancestors = ancestors | set(pointers)
    refs: tuple[str, ...] = ()

    children: dict[str, list[tuple[Part, ...]]] = {}
    child_sites: dict[str, tuple[str, list[str]]] = {}
    required_count: dict[str, int] = {}
    for alternative in alternatives:
        required_here = {name for part in alternative for name in (part.schema.get("required") or [])}
        for name in required_here:
            required_count[name] = required_count.get(name, 0) + 1
        declared: dict[str, list[list[tuple[Part, ...]]]] = {}
        for part in alternative:
            for name, sub in (part.schema.get("properties") or {}).items():
                if isinstance(sub, dict):
                    child_label = f"{part.label}.{name}" if part.label else name
                    sub_pointer = f"{part.pointer}/properties/{escape(name)}"
                    label_and_pointers = child_sites.setdefault(name, (child_label, []))
                    if sub_pointer not in label_and_pointers[1]:
                        label_and_pointers[1].append(sub_pointer)
                    declared.setdefault(name, []).append(_expand(document, sub, sub_pointer, child_label, refs))
        for name, conjunction in declared.items():
            combined = [()]
            for sub_alts in conjunction:
                combined = [a + b for a, b in itertools.product(combined, sub_alts)][:_MAX_ALTERNATIVES]
            children.setdefault(name, []).extend(combined)
    for name in sorted(children):
        if omit and all(part.schema.get(omit) is True for alternative in children[name] for part in alternative[:1]):
            continue  # readOnly in a request, writeOnly in a response: not part of this side
        count = required_count.get(name, 0)
        state = ALWAYS if count == len(alternatives) else SOME if count else NEVER
        label, site_pointers = child_sites[name]
        _build(document, (*path, name), children[name], state, nodes, ancestors, (label, tuple(site_pointers)), omit)

    items = [
        _expand(document, part.schema["items"], f"{part.pointer}/items", f"{part.label}[]", refs)
        for part in parts
        if isinstance(part.schema.get("items"), dict)
    ]
    if items:
        _build(document, (*path, "[]"), [a for alts in items for a in alts], ALWAYS, nodes, ancestors,
               (f"{site[0]}[]", tuple(f"{p.pointer}/items" for p in parts if isinstance(p.schema.get("items"), dict))),
               omit)
    values = [
        _expand(document, part.schema["additionalProperties"], f"{part.pointer}/additionalProperties",
                f"{part.label}.*", refs)
        for part in parts
        if isinstance(part.schema.get("additionalProperties"), dict)
    ]
    if values:
        _build(document, (*path, "*"), [a for alts in values for a in alts], NEVER, nodes, ancestors,
               (f"{site[0]}.*", tuple(f"{p.pointer}/additionalProperties" for p in parts
                                      if isinstance(p.schema.get("additionalProperties"), dict))), omit)


def _is_declaring(part: Part) -> bool:
    """Whether a part says something about the value itself (not only which members are required)."""
    return any(key not in ("required", "title") for key in part.schema)


def _merge_facts(node: Node, alternatives: list[tuple[Part, ...]]) -> None:
    """Merge each alternative's facts, then the loosest over the alternatives."""
    types: set[str] = set()
    typed = True
    value_lists: list[tuple | None] = []
    sources: set[str] = set()
    bound_lists: dict[str, list] = {key: [] for key in BOUNDS}
    patterns: list[str | None] = []
    members: dict[str, str] = {}
    has_members = False
    closed = True
    for alternative in alternatives:
        kind = _first(alternative, "type")
        if kind is MISSING:
            typed = False
        else:
            types.add(str(kind))
        node.nullable = node.nullable or any(part.schema.get("nullable") is True for part in alternative)
        listed = None
        for keyword in ("enum", "x-enum"):
            found = _first(alternative, keyword)
            if isinstance(found, list):
                known = {canonical(v) for v in listed or ()}
                listed = (listed or ()) + tuple(v for v in found if canonical(v) not in known)
                sources.add(keyword)
        value_lists.append(listed)
        for key in BOUNDS:
            found = _first(alternative, key)
            bound_lists[key].append(None if found is MISSING else found)
        found = _first(alternative, "pattern")
        patterns.append(None if found is MISSING else str(found))
        closed = closed and any(part.schema.get("additionalProperties") is False for part in alternative)
        for part in alternative:
            if part.members is not None:
                has_members = True
                members.update(dict(part.members))
                node.composition_pointer = node.composition_pointer or part.pointer
        for keyword in ("exclusiveMinimum", "exclusiveMaximum"):
            if _first(alternative, keyword) is True:
                node.exclusive[keyword] = True
    node.types = frozenset(types) if typed and types else None
    if value_lists and all(v is not None for v in value_lists):
        distinct: dict[str, object] = {}
        for values in value_lists:
            for value in values:
                distinct.setdefault(canonical(value), value)
        node.values = tuple(distinct.values())
        node.values_source = "enum" if "enum" in sources else "x-enum"
    for key, found in bound_lists.items():
        if found and all(v is not None for v in found):
            node.bounds[key] = max(found) if BOUNDS[key] else min(found)
    if patterns and all(p is not None for p in patterns):
        node.patterns = tuple(sorted(set(patterns)))
    first_parts = alternatives[0] if alternatives else ()
    fmt = _first(first_parts, "format")
    node.format = None if fmt is MISSING else str(fmt)
    default = _first(first_parts, "default")
    node.default = default
    description = _first(first_parts, "description")
    node.description = None if description is MISSING else str(description)
    node.closed = closed and bool(alternatives)
    node.members = members if has_members else None
    for alternative in alternatives:
        found = _first(alternative, "discriminator")
        if isinstance(found, dict) and found.get("propertyName"):
            mapping = found.get("mapping") if isinstance(found.get("mapping"), dict) else {}
            node.discriminator = (str(found["propertyName"]), tuple(sorted(map(str, mapping))))
            break
