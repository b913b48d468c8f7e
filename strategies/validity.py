"""Is a schema-valid request also valid by the rules the document states only in prose?

Schemathesis's "positive" data is valid against the schema, not against the prose (a dense
index without a dimension, a source collection that does not exist, a made-up pagination
token). When a server rejects such a request it is right to, so the suite asks this module
before calling a rejection of "positive" data a finding. ``None`` means: no rule we know is
broken, so a rejection is a real deviation.
"""

from __future__ import annotations

import re

from pinecone_conformance.core import domain


def request_problem(operation_id: str, body: object, query: dict | None = None) -> str | None:
    """The first prose rule (or unknowable state) that makes this request rejectable."""
    query = query or {}
    if "paginationToken" in query:
        return "a pagination token the server never issued"
    checker = _CHECKERS.get(operation_id)
    if checker is None or not isinstance(body, dict):
        return None
    return checker(body)


def _name(body: dict) -> str | None:
    if "name" in body and not domain.is_valid_name(body.get("name")):
        return f"name {body.get('name')!r} breaks the name rules"
    return None


def _tags(tags: object) -> str | None:
    if isinstance(tags, dict):
        for key, value in tags.items():
            if not re.match(domain.TAG_KEY_PATTERN, str(key)) or not re.match(domain.TAG_VALUE_PATTERN, str(value)):
                return f"tag {key!r}: {value!r} breaks the tag rules"
    return None


def _read_capacity(read_capacity: object) -> str | None:
    """"If set to Dedicated, dedicated.node_type and dedicated.scaling must be specified" (prose)."""
    if not isinstance(read_capacity, dict) or read_capacity.get("mode") != "Dedicated":
        return None
    dedicated = read_capacity.get("dedicated") or {}
    if dedicated.get("node_type") not in domain.NODE_TYPES:
        return "dedicated read capacity without a known node_type"
    if dedicated.get("scaling") != "Manual":
        return "dedicated read capacity without Manual scaling"
    return None


def _create_index(body: dict) -> str | None:
    problem = _name(body) or _tags(body.get("tags"))
    if problem:
        return problem
    vector_type = body.get("vector_type") or "dense"
    dimension = body.get("dimension")
    if vector_type == "sparse":
        if dimension is not None:
            return "a sparse index with a dimension"
        if body.get("metric") not in (None, "dotproduct"):
            return "a sparse index with a metric other than dotproduct"
    elif dimension is None:
        return "a dense index without a dimension"
    spec = body.get("spec") or {}
    if "byoc" in spec:
        return "a BYOC environment the test project may not have"
    serverless, pod = spec.get("serverless"), spec.get("pod")
    if isinstance(serverless, dict):
        if serverless.get("region") not in domain.SAFE_SERVERLESS_REGIONS.get(serverless.get("cloud"), ()):
            return "a cloud/region pair that may not exist"
        if serverless.get("source_collection"):
            return "a source collection that may not exist"
        if problem := _read_capacity(serverless.get("read_capacity")):
            return problem
    if isinstance(pod, dict):
        if vector_type == "sparse":
            return "a sparse pod index"
        if not re.match(domain.POD_TYPE_PATTERN, str(pod.get("pod_type", ""))):
            return "a pod_type outside s1|p1|p2 . x1|x2|x4|x8"
        if pod.get("environment") not in domain.SAFE_POD_ENVIRONMENTS:
            return "a pod environment that may not exist"
        replicas, shards, pods = pod.get("replicas") or 1, pod.get("shards") or 1, pod.get("pods")
        if pods is not None and pods != replicas * shards:
            return "pods differing from shards x replicas"
        if pod.get("source_collection"):
            return "a source collection that may not exist"
    return None


def _create_for_model(body: dict) -> str | None:
    problem = _name(body) or _tags(body.get("tags"))
    if problem:
        return problem
    if body.get("region") not in domain.SAFE_SERVERLESS_REGIONS.get(body.get("cloud"), ()):
        return "a cloud/region pair that may not exist"
    if problem := _read_capacity(body.get("read_capacity")):
        return problem
    embed = body.get("embed") or {}
    model = domain.EMBED_MODELS.get(embed.get("model"))
    if model is None:
        return "an embedding model that may not exist"
    if not isinstance(embed.get("field_map"), dict) or "text" not in embed["field_map"]:
        return "a field_map without the key 'text'"
    if embed.get("metric") is not None and embed["metric"] not in model.metrics:
        return "a metric the model does not support"
    if embed.get("dimension") is not None and embed["dimension"] not in model.dimensions:
        return "a dimension the model does not support"
    return None


def _create_from_backup(body: dict) -> str | None:
    return _name(body) or _tags(body.get("tags"))


def _configure(body: dict) -> str | None:
    if body.get("spec") or body.get("embed"):
        return "a spec or embed change that depends on the index's kind"
    return _tags(body.get("tags"))


_CHECKERS = {
    "create_index": _create_index,
    "create_index_for_model": _create_for_model,
    "create_index_from_backup_operation": _create_from_backup,
    "configure_index": _configure,
    "create_collection": lambda body: _name(body) or "a source index that may not be a ready pod index",
    "create_backup": lambda body: "an index to back up that may not exist or be serverless",
}
