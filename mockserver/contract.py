"""Checking one exchange against the 2026-04 document with openapi-core.

The mock's own tests validate every response they see with :func:`response_errors`, so a
response that drifts from the document fails a test even when no assertion looks at it.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from pinecone_conformance.mockserver.document import raw_document

SERVER = "https://api.pinecone.io"


@functools.cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(raw_document())


def response_errors(method: str, url: str, status: int, headers: Any, body: bytes) -> list[str]:
    """Why this response breaks the document (status, content type, body schema); [] if it does not."""
    parts = urlsplit(url)
    args = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    request = MockRequest(SERVER, method, parts.path, args=args)
    content_type = headers.get("content-type", "") if headers is not None else ""
    response = MockResponse(body, status_code=status, headers=dict(headers or {}),
                            content_type=content_type.split(";")[0].strip() or "application/json")
    try:
        errors = list(_openapi().iter_response_errors(request, response))
    except Exception as error:  # openapi-core raises for a path it does not know
        return [f"{type(error).__name__}: {error}"]
    messages = []
    for error in errors:
        detail = "; ".join(str(sub) for sub in getattr(error, "schema_errors", []) or [])[:500]
        messages.append(f"{method} {parts.path} -> {status}: {type(error).__name__}: {error} {detail}".strip())
    if status >= 400 and body and not content_type.startswith("application/json"):
        messages.append(f"{method} {parts.path} -> {status}: error body is {content_type or 'untyped'}, not JSON")
    return messages
