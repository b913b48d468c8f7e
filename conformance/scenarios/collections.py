"""Pod indexes and collections: pod arithmetic, resizing rules, collections from pod indexes (R-COL, R-CFG-07..10)."""

from __future__ import annotations

from pinecone_conformance.conformance.scenarios.base import (
    SUCCESS,
    Scenario,
    create,
    create_index,
    delete_index,
    describe_index,
    described_after_configure,
    expect_rejected,
    listed_names,
    wait_ready,
)
from pinecone_conformance.core import domain


def pod_index_and_collection(s: Scenario) -> None:
    """Pod index: pods = replicas x shards, replicas scale; a collection from it has its dimension."""
    name = s.new_name("pod")
    environment = domain.SAFE_POD_ENVIRONMENTS[0]
    create_index(s, {"name": name, "dimension": 6, "metric": "cosine",
                      "spec": {"pod": {"environment": environment, "pod_type": "p1.x1"}}}, "create of a pod index")
    described = describe_index(s, name)
    pod = described.field("spec", "pod") or {}
    if (pod.get("replicas"), pod.get("shards"), pod.get("pods")) != (1, 1, 1):
        s.fail("describe_defaults", f"pod index created without replicas/shards: expected 1/1/1, got {pod!r}", described)
    wait_ready(s, name)

    collection = s.new_name("col")
    create(s, "create_collection", "create of a collection from a ready pod index",
            body={"name": collection, "source": name})
    reached, col = s.wait_for(lambda: s.client.call("describe_collection", path={"collection_name": collection}),
                              lambda r: r.field("status") == "Ready",
                              working=lambda r: r.status == 200 and r.conforms and r.field("status") == "Initializing")
    if not reached:
        s.fail("collection_becomes_ready", f"collection {collection} not Ready ({s.gave_up}) "
               "(collections can take minutes: raise --wait to be sure)", col)
    s.passed("collection_becomes_ready", "describe_collection")
    if col.field("dimension") not in (None, 6):
        s.fail("collection_matches_source", f"collection from a 6-dimension index reports dimension {col.field('dimension')!r}", col)
    if col.field("environment") not in (None, environment):
        s.fail("collection_matches_source", f"collection environment {col.field('environment')!r}, source is in {environment}", col)
    s.passed("collection_matches_source", "describe_collection")
    listed = s.client.call("list_collections")
    if collection not in listed_names(listed, "collections"):
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
        if collection in listed_names(listed, "collections"):
            s.fail("delete_takes_effect", f"deleted collection {collection} is still listed", listed)

    scaled = s.client.call("configure_index", path={"index_name": name}, body={"spec": {"pod": {"replicas": 2}}})
    if s.expect(scaled, SUCCESS, "configure_accepted", "scale a pod index to 2 replicas"):
        pod = described_after_configure(s, name, lambda r: (r.field("spec", "pod") or {}).get("replicas") == 2
                                        ).field("spec", "pod") or {}
        if pod.get("replicas") != 2 or pod.get("pods") != 2 * (pod.get("shards") or 1):
            s.fail("configure_visible", f"after scaling to 2 replicas describe shows {pod!r}", scaled)
    bigger = s.client.call("configure_index", path={"index_name": name}, body={"spec": {"pod": {"pod_type": "p1.x2"}}})
    if s.expect(bigger, SUCCESS, "configure_accepted", "grow the pod size p1.x1 -> p1.x2 (R-CFG-08)"):
        grown = described_after_configure(s, name, lambda r: (r.field("spec", "pod") or {}).get("pod_type") == "p1.x2")
        if (grown.field("spec", "pod") or {}).get("pod_type") != "p1.x2":
            s.fail("configure_visible", "after growing to p1.x2 describe shows another pod_type", bigger)
        for rule, pod_type in (("a smaller size (R-CFG-09)", "p1.x1"), ("another family (R-CFG-10)", "p2.x2")):
            reply = s.client.call("configure_index", path={"index_name": name}, body={"spec": {"pod": {"pod_type": pod_type}}},
                                  invalid=True)
            expect_rejected(s, reply, "pod_resize_rules", f"change a pod index to {rule}")
    delete_index(s, name)
