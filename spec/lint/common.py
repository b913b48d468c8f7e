"""Helpers every rule of the spec check shares: JSON pointers, ``$ref`` resolution, a walk
over every schema of a document, short value rendering. Pure functions over the parsed dict."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from pinecone_conformance.spec.loader import escape_pointer

SCHEMA_PREFIX = "#/components/schemas/"
COMPONENT_SCHEMA = re.compile(r"\A/components/schemas/([^/]+)\Z")


def unescape(token: str) -> str:
    """Undo one JSON-pointer reference token's escaping (RFC 6901)."""
    return token.replace("~1", "/").replace("~0", "~")


def split_pointer(pointer: str) -> list[str]:
    return [unescape(token) for token in pointer.lstrip("/").split("/")] if pointer not in ("", "/") else []


def resolve_pointer(raw: dict, pointer: str) -> object:
    node: object = raw
    for token in split_pointer(pointer):
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


def deref(raw: dict, node: object, pointer: str, limit: int = 20) -> tuple[object, str]:
    """Follow local ``$ref``s; returns the target and its pointer (unresolvable: unchanged)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and limit:
        ref = node["$ref"]
        if not ref.startswith("#"):
            break
        try:
            node, pointer = resolve_pointer(raw, ref[1:]), ref[1:]
        except (KeyError, IndexError, ValueError):
            break
        limit -= 1
    return node, pointer


def short(value: object, limit: int = 80) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def status_number(status: object) -> int | None:
    return int(status) if str(status).isdigit() else None


def component_schemas(raw: dict) -> dict:
    schemas = (raw.get("components") or {}).get("schemas") or {}
    return schemas if isinstance(schemas, dict) else {}


def walk_schemas(raw: dict) -> Iterator[tuple[dict, str]]:
    """Every schema object of the document (components, parameters, request and response
    bodies) with its pointer, subschemas included; ``$ref`` objects are not followed, so each
    definition is visited once, where it is written."""
    seen: set[str] = set()

    def walk(schema: object, pointer: str, depth: int = 0) -> Iterator[tuple[dict, str]]:
        if not isinstance(schema, dict) or "$ref" in schema or pointer in seen or depth > 40:
            return
        seen.add(pointer)
        yield schema, pointer
        for name, sub in (schema.get("properties") or {}).items():
            yield from walk(sub, f"{pointer}/properties/{escape_pointer(str(name))}", depth + 1)
        for key in ("items", "additionalProperties", "not"):
            if isinstance(schema.get(key), dict):
                yield from walk(schema[key], f"{pointer}/{key}", depth + 1)
        for key in ("allOf", "oneOf", "anyOf"):
            for index, sub in enumerate(schema.get(key) or []):
                yield from walk(sub, f"{pointer}/{key}/{index}", depth + 1)

    for name, schema in component_schemas(raw).items():
        yield from walk(schema, f"/components/schemas/{escape_pointer(str(name))}")
    for holder, pointer in _schema_holders(raw):
        yield from walk(holder.get("schema"), pointer + "/schema")


def _schema_holders(raw: dict) -> Iterator[tuple[dict, str]]:
    """Parameters and media types that carry a ``schema`` (inline ones only matter here)."""
    from pinecone_conformance.spec.loader import HTTP_METHODS

    for path, item in (raw.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        path_ptr = f"/paths/{escape_pointer(path)}"
        holders: list[tuple[object, str]] = [
            (p, f"{path_ptr}/parameters/{i}") for i, p in enumerate(item.get("parameters") or [])
        ]
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            op_ptr = f"{path_ptr}/{method}"
            holders += [(p, f"{op_ptr}/parameters/{i}") for i, p in enumerate(operation.get("parameters") or [])]
            body = operation.get("requestBody")
            if isinstance(body, dict):
                for media_type, media in (body.get("content") or {}).items():
                    holders.append((media, f"{op_ptr}/requestBody/content/{escape_pointer(media_type)}"))
            for status, response in (operation.get("responses") or {}).items():
                if isinstance(response, dict):
                    for media_type, media in (response.get("content") or {}).items():
                        holders.append(
                            (media, f"{op_ptr}/responses/{escape_pointer(str(status))}/content/"
                             f"{escape_pointer(media_type)}")
                        )
        for holder, pointer in holders:
            if isinstance(holder, dict) and isinstance(holder.get("schema"), dict):
                yield holder, pointer
