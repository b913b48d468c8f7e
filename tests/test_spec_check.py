"""``pinecone-conformance spec check``: the confirmed defects of the official 2026-04
document, a fixed copy that passes, bad input, output formats, and every check firing on a
small synthetic document."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from conformance.cli import main
from core.findings import SEVERITIES, Finding
from spec.lint import check_document, format_table
from spec.loader import available_versions, load

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


@pytest.fixture(scope="module")
def raw_2026_04() -> dict:
    return load("2026-04").raw


@pytest.fixture(scope="module")
def findings_2026_04(raw_2026_04) -> list[Finding]:
    return check_document(copy.deepcopy(raw_2026_04))


def _pairs(findings) -> set[tuple[str, str]]:
    return {(f.check, f.location) for f in findings}


# --- the official document ------------------------------------------------------------------


def test_2026_04_reports_exactly_the_confirmed_defects(findings_2026_04):
    assert _pairs(findings_2026_04) == CONFIRMED_2026_04


def test_2026_04_findings_are_well_formed(findings_2026_04):
    for finding in findings_2026_04:
        assert finding.severity in SEVERITIES
        assert finding.kind and finding.check and finding.message
        assert finding.location.startswith("/")
        assert finding.operation, finding  # every 2026-04 defect sits in an operation
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
    for check, location in CONFIRMED_2026_04:
        assert any(check in line and location in line for line in out.splitlines()), (check, location)
    assert out.rstrip().splitlines()[-1] == "9 errors, 4 warnings"


def test_cli_json_format(capsys):
    assert main(["spec", "check", "2026-04", "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["version"] == "2026-04"
    assert payload["document"].endswith("db_control_2026-04.oas.yaml")
    assert len(payload["sha256"]) == 64
    assert payload["summary"] == {"errors": 9, "warnings": 4, "notes": 0, "total": 13}
    assert {(f["check"], f["location"]) for f in payload["findings"]} == CONFIRMED_2026_04
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
        "IndexModel": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "dimension": {"type": "integer"},
                "vector_type": {"type": "string"},
                "metric": {"type": "string"},
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
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
        "components": {"schemas": components},
    }


EXAMPLE = f"/paths/~1indexes/post/requestBody/content/{JSON}/examples"
VALID_SPEC = {"serverless": {"cloud": "aws", "region": "us-east-1"}}


def test_synthetic_document_is_clean_and_valid():
    from spec.loader import validate_document

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
            "properties": {"name": {"type": "string"}, "id": {"type": "string", "readOnly": True}},
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
