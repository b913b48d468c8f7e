"""Scenario checks: what only shows over a sequence of calls.

A schema says what one response looks like; it cannot say that describe reflects a
configure, that a deleted index leaves the list, or that a protected index refuses
deletion. Each scenario here drives one such sequence with the run's client (so every
response is also validated) and records a finding, under a named check, for each rule the
server breaks. Effects that a real service applies asynchronously are polled for with the
run's bounded deadline (:func:`conformance.session.eventually`).

Rules are cited by their ids in ``shared/research/pinecone-behavior.md``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from conformance.registry import CHECKS
from conformance.session import (
    ApiClient,
    BudgetExhausted,
    Reply,
    RunState,
    SkippedRequest,
    TransportFailure,
    eventually,
)
from core.redaction import scrubbed_excerpt
from strategies import domain
from strategies.bodies import invalid_create_index_bodies, invalid_names

SERVERLESS = {"serverless": {"cloud": domain.DEFAULT_CLOUD, "region": domain.DEFAULT_REGION}}


class ScenarioAbort(Exception):
    """A step the rest of the scenario depends on failed (already recorded as a finding)."""


class ScenarioNotRun(Exception):
    """The scenario cannot run on this server, for a reason an earlier scenario found."""


@dataclass
class Scenario:
    """What a scenario function receives: the client, names, and a way to record findings."""

    client: ApiClient
    state: RunState
    name: str
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_name(self, kind: str) -> str:
        return f"{self.state.prefix}-{kind}{next(self._counter)}"

    def fail(self, check: str, message: str, reply: Reply | None = None, *, severity: str | None = None,
             location: str | None = None) -> None:
        """Record a finding of ``check`` (declared in :mod:`conformance.registry`: kind and authority
        come from there; ``severity`` may only lower its default for a sub-case)."""
        operation = reply.operation_id if reply else None
        self.state.ran(operation, check)
        self.state.record(CHECKS[check].finding(
            message,
            severity=severity,
            operation=operation,
            location=location or (self.state.validator.response_pointer(operation, reply.status) if reply else None),
            request=reply.request if reply else None,
            status=reply.status if reply else None,
            response=scrubbed_excerpt(reply.text, self.state.secrets) if reply else None,
            seed=self.state.seed,
            details={"scenario": self.name},
        ))

    def may_send(self, operation_id: str) -> bool:
        """False for a write in read-only mode (the gate would refuse it anyway)."""
        return not self.state.read_only or self.state.operations[operation_id].method.lower() == "get"

    def passed(self, check: str, operation: str) -> None:
        self.state.ran(operation, check)

    def expect(self, reply: Reply, statuses: set[int] | range, check: str, what: str) -> bool:
        """Record a finding unless ``reply.status`` is one of ``statuses``."""
        if reply.status in statuses:
            self.passed(check, reply.operation_id)
            return True
        wanted = "2xx" if statuses == SUCCESS else "/".join(str(s) for s in sorted(statuses))
        self.fail(check, f"{what}: expected {wanted}, got {reply.status}", reply)
        return False

    def require(self, reply: Reply, statuses, check: str, what: str) -> Reply:
        if not self.expect(reply, statuses, check, what):
            raise ScenarioAbort(what)
        return reply

    def wait_for(self, probe: Callable[[], Reply], done: Callable[[Reply], bool],
                 working: Callable[[Reply], bool] = lambda reply: reply.status == 200 and reply.conforms,
                 ) -> tuple[bool, Reply]:
        """Poll until ``done``; stop at once when an answer does not mean "still working" (by
        default: anything but a 200 that fits the document). ``self.gave_up`` then says why."""
        started = time.monotonic()
        reached, reply = eventually(probe, done, wait=self.state.wait, interval=self.state.poll_interval,
                                    working=working)
        early = not reached and time.monotonic() - started < self.state.wait
        self.gave_up = (f"stopped waiting after {time.monotonic() - started:.1f}s: the answer ({reply.status}"
                        + ("" if reply.conforms else ", not as documented") + ") cannot mean it is still in progress"
                        ) if early else f"not within {self.state.wait:g}s"
        return reached, reply


SUCCESS = range(200, 300)
CLIENT_ERROR = range(400, 500)


# --- helpers --------------------------------------------------------------------------------


def _describe(s: Scenario, name: str) -> Reply:
    return s.client.call("describe_index", path={"index_name": name})


def _listed_names(reply: Reply, key: str = "indexes") -> list[str]:
    items = reply.field(key, default=[]) or []
    return [item.get("name") for item in items if isinstance(item, dict)]


#: Documented refusals that say "not in this project" (quota, plan, payment), not "broken".
PROJECT_LIMITS = {402, 403}


def _create(s: Scenario, operation: str, what: str, **call) -> Reply:
    """Create something the scenario needs. A quota or plan refusal (documented 402/403, e.g. a
    starter project cannot create pod indexes) ends the scenario with a note, not an error."""
    reply = s.client.call(operation, **call)
    if reply.status in PROJECT_LIMITS:
        s.fail("project_limit", f"{what}: the project refused it ({reply.status}); the scenario was skipped", reply)
        raise ScenarioAbort(what)
    return s.require(reply, SUCCESS, "create_accepted", what)


def _create_index(s: Scenario, body: dict, what: str) -> Reply:
    return _create(s, "create_index", what, body=body)


#: Index states that mean "not ready yet, still on the way" (an index in any other state, or
#: in one of these with ready true, is done or will not get there).
COMING_UP = ("Initializing", "ScalingUp", "ScalingDown", "ScalingUpPodSize", "ScalingDownPodSize")


def _still_coming_up(reply: Reply) -> bool:
    return reply.status == 200 and reply.conforms and reply.field("status", "state") in COMING_UP


def _wait_ready(s: Scenario, name: str) -> Reply:
    """Wait for an index to be ready. When one never gets there within --wait, the server cannot
    make indexes ready: the scenarios after it that need a ready index are not run (each costs
    one --wait otherwise), and say why."""
    if s.state.never_ready:
        raise ScenarioNotRun(s.state.never_ready)
    reached, reply = s.wait_for(lambda: _describe(s, name), lambda r: r.field("status", "ready") is True,
                                working=_still_coming_up)
    if reached:
        s.passed("index_becomes_ready", "describe_index")
        return reply
    s.fail("index_becomes_ready", f"index {name} is not ready ({s.gave_up}; state "
           f"{reply.field('status', 'state')!r}, ready {reply.field('status', 'ready')!r})", reply)
    if s.gave_up.startswith("not within"):
        s.state.never_ready = f"an earlier index ({name}, scenario {s.name}) never became ready within {s.state.wait:g}s"
    raise ScenarioAbort(f"index {name} not ready")


def _delete_index(s: Scenario, name: str) -> None:
    """Delete and require that it takes effect (R-ST-04)."""
    reply = s.client.call("delete_index", path={"index_name": name})
    if not s.expect(reply, {202}, "delete_accepted", f"delete of index {name}"):
        if reply.status not in SUCCESS:
            return
    gone, last = s.wait_for(lambda: _describe(s, name), lambda r: r.status == 404)
    if not gone:
        s.fail("delete_takes_effect", f"index {name} still described ({last.status}) after delete ({s.gave_up})", last)
        return
    listed = s.client.call("list_indexes")
    if name in _listed_names(listed):
        s.fail("delete_takes_effect", f"deleted index {name} is still listed by list_indexes", listed)
    else:
        s.passed("delete_takes_effect", "list_indexes")


# --- the scenarios ----------------------------------------------------------------------------


def serverless_index_lifecycle(s: Scenario) -> None:
    """create -> describe -> ready -> list -> duplicate -> configure tags -> protection -> delete."""
    name = s.new_name("idx")
    body = {
        "name": name, "dimension": 8, "metric": "euclidean", "spec": SERVERLESS,
        "deletion_protection": "disabled", "tags": {"team": "conformance", "stage": "one", "keep": "me"},
    }
    _create_index(s, body, "create of a valid serverless index")
    described = s.require(_describe(s, name), {200}, "describe_after_create", f"describe of new index {name}")
    expected = {"name": name, "dimension": 8, "metric": "euclidean", "vector_type": "dense",
                "deletion_protection": "disabled", "tags": body["tags"]}
    for key, value in expected.items():
        if described.field(key) != value:
            s.fail("describe_echoes_create", f"created with {key}={value!r}, describe says {described.field(key)!r}", described)
    serverless = described.field("spec", "serverless") or {}
    if (serverless.get("cloud"), serverless.get("region")) != (domain.DEFAULT_CLOUD, domain.DEFAULT_REGION):
        s.fail("describe_echoes_create", f"created in aws/us-east-1, describe says {serverless!r}", described)
    s.passed("describe_echoes_create", "describe_index")
    _wait_ready(s, name)

    listed = s.client.call("list_indexes")
    if name not in _listed_names(listed):
        s.fail("list_includes_created", f"index {name} is not in list_indexes", listed)
    else:
        s.passed("list_includes_created", "list_indexes")

    duplicate = s.client.call("create_index", body={**body, "dimension": 16})
    s.expect(duplicate, {409}, "duplicate_rejected", f"second create of {name}")
    after = _describe(s, name)
    if after.field("dimension") != 8:
        s.fail("duplicate_rejected", f"a duplicate create changed index {name} (dimension {after.field('dimension')!r})", after)

    configure = s.client.call("configure_index", path={"index_name": name},
                              body={"tags": {"stage": "two", "owner": "suite", "team": ""}})
    s.require(configure, SUCCESS, "configure_accepted", f"configure tags of {name}")
    want_tags = {"stage": "two", "owner": "suite", "keep": "me"}  # merged: added, overwritten, kept, deleted
    for source in (configure, _describe(s, name)):
        tags = source.field("tags") or {}
        if "team" in tags:
            s.fail("tag_deletion", f"tag 'team' set to '' should be deleted, {source.operation_id} shows {tags!r}", source)
        elif tags != want_tags:
            s.fail("configure_visible", f"tags after configure should be {want_tags!r}, {source.operation_id} shows {tags!r}", source)
        else:
            s.passed("configure_visible", source.operation_id)
            s.passed("tag_deletion", source.operation_id)
    listed = s.client.call("list_indexes")
    entry = next((i for i in listed.field("indexes", default=[]) or [] if isinstance(i, dict) and i.get("name") == name), None)
    if entry is not None and (entry.get("tags") or {}) != want_tags:
        s.fail("configure_visible", f"list_indexes shows tags {entry.get('tags')!r} for {name}, expected {want_tags!r}", listed)

    untouched = s.client.call("configure_index", path={"index_name": name}, body={"tags": {}})
    s.require(untouched, SUCCESS, "configure_accepted", "configure with empty tags")
    if (_describe(s, name).field("tags") or {}) != want_tags:
        s.fail("configure_visible", "configure with tags {} changed the tags (R-CFG-03)", untouched)

    for rule, bad in (("deletion_protection 'maybe'", {"deletion_protection": "maybe"}),
                      ("a tag key with a space", {"tags": {"bad key": "v"}}),
                      ("a tag key of 81 characters", {"tags": {"k" * 81: "v"}})):
        reply = s.client.call("configure_index", path={"index_name": name}, body=bad)
        _expect_rejected(s, reply, "invalid_body_rejected", f"configure_index with {rule}")

    from_serverless = s.client.call("create_collection", body={"name": s.new_name("slcol"), "source": name})
    _expect_rejected(s, from_serverless, "invalid_body_rejected", "create_collection from a serverless index (R-COL-03)")
    pod_on_serverless = s.client.call("configure_index", path={"index_name": name},
                                      body={"spec": {"pod": {"replicas": 2}}}, invalid=True)
    if pod_on_serverless.status in SUCCESS:
        s.fail("pod_config_on_serverless_rejected", "configure of pod replicas on a serverless index was accepted (R-CFG-13)",
               pod_on_serverless)

    deletion_protection(s, name)
    _delete_index(s, name)
    again = s.client.call("create_index", body=body)
    if s.expect(again, SUCCESS, "name_released", f"create {name} again after it was deleted"):
        _delete_index(s, name)


def deletion_protection(s: Scenario, name: str) -> None:
    """R-DP-01..04: a protected index refuses delete (403) until protection is disabled."""
    enable = s.client.call("configure_index", path={"index_name": name}, body={"deletion_protection": "enabled"})
    s.require(enable, SUCCESS, "configure_accepted", "enable deletion protection")
    if enable.body is not None and enable.field("deletion_protection") != "enabled":
        s.fail("configure_visible", "the configure response is not the index after the change: deletion_protection "
               f"{enable.field('deletion_protection')!r} (R-CFG-05)", enable)
    described = _describe(s, name)
    if described.field("deletion_protection") != "enabled":
        s.fail("configure_visible", f"deletion_protection enabled by configure, describe says "
               f"{described.field('deletion_protection')!r}", described)
    tags_only = s.client.call("configure_index", path={"index_name": name}, body={"tags": {"touched": "yes"}})
    if tags_only.status in SUCCESS and _describe(s, name).field("deletion_protection") != "enabled":
        s.fail("configure_visible", "a configure of tags only switched deletion protection off (R-CFG-04)", tags_only)
    refused = s.client.call("delete_index", path={"index_name": name})
    if refused.status in SUCCESS:
        s.fail("deletion_protection", f"delete of protected index {name} was accepted ({refused.status})", refused)
        raise ScenarioAbort("protected index deleted")
    s.expect(refused, {403}, "deletion_protection", "delete of a protected index")
    still = _describe(s, name)
    if still.status != 200:
        s.fail("deletion_protection", f"after a refused delete, describe gives {still.status}", still)
    disable = s.client.call("configure_index", path={"index_name": name}, body={"deletion_protection": "disabled"})
    s.require(disable, SUCCESS, "configure_accepted", "disable deletion protection")


def protected_at_creation(s: Scenario) -> None:
    """An index created protected is described protected and refuses delete."""
    name = s.new_name("prot")
    _create_index(s, {"name": name, "dimension": 4, "metric": "cosine", "spec": SERVERLESS,
                      "deletion_protection": "enabled"}, "create of a protected index")
    described = _describe(s, name)
    if described.field("deletion_protection") != "enabled":
        s.fail("describe_echoes_create", f"created protected, describe says {described.field('deletion_protection')!r}", described)
    deletion_protection(s, name)
    _delete_index(s, name)


def defaults_filled(s: Scenario) -> None:
    """R-IDX-05..08: metric cosine, vector_type dense, deletion_protection disabled, no tags."""
    name = s.new_name("dflt")
    _create_index(s, {"name": name, "dimension": 3, "spec": SERVERLESS}, "create with only name, dimension, spec")
    described = _describe(s, name)
    for key, value in (("metric", "cosine"), ("vector_type", "dense"), ("deletion_protection", "disabled")):
        if described.field(key) != value:
            s.fail("describe_defaults", f"default {key} should be {value!r}, describe says {described.field(key)!r}", described)
    if described.field("tags") not in (None, {}):
        s.fail("describe_defaults", f"an index created without tags has tags {described.field('tags')!r}", described)
    read_capacity = described.field("spec", "serverless", "read_capacity") or {}
    if read_capacity.get("mode") != "OnDemand":
        s.fail("describe_defaults", f"default read capacity should be OnDemand, got {read_capacity!r}", described)
    s.passed("describe_defaults", "describe_index")
    _delete_index(s, name)


def sparse_index(s: Scenario) -> None:
    """R-IDX-10: sparse, dotproduct, no dimension."""
    name = s.new_name("sparse")
    _create_index(s, {"name": name, "metric": "dotproduct", "vector_type": "sparse", "spec": SERVERLESS},
                  "create of a sparse index")
    described = _describe(s, name)
    if described.field("vector_type") != "sparse" or described.field("dimension") is not None:
        s.fail("describe_echoes_create", f"sparse index described as vector_type {described.field('vector_type')!r}, "
               f"dimension {described.field('dimension')!r}", described)
    else:
        s.passed("describe_echoes_create", "describe_index")
    _delete_index(s, name)


def pod_index_and_collection(s: Scenario) -> None:
    """Pod index: pods = replicas x shards, replicas scale; a collection from it has its dimension."""
    name = s.new_name("pod")
    environment = domain.POD_ENVIRONMENTS[0]
    _create_index(s, {"name": name, "dimension": 6, "metric": "cosine",
                      "spec": {"pod": {"environment": environment, "pod_type": "p1.x1"}}}, "create of a pod index")
    described = _describe(s, name)
    pod = described.field("spec", "pod") or {}
    if (pod.get("replicas"), pod.get("shards"), pod.get("pods")) != (1, 1, 1):
        s.fail("describe_defaults", f"pod index created without replicas/shards: expected 1/1/1, got {pod!r}", described)
    _wait_ready(s, name)

    collection = s.new_name("col")
    _create(s, "create_collection", "create of a collection from a ready pod index",
            body={"name": collection, "source": name})
    reached, col = s.wait_for(lambda: s.client.call("describe_collection", path={"collection_name": collection}),
                              lambda r: r.field("status") == "Ready",
                              working=lambda r: r.status == 200 and r.conforms and r.field("status") == "Initializing")
    if not reached:
        s.fail("collection_becomes_ready", f"collection {collection} not Ready ({s.gave_up}) "
               "(collections can take minutes: raise --wait to be sure)", col)
    if col.field("dimension") not in (None, 6):
        s.fail("collection_matches_source", f"collection from a 6-dimension index reports dimension {col.field('dimension')!r}", col)
    if col.field("environment") not in (None, environment):
        s.fail("collection_matches_source", f"collection environment {col.field('environment')!r}, source is in {environment}", col)
    s.passed("collection_matches_source", "describe_collection")
    listed = s.client.call("list_collections")
    if collection not in _listed_names(listed, "collections"):
        s.fail("list_includes_created", f"collection {collection} is not in list_collections", listed)
    duplicate = s.client.call("create_collection", body={"name": collection, "source": name})
    s.expect(duplicate, {409}, "duplicate_rejected", f"second create of collection {collection}")
    deleted = s.client.call("delete_collection", path={"collection_name": collection})
    s.expect(deleted, {202}, "delete_accepted", f"delete of collection {collection}")
    gone, last = s.wait_for(lambda: s.client.call("describe_collection", path={"collection_name": collection}),
                            lambda r: r.status == 404)
    if not gone:
        s.fail("delete_takes_effect", f"collection {collection} still described after delete", last)
    else:
        listed = s.client.call("list_collections")
        if collection in _listed_names(listed, "collections"):
            s.fail("delete_takes_effect", f"deleted collection {collection} is still listed", listed)

    scaled = s.client.call("configure_index", path={"index_name": name}, body={"spec": {"pod": {"replicas": 2}}})
    if s.expect(scaled, SUCCESS, "configure_accepted", "scale a pod index to 2 replicas"):
        pod = _describe(s, name).field("spec", "pod") or {}
        if pod.get("replicas") != 2 or pod.get("pods") != 2 * (pod.get("shards") or 1):
            s.fail("configure_visible", f"after scaling to 2 replicas describe shows {pod!r}", scaled)
    bigger = s.client.call("configure_index", path={"index_name": name}, body={"spec": {"pod": {"pod_type": "p1.x2"}}})
    if s.expect(bigger, SUCCESS, "configure_accepted", "grow the pod size p1.x1 -> p1.x2 (R-CFG-08)"):
        if (_describe(s, name).field("spec", "pod") or {}).get("pod_type") != "p1.x2":
            s.fail("configure_visible", "after growing to p1.x2 describe shows another pod_type", bigger)
        for rule, pod_type in (("a smaller size (R-CFG-09)", "p1.x1"), ("another family (R-CFG-10)", "p2.x2")):
            reply = s.client.call("configure_index", path={"index_name": name}, body={"spec": {"pod": {"pod_type": pod_type}}},
                                  invalid=True)
            _expect_rejected(s, reply, "pod_resize_rules", f"change a pod index to {rule}")
    _delete_index(s, name)


def backup_and_restore(s: Scenario) -> None:
    """backup -> listed -> Ready -> create index from it -> restore job -> Completed (R-BAK, R-RST)."""
    name = s.new_name("bsrc")
    _create_index(s, {"name": name, "dimension": 5, "metric": "dotproduct", "spec": SERVERLESS}, "create a backup source")
    _wait_ready(s, name)
    backup = _create(s, "create_backup", f"backup of index {name}", path={"index_name": name},
                     body={"name": "nightly", "description": "suite"})
    backup_id = backup.field("backup_id")
    for key, value in (("name", "nightly"), ("description", "suite")):
        if backup.field(key) not in (None, value):
            s.fail("backup_matches_source", f"backup created with {key}={value!r} says {backup.field(key)!r}", backup)
    if backup.field("source_index_name") != name:
        s.fail("backup_matches_source", f"backup of {name} names source {backup.field('source_index_name')!r}", backup)
    if not backup_id:
        raise ScenarioAbort("no backup id")
    for operation, params in (("list_index_backups", {"index_name": name}), ("list_project_backups", None)):
        listed = s.client.call(operation, path=params, query={"limit": 100})
        ids = [b.get("backup_id") for b in listed.field("data", default=[]) or [] if isinstance(b, dict)]
        if backup_id not in ids and not listed.field("pagination", "next"):
            s.fail("backup_listed", f"backup {backup_id} is not in {operation}", listed)
        else:
            s.passed("backup_listed", operation)
    reached, described = s.wait_for(lambda: s.client.call("describe_backup", path={"backup_id": backup_id}),
                                    lambda r: r.field("status") == "Ready",
                                    working=lambda r: r.status == 200 and r.conforms
                                    and r.field("status") in ("Initializing", "Pending"))
    if not reached:
        s.fail("backup_becomes_ready", f"backup {backup_id} not Ready within {s.state.wait:g}s (backups can "
               "take minutes: raise --wait to be sure)", described)
        raise ScenarioAbort("backup not ready")
    if described.field("dimension") not in (None, 5):
        s.fail("backup_matches_source", f"backup of a 5-dimension index reports {described.field('dimension')!r}", described)

    target = s.new_name("rst")
    restore = _create(s, "create_index_from_backup_operation", "create an index from a backup",
                      path={"backup_id": backup_id}, body={"name": target, "tags": {"from": "backup"}})
    job_id, index_id = restore.field("restore_job_id"), restore.field("index_id")
    again = s.client.call("create_index_from_backup_operation", path={"backup_id": backup_id}, body={"name": target})
    s.expect(again, {409}, "duplicate_rejected", f"restore into the existing index {target}")
    restored = _describe(s, target)
    if restored.status != 200:
        s.fail("restore_creates_index", f"index {target} restored from a backup is not described ({restored.status})", restored)
    else:
        for key, value in (("dimension", 5), ("metric", "dotproduct"), ("tags", {"from": "backup"})):
            if restored.field(key) != value:
                s.fail("restore_creates_index", f"restored index {key} should be {value!r}, is {restored.field(key)!r}", restored)
    if job_id:
        reached, job = s.wait_for(lambda: s.client.call("describe_restore_job", path={"job_id": job_id}),
                                  lambda r: r.field("status") in ("Completed", "Failed"),
                                  working=lambda r: r.status == 200 and r.conforms
                                  and r.field("status") in ("Pending", "InProgress"))
        if reached and job.field("status") != "Completed":
            s.fail("restore_job_completes", f"restore job {job_id} ended {job.field('status')!r}", job)
        elif not reached:
            s.fail("restore_job_timely", f"restore job {job_id} is {job.field('status')!r} ({s.gave_up}) "
                   "(restores can take minutes: raise --wait to be sure)", job)
        for key, value in (("backup_id", backup_id), ("target_index_name", target), ("target_index_id", index_id)):
            if job.field(key) not in (None, value):
                s.fail("restore_job_matches", f"restore job {key} is {job.field(key)!r}, expected {value!r}", job)
        found, listed = s.wait_for(lambda: s.client.call("list_restore_jobs", query={"limit": 100}),
                                   lambda r: job_id in [j.get("restore_job_id") for j in r.field("data", default=[]) or []
                                                        if isinstance(j, dict)])
        if not found and not listed.field("pagination", "next"):
            s.fail("restore_job_listed", f"restore job {job_id} is not in list_restore_jobs", listed)
    _delete_index(s, target)
    deleted = s.client.call("delete_backup", path={"backup_id": backup_id})
    s.expect(deleted, {202}, "delete_accepted", f"delete of backup {backup_id}")
    gone, last = s.wait_for(lambda: s.client.call("describe_backup", path={"backup_id": backup_id}), lambda r: r.status == 404)
    if not gone:
        s.fail("delete_takes_effect", f"backup {backup_id} still described after delete", last)
    else:
        listed = s.client.call("list_project_backups", query={"limit": 100})
        if backup_id in [b.get("backup_id") for b in listed.field("data", default=[]) or [] if isinstance(b, dict)]:
            s.fail("delete_takes_effect", f"deleted backup {backup_id} is still listed", listed)
    _delete_index(s, name)


def _walk(s: Scenario, operation: str, path: dict | None, limit: int, max_pages: int) -> tuple[list, bool, Reply]:
    """Follow ``pagination.next``; (backup ids in order, whether the walk reached the end, last page)."""
    seen: list[str] = []
    token = None
    page = None
    for _ in range(max_pages):
        page = s.client.call(operation, path=path, query={"limit": limit, "paginationToken": token})
        if page.status != 200:
            s.fail("pagination_walk", f"{operation} page request failed ({page.status})", page)
            return seen, False, page
        seen += [b.get("backup_id") for b in page.field("data", default=[]) or [] if isinstance(b, dict)]
        token = page.field("pagination", "next")
        if not token:
            return seen, True, page
    return seen, False, page


def pagination_walk(s: Scenario) -> None:
    """R-BAK-04/05: limit=1 pages of one index's backups yield each exactly once, and only its own;
    the project list yields each of them once too."""
    name, neighbour = s.new_name("page"), s.new_name("nbr")
    for index in (name, neighbour):
        _create_index(s, {"name": index, "dimension": 2, "metric": "cosine", "spec": SERVERLESS},
                      "create a pagination source")
        _wait_ready(s, index)
    made, other = [], []
    for index, count, into in ((name, 3, made), (neighbour, 1, other)):
        for number in range(count):
            reply = s.client.call("create_backup", path={"index_name": index}, body={"name": f"page-{number}"})
            if reply.status in SUCCESS and reply.field("backup_id"):
                into.append(reply.field("backup_id"))
    if len(made) < 3 or not other:
        s.fail("pagination_walk_setup", "could not create the backups to page through", None)
    else:
        seen, complete, page = _walk(s, "list_index_backups", {"index_name": name}, limit=1, max_pages=10)
        duplicates = sorted({b for b in seen if seen.count(b) > 1})
        missing = sorted(set(made) - set(seen)) if complete or len(seen) >= 10 else []
        strangers = sorted(set(seen) - set(made))
        if duplicates or missing or strangers:
            s.fail("pagination_walk", f"walking limit=1 pages of {name}'s backups: repeated {duplicates}, "
                   f"missing {missing}, not {name}'s {strangers}", page)
        else:
            s.passed("pagination_walk", "list_index_backups")
        seen, complete, page = _walk(s, "list_project_backups", None, limit=2, max_pages=100)
        ours = [b for b in seen if b in made or b in other]
        duplicates = sorted({b for b in ours if ours.count(b) > 1})
        missing = sorted(set(made + other) - set(ours)) if complete else []
        if duplicates or missing:
            s.fail("pagination_walk", f"walking limit=2 pages of the project's backups: repeated {duplicates}, "
                   f"missing {missing}", page)
        else:
            s.passed("pagination_walk", "list_project_backups")
    for backup_id in made + other:
        s.client.call("delete_backup", path={"backup_id": backup_id})
    _delete_index(s, name)
    _delete_index(s, neighbour)


def create_for_model(s: Scenario) -> None:
    """R-CFM-01: create-for-model with multilingual-e5-large."""
    name = s.new_name("emb")
    _create(s, "create_index_for_model", "create-for-model with multilingual-e5-large", body={
        "name": name, "cloud": domain.DEFAULT_CLOUD, "region": domain.DEFAULT_REGION,
        "embed": {"model": "multilingual-e5-large", "field_map": {"text": "chunk_text"}}})
    duplicate = s.client.call("create_index_for_model", body={
        "name": name, "cloud": domain.DEFAULT_CLOUD, "region": domain.DEFAULT_REGION,
        "embed": {"model": "multilingual-e5-large", "field_map": {"text": "chunk_text"}}})
    s.expect(duplicate, {409}, "duplicate_rejected", f"second create-for-model of {name}")
    described = _describe(s, name)
    embed = described.field("embed") or {}
    checks = {"dimension": (described.field("dimension"), 1024), "metric": (described.field("metric"), "cosine"),
              "embed.model": (embed.get("model"), "multilingual-e5-large"),
              "embed.field_map": (embed.get("field_map"), {"text": "chunk_text"})}
    for key, (got, want) in checks.items():
        if got != want:
            s.fail("create_for_model_echo", f"{key} should be {want!r}, describe says {got!r}", described)
    s.passed("create_for_model_echo", "describe_index")
    _delete_index(s, name)


def input_validation(s: Scenario) -> None:
    """Invalid input in one precise way each must be rejected with a 4xx (R-IDX-03, -11..13, R-BAK-06)."""
    for rule, bad_name in invalid_names(s.state.prefix).items():
        for operation, body in (
            ("create_index", {"name": bad_name, "dimension": 4, "metric": "cosine", "spec": SERVERLESS}),
            ("create_index_for_model", {"name": bad_name, "cloud": "aws", "region": "us-east-1",
                                        "embed": {"model": "multilingual-e5-large", "field_map": {"text": "t"}}}),
            ("create_collection", {"name": bad_name, "source": s.new_name("nosrc")}),
        ):
            reply = s.client.call(operation, body=body)
            _expect_rejected(s, reply, "invalid_name_rejected", f"{operation} with a name breaking the rule: {rule}")
            if reply.status in SUCCESS and operation != "create_collection":
                s.client.call("delete_index", path={"index_name": bad_name})
    for rule, body in invalid_create_index_bodies(s.new_name("bad")).items():
        reply = s.client.call("create_index", body=body)
        _expect_rejected(s, reply, "invalid_body_rejected", f"create_index with {rule}")
        if reply.status in SUCCESS:
            s.client.call("delete_index", path={"index_name": body["name"]})
    for operation, params in (("list_project_backups", None), ("list_restore_jobs", None),
                              ("list_index_backups", {"index_name": s.new_name("nolist")})):
        for limit in (0, 101, -1):
            reply = s.client.call(operation, path=params, query={"limit": limit}, invalid=True)
            _expect_rejected(s, reply, "invalid_limit_rejected", f"{operation} with limit={limit}",
                             allow_404=operation == "list_index_backups")
    # (operation, body, whether the documented answer is 404: R-IDX-14, R-CFM-08)
    unknown_places = (
        ("create_index", {"name": s.new_name("where"), "dimension": 4, "metric": "cosine",
                          "spec": {"serverless": {"cloud": "aws", "region": "mars-north-1"}}}, True),
        ("create_index_for_model", {"name": s.new_name("where"), "cloud": "gcp", "region": "atlantis1",
                                    "embed": {"model": "multilingual-e5-large", "field_map": {"text": "t"}}}, True),
        ("create_index", {"name": s.new_name("where"), "dimension": 4, "metric": "cosine",
                          "spec": {"pod": {"environment": "moon-base-1", "pod_type": "p1.x1"}}}, False),
    )
    for operation, body, wants_404 in unknown_places:
        reply = s.client.call(operation, body=body)
        rejected = _expect_rejected(s, reply, "unknown_region_rejected", f"{operation} in a place that does not exist",
                                    allow_404=True)
        if rejected and wants_404 and reply.status != 404:
            s.fail("unknown_region_status", f"{operation} in an unknown cloud/region: expected 404, got {reply.status}",
                   reply)
        if reply.status in SUCCESS:
            s.client.call("delete_index", path={"index_name": body["name"]})
    malformed = s.client.call("create_index", raw_body=b'{"name": "x", "dimension": ')
    _expect_rejected(s, malformed, "invalid_body_rejected", "create_index with malformed JSON")
    missing = s.client.call("create_index", body={"dimension": 4, "spec": SERVERLESS})
    if _expect_rejected(s, missing, "invalid_body_rejected", "create_index without the required name"):
        s.expect(missing, {400, 422}, "missing_field_status", "create_index without a required field")


def _expect_rejected(s: Scenario, reply: Reply, check: str, what: str, *, allow_404: bool = False) -> bool:
    if reply.status in CLIENT_ERROR and (reply.status != 404 or allow_404 or reply.operation_id != "create_index"):
        s.passed(check, reply.operation_id)
        return True
    s.fail(check, f"{what}: expected a 4xx rejection, got {reply.status}", reply)
    return False


def boundaries_accepted(s: Scenario) -> None:
    """The edges of the rules are inside them: a 45-character name, dimensions 1 and 20000."""
    longest = (s.state.prefix + "-edge-" + "x" * 45)[:45]
    for what, body in (
        ("a 45-character name", {"name": longest, "dimension": 4, "metric": "cosine", "spec": SERVERLESS}),
        ("dimension 1", {"name": s.new_name("dim"), "dimension": 1, "metric": "cosine", "spec": SERVERLESS}),
        ("dimension 20000", {"name": s.new_name("dim"), "dimension": 20000, "metric": "cosine", "spec": SERVERLESS}),
    ):
        reply = s.client.call("create_index", body=body)
        if reply.status in PROJECT_LIMITS:
            continue
        s.expect(reply, SUCCESS, "boundary_accepted", f"create_index with {what}")
        if reply.status in SUCCESS:
            _delete_index(s, body["name"])


def missing_resources(s: Scenario) -> None:
    """R-DSC-01, R-CFG-06, R-COL-08, R-BAK-07, R-RST-07: unknown resources are 404 NOT_FOUND.
    In read-only mode only the GETs are sent."""
    ghost = s.new_name("ghost")
    for operation, params, body in (
        ("describe_index", {"index_name": ghost}, None),
        ("delete_index", {"index_name": ghost}, None),
        ("configure_index", {"index_name": ghost}, {"tags": {"a": "b"}}),
        ("list_index_backups", {"index_name": ghost}, None),
        ("describe_collection", {"collection_name": ghost}, None),
        ("delete_collection", {"collection_name": ghost}, None),
        ("describe_backup", {"backup_id": "00000000-0000-4000-8000-000000000000"}, None),
        ("delete_backup", {"backup_id": "00000000-0000-4000-8000-000000000000"}, None),
        ("create_index_from_backup_operation", {"backup_id": "00000000-0000-4000-8000-000000000000"},
         {"name": s.new_name("orphan")}),
        ("describe_restore_job", {"job_id": "00000000-0000-4000-8000-000000000000"}, None),
    ):
        if not s.may_send(operation):
            continue
        reply = s.client.call(operation, path=params, body=body)
        documented = "404" in s.state.operations[operation].definition.get("responses", {})
        s.expect(reply, {404}, "missing_resource_404" if documented else "missing_resource_404_undocumented",
                 f"{operation} of a resource that does not exist")


def authentication(s: Scenario) -> None:
    """R-AUTH-01..03: every operation refuses a missing or wrong key with 401 UNAUTHENTICATED."""
    probe = s.new_name("authprobe")
    for operation_id, operation in s.state.operations.items():
        if not s.may_send(operation_id):
            continue
        params = {p["name"]: probe for p in operation.definition.get("parameters", []) if p.get("in") == "path"}
        body = {} if "requestBody" in operation.definition else None
        for label, key in (("without an Api-Key", None), ("with a wrong Api-Key", "pcc-wrong-key-0000")):
            reply = s.client.call(operation_id, path=params, body=body, api_key=key)
            s.expect(reply, {401}, "auth_required", f"{operation_id} {label}")


def api_version_header(s: Scenario) -> None:
    """R-VER-01/02: an unknown version is rejected; a missing one is served."""
    bogus = s.client.call("list_indexes", version="1999-01", invalid=True)
    _expect_rejected(s, bogus, "api_version_rejected_unknown", "list_indexes with X-Pinecone-Api-Version: 1999-01")
    missing = s.client.call("list_indexes", version=None)
    if missing.status not in SUCCESS:
        s.fail("api_version_optional", f"list_indexes without X-Pinecone-Api-Version got {missing.status}; the API "
               "serves such a request with the oldest supported version (docs, versioning; R-VER-01)", missing)
    else:
        s.passed("api_version_optional", "list_indexes")


#: name -> (function, the operations it exercises). The self-test and --operation use the latter.
SCENARIOS: dict[str, tuple[Callable[[Scenario], None], tuple[str, ...]]] = {
    "serverless_index_lifecycle": (serverless_index_lifecycle, (
        "create_index", "describe_index", "list_indexes", "configure_index", "delete_index", "create_collection")),
    "protected_at_creation": (protected_at_creation, ("create_index", "describe_index", "configure_index", "delete_index")),
    "defaults_filled": (defaults_filled, ("create_index", "describe_index", "delete_index")),
    "sparse_index": (sparse_index, ("create_index", "describe_index", "delete_index")),
    "pod_index_and_collection": (pod_index_and_collection, (
        "create_index", "describe_index", "configure_index", "delete_index", "create_collection",
        "describe_collection", "list_collections", "delete_collection")),
    "backup_and_restore": (backup_and_restore, (
        "create_index", "describe_index", "delete_index", "create_backup", "list_index_backups",
        "list_project_backups", "describe_backup", "delete_backup", "create_index_from_backup_operation",
        "describe_restore_job", "list_restore_jobs")),
    "pagination_walk": (pagination_walk, ("create_index", "create_backup", "list_index_backups", "list_project_backups",
                                          "delete_backup")),
    "create_for_model": (create_for_model, ("create_index_for_model", "describe_index", "delete_index")),
    "input_validation": (input_validation, (
        "create_index", "create_index_for_model", "create_collection", "list_project_backups",
        "list_restore_jobs", "list_index_backups")),
    "boundaries_accepted": (boundaries_accepted, ("create_index", "delete_index")),
    "missing_resources": (missing_resources, (
        "describe_index", "delete_index", "configure_index", "list_index_backups", "describe_collection",
        "delete_collection", "describe_backup", "delete_backup", "create_index_from_backup_operation",
        "describe_restore_job")),
    "authentication": (authentication, ()),  # every operation
    "api_version_header": (api_version_header, ("list_indexes",)),
}


#: Scenarios that still mean something with GET requests only (``--read-only``).
READ_ONLY_SCENARIOS = frozenset({"missing_resources", "authentication", "api_version_header"})


def run_scenario(name: str, client: ApiClient, state: RunState) -> None:
    function, _ = SCENARIOS[name]
    scenario = Scenario(client=client, state=state, name=name)
    try:
        function(scenario)
    except ScenarioAbort:
        pass
    except (httpx.HTTPError, TransportFailure) as error:  # no usable answer: a finding, not a crash
        scenario.fail("network_error", f"scenario {name}: no usable response: {type(error).__name__}: {error}")
    except BudgetExhausted as error:
        state.note_error(f"scenario {name} stopped: {error}")
    except SkippedRequest as error:  # the gate refused a step (safety, read-only, paid): the rest depends on it
        state.note_skip(name, str(error))
    except ScenarioNotRun as error:
        state.note_skip(name, str(error))
