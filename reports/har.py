"""``findings.har``: the exchange behind each error group, as an HTTP Archive (HAR 1.2).

A curl line shows a person what was sent; a HAR file can be opened in a browser's network
panel, imported into an HTTP client, or diffed, and keeps the response too. Each finding may
carry ``details["exchange"]`` (method, url, request_headers, request_body, status,
response_headers, response_body), recorded with the API key already replaced by
:data:`core.redaction.REDACTED`; older findings have none and are skipped.

One entry per error group: its representative (the occurrence with the shortest request, as
in every other report) if that has an exchange, else the smallest occurrence that has one.
The entry's ``comment`` starts with the group fingerprint, which is what ``report replay``
takes. The file is written with the ``harfile`` package (Schemathesis uses it for its own
HAR output) and scrubbed of secrets like every report.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import harfile

from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.redaction import REDACTED, SECRET_HEADERS, redact
from pinecone_conformance.core.version import own_version
from pinecone_conformance.reports.grouping import Group, group
from pinecone_conformance.reports.scrub import redact_data, secret_tuple

FINDINGS_HAR = "findings.har"
EXCHANGE_FIELDS = ("method", "url", "request_headers", "request_body", "status", "response_headers", "response_body")


def exchange_of(finding: Finding) -> dict | None:
    """The finding's recorded exchange, or None (old finding, or no HTTP involved)."""
    exchange = (finding.details or {}).get("exchange")
    if isinstance(exchange, Mapping) and exchange.get("method") and exchange.get("url"):
        return dict(exchange)
    return None


def replayable(g: Group) -> Finding | None:
    """The occurrence of ``g`` whose exchange stands for the group (None when none has one)."""
    if exchange_of(g.representative):
        return g.representative
    with_exchange = [f for f in g.occurrences if exchange_of(f)]
    return min(with_exchange, key=lambda f: len(f.request or ""), default=None)


def header_items(headers: object) -> list[tuple[str, str]]:
    """Headers given as a mapping or as ``[name, value]`` pairs, as pairs; secrets masked."""
    if isinstance(headers, Mapping):
        pairs = list(headers.items())
    elif isinstance(headers, list | tuple):
        pairs = [tuple(pair) for pair in headers if isinstance(pair, list | tuple) and len(pair) == 2]
    else:
        pairs = []
    return [(str(name), REDACTED if str(name).lower() in SECRET_HEADERS else str(value)) for name, value in pairs]


def body_text(body: object) -> str | None:
    """A recorded body as the text that was (or would be) on the wire."""
    if body is None:
        return None
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        return body
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)


def _header(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in pairs if key.lower() == name), None)


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _entry(exchange: Mapping, comment: str) -> dict:
    request_headers = header_items(exchange.get("request_headers"))
    response_headers = header_items(exchange.get("response_headers"))
    request_body = body_text(exchange.get("request_body"))
    response_body = body_text(exchange.get("response_body"))
    status = int(exchange.get("status") or 0)
    request = harfile.Request(
        method=str(exchange["method"]).upper(),
        url=str(exchange["url"]),
        httpVersion="HTTP/1.1",
        headers=[harfile.Record(name=k, value=v) for k, v in request_headers],
        queryString=[harfile.Record(name=k, value=v)
                     for k, v in parse_qsl(urlsplit(str(exchange["url"])).query, keep_blank_values=True)],
        postData=None if request_body is None else harfile.PostData(
            mimeType=_header(request_headers, "content-type") or "application/json", text=request_body),
        bodySize=-1 if request_body is None else len(request_body.encode("utf-8")),
    )
    response = harfile.Response(
        status=status,
        statusText=_status_text(status),
        httpVersion="HTTP/1.1",
        headers=[harfile.Record(name=k, value=v) for k, v in response_headers],
        content=harfile.Content(size=len((response_body or "").encode("utf-8")),
                                mimeType=_header(response_headers, "content-type") or "",
                                text=response_body),
        bodySize=-1 if response_body is None else len(response_body.encode("utf-8")),
    )
    return {"request": request, "response": response, "comment": comment,
            "elapsed": float(exchange.get("elapsed_ms") or 0)}


def render_har(findings: Iterable[Finding], secrets: Iterable[str | None] = (), started_at: str | None = None,
               severities: Iterable[str] = ("error",)) -> str:
    """The HAR document (text) for the groups of ``severities`` that have an exchange."""
    secrets = secret_tuple(secrets)
    wanted = set(severities)
    started = started_at or datetime.now(UTC).isoformat(timespec="seconds")
    buffer = io.StringIO()
    with harfile.HarFile(buffer, creator=harfile.Creator(name="pinecone-conformance", version=own_version()),
                         comment="one entry per deviation group; comment = fingerprint for 'report replay'") as har:
        for g in group(findings):
            finding = replayable(g) if g.severity in wanted else None
            if finding is None:
                continue
            entry = _entry(redact_data(exchange_of(finding), secrets),
                           f"{g.fingerprint} {g.severity} {g.check} on {g.row}: {' '.join(g.message.split())}")
            har.add_entry(startedDateTime=started, time=entry["elapsed"], request=entry["request"],
                          response=entry["response"], timings=harfile.Timings(send=0, wait=entry["elapsed"], receive=0),
                          comment=entry["comment"])
    return redact(buffer.getvalue(), secrets)


def write_har(output_dir: str | os.PathLike[str], findings: Iterable[Finding], secrets: Iterable[str | None] = (),
              started_at: str | None = None) -> Path:
    """Write ``findings.har`` into ``output_dir`` (an empty archive when no group has an exchange)."""
    path = Path(output_dir) / FINDINGS_HAR
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_har(findings, secrets, started_at), encoding="utf-8", errors="replace")
    return path
