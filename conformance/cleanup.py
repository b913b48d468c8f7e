"""Delete what the run created, and nothing else.

Everything the suite creates is named with the run's prefix (``pcc-<run id>``) or was
recorded when a create succeeded. Cleanup deletes those, after switching deletion
protection off, and sweeps the lists for any prefixed leftover (for example from an
interrupted earlier run with the same seed). It never touches other resources.
"""

from __future__ import annotations

import httpx

from conformance.session import ApiClient, BudgetExhausted, RunState

#: How many pages of backups a sweep reads (100 per page).
MAX_SWEEP_PAGES = 50


def _listed(client: ApiClient, operation: str, key: str) -> list[dict]:
    """Every item of a list operation, following ``pagination.next`` for the paginated ones."""
    items: list[dict] = []
    token = None
    for _ in range(MAX_SWEEP_PAGES):
        query = {"limit": 100, "paginationToken": token} if operation == "list_project_backups" else None
        reply = client.call(operation, query=query)
        if reply.status != 200:
            break
        items += [item for item in reply.field(key, default=[]) or [] if isinstance(item, dict)]
        token = reply.field("pagination", "next")
        if not token:
            break
    return items


def _prefixed(items: list[dict], id_field: str, name_field: str, prefix: str) -> set[str]:
    """Ids of the items whose name (for a backup: its source index's name) carries the run's prefix."""
    return {item.get(id_field) for item in items if str(item.get(name_field) or "").startswith(prefix)}


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
        for kind, operation, key, id_field, name_field, delete in (
            ("backup", "list_project_backups", "data", "backup_id", "source_index_name", _delete_backup),
            ("collection", "list_collections", "collections", "name", "name", _delete_collection),
            ("index", "list_indexes", "indexes", "name", "name", _delete_index),
        ):
            found = set(state.created.get(kind, set()))
            if sweep:
                found |= _prefixed(_listed(client, operation, key), id_field, name_field, prefix)
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
