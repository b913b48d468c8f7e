"""spec/links.yaml cannot rot silently: every link names real operations, parameters and
fields, uses valid runtime expressions, and the merged document still validates."""

from __future__ import annotations

import copy

import pytest

from pinecone_conformance.spec.lint import check_document, link_parameter_errors, overlay_problems
from pinecone_conformance.spec.loader import (
    CONTRACT_VERSION,
    SpecError,
    is_runtime_expression,
    link_expression_errors,
    load,
    load_links_overlay,
    operations,
    validate_document,
    with_links_overlay,
)


@pytest.fixture(scope="module")
def raw() -> dict:
    return load(CONTRACT_VERSION).raw


@pytest.fixture(scope="module")
def overlay() -> dict:
    return load_links_overlay()


def _links(overlay: dict):
    for source, by_status in overlay.items():
        for status, link_map in by_status.items():
            for name, link in link_map.items():
                yield source, str(status), name, link


def test_overlay_is_not_empty(overlay):
    assert len(list(_links(overlay))) >= 10


def test_every_source_operation_and_status_exists(raw, overlay):
    known = operations(raw)
    for source, status, name, _ in _links(overlay):
        assert source in known, f"{source} (link {name}) is not an operation of {CONTRACT_VERSION}"
        assert status in known[source].definition["responses"], f"{source} has no {status} response"


def test_every_target_operation_exists(raw, overlay):
    known = operations(raw)
    for source, status, name, link in _links(overlay):
        assert link.get("operationId") in known, (
            f"{source} {status} {name}: unknown target {link.get('operationId')!r}"
        )


def test_every_expression_is_a_valid_runtime_expression(overlay):
    for source, status, name, link in _links(overlay):
        assert link_expression_errors(link) == [], f"{source} {status} {name}"
        for value in list((link.get("parameters") or {}).values()) + list(
            (link.get("requestBody") or {}).values()
        ):
            assert is_runtime_expression(value), f"{source} {status} {name}: {value!r}"


def test_every_named_parameter_exists_on_the_target(raw, overlay):
    for source, status, name, link in _links(overlay):
        assert link_parameter_errors(raw, link) == [], f"{source} {status} {name}"


def test_overlay_has_no_problems_at_all(raw, overlay):
    # also checks request-body fields of the target and body pointers against the source schemas
    assert overlay_problems(raw, overlay) == []


def test_merged_document_validates_and_its_links_are_sound(raw, overlay):
    merged = with_links_overlay(raw, overlay)
    validate_document(merged, source="2026-04 + links overlay")
    ours = {
        f"{finding.operation} {finding.location}"
        for finding in check_document(merged)
        if finding.kind == "link" and finding.check != "link-unknown-operation"
    }
    assert ours == set()
    # the merge added every overlay link to the document
    known = operations(merged)
    for source, status, name, link in _links(overlay):
        assert known[source].definition["responses"][status]["links"][name] == link


def test_loader_merges_the_overlay_and_drops_dangling_links():
    document = load(CONTRACT_VERSION, with_links=True, drop_dangling=True)
    assert [f for f in check_document(document.raw) if f.kind == "link"] == []


# --- a broken overlay is caught -------------------------------------------------------------


def _broken(overlay: dict, edit) -> dict:
    broken = copy.deepcopy(overlay)
    edit(broken)
    return broken


def test_unknown_source_operation_is_caught(raw, overlay):
    broken = _broken(overlay, lambda o: o.update({"create_indexx": o["create_index"]}))
    assert any("create_indexx: no such operation" in p for p in overlay_problems(raw, broken))
    with pytest.raises(SpecError, match="create_indexx"):
        with_links_overlay(raw, broken)


def test_unknown_target_operation_is_caught(raw, overlay):
    broken = _broken(
        overlay, lambda o: o["create_index"]["201"]["DescribeIndex"].update(operationId="describe_idx")
    )
    assert overlay_problems(raw, broken) == [
        "create_index 201 DescribeIndex: target operationId 'describe_idx' is not in the document"
    ]
    findings = check_document(with_links_overlay(raw, broken))
    assert any(
        f.check == "link-unknown-operation" and f.location.endswith("/links/DescribeIndex") for f in findings
    )


def test_bad_expression_is_caught(raw, overlay):
    broken = _broken(
        overlay,
        lambda o: o["create_index"]["201"]["DescribeIndex"]["parameters"].update(
            index_name="$response.bdy#/name"
        ),
    )
    problems = overlay_problems(raw, broken)
    assert (
        "create_index 201 DescribeIndex: '$response.bdy#/name' is not a valid runtime expression" in problems
    )
    findings = check_document(with_links_overlay(raw, broken))
    assert any(f.check == "link-invalid-expression" and "$response.bdy#/name" in f.message for f in findings)


def test_unknown_parameter_is_caught(raw, overlay):
    broken = _broken(
        overlay,
        lambda o: o["create_index"]["201"]["DescribeIndex"]["parameters"].update(
            {"index": "$response.body#/name"}
        ),
    )
    assert "create_index 201 DescribeIndex: describe_index has no parameter 'index'" in overlay_problems(
        raw, broken
    )


def test_missing_status_and_unknown_body_pointer_are_caught(raw, overlay):
    def edit(o):
        o["create_index"]["299"] = o["create_index"].pop("201")
        o["create_backup"]["201"]["DescribeBackup"]["parameters"]["backup_id"] = "$response.body#/backupid"

    problems = overlay_problems(raw, _broken(overlay, edit))
    assert "create_index 299: the operation has no 299 response" in problems
    assert any("'$response.body#/backupid' names nothing" in p for p in problems)
