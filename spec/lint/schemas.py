"""Schema constructs whose meaning depends on the reader.

- ``oneof-discriminator``: a ``oneOf``/``anyOf`` with a ``discriminator`` is probed with
  synthetic instances (each branch's minimal instance under every mapped tag and an unknown
  one) and validated twice: as plain JSON Schema (exactly one branch must match) and
  discriminator-aware (the tag picks the branch). Where the two disagree, servers and clients
  built on different validators disagree too.
- ``oneof-overlap``: a branch's minimal instance matches another branch as well, so plain
  ``oneOf`` rejects a value its author meant to allow.
- ``schema-drift``: one concept (a resource name, a dimension, a timestamp, a cloud, a tag map)
  defined in several schemas with different constraints or formats.
"""

from __future__ import annotations

import json
import re

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.spec.lint.common import COMPONENT_SCHEMA, deref, short, unescape, walk_schemas
from pinecone_conformance.spec.lint.examples import NAME_FIELDS
from pinecone_conformance.spec.lint.rules import finding
from pinecone_conformance.spec.loader import escape_pointer

_UNKNOWN_TAG = "UnknownTag"


def minimal_instance(raw: dict, schema: object, depth: int = 0) -> object:
    """The smallest value ``schema`` plausibly accepts: required properties only, the first
    allowed value, the lower bound (used to probe branches, never reported as valid)."""
    schema, _ = deref(raw, schema, "")
    if not isinstance(schema, dict) or depth > 8:
        return None
    if "example" in schema and not isinstance(schema["example"], dict | list):
        return schema["example"]
    merged = dict(schema)
    for sub in schema.get("allOf") or []:
        sub, _ = deref(raw, sub, "")
        if isinstance(sub, dict):
            merged.setdefault("properties", {})
            merged["properties"] = {**merged["properties"], **(sub.get("properties") or {})}
            merged["required"] = list(merged.get("required") or []) + list(sub.get("required") or [])
            merged.setdefault("type", sub.get("type"))
    for key in ("oneOf", "anyOf"):
        if schema.get(key) and "properties" not in merged:
            return minimal_instance(raw, schema[key][0], depth + 1)
    allowed = merged.get("enum") or merged.get("x-enum")
    if isinstance(allowed, list) and allowed:
        return allowed[0]
    kind = merged.get("type") or ("object" if "properties" in merged else None)
    if kind == "object":
        properties = merged.get("properties") or {}
        return {name: minimal_instance(raw, properties.get(name), depth + 1)
                for name in merged.get("required") or [] if name in properties}
    if kind == "string":
        return "x" * max(1, int(merged.get("minLength") or 1))
    if kind in ("integer", "number"):
        return merged.get("minimum", 1)
    if kind == "boolean":
        return True
    if kind == "array":
        count = int(merged.get("minItems") or 0)
        return [minimal_instance(raw, merged.get("items"), depth + 1)] * count
    return None


def _probes(raw: dict, branches: list, property_name: str | None, tags: list[str]) -> list[dict]:
    probes = []
    for branch in branches:
        base = minimal_instance(raw, branch)
        if not isinstance(base, dict):
            continue
        if property_name is None:
            probes.append(base)
            continue
        for tag in [*tags, _UNKNOWN_TAG]:
            probes.append({**base, property_name: tag})
    unique = {json.dumps(p, sort_keys=True, default=str): p for p in probes}
    return list(unique.values())


def oneof_findings(raw: dict, validators) -> list[Finding]:
    found = []
    for schema, pointer in walk_schemas(raw):
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if not isinstance(branches, list) or len(branches) < 2:
                continue
            discriminator = schema.get("discriminator") if isinstance(schema.get("discriminator"), dict) else None
            property_name = discriminator.get("propertyName") if discriminator else None
            mapping = dict((discriminator or {}).get("mapping") or {})
            if discriminator and not mapping:  # implicit mapping: the component names
                for branch in branches:
                    ref = branch.get("$ref") if isinstance(branch, dict) else None
                    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                        mapping[unescape(ref.rsplit("/", 1)[1])] = ref
            branch_pointers = [f"{pointer}/{key}/{i}" for i in range(len(branches))]
            disagreements, overlaps = [], []
            for probe in _probes(raw, branches, property_name, list(mapping)):
                matches = [i for i, bp in enumerate(branch_pointers) if validators.is_valid("any", bp, probe)]
                if key == "oneOf" and len(matches) > 1:
                    overlaps.append((probe, matches))
                if property_name is None:
                    continue
                plain = len(matches) == 1 if key == "oneOf" else bool(matches)
                target = mapping.get(probe.get(property_name))
                chosen = next((i for i, b in enumerate(branches) if isinstance(b, dict) and b.get("$ref") == target),
                              None)
                aware = chosen is not None and chosen in matches
                if plain != aware:
                    disagreements.append((probe, plain, aware))
            if disagreements:
                shown = "; ".join(
                    f"{short(p, 70)} is {'valid' if plain else 'invalid'} plain, "
                    f"{'valid' if aware else 'invalid'} discriminator-aware"
                    for p, plain, aware in disagreements[:3])
                found.append(finding(
                    "oneof-discriminator",
                    f"validity depends on the validator for {len(disagreements)} probe instance(s): {shown}"
                    + (" ..." if len(disagreements) > 3 else ""),
                    f"{pointer}/discriminator",
                    details={"instances": [{"instance": p, "plain": a, "discriminator": b}
                                           for p, a, b in disagreements]},
                ))
            if overlaps:
                probe, matches = overlaps[0]
                found.append(finding(
                    "oneof-overlap",
                    f"{short(probe, 80)} matches branches {', '.join(map(str, matches))} of this oneOf, "
                    f"so plain oneOf rejects it ({len(overlaps)} overlapping probe(s))",
                    f"{pointer}/{key}",
                    details={"instances": [{"instance": p, "branches": m} for p, m in overlaps]},
                ))
    return found


# --- drift -----------------------------------------------------------------------------------

#: Property names that mean one concept wherever they appear.
CONCEPTS = {"dimension": "vector dimension", "cloud": "cloud provider", "metric": "distance metric",
            "tags": "tag map", "region": "region"}
_TIMESTAMP = re.compile(r"(?:\A|_)at\Z")
_SIGNATURE_KEYS = ("type", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
                   "maxLength", "pattern", "enum", "x-enum")


def _concept(component: str | None, name: str) -> str | None:
    if component and name in NAME_FIELDS.get(component, ()):
        return "resource name"
    if name in CONCEPTS:
        return CONCEPTS[name]
    if _TIMESTAMP.search(name):
        return "timestamp"
    return None


def _signature(raw: dict, schema: object) -> tuple:
    schema, _ = deref(raw, schema, "")
    if not isinstance(schema, dict):
        return ()
    items = []
    for key in _SIGNATURE_KEYS:
        if key in schema:
            value = schema[key]
            items.append((key, tuple(value) if isinstance(value, list) else value))
    values = schema.get("additionalProperties")
    if isinstance(values, dict):
        items.append(("additionalProperties", _signature(raw, values)))
    return tuple(items)


def _render(signature: tuple) -> str:
    return ", ".join(f"{k} {list(v) if isinstance(v, tuple) and k != 'additionalProperties' else v}"
                     for k, v in signature) or "no constraints"


def drift_findings(raw: dict) -> list[Finding]:
    groups: dict[str, list[tuple[str, tuple]]] = {}
    for schema, pointer in walk_schemas(raw):
        if not pointer.startswith("/components/schemas/"):
            continue
        component = unescape(pointer.split("/")[3])
        whole = COMPONENT_SCHEMA.match(pointer)
        owner = component if whole else None
        for name, prop in (schema.get("properties") or {}).items():
            concept = _concept(owner, str(name))
            if concept is None:
                continue
            groups.setdefault(concept, []).append(
                (f"{pointer}/properties/{escape_pointer(str(name))}", _signature(raw, prop)))
    found = []
    for concept, definitions in groups.items():
        signatures = {sig for _, sig in definitions}
        if len(signatures) < 2:
            continue
        counts = {sig: sum(1 for _, s in definitions if s == sig) for sig in signatures}
        reference = max(signatures, key=lambda sig: (len(sig), counts[sig]))
        example = next(p for p, s in definitions if s == reference)
        for location, sig in definitions:
            if sig == reference:
                continue
            found.append(finding(
                "schema-drift",
                f"this {concept} has {_render(sig)}; {example} (and {counts[reference] - 1} other(s)) has "
                f"{_render(reference)}",
                location,
                details={"concept": concept, "reference": example},
            ))
    return found


