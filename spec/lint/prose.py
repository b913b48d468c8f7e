"""Rules that exist only in prose: a description states what values, lengths, characters,
booleans or fields are allowed, and the schema beside it does not encode it, so every
validator (and every generated client) accepts what the service rejects.

- ``prose-enum``: "Possible values: `a` or `b`" / "You can use 'a' or 'b'" / "One of ..."
  on a schema with no enum, x-enum or pattern; ``prose-enum-mismatch``: the list and the
  schema's x-enum/enum differ.
- ``prose-length``: "1-45 characters", "120 characters or less" without the matching
  minLength/maxLength (for "Values ..." of a map: on its additionalProperties).
- ``prose-pattern``: "consist only of lower case alphanumeric characters" without a pattern.
- ``prose-boolean``: "Only true values are allowed", "`filterable: false` is not supported"
  on a boolean schema that allows the forbidden value.
- ``prose-required``: "`a.b` and `a.c` must be specified" where the schema does not require them.
- ``prose-conditional`` (note): "If X, Y must ..." (OAS 3.0 has no if/then; a oneOf could say it).

Map keys ("Keys must be 80 characters or less") are left alone: OAS 3.0 cannot constrain them.
"""

from __future__ import annotations

import re

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.text import one_line
from pinecone_conformance.spec.lint.common import deref, resolve_pointer, walk_schemas
from pinecone_conformance.spec.lint.rules import finding
from pinecone_conformance.spec.loader import escape_pointer

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`'])|\n\s*\n")
_VALUE = re.compile(r"`([^`]+)`|'([^'\s][^']*)'")
_LIST_INTRO = re.compile(r"\b(?:Possible|Available|Allowed|Valid|Supported)\s+(?:values|options)\b[^:\n]*:", re.I)
_LIST_ITEM = re.compile(r"^\s*[-*]\s+`([^`]+)`", re.M)
_CHOICE = re.compile(r"\b(?:You can use|Must be one of|must be one of|One of|one of|Either|either)\b")
_RANGE = re.compile(r"\b(\d+)\s*-\s*(\d+)\s+characters\b")
_AT_MOST = re.compile(r"\b(?:(\d+)\s+characters\s+or\s+(?:less|fewer)|at\s+most\s+(\d+)\s+characters|up\s+to\s+(\d+)\s+characters)\b")
_CHARACTERS = re.compile(
    r"\b(?:consists?\s+only\s+of|contains?\s+only|must\s+be\s+alphanumeric|only\s+(?:lower[- ]?case\s+)?"
    r"alphanumeric|must\s+(?:start|begin)\s+(?:and\s+end\s+)?with)\b", re.I)
_ONLY_BOOLEAN = re.compile(r"\bonly\s+(true|false)\s+values?\s+(?:are|is)\s+allowed|\bcannot\s+be\s+(true|false)\b"
                           r"|\bmust\s+(?:always\s+)?be\s+(true|false)\b", re.I)
_UNSUPPORTED_BOOLEAN = re.compile(r"`(\w+):\s*(true|false)`\s+is\s+not\s+(?:currently\s+)?supported", re.I)
_REQUIRED = re.compile(r"((?:`[\w.]+`[\s,]*(?:and\s+|or\s+)?)+)(?:must\s+be\s+(?:specified|provided|set|given)"
                       r"|(?:is|are)\s+required)\b")
_CONDITIONAL = re.compile(r"\bif\b.*?\b(?:must|should)\b", re.I)


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def listed_values(description: str) -> tuple[list[str], str] | None:
    """The values a description lists as the allowed ones, and the clause that lists them."""
    intro = _LIST_INTRO.search(description)
    if intro:
        rest = description[intro.end():]
        first_line = rest.split("\n", 1)[0]
        first_line = (sentences(first_line) or [""])[0] if first_line.strip() else ""
        values = [a or b for a, b in _VALUE.findall(first_line)]
        if not values:
            values = _LIST_ITEM.findall(rest)
        clause = f"{intro.group(0)} {first_line.strip()}".strip()
        return (values, clause) if values else None
    for sentence in sentences(description):
        choice = _CHOICE.search(sentence)
        if choice:
            values = [a or b for a, b in _VALUE.findall(sentence[choice.end():])]
            if len(values) >= 2:
                return values, sentence
    return None


def _subject(sentence: str) -> str:
    return sentence.split(None, 1)[0].lower() if sentence.strip() else ""


def _target(schema: dict, pointer: str, sentence: str) -> tuple[dict, str] | None:
    """The schema a sentence constrains: the map's values for "Values ...", none for "Keys ..."."""
    subject = _subject(sentence)
    if subject in ("keys", "key"):
        return None
    if subject in ("values", "value") and isinstance(schema.get("additionalProperties"), dict):
        return schema["additionalProperties"], pointer + "/additionalProperties"
    return schema, pointer


def _enum_findings(raw: dict, schema: dict, pointer: str, description: str) -> list[Finding]:
    listed = listed_values(description)
    if not listed or schema.get("type") not in (None, "string"):
        return []
    values, clause = listed
    allowed = schema.get("enum") if isinstance(schema.get("enum"), list) else schema.get("x-enum")
    if isinstance(allowed, list):
        missing = [v for v in values if v not in allowed]
        unlisted = [v for v in allowed if v not in values]
        if not missing and not unlisted:
            return []
        parts = []
        if missing:
            parts.append(f"the description allows {', '.join(missing)}, which the list lacks")
        if unlisted:
            parts.append(f"the list allows {', '.join(map(str, unlisted))}, which the description does not name")
        return [finding("prose-enum-mismatch", "; ".join(parts), pointer + "/description",
                        details={"prose": values, "enum": allowed})]
    if "pattern" in schema or "const" in schema:
        return []
    restriction = "restricts the value" if "append" in clause else f"allows only {', '.join(values)}"
    return [finding(
        "prose-enum",
        f"the description {restriction} ({one_line(clause, 100)!r}) but the schema has no "
        "enum, x-enum or pattern, so any string validates",
        pointer + "/description",
        details={"values": values},
    )]


def _length_findings(schema: dict, pointer: str, description: str) -> list[Finding]:
    found = []
    for sentence in sentences(description):
        target = _target(schema, pointer, sentence)
        if target is None:
            continue
        sub, sub_pointer = target
        expected: dict[str, int] = {}
        match = _RANGE.search(sentence)
        if match:
            expected = {"minLength": int(match.group(1)), "maxLength": int(match.group(2))}
        else:
            match = _AT_MOST.search(sentence)
            if match:
                expected = {"maxLength": int(next(g for g in match.groups() if g))}
        wrong = {key: value for key, value in expected.items() if sub.get(key) != value}
        if wrong and sub.get("type") in (None, "string"):
            have = {key: sub.get(key) for key in expected}
            state = ", ".join(f"{k} {v}" if v is not None else f"no {k}" for k, v in have.items())
            found.append(finding(
                "prose-length",
                f"the description says {one_line(sentence, 120)!r} but the schema has {state}",
                sub_pointer,
                details={"expected": expected, "schema": have, "description": pointer + "/description"},
            ))
    return found


def _pattern_findings(schema: dict, pointer: str, description: str) -> list[Finding]:
    for sentence in sentences(description):
        if not _CHARACTERS.search(sentence):
            continue
        target = _target(schema, pointer, sentence)
        if target is None:
            continue
        sub, sub_pointer = target
        if "pattern" not in sub and "enum" not in sub and "x-enum" not in sub and sub.get("type") in (None, "string"):
            return [finding(
                "prose-pattern",
                f"the description says {one_line(sentence, 140)!r} but the schema has no pattern, "
                "so any characters validate",
                sub_pointer,
                details={"description": pointer + "/description"},
            )]
    return []


def _forbidden_booleans(raw: dict, schema: dict, pointer: str, description: str) -> list[tuple[str, bool, str]]:
    """(pointer of a boolean schema, the forbidden value, the sentence) stated by this description."""
    result = []
    if schema.get("type") == "boolean":
        match = _ONLY_BOOLEAN.search(description)
        if match:
            only, cannot, must = match.groups()
            forbidden = (only or must).lower() != "true" if (only or must) else cannot.lower() == "true"
            result.append((pointer, forbidden, match.group(0)))
    for match in _UNSUPPORTED_BOOLEAN.finditer(description):
        name, value = match.group(1), match.group(2).lower() == "true"
        for sub, sub_pointer in _descendants(raw, schema, pointer):
            properties = sub.get("properties") or {}
            if name in properties:
                prop, _ = deref(raw, properties[name], "")
                if isinstance(prop, dict) and prop.get("type") == "boolean":
                    result.append((f"{sub_pointer}/properties/{escape_pointer(name)}", value, match.group(0)))
    return result


def _descendants(raw: dict, schema: dict, pointer: str, depth: int = 0):
    """``schema`` and the object schemas below it (properties, additionalProperties, items, $refs)."""
    if depth > 6:
        return
    schema, pointer = deref(raw, schema, pointer)
    if not isinstance(schema, dict):
        return
    yield schema, pointer
    for name, sub in (schema.get("properties") or {}).items():
        yield from _descendants(raw, sub, f"{pointer}/properties/{escape_pointer(str(name))}", depth + 1)
    for key in ("additionalProperties", "items"):
        if isinstance(schema.get(key), dict):
            yield from _descendants(raw, schema[key], f"{pointer}/{key}", depth + 1)


def _required_findings(raw: dict, schema: dict, pointer: str, description: str) -> list[Finding]:
    """``a.b`` named as required in a property's description, resolved from the object holding it."""
    match_parent = re.match(r"\A(.*)/properties/[^/]+\Z", pointer)
    if not match_parent:
        return []
    try:
        parent = resolve_pointer(raw, match_parent.group(1))
    except (KeyError, IndexError, ValueError):
        return []
    missing = []
    for match in _REQUIRED.finditer(description):
        for name in re.findall(r"`([\w.]+)`", match.group(1)):
            owner, resolved = parent, True
            for segment in name.split("."):
                owner, _ = deref(raw, owner, "")
                if not isinstance(owner, dict) or segment not in (owner.get("properties") or {}):
                    resolved = False
                    break
                if segment not in (owner.get("required") or []):
                    missing.append(name)
                    break
                owner = owner["properties"][segment]
            if not resolved:
                continue
    if not missing:
        return []
    return [finding(
        "prose-required",
        f"the description says {', '.join(dict.fromkeys(missing))} must be specified, but the schema does "
        "not require them",
        pointer + "/description",
        details={"fields": list(dict.fromkeys(missing))},
    )]


def _conditional_findings(schema: dict, pointer: str, description: str) -> list[Finding]:
    if any(key in schema for key in ("oneOf", "anyOf", "not")):
        return []
    # "`a.b` must be specified" sentences are prose-required's
    rules = [one_line(s, 160) for s in sentences(description) if _CONDITIONAL.search(s) and not _REQUIRED.search(s)]
    if not rules:
        return []
    return [finding(
        "prose-conditional",
        f"a rule stated only in prose: {'; '.join(repr(r) for r in rules)}",
        pointer + "/description",
        details={"rules": rules},
    )]


def prose_findings(raw: dict) -> list[Finding]:
    found: list[Finding] = []
    booleans: dict[str, tuple[bool, str, str]] = {}
    for schema, pointer in walk_schemas(raw):
        description = schema.get("description")
        if not isinstance(description, str) or not description.strip():
            continue
        found += _enum_findings(raw, schema, pointer, description)
        found += _length_findings(schema, pointer, description)
        found += _pattern_findings(schema, pointer, description)
        found += _required_findings(raw, schema, pointer, description)
        found += _conditional_findings(schema, pointer, description)
        for target, forbidden, sentence in _forbidden_booleans(raw, schema, pointer, description):
            booleans.setdefault(target, (forbidden, sentence, pointer))
    for target, (forbidden, sentence, stated_at) in booleans.items():
        try:
            schema = resolve_pointer(raw, target)
        except (KeyError, IndexError, ValueError):
            continue
        allowed = schema.get("enum") if isinstance(schema, dict) else None
        if isinstance(allowed, list) and forbidden not in allowed:
            continue
        value = "true" if forbidden else "false"
        found.append(finding(
            "prose-boolean",
            f"{sentence!r} (at {stated_at}), yet the boolean schema allows {value} (no enum: [{str(not forbidden).lower()}])",
            target,
            details={"forbidden": forbidden, "stated_at": stated_at},
        ))
    return found
