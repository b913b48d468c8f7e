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


def lifecycle_status(ready_at: float, deleted_at: float | None, now: float, fresh: bool = False) -> str:
    """Initializing -> Ready, then Terminating once deleted: the lifecycle collections and backups share."""
    if deleted_at is not None:
        return "Terminating"
    return "Initializing" if active(ready_at, now, fresh) else "Ready"
