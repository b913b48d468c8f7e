"""Error replies: the body shape of the document's ``ErrorResponse`` and the status -> code map.

Every non-2xx answer of the mock goes through :func:`error_reply`, so the shape
``{"error": {"code", "message"}, "status"}`` (with ``status`` equal to the HTTP status)
is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pinecone_conformance.core.domain import ERROR_CODE_FOR_STATUS

#: The ``error.code`` production pairs with each status (core.domain, R-ERR-02), and the mock's
#: own choices for the statuses that rule does not fix.
CODE_FOR_STATUS: dict[int, str] = {
    **ERROR_CODE_FOR_STATUS,
    405: "UNIMPLEMENTED",
    429: "RESOURCE_EXHAUSTED",
    500: "UNKNOWN",
    # Only injected faults (mockserver.faults) answer these: gateway errors, in gRPC's words.
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """A request the control plane refuses. Raised by rules and the model, turned into a reply by the app."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    @property
    def code(self) -> str:
        return CODE_FOR_STATUS.get(self.status, "UNKNOWN")


@dataclass
class Reply:
    """What a handler answers, before deviations transform it and the app serialises it.

    ``body`` is JSON-ready data, or ``None`` for an empty body (the 202 of the deletes).
    """

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str | None = "application/json"

    @property
    def is_error(self) -> bool:
        return self.status >= 400


def error_reply(error: ApiError) -> Reply:
    body = {"error": {"code": error.code, "message": error.message}, "status": error.status}
    return Reply(error.status, body, dict(error.headers))


# Messages used in several places, worded as production words them (research, 1.4).


def index_not_found(name: str) -> ApiError:
    return ApiError(404, f"Index {name} not found.")


def already_exists() -> ApiError:
    return ApiError(409, "Resource already exists.")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)
