"""The suite's two ways into the gate: one for Schemathesis, one for the scenarios' httpx client.

Both call :meth:`conformance.gate.Gate.exchange` directly. Given the gate as an ASGI
application, Schemathesis wraps every request in a ``requests`` session, an adapter that
speaks ASGI, and two hops to a shared event-loop thread; the scenarios' starlette TestClient
adds an event-loop hop of its own. Measured on the embedded run (``benchmarks/phase_profile.py``
and py-spy), that plumbing was close to half the run's CPU, more than generation and
validation together, and it carried nothing the suite uses: the gate only needs the method,
the raw path and query, the headers and the body.

- :class:`GateTransport` is a Schemathesis transport: the case is serialised exactly as
  Schemathesis's ``requests`` transport does it (the same serialisers, the same
  ``requests.PreparedRequest`` in the response, so curl lines, checks and reports see what
  they saw before), and the prepared request goes to the gate instead of a socket.
  :func:`route_through_gate` installs it on a schema.
- :class:`GateHttpxTransport` is an ``httpx`` transport; :func:`gate_http_client` returns a
  client whose every request goes through the gate (thread-safe: no event loop, no portal).

Nothing here decides anything: every rule of the run (safety, budget, deadline, retries,
outage) stays in the gate, which every request still passes through.
"""

from __future__ import annotations

import http
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from schemathesis.core.rate_limit import ratelimit
from schemathesis.core.transport import Response
from schemathesis.generation.overrides import Override
from schemathesis.transport import BaseTransport
from schemathesis.transport.prepare import BODY_KWARGS
from schemathesis.transport.requests import REQUESTS_TRANSPORT

from pinecone_conformance.conformance.gate import Gate

#: What ``requests.Request`` takes of a serialised case (Schemathesis adds transport settings).
REQUEST_FIELDS = ("method", "url", "headers", "params", "cookies", "json", "data", "files", "auth")


class GateTransport(BaseTransport):
    """Sends Schemathesis's cases through ``gate``, in the calling thread."""

    def __init__(self, gate: Gate):
        super().__init__()
        self.gate = gate
        self._copy_serializers_from(REQUESTS_TRANSPORT)

    def serialize_case(self, case, **kwargs: Any) -> dict[str, Any]:
        return REQUESTS_TRANSPORT.serialize_case(case, **kwargs)

    def send(self, case, *, session: requests.Session | None = None, **kwargs: Any) -> Response:
        if session is not None and session.headers:
            # The configured headers (the session's) rank below those passed for this call, as in
            # Schemathesis's requests transport.
            headers = dict(kwargs.get("headers") or {})
            for name, value in session.headers.items():
                headers.setdefault(name, value)
            kwargs["headers"] = headers
        data = self.serialize_case(case, **kwargs)
        for key in BODY_KWARGS:  # a body passed for this call replaces the generated one
            if key in kwargs:
                data["data" if key == "content" else key] = kwargs[key]
        if session is not None and session.auth is not None:
            data.setdefault("auth", session.auth)
        prepared = requests.Request(**{key: data[key] for key in REQUEST_FIELDS if key in data}).prepare()
        config = case.operation.schema.config
        with ratelimit(config.rate_limit_for(operation=case.operation), config.base_url):
            started = time.perf_counter()
            answer = self.gate.exchange(*wire_request(prepared))
            elapsed = time.perf_counter() - started
        headers: dict[str, list[str]] = {}
        for name, value in answer.headers:
            headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        return Response(
            status_code=answer.status,
            headers=headers,
            content=answer.body,
            request=prepared,
            elapsed=elapsed,
            verify=kwargs.get("verify", True) is not False,
            message=_reason(answer.status),
            encoding=get_encoding_from_headers(CaseInsensitiveDict({k: v[0] for k, v in headers.items()})),
            _override=Override.from_send_kwargs(kwargs),
        )


def wire_request(prepared: requests.PreparedRequest) -> tuple[str, bytes, bytes, list, bytes]:
    """(method, raw path, query, headers, body) of a prepared request, as the gate takes them:
    the path and query percent-encoded as on the wire, header names in lowercase."""
    parts = urlsplit(prepared.url or "/")
    headers = [(name.lower().encode("latin-1"), value if isinstance(value, bytes) else str(value).encode("latin-1"))
               for name, value in prepared.headers.items()]
    body = prepared.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    return (prepared.method or "GET", (parts.path or "/").encode("latin-1"), parts.query.encode("latin-1"),
            headers, bytes(body))


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def route_through_gate(schema, gate: Gate):
    """``schema`` with every request Schemathesis sends going to ``gate`` through
    :class:`GateTransport` (in place; returned for convenience).

    Schemathesis picks a transport from ``schema.app`` (none: ``requests``; ASGI; WSGI), with
    no setting for another. The schema gets no app (so nothing picks ASGI), and its class a
    subclass whose ``transport`` is this one; the schemas it derives (``include``, ``clone``)
    are built from its class, so they keep it."""
    transport = GateTransport(gate)
    base = type(schema)
    gated = type(f"Gated{base.__name__}", (base,), {"transport": property(lambda self: transport),
                                                     "__module__": __name__})
    schema.app = None
    schema.__class__ = gated
    return schema


class GateHttpxTransport(httpx.BaseTransport):
    """An httpx transport that hands each request to ``gate`` (a :class:`TransportFailure`
    raised by the gate reaches the caller as it is, as from an application in process)."""

    def __init__(self, gate: Gate):
        self.gate = gate

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path, _, query = request.url.raw_path.partition(b"?")
        headers = [(name.lower(), value) for name, value in request.headers.raw]
        answer = self.gate.exchange(request.method, path, query, headers, request.read())
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)


def gate_http_client(gate: Gate, base_url: str) -> httpx.Client:
    """An httpx client whose every request goes through ``gate``, synchronously (no event loop):
    the replacement of a TestClient around the gate. Redirects are answers under test, not
    followed."""
    return httpx.Client(transport=GateHttpxTransport(gate), base_url=base_url, follow_redirects=False)
