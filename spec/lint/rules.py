"""The rule registry of the spec check: every rule's id, severity, kind and one-line why.

Severities follow one bar: ``error`` is what a strict tool rejects (a validator, a code
generator, a YAML 1.2 parser); ``warning`` is an inconsistency, a place where an honest server
and the document disagree; ``note`` (the project's name for *info*) is style. ``--select`` /
``--ignore`` take rule ids or prefixes of them (``prose`` selects every ``prose-*`` rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pinecone_conformance.core.errors import UsageError
from pinecone_conformance.core.findings import Finding


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    kind: str
    why: str


_RULES = (
    # examples against their schemas
    Rule("example-schema", "error", "example", "an example breaks its schema (OAS 3.0, read/write context)"),
    Rule("example-uncheckable", "error", "example", "an example has a shape the checker cannot evaluate"),
    Rule("example-undeclared-property", "warning", "example",
         "an example property the schema does not declare (a likely misspelling)"),
    Rule("example-x-enum", "error", "example", "a value outside the schema's x-enum list"),
    Rule("example-prose-value", "warning", "example",
         "a value outside the values the description lists (the schema has no enum to say it)"),
    # examples against rules stated in prose
    Rule("example-name-rule", "error", "semantic", "an index or collection name breaks the resource-name rule"),
    Rule("example-name-like", "warning", "semantic",
         "a name-like field's example breaks the resource-name rule (stated in prose or a newer version)"),
    Rule("example-pods", "error", "semantic", "pods is not shards x replicas"),
    Rule("example-sparse", "error", "semantic", "a sparse index with a dimension or a metric other than dotproduct"),
    Rule("example-dense-dimension", "error", "semantic", "a dense index without a dimension (the service answers 400)"),
    Rule("example-vector-type", "error", "semantic", "vector_type is neither dense nor sparse"),
    # error examples
    Rule("example-error-status", "error", "semantic", "an error body's status differs from its HTTP status"),
    Rule("example-status-name", "warning", "example",
         "an error example keyed or summarised as another status's error (copy-pasted)"),
    Rule("example-error-code", "warning", "example", "an error body's error.code belongs to another HTTP status"),
    Rule("example-undeclared-status", "warning", "example",
         "a component-level error example uses a status no operation declares"),
    Rule("example-message-field", "warning", "example",
         "an error message names a request field the request schema lacks or does not require"),
    # rules that exist only in prose
    Rule("prose-enum", "warning", "prose", "a description lists the allowed values; the schema has no enum/x-enum"),
    Rule("prose-enum-mismatch", "warning", "prose", "a description's value list and the x-enum list differ"),
    Rule("prose-length", "warning", "prose", "a description states a length limit the schema does not encode"),
    Rule("prose-pattern", "warning", "prose", "a description states a character rule; the schema has no pattern"),
    Rule("prose-boolean", "warning", "prose", "a description forbids a boolean value the schema allows"),
    Rule("prose-required", "warning", "prose", "a description says fields must be given; the schema does not require them"),
    Rule("prose-conditional", "note", "prose", "an if-then rule stated only in prose (OAS 3.0 cannot say it plainly)"),
    # schema constructs
    Rule("oneof-discriminator", "warning", "schema",
         "plain JSON Schema and discriminator-aware validators disagree on instances of this oneOf"),
    Rule("oneof-overlap", "warning", "schema", "an instance of one oneOf branch also matches another (oneOf rejects it)"),
    Rule("schema-drift", "warning", "schema", "one concept defined in several schemas with different constraints"),
    # YAML source
    Rule("yaml-timestamp", "warning", "yaml", "an unquoted timestamp that YAML 1.1 loaders turn into a datetime"),
    Rule("yaml-implicit-type", "warning", "yaml",
         "an unquoted yes/no/on/off, 0755 or 1:20 that YAML 1.1 and YAML 1.2 loaders read differently"),
    Rule("yaml-duplicate-key", "error", "yaml", "a mapping key given twice (YAML 1.2 forbids it; loaders keep one)"),
    # parameters, links, responses
    Rule("parameter-required-default", "note", "document-gap", "a required parameter's default can never apply"),
    Rule("link-unknown-operation", "error", "link", "a link names an operationId not in the document"),
    Rule("link-invalid-expression", "error", "link", "a link uses an invalid runtime expression"),
    Rule("link-unknown-parameter", "error", "link", "a link sets a parameter its target operation does not have"),
    Rule("link-server-expression", "warning", "link-server",
         "a link's server.url is a runtime expression (a Server Object url is a URL, not an expression)"),
    Rule("constrained-input-without-4xx", "warning", "document-gap",
         "a constrained input on an operation that documents no 400/422 to reject it with"),
    Rule("missing-not-found", "warning", "document-gap",
         "an operation on a named resource documents no 404 for a resource that does not exist"),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def finding(rule_id: str, message: str, location: str | None, **fields) -> Finding:
    """A finding of a registered rule (its severity and kind come from the registry)."""
    rule = RULES[rule_id]
    return Finding(kind=rule.kind, check=rule.id, severity=rule.severity, message=message, location=location,
                   **fields)


def _matches(selector: str, rule_id: str) -> bool:
    return rule_id == selector or rule_id.startswith(selector.rstrip("-") + "-")


def expand_selectors(selectors: Iterable[str]) -> set[str]:
    """Rule ids named by ``--select``/``--ignore`` values (comma-separated, repeatable).
    An entry naming no rule is bad input (UsageError)."""
    chosen: set[str] = set()
    for value in selectors:
        for selector in filter(None, (part.strip() for part in str(value).split(","))):
            if selector.upper() == "ALL":
                chosen |= set(RULES)
                continue
            matched = {rule_id for rule_id in RULES if _matches(selector, rule_id)}
            if not matched:
                raise UsageError(f"unknown rule {selector!r} (rules: {', '.join(sorted(RULES))})")
            chosen |= matched
    return chosen


def filter_findings(findings: list[Finding], select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Finding]:
    select, ignore = list(select or ()), list(ignore or ())
    keep = expand_selectors(select) if select else set(RULES)
    keep -= expand_selectors(ignore)
    return [f for f in findings if f.check in keep or f.check not in RULES]
