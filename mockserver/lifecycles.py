"""Lifecycles: states derived from a record's instants and the clock, never stored.

An index is Initializing until ``ready_at``, then Ready (or scaling while a pod resize runs),
Terminating once deleted; collections and backups go Initializing -> Ready -> Terminating;
a restore job is Pending, InProgress, then Completed. Records whose deletion has finished
are purged from the store at the start of every operation (:func:`purge`).

An observation made in the response of the request that started a transition is ``fresh``:
it shows the transition's first state even when the lifecycle delay is 0, so a create
answers ``ready: false`` and the next read ``Ready``.
"""

from __future__ import annotations

import copy

from pinecone_conformance.mockserver.policy import Policy, Quirk
from pinecone_conformance.mockserver.store import (
    Backup,
    BackupSeen,
    Collection,
    CollectionSeen,
    Index,
    IndexSeen,
    RestoreJob,
    RestoreJobSeen,
    Store,
)

#: Index states in which a collection may be made of it.
SERVING_STATES = ("Ready", "ScalingUp", "ScalingDown", "ScalingUpPodSize", "ScalingDownPodSize")


def active(until: float | None, now: float, fresh: bool = False) -> bool:
    """Whether a transition ending at ``until`` is still running (always, in a ``fresh`` answer)."""
    return until is not None and (now < until or (fresh and now <= until))


def index_state(index: Index, now: float, policy: Policy, fresh: bool = False) -> tuple[bool, str]:
    """(ready, state) of an index."""
    if index.deleted_at is not None:
        return False, "Terminating"
    if policy.has(Quirk.NEVER_READY) or active(index.ready_at, now, fresh):
        return False, "Initializing"
    if index.scaling and active(index.scaling[1], now, fresh):
        return True, index.scaling[0]
    return True, "Ready"


def read_nodes(index: Index, now: float, fresh: bool = False) -> tuple[int, int]:
    """(replicas, shards) of dedicated read capacity serving reads right now; (0, 0) for OnDemand."""
    config = index.read_capacity or {"mode": "OnDemand"}
    if config["mode"] != "Dedicated":
        return 0, 0
    if active(index.capacity_until, now, fresh):
        return index.capacity_from
    manual = config["dedicated"]["manual"]
    return manual["replicas"], manual["shards"]


def lifecycle_status(ready_at: float, deleted_at: float | None, now: float, fresh: bool = False) -> str:
    """Initializing -> Ready, then Terminating once deleted: the lifecycle collections and backups share."""
    if deleted_at is not None:
        return "Terminating"
    return "Initializing" if active(ready_at, now, fresh) else "Ready"


def collection_status(collection: Collection, now: float, fresh: bool = False) -> str:
    return lifecycle_status(collection.ready_at, collection.deleted_at, now, fresh)


def backup_status(backup: Backup, now: float, fresh: bool = False) -> str:
    return lifecycle_status(backup.ready_at, backup.deleted_at, now, fresh)


def restore_progress(job: RestoreJob, now: float) -> tuple[str, float]:
    """(status, percent_complete): Pending for the first tenth, InProgress, then Completed."""
    if now >= job.finished_at:
        return "Completed", 100.0
    duration = job.finished_at - job.created_at
    elapsed = max(0.0, now - job.created_at)
    if elapsed < duration * 0.1:
        return "Pending", 0.0
    return "InProgress", round(100.0 * elapsed / duration, 1)


# --- observations (records copied, so an answer rendered later cannot change) ----------------


def observe_index(index: Index, now: float, policy: Policy, fresh: bool = False) -> IndexSeen:
    return IndexSeen(copy.copy(index), *index_state(index, now, policy, fresh), read_nodes(index, now, fresh))


def observe_collection(collection: Collection, now: float, fresh: bool = False) -> CollectionSeen:
    return CollectionSeen(copy.copy(collection), collection_status(collection, now, fresh))


def observe_backup(backup: Backup, now: float, fresh: bool = False) -> BackupSeen:
    return BackupSeen(copy.copy(backup), backup_status(backup, now, fresh))


def observe_restore_job(job: RestoreJob, now: float) -> RestoreJobSeen:
    return RestoreJobSeen(copy.copy(job), *restore_progress(job, now))


# --- the end of a deletion ------------------------------------------------------------------


def purge(store: Store, now: float, delay: float, policy: Policy) -> None:
    """Drop every record whose deletion finished (``delay`` after it was asked for)."""
    for name, index in list(store.indexes.items()):
        if index.deleted_at is not None and now >= index.deleted_at + delay:
            del store.indexes[name]
            if policy.has(Quirk.NAME_NOT_RELEASED):
                store.retired_names.add(name)
            if policy.has(Quirk.DELETED_STILL_LISTED):
                index.deleted_at = None
                store.ghosts[name] = index
    for mapping in (store.collections, store.backups):
        for key, item in list(mapping.items()):
            if item.deleted_at is not None and now >= item.deleted_at + delay:
                del mapping[key]
