"""What a run records besides its findings: target, seed, versions, what was exercised.

The runner fills a :class:`RunRecord` and saves it as ``run.json`` beside the findings
store; the report generator reads both. Coverage lives here (requests and statuses observed
per operation, links followed, which checks ran on which operation), so the reports can show
what was tested, not only what failed.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

RUN_RECORD_FILE = "run.json"
FINDINGS_DIR = "findings"


@dataclass
class RunRecord:
    spec_version: str = ""
    spec_sha256: str = ""
    spec_source: str = ""
    target: str = ""
    """The base URL tested, or ``embedded-mock`` (with deviations, if any, in ``options``)."""
    seed: int | None = None
    run_id: str = ""
    started_at: str = ""
    finished_at: str = ""
    tool_versions: dict[str, str] = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    operations: list[str] = field(default_factory=list)
    """Every operationId of the contract, in document order."""
    documented_statuses: dict[str, list[str]] = field(default_factory=dict)
    """operationId -> the status codes the document lists for it."""
    observed_statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    """operationId -> status code -> how many responses had it."""
    checks_run: dict[str, list[str]] = field(default_factory=dict)
    """operationId -> names of the checks that ran on its responses."""
    checks: dict[str, dict] = field(default_factory=dict)
    """The registry the run judged by (the selected checks): id -> kind, severity, authority,
    reference, confidence, asserts. The reports order, name and cite checks from it, and list
    the registered checks that never ran."""
    links: dict[str, int] = field(default_factory=dict)
    """``source_op -> target_op (link name)`` -> times followed (0 = defined, never followed)."""
    requests_total: int = 0
    """Requests sent to the server (retries and probes included, cleanup excluded)."""
    throttled: int = 0
    retried: int = 0
    """Requests sent again after a 429, a 502-504 or a dropped connection."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Requests not sent, by reason (safety, read-only, paid-resource, budget, max-time, outage)."""
    skipped_examples: dict[str, str] = field(default_factory=dict)
    """One request per reason, as an example of what was not sent."""
    methods: dict[str, int] = field(default_factory=dict)
    """HTTP method -> requests sent with it."""
    cleanup_requests: int = 0
    """Requests cleanup sent (outside the budget)."""
    not_run: dict[str, str] = field(default_factory=dict)
    """Scenarios that did not run to their end, and why (a step the gate refused, an operation the
    contract lacks, an earlier scenario showing the server cannot make indexes ready)."""
    incomplete: str = ""
    """Why the run did not do all its planned work (budget, --max-time, interrupted), or empty."""
    exit_code: int | None = None
    errors: list[str] = field(default_factory=list)
    """Setup problems that are not findings (e.g. cleanup that failed)."""

    def requests_per_operation(self) -> dict[str, int]:
        return {op: sum(by_status.values()) for op, by_status in self.observed_statuses.items()}

    def save(self, directory: str | Path) -> Path:
        path = Path(directory) / RUN_RECORD_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True), encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: str | Path) -> RunRecord:
        data = json.loads((Path(directory) / RUN_RECORD_FILE).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


STATS_GLOB = "stats-*.json"


@dataclass
class RunCounters:
    """What one process of a run counts as it goes (a pytest-xdist worker, the controller's
    sweep, or a plain pytest process): every count behind one lock, since the scenarios and
    Schemathesis's workers count from several threads at once. Saved as ``stats-<writer>.json``
    and merged into the RunRecord by :meth:`merge_into`, so a run on N workers reads as one.

    Typed, so a field renamed on the writing side is an error on the reading side, not a zero.
    The transport counts (``requests_total`` .. ``cleanup_requests``) are the gate's, copied in
    with :meth:`add_transport` before saving."""

    requests_total: int = 0
    throttled: int = 0
    retried: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_examples: dict[str, str] = field(default_factory=dict)
    methods: dict[str, int] = field(default_factory=dict)
    cleanup_requests: int = 0
    observed_statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    checks_run: dict[str, list[str]] = field(default_factory=dict)
    links_followed: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    skipped_scenarios: dict[str, str] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)
    """kind (index, collection, backup) -> names or ids this process created, for cleanup."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()  # not a field: never saved

    # -- counting (any thread) ----------------------------------------------------------------

    def count_response(self, operation: str, status: int) -> None:
        with self._lock:
            counts = self.observed_statuses.setdefault(operation, {})
            counts[str(status)] = counts.get(str(status), 0) + 1

    def ran(self, operation: str, check: str) -> None:
        with self._lock:
            checks = self.checks_run.setdefault(operation, [])
            if check not in checks:
                checks.append(check)

    def count_link(self, key: str) -> None:
        with self._lock:
            self.links_followed[key] = self.links_followed.get(key, 0) + 1

    def note_error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)

    def note_not_run(self, scenario: str, why: str) -> None:
        with self._lock:
            self.skipped_scenarios[scenario] = why

    def note_created(self, kind: str, name: str) -> None:
        with self._lock:
            names = self.created.setdefault(kind, [])
            if name not in names:
                names.append(name)

    def created_by_kind(self) -> dict[str, set[str]]:
        """kind -> what this process created (a copy, taken under the lock)."""
        with self._lock:
            return {kind: set(names) for kind, names in self.created.items()}

    def add_transport(self, gate: dict, cleanup: dict | None = None) -> None:
        """Copy in what the gate counted (``GateCounters.as_dict()``), and cleanup's gate."""
        with self._lock:
            self.requests_total = gate.get("sent", 0)
            self.throttled = gate.get("throttled", 0)
            self.retried = gate.get("retried", 0)
            self.skipped = dict(gate.get("skipped", {}))
            self.skipped_examples = dict(gate.get("skipped_examples", {}))
            self.methods = dict(gate.get("methods", {}))
            self.cleanup_requests = (cleanup or {}).get("sent", 0)

    # -- across processes ---------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        with self._lock:
            text = json.dumps(asdict(self), indent=1, sort_keys=True)
        Path(path).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> RunCounters:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))

    def merge_into(self, record: RunRecord) -> None:
        """Add these counts to ``record`` (sums, unions; the first example per reason wins)."""
        record.requests_total += self.requests_total
        record.throttled += self.throttled
        record.retried += self.retried
        record.cleanup_requests += self.cleanup_requests
        for into, counts in ((record.skipped, self.skipped), (record.methods, self.methods),
                             (record.links, self.links_followed)):
            for name, count in counts.items():
                into[name] = into.get(name, 0) + count
        for reason, example in self.skipped_examples.items():
            record.skipped_examples.setdefault(reason, example)
        for op, counts in self.observed_statuses.items():
            merged = record.observed_statuses.setdefault(op, {})
            for status, count in counts.items():
                merged[status] = merged.get(status, 0) + count
        for op, checks in self.checks_run.items():
            record.checks_run[op] = sorted(set(record.checks_run.get(op, [])) | set(checks))
        record.errors += self.errors
        record.not_run.update(self.skipped_scenarios)
