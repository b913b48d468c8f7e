"""Delete what the run created, and nothing else.

Everything the suite creates is named with the run's prefix (``pcc-<run id>``) or was
recorded when a create succeeded. Cleanup deletes those, after switching deletion
protection off, and sweeps the lists for any prefixed leftover (for example from an
interrupted earlier run with the same seed). It never touches other resources.
"""

from __future__ import annotations

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
        backups = set(state.created.get("backup", set()))
        if sweep:
            backups |= _prefixed(client.call("list_project_backups", query={"limit": 100}), "data", "backup_id", prefix)
        for backup_id in sorted(b for b in backups if b):
            reply = client.call("delete_backup", path={"backup_id": backup_id})
            if reply.status not in (200, 202, 404):
                leftovers.append(f"backup {backup_id} ({reply.status})")
        collections = set(state.created.get("collection", set()))
        if sweep:
            collections |= _prefixed(client.call("list_collections"), "collections", "name", prefix)
        for name in sorted(c for c in collections if c):
            reply = client.call("delete_collection", path={"collection_name": name})
            if reply.status not in (200, 202, 404):
                leftovers.append(f"collection {name} ({reply.status})")
        indexes = set(state.created.get("index", set()))
        if sweep:
            indexes |= _prefixed(client.call("list_indexes"), "indexes", "name", prefix)
        for name in sorted(i for i in indexes if i):
            reply = client.call("delete_index", path={"index_name": name})
            if reply.status == 403:
                client.call("configure_index", path={"index_name": name}, body={"deletion_protection": "disabled"})
                reply = client.call("delete_index", path={"index_name": name})
            if reply.status not in (200, 202, 404):
                leftovers.append(f"index {name} ({reply.status})")
    except (BudgetExhausted, OSError) as error:
        leftovers.append(f"cleanup stopped: {error}")
    finally:
        state.budget = budget
    return leftovers
