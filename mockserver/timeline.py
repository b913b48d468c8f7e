"""Time helpers shared by the model and its views."""

from __future__ import annotations

from datetime import UTC, datetime


def active(until: float | None, now: float, fresh: bool = False) -> bool:
    """Whether a transition ending at ``until`` is still running.

    In the response of the request that started it (``fresh``) it always is, so even with a
    zero lifecycle delay a create answers ``Initializing`` and the next read ``Ready``.
    """
    return until is not None and (now < until or (fresh and now <= until))


def rfc3339(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
