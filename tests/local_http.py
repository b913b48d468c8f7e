"""httpx for the servers the tests start on this machine, with one TLS context per process.

httpx builds a new ``ssl.SSLContext`` for every ``Client`` (it loads the whole CA bundle), and
``httpx.get()`` and its siblings make a ``Client`` for each call: ~70 ms of CPU each, for plain
http to 127.0.0.1 that never uses it. The tests poll servers in loops and open clients from
many threads; with a context made once and handed to every client, that cost is paid once.
Same signatures as httpx's own.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def _context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def Client(**kwargs) -> httpx.Client:  # noqa: N802 - named as the class it stands in for
    return httpx.Client(verify=_context(), **kwargs)


def request(method: str, url: str, **kwargs) -> httpx.Response:
    with Client() as client:  # timeout, follow_redirects: a request takes them as httpx.request does
        return client.request(method, url, **kwargs)


def get(url: str, **kwargs) -> httpx.Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs) -> httpx.Response:
    return request("POST", url, **kwargs)
