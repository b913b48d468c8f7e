"""The one finding type used everywhere, and the append-only store runs write it to.

Every deviation the project detects (a broken example in the spec, a response that breaks
its schema, a server that forgets a configure) becomes a :class:`Finding`. The spec check,
the suite, the reports and the run comparison all read and write this one dataclass, so a
field added here reaches every output.

The store is a directory of NDJSON files, one per writer (pytest-xdist worker or process):
appending a line to a file nobody else writes cannot lose or interleave findings, and a
crashed run still leaves everything it found so far on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

#: Severities, most severe first. ``error``: the server (or document) breaks the contract
#: or a semantic rule. ``warning``: leniency or an undocumented extra. ``note``: worth
#: knowing, never a failure (throttling, accepted explicit nulls).
SEVERITIES = ("error", "warning", "note")

#: How much of a response body a finding keeps.
BODY_EXCERPT_LIMIT = 2000


@dataclass(frozen=True)
class Finding:
    """One deviation: what was checked, where, and how to reproduce it."""

    kind: str
    """What sort of deviation, e.g. ``example``, ``response_schema``, ``status_code``, ``semantic``."""
    check: str
    """The name of the check that found it (stable: reports and comparisons key on it)."""
    severity: str
    """One of :data:`SEVERITIES`."""
    message: str
    """A human-readable sentence naming the real problem."""
    operation: str | None = None
    """The operationId concerned, if any."""
    location: str | None = None
    """JSON pointer into the OpenAPI document (the schema or example that was broken)."""
    request: str | None = None
    """The request as a curl line, API key redacted."""
    status: int | None = None
    """The response status code, if a response was involved."""
    response: str | None = None
    """An excerpt of the response body."""
    seed: int | None = None
    """The run's seed, so the run can be repeated."""
    details: dict = field(default_factory=dict)
    """Anything else a report may show (JSON-serialisable)."""
    authority: str = "contract"
    """What the finding's check enforces: ``contract`` (the document) or ``production`` (a rule of
    production Pinecone where the document is silent or wrong). See :mod:`core.checks`."""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    @property
    def fingerprint(self) -> str:
        """Identity of the deviation, not of the occurrence: identical deviations found by
        different requests (same operation, check, status and schema location) share it."""
        key = "\x1f".join(str(part) for part in (self.operation, self.check, self.status, self.location))
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def excerpt(body: str | bytes | None, limit: int = BODY_EXCERPT_LIMIT) -> str | None:
    """The first ``limit`` characters of a body, marked when cut."""
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    return body if len(body) <= limit else body[:limit] + f"... [{len(body) - limit} more characters]"


def writer_name() -> str:
    """A name unique to this writer: its process id (after the xdist worker id, if any). The
    worker id alone is not unique: a process started by a worker inherits it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{worker}-pid{os.getpid()}" if worker else f"pid{os.getpid()}"


class FindingStore:
    """A directory of per-writer NDJSON files holding findings.

    ``add`` appends one line and flushes, so nothing is lost if the run is killed.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    @property
    def _own_file(self) -> Path:
        return self.directory / f"findings-{writer_name()}.ndjson"

    def add(self, finding: Finding) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        line = json.dumps(finding.to_dict(), sort_keys=True, default=str)
        with self._own_file.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(finding)

    def __iter__(self) -> Iterator[Finding]:
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob("findings-*.ndjson")):
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        yield Finding.from_dict(json.loads(line))

    def all(self) -> list[Finding]:
        return list(self)

    def clear(self) -> None:
        for path in self.directory.glob("findings-*.ndjson"):
            path.unlink()


def worst_severity(findings: Iterable[Finding]) -> str | None:
    """The most severe severity among ``findings``, or None when there are none."""
    present = {finding.severity for finding in findings}
    return next((severity for severity in SEVERITIES if severity in present), None)
