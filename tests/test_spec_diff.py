"""``pinecone-conformance spec diff``: every rule on a synthetic pair of its own, the real
bundled pairs pinned (each pinned change checked by hand against the two YAML files), the
output formats (JSON validated against its schema) and the exit codes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
import yaml

from pinecone_conformance.conformance.cli import main
from pinecone_conformance.spec.diff import RULES, diff, diff_documents
from pinecone_conformance.spec.diff.render import FORMAT_VERSION, RENDERERS, to_json_document
from pinecone_conformance.spec.loader import available_versions, load, parse_yaml

DATA = Path(__file__).parent / "data"
DIFF_DATA = DATA / "diff"
SCHEMA_PATH = Path(__file__).parent.parent / "spec" / "diff.schema.json"
BASE = parse_yaml((DIFF_DATA / "base.yaml").read_text(encoding="utf-8"))
CASES = yaml.safe_load((DIFF_DATA / "cases.yaml").read_text(encoding="utf-8"))


# --- synthetic pairs: one rule each ---------------------------------------------------------


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def _edited(edits: list[dict] | None) -> dict:
    document = copy.deepcopy(BASE)
    for edit in edits or []:
        (verb, pointer), = ((k, v) for k, v in edit.items() if k != "value")
        *parents, last = _tokens(pointer)
        target = document
        for token in parents:
            target = target[int(token)] if isinstance(target, list) else target[token]
        if verb == "set":
            target[last] = copy.deepcopy(edit["value"])
        elif verb == "delete":
            del target[int(last) if isinstance(target, list) else last]
        elif verb == "append":
            target[last].append(copy.deepcopy(edit["value"]))
        else:
            raise AssertionError(f"unknown edit {verb}")
    return document


def _pair(case: dict) -> tuple[dict, dict]:
    return _edited(case.get("old")), _edited(case.get("new"))


def test_base_document_is_valid_openapi():
    from pinecone_conformance.spec.loader import validate_document

    validate_document(BASE, "base.yaml")
    for case in CASES:
        for document in _pair(case):
            validate_document(document, case["name"])


def test_every_rule_has_a_synthetic_pair():
    """A rule nobody fires could silently die: every rule of the table has a case here."""
    fired = {expected["rule"] for case in CASES for expected in case["expect"]}
    assert set(RULES) - fired == set()
    assert fired - set(RULES) == set()


def test_each_rule_fires_at_its_declared_level():
    """The cases agree with the rule table (request/response level per rule)."""
    for case in CASES:
        for expected in case["expect"]:
            request_level, response_level, _ = RULES[expected["rule"]]
            declared = response_level if expected["side"] == "response" else request_level
            assert expected["level"] == declared, (case["name"], expected)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_synthetic_pair(case):
    old, new = _pair(case)
    changes = diff(old, new)
    got = sorted((c.rule, c.level, c.side) for c in changes)
    want = sorted((e["rule"], e["level"], e["side"]) for e in case["expect"])
    assert got == want, [c.to_dict() for c in changes]
    for expected in case["expect"]:
        (change,) = [c for c in changes if (c.rule, c.side) == (expected["rule"], expected["side"])]
        if "location" in expected:
            assert change.location == expected["location"]
        assert change.in_old == (expected.get("document") == "old")
        if "operations" in expected:
            assert change.operations == expected["operations"]
        assert change.message and "\n" not in change.message


def test_same_document_reports_nothing():
    for version in available_versions():
        raw = load(version, validate=False).raw
        assert diff(raw, copy.deepcopy(raw)) == [], version


def test_reversed_pair_swaps_direction():
    """Adding a required request property is breaking; the reverse (removing it) only a warning."""
    case = next(c for c in CASES if c["name"] == "property-added-required")
    old, new = _pair(case)
    assert [(c.rule, c.level) for c in diff(new, old)] == [("property-removed-required", "warning")]


# --- the real bundled pairs -----------------------------------------------------------------


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return {version: load(version, validate=False).raw for version in available_versions()}


def _keys(changes, level=None) -> set[tuple]:
    return {(c.rule, c.location) for c in changes if level is None or c.level == level}


def test_2025_10_to_2026_04_only_version_strings_moved(documents):
    """The two documents differ only in version strings: the version header default (ignored:
    the header is required) and two descriptions that link to versioned docs."""
    changes = diff(documents["2025-10"], documents["2026-04"])
    assert [c for c in changes if c.level != "info"] == []
    assert _keys(changes) == {
        ("description-changed", "/components/schemas/ReadCapacityStatus/properties/state"),
        ("operation-description-changed", "/paths/~1indexes~1create-for-model/post/description"),
    }


def test_2025_04_to_2025_10_restructure_and_x_enum_move_are_not_removals(documents):
    changes = diff(documents["2025-04"], documents["2025-10"])
    removals = {"property-removed", "property-removed-required", "enum-value-removed", "x-enum-value-removed",
                "values-unrestricted", "member-removed", "media-type-removed", "operation-removed",
                "parameter-removed", "success-status-removed", "type-changed"}
    assert [c.to_dict() for c in changes if c.rule in removals] == []
    # metric, status.state, cloud, ErrorResponse.error.code ... moved from enum to x-enum: no change
    assert [c.to_dict() for c in changes if c.rule in {"values-restricted", "enum-value-added"}] == []
    # IndexSpec: properties + oneOf of `required` -> oneOf of closed members: the same paths
    assert not [c for c in changes if "IndexSpec" in c.location and c.rule != "description-changed"]
    breaking = {(c.rule, c.message): c for c in changes if c.level == "breaking"}
    assert set(breaking) == {
        # 2025-10 added `X-Pinecone-Api-Version`, required, to all 18 operations
        ("parameter-added-required", "new required header parameter `X-Pinecone-Api-Version`"),
        # ConfigureIndexRequest.spec was an open object requiring `pod`; now each oneOf member
        # is closed (additionalProperties: false): extra properties are rejected
        ("additional-properties-closed", "request body: `ConfigureIndexRequest.spec`: additionalProperties closed"),
    }
    # the two new members of ConfigureIndexRequest.spec bring properties required only in them
    assert {(c.rule, c.location) for c in changes if c.level == "warning"} == {
        ("property-added-conditionally-required",
         "/components/schemas/ConfigureIndexRequest/properties/spec/oneOf/0/properties/serverless"),
        ("property-added-conditionally-required",
         "/components/schemas/ConfigureIndexRequest/properties/spec/oneOf/2/properties/byoc"),
    }
    header = breaking[("parameter-added-required", "new required header parameter `X-Pinecone-Api-Version`")]
    assert len(header.operations) == 18 and len(header.locations) == 18
    assert header.location == "/paths/~1indexes/get/parameters/0"


#: The important breaking changes of the 2026-07 redesign, each checked by hand in the YAML:
#: (rule, side, location, operations).
BREAKING_2026_07 = {
    # request: CreateIndexRequest.required [name, spec] -> [schema]; additionalProperties: false
    ("property-added-required", "request", "/components/schemas/CreateIndexRequest/properties/schema",
     ("create_index",)),
    ("additional-properties-closed", "request", "/components/schemas/CreateIndexRequest", ("create_index",)),
    ("additional-properties-closed", "request", "/components/schemas/ConfigureIndexRequest", ("configure_index",)),
    # request: CreateBackupRequest.name gained minLength 1 / maxLength 45
    ("bound-tightened", "request", "/components/schemas/CreateBackupRequest/properties/name", ("create_backup",)),
    # request: ReadCapacityDedicatedConfig.required: none -> [node_type, scaling, manual]
    ("property-became-required", "request", "/components/schemas/ReadCapacityDedicatedConfig/properties/node_type",
     ("create_index_for_model",)),
    # response: IndexModel.required lost metric, spec, vector_type (the properties are gone)
    *(("property-removed-required", "response", f"/components/schemas/IndexModel/properties/{name}",
       ("create_index", "create_index_for_model", "describe_index", "list_indexes"))
      for name in ("metric", "spec", "vector_type")),
    # response: IndexModel.status.state x-enum gained Failed; CollectionModel.status gained Terminated
    ("enum-value-added", "response", "/components/schemas/IndexModel/properties/status/properties/state",
     ("create_index", "create_index_for_model", "describe_index", "list_indexes")),
    ("enum-value-added", "response", "/components/schemas/CollectionModel/properties/status",
     ("create_collection", "describe_collection", "list_collections")),
    # response: IndexTags and RestoreJobModel.created_at became nullable
    # (configure_index is not among them: its 2026-04 success status 202 is gone, see below)
    ("became-nullable", "response", "/components/schemas/IndexTags",
     ("create_index", "create_index_for_model", "describe_backup", "describe_index", "list_index_backups",
      "list_indexes", "list_project_backups")),
    ("became-nullable", "response", "/components/schemas/RestoreJobModel/properties/created_at",
     ("describe_restore_job", "list_restore_jobs")),
    # statuses: configure_index 202 -> 200, create_backup 201 -> 200
    ("success-status-removed", "response", "/paths/~1indexes~1{index_name}/patch/responses/202", ("configure_index",)),
    ("success-status-removed", "response", "/paths/~1indexes~1{index_name}~1backups/post/responses/201",
     ("create_backup",)),
}


def test_2026_04_to_2026_07_pins_the_breaking_changes(documents):
    changes = diff(documents["2026-04"], documents["2026-07"])
    breaking = {(c.rule, c.side, c.location): c for c in changes if c.level == "breaking"}
    for rule, side, location, operations in BREAKING_2026_07:
        assert (rule, side, location) in breaking, (rule, location)
        if operations is not None:
            assert tuple(breaking[(rule, side, location)].operations) == operations
    # media type: every 401 moved from application/json (ErrorResponse) to text/plain: one change
    (media,) = [c for c in changes if c.rule == "media-type-changed"]
    assert media.level == "breaking" and media.side == "response"
    assert media.message == "response 401: media type application/json -> text/plain"
    assert len(media.operations) == 18  # every 2026-04 operation (the 6 new ones have no 2026-04 counterpart)
    # ErrorResponse.error.code gained SERVICE_UNAVAILABLE and PAYLOAD_TOO_LARGE (on the other statuses)
    added_codes = {c.message.split("`")[3] for c in changes if c.rule == "enum-value-added"
                   and c.location == "/components/schemas/ErrorResponse/properties/error/properties/code"}
    assert added_codes == {"SERVICE_UNAVAILABLE", "PAYLOAD_TOO_LARGE"}
    # the same x-enum removal is harmless in responses: QUOTA_EXCEEDED etc. are info
    assert {c.level for c in changes if c.rule == "x-enum-value-removed"} == {"info"}
    # direction: IndexTags became nullable is breaking for responses, info for requests
    tags = {c.side: c.level for c in changes if c.location == "/components/schemas/IndexTags"
            and c.rule == "became-nullable"}
    assert tags == {"response": "breaking", "request": "info"}
    # removed request properties warn; where the object is now closed (additionalProperties:
    # false), a client that still sends them is rejected: breaking, one change per property
    assert {c.level for c in changes if c.side == "request" and c.rule in ("property-removed",
                                                                         "property-removed-required")} == {"warning"}
    rejected = {c.location.rsplit("/", 3)[1] + "." + c.location.rsplit("/", 1)[1]
                for c in changes if c.rule == "property-removed-rejected"}
    assert rejected == {"CreateIndexRequest.dimension", "CreateIndexRequest.metric", "CreateIndexRequest.spec",
                        "CreateIndexRequest.vector_type", "ConfigureIndexRequest.embed", "ConfigureIndexRequest.spec"}
    # new operations (backup schedules) are info
    assert {c.operations[0] for c in changes if c.rule == "operation-added"} == {
        "create_backup_schedule", "delete_backup_schedule", "describe_backup_schedule",
        "list_backup_schedule_history", "list_backup_schedules", "update_backup_schedule"}
    # every change is reported once per place: no two changes share rule, side, location and message
    keys = [(c.rule, c.side, c.location, c.message) for c in changes]
    assert len(keys) == len(set(keys))
    assert sum(c.level == "breaking" for c in changes) == 34


def test_whole_chain_runs(documents):
    """Every consecutive bundled pair, in bounded time (the benchmark prints the real figures;
    this bound only catches a blow-up, e.g. of oneOf members multiplied through allOf)."""
    import time

    versions = available_versions()
    started = time.perf_counter()
    for old, new in zip(versions, versions[1:], strict=False):
        changes = diff(documents[old], documents[new])
        assert all(c.level in ("breaking", "warning", "info") for c in changes)
    assert time.perf_counter() - started < 20
    # 2024-07 -> 2024-10 removed POST /embed
    assert ("operation-removed", "/paths/~1embed/post") in _keys(diff(documents["2024-07"], documents["2024-10"]))


# --- formats and exit codes -----------------------------------------------------------------


def _write_pair(tmp_path: Path, name: str) -> tuple[str, str]:
    case = next(c for c in CASES if c["name"] == name)
    old, new = _pair(case)
    old_path, new_path = tmp_path / f"{name}-old.yaml", tmp_path / f"{name}-new.yaml"
    old_path.write_text(yaml.safe_dump(old), encoding="utf-8")
    new_path.write_text(yaml.safe_dump(new), encoding="utf-8")
    return str(old_path), str(new_path)


@pytest.mark.parametrize(("case", "fail_on", "code"), [
    ("property-added-required", "breaking", 1),      # breaking
    ("parameter-removed", "breaking", 0),            # warning only
    ("parameter-removed", "warning", 1),
    ("property-added", "warning", 0),                # info only
    ("property-added", "info", 1),
    ("required-parameter-default-is-no-change", "info", 0),
])
def test_exit_codes(tmp_path, capsys, case, fail_on, code):
    old, new = _write_pair(tmp_path, case)
    assert main(["spec", "diff", old, new, "--fail-on", fail_on]) == code
    capsys.readouterr()


def test_same_document_twice_cli(capsys):
    assert main(["spec", "diff", "2026-04", "2026-04"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["spec diff 2026-04 -> 2026-04: 0 breaking, 0 warning, 0 info (fail on breaking: PASS)"]


@pytest.mark.parametrize("bad", ["no-such-file.yaml", str(DATA / "broken.yaml"), str(DATA / "not-openapi.yaml"), "1999-01"])
def test_bad_input_is_one_line_exit_2(capsys, bad):
    assert main(["spec", "diff", bad, "2026-04"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err


def test_bad_flag_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["spec", "diff", "2026-04", "2026-07", "--fail-on", "everything"])
    assert exited.value.code == 2
    capsys.readouterr()


def test_text_format_one_change_per_line(capsys):
    assert main(["spec", "diff", "2026-04", "2026-07"]) == 1
    lines = capsys.readouterr().out.splitlines()
    result = diff_documents("2026-04", "2026-07")
    assert len(lines) == len(result.changes) + 1
    counts = result.counts()
    assert lines[-1] == (f"spec diff 2026-04 -> 2026-07: {counts['breaking']} breaking, {counts['warning']} warning, "
                         f"{counts['info']} info (fail on breaking: FAIL)")
    for line, change in zip(lines, result.changes, strict=False):
        level, operations_and_rest = line.split(None, 1)
        assert level == change.level.upper()
        assert change.location in line and line.endswith(change.message)
        if set(change.operations) == set(result.compared_operations):  # e.g. the 401 media type
            assert operations_and_rest.startswith(f"all {len(change.operations)} operations")
        else:
            assert operations_and_rest.startswith(change.operations[0])
    assert len(result.compared_operations) == 18
    assert any(line.startswith("BREAKING  all 18 operations  ") and "text/plain" in line for line in lines)
    removal = next(line for line in lines if "`IndexModel.metric` removed" in line)
    assert "old:/components/schemas/IndexModel/properties/metric" in removal


def test_json_format_validates_against_its_schema(capsys):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for old, new in [("2026-04", "2026-07"), ("2025-04", "2025-10"), ("2026-04", "2026-04")]:
        main(["spec", "diff", old, new, "--format", "json"])
        document = json.loads(capsys.readouterr().out)
        assert list(validator.iter_errors(document)) == []
        assert document["format_version"] == FORMAT_VERSION
        assert document["old"]["version"] == old and document["new"]["version"] == new
        assert sum(document["counts"].values()) == len(document["changes"])
        assert all(isinstance(change["line"], int) for change in document["changes"])
    # the schema is not vacuous: a wrong level, a missing field and an unknown format fail it
    document = to_json_document(diff_documents("2026-04", "2026-07"))
    broken = copy.deepcopy(document)
    broken["changes"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))
    broken = copy.deepcopy(document)
    del broken["changes"][0]["operations"]
    assert list(validator.iter_errors(broken))
    assert list(validator.iter_errors({**document, "format_version": 2}))


def test_markdown_format():
    result = diff_documents("2026-04", "2026-07")
    text = RENDERERS["markdown"](result)
    assert text.startswith("## spec diff 2026-04 → 2026-07")
    assert f"**{result.counts()['breaking']} breaking**" in text
    assert "### breaking (" in text and "### warning (" in text and "### info (" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| operations")]
    assert len(rows) == len(result.changes)
    assert "No changes" in RENDERERS["markdown"](diff_documents("2026-04", "2026-04"))


def test_junit_format():
    result = diff_documents("2026-04", "2026-07", fail_on="warning")
    root = ElementTree.fromstring(RENDERERS["junit"](result))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(result.changes)
    failures = root.findall("./testsuite/testcase/failure")
    assert len(failures) == result.counts()["breaking"] + result.counts()["warning"]
    assert root.find("testsuite").get("failures") == str(len(failures))
    empty = ElementTree.fromstring(RENDERERS["junit"](diff_documents("2026-04", "2026-04")))
    assert len(empty.findall("./testsuite/testcase")) == 1 and not empty.findall(".//failure")


def test_github_format():
    result = diff_documents("2026-04", "2026-07")
    lines = RENDERERS["github"](result).splitlines()
    assert len(lines) == len(result.changes) + 1
    commands = [line.split(" ", 1)[0] for line in lines[:-1]]
    expected = {"breaking": "::error", "warning": "::warning", "info": "::notice"}
    assert commands == [expected[c.level] for c in result.changes]
    for line in lines[:-1]:
        properties, message = line.split("::", 2)[1:]
        assert "file=" in properties and "title=" in properties and ",line=" in properties
        assert message and "\n" not in message
    # the annotation points at the YAML line of the change: the 401 text/plain content of list_indexes
    media = next(line for line in lines if "media-type-changed" in line)
    text = Path(load("2026-07").path).read_text(encoding="utf-8").splitlines()
    line_number = int(media.split(",line=")[1].split(",")[0])
    assert text[line_number - 1].strip() == "text/plain:"
    # a removal is annotated in NEW too, at its nearest surviving ancestor (IndexModel)
    removal = next(line for line in lines if "old:/components/schemas/IndexModel/properties/metric" in line)
    assert "db_control_2026-07.oas.yaml" in removal
    line_number = int(removal.split(",line=")[1].split(",")[0])
    assert text[line_number - 1].strip() in ("properties:", "IndexModel:")


# --- robustness -----------------------------------------------------------------------------

#: Valid schemas to drop anywhere a schema is: compositions, references, odd value lists.
_SCHEMAS = [
    {}, {"$ref": "#/components/schemas/ErrorResponse"}, {"type": "string"}, {"oneOf": [{"type": "string"}]},
    {"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "object", "required": ["x"]},
    {"enum": [{"a": 1}, 1, True, None]}, {"type": "array", "items": {}},
    {"allOf": [{"$ref": "#/components/schemas/ErrorResponse"}, {"nullable": True}]},
    {"x-enum": [{"a": 1}], "type": "string"}, {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/ErrorResponse"}},
    {"type": "object", "additionalProperties": True}, {"not": {"type": "string"}},
]


def _schema_sites(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and (path[-1:] in (("properties",), ("schemas",)) or key in ("schema", "items")):
                yield (*path, key)
            yield from _schema_sites(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schema_sites(value, (*path, index))


@pytest.mark.slow
def test_mutated_documents_never_crash_and_equal_documents_never_differ(documents):
    """Schemas replaced at random (fixed seed) in real documents: no exception escapes, a
    document compared with itself has no change, and the result does not depend on the run."""
    import random

    rng = random.Random(20261201)
    base = documents["2025-10"]
    for _ in range(25):
        mutant = copy.deepcopy(documents[rng.choice(["2024-04", "2025-10", "2026-07"])])
        sites = list(_schema_sites(mutant))
        for _ in range(3):
            *parents, last = rng.choice(sites)
            target = mutant
            try:
                for token in parents:
                    target = target[token]
            except (KeyError, IndexError, TypeError):
                continue  # inside a schema an earlier replacement removed
            target[last] = copy.deepcopy(rng.choice(_SCHEMAS))
        assert diff(mutant, copy.deepcopy(mutant)) == []
        forward = diff(base, mutant)
        assert [c.to_dict() for c in forward] == [c.to_dict() for c in diff(base, copy.deepcopy(mutant))]
        diff(mutant, base)
