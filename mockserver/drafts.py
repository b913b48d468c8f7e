"""Shape-checked request bodies turned into checked drafts, by applying :mod:`mockserver.rules`.

Each function applies the value rules (400, and 404 for unknown placements) a body of one
operation is subject to, in a fixed order, and returns what the model needs.
"""

from __future__ import annotations

from typing import Any

from pinecone_conformance.mockserver import rules
from pinecone_conformance.mockserver.errors import bad_request
from pinecone_conformance.mockserver.policy import Policy


def _flags(body: dict[str, Any]) -> dict[str, Any]:
    """``deletion_protection`` (default disabled) and ``tags`` (absent when none; "" values dropped)."""
    flags: dict[str, Any] = {"deletion_protection": rules.check_deletion_protection(body.get("deletion_protection", "disabled"))}
    if "tags" in body:
        tags = {key: value for key, value in rules.check_tags(body["tags"]).items() if value != ""}
        if tags:
            flags["tags"] = tags
    return flags


def _serverless_extras(policy: Policy, spec: dict[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {"read_capacity": rules.check_read_capacity(spec.get("read_capacity", {"mode": "OnDemand"}))}
    if "schema" in spec:
        extras["schema"] = spec["schema"]
    return extras


def index_draft(policy: Policy, body: dict[str, Any]) -> dict[str, Any]:
    """create_index: name, vectors, flags, then the deployment (placement 404 last)."""
    name = rules.check_name(policy, body["name"])
    vector_type, dimension, metric = rules.check_vectors(
        policy, body.get("vector_type"), body.get("dimension"), body.get("metric")
    )
    draft: dict[str, Any] = {"name": name, "vector_type": vector_type, "dimension": dimension, "metric": metric,
                             **_flags(body)}
    (deployment, spec), = body["spec"].items()
    draft["deployment"] = deployment
    if deployment == "serverless":
        draft.update(_serverless_extras(policy, spec))
        if "source_collection" in spec:
            draft["source_collection"] = spec["source_collection"]
        draft["placement"] = dict(zip(("cloud", "region"),
                                      rules.check_serverless_location(policy, spec["cloud"], spec["region"]),
                                      strict=True))
    elif deployment == "pod":
        if vector_type == "sparse":
            raise bad_request("Sparse vector indexes are not supported on pod-based indexes.")
        draft["placement"] = rules.check_pod_spec(policy, spec)
    else:
        draft.update(_serverless_extras(policy, spec))
        draft["placement"] = {"environment": rules.check_environment(policy, spec["environment"], rules.BYOC_ENVIRONMENTS)}
    return draft


def model_index_draft(policy: Policy, body: dict[str, Any]) -> dict[str, Any]:
    """create_index_for_model: a serverless index whose vectors the embedding model decides."""
    name = rules.check_name(policy, body["name"])
    embed = body["embed"]
    model = rules.check_embed_model(embed["model"])
    field_map = rules.check_field_map(embed["field_map"])
    vector_type, dimension, metric = rules.embed_vectors(policy, model, embed.get("metric"), embed.get("dimension"))
    draft: dict[str, Any] = {"name": name, "vector_type": vector_type, "dimension": dimension, "metric": metric,
                             **_flags(body), "deployment": "serverless"}
    draft["embed"] = rules.embed_settings(model, dimension, metric, field_map,
                                          embed.get("read_parameters", {}), embed.get("write_parameters", {}))
    draft.update(_serverless_extras(policy, body))
    draft["placement"] = dict(zip(("cloud", "region"),
                                  rules.check_serverless_location(policy, body["cloud"], body["region"]), strict=True))
    return draft


def configure_change(policy: Policy, body: dict[str, Any]) -> dict[str, Any]:
    """configure_index: the value rules that do not depend on the index (those live in the model)."""
    change: dict[str, Any] = {}
    if "deletion_protection" in body:
        change["deletion_protection"] = rules.check_deletion_protection(body["deletion_protection"])
    if "tags" in body:
        change["tags"] = rules.check_tags(body["tags"])
    if "spec" in body:
        (kind, settings), = body["spec"].items()
        if kind == "pod" and "pod_type" in settings:
            rules.check_pod_type(settings["pod_type"])
        if kind != "pod" and "read_capacity" in settings:
            rules.check_read_capacity(settings["read_capacity"])
        change["spec"] = {kind: settings}
    if "embed" in body:
        embed = body["embed"]
        if "model" in embed:
            rules.check_embed_model(embed["model"])
        if "field_map" in embed:
            rules.check_field_map(embed["field_map"])
        change["embed"] = embed
    return change


def restore_draft(policy: Policy, body: dict[str, Any]) -> dict[str, Any]:
    """create_index_from_backup: only the name, tags and deletion protection are the client's."""
    return {"name": rules.check_name(policy, body["name"]), **_flags(body)}
