"""Delete what the run created, and nothing else.

Everything the suite creates is named with the run's prefix (``pcc-<run id>``) or was
recorded when a create succeeded. Cleanup deletes those, after switching deletion
protection off, and sweeps the lists for any prefixed leftover (for example from an
interrupted earlier run with the same seed). It never touches other resources.
"""

from __future__ import annotations

import httpx

from conformance.session import ApiClient, BudgetExhausted, RunState


def _prefixed(reply, key: str, field: str, prefix: str) -> set[str]:
    items = reply.field(key, default=[]) or [] if reply.status == 200 else []
    return {item.get(field) for item in items if isinstance(item, dict) and str(item.get("name") or "").startswith(prefix)}


def cleanup(client: ApiClient, state: RunState, *, sweep: bool = True) -> list[str]:
    """Best-effort deletion of the run's resources; returns what could not be deleted.

    ``sweep`` also deletes prefixed leftovers found in the lists. Parallel workers share the
    prefix, so a worker that finishes early must not sweep: only the last one (the xdist
    controller) does, once every worker is done."""
    budget, state.budget = state.budget, None  # cleanup must run even when the budget is spent
    leftovers: list[str] = []
    try:
        prefix = state.prefix + "-"
        # Backups first, then collections, then indexes: a source cannot go while what it feeds is pending.
        for kind, list_call, key, field_name, delete in (
            ("backup", ("list_project_backups", {"limit": 100}), "data", "backup_id", _delete_backup),
            ("collection", ("list_collections", None), "collections", "name", _delete_collection),
            ("index", ("list_indexes", None), "indexes", "name", _delete_index),
        ):
            found = set(state.created.get(kind, set()))
            if sweep:
                found |= _prefixed(client.call(list_call[0], query=list_call[1]), key, field_name, prefix)
            for item in sorted(i for i in found if i):
                status = delete(client, item)
                if status not in (200, 202, 404):
                    leftovers.append(f"{kind} {item} ({status})")
    except (BudgetExhausted, httpx.HTTPError, OSError) as error:
        leftovers.append(f"cleanup stopped: {error}")
    finally:
        state.budget = budget
    return leftovers


def _delete_backup(client: ApiClient, backup_id: str) -> int:
    return client.call("delete_backup", path={"backup_id": backup_id}).status


def _delete_collection(client: ApiClient, name: str) -> int:
    return client.call("delete_collection", path={"collection_name": name}).status


def _delete_index(client: ApiClient, name: str) -> int:
    """Switch deletion protection off when it refuses (the run may have switched it on)."""
    status = client.call("delete_index", path={"index_name": name}).status
    if status == 403:
        client.call("configure_index", path={"index_name": name}, body={"deletion_protection": "disabled"})
        status = client.call("delete_index", path={"index_name": name}).status
    return status
