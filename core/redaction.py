"""Requests as curl lines, with secrets removed, and secret scrubbing for any text.

The API key must never reach an output: every curl line is built here, and every piece of
text a report writes can be passed through :func:`redact` as a last line of defence.

A key does not only travel literally. A server that echoes it back puts it in a JSON string
(``"`` becomes ``\\"``, ``&`` may become ``\\u0026``), a URL (``/`` becomes ``%2F``, ``+``
becomes ``%2B``, a space ``+``), an HTML or XML report escapes it (``&amp;``), a curl line
shell-quotes it, a header shows up as a Python repr. :func:`secret_forms` lists every form,
and :func:`redact` scrubs them all. :func:`scrubbed_excerpt` scrubs *before* it cuts a body
short, so a cut can never leave half a key behind.
"""

from __future__ import annotations

import html
import json
import re
import shlex
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import quote, quote_plus

from pinecone_conformance.core.findings import BODY_EXCERPT_LIMIT, excerpt

REDACTED = "[REDACTED]"

#: Header names whose values are secrets (compared case-insensitively).
SECRET_HEADERS = frozenset({"api-key", "authorization", "proxy-authorization", "cookie", "x-api-key"})

_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _json_forms(text: str) -> set[str]:
    """``text`` inside a JSON string: ASCII-only or not, ``/`` escaped or not, and with the
    HTML-safe escapes some encoders use (Go's ``\\u0026``, ``\\u003c``, ``\\u003e``, ``\\u0027``)."""
    forms = {json.dumps(text, ensure_ascii=ascii_only)[1:-1] for ascii_only in (True, False)}
    forms |= {form.replace("/", "\\/") for form in forms}
    go_safe = {"&": "\\u0026", "<": "\\u003c", ">": "\\u003e"}
    html_safe = {**go_safe, "'": "\\u0027"}
    return forms | {"".join(table.get(char, char) for char in form) for form in forms for table in (go_safe, html_safe)}


def _url_forms(text: str) -> set[str]:
    """``text`` percent-encoded as a path segment, a path, a query value (``+`` for a space).
    (Lowercase hex is matched too: :func:`redact` compares percent-escapes case-insensitively.)"""
    return {quote(text, safe=""), quote(text), quote_plus(text), quote_plus(text, safe="/")}


def _markup_forms(text: str) -> set[str]:
    """``text`` escaped for HTML or XML: ``html.escape`` and markupsafe's ``&#34;`` / ``&#39;``."""
    forms = {html.escape(text, quote=True), html.escape(text, quote=False)}
    forms.add(html.escape(text, quote=False).replace('"', "&#34;").replace("'", "&#39;"))
    forms.add(html.escape(text, quote=True).replace("&#x27;", "&#39;"))
    return forms


def _header_forms(text: str) -> set[str]:
    """``text`` as a header value shows up outside a request: a Python repr of the value (str
    or bytes, as in a headers list or a traceback), and shell-quoted in a curl line, alone or
    inside a longer quoted word (``-H 'Api-Key: ...'``, ``-d '{...}'``)."""
    forms = {repr(text)[1:-1], repr(text.encode("utf-8", "surrogatepass"))[2:-1], shlex.quote(text)}
    forms.add(text.replace("'", "'\"'\"'"))
    return forms


@lru_cache(maxsize=64)
def secret_forms(secret: str) -> tuple[str, ...]:
    """Every form in which ``secret`` may appear in a text, longest first (so a form that
    contains another is replaced whole): the secret, JSON-escaped or percent-encoded, and
    each of those again inside a JSON string (a body kept in a JSON document), HTML or XML,
    a shell-quoted curl line or a repr."""
    encoded = {secret} | _json_forms(secret) | _url_forms(secret)
    forms = set(encoded)
    for form in encoded:
        forms |= _json_forms(form) | _markup_forms(form) | _header_forms(form)
    return tuple(sorted((form for form in forms if form), key=lambda form: (-len(form), form)))


def _form_pattern(form: str) -> str:
    """A regular expression for ``form``, its percent-escapes in either case."""
    parts = []
    for piece in re.split(r"(%[0-9A-Fa-f]{2})", form):
        if _PERCENT_ESCAPE.fullmatch(piece.upper()):
            parts.append("%" + "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in piece[1:]))
        else:
            parts.append(re.escape(piece))
    return "".join(parts)


#: A secret shorter than this (a test server's ``k`` or ``test``, never a real key) is replaced
#: only where it stands alone, not inside a word: replaced everywhere, ``k`` turned the
#: findings' ``"check"`` into ``"chec[REDACTED]"`` and broke the JSON reports.
SHORT_SECRET = 8
_ALONE = (r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])")


@lru_cache(maxsize=64)
def _scrubber(secrets: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """One pattern for every form of every secret (longest first: the alternation takes the
    first that matches), and the forms themselves (for the pieces before a cut)."""
    patterns = {}
    for secret in secrets:
        for form in secret_forms(secret):
            pattern = _form_pattern(form)
            patterns[form] = f"{_ALONE[0]}{pattern}{_ALONE[1]}" if len(secret) < SHORT_SECRET else pattern
    forms = tuple(sorted(patterns, key=len, reverse=True))
    return (re.compile("|".join(patterns[form] for form in forms)) if forms else None), forms


#: How :func:`core.findings.excerpt` marks a cut: ``... [N more characters]``.
_CUT_MARK = re.compile(r"\.\.\. \[\d+ more characters\]")
#: The shortest piece of a secret left before a cut that is scrubbed (shorter ones say nothing).
MIN_CUT_PIECE = 4


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret, in each of its :func:`secret_forms`, replaced by a marker.

    Also the beginning of a secret right before an excerpt's cut mark (an excerpt made
    before scrubbing, which :func:`scrubbed_excerpt` avoids, can end in half a key)."""
    pattern, forms = _scrubber(tuple(sorted({secret for secret in secrets if secret})))
    if pattern is None:
        return text
    text = pattern.sub(REDACTED, text)
    for mark in reversed(list(_CUT_MARK.finditer(text))):
        kept = text[:mark.start()]
        tail = kept[-max(len(form) for form in forms):].lower()
        piece = max((n for form in forms for n in range(MIN_CUT_PIECE, len(form))
                     if tail.endswith(form[:n].lower())), default=0)
        if piece:
            text = kept[:-piece] + REDACTED + text[mark.start():]
    return text


def scrubbed_excerpt(body: str | bytes | None, secrets: Iterable[str | None],
                     limit: int = BODY_EXCERPT_LIMIT) -> str | None:
    """:func:`core.findings.excerpt` of ``body`` with the secrets scrubbed *first*: cutting a
    body short before scrubbing could leave part of a key that no scrub recognises."""
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    return excerpt(redact(body, tuple(secrets)), limit)


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
