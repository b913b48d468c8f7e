"""Invariants across operations, checked wherever two answers about one resource meet.

Everything describe says exists is in its list (and everything of ours the list shows can be
described), with the same fields; after a configure, describe and list agree with the
configure answer; after a delete, neither shows the resource. These catch a class of
deviation (a list that drops or mangles an entry after an update, a describe that disagrees
with the list) without naming any particular one.
"""

from __future__ import annotations

from pinecone_conformance.conformance.scenarios.base import (
    SERVERLESS,
    SUCCESS,
    Reply,
    Scenario,
    answer_is_the_new_model,
    create_index,
    delete_index,
    describe_index,
    described_after_configure,
    listed_index,
    showing,
    wait_ready,
)

#: Fields that may legitimately differ between two answers a moment apart.
MOVING_FIELDS = ("status",)


def _differences(one: dict, other: dict) -> list[str]:
    keys = (set(one) | set(other)) - set(MOVING_FIELDS)
    return sorted(key for key in keys if one.get(key) != other.get(key))


def agree(s: Scenario, name: str, after: str, expected: dict | None = None, *, may_lag: bool = False,
          described: Reply | None = None) -> Reply:
    """describe(name) (or the ``described`` answer given) and its entry in list_indexes agree,
    and both show ``expected`` fields; describe's answer is returned.

    ``may_lag``: a new resource may reach the list a moment after describe finds it (eventual
    consistency), so the list is polled for it; one already listed must stay listed, so after
    a configure the list is read once (a wait there would cost a whole --wait per call on a
    server that drops the entry)."""
    if described is None:
        described = describe_index(s, name)
    if described.status != 200:
        s.fail("list_describe_agree", f"after {after}, index {name} cannot be described ({described.status})", described)
        return described
    if may_lag:
        _, listed = s.wait_for(lambda: s.client.call("list_indexes"), lambda r: listed_index(r, name) is not None)
        why = f" ({s.gave_up})"
    else:
        listed, why = s.client.call("list_indexes"), ""
    entry = listed_index(listed, name)
    if entry is None:
        s.fail("list_describe_agree", f"after {after}, describe finds index {name} but list_indexes does not "
               f"show it{why}", listed)
        return described
    differing = _differences(described.body if isinstance(described.body, dict) else {}, entry)
    if differing:
        s.fail("list_describe_agree", f"after {after}, list_indexes and describe disagree about {name} on "
               f"{', '.join(differing)}", listed)
    for key, value in (expected or {}).items():
        for source, seen in (("describe_index", described.field(key)), ("list_indexes", entry.get(key))):
            if seen != value:
                s.fail("list_describe_agree", f"after {after}, {source} shows {key}={seen!r} for {name}, "
                       f"expected {value!r}", described if source == "describe_index" else listed)
    s.passed("list_describe_agree", "list_indexes")
    return described


def ours_in_list_are_described(s: Scenario) -> None:
    """The other way round: every index this process made, did not delete and the list shows
    can be described (the contract). One it deleted and the list still shows is production's
    R-ST-04; one another of the run's processes made is not judged, as only that process
    knows whether it deleted it.

    With scenarios side by side (``--scenario-workers``) only this scenario's own indexes are
    judged: which indexes of the others exist at this moment depends on thread timing (one
    may be deleted between the list and the describe), and a run must be reproducible."""
    mine = s.state.config.scenario_workers > 1
    made = s.state.created.get("index", set())
    listed = s.client.call("list_indexes")
    for item in listed.field("indexes", default=[]) or []:
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and s.state.policy.owns(name) and (not mine or name in s.names):
            described = describe_index(s, name)
            if described.status != 404:
                continue
            if s.state.was_deleted(name):  # only production's rule says when a deleted index leaves the list
                s.fail("deleted_index_unlisted", f"list_indexes shows {name}, deleted, describe says 404", described)
            elif name in made:  # made here and not deleted: it exists
                s.fail("list_describe_agree", f"list_indexes shows {name}, describe says 404", described)
            # else another of the run's processes made it, and only it knows whether it deleted it


def list_and_describe_agree(s: Scenario) -> None:
    """create -> agree with the create answer; configure (tags, protection) -> agree with what
    was asked, and the configure answer shows it too (production's R-CFG-05: the document's 202
    only says the change was accepted); delete -> neither."""
    name = s.new_name("inv")
    created = create_index(s, {"name": name, "dimension": 7, "metric": "euclidean", "spec": SERVERLESS,
                               "tags": {"phase": "created"}}, "create of an index to compare answers about")
    wait_ready(s, name)
    agree(s, name, "create", {key: created.field(key) for key in ("dimension", "metric", "tags")
                              if created.field(key) is not None}, may_lag=True)
    for change in ({"tags": {"phase": "configured", "extra": "yes"}}, {"deletion_protection": "enabled"},
                   {"deletion_protection": "disabled"}):
        reply = s.client.call("configure_index", path={"index_name": name}, body=change)
        if not s.expect(reply, SUCCESS, "configure_accepted", f"configure {change} of {name}"):
            continue
        described = agree(s, name, f"configure {change}", change,
                          described=described_after_configure(s, name, showing(change)))
        answer_is_the_new_model(s, reply, described, change)
    ours_in_list_are_described(s)
    delete_index(s, name)
