"""Run ids and resource prefixes: how a run names what it creates, and how cleanup finds it.

Everything a run creates is named ``pcc-<run id>-<kind><n>``. The run id has a part derived
from the seed (so names stay reproducible within a run) and a random part (so two runs with
the same seed, on the same machine at the same time, never sweep each other's resources),
unless the user fixes it with ``--run-id``.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from pinecone_conformance.core.errors import UsageError

#: Every resource this tool creates starts with this.
TOOL_PREFIX = "pcc-"

#: A run id is a short token that keeps a resource name valid under the name rule
#: (lowercase alphanumerics and '-', at most 45 characters): 4 to 16 lowercase alphanumerics
#: (a shard adds ``s<K>`` to the run's id).
RUN_ID_PATTERN = re.compile(r"\A[a-z0-9]{4,16}\Z")


def new_run_id(seed: int) -> str:
    """Six characters from the seed, four at random."""
    return hashlib.sha256(str(seed).encode()).hexdigest()[:6] + secrets.token_hex(2)


def validate_run_id(run_id: str) -> str:
    """``run_id`` if it is a valid run id, else a one-line UsageError."""
    if not RUN_ID_PATTERN.match(run_id or ""):
        raise UsageError(f"--run-id must be 4 to 16 lowercase letters or digits (got {run_id!r})")
    return run_id


def prefix_for(run_id: str) -> str:
    """The name prefix of a run's resources, with its trailing dash: ``pcc-<run id>-``."""
    return f"{TOOL_PREFIX}{run_id}-"
