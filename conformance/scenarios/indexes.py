"""Index scenarios: lifecycle, protection, defaults, sparse, create-for-model (R-IDX, R-CFG, R-DP, R-CFM)."""

from __future__ import annotations

from pinecone_conformance.conformance.scenarios.base import (
    SERVERLESS,
    SUCCESS,
    Reply,
    Scenario,
    ScenarioAbort,
    answer_is_the_new_model,
    create,
    create_index,
    delete_index,
    describe_index,
    described_after_configure,
    expect_rejected,
    listed_index,
    listed_names,
    showing,
    wait_ready,
)
from pinecone_conformance.core import domain

#: The tags of the index the lifecycle scenario creates, and the configure it sends them.
CREATED_TAGS = {"team": "conformance", "stage": "one", "keep": "me"}
CONFIGURED_TAGS = {"stage": "two", "owner": "suite", "team": ""}


def judge_tags(s: Scenario, tags: object, source: Reply) -> None:
    """Tags after configuring CONFIGURED_TAGS onto CREATED_TAGS, one authority per part: a tag
    set to "" is gone (the document's IndexTags), the keys named have their new values (the
    contract: what configure named is what describe shows), and the key not named is kept
    (production's merge, R-CFG-01: the document does not say merge or replace)."""
    tags = tags if isinstance(tags, dict) else {}
    named = {key: value for key, value in CONFIGURED_TAGS.items() if value}
    deleted = [key for key, value in CONFIGURED_TAGS.items() if not value]
    merged = {**{key: value for key, value in CREATED_TAGS.items() if key not in CONFIGURED_TAGS}, **named}
    where = source.operation_id
    if any(key in tags for key in deleted):
        s.fail("tag_deletion", f"tags {deleted!r} set to '' should be deleted, {where} shows {tags!r}", source)
    else:
        s.passed("tag_deletion", where)
    if any(tags.get(key) != value for key, value in named.items()):
        s.fail("configure_visible", f"tags after configure should include {named!r}, {where} shows {tags!r}", source)
    else:
        s.passed("configure_visible", where)
        if tags != merged:
            s.fail("tags_merged", f"tags after configure should be {merged!r} (merged), {where} shows {tags!r}", source)
        else:
            s.passed("tags_merged", where)


def serverless_index_lifecycle(s: Scenario) -> None:
    """create -> describe -> ready -> list -> duplicate -> configure tags -> protection -> delete."""
    name = s.new_name("idx")
    body = {
        "name": name, "dimension": 8, "metric": "euclidean", "spec": SERVERLESS,
        "deletion_protection": "disabled", "tags": dict(CREATED_TAGS),
    }
    create_index(s, body, "create of a valid serverless index")
    described = s.require(describe_index(s, name), {200}, "describe_after_create", f"describe of new index {name}")
    expected = {"name": name, "dimension": 8, "metric": "euclidean", "vector_type": "dense",
                "deletion_protection": "disabled", "tags": body["tags"]}
    for key, value in expected.items():
        if described.field(key) != value:
            s.fail("describe_echoes_create", f"created with {key}={value!r}, describe says {described.field(key)!r}", described)
    serverless = described.field("spec", "serverless") or {}
    if (serverless.get("cloud"), serverless.get("region")) != (domain.DEFAULT_CLOUD, domain.DEFAULT_REGION):
        s.fail("describe_echoes_create", f"created in aws/us-east-1, describe says {serverless!r}", described)
    s.passed("describe_echoes_create", "describe_index")
    wait_ready(s, name)

    listed = s.client.call("list_indexes")
    if name not in listed_names(listed):
        s.fail("list_includes_created", f"index {name} is not in list_indexes", listed)
    else:
        s.passed("list_includes_created", "list_indexes")

    duplicate = s.client.call("create_index", body={**body, "dimension": 16})
    s.expect(duplicate, {409}, "duplicate_rejected", f"second create of {name}")
    after = describe_index(s, name)
    if after.field("dimension") != 8:
        s.fail("duplicate_rejected", f"a duplicate create changed index {name} (dimension {after.field('dimension')!r})", after)

    configure = s.client.call("configure_index", path={"index_name": name},
                              body={"tags": CONFIGURED_TAGS})
    s.require(configure, SUCCESS, "configure_accepted", f"configure tags of {name}")
    described = described_after_configure(s, name, showing({"tags": CONFIGURED_TAGS}))
    answer_is_the_new_model(s, configure, described, ("tags",))
    judge_tags(s, described.field("tags"), described)
    listed = s.client.call("list_indexes")
    entry = listed_index(listed, name)
    if entry is not None:
        judge_tags(s, entry.get("tags"), listed)

    untouched = s.client.call("configure_index", path={"index_name": name}, body={"tags": {}})
    s.require(untouched, SUCCESS, "configure_accepted", "configure with empty tags")
    if (describe_index(s, name).field("tags") or {}) != (described.field("tags") or {}):
        s.fail("tags_merged", "configure with tags {} changed the tags (R-CFG-03)", untouched)

    for rule, bad in (("deletion_protection 'maybe'", {"deletion_protection": "maybe"}),
                      ("a tag key with a space", {"tags": {"bad key": "v"}}),
                      ("a tag key of 81 characters", {"tags": {"k" * 81: "v"}})):
        reply = s.client.call("configure_index", path={"index_name": name}, body=bad)
        expect_rejected(s, reply, "invalid_body_rejected", f"configure_index with {rule}")

    from_serverless = s.client.call("create_collection", body={"name": s.new_name("slcol"), "source": name})
    expect_rejected(s, from_serverless, "invalid_body_rejected", "create_collection from a serverless index (R-COL-03)")
    pod_on_serverless = s.client.call("configure_index", path={"index_name": name},
                                      body={"spec": {"pod": {"replicas": 2}}}, invalid=True)
    if pod_on_serverless.status in SUCCESS:
        s.fail("pod_config_on_serverless_rejected", "configure of pod replicas on a serverless index was accepted (R-CFG-13)",
               pod_on_serverless)
    s.passed("pod_config_on_serverless_rejected", "configure_index")

    deletion_protection(s, name)
    delete_index(s, name)
    again = s.client.call("create_index", body=body)
    if s.expect(again, SUCCESS, "name_released", f"create {name} again after it was deleted"):
        delete_index(s, name)

def deletion_protection(s: Scenario, name: str) -> None:
    """R-DP-01..04: a protected index refuses delete (403) until protection is disabled."""
    enable = s.client.call("configure_index", path={"index_name": name}, body={"deletion_protection": "enabled"})
    s.require(enable, SUCCESS, "configure_accepted", "enable deletion protection")
    described = described_after_configure(s, name, showing({"deletion_protection": "enabled"}))
    answer_is_the_new_model(s, enable, described, ("deletion_protection",))
    if described.field("deletion_protection") != "enabled":
        s.fail("configure_visible", f"deletion_protection enabled by configure, describe says "
               f"{described.field('deletion_protection')!r}", described)
    tags_only = s.client.call("configure_index", path={"index_name": name}, body={"tags": {"touched": "yes"}})
    if tags_only.status in SUCCESS:
        touched = described_after_configure(s, name, showing({"tags": {"touched": "yes"}}))
        if touched.field("deletion_protection") != "enabled":
            s.fail("configure_keeps_unnamed", "a configure of tags only switched deletion protection off", tags_only)
            # the document does not say a configure keeps what it does not name: protect the
            # index again, so the delete below still tests the contract's 403
            again = s.client.call("configure_index", path={"index_name": name}, body={"deletion_protection": "enabled"})
            s.require(again, SUCCESS, "configure_accepted", "enable deletion protection again")
            described_after_configure(s, name, showing({"deletion_protection": "enabled"}))
        else:
            s.passed("configure_keeps_unnamed", "configure_index")
    refused = s.client.call("delete_index", path={"index_name": name})
    if refused.status in SUCCESS:
        s.fail("deletion_protection", f"delete of protected index {name} was accepted ({refused.status})", refused)
        raise ScenarioAbort("protected index deleted")
    s.expect(refused, {403}, "deletion_protection", "delete of a protected index")
    still = describe_index(s, name)
    if still.status != 200:
        s.fail("deletion_protection", f"after a refused delete, describe gives {still.status}", still)
    disable = s.client.call("configure_index", path={"index_name": name}, body={"deletion_protection": "disabled"})
    s.require(disable, SUCCESS, "configure_accepted", "disable deletion protection")

def protected_at_creation(s: Scenario) -> None:
    """An index created protected is described protected and refuses delete."""
    name = s.new_name("prot")
    create_index(s, {"name": name, "dimension": 4, "metric": "cosine", "spec": SERVERLESS,
                      "deletion_protection": "enabled"}, "create of a protected index")
    described = describe_index(s, name)
    if described.field("deletion_protection") != "enabled":
        s.fail("describe_echoes_create", f"created protected, describe says {described.field('deletion_protection')!r}", described)
    deletion_protection(s, name)
    delete_index(s, name)

def defaults_filled(s: Scenario) -> None:
    """R-IDX-05..08: metric cosine, vector_type dense, deletion_protection disabled, no tags."""
    name = s.new_name("dflt")
    create_index(s, {"name": name, "dimension": 3, "spec": SERVERLESS}, "create with only name, dimension, spec")
    described = describe_index(s, name)
    for key, value in (("metric", "cosine"), ("vector_type", "dense"), ("deletion_protection", "disabled")):
        if described.field(key) != value:
            s.fail("describe_defaults", f"default {key} should be {value!r}, describe says {described.field(key)!r}", described)
    if described.field("tags") not in (None, {}):
        s.fail("describe_defaults", f"an index created without tags has tags {described.field('tags')!r}", described)
    read_capacity = described.field("spec", "serverless", "read_capacity") or {}
    if read_capacity.get("mode") != "OnDemand":
        s.fail("describe_defaults", f"default read capacity should be OnDemand, got {read_capacity!r}", described)
    s.passed("describe_defaults", "describe_index")
    delete_index(s, name)

def sparse_index(s: Scenario) -> None:
    """R-IDX-10: sparse, dotproduct, no dimension."""
    name = s.new_name("sparse")
    create_index(s, {"name": name, "metric": "dotproduct", "vector_type": "sparse", "spec": SERVERLESS},
                  "create of a sparse index")
    described = describe_index(s, name)
    if described.field("vector_type") != "sparse" or described.field("dimension") is not None:
        s.fail("describe_echoes_create", f"sparse index described as vector_type {described.field('vector_type')!r}, "
               f"dimension {described.field('dimension')!r}", described)
    else:
        s.passed("describe_echoes_create", "describe_index")
    delete_index(s, name)

def create_for_model(s: Scenario) -> None:
    """R-CFM-01: create-for-model with multilingual-e5-large."""
    name = s.new_name("emb")
    create(s, "create_index_for_model", "create-for-model with multilingual-e5-large", body={
        "name": name, "cloud": domain.DEFAULT_CLOUD, "region": domain.DEFAULT_REGION,
        "embed": {"model": "multilingual-e5-large", "field_map": {"text": "chunk_text"}}})
    duplicate = s.client.call("create_index_for_model", body={
        "name": name, "cloud": domain.DEFAULT_CLOUD, "region": domain.DEFAULT_REGION,
        "embed": {"model": "multilingual-e5-large", "field_map": {"text": "chunk_text"}}})
    s.expect(duplicate, {409}, "duplicate_rejected", f"second create-for-model of {name}")
    described = describe_index(s, name)
    embed = described.field("embed") or {}
    checks = {"dimension": (described.field("dimension"), 1024), "metric": (described.field("metric"), "cosine"),
              "embed.model": (embed.get("model"), "multilingual-e5-large"),
              "embed.field_map": (embed.get("field_map"), {"text": "chunk_text"})}
    for key, (got, want) in checks.items():
        if got != want:
            s.fail("create_for_model_echo", f"{key} should be {want!r}, describe says {got!r}", described)
    s.passed("create_for_model_echo", "describe_index")
    delete_index(s, name)
