"""Whether an address is this machine: the suite creates billed extras there without asking,
and the mock listens only there unless told otherwise."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """``127.0.0.1``, ``::1``, ``localhost`` (brackets around an IPv6 literal allowed)."""
    host = (host or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback(base_url: str) -> bool:
    """Whether the host of ``base_url`` is this machine."""
    return is_loopback_host(urlsplit(base_url).hostname or "")
