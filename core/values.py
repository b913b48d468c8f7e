"""Small operations on JSON values that several packages need."""

from __future__ import annotations


def without_nulls(value: object) -> object:
    """``value`` with every ``"key": null`` member of every object removed (recursively): the
    body the official SDK means when it sends explicit nulls for fields it leaves unset."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value
