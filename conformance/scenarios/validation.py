"""Input rules: invalid input refused, the edges of the rules accepted, missing resources 404."""

from __future__ import annotations

from pinecone_conformance.conformance.scenarios.base import (
    PROJECT_LIMITS,
    SERVERLESS,
    SUCCESS,
    Scenario,
    delete_index,
    expect_rejected,
)
from pinecone_conformance.strategies.bodies import invalid_create_index_bodies, invalid_names


def input_validation(s: Scenario) -> None:
    """Invalid input in one precise way each must be rejected with a 4xx (R-IDX-03, -11..13, R-BAK-06)."""
    for rule, bad_name in invalid_names(s.state.config.prefix).items():
        for operation, body in (
            ("create_index", {"name": bad_name, "dimension": 4, "metric": "cosine", "spec": SERVERLESS}),
            ("create_index_for_model", {"name": bad_name, "cloud": "aws", "region": "us-east-1",
                                        "embed": {"model": "multilingual-e5-large", "field_map": {"text": "t"}}}),
            ("create_collection", {"name": bad_name, "source": s.new_name("nosrc")}),
        ):
            reply = s.client.call(operation, body=body)
            expect_rejected(s, reply, "invalid_name_rejected", f"{operation} with a name breaking the rule: {rule}")
            if reply.status in SUCCESS and operation != "create_collection":
                s.client.call("delete_index", path={"index_name": bad_name})
    for rule, body in invalid_create_index_bodies(s.new_name("bad")).items():
        reply = s.client.call("create_index", body=body)
        expect_rejected(s, reply, "invalid_body_rejected", f"create_index with {rule}")
        if reply.status in SUCCESS:
            s.client.call("delete_index", path={"index_name": body["name"]})
    for operation, params in (("list_project_backups", None), ("list_restore_jobs", None),
                              ("list_index_backups", {"index_name": s.new_name("nolist")})):
        for limit in (0, 101, -1):
            reply = s.client.call(operation, path=params, query={"limit": limit}, invalid=True)
            expect_rejected(s, reply, "invalid_limit_rejected", f"{operation} with limit={limit}",
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
        rejected = expect_rejected(s, reply, "unknown_region_rejected", f"{operation} in a place that does not exist",
                                    allow_404=True)
        if rejected and wants_404 and reply.status != 404:
            s.fail("unknown_region_status", f"{operation} in an unknown cloud/region: expected 404, got {reply.status}",
                   reply)
        if rejected and wants_404:
            s.passed("unknown_region_status", operation)
        if reply.status in SUCCESS:
            s.client.call("delete_index", path={"index_name": body["name"]})
    malformed = s.client.call("create_index", raw_body=b'{"name": "x", "dimension": ')
    expect_rejected(s, malformed, "invalid_body_rejected", "create_index with malformed JSON")
    missing = s.client.call("create_index", body={"dimension": 4, "spec": SERVERLESS})
    if expect_rejected(s, missing, "invalid_body_rejected", "create_index without the required name"):
        s.expect(missing, {400, 422}, "missing_field_status", "create_index without a required field")

def boundaries_accepted(s: Scenario) -> None:
    """The edges of the rules are inside them: a 45-character name, dimensions 1 and 20000."""
    longest = (s.state.config.prefix + "-edge-" + "x" * 45)[:45]
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
            delete_index(s, body["name"])

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
