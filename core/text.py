"""Small text helpers shared by messages and reports."""

from __future__ import annotations


def one_line(text: str, limit: int = 240) -> str:
    """``text`` with its whitespace collapsed to single spaces, cut to ``limit`` characters."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
