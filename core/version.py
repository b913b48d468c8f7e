"""The contract version this project tests, and the versions of the tools in use."""

from __future__ import annotations

import sys

#: The API version this project tests against.
CONTRACT_VERSION = "2026-04"

#: The distribution's name on PyPI.
DISTRIBUTION = "pinecone-conformance"

#: Packages whose versions a run records (they decide what a run generates and how it judges).
RECORDED_PACKAGES = (DISTRIBUTION, "schemathesis", "hypothesis", "openapi-core", "pytest", "httpx")


def package_version(name: str) -> str | None:
    """The installed version of distribution ``name``, or None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def own_version() -> str:
    return package_version(DISTRIBUTION) or "unknown"


def tool_versions() -> dict[str, str]:
    """Python and the recorded packages that are installed, by name."""
    found = {"python": sys.version.split()[0]}
    for name in RECORDED_PACKAGES:
        installed = package_version(name)
        if installed:
            found[name] = installed
    return found
