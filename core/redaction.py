"""Requests as curl lines, with secrets removed, and secret scrubbing for any text.

The API key must never reach an output: every curl line is built here, and every piece of
text a report writes can be passed through :func:`redact` as a last line of defence.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping

REDACTED = "[REDACTED]"

#: Header names whose values are secrets (compared case-insensitively).
SECRET_HEADERS = frozenset({"api-key", "authorization", "proxy-authorization", "cookie", "x-api-key"})


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced by a marker."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: object = None,
) -> str:
    """A copy-pasteable curl line for a request, with secret headers redacted.

    ``body`` may be bytes, text, or a JSON-serialisable object.
    """
    parts = ["curl", "-X", method.upper()]
    for name, value in (headers or {}).items():
        if name.lower() in SECRET_HEADERS:
            value = REDACTED
        parts += ["-H", f"{name}: {value}"]
    if body is not None:
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        elif not isinstance(body, str):
            body = json.dumps(body, separators=(",", ":"), default=str)
        parts += ["-d", body]
    parts.append(url)
    return " ".join(shlex.quote(part) for part in parts)
