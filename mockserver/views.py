"""Observations rendered as the document's response schemas (the only place JSON is shaped).

The model answers with domain objects (:mod:`mockserver.store`): a record together with the
state it is seen in. Rendering needs no clock and no policy.

Optional fields the resource does not have are *omitted*, never ``null``: the 2026-04
document marks nothing nullable (production sends some nulls; the mock follows the document).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pinecone_conformance.mockserver.store import (
    BackupSeen,
    CollectionSeen,
    IndexSeen,
    Page,
    RestoreJobSeen,
    RestoreStarted,
)


def rfc3339(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def index_model(seen: IndexSeen) -> dict[str, Any]:
    index = seen.index
    model: dict[str, Any] = {"name": index.name}
    if index.dimension is not None:
        model["dimension"] = index.dimension
    model["metric"] = index.metric
    model["host"] = index.host
    model["deletion_protection"] = index.deletion_protection
    if index.tags is not None:
        model["tags"] = dict(index.tags)
    if index.embed is not None:
        model["embed"] = dict(index.embed)
    model["spec"] = {index.deployment: _spec(seen)}
    model["status"] = {"ready": seen.ready, "state": seen.state}
    model["vector_type"] = index.vector_type
    return model


def index_list(seen: list[IndexSeen]) -> dict[str, Any]:
    return {"indexes": [index_model(item) for item in seen]}


def _spec(seen: IndexSeen) -> dict[str, Any]:
    index = seen.index
    if index.deployment == "pod":
        pod = index.placement
        spec = {"environment": pod["environment"], "replicas": pod["replicas"], "shards": pod["shards"],
                "pod_type": pod["pod_type"], "pods": index.pods}
        for optional in ("metadata_config", "source_collection"):
            if optional in pod:
                spec[optional] = pod[optional]
        return spec
    spec = dict(index.placement)
    spec["read_capacity"] = read_capacity(seen)
    if index.source_collection is not None:
        spec["source_collection"] = index.source_collection
    if index.schema is not None:
        spec["schema"] = index.schema
    return spec


def read_capacity(seen: IndexSeen) -> dict[str, Any]:
    """The response form: OnDemand is always Ready; Dedicated shows Scaling until it has its nodes."""
    config = seen.index.read_capacity or {"mode": "OnDemand"}
    if config["mode"] != "Dedicated":
        return {"mode": "OnDemand", "status": {"state": "Ready"}}
    replicas, shards = seen.read_nodes
    manual = config["dedicated"]["manual"]
    state = "Ready" if (replicas, shards) == (manual["replicas"], manual["shards"]) else "Scaling"
    return {"mode": "Dedicated", "dedicated": config["dedicated"],
            "status": {"state": state, "current_replicas": replicas, "current_shards": shards}}


def collection_model(seen: CollectionSeen) -> dict[str, Any]:
    collection, status = seen.collection, seen.status
    model: dict[str, Any] = {"name": collection.name, "status": status, "environment": collection.environment}
    if collection.dimension is not None:
        model["dimension"] = collection.dimension
    if status == "Ready":
        model["size"] = 0
        model["vector_count"] = 0
    return model


def collection_list(seen: list[CollectionSeen]) -> dict[str, Any]:
    return {"collections": [collection_model(item) for item in seen]}


def backup_model(seen: BackupSeen) -> dict[str, Any]:
    backup = seen.backup
    model: dict[str, Any] = {"backup_id": backup.id, "source_index_name": backup.source_index_name,
                             "source_index_id": backup.source_index_id}
    if backup.name is not None:
        model["name"] = backup.name
    if backup.description is not None:
        model["description"] = backup.description
    model.update({"status": seen.status, "cloud": backup.cloud, "region": backup.region})
    if backup.dimension is not None:
        model["dimension"] = backup.dimension
    model["metric"] = backup.metric
    if backup.schema is not None:
        model["schema"] = backup.schema
    model.update({"record_count": 0, "namespace_count": 0, "size_bytes": 0, "tags": {},
                  "created_at": rfc3339(backup.created_at)})
    return model


def restore_job_model(seen: RestoreJobSeen) -> dict[str, Any]:
    job = seen.job
    model: dict[str, Any] = {"restore_job_id": job.id, "backup_id": job.backup_id,
                             "target_index_name": job.target_index_name, "target_index_id": job.target_index_id,
                             "status": seen.status, "created_at": rfc3339(job.created_at)}
    if seen.status == "Completed":
        model["completed_at"] = rfc3339(job.finished_at)
    model["percent_complete"] = seen.percent_complete
    return model


def restore_started(started: RestoreStarted) -> dict[str, Any]:
    return {"restore_job_id": started.restore_job_id, "index_id": started.index_id}


def backup_page(page: Page) -> dict[str, Any]:
    return _page([backup_model(item) for item in page.items], page.next_token)


def restore_job_page(page: Page) -> dict[str, Any]:
    return _page([restore_job_model(item) for item in page.items], page.next_token)


def _page(items: list[dict[str, Any]], next_token: str | None) -> dict[str, Any]:
    """A paginated list; ``pagination`` only when there is a next page (it is not nullable)."""
    body: dict[str, Any] = {"data": items}
    if next_token is not None:
        body["pagination"] = {"next": next_token}
    return body
