"""Every check the suite runs, declared once: id, kind, default severity, authority, assertion.

``pinecone-conformance checks`` lists this table; ``--check`` is validated against it; the
JUnit matrix, the coverage ids and the authority split of the reports come from it. A
finding is made from its check here (``CHECKS[id].finding(...)``).

Authorities (see :mod:`core.checks`): ``contract`` checks cite the JSON pointer of the
document text they enforce; ``production`` checks cite a rule of
``shared/research/pinecone-behavior.md`` with its confidence ([T] tested -> ``tested``,
[D] docs -> ``docs``, [I] inferred -> ``inferred``).
"""

from __future__ import annotations

from pinecone_conformance.core.checks import EVERY_RESPONSE, Check, Registry, contract, production

S = "#/components/schemas"
P = "#/paths"
IDX = f"{P}/~1indexes"
IDX_NAME = f"{P}/~1indexes~1{{index_name}}"
ERR = f"{S}/ErrorResponse"


def _c(check_id: str, kind: str, severity: str, pointer: str, asserts: str) -> Check:
    return Check(check_id, kind, severity, contract(pointer), asserts)


def _p(check_id: str, kind: str, severity: str, rule: str, confidence: str, asserts: str) -> Check:
    return Check(check_id, kind, severity, production(rule, confidence), asserts)


CHECKS = Registry([
    # --- Schemathesis's built-in checks (the document's schemas, statuses, media types, links) ---
    _c("not_a_server_error", "server-error", "error", P, "no response is a 5xx"),
    _c("status_code_conformance", "status-code", "error", P, "every status is one the operation documents"),
    _c("content_type_conformance", "content-type", "error", P, "every response has a documented media type"),
    _c("response_headers_conformance", "headers", "error", P, "documented response headers are present and valid"),
    _c("response_schema_conformance", "response-schema", "error", P, "every body fits its documented schema"),
    _c("negative_data_rejection", "input-validation", "error", P, "requests that break the schema are refused"),
    _p("negative_data_rejection_undocumented", "input-validation", "error", "R-BAK-06", "docs",
       "a request breaking the schema is refused even where the operation documents no 400 or 422 to refuse "
       "it with (production refuses; the document does not require it)"),
    _c("positive_data_acceptance", "input-validation", "error", P, "requests that fit the schema are accepted"),
    _c("ignored_auth", "auth", "error", "#/security", "an operation that requires the Api-Key refuses without it"),
    _c("object_level_authorization", "auth", "error", "#/security",
       "one identity cannot reach another identity's resources"),
    _c("missing_required_header", "headers", "error", P,
       "a request without a required header is refused (not run: the version header is optional in production)"),
    _c("use_after_free", "semantic", "error", P, "a deleted resource is gone for the operations linked to it"),
    _c("ensure_resource_availability", "semantic", "error", P, "a created resource is available to linked operations"),
    _c("unsupported_method", "http-method", "warning", P, "an undocumented method is answered with 405"),
    _c("allow_header_conformance", "http-method", "warning", P, "a 405 lists the documented methods in Allow"),
    _c("max_response_time", "performance", "warning", P, "responses arrive within the configured time"),
    _c("schemathesis_other", "custom", "error", P, "any other Schemathesis check (its name leads the message)"),
    # --- every response: openapi-core and the document's value lists ---
    Check("openapi_core_conformance", "response-schema", "error", contract(P),
          "openapi-core finds the response valid: status, media type, headers and body",
          other_kinds=("status-code", "content-type", "headers"), scope=EVERY_RESPONSE),
    Check("allowed_values", "response-schema", "error", contract(S),
          "values the document lists only as x-enum (states, metrics, codes) are among them",
          other_kinds=("status-code", "content-type", "headers"), scope=EVERY_RESPONSE),
    Check("undocumented_property", "response-schema", "warning", contract(S),
          "responses carry no property the schema does not declare", other_kinds=("status-code", "content-type", "headers"),
          scope=EVERY_RESPONSE),
    _c("validator_agreement", "validator-disagreement", "warning", P,
       "Schemathesis and openapi-core agree whether a body fits its schema"),
    Check("network_error", "transport", "error", contract(P), "every request gets a usable HTTP answer",
          scope=EVERY_RESPONSE),
    _c("throttled", "throttling", "note", P,
       "a 429 that outlived its retries is reported as throttling, never as a deviation of the contract"),
    # --- every response: rules a schema cannot express ---
    _c("error_body", "error-body", "error", f"{ERR}/properties/status",
       "an error body is {error: {...}} and its status is the HTTP status"),
    _p("error_code", "error-body", "error", "R-ERR-02", "docs", "error.code fits the HTTP status"),
    _p("index_ready_state", "semantic", "error", "R-ST-02", "docs", "status.ready agrees with status.state"),
    _c("index_vector_type", "semantic", "error", f"{S}/IndexModel/properties/vector_type/description",
       "a dense index has a dimension; a sparse one has none and uses dotproduct"),
    _c("pod_arithmetic", "semantic", "error", f"{S}/PodSpec/properties/pods/description", "pods = shards x replicas"),
    _p("index_host", "semantic", "warning", "R-IDX-02", "docs", "an index's host contains its name"),
    _c("describe_identity", "semantic", "error", IDX_NAME,
       "a describe (or per-index list) answers about the resource the path names"),
    _c("create_echo", "semantic", "error", f"{IDX}/post",
       "a create answers with what was asked (name, dimension, metric, tags)"),
    _c("pagination_limit", "semantic", "error", f"{P}/~1backups/get", "a page holds at most `limit` items"),
    _p("restore_job_progress", "semantic", "error", "R-RST-06", "tested", "a Completed restore job is at 100 percent"),
    _p("restore_job_completed_at", "semantic", "warning", "R-RST-06", "tested", "a Completed restore job has completed_at"),
    _c("timestamps_ordered", "semantic", "warning", f"{S}/RestoreJobModel/properties/completed_at/description",
       "a restore job's created_at is not after its completed_at"),
    # --- scenarios: sequences of calls ---
    _c("create_accepted", "semantic", "error", f"{IDX}/post/responses", "a valid create is accepted"),
    Check("project_limit", "environment", "note", contract(f"{IDX}/post/responses/403"),
          "a create refused by the project's quota or plan ends its scenario (not a deviation)"),
    _c("describe_after_create", "semantic", "error", IDX_NAME, "a created index can be described"),
    _c("describe_echoes_create", "semantic", "error", f"{S}/IndexModel", "describe reports what create was given"),
    _c("describe_defaults", "semantic", "error", f"{S}/IndexModel/properties/metric/description",
       "describe fills the documented defaults (metric cosine, dense, protection disabled, OnDemand)"),
    _p("index_becomes_ready", "semantic", "error", "R-ST-01", "tested", "a new index becomes Ready within --wait"),
    _c("list_includes_created", "semantic", "error", f"{IDX}/get", "list shows every resource that exists"),
    _c("list_describe_agree", "semantic", "error", f"{IDX}/get",
       "list and describe agree: the same resources, with the same fields, after create, configure and delete"),
    _c("duplicate_rejected", "semantic", "error", f"{IDX}/post/responses/409",
       "a second create of the same name is 409 and changes nothing"),
    _c("configure_accepted", "semantic", "error", f"{IDX_NAME}/patch/responses", "a valid configure is accepted"),
    _c("configure_visible", "semantic", "error", f"{S}/ConfigureIndexRequest",
       "what configure named is what describe and list show"),
    _p("configure_answers_new_model", "semantic", "error", "R-CFG-05", "tested",
       "the configure answer is the index after the change (the document's 202 only says it was accepted)"),
    _p("configure_keeps_unnamed", "semantic", "error", "R-CFG-04", "tested",
       "a configure leaves the fields it does not name as they were (deletion protection, tags)"),
    _p("tags_merged", "semantic", "error", "R-CFG-01", "tested",
       "configure merges tags into the index's tags: keys it does not name stay, tags {} changes nothing"),
    _c("tag_deletion", "semantic", "error", f"{S}/IndexTags/description", "a tag set to '' is deleted"),
    _c("deletion_protection", "semantic", "error", f"{IDX_NAME}/delete/responses/403",
       "a protected index refuses delete until protection is disabled"),
    _c("delete_accepted", "status-code", "error", f"{IDX_NAME}/delete/responses/202", "a delete is accepted with 202"),
    _c("delete_takes_effect", "semantic", "error", f"{IDX_NAME}/delete/description",
       "after a delete, describe says 404 and list no longer shows it (for an index: describe only)"),
    _p("deleted_index_unlisted", "semantic", "error", "R-ST-04", "tested",
       "once describe says a deleted index is gone (404), list_indexes no longer shows it"),
    _p("name_released", "semantic", "error", "R-IDX-04", "tested", "a deleted index's name can be used again"),
    _c("collection_matches_source", "semantic", "error", f"{S}/CollectionModel",
       "a collection reports its source index's dimension and environment"),
    _p("collection_becomes_ready", "semantic", "warning", "R-COL-02", "tested", "a collection becomes Ready within --wait"),
    _c("backup_matches_source", "semantic", "error", f"{S}/BackupModel", "a backup reports what it was made from"),
    _c("backup_listed", "semantic", "error", f"{P}/~1backups/get", "a backup is in the project and per-index lists"),
    _p("backup_becomes_ready", "semantic", "warning", "R-BAK-03", "tested", "a backup becomes Ready within --wait"),
    _c("restore_creates_index", "semantic", "error", f"{P}/~1backups~1{{backup_id}}~1create-index/post",
       "an index restored from a backup exists, with the backup's configuration and the given tags"),
    _p("restore_job_completes", "semantic", "error", "R-RST-06", "tested", "a restore job ends Completed"),
    _p("restore_job_timely", "semantic", "warning", "R-RST-06", "tested", "a restore job ends within --wait"),
    _c("restore_job_matches", "semantic", "error", f"{S}/RestoreJobModel",
       "a restore job names its backup and target index"),
    _c("restore_job_listed", "semantic", "error", f"{P}/~1restore-jobs/get", "a restore job is in the list of jobs"),
    _c("ids_stable", "semantic", "error", f"{S}/BackupModel/properties/backup_id",
       "a resource's id is the same in every answer about it"),
    _c("pagination_walk", "semantic", "error", f"{P}/~1backups/get/parameters",
       "following pagination.next yields every item exactly once"),
    _p("pagination_walk_setup", "environment", "warning", "R-BAK-05", "docs",
       "the pagination walk could create the backups it pages through"),
    _c("create_for_model_echo", "semantic", "error", f"{P}/~1indexes~1create-for-model/post",
       "create-for-model fills dimension and metric from the model and echoes embed"),
    _c("invalid_name_rejected", "input-validation", "error", f"{S}/CreateIndexRequest/properties/name/description",
       "a name breaking the documented name rule is refused"),
    _c("invalid_body_rejected", "input-validation", "error", f"{S}/CreateIndexRequest",
       "a body breaking one documented rule (schema or prose) is refused"),
    _p("pod_resize_rules", "input-validation", "error", "R-CFG-09", "tested",
       "a pod index refuses a smaller pod size (R-CFG-09) and another family (R-CFG-10)"),
    _p("pod_config_on_serverless_rejected", "input-validation", "error", "R-CFG-13", "inferred",
       "configure of pod settings on a serverless index is refused"),
    _p("missing_field_status", "status-code", "warning", "R-ERR-03", "docs",
       "a body missing a required field is refused with 400 or 422"),
    _p("invalid_limit_rejected", "input-validation", "error", "R-BAK-06", "docs",
       "a limit outside 1..100 is refused (the document bounds it but lists no 400)"),
    _p("unknown_region_rejected", "input-validation", "error", "R-IDX-14", "tested",
       "a create in a cloud/region/environment that does not exist is refused"),
    _p("unknown_region_status", "status-code", "warning", "R-IDX-14", "tested",
       "an unknown serverless cloud/region is refused with 404"),
    _c("boundary_accepted", "input-validation", "error", f"{S}/CreateIndexRequest/properties/name/description",
       "values at the documented edges are accepted (45-character name, dimension 1 and 20000)"),
    _c("boundary_body_no_5xx", "server-error", "error", P,
       "minimal, maximal and edge-valued bodies sent to existing resources never get a 5xx"),
    _c("boundary_body_accepted", "input-validation", "warning", P,
       "minimal, maximal and edge-valued valid bodies sent to existing resources are accepted"),
    _c("missing_resource_404", "status-code", "error", f"{IDX_NAME}/get/responses/404",
       "a resource that does not exist is 404 where the operation documents 404"),
    _p("missing_resource_404_undocumented", "status-code", "warning", "R-BAK-08", "inferred",
       "a resource that does not exist is 404 even where the operation documents no 404"),
    _c("auth_required", "auth", "error", "#/components/securitySchemes/ApiKeyAuth",
       "every operation refuses a missing or wrong Api-Key with 401"),
    _p("api_version_rejected_unknown", "input-validation", "error", "R-VER-02", "tested",
       "an X-Pinecone-Api-Version that is not a supported version is refused"),
    _p("api_version_optional", "headers", "error", "R-VER-01", "docs",
       "a request without X-Pinecone-Api-Version is served (with the oldest version)"),
    _p("explicit_null_accepted", "leniency", "note", "R-IDX-20", "tested",
       "the server accepts explicit nulls for optional fields, as production does for the SDK"),
])


def check(check_id: str) -> Check:
    return CHECKS[check_id]


def main_checks(args) -> int:
    """``pinecone-conformance checks``: the registry as a table or as JSON."""
    import json
    import sys

    rows = [{"id": c.id, "kind": c.kind, "severity": c.severity, "authority": c.authority.kind,
             "reference": c.authority.reference, "confidence": c.authority.confidence, "asserts": c.asserts}
            for c in CHECKS]
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    width = max(len(row["id"]) for row in rows)
    for row in rows:
        where = row["reference"] + (f" [{row['confidence']}]" if row["confidence"] else "")
        print(f"{row['id']:<{width}}  {row['severity']:<7}  {row['authority']:<10}  {row['kind']:<16}  "
              f"{row['asserts']}  ({where})")
    counts = {a: sum(r["authority"] == a for r in rows) for a in ("contract", "production")}
    print(f"{len(rows)} checks: {counts['contract']} enforce the document, {counts['production']} production rules")
    return 0
