"""A server that applies a configure a moment after accepting it is what the document describes
(configure's 202: "Check the index status to see when the change has been applied"): the
suite waits for the change instead of failing such a server."""

from __future__ import annotations

import json
import re
import threading
import time

import cli_process
import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread

KEY = "pcsk_APPLIED_LATER_KEY_5m4n"
INDEX_PATH = re.compile(r"^/indexes/([^/]+)$")


class AppliedLater:
    """An ASGI wrapper: for ``delay`` seconds after a configure of an index, describe and list
    still show that index as it was before (as a replica that has not caught up would)."""

    def __init__(self, app, delay: float) -> None:
        self.app, self.delay = app, delay
        self.last_seen: dict[str, dict] = {}  # name -> its describe answer before any configure
        self.stale: dict[str, tuple[float, dict]] = {}  # name -> (until, what describe showed then)
        self.stale_answers = 0
        self._lock = threading.Lock()

    def _stale_view(self, name: str) -> dict | None:
        with self._lock:
            until, body = self.stale.get(name, (0.0, None))
            return body if time.monotonic() < until else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        method, path = scope["method"], scope["path"]
        named = INDEX_PATH.match(path)
        if method == "PATCH" and named:
            with self._lock:
                before = self.last_seen.get(named.group(1))
                if before is not None:
                    self.stale[named.group(1)] = (time.monotonic() + self.delay, before)
            return await self.app(scope, receive, send)
        if method != "GET" or not (named or path == "/indexes"):
            return await self.app(scope, receive, send)
        messages: list[dict] = []

        async def keep(message):
            messages.append(message)

        await self.app(scope, receive, keep)
        start, body = messages[0], b"".join(m.get("body", b"") for m in messages[1:])
        if start["status"] == 200:
            answered = document = json.loads(body)
            if named:
                view = self._stale_view(named.group(1))
                if view is None:
                    with self._lock:
                        self.last_seen[named.group(1)] = answered
                else:
                    document = view
            else:
                document = {**answered, "indexes": [self._stale_view(entry.get("name")) or entry
                                                    for entry in answered["indexes"]]}
            if document != answered:
                self.stale_answers += 1
            body = json.dumps(document).encode()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@pytest.mark.slow
def test_a_configure_applied_a_moment_later_is_waited_for_not_failed(tmp_path):
    server = AppliedLater(create_app(api_key=KEY), delay=0.4)
    with serve_in_thread(server) as base_url:
        done = cli_process.run(["run", "--no-progress", "--base-url", base_url, "--api-key", KEY, "--seed", "7",
                                "--phase", "scenarios", "--wait", "10", "-o", str(tmp_path)], timeout=600)
    findings = json.loads((tmp_path / "findings.json").read_text())
    judged = [(g["check"], g["severity"]) for g in findings["groups"] if g["severity"] != "note"]
    assert server.stale_answers > 0  # the server did answer with the index as it was
    assert done.returncode == 0, (judged, done.stderr[-2000:])
    assert judged == []
    checked = {check for checks in findings["coverage"]["checks_run"].values() for check in checks}
    assert {"configure_visible", "tag_deletion", "list_describe_agree", "deletion_protection"} <= checked
