"""Checks as declared objects, and the two authorities a check can enforce.

Every check the suite runs is a :class:`Check`: an id, the kind of deviation it finds, a
default severity, the :class:`Authority` it enforces and one line of what it asserts. A
finding is made from its check (:meth:`Check.finding`), never by hand, so the kind and the
authority of a deviation are decided once, where the check is declared.

Two authorities, never mixed up:

- ``contract``: the OpenAPI document says so (its schemas, status codes, media types, or a
  rule stated in a description); ``reference`` is the JSON pointer of that text.
- ``production``: the document is silent or wrong, and production Pinecone behaves so;
  ``reference`` is the rule id in ``shared/research/pinecone-behavior.md``, with its source
  and confidence (``tested``, ``docs`` or ``inferred``).

A profile decides what fails a run: under ``contract`` (the default) only contract errors do,
and production-parity differences are reported as warnings; under ``production`` both do.
Rules of ``inferred`` confidence never produce errors, in any profile.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pinecone_conformance.core.findings import Finding

CONTRACT = "contract"
PRODUCTION = "production"
AUTHORITIES = (CONTRACT, PRODUCTION)
PROFILES = (CONTRACT, PRODUCTION)
CONFIDENCES = ("tested", "docs", "inferred")
#: The scope of a check that judges every response.
EVERY_RESPONSE = "every-response"


@dataclass(frozen=True)
class Authority:
    kind: str
    """:data:`CONTRACT` or :data:`PRODUCTION`."""
    reference: str
    """A JSON pointer into the document (contract), or a rule id such as ``R-CFG-09`` (production)."""
    confidence: str = ""
    """For production rules: ``tested``, ``docs`` or ``inferred``."""
    source: str = ""
    """For production rules: where the rule comes from."""

    def __post_init__(self) -> None:
        if self.kind not in AUTHORITIES:
            raise ValueError(f"authority must be one of {AUTHORITIES}, not {self.kind!r}")
        if self.kind == PRODUCTION and self.confidence not in CONFIDENCES:
            raise ValueError(f"a production rule needs a confidence in {CONFIDENCES}: {self.reference}")


def contract(pointer: str) -> Authority:
    return Authority(CONTRACT, pointer)


def production(rule: str, confidence: str, source: str = "shared/research/pinecone-behavior.md") -> Authority:
    return Authority(PRODUCTION, rule, confidence, source)


@dataclass(frozen=True)
class Check:
    id: str
    kind: str
    severity: str
    authority: Authority
    asserts: str
    other_kinds: tuple[str, ...] = ()
    """Further kinds one check may report (openapi-core tells a wrong status from a wrong body)."""
    scope: str = ""
    """:data:`EVERY_RESPONSE` for a check that judges every response (it counts as run on each
    operation that answered); empty for one that says itself where it ran."""

    def as_record(self) -> dict:
        """The check as run.json keeps it, so the reports can name and cite every registered check."""
        return {"kind": self.kind, "severity": self.severity, "authority": self.authority.kind,
                "reference": self.authority.reference, "confidence": self.authority.confidence,
                "asserts": self.asserts}

    def finding(self, message: str, *, severity: str | None = None, kind: str | None = None, **fields) -> Finding:
        """A finding of this check. ``severity`` may lower the default for a sub-case (a slow
        lifecycle past --wait is a warning), never raise it; ``kind`` must be one it declares."""
        chosen = self.severity if severity is None else severity
        if SEVERITY_RANK[chosen] < SEVERITY_RANK[self.severity]:
            raise ValueError(f"{self.id}: a finding may not be more severe than its check ({chosen})")
        kind = kind or self.kind
        if kind != self.kind and kind not in self.other_kinds:
            raise ValueError(f"{self.id}: kind {kind!r} is not one it declares")
        details = dict(fields.pop("details", None) or {})
        details.setdefault("authority_reference", self.authority.reference)
        if self.authority.confidence:
            details.setdefault("confidence", self.authority.confidence)
        return Finding(kind=kind, check=self.id, severity=chosen, message=message,
                       authority=self.authority.kind, details=details, **fields)


SEVERITY_RANK = {"error": 0, "warning": 1, "note": 2}


def apply_profile(finding: Finding, profile: str, confidence: str = "") -> Finding:
    """The finding as the profile judges it: a production-parity error becomes a warning under
    the contract profile, and a rule of inferred confidence is never an error."""
    if finding.severity != "error" or finding.authority != PRODUCTION:
        return finding
    if profile == PRODUCTION and confidence != "inferred":
        return finding
    why = "inferred rule" if confidence == "inferred" else "production parity under the contract profile"
    return replace(finding, severity="warning", details={**finding.details, "demoted": why})


class Registry:
    """Every check by id; unknown ids are a programming error (a KeyError names them)."""

    def __init__(self, checks: list[Check]):
        self._checks: dict[str, Check] = {}
        for check in checks:
            if check.id in self._checks:
                raise ValueError(f"check {check.id!r} declared twice")
            self._checks[check.id] = check

    def __getitem__(self, check_id: str) -> Check:
        return self._checks[check_id]

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def __iter__(self):
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def ids(self) -> list[str]:
        return list(self._checks)

    def every_response(self) -> tuple[str, ...]:
        """The checks that judge every response."""
        return tuple(check.id for check in self._checks.values() if check.scope == EVERY_RESPONSE)

    def as_record(self, selected: frozenset[str] | set[str] = frozenset()) -> dict[str, dict]:
        """id -> :meth:`Check.as_record`, in declaration order (only ``selected``, when given)."""
        return {check.id: check.as_record() for check in self._checks.values() if not selected or check.id in selected}
