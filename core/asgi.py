"""The bits of the ASGI protocol the project's applications share, written once.

- :func:`serve_lifespan`: the gate and the mock are ASGI applications with nothing to start or
  stop, but servers and test clients (uvicorn, starlette's TestClient) open a ``lifespan``
  scope and wait for its answers;
- :func:`read_body` and :func:`replaying`: a request body read whole from ``receive``, and a
  ``receive`` that hands it on again (for an application that wraps another one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


async def serve_lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge start-up and shutdown (there is nothing to do for either); return after shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def read_body(receive: Receive) -> bytes:
    """The whole request body of an ``http`` scope, however many messages it came in."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def replaying(body: bytes) -> Receive:
    """A ``receive`` that delivers ``body`` once, then a disconnect."""
    delivered = False

    async def receive() -> dict:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
