"""Secret removal for data (findings, run records), before anything is rendered.

Rendering escapes text (``&amp;`` in HTML, ``\\u`` in JSON, entities in XML), which could
disguise a secret from a scrub of the finished file; so secrets are removed from the data
first, and :func:`reports.write_reports` scrubs the finished text again anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, replace

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.redaction import redact
from pinecone_conformance.core.run_record import RunRecord


def secret_tuple(secrets: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty secrets, longest first (so a secret containing another leaves no partial trace)."""
    return tuple(sorted({s for s in secrets if s}, key=len, reverse=True))


def redact_data(value: object, secrets: tuple[str, ...]) -> object:
    """``value`` (JSON-like data) with every secret removed from every string, keys included."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact_data(key, secrets): redact_data(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item, secrets) for item in value]
    return value


#: Fields that identify a finding and never carry server text: scrubbing them would only break
#: the identity (a one-letter key would eat letters of every check id).
IDENTITY_FIELDS = frozenset({"severity", "kind", "check", "authority", "operation", "location", "status", "seed"})


def redact_finding(finding: Finding, secrets: tuple[str, ...]) -> Finding:
    """``finding`` with secrets removed from every field that can carry server or request text."""
    return replace(finding, **{f.name: redact_data(getattr(finding, f.name), secrets) for f in fields(Finding)
                               if f.name not in IDENTITY_FIELDS})


def redact_record(record: RunRecord, secrets: tuple[str, ...]) -> RunRecord:
    """A redacted copy of ``record``; the caller's record is left untouched (containers are rebuilt)."""
    return replace(record, **{f.name: redact_data(getattr(record, f.name), secrets)
                              for f in fields(RunRecord)})
