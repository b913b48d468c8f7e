"""Who may call and in which version: the Api-Key and the version header (R-AUTH, R-VER)."""

from __future__ import annotations

from pinecone_conformance.conformance.scenarios.base import SUCCESS, Scenario, expect_rejected


def authentication(s: Scenario) -> None:
    """R-AUTH-01..03: every operation refuses a missing or wrong key with 401 UNAUTHENTICATED."""
    probe = s.new_name("authprobe")
    for operation_id, operation in s.state.operations.items():
        if not s.may_send(operation_id):
            continue
        params = {p["name"]: probe for p in operation.definition.get("parameters", []) if p.get("in") == "path"}
        body = {} if "requestBody" in operation.definition else None
        for label, key in (("without an Api-Key", None), ("with a wrong Api-Key", "pcc-wrong-key-0000")):
            reply = s.client.call(operation_id, path=params, body=body, api_key=key)
            s.expect(reply, {401}, "auth_required", f"{operation_id} {label}")

def api_version_header(s: Scenario) -> None:
    """R-VER-01/02: an unknown version is rejected; a missing one is served."""
    bogus = s.client.call("list_indexes", version="1999-01", invalid=True)
    expect_rejected(s, bogus, "api_version_rejected_unknown", "list_indexes with X-Pinecone-Api-Version: 1999-01")
    missing = s.client.call("list_indexes", version=None)
    if missing.status not in SUCCESS:
        s.fail("api_version_optional", f"list_indexes without X-Pinecone-Api-Version got {missing.status}; the API "
               "serves such a request with the oldest supported version (docs, versioning; R-VER-01)", missing)
    else:
        s.passed("api_version_optional", "list_indexes")
