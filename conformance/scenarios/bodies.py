"""Boundary bodies in positive testing: the smallest and the largest valid request, and fields
at their documented edges, sent to resources that exist.

Generated positive bodies always carry something, so a server that breaks on a body with
every optional field absent (``{}`` for configure) or on one with all of them present is
never asked. Each operation with a body gets both here, against a real resource; a 5xx on
any is an error, a refusal of a valid body a warning.
"""

from __future__ import annotations

from pinecone_conformance.conformance.scenarios.base import (
    PROJECT_LIMITS,
    SERVERLESS,
    SUCCESS,
    Reply,
    Scenario,
    delete_index,
    wait_ready,
)

LONGEST_TAG = {"k" * 80: "v" * 120}


def _judge(s: Scenario, reply: Reply, what: str) -> bool:
    """A 5xx is an error; a refusal of a valid body (other than a project limit) a warning."""
    if reply.status >= 500:
        s.fail("boundary_body_no_5xx", f"{what}: the server failed with {reply.status}", reply)
        return False
    s.passed("boundary_body_no_5xx", reply.operation_id)
    if reply.status in SUCCESS or reply.status in PROJECT_LIMITS:
        s.passed("boundary_body_accepted", reply.operation_id)
        return reply.status in SUCCESS
    s.fail("boundary_body_accepted", f"{what}: a valid body was refused with {reply.status}", reply)
    return False


def boundary_bodies(s: Scenario) -> None:
    """Minimal and maximal bodies for create_index, configure_index, create_backup,
    create_index_from_backup and create_index_for_model, on existing resources."""
    minimal, maximal = s.new_name("min"), s.new_name("max")
    _judge(s, s.client.call("create_index", body={"name": minimal, "dimension": 3, "spec": SERVERLESS}),
           "create_index with only name, dimension and spec")
    created = s.client.call("create_index", body={
        "name": maximal, "dimension": 20000, "metric": "dotproduct", "vector_type": "dense",
        "deletion_protection": "disabled", "tags": LONGEST_TAG,
        "spec": {"serverless": {**SERVERLESS["serverless"], "read_capacity": {"mode": "OnDemand"}}}})
    _judge(s, created, "create_index with every optional field, tags at their longest")
    if created.status not in SUCCESS:  # the minimal index is the resource for the rest
        maximal = minimal
    wait_ready(s, maximal)
    for what, body in (("configure_index with an empty body", {}),
                       ("configure_index with every field", {"deletion_protection": "disabled", "tags": LONGEST_TAG,
                                                             "spec": {"serverless": {"read_capacity":
                                                                                     {"mode": "OnDemand"}}}})):
        _judge(s, s.client.call("configure_index", path={"index_name": maximal}, body=body), what)
    backups = []
    for what, body in (("create_backup with an empty body", {}),
                       ("create_backup with every field", {"name": "edge", "description": "d" * 100})):
        reply = s.client.call("create_backup", path={"index_name": maximal}, body=body)
        if _judge(s, reply, what) and reply.field("backup_id"):
            backups.append(reply.field("backup_id"))
    if backups:
        ready, _ = s.wait_for(lambda: s.client.call("describe_backup", path={"backup_id": backups[0]}),
                              lambda r: r.field("status") == "Ready",
                              working=lambda r: r.status == 200 and r.conforms
                              and r.field("status") in ("Initializing", "Pending"))
        if ready:
            for what, body in (("create_index_from_backup with only a name", {"name": s.new_name("rmin")}),
                               ("create_index_from_backup with every field", {
                                   "name": s.new_name("rmax"), "tags": LONGEST_TAG, "deletion_protection": "disabled"})):
                if _judge(s, s.client.call("create_index_from_backup_operation", path={"backup_id": backups[0]},
                                           body=body), what):
                    delete_index(s, body["name"])
    for operation, path in (("list_index_backups", {"index_name": maximal}), ("list_project_backups", None),
                            ("list_restore_jobs", None)):
        for limit in (1, 100):
            reply = s.client.call(operation, path=path, query={"limit": limit})
            _judge(s, reply, f"{operation} with limit={limit} (the edges of 1..100)")
    for backup_id in backups:
        s.client.call("delete_backup", path={"backup_id": backup_id})
    for name in {minimal, maximal}:
        delete_index(s, name)


def boundary_model_bodies(s: Scenario) -> None:
    """create_index_for_model with only the required fields, and with every field."""
    base = {"cloud": SERVERLESS["serverless"]["cloud"], "region": SERVERLESS["serverless"]["region"]}
    for what, body in (
        ("create_index_for_model with only the required fields",
         {"name": s.new_name("mmin"), **base, "embed": {"model": "multilingual-e5-large", "field_map": {"text": "t"}}}),
        ("create_index_for_model with every field",
         {"name": s.new_name("mmax"), **base, "deletion_protection": "disabled", "tags": LONGEST_TAG,
          "read_capacity": {"mode": "OnDemand"},
          "embed": {"model": "llama-text-embed-v2", "metric": "dotproduct", "dimension": 2048,
                    "field_map": {"text": "chunk"}, "read_parameters": {"input_type": "query", "truncate": "END"},
                    "write_parameters": {"input_type": "passage", "truncate": "END"}}}),
    ):
        if _judge(s, s.client.call("create_index_for_model", body=body), what):
            delete_index(s, body["name"])
