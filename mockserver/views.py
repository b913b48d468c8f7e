"""JSON documents of the resources, shaped like the document's response schemas.

Optional fields the resource does not have are *omitted*, never ``null``: the 2026-04
document marks nothing nullable (production sends some nulls; the mock follows the document).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockserver import rules
from mockserver.timeline import active as _active
from mockserver.timeline import rfc3339

if TYPE_CHECKING:
    from mockserver.model import Backup, Collection, Index, RestoreJob


def index_model(index: Index, ready: bool, state: str, now: float, fresh: bool) -> dict[str, Any]:
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
    model["spec"] = {index.deployment: _spec(index, now, fresh)}
    model["status"] = {"ready": ready, "state": state}
    model["vector_type"] = index.vector_type
    return model


def _spec(index: Index, now: float, fresh: bool) -> dict[str, Any]:
    if index.deployment == "pod":
        pod = index.placement
        spec = {"environment": pod["environment"], "replicas": pod["replicas"], "shards": pod["shards"],
                "pod_type": pod["pod_type"], "pods": index.pods}
        for optional in ("metadata_config", "source_collection"):
            if optional in pod:
                spec[optional] = pod[optional]
        return spec
    spec = dict(index.placement)
    spec["read_capacity"] = read_capacity(index, now, fresh)
    if index.source_collection is not None:
        spec["source_collection"] = index.source_collection
    if index.schema is not None:
        spec["schema"] = index.schema
    return spec


def capacity_now(index: Index, now: float, fresh: bool = False) -> tuple[int, int]:
    """(replicas, shards) serving reads right now; (0, 0) for OnDemand."""
    config = index.read_capacity or {"mode": "OnDemand"}
    if config["mode"] != "Dedicated":
        return 0, 0
    if _active(index.capacity_until, now, fresh):
        return index.capacity_from
    manual = config["dedicated"]["manual"]
    return manual["replicas"], manual["shards"]


def read_capacity(index: Index, now: float, fresh: bool) -> dict[str, Any]:
    """The response form: OnDemand is always Ready; Dedicated shows Scaling until it has its nodes."""
    config = index.read_capacity or {"mode": "OnDemand"}
    if config["mode"] != "Dedicated":
        return {"mode": "OnDemand", "status": {"state": "Ready"}}
    replicas, shards = capacity_now(index, now, fresh)
    manual = config["dedicated"]["manual"]
    state = "Ready" if (replicas, shards) == (manual["replicas"], manual["shards"]) else "Scaling"
    return {"mode": "Dedicated", "dedicated": config["dedicated"],
            "status": {"state": state, "current_replicas": replicas, "current_shards": shards}}


def embed_block(model: rules.EmbedModel, dimension: int | None, metric: str, field_map: dict[str, Any],
                read_parameters: dict[str, Any], write_parameters: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = {"model": model.name, "metric": metric}
    if dimension is not None:
        block["dimension"] = dimension
    block["vector_type"] = model.vector_type
    block["field_map"] = field_map
    block["read_parameters"] = {**rules.DEFAULT_READ_PARAMETERS, **read_parameters}
    block["write_parameters"] = {**rules.DEFAULT_WRITE_PARAMETERS, **write_parameters}
    return block


def collection_model(collection: Collection, status: str) -> dict[str, Any]:
    model: dict[str, Any] = {"name": collection.name, "status": status, "environment": collection.environment}
    if collection.dimension is not None:
        model["dimension"] = collection.dimension
    if status == "Ready":
        model["size"] = 0
        model["vector_count"] = 0
    return model


def backup_model(backup: Backup, status: str) -> dict[str, Any]:
    model: dict[str, Any] = {"backup_id": backup.id, "source_index_name": backup.source_index_name,
                             "source_index_id": backup.source_index_id}
    if backup.name is not None:
        model["name"] = backup.name
    if backup.description is not None:
        model["description"] = backup.description
    model.update({"status": status, "cloud": backup.cloud, "region": backup.region})
    if backup.dimension is not None:
        model["dimension"] = backup.dimension
    model["metric"] = backup.metric
    if backup.schema is not None:
        model["schema"] = backup.schema
    model.update({"record_count": 0, "namespace_count": 0, "size_bytes": 0, "tags": {},
                  "created_at": rfc3339(backup.created_at)})
    return model


def restore_job_model(job: RestoreJob, status: str, percent: float) -> dict[str, Any]:
    model: dict[str, Any] = {"restore_job_id": job.id, "backup_id": job.backup_id,
                             "target_index_name": job.target_index_name, "target_index_id": job.target_index_id,
                             "status": status, "created_at": rfc3339(job.created_at)}
    if status == "Completed":
        model["completed_at"] = rfc3339(job.finished_at)
    model["percent_complete"] = percent
    return model


def page(items: list[dict[str, Any]], next_token: str | None) -> dict[str, Any]:
    """A paginated list; ``pagination`` only when there is a next page (it is not nullable)."""
    body: dict[str, Any] = {"data": items}
    if next_token is not None:
        body["pagination"] = {"next": next_token}
    return body
