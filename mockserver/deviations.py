"""The catalog of seeded deviations: realistic ways a server can break the contract.

Each :class:`Deviation` is a small :class:`~mockserver.policy.Policy` fragment (a relaxed
rule, a model quirk, or a response transform) plus the operations through which a client
can observe it. The suite's self-test switches them on one at a time and must catch each.

Each also names its authority: ``contract`` when the 2026-04 document forbids what it does
(its schemas, statuses, media types or the rules its descriptions state), ``production`` when
only production Pinecone behaves otherwise (the document is silent); those carry the rule
id of ``shared/research/pinecone-behavior.md`` they break.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pinecone_conformance.mockserver.errors import CODE_FOR_STATUS, Reply
from pinecone_conformance.mockserver.policy import Policy, Quirk, Rule, Transform

CATEGORIES = ("response-schema", "status-code", "input-validation", "semantics", "auth", "headers", "error-body")
AUTHORITIES = ("contract", "production")

ALL_OPERATIONS: tuple[str, ...] = (
    "list_indexes", "create_index", "create_index_for_model", "describe_index", "configure_index", "delete_index",
    "list_collections", "create_collection", "describe_collection", "delete_collection",
    "list_project_backups", "list_index_backups", "create_backup", "describe_backup", "delete_backup",
    "create_index_from_backup_operation", "list_restore_jobs", "describe_restore_job",
)
INDEX_MODEL_OPERATIONS = ("create_index", "create_index_for_model", "describe_index", "configure_index", "list_indexes")
PAGINATED_OPERATIONS = ("list_project_backups", "list_index_backups", "list_restore_jobs")
BACKUP_MODEL_OPERATIONS = ("create_backup", "describe_backup", "list_project_backups", "list_index_backups")


@dataclass(frozen=True)
class Deviation:
    name: str
    category: str
    description: str
    #: operationIds whose observable behaviour changes (directly or over a sequence of calls).
    operations: tuple[str, ...]
    policy: Policy = field(default_factory=Policy, repr=False, compare=False)
    #: "contract": the document forbids it; "production": only production differs (see ``rule``).
    authority: str = "contract"
    #: The production rule (R-xxx) a production-authority deviation breaks.
    rule: str | None = None

    def __post_init__(self) -> None:
        if self.authority not in AUTHORITIES:
            raise ValueError(f"{self.name}: unknown authority {self.authority!r}")
        if (self.authority == "production") != (self.rule is not None):
            raise ValueError(f"{self.name}: a production-authority deviation names its rule, and only it")


# --- transform builders ---------------------------------------------------------------------


def _on(operations: Iterable[str] | None, change: Callable[[Reply], Reply | None]) -> Transform:
    """A transform applying ``change`` to the replies of ``operations`` (all when None)."""
    selected = None if operations is None else frozenset(operations)

    def transform(operation_id: str, reply: Reply) -> Reply:
        if selected is not None and operation_id not in selected:
            return reply
        return change(copy.deepcopy(reply)) or reply

    return transform


def _status(operations: Iterable[str], old: int, new: int, *, keep_body: bool = True) -> Transform:
    def change(reply: Reply) -> Reply:
        if reply.status == old:
            reply.status = new
            if not keep_body:
                reply.body, reply.media_type = None, None
        return reply

    return _on(operations, change)


def _each(container_key: str | None, edit: Callable[[dict[str, Any]], None]) -> Callable[[Reply], Reply]:
    """Apply ``edit`` to the success body, or to each item of ``body[container_key]`` for lists."""

    def change(reply: Reply) -> Reply:
        if reply.is_error or not isinstance(reply.body, dict):
            return reply
        items = reply.body.get(container_key, []) if container_key else [reply.body]
        for item in items if isinstance(items, list) else []:
            edit(item)
        return reply

    return change


def _models(edit: Callable[[dict[str, Any]], None], operations: Iterable[str] = INDEX_MODEL_OPERATIONS) -> list[Transform]:
    """``edit`` on every IndexModel the given operations return."""
    operations = tuple(operations)
    single = [op for op in operations if op != "list_indexes"]
    lists = [op for op in operations if op == "list_indexes"]
    return [_on(single, _each(None, edit)), _on(lists, _each("indexes", edit))]


def _errors(edit: Callable[[Reply], None]) -> Transform:
    def change(reply: Reply) -> Reply:
        if reply.is_error:
            edit(reply)
        return reply

    return _on(None, change)


def _pop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda item: item.pop(key, None)


def _stringify_dimension(model: dict[str, Any]) -> None:
    if "dimension" in model:
        model["dimension"] = str(model["dimension"])


def _state_active(model: dict[str, Any]) -> None:
    if model.get("status", {}).get("state") == "Ready":
        model["status"]["state"] = "Active"


def _drop_read_capacity(model: dict[str, Any]) -> None:
    model.get("spec", {}).get("serverless", {}).pop("read_capacity", None)


def _null_pagination(reply: Reply) -> Reply:
    if not reply.is_error and isinstance(reply.body, dict):
        reply.body.setdefault("pagination", None)
    return reply


def _collection_environment_null(item: dict[str, Any]) -> None:
    item["environment"] = None


def _create_with_tags_fails(reply: Reply) -> Reply:
    if reply.status == 201 and isinstance(reply.body, dict) and reply.body.get("tags"):
        return Reply(500, {"error": {"code": "UNKNOWN", "message": "Internal server error."}, "status": 500})
    return reply


def _missing_index_is_404(reply: Reply) -> Reply:
    if reply.status == 400 and str(reply.body["error"]["message"]).endswith("not found."):
        reply.status = reply.body["status"] = 404
        reply.body["error"]["code"] = "NOT_FOUND"
    return reply


def _describe_missing_400(reply: Reply) -> Reply:
    if reply.status == 404:
        reply.status = reply.body["status"] = 400
        reply.body["error"]["code"] = "INVALID_ARGUMENT"
    return reply


def _as_text(reply: Reply) -> None:
    reply.body = reply.body["error"]["message"] if isinstance(reply.body, dict) else str(reply.body)
    reply.media_type = "text/plain"


def _as_problem_json(reply: Reply) -> None:
    reply.media_type = "application/problem+json"


def _message_only(reply: Reply) -> None:
    reply.body = {"message": reply.body["error"]["message"]}


def _status_mismatch(reply: Reply) -> None:
    reply.body["status"] = 400 if reply.status != 400 else 500


def _generic_code(reply: Reply) -> None:
    reply.body["error"]["code"] = "UNKNOWN" if reply.status != 500 else CODE_FOR_STATUS[400]


# --- the catalog ----------------------------------------------------------------------------


def _d(name: str, category: str, description: str, operations: Iterable[str], *,
       production: str | None = None, **policy: Any) -> Deviation:
    """A contract deviation, or with ``production="R-xxx"`` one only production's rule forbids."""
    if "transforms" in policy:
        policy["transforms"] = tuple(policy["transforms"])
    for key in ("relaxed", "quirks", "auth_exempt"):
        if key in policy:
            policy[key] = frozenset(policy[key])
    return Deviation(name, category, description, tuple(operations), Policy(**policy),
                     authority="production" if production else "contract", rule=production)


_CATALOG: tuple[Deviation, ...] = (
    # response schema
    _d("describe-omits-host", "response-schema", "describe_index and list_indexes omit the required `host`",
       ("describe_index", "list_indexes"), transforms=_models(_pop("host"), ("describe_index", "list_indexes"))),
    _d("dimension-as-string", "response-schema", "IndexModel.dimension is a string (\"1536\") instead of an integer",
       INDEX_MODEL_OPERATIONS, transforms=_models(_stringify_dimension)),
    _d("state-outside-enum", "response-schema", "a ready index reports status.state \"Active\", outside the x-enum",
       ("describe_index", "list_indexes", "configure_index"),
       transforms=_models(_state_active, ("describe_index", "list_indexes", "configure_index"))),
    _d("read-capacity-missing", "response-schema", "serverless spec lacks the required read_capacity (an older API's shape)",
       INDEX_MODEL_OPERATIONS, transforms=_models(_drop_read_capacity)),
    _d("pagination-null", "response-schema", "lists send \"pagination\": null on the last page (not nullable)",
       PAGINATED_OPERATIONS, transforms=[_on(PAGINATED_OPERATIONS, _null_pagination)]),
    _d("backup-missing-source-index-id", "response-schema", "BackupModel lacks the required source_index_id",
       BACKUP_MODEL_OPERATIONS,
       transforms=[_on(("create_backup", "describe_backup"), _each(None, _pop("source_index_id"))),
                   _on(("list_project_backups", "list_index_backups"), _each("data", _pop("source_index_id")))]),
    _d("collection-environment-null", "response-schema", "CollectionModel.environment is null (required, not nullable)",
       ("create_collection", "describe_collection", "list_collections"),
       transforms=[_on(("create_collection", "describe_collection"), _each(None, _collection_environment_null)),
                   _on(("list_collections",), _each("collections", _collection_environment_null))]),
    _d("restore-job-missing-created-at", "response-schema", "RestoreJobModel lacks the required created_at",
       ("describe_restore_job", "list_restore_jobs"),
       transforms=[_on(("describe_restore_job",), _each(None, _pop("created_at"))),
                   _on(("list_restore_jobs",), _each("data", _pop("created_at")))]),
    # status codes
    _d("create-index-200", "status-code", "create_index answers 200 instead of 201", ("create_index",),
       transforms=[_status(("create_index",), 201, 200)]),
    _d("create-collection-200", "status-code", "create_collection answers 200 instead of 201", ("create_collection",),
       transforms=[_status(("create_collection",), 201, 200)]),
    _d("create-backup-200", "status-code", "create_backup answers 200 instead of 201 (as production seems to)",
       ("create_backup",), transforms=[_status(("create_backup",), 201, 200)]),
    _d("configure-200", "status-code", "configure_index answers 200 instead of 202 (as production seems to)",
       ("configure_index",), transforms=[_status(("configure_index",), 202, 200)]),
    _d("delete-index-200", "status-code", "delete_index answers 200 instead of 202", ("delete_index",),
       transforms=[_status(("delete_index",), 202, 200)]),
    _d("delete-backup-204", "status-code", "delete_backup answers 204 No Content (undocumented)", ("delete_backup",),
       transforms=[_status(("delete_backup",), 202, 204)]),
    _d("describe-missing-400", "status-code", "describe_index of a missing index answers 400 (undocumented there)",
       ("describe_index",), transforms=[_on(("describe_index",), _describe_missing_400)]),
    _d("create-backup-missing-index-404", "status-code", "create_backup of a missing index answers 404 (undocumented there)",
       ("create_backup",), transforms=[_on(("create_backup",), _missing_index_is_404)]),
    _d("create-with-tags-500", "status-code", "create_index with tags answers 500 (valid input)", ("create_index",),
       transforms=[_on(("create_index",), _create_with_tags_fails)]),
    _d("crash-on-minimal-body", "status-code",
       "a body with only the required fields ({} to configure/backup, {name} to restore) sent to an existing "
       "index or backup answers 500",
       ("configure_index", "create_backup", "create_index_from_backup_operation"),
       quirks=[Quirk.CRASH_ON_MINIMAL_BODY]),
    # input validation
    _d("accept-invalid-names", "input-validation", "names with uppercase, '_' or >45 chars are accepted",
       ("create_index", "create_index_for_model", "create_collection", "create_index_from_backup_operation"),
       relaxed=[Rule.NAME_FORMAT]),
    _d("accept-dimension-out-of-range", "input-validation", "dense dimension 0 or 20001 is accepted", ("create_index",),
       relaxed=[Rule.DIMENSION_RANGE]),
    _d("accept-sparse-with-dimension", "input-validation", "a sparse index with a dimension is accepted",
       ("create_index",), relaxed=[Rule.SPARSE_WITHOUT_DIMENSION]),
    _d("accept-limit-out-of-range", "input-validation", "limit=0 or limit=101 is accepted on paginated lists",
       PAGINATED_OPERATIONS, relaxed=[Rule.LIMIT_RANGE], production="R-BAK-06"),
    _d("accept-unknown-region", "input-validation", "unknown clouds, regions and environments are accepted",
       ("create_index", "create_index_for_model"), relaxed=[Rule.KNOWN_REGION], production="R-IDX-14"),
    _d("accept-invalid-metric", "input-validation", "a metric outside cosine|euclidean|dotproduct is accepted",
       ("create_index", "create_index_for_model"), relaxed=[Rule.METRIC_ENUM]),
    # semantics over a sequence of calls
    _d("configure-not-reflected", "semantics", "configure answers the new model but describe keeps the old one",
       ("configure_index", "describe_index", "list_indexes", "delete_index"), quirks=[Quirk.CONFIGURE_NOT_STORED]),
    _d("deleted-index-still-listed", "semantics", "a deleted index stays in list_indexes (describe gives 404)",
       ("delete_index", "list_indexes"), quirks=[Quirk.DELETED_STILL_LISTED], production="R-ST-04"),
    _d("deletion-protection-ignored", "semantics", "a protected index is deleted anyway (202)",
       ("delete_index", "describe_index", "list_indexes", "configure_index"), relaxed=[Rule.DELETION_PROTECTION]),
    _d("duplicate-create-accepted", "semantics", "creating an existing name succeeds and overwrites it",
       ("create_index", "create_index_for_model", "create_collection", "create_index_from_backup_operation",
        "describe_index", "list_indexes"), relaxed=[Rule.UNIQUE_NAMES]),
    _d("tag-deletion-ignored", "semantics", "configure stores a tag value \"\" instead of deleting the tag",
       ("configure_index", "describe_index", "list_indexes"), quirks=[Quirk.EMPTY_TAG_STORED]),
    _d("index-never-ready", "semantics", "indexes stay Initializing forever",
       ("create_index", "create_index_for_model", "describe_index", "list_indexes", "configure_index",
        "create_collection", "create_backup"), quirks=[Quirk.NEVER_READY], production="R-ST-01"),
    _d("pagination-repeats", "semantics", "a paginationToken returns the first page again", PAGINATED_OPERATIONS,
       quirks=[Quirk.PAGINATION_REPEATS]),
    _d("tags-replaced-not-merged", "semantics", "configure replaces the whole tag map instead of merging into it",
       ("configure_index", "describe_index", "list_indexes"), quirks=[Quirk.TAGS_REPLACED], production="R-CFG-01"),
    _d("configure-resets-protection", "semantics", "a configure without deletion_protection switches it off",
       ("configure_index", "describe_index", "delete_index"), quirks=[Quirk.CONFIGURE_RESETS_PROTECTION],
       production="R-CFG-04"),
    _d("name-not-released", "semantics", "the name of a deleted index can never be used again (409)",
       ("create_index", "delete_index", "describe_index"), quirks=[Quirk.NAME_NOT_RELEASED], production="R-IDX-04"),
    _d("index-backups-unfiltered", "semantics", "list_index_backups lists the backups of every index",
       ("list_index_backups", "create_backup"), quirks=[Quirk.INDEX_BACKUPS_UNFILTERED]),
    _d("vanishes-from-list-after-update", "semantics",
       "after a successful configure_index the index is missing from list_indexes (describe still finds it)",
       ("configure_index", "list_indexes", "describe_index"), quirks=[Quirk.HIDDEN_AFTER_CONFIGURE]),
    _d("configure-answers-old-model", "semantics", "configure stores the change but answers the index as it was",
       ("configure_index",), quirks=[Quirk.CONFIGURE_ANSWERS_OLD_MODEL], production="R-CFG-05"),
    _d("collection-from-serverless-accepted", "input-validation",
       "create_collection accepts a serverless source index (collections are pod-only)",
       ("create_collection",), relaxed=[Rule.POD_ONLY_COLLECTIONS]),
    # auth
    _d("list-collections-without-auth", "auth", "list_collections answers 200 without an Api-Key",
       ("list_collections",), auth_exempt=["list_collections"]),
    _d("any-api-key-accepted", "auth", "any non-empty Api-Key is accepted, not only the project's",
       ALL_OPERATIONS, relaxed=[Rule.API_KEY_MATCH]),
    # headers and content type
    _d("errors-as-text-plain", "headers", "error responses are text/plain messages, not JSON", ALL_OPERATIONS,
       transforms=[_errors(_as_text)]),
    _d("errors-as-problem-json", "headers", "error responses use Content-Type application/problem+json",
       ALL_OPERATIONS, transforms=[_errors(_as_problem_json)]),
    _d("api-version-required", "headers",
       "a request without X-Pinecone-Api-Version is refused, as the document's required header allows (400 where "
       "the operation documents a 400, else 401)", ALL_OPERATIONS, quirks=[Quirk.VERSION_HEADER_REFUSED],
       production="R-VER-01"),
    # error body
    _d("error-message-only", "error-body", "error bodies are {\"message\": ...} without error/status",
       ALL_OPERATIONS, transforms=[_errors(_message_only)]),
    _d("error-status-mismatch", "error-body", "the error body's status differs from the HTTP status",
       ALL_OPERATIONS, transforms=[_errors(_status_mismatch)]),
    _d("error-code-generic", "error-body", "every error has code UNKNOWN whatever the status", ALL_OPERATIONS,
       transforms=[_errors(_generic_code)], production="R-ERR-02"),
)

CATALOG: dict[str, Deviation] = {deviation.name: deviation for deviation in _CATALOG}


def policy_for(names: Iterable[str], base: Policy | None = None) -> Policy:
    """``base`` (the faithful policy) with the named deviations switched on; ``ValueError`` for an unknown name."""
    policy = base or Policy.faithful()
    for name in names:
        deviation = CATALOG.get(name)
        if deviation is None:
            raise ValueError(f"unknown deviation: {name}")
        policy = policy.merged(deviation.policy)
    return policy
