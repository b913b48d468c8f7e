"""Serving the mock on loopback: the ``pinecone-conformance mock`` command and a test helper."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from pinecone_conformance.core.network import is_loopback_host
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.deviations import CATALOG
from pinecone_conformance.mockserver.faults import FaultPlan, parse_duration, parse_fault
from pinecone_conformance.mockserver.profiles import DEFAULT_PROFILE
from pinecone_conformance.mockserver.settings import MockSettings

HOST = "127.0.0.1"


def deviation_table() -> str:
    """Name, category and description of every seeded deviation, as aligned columns; a deviation
    only production's rules forbid (the document allows it) says so, with the rule id."""
    rows = [("NAME", "CATEGORY", "DESCRIPTION")] + [
        (d.name, d.category, d.description + (f" (production only: {d.rule})" if d.rule else "")) for d in CATALOG.values()
    ]
    name_width = max(len(row[0]) for row in rows)
    category_width = max(len(row[1]) for row in rows)
    return "\n".join(f"{n:<{name_width}}  {c:<{category_width}}  {d}".rstrip() for n, c, d in rows)


def main_mock(args: argparse.Namespace) -> int:
    """``pinecone-conformance mock``: serve until interrupted (exit 0), or list the deviations."""
    from pinecone_conformance.core.errors import UsageError

    if args.list_deviations:
        print(deviation_table())
        return 0
    api_key = args.api_key or os.environ.get("PINECONE_API_KEY") or "test-key"
    if not 0 <= args.port <= 65535:
        raise UsageError(f"invalid port: {args.port}")
    delay = args.lifecycle_delay if args.lifecycle_delay is not None else 0.0
    if delay < 0:
        raise UsageError(f"--lifecycle-delay must not be negative: {delay}")
    try:
        faults = fault_plan(args)
        profile = getattr(args, "profile", None) or DEFAULT_PROFILE
        app = create_app(api_key, args.deviation, settings=MockSettings(lifecycle_delay=delay, faults=faults),
                         profile=profile)
    except ValueError as error:
        raise UsageError(str(error)) from None
    host = getattr(args, "host", None) or HOST
    _check_can_listen(host, args.port)
    switched = f" ({profile} profile)"
    switched += f" with deviations: {', '.join(args.deviation)}" if args.deviation else ""
    if faults.active:
        switched += f" with faults: {', '.join(args.fault) or 'none'}, latency {faults.latency:g}s, reset {faults.reset:g}"
    shown = f"[{host}]" if ":" in host else host
    print(f"pinecone-conformance mock serving on http://{shown}:{args.port}{switched}", file=sys.stderr, flush=True)
    if not is_loopback_host(host):
        print(f"pinecone-conformance mock: {host} is not a loopback address: whoever can reach it can use the mock",
              file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=args.port, log_level="warning", access_log=False)
    return 0


def _check_can_listen(host: str, port: int) -> None:
    """One-line ``UsageError`` when ``host:port`` cannot be bound (unknown host, port taken...)."""
    from pinecone_conformance.core.errors import UsageError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.bind(address)
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise UsageError(f"cannot listen on {host}:{port}: {reason}") from None


def fault_plan(args: argparse.Namespace) -> FaultPlan:
    """The faults of ``--fault``, ``--latency``, ``--reset`` and ``--fault-seed``; ``ValueError`` if invalid."""
    latency = parse_duration(args.latency) if getattr(args, "latency", None) else 0.0
    return FaultPlan(faults=tuple(parse_fault(text) for text in getattr(args, "fault", []) or []),
                     latency=latency, reset=getattr(args, "reset", 0.0) or 0.0, seed=getattr(args, "fault_seed", None))


@contextlib.contextmanager
def serve_in_thread(app: Any, port: int = 0, host: str = HOST) -> Iterator[str]:
    """Serve ``app`` with uvicorn on ``host`` (127.0.0.1) in a daemon thread; yield its base URL; stop on exit.

    ``port=0`` picks a free port.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    chosen = sock.getsockname()[1]
    config = uvicorn.Config(app, host=host, port=chosen, log_level="error", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"mock-{chosen}")
    thread.start()
    shown = f"[{host}]" if ":" in host else host
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the mock did not start on {shown}:{chosen}")
            time.sleep(0.01)
        yield f"http://{shown}:{chosen}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
