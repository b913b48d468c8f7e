"""Delete what a run created, and nothing else: at the end of a run, and as a command after a crash.

Everything the suite creates is named with the run's prefix (``pcc-<run id>-``); a backup is
ours when its *source index* carries the prefix (a backup's id is a server-chosen UUID).
Cleanup lists what carries the prefix, switches deletion protection off, deletes backups,
then collections, then indexes, and tries again while a resource is still settling (409,
412: a pending collection, restore or state change), so a resource that cannot go yet is
retried instead of abandoned. A name without the prefix is never touched.

Two callers: the pytest plugin at the end of a run (:func:`cleanup`, which also deletes
what the run recorded creating), and ``pinecone-conformance cleanup`` (:func:`main_cleanup`),
which needs nothing but the server, the key and the run id (or the run's output directory,
whose ``run.json`` is written before the run's first request), so a run killed with
SIGKILL can still be cleaned up.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from pinecone_conformance.conformance.gate import is_skipped
from pinecone_conformance.conformance.runid import TOOL_PREFIX, prefix_for, validate_run_id
from pinecone_conformance.conformance.session import ApiClient, Reply, RunState
from pinecone_conformance.core.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from pinecone_conformance.core.redaction import redact
from pinecone_conformance.core.run_record import RUN_RECORD_FILE

#: How many pages of backups a sweep reads (100 per page).
MAX_SWEEP_PAGES = 50
#: Answers to a delete that mean the resource is gone or going.
GONE = frozenset({200, 202, 204, 404})
#: Answers that mean "not yet": the resource (or something it feeds) is still settling, the
#: server is throttling or briefly down, or deletion protection is still being switched off.
SETTLING = frozenset({403, 409, 412, 429, 500, 502, 503, 504})
#: Default of ``cleanup --wait``: how long a real server may take to delete.
DEFAULT_WAIT = 120.0
#: Pause between rounds of the command (it grows to ``MAX_INTERVAL``).
FIRST_INTERVAL = 0.5
MAX_INTERVAL = 10.0

#: The order of deletion: a source cannot go while what it feeds is pending.
KINDS = ("backup", "collection", "index")


@dataclass(frozen=True)
class Resource:
    """Something of ours on the server. ``key`` is what its delete takes (a name, a backup id)."""

    kind: str
    key: str
    source: str | None = None
    """For a backup: the name of its source index (what makes it ours)."""
    protected: bool = False
    """For an index: deletion protection was on when it was listed."""

    def __str__(self) -> str:
        if self.kind == "backup" and self.source:
            return f"backup {self.key} (of index {self.source})"
        return f"{self.kind} {self.key}" + (" (deletion protection on)" if self.protected else "")


@dataclass
class Inventory:
    """What carries the prefix, and which lists could not be read (so nothing is known of them)."""

    resources: list[Resource] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.resources and not self.unreadable


@dataclass
class Outcome:
    found: Inventory
    left: Inventory
    deleted: list[Resource] = field(default_factory=list)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    """(kind, key) -> the last refusal (status or error) of each resource that was left."""


def name_prefix(state: RunState) -> str:
    """The run's name prefix with its trailing dash (``state.config.prefix`` may be given without)."""
    return state.config.prefix if state.config.prefix.endswith("-") else state.config.prefix + "-"


# --- listing ---------------------------------------------------------------------------------


def _listed(client: ApiClient, operation: str, key: str) -> list[dict]:
    """Every item of a list operation, following ``pagination.next`` for the paginated one.

    Raises ``LookupError`` when a page cannot be read: a partial list must not pass for a full one."""
    items: list[dict] = []
    if operation not in client.state.operations:  # a contract without this list (run --spec 2024-04)
        return items
    token = None
    for _ in range(MAX_SWEEP_PAGES):
        query = {"limit": 100, "paginationToken": token} if operation == "list_project_backups" else None
        reply = client.call(operation, query=query)
        if reply.status != 200:
            raise LookupError(f"{operation} answered {reply.status}")
        items += [item for item in reply.field(key, default=[]) or [] if isinstance(item, dict)]
        token = reply.field("pagination", "next")
        if not token:
            break
    return items


def _ours(kind: str, item: dict, prefix: str) -> Resource | None:
    if kind == "backup":
        source, backup_id = item.get("source_index_name"), item.get("backup_id")
        if isinstance(source, str) and source.startswith(prefix) and isinstance(backup_id, str) and backup_id:
            return Resource("backup", backup_id, source=source)
        return None
    name = item.get("name")
    if not isinstance(name, str) or not name.startswith(prefix):
        return None
    return Resource(kind, name, protected=kind == "index" and item.get("deletion_protection") == "enabled")


_LISTS = {"backup": ("list_project_backups", "data"), "collection": ("list_collections", "collections"),
          "index": ("list_indexes", "indexes")}


def inventory(client: ApiClient, prefix: str) -> Inventory:
    """Everything on the server that carries ``prefix`` (backups by their source index), in deletion order."""
    if not prefix.startswith(TOOL_PREFIX):
        raise ValueError(f"refusing to sweep names that do not start with {TOOL_PREFIX!r}: {prefix!r}")
    found = Inventory()
    for kind in KINDS:
        operation, key = _LISTS[kind]
        try:
            items = _listed(client, operation, key)
        except Exception as error:  # noqa: BLE001 (one unreadable list must not keep the others)
            found.unreadable.append(f"{operation}: {_reason(error)}")
            continue
        found.resources += [r for r in (_ours(kind, item, prefix) for item in items) if r is not None]
    return found


# --- deleting --------------------------------------------------------------------------------


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error) or 'no answer'}"


def delete(client: ApiClient, resource: Resource) -> Reply:
    """One attempt to delete ``resource``; the answer. An index is unprotected first when it
    was listed as protected, or when its delete is refused with 403 (the run may have
    protected it after it was listed)."""
    if resource.kind == "backup":
        return client.call("delete_backup", path={"backup_id": resource.key})
    if resource.kind == "collection":
        return client.call("delete_collection", path={"collection_name": resource.key})
    if resource.protected:
        _unprotect(client, resource.key)
    reply = client.call("delete_index", path={"index_name": resource.key})
    if reply.status == 403:
        _unprotect(client, resource.key)
        reply = client.call("delete_index", path={"index_name": resource.key})
    return reply


def _unprotect(client: ApiClient, name: str) -> int:
    return client.call("configure_index", path={"index_name": name}, body={"deletion_protection": "disabled"}).status


def _attempt(client: ApiClient, resource: Resource) -> tuple[bool, bool, str]:
    """(gone or going, worth another try, why not) for one delete; never raises."""
    try:
        reply = delete(client, resource)
    except Exception as error:  # noqa: BLE001 (a network error on one resource must not keep the rest)
        return False, True, _reason(error)
    skipped = is_skipped(reply.headers) if reply.headers else None
    why = f"not sent: {skipped}" if skipped else str(reply.status)
    return reply.status in GONE, reply.status in SETTLING, why


def _ordered(resources: Iterable[Resource]) -> list[Resource]:
    unique = {(r.kind, r.key): r for r in resources}
    return sorted(unique.values(), key=lambda r: (KINDS.index(r.kind), r.key))


def clean_prefix(
    client: ApiClient,
    prefix: str,
    *,
    wait: float,
    dry_run: bool = False,
    interval: float = FIRST_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """List what carries ``prefix`` and, unless ``dry_run``, delete it and wait (at most ``wait``
    seconds) until the lists no longer show it, retrying what is still settling.

    Each round re-lists, so a resource that only appears later (an index restored from a
    backup) is found too; what has been accepted for deletion (202) is not asked again."""
    deadline = clock() + wait
    found = current = inventory(client, prefix)
    outcome = Outcome(found=found, left=found)
    if dry_run:
        return outcome
    accepted: set[tuple[str, str]] = set()
    final: set[tuple[str, str]] = set()
    while not current.empty:
        for resource in current.resources:
            ident = (resource.kind, resource.key)
            if ident in accepted or ident in final:
                continue
            gone, retry, why = _attempt(client, resource)
            if gone:
                accepted.add(ident)
                outcome.deleted.append(resource)
                outcome.failures.pop(ident, None)
            else:
                outcome.failures[ident] = why
                if not retry:
                    final.add(ident)
        current = inventory(client, prefix)
        stuck = not current.unreadable and all((r.kind, r.key) in final for r in current.resources)
        if current.empty or stuck or clock() >= deadline:
            break
        sleep(min(interval, max(deadline - clock(), 0.0)))
        interval = min(interval * 2, MAX_INTERVAL)
    outcome.left = current
    still = {(r.kind, r.key) for r in current.resources}
    outcome.failures = {ident: why for ident, why in outcome.failures.items() if ident in still}
    return outcome


def cleanup(client: ApiClient, state: RunState, *, sweep: bool = True) -> list[str]:
    """Best-effort deletion of the run's resources at its end; returns what could not be deleted.

    Deletes what the run recorded creating and, with ``sweep``, every prefixed leftover
    found in the lists (for example from an interrupted earlier run with the same run id).
    Parallel workers share the prefix, so a worker that finishes early must not sweep: only
    the last one (the xdist controller) does, once every worker is done. What is still
    settling is retried for up to ``state.config.wait`` seconds; the end of a run does not wait
    for the deletes to take effect (``pinecone-conformance cleanup`` does)."""
    leftovers: list[str] = []
    pending = [Resource(kind, key) for kind in KINDS for key in state.created.get(kind, set())
               if isinstance(key, str) and key]
    if sweep:
        listed = inventory(client, name_prefix(state))
        leftovers += [f"could not list: {why}" for why in listed.unreadable]
        known = {(r.kind, r.key) for r in listed.resources}
        pending = listed.resources + [r for r in pending if (r.kind, r.key) not in known]
    pending = _ordered(pending)
    deadline = time.monotonic() + max(state.config.wait, 0.0)
    pause = max(state.config.poll_interval, 0.05)
    while pending:
        retry = []
        for resource in pending:
            gone, again, why = _attempt(client, resource)
            if gone:
                continue
            if again and time.monotonic() < deadline:
                retry.append(resource)
            else:
                leftovers.append(f"{resource.kind} {resource.key} ({why})")
        pending = retry
        if pending:
            time.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
            pause = min(pause * 2, MAX_INTERVAL)
    return leftovers


# --- the command -----------------------------------------------------------------------------


#: What an HTTP header value can carry: visible ASCII, inner spaces.
_HEADER_VALUE = re.compile(r"\A[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?\Z")


def checked_base_url(url: str | None) -> str:
    """``url`` without its trailing slash, or a one-line UsageError when it is not a usable http(s) URL."""
    if not url:
        raise UsageError("--base-url is needed: the server to clean up")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as error:
        raise UsageError(f"--base-url is not a valid URL ({url!r}: {error})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"--base-url must be an http:// or https:// URL with a host (got {url!r})")
    return url.rstrip("/")


def _run_record(directory: str) -> dict:
    import json

    path = Path(directory) / RUN_RECORD_FILE
    if Path(directory).exists() and not Path(directory).is_dir():
        raise UsageError(f"--from must be a run's output directory, not a file: {directory}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--from: no {RUN_RECORD_FILE} in {directory} (is it a run's output directory?)") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UsageError(f"--from: cannot read {path}: {type(error).__name__}") from None
    if not isinstance(data, dict):
        raise UsageError(f"--from: {path} is not a run record")
    return data


def resolve_target(args: argparse.Namespace) -> tuple[str, str, str]:
    """(base URL, API key, name prefix) from the command's options; UsageError on bad input."""
    chosen = [flag for flag, given in (("--run-id", args.run_id is not None), ("--all-runs", args.all_runs),
                                       ("--from", args.from_dir is not None)) if given]
    if len(chosen) != 1:
        raise UsageError("say whose resources to delete: exactly one of --run-id ID, --all-runs, --from DIR")
    base_url = args.base_url
    if args.all_runs:
        prefix = TOOL_PREFIX
    elif args.run_id is not None:
        prefix = prefix_for(validate_run_id(args.run_id))
    else:
        record = _run_record(args.from_dir)
        run_id = record.get("run_id")
        if not isinstance(run_id, str):
            raise UsageError(f"--from: {args.from_dir}/{RUN_RECORD_FILE} holds no run id")
        prefix = prefix_for(validate_run_id(run_id))
        target = record.get("target")
        if base_url is None and isinstance(target, str) and target.startswith(("http://", "https://")):
            base_url = target
    base_url = checked_base_url(base_url)
    api_key = args.api_key if args.api_key is not None else os.environ.get("PINECONE_API_KEY")
    if not api_key:
        raise UsageError("an API key is needed: pass --api-key or set PINECONE_API_KEY")
    if not _HEADER_VALUE.match(api_key):  # the message must not repeat the key
        raise UsageError("the API key holds characters an HTTP header cannot carry (control, non-ASCII, "
                         "or spaces at its ends)")
    if args.wait is not None and args.wait < 0:
        raise UsageError(f"--wait must not be negative (got {args.wait})")
    return base_url, api_key, prefix


def _state(base_url: str, api_key: str, prefix: str, store_dir: str) -> RunState:
    """A minimal run state for the command, built as the plugin's session end builds one.
    Its findings (the cleanup's responses are validated like any other) go to a scratch store."""
    from pinecone_conformance.conformance.session import Target
    from pinecone_conformance.core.findings import FindingStore
    from pinecone_conformance.core.version import CONTRACT_VERSION
    from pinecone_conformance.spec.loader import load

    # The run state's prefix has no trailing dash ("pcc-<run id>"; for every run: "pcc").
    return RunState(target=Target(base_url=base_url, api_key=api_key), raw=load(CONTRACT_VERSION).raw,
                    store=FindingStore(store_dir), seed=0, prefix=prefix.rstrip("-"))


def _http(state: RunState):
    """The client cleanup talks through: the run's safety gate, outside any budget, where the
    session offers (``cleanup_client``)."""
    return state.cleanup_client()


def _preflight(client: ApiClient, base_url: str) -> None:
    """One line and exit 2 when the server cannot be reached at all or refuses the key."""
    try:
        reply = client.call("list_indexes")
    except (httpx.HTTPError, OSError) as error:
        raise UsageError(f"cannot reach {base_url}: {_reason(error)}") from None
    if reply.status == 401:
        raise UsageError(f"{base_url} refused the API key (401 on list_indexes); check --api-key")


def _plural(count: int, kind: str) -> str:
    return f"{count} {kind}" + ("" if count == 1 else ("es" if kind == "index" else "s"))


def main_cleanup(args: argparse.Namespace) -> int:
    """``pinecone-conformance cleanup``: exit 0 when nothing of ours is left, 1 when something is (listed)."""
    base_url, api_key, prefix = resolve_target(args)
    try:
        return _clean_up_target(args, base_url, api_key, prefix)
    except UsageError as error:
        raise UsageError(redact(str(error), [api_key])) from None


def _clean_up_target(args: argparse.Namespace, base_url: str, api_key: str, prefix: str) -> int:
    def say(line: str, stream=sys.stdout) -> None:
        print(redact(line, [api_key]), file=stream)

    wait = DEFAULT_WAIT if args.wait is None else args.wait
    whose = "every run" if prefix == TOOL_PREFIX else f"run {prefix[len(TOOL_PREFIX):-1]}"
    with tempfile.TemporaryDirectory(prefix="pcc-cleanup-") as scratch:
        state = _state(base_url, api_key, prefix, scratch)
        client = ApiClient(state, _http(state))
        try:
            _preflight(client, base_url)
            outcome = clean_prefix(client, prefix, wait=wait, dry_run=args.dry_run)
        finally:
            client.http.close()
    found = outcome.found.resources
    counts = ", ".join(_plural(sum(r.kind == kind for r in found), kind) for kind in KINDS)
    say(f"pinecone-conformance cleanup: {base_url}, names starting {prefix!r} ({whose}): {counts}")
    for resource in found:
        say(f"  {'would delete' if args.dry_run else 'found'} {resource}")
    for why in outcome.found.unreadable:
        say(f"  could not list: {why}")
    if args.dry_run:
        say("pinecone-conformance cleanup: dry run, nothing changed")
        return EXIT_OK if outcome.found.empty else EXIT_FINDINGS
    left = outcome.left
    for resource in left.resources:
        why = outcome.failures.get((resource.kind, resource.key))
        say(f"  left: {resource}" + (f" (last answer: {why})" if why else " (deletion accepted, still listed)"))
    for why in left.unreadable:
        say(f"  unknown: could not list: {why}")
    if left.empty:
        say(f"pinecone-conformance cleanup: deleted {len(outcome.deleted)}, nothing of ours is left")
        return EXIT_OK
    say(f"pinecone-conformance cleanup: {len(left.resources)} left after {wait:g} s"
        + (", some lists could not be read" if left.unreadable else ""), sys.stderr)
    return EXIT_FINDINGS
