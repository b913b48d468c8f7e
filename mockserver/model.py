"""The operations on one project: indexes, collections, backups and restore jobs.

The records live in a :class:`~mockserver.store.Store`; their states are derived from the
clock (:mod:`mockserver.lifecycles`); quotas are checked by :mod:`mockserver.quotas`. Each
operation answers with domain objects (observations of records, pages), never JSON:
:mod:`mockserver.views` renders them.

Every public method takes the project lock: concurrent clients see one consistent state.
"""

from __future__ import annotations

import copy
import hashlib
import random
import string
import threading
import uuid
from typing import Any

from pinecone_conformance.mockserver import lifecycles, quotas, rules
from pinecone_conformance.mockserver.errors import ApiError, already_exists, bad_request, index_not_found
from pinecone_conformance.mockserver.lifecycles import (
    observe_backup,
    observe_collection,
    observe_index,
    observe_restore_job,
)
from pinecone_conformance.mockserver.policy import Policy, Quirk, Rule
from pinecone_conformance.mockserver.settings import Clock, MockSettings
from pinecone_conformance.mockserver.store import (
    Backup,
    BackupSeen,
    Collection,
    CollectionSeen,
    Index,
    IndexSeen,
    Page,
    RestoreJob,
    RestoreJobSeen,
    RestoreStarted,
    Store,
)


class Project:
    """One Pinecone project held in memory. Methods return observations (:mod:`mockserver.store`)."""

    def __init__(self, settings: MockSettings, clock: Clock, policy: Policy) -> None:
        self.settings = settings
        self.clock = clock
        self.policy = policy
        self._lock = threading.RLock()
        self._store = Store()
        self._random = random.Random(settings.seed)
        alphabet = string.ascii_lowercase + string.digits
        self._suffix = "".join(self._random.choice(alphabet) for _ in range(7))

    # --- helpers ----------------------------------------------------------------------------

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _begin(self) -> float:
        now = self.clock.now()
        self._purge(now)
        return now

    @property
    def _delay(self) -> float:
        return self.settings.lifecycle_delay

    def _purge(self, now: float) -> None:
        lifecycles.purge(self._store, now, self._delay, self.policy)

    def _host(self, name: str, deployment: str, placement: dict[str, Any]) -> str:
        if deployment == "serverless":
            cell = f"{placement['cloud']}:{placement['region']}"
            slug = "aped-4627-b74a" if cell == "aws:us-east-1" else _slug(cell)
        else:
            slug = placement["environment"]
        return f"{name}-{self._suffix}.svc.{slug}.pinecone.io"

    def _index(self, name: str) -> Index:
        index = self._store.indexes.get(name)
        if index is None:
            raise index_not_found(name)
        return index

    def _seen(self, index: Index, now: float, fresh: bool = False) -> IndexSeen:
        return observe_index(index, now, self.policy, fresh)

    def _state(self, index: Index, now: float) -> str:
        return lifecycles.index_state(index, now, self.policy)[1]

    # --- indexes ----------------------------------------------------------------------------

    def list_indexes(self) -> list[IndexSeen]:
        with self._lock:
            now = self._begin()
            listed = [self._seen(index, now) for name, index in self._store.indexes.items()
                      if name not in self._store.unlisted]
            listed += [self._seen(ghost, now) for name, ghost in self._store.ghosts.items()
                       if name not in self._store.indexes]
            return listed

    def target_exists(self, params: dict[str, str]) -> bool:
        """Whether the index or backup a request's path names exists (False when it names neither)."""
        with self._lock:
            self._begin()
            if "index_name" in params:
                return params["index_name"] in self._store.indexes
            if "backup_id" in params:
                return params["backup_id"] in self._store.backups
            return False

    def describe_index(self, name: str) -> IndexSeen:
        with self._lock:
            now = self._begin()
            return self._seen(self._index(name), now)

    def create_index(self, draft: dict[str, Any], *, quota_status: int = 403) -> IndexSeen:
        """Create from a draft made by the rules (name, vectors, placement... all checked).

        Existence (source collection) -> 400, duplicate name -> 409, quota -> ``quota_status``:
        403 as production answers, except where the document lists no 403 (create-for-model).
        """
        with self._lock:
            now = self._begin()
            self._check_source_collection(draft)
            name = draft["name"]
            taken = name in self._store.indexes or name in self._store.retired_names
            if taken and self.policy.enforces(Rule.UNIQUE_NAMES):
                raise already_exists()
            existing = [i for n, i in self._store.indexes.items() if n != name]
            quotas.check_indexes(self.settings, len(existing), status=quota_status)
            if draft["deployment"] == "pod":
                pods = draft["placement"]["replicas"] * draft["placement"]["shards"]
                quotas.check_pods(self.settings, sum(i.pods for i in existing), pods)
            index = Index(
                id=self._new_id(), name=name, host=self._host(name, draft["deployment"], draft["placement"]),
                vector_type=draft["vector_type"], dimension=draft["dimension"], metric=draft["metric"],
                deployment=draft["deployment"], placement=draft["placement"],
                deletion_protection=draft.get("deletion_protection", "disabled"), tags=draft.get("tags"),
                created_at=now, ready_at=now + self._delay,
                read_capacity=draft.get("read_capacity"), schema=draft.get("schema"),
                source_collection=draft.get("source_collection"), embed=draft.get("embed"),
            )
            if index.read_capacity and index.read_capacity["mode"] == "Dedicated":
                index.capacity_until = now + self._delay
            self._store.indexes[name] = index
            self._store.ghosts.pop(name, None)
            self._store.unlisted.discard(name)
            return self._seen(index, now, fresh=True)

    def _check_source_collection(self, draft: dict[str, Any]) -> None:
        source = draft.get("source_collection") or draft["placement"].get("source_collection")
        if source is None:
            return
        collection = self._store.collections.get(source)
        if collection is None or collection.deleted_at is not None:
            raise bad_request(f"Resource {source} not found")
        if lifecycles.collection_status(collection, self.clock.now()) != "Ready":
            raise bad_request(f"Source collection {source} is not ready.")
        environment = draft["placement"].get("environment")
        if environment is not None and environment != collection.environment:
            raise bad_request("Source collection must be in the same environment as the index.")

    def configure_index(self, name: str, change: dict[str, Any]) -> IndexSeen:
        """Partial update: deletion protection, tag merge, pod size/replicas, read capacity, embed."""
        with self._lock:
            now = self._begin()
            index = self._index(name)
            if index.deleted_at is not None:
                raise bad_request(f"Index {name} is being deleted and cannot be configured.")
            updated = copy.deepcopy(index)
            if "deletion_protection" in change:
                updated.deletion_protection = change["deletion_protection"]
            elif self.policy.has(Quirk.CONFIGURE_RESETS_PROTECTION):
                updated.deletion_protection = "disabled"
            if change.get("tags"):
                updated.tags = self._merged_tags(updated.tags, change["tags"])
            if "spec" in change:
                self._configure_spec(updated, change["spec"], now)
            if "embed" in change:
                updated.embed = _configured_embed(updated, change["embed"])
            if not self.policy.has(Quirk.CONFIGURE_NOT_STORED):
                self._store.indexes[name] = updated
            if self.policy.has(Quirk.HIDDEN_AFTER_CONFIGURE):
                self._store.unlisted.add(name)
            answered = index if self.policy.has(Quirk.CONFIGURE_ANSWERS_OLD_MODEL) else updated
            return self._seen(answered, now, fresh=True)

    def _merged_tags(self, current: dict[str, str] | None, update: dict[str, str]) -> dict[str, str]:
        """Tags merge key by key; an empty-string value deletes the key."""
        tags = {} if self.policy.has(Quirk.TAGS_REPLACED) else dict(current or {})
        for key, value in update.items():
            if value == "" and not self.policy.has(Quirk.EMPTY_TAG_STORED):
                tags.pop(key, None)
            else:
                tags[key] = value
        return tags

    def _configure_spec(self, index: Index, spec: dict[str, Any], now: float) -> None:
        (kind, settings), = spec.items()
        if kind != index.deployment:
            raise bad_request(f"Cannot configure {kind} settings of a {index.deployment} index.")
        if kind == "pod":
            pod = index.placement
            replicas = settings.get("replicas", pod["replicas"])
            pod_type = settings.get("pod_type", pod["pod_type"])
            if replicas < 1:
                raise bad_request(f"Invalid value for replicas: must be at least 1, got {replicas}.")
            rules.check_pod_resize(self.policy, pod["pod_type"], pod_type)
            others = sum(i.pods for n, i in self._store.indexes.items() if n != index.name)
            if replicas > pod["replicas"]:
                quotas.check_pods(self.settings, others, replicas * pod["shards"])
            state = None
            if pod_type != pod["pod_type"]:
                smaller = rules.pod_size(pod_type)[1] < rules.pod_size(pod["pod_type"])[1]
                state = "ScalingDownPodSize" if smaller else "ScalingUpPodSize"
            elif replicas != pod["replicas"]:
                state = "ScalingUp" if replicas > pod["replicas"] else "ScalingDown"
            index.placement = {**pod, "replicas": replicas, "pod_type": pod_type}
            if state:
                index.scaling = (state, now + self._delay)
            return
        if "read_capacity" in settings:
            wanted = rules.check_read_capacity(settings["read_capacity"])
            index.capacity_from = lifecycles.read_nodes(index, now)
            index.read_capacity = wanted
            index.capacity_until = now + self._delay if wanted["mode"] == "Dedicated" else None

    def delete_index(self, name: str) -> None:
        with self._lock:
            now = self._begin()
            index = self._index(name)
            if index.deletion_protection == "enabled" and self.policy.enforces(Rule.DELETION_PROTECTION):
                raise ApiError(
                    403,
                    "Deletion protection is enabled for this index. Disable deletion protection before retrying.",
                )
            pending = sorted(c.name for c in self._store.collections.values()
                             if c.source == name and lifecycles.collection_status(c, now) == "Initializing")
            if pending:
                raise ApiError(
                    412, f"Unable to delete an index. There are pending collections for this index: {pending}"
                )
            if index.deleted_at is None:
                index.deleted_at = now
            self._purge(now)

    # --- collections ------------------------------------------------------------------------

    def list_collections(self) -> list[CollectionSeen]:
        with self._lock:
            now = self._begin()
            return [observe_collection(c, now) for c in self._store.collections.values()]

    def create_collection(self, name: str, source: str) -> CollectionSeen:
        """Collections copy a Ready *pod* index. A missing source is 400: the document lists no 404 here."""
        with self._lock:
            now = self._begin()
            index = self._store.indexes.get(source)
            if index is None:
                raise bad_request(f"Resource {source} not found")
            if index.deployment != "pod" and self.policy.enforces(Rule.POD_ONLY_COLLECTIONS):
                raise bad_request("Cannot create collections from serverless indexes. Use backups instead.")
            if self._state(index, now) not in lifecycles.SERVING_STATES:
                raise bad_request(f"Source index {source} is not ready.")
            if name in self._store.collections and self.policy.enforces(Rule.UNIQUE_NAMES):
                raise already_exists()
            quotas.check_collections(self.settings, len(self._store.collections))
            collection = Collection(name, source, _environment_of(index), index.dimension,
                                    created_at=now, ready_at=now + self._delay)
            self._store.collections[name] = collection
            return observe_collection(collection, now, fresh=True)

    def describe_collection(self, name: str) -> CollectionSeen:
        with self._lock:
            now = self._begin()
            return observe_collection(self._collection(name), now)

    def _collection(self, name: str) -> Collection:
        collection = self._store.collections.get(name)
        if collection is None:
            raise ApiError(404, f"Collection {name} not found.")
        return collection

    def delete_collection(self, name: str) -> None:
        with self._lock:
            now = self._begin()
            collection = self._collection(name)
            if collection.deleted_at is None:
                collection.deleted_at = now
            self._purge(now)

    # --- backups ----------------------------------------------------------------------------

    def list_backups(self, index_name: str | None, limit: int, token: str | None) -> Page:
        with self._lock:
            now = self._begin()
            if index_name is not None:
                self._index(index_name)
            unfiltered = index_name is None or self.policy.has(Quirk.INDEX_BACKUPS_UNFILTERED)
            backups = [b for b in self._store.backups.values() if unfiltered or b.source_index_name == index_name]
            page, next_token = self._page(backups, limit, token)
            return Page(tuple(observe_backup(b, now) for b in page), next_token)

    def _page(self, items: list, limit: int, token: str | None) -> tuple[list, str | None]:
        offset = rules.page_offset(self.policy, token)
        if self.policy.has(Quirk.PAGINATION_REPEATS):
            offset = 0
        page = items[offset:offset + limit]
        more = offset + limit < len(items)
        return page, (rules.page_token(offset + limit) if more else None)

    def create_backup(self, index_name: str, name: str | None, description: str | None) -> BackupSeen:
        """Backups copy a Ready serverless index.

        A missing index is 400 (not 404): the document lists no 404 for create_backup, and
        the mock answers only documented statuses.
        """
        with self._lock:
            now = self._begin()
            index = self._store.indexes.get(index_name)
            if index is None:
                raise bad_request(f"Index {index_name} not found.")
            if index.deployment != "serverless":
                raise bad_request("Backups are only supported for serverless indexes.")
            if self._state(index, now) != "Ready":
                raise bad_request(f"Index {index_name} is not ready.")
            quotas.check_backups(self.settings, len(self._store.backups))
            backup = Backup(
                id=self._new_id(), source_index_name=index.name, source_index_id=index.id,
                cloud=index.placement["cloud"], region=index.placement["region"], vector_type=index.vector_type,
                dimension=index.dimension, metric=index.metric, created_at=now, ready_at=now + self._delay,
                name=name, description=description, schema=index.schema, embed=index.embed,
            )
            self._store.backups[backup.id] = backup
            return observe_backup(backup, now, fresh=True)

    def _backup(self, backup_id: str) -> Backup:
        backup = self._store.backups.get(backup_id)
        if backup is None:
            raise ApiError(404, f"Backup {backup_id} not found.")
        return backup

    def describe_backup(self, backup_id: str) -> BackupSeen:
        with self._lock:
            now = self._begin()
            return observe_backup(self._backup(backup_id), now)

    def delete_backup(self, backup_id: str) -> None:
        with self._lock:
            now = self._begin()
            backup = self._backup(backup_id)
            pending = [j.id for j in self._store.restore_jobs.values()
                       if j.backup_id == backup_id and lifecycles.restore_progress(j, now)[0] != "Completed"]
            if pending:
                raise ApiError(412, f"Unable to delete backup {backup_id}. There are pending restore jobs: {pending}")
            if backup.deleted_at is None:
                backup.deleted_at = now
            self._purge(now)

    def create_index_from_backup(self, backup_id: str, draft: dict[str, Any]) -> RestoreStarted:
        """A new serverless index with the backup's vectors, placement and embedding; a restore job."""
        with self._lock:
            now = self._begin()
            backup = self._backup(backup_id)
            if lifecycles.backup_status(backup, now) != "Ready":
                raise bad_request(f"Backup {backup_id} is not ready.")
            draft = {
                **draft, "vector_type": backup.vector_type, "dimension": backup.dimension, "metric": backup.metric,
                "deployment": "serverless", "placement": {"cloud": backup.cloud, "region": backup.region},
                "schema": backup.schema, "embed": copy.deepcopy(backup.embed),
            }
            index = self.create_index(draft).index
            job = RestoreJob(self._new_id(), backup_id, index.name, index.id, now, now + self._delay)
            self._store.restore_jobs[job.id] = job
            return RestoreStarted(job.id, index.id)

    # --- restore jobs -----------------------------------------------------------------------

    def list_restore_jobs(self, limit: int, token: str | None) -> Page:
        with self._lock:
            now = self._begin()
            page, next_token = self._page(list(self._store.restore_jobs.values()), limit, token)
            return Page(tuple(observe_restore_job(j, now) for j in page), next_token)

    def describe_restore_job(self, job_id: str) -> RestoreJobSeen:
        with self._lock:
            now = self._begin()
            job = self._store.restore_jobs.get(job_id)
            if job is None:
                raise ApiError(404, f"Restore job {job_id} not found.")
            return observe_restore_job(job, now)


def _environment_of(index: Index) -> str:
    """Where a collection of ``index`` lives: its pod (or BYOC) environment; for a serverless index
    (only a deviation copies one) a name in the pod environments' style, ``us-east-1-aws``."""
    placement = index.placement
    return placement.get("environment") or f"{placement['region']}-{placement['cloud']}"


def _slug(cell: str) -> str:
    digest = hashlib.sha1(cell.encode()).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}-{digest[8:12]}"


def _configured_embed(index: Index, change: dict[str, Any]) -> dict[str, Any]:
    """The embed block after configure: the model is fixed once set and must fit the index."""
    current = index.embed or {}
    model_name = change.get("model", current.get("model"))
    if model_name is None:
        raise bad_request("embed.model is required to make an index integrated.")
    if current and model_name != current["model"]:
        raise bad_request(f"Cannot change the embedding model of index {index.name} from {current['model']}.")
    model = rules.check_embed_model(model_name)
    if model.vector_type != index.vector_type or (
        model.vector_type == "dense" and index.dimension not in model.dimensions
    ) or index.metric not in model.metrics:
        raise bad_request(
            f"Model {model.name} does not match the index: its vector type, dimension and metric must match."
        )
    field_map = rules.check_field_map(change.get("field_map", current.get("field_map", {})))
    return rules.embed_settings(
        model, index.dimension, index.metric, field_map,
        {**current.get("read_parameters", {}), **change.get("read_parameters", {})},
        {**current.get("write_parameters", {}), **change.get("write_parameters", {})},
    )
