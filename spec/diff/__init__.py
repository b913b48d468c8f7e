"""``pinecone-conformance spec diff OLD NEW``: the breaking-change gate between two documents.

Every change a client or a server can notice, classified breaking / warning / info the way
oasdiff classifies it, and aware of the traps this document family sets:

- direction: a change is judged where a client meets it, request side and response side
  separately, at each operation that uses the schema (:mod:`spec.diff.compare`);
- composition: schemas are compared by resolved property paths through ``$ref``, ``allOf``
  and each ``oneOf``/``anyOf`` member, so a restructure is not a removal (:mod:`spec.diff.flatten`);
- ``enum`` and ``x-enum`` are one value list; defaults of required parameters (the version
  header's) do not count; media type changes are judged per status (:mod:`spec.diff.rules`).

:func:`diff` is pure (two raw documents in, changes out); :func:`main_diff` is the CLI.
Exit codes: 0 nothing at or above ``--fail-on``, 1 something, 2 bad input (one line).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pinecone_conformance.core.errors import EXIT_FINDINGS, EXIT_OK
from pinecone_conformance.spec.diff.compare import Change, Place, compare_documents, matched_operations
from pinecone_conformance.spec.diff.render import RENDERERS, DiffResult, Side
from pinecone_conformance.spec.diff.rules import LEVELS, RULES
from pinecone_conformance.spec.loader import Document, load

__all__ = ["LEVELS", "RULES", "Change", "DiffResult", "Place", "diff", "diff_documents", "main_diff"]


def diff(old: dict, new: dict) -> list[Change]:
    """Every change between two OpenAPI 3.0 documents (raw dicts), grouped, breaking first."""
    return compare_documents(old, new)


def _side(document: Document) -> Side:
    path = Path(document.path)
    try:
        source = os.path.relpath(path)
    except ValueError:  # another drive
        source = str(path)
    if source.startswith(".."):
        source = str(path)
    return Side(source=source, version=document.version or path.name, sha256=document.sha256)


def diff_documents(old: str | Path, new: str | Path, fail_on: str = "breaking") -> DiffResult:
    """Load two documents (bundled version names or paths) and compare them."""
    old_document, new_document = load(old), load(new)
    changes = diff(old_document.raw, new_document.raw)
    return DiffResult(_side(old_document), _side(new_document), changes, fail_on,
                      tuple(matched_operations(old_document.raw, new_document.raw)),
                      _positions(old_document, new_document, changes))


def _positions(old: Document, new: Document, changes: list[Change]) -> dict:
    """Line and column of each change's location in its YAML file (for annotations)."""
    from pinecone_conformance.spec.lint.source import Source  # the spec check's map of pointers to lines

    sources = {True: Source.parse(old.path.read_text(encoding="utf-8", errors="replace")),
               False: Source.parse(new.path.read_text(encoding="utf-8", errors="replace"))}
    positions = {}
    for change in changes:
        where = sources[change.in_old].position(change.location)
        if where:
            positions[(change.in_old, change.location)] = where
        if change.in_old:  # a removal: also where it was, in NEW (its nearest surviving ancestor)
            nearest = sources[False].position(change.location)
            if nearest:
                positions[("new", change.location)] = nearest
    return positions


def main_diff(args) -> int:
    result = diff_documents(args.old, args.new, fail_on=getattr(args, "fail_on", "breaking"))
    sys.stdout.write(RENDERERS[getattr(args, "format", "text")](result))
    return EXIT_FINDINGS if result.failing() else EXIT_OK
