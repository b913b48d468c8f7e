"""What the project holds: the resource records, and the observations the model answers with.

The records (:class:`Index`, :class:`Collection`, :class:`Backup`, :class:`RestoreJob`) keep
what the client configured and the instants of their transitions, never a state: states are
derived from the clock when read (:mod:`mockserver.lifecycles`). An *observation* is a record
together with what it looks like at one instant; the model returns observations and
:mod:`mockserver.views` renders them as the document's response schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Index:
    id: str
    name: str
    host: str
    vector_type: str
    dimension: int | None
    metric: str
    deployment: str  # "serverless" | "pod" | "byoc"
    placement: dict[str, Any]  # serverless {cloud, region}; pod: the pod spec; byoc {environment}
    deletion_protection: str
    tags: dict[str, str] | None
    created_at: float
    ready_at: float
    read_capacity: dict[str, Any] | None = None
    schema: dict[str, Any] | None = None
    source_collection: str | None = None
    embed: dict[str, Any] | None = None
    deleted_at: float | None = None
    #: A pod resize in progress: (state, until).
    scaling: tuple[str, float] | None = None
    #: Dedicated read capacity being reached: (replicas, shards) before the change, until.
    capacity_from: tuple[int, int] = (0, 0)
    capacity_until: float | None = None

    @property
    def pods(self) -> int:
        if self.deployment != "pod":
            return 0
        return self.placement["replicas"] * self.placement["shards"]


@dataclass
class Collection:
    name: str
    source: str
    environment: str
    dimension: int | None
    created_at: float
    ready_at: float
    deleted_at: float | None = None


@dataclass
class Backup:
    id: str
    source_index_name: str
    source_index_id: str
    cloud: str
    region: str
    vector_type: str
    dimension: int | None
    metric: str
    created_at: float
    ready_at: float
    name: str | None = None
    description: str | None = None
    schema: dict[str, Any] | None = None
    embed: dict[str, Any] | None = None
    deleted_at: float | None = None


@dataclass
class RestoreJob:
    id: str
    backup_id: str
    target_index_name: str
    target_index_id: str
    created_at: float
    finished_at: float


@dataclass
class Store:
    indexes: dict[str, Index] = field(default_factory=dict)
    collections: dict[str, Collection] = field(default_factory=dict)
    backups: dict[str, Backup] = field(default_factory=dict)
    restore_jobs: dict[str, RestoreJob] = field(default_factory=dict)
    #: Indexes whose deletion finished but that a deviation keeps listing.
    ghosts: dict[str, Index] = field(default_factory=dict)
    #: Names of deleted indexes that a deviation never frees again.
    retired_names: set[str] = field(default_factory=set)
    #: Indexes a deviation leaves out of list_indexes (they were configured).
    unlisted: set[str] = field(default_factory=set)


# --- observations: a record as it looks at one instant ---------------------------------------


@dataclass(frozen=True)
class IndexSeen:
    index: Index
    ready: bool
    state: str
    #: (replicas, shards) of dedicated read capacity serving reads now; (0, 0) for OnDemand.
    read_nodes: tuple[int, int]


@dataclass(frozen=True)
class CollectionSeen:
    collection: Collection
    status: str


@dataclass(frozen=True)
class BackupSeen:
    backup: Backup
    status: str


@dataclass(frozen=True)
class RestoreJobSeen:
    job: RestoreJob
    status: str
    percent_complete: float


@dataclass(frozen=True)
class Page:
    """One page of a paginated list; ``next_token`` when there is a next page."""

    items: tuple[Any, ...]
    next_token: str | None


@dataclass(frozen=True)
class RestoreStarted:
    restore_job_id: str
    index_id: str
