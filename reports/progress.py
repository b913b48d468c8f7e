"""A one-line progress display for long runs, silent unless the stream is a terminal.

A run against a real server can take many minutes; a person at a terminal wants to see
it move (units done / to do, findings so far). CI logs and pipes want nothing of the sort:
carriage returns and escape codes turn into noise there. So :class:`Progress` writes only
when ``stream.isatty()`` is true, and then always rewrites the same line.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

_CLEAR_TO_END = "\x1b[K"


class Progress:
    """``start(total)``, then ``advance(unit, findings_so_far)`` per unit done, then ``finish()``.

    ``enabled=False`` (``--no-progress``) silences it even on a terminal.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = True, label: str = "conformance") -> None:
        self.stream = sys.stderr if stream is None else stream
        self.label = label
        self.total = 0
        self.done = 0
        self.findings = 0
        self.started = 0.0
        self.active = enabled and _is_tty(self.stream)

    def start(self, total_units: int) -> None:
        self.total = max(0, int(total_units))
        self.done = 0
        self.findings = 0
        self.started = time.monotonic()
        self._draw("starting")

    def advance(self, unit_name: str, findings_so_far: int, units: int = 1) -> None:
        self.done += units
        self.findings = findings_so_far
        self._draw(unit_name)

    def finish(self) -> None:
        """Leave the last state on its own line, so what follows starts clean (a display that
        was never started, as the runner's own while its worker processes show theirs, leaves nothing)."""
        if self.active and self.started:
            self._draw("done")
            self.stream.write("\n")
            self.stream.flush()
            self.active = False

    def line(self, unit_name: str) -> str:
        """The text of the progress line (without terminal control codes)."""
        elapsed = int(time.monotonic() - self.started) if self.started else 0
        total = f"/{self.total}" if self.total else ""
        findings = f"{self.findings} finding{'' if self.findings == 1 else 's'}"
        return f"{self.label}: {self.done}{total} done · {findings} · {elapsed // 60}:{elapsed % 60:02d} · {unit_name}"

    def _draw(self, unit_name: str) -> None:
        if not self.active:
            return
        width = shutil.get_terminal_size((80, 24)).columns - 1
        text = self.line(unit_name)
        if width > 10 and len(text) > width:
            text = text[: width - 1] + "…"
        self.stream.write("\r" + text + _CLEAR_TO_END)
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
