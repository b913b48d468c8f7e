"""The ASGI application: routing, the request pipeline, and one thin handler per operation.

Pipeline of every request (research 1.4 fixes the order):

1. read the whole body (even when the answer will be an error: keep-alive clients reuse
   the connection, and unread bytes would corrupt the next request), keeping at most
   ``MockSettings.max_body_bytes`` of it (the rest is drained and dropped);
2. route by the document's paths (unknown path 404, known path with another method 405
   with ``Allow``);
3. ``Api-Key`` (401), then ``X-Pinecone-Api-Version`` (400 when present and unknown),
   then the body size (400, documented by every operation that takes a body; operations
   without one ignore whatever body they are sent);
4. the handler: body shape (400/422, :mod:`mockserver.bodies`), value rules (400,
   :mod:`mockserver.drafts`), then the model (404, 409, 403, 412), whose answer (domain
   objects) :mod:`mockserver.views` renders;
5. the policy's response transforms (seeded deviations), then serialisation.

Injected faults (:mod:`mockserver.faults`) come between steps 1 and 2: a faulted request is
answered (or its connection dropped) without being routed, so it never changes state.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from pinecone_conformance.core.asgi import serve_lifespan
from pinecone_conformance.mockserver import drafts, rules, views
from pinecone_conformance.mockserver.bodies import read_body
from pinecone_conformance.mockserver.deviations import policy_for
from pinecone_conformance.mockserver.document import (
    documented_statuses,
    known_api_versions,
    request_schema_name,
    required_fields,
    routes,
)
from pinecone_conformance.mockserver.errors import ApiError, Reply, error_reply
from pinecone_conformance.mockserver.faults import (
    ConnectionDropped,
    FaultInjector,
    FaultPlan,
    drop_connection,
)
from pinecone_conformance.mockserver.model import Project
from pinecone_conformance.mockserver.policy import Policy, Quirk, Rule
from pinecone_conformance.mockserver.profiles import DEFAULT_PROFILE, profile_policy
from pinecone_conformance.mockserver.settings import Clock, ManualClock, MockSettings, SystemClock

__all__ = ["Clock", "ManualClock", "MockApp", "MockSettings", "SystemClock", "create_app"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """One routed request, as handlers see it."""

    operation_id: str
    params: dict[str, str]
    query: dict[str, list[str]]
    raw_body: bytes
    project: Project
    policy: Policy

    def body(self) -> dict[str, Any]:
        body = read_body(self.operation_id, self.raw_body, nulls_as_absent=not self.policy.has(Quirk.NULLS_REFUSED))
        if (self.policy.has(Quirk.CRASH_ON_MINIMAL_BODY) and set(body) <= required_fields(self.operation_id)
                and self.project.target_exists(self.params)):
            raise ApiError(500, "Internal server error.")  # as a handler that assumed an optional field would
        return body

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def page(self) -> tuple[int, str | None]:
        return rules.page_limit(self.policy, self.query_value("limit")), self.query_value("paginationToken")


# --- handlers -------------------------------------------------------------------------------


def list_indexes(call: Call) -> Reply:
    return Reply(200, views.index_list(call.project.list_indexes()))


def create_index(call: Call) -> Reply:
    draft = drafts.index_draft(call.policy, call.body())
    return Reply(201, views.index_model(call.project.create_index(draft)))


def create_index_for_model(call: Call) -> Reply:
    """Like create_index, but the document lists no 403 here: an exceeded quota is a 400."""
    draft = drafts.model_index_draft(call.policy, call.body())
    return Reply(201, views.index_model(call.project.create_index(draft, quota_status=400)))


def describe_index(call: Call) -> Reply:
    return Reply(200, views.index_model(call.project.describe_index(call.params["index_name"])))


def configure_index(call: Call) -> Reply:
    change = drafts.configure_change(call.policy, call.body())
    return Reply(202, views.index_model(call.project.configure_index(call.params["index_name"], change)))


def delete_index(call: Call) -> Reply:
    call.project.delete_index(call.params["index_name"])
    return Reply(202, None, media_type=None)


def list_collections(call: Call) -> Reply:
    return Reply(200, views.collection_list(call.project.list_collections()))


def create_collection(call: Call) -> Reply:
    body = call.body()
    name = rules.check_name(call.policy, body["name"])
    return Reply(201, views.collection_model(call.project.create_collection(name, body["source"])))


def describe_collection(call: Call) -> Reply:
    return Reply(200, views.collection_model(call.project.describe_collection(call.params["collection_name"])))


def delete_collection(call: Call) -> Reply:
    call.project.delete_collection(call.params["collection_name"])
    return Reply(202, None, media_type=None)


def list_project_backups(call: Call) -> Reply:
    limit, token = call.page()
    return Reply(200, views.backup_page(call.project.list_backups(None, limit, token)))


def list_index_backups(call: Call) -> Reply:
    limit, token = call.page()
    return Reply(200, views.backup_page(call.project.list_backups(call.params["index_name"], limit, token)))


def create_backup(call: Call) -> Reply:
    body = call.body()
    backup = call.project.create_backup(call.params["index_name"], body.get("name"), body.get("description"))
    return Reply(201, views.backup_model(backup))


def describe_backup(call: Call) -> Reply:
    return Reply(200, views.backup_model(call.project.describe_backup(call.params["backup_id"])))


def delete_backup(call: Call) -> Reply:
    call.project.delete_backup(call.params["backup_id"])
    return Reply(202, None, media_type=None)


def create_index_from_backup_operation(call: Call) -> Reply:
    draft = drafts.restore_draft(call.policy, call.body())
    return Reply(202, views.restore_started(call.project.create_index_from_backup(call.params["backup_id"], draft)))


def list_restore_jobs(call: Call) -> Reply:
    limit, token = call.page()
    return Reply(200, views.restore_job_page(call.project.list_restore_jobs(limit, token)))


def describe_restore_job(call: Call) -> Reply:
    return Reply(200, views.restore_job_model(call.project.describe_restore_job(call.params["job_id"])))


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    handler.__name__: handler
    for handler in (
        list_indexes, create_index, create_index_for_model, describe_index, configure_index, delete_index,
        list_collections, create_collection, describe_collection, delete_collection,
        list_project_backups, list_index_backups, create_backup, describe_backup, delete_backup,
        create_index_from_backup_operation, list_restore_jobs, describe_restore_job,
    )
}


# --- the application ------------------------------------------------------------------------


class MockApp:
    """An ASGI app serving one in-memory project. Build it with :func:`create_app`."""

    def __init__(self, api_key: str, policy: Policy, project: Project) -> None:
        self.api_key = api_key
        self.policy = policy
        self.project = project
        self.max_body_bytes = project.settings.max_body_bytes
        self.faults = FaultInjector(project.settings.faults)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await serve_lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: not part of the API
            return
        request = Request(scope, receive)
        body, too_large = await _read_body(request, self.max_body_bytes)
        outcome = self.faults.decide()
        if self.faults.plan.latency:
            await asyncio.sleep(self.faults.plan.latency)
        if outcome.reset:
            if not drop_connection(receive):
                raise ConnectionDropped("connection reset (injected fault)")
            for _ in range(3):  # let uvicorn see the connection gone, so it sends nothing after we return
                await asyncio.sleep(0)
            return
        if outcome.reply is not None:
            await _to_response(outcome.reply)(scope, receive, send)
            return
        # Route on the path as sent (percent-encoded), so an encoded '/' stays inside its parameter.
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        reply = self.answer(request.method, path, scope.get("query_string", b""), request.headers, body,
                            too_large=too_large)
        await _to_response(reply)(scope, receive, send)

    def respond(self, method: str, raw_path: bytes, query_string: bytes, headers: list[tuple[bytes, bytes]],
                body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The whole exchange without ASGI, for a caller in the same process (the suite's gate):
        the same faults, the same reply and the same bytes as :meth:`__call__` sends, at the cost
        of a function call instead of an event loop's round trip. Returns (status, headers, body).

        ``raw_path`` is percent-encoded as on the wire, without its query; ``headers`` are the
        ASGI pairs (lowercase names). An injected reset raises :class:`ConnectionDropped`: in
        process there is no connection to drop, and the caller sees what a client would."""
        too_large = len(body) > self.max_body_bytes
        outcome = self.faults.decide()
        if self.faults.plan.latency:
            time.sleep(self.faults.plan.latency)
        if outcome.reset:
            raise ConnectionDropped("connection reset (injected fault)")
        reply = outcome.reply
        if reply is None:
            reply = self.answer(method, raw_path.decode("latin-1"), query_string, Headers(raw=headers),
                                b"" if too_large else body, too_large=too_large)
        response = _to_response(reply)
        return response.status_code, list(response.raw_headers), bytes(response.body)

    def answer(self, method: str, path: str, query_string: bytes, headers: Any, body: bytes, *,
               too_large: bool = False) -> Reply:
        """The reply to one request (synchronous; the model's lock makes it thread-safe).

        ``path`` is percent-encoded as on the wire; ``headers`` needs a case-insensitive ``get``
        (or lowercase keys). ``too_large``: the body sent was longer than the limit (and
        ``body`` holds none of it).
        """
        operation_id = ""
        try:
            route, params, allowed = _route(method, path)
            if route is None:
                if allowed:
                    raise ApiError(405, f"Method {method} is not allowed on {path}.",
                                   headers={"Allow": ", ".join(allowed)})
                raise ApiError(404, f"Not found: {path}")
            operation_id = route.operation_id
            self._authenticate(operation_id, headers)
            self._check_api_version(operation_id, headers)
            if too_large and request_schema_name(operation_id) is not None:
                raise ApiError(400, f"Request body is too large: the limit is {self.max_body_bytes} bytes.")
            query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
            call = Call(operation_id, params, query, body, self.project, self.policy)
            reply = HANDLERS[operation_id](call)
        except ApiError as error:
            reply = error_reply(error)
        except Exception:  # a bug of the mock: still a documented, well-formed answer
            log.exception("mock server error on %s %s", method, path)
            reply = error_reply(ApiError(500, "Internal server error."))
        return self.policy.shape(operation_id, reply)

    def _authenticate(self, operation_id: str, headers: Any) -> None:
        if operation_id in self.policy.auth_exempt:
            return
        given = headers.get("api-key")
        if not given:
            raise ApiError(401, "Invalid API key.")
        if given != self.api_key and self.policy.enforces(Rule.API_KEY_MATCH):
            raise ApiError(401, "Invalid API key.")

    def _check_api_version(self, operation_id: str, headers: Any) -> None:
        """Missing: served as the oldest stable version (R-VER-01, research 1.2), or refused (the
        contract profile, :func:`missing_version_status`). Unknown: 400 (R-VER-02), or served."""
        version = headers.get("x-pinecone-api-version")
        if version is None:
            if self.policy.has(Quirk.VERSION_HEADER_REFUSED):
                raise ApiError(missing_version_status(operation_id), "Missing required header X-Pinecone-Api-Version.")
            return
        if version not in known_api_versions() and self.policy.enforces(Rule.KNOWN_API_VERSION):
            supported = ", ".join(sorted(known_api_versions()))
            raise ApiError(400, f"Unsupported API version `{version[:40]}`. Supported versions: {supported}.")


def missing_version_status(operation_id: str) -> int:
    """The status refusing a request without the required ``X-Pinecone-Api-Version``.

    400 where the operation documents a 400 (a malformed request). The operations that take
    no body document no 400 at all; their only documented 4xx that every one of them lists is
    401, and the others they list (403, 404, 412) state facts about the resource, which a
    missing header is not. So there it is 401: the request is refused before it is understood
    as a call of this API, like one without its ``Api-Key``.
    """
    return 400 if 400 in documented_statuses(operation_id) else 401


def _route(method: str, path: str) -> tuple[Any, dict[str, str], list[str]]:
    """The route for ``method`` and ``path``, or the methods ``Allow`` should list.

    ``/indexes/create-for-model`` also matches ``/indexes/{index_name}``: ``Allow`` names the
    methods of the most specific matching path (fewest parameters), not of every pattern."""
    matches = [(route, match) for route in routes() if (match := route.pattern.match(path)) is not None]
    for route, match in matches:
        if route.method == method:
            return route, {name: unquote(value) for name, value in match.groupdict().items()}, []
    if not matches:
        return None, {}, []
    fewest = min(len(match.groupdict()) for _, match in matches)
    return None, {}, sorted({route.method for route, match in matches if len(match.groupdict()) == fewest})


async def _read_body(request: Request, limit: int) -> tuple[bytes, bool]:
    """The body and whether it was longer than ``limit``; a longer one is read to its end
    (keep-alive) but not kept, so memory stays bounded whatever a client sends."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        else:
            chunks.clear()
    return (b"" if size > limit else b"".join(chunks)), size > limit


def _to_response(reply: Reply) -> Response:
    if reply.body is None:
        content = b""
    elif isinstance(reply.body, (bytes, str)):
        content = reply.body.encode() if isinstance(reply.body, str) else reply.body
    else:
        content = json.dumps(reply.body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=reply.status, headers=reply.headers, media_type=reply.media_type)


def create_app(
    api_key: str = "test-key",
    deviations: Iterable[str] = (),
    *,
    clock: Clock | None = None,
    settings: MockSettings | None = None,
    faults: FaultPlan | None = None,
    profile: str = DEFAULT_PROFILE,
) -> MockApp:
    """A fresh mock with its own empty project. Unknown deviation or profile names raise ``ValueError``.

    ``profile``: ``"production"`` (production's behaviour) or ``"contract"`` (the document's
    literal reading where production differs, :mod:`mockserver.profiles`); deviations apply on
    top of it. ``faults`` (or ``settings.faults``) injects transient faults in front of it.
    """
    policy = policy_for(deviations, base=profile_policy(profile))
    settings = settings or MockSettings()
    if faults is not None:
        settings = dataclasses.replace(settings, faults=faults)
    project = Project(settings, clock or SystemClock(), policy)
    return MockApp(api_key, policy, project)
