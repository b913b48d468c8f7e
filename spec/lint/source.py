"""The YAML text behind a document: where each JSON pointer sits (line and column, from
PyYAML's node marks) and what only the text shows (unquoted timestamps, duplicate keys).

The document is composed once into PyYAML nodes (libyaml when available, so it stays fast);
positions are 1-based like an editor's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import yaml

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.spec.lint.common import split_pointer
from pinecone_conformance.spec.lint.rules import finding
from pinecone_conformance.spec.loader import escape_pointer

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Source:
    """Positions of a document's nodes, by JSON pointer."""

    positions: dict[str, tuple[int, int]]
    root: yaml.Node | None

    @classmethod
    def parse(cls, text: str) -> Source:
        try:
            root = yaml.compose(text, Loader=_Loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            return cls({}, None)
        positions: dict[str, tuple[int, int]] = {}
        for pointer, node, key in _nodes(root):
            mark = (key or node).start_mark
            positions.setdefault(pointer, (mark.line + 1, mark.column + 1))
        return cls(positions, root)

    def position(self, pointer: str | None) -> tuple[int, int] | None:
        """Line and column of ``pointer``, or of its nearest ancestor the text has."""
        if pointer is None:
            return None
        tokens = split_pointer(pointer)
        while True:
            key = "".join("/" + escape_pointer(token) for token in tokens)
            if key in self.positions:
                return self.positions[key]
            if not tokens:
                return None
            tokens.pop()

    def locate(self, findings: list[Finding]) -> list[Finding]:
        """The findings with ``details.line`` / ``details.column`` added where known."""
        located = []
        for item in findings:
            where = self.position(item.location)
            if where and "line" not in item.details:
                item = replace(item, details={**item.details, "line": where[0], "column": where[1]})
            located.append(item)
        return located


def _nodes(root, pointer: str = "", key=None) -> Iterator[tuple[str, yaml.Node, yaml.Node | None]]:
    stack = [(root, pointer, key)]
    while stack:
        node, here, key_node = stack.pop()
        yield here, node, key_node
        if isinstance(node, yaml.MappingNode):
            for child_key, child in reversed(node.value):
                name = child_key.value if isinstance(child_key, yaml.ScalarNode) else str(child_key.start_mark)
                stack.append((child, f"{here}/{escape_pointer(str(name))}", child_key))
        elif isinstance(node, yaml.SequenceNode):
            for index in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[index], f"{here}/{index}", None))


_YAML11_READING = {"bool": "a boolean", "int": "a number (octal or base 60)", "float": "a base-60 number"}


def _reads_differently(node: yaml.ScalarNode) -> bool:
    """YAML 1.1 only: ``yes``/``no``/``on``/``off`` booleans, ``0755`` octals, ``1:20`` base-60 numbers."""
    kind = node.tag.rsplit(":", 1)[-1]
    value = node.value.lstrip("+-")
    if kind == "bool":
        return node.value.lower() not in ("true", "false")
    if kind == "int":
        return ":" in value or (len(value) > 1 and value.startswith("0") and not value.startswith(("0x", "0o")))
    if kind == "float":
        return ":" in value
    return False


def portability_findings(source: Source) -> list[Finding]:
    """Unquoted timestamps (YAML 1.1 loaders such as PyYAML's ``safe_load`` turn
    ``2024-03-15T10:30:00Z`` into a datetime, so a ``type: string`` example stops validating),
    other YAML 1.1-only readings (``on``, ``0755``, ``1:20``) and keys given twice in one
    mapping (YAML 1.2 forbids it; most loaders keep the last)."""
    if source.root is None:
        return []
    found = []
    for pointer, node, _ in _nodes(source.root):
        if isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP_TAG and not node.style:
            found.append(finding(
                "yaml-timestamp",
                f"unquoted {node.value} is a timestamp to YAML 1.1 loaders (a datetime, not a string); "
                f"quote it: '{node.value}'",
                pointer,
                details={"value": node.value},
            ))
        elif isinstance(node, yaml.ScalarNode) and not node.style and _reads_differently(node):
            found.append(finding(
                "yaml-implicit-type",
                f"unquoted {node.value} is {_YAML11_READING[node.tag.rsplit(':', 1)[1]]} to YAML 1.1 loaders but "
                f"not to YAML 1.2 ones; quote it (or write the plain JSON value)",
                pointer,
                details={"value": node.value, "yaml_1_1_tag": node.tag},
            ))
        elif isinstance(node, yaml.MappingNode):
            for key, _value in node.value:  # keys read as booleans (`on:`, `yes:`) too
                if isinstance(key, yaml.ScalarNode) and not key.style and _reads_differently(key):
                    found.append(finding(
                        "yaml-implicit-type",
                        f"unquoted key {key.value} is a boolean to YAML 1.1 loaders; quote it",
                        f"{pointer}/{escape_pointer(key.value)}",
                        details={"value": key.value, "yaml_1_1_tag": key.tag},
                    ))
            seen: dict[str, int] = {}
            for key, _value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                if key.value in seen:
                    found.append(finding(
                        "yaml-duplicate-key",
                        f"key {key.value!r} appears twice in this mapping (first at line {seen[key.value]}); "
                        "loaders silently keep one of the values",
                        f"{pointer}/{escape_pointer(key.value)}",
                        details={"line": key.start_mark.line + 1, "column": key.start_mark.column + 1},
                    ))
                else:
                    seen[key.value] = key.start_mark.line + 1
    return found
