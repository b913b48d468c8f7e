"""A client for tests that checks every response against the document as it goes.

``CheckedClient(app)`` talks to the app in process (Starlette's TestClient);
``CheckedClient(base_url="http://127.0.0.1:PORT")`` talks to a served mock over a socket.
Every response is validated with :func:`mockserver.contract.response_errors`; a violation
raises ``AssertionError`` at once, so no test can pass while the mock breaks the document.
"""

from __future__ import annotations

import warnings
from typing import Any

import httpx

from pinecone_conformance.mockserver.contract import response_errors

DEFAULT_KEY = "test-key"
VERSION = "2026-04"


class CheckedClient:
    def __init__(self, app: Any = None, *, base_url: str | None = None, api_key: str = DEFAULT_KEY,
                 version: str | None = VERSION, check: bool = True) -> None:
        if app is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from starlette.testclient import TestClient

                self._client: httpx.Client = TestClient(app, base_url="http://mock")
        else:
            self._client = httpx.Client(base_url=base_url or "http://127.0.0.1:8080", timeout=10)
        self.api_key = api_key
        self.version = version
        self.check = check
        self.log: list[tuple[str, str, int]] = []

    def headers(self, auth: bool = True, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {}
        if auth:
            headers["Api-Key"] = self.api_key
        if self.version:
            headers["X-Pinecone-Api-Version"] = self.version
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, *, json: Any = None, content: bytes | None = None,
                params: dict[str, Any] | None = None, auth: bool = True,
                headers: dict[str, str] | None = None, check: bool | None = None) -> httpx.Response:
        kwargs: dict[str, Any] = {"headers": self.headers(auth, headers), "params": params}
        if content is not None:
            kwargs["content"] = content
        elif json is not None:
            kwargs["json"] = json
        response = self._client.request(method, path, **kwargs)
        self.log.append((method, path, response.status_code))
        if self.check if check is None else check:
            problems = response_errors(method, str(response.request.url), response.status_code,
                                       response.headers, response.content)
            assert not problems, "\n".join(problems)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self._client.close()


# Request bodies tests keep needing.


def serverless(name: str, dimension: int | None = 8, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}, **extra}
    if dimension is not None:
        body["dimension"] = dimension
    return body


def sparse(name: str, dimension: int | None = None, **extra: Any) -> dict[str, Any]:
    return serverless(name, dimension, vector_type="sparse", metric="dotproduct", **extra)


def pod(name: str, dimension: int = 8, environment: str = "us-east1-gcp", **pod_fields: Any) -> dict[str, Any]:
    return {"name": name, "dimension": dimension,
            "spec": {"pod": {"environment": environment, "pod_type": "p1.x1", **pod_fields}}}
