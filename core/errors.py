"""The errors bad input turns into, and the exit codes every command shares.

A :class:`UsageError` (a bad flag, URL, key or file) or a :class:`SpecError` (a document that
cannot be used) is printed as one line and ends the command with :data:`EXIT_USAGE`; no
traceback ever reaches the user for either.
"""

from __future__ import annotations

#: Everything checked and nothing failed the verdict.
EXIT_OK = 0
#: Deviations (or breaking changes, or document errors) that fail the verdict.
EXIT_FINDINGS = 1
#: Bad input or a run that could not do its planned work: nothing can be concluded.
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user (flag, URL, key, file). The message is one line."""


class SpecError(Exception):
    """A document that cannot be used: missing, unparseable or invalid. The message is one line."""
