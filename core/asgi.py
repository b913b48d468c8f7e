"""The ASGI lifespan protocol, answered once for every ASGI application of the project.

The gate and the mock are ASGI applications with nothing to start or stop, but servers and
test clients (uvicorn, starlette's TestClient) open a ``lifespan`` scope and wait for its
answers. Both applications hand that scope here instead of each writing the loop again.
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
