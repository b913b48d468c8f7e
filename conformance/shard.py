"""``run --shard K/N``: split the suite's work into N disjoint parts of roughly equal cost.

A CI job matrix is the scale-out engine: N machines each run ``--shard K/N`` and
``report merge`` joins what they found. For that the split must be

- *deterministic*: every machine computes the same split from the same work list, without
  talking to the others;
- *complete and disjoint*: the N parts together are exactly the work list, no item twice;
- *balanced*: no part is much more expensive than the others, or the slowest machine sets
  the wall-clock time.

Greedy "longest processing time first" does all three: items sorted by cost (most expensive
first, ties in the order given), each handed to the part with the smallest load so far
(ties to the lowest part). Its balance bound: the most loaded part exceeds the least loaded
by at most the single most expensive item.

Work items are hashable tuples such as ``("operation", "create_index")``, ``("stateful",)``
and ``("scenario", "describe-echoes-create")``; this module does not interpret them beyond
:func:`estimated_cost`.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence

from pinecone_conformance.core.errors import UsageError

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")

#: Relative cost guesses per kind of work item, for callers without measured costs: an
#: operation's Schemathesis phases are the unit; the state machine walks many links; a
#: scenario is a handful of calls plus waiting for eventual effects.
COST_BY_KIND = {"operation": 1.0, "stateful": 6.0, "scenario": 1.5}


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> ``(K, N)`` with ``1 <= K <= N``; anything else is a one-line :class:`UsageError`."""
    match = _SHARD.fullmatch(text or "")
    if not match:
        raise UsageError(f"--shard must look like K/N, e.g. 1/4 (got {text!r})")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1:
        raise UsageError(f"--shard {text}: the number of shards must be at least 1")
    if not 1 <= k <= n:
        raise UsageError(f"--shard {text}: the shard number must be between 1 and {n}")
    return k, n


def estimated_cost(item: Sequence) -> float:
    """A cost guess for a work item from its kind (its first element); unknown kinds cost 1."""
    return COST_BY_KIND.get(item[0] if item else "", 1.0)


def assign(items: Sequence[Hashable], costs: Mapping[Hashable, float], n: int) -> list[list[Hashable]]:
    """All N parts (0-based list), each in the order of ``items``.

    ``costs`` maps an item to its (non-negative) cost; items it lacks get :func:`estimated_cost`
    when they are tuples, else 1. Duplicate items are work done once: they are kept once.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    unique = list(dict.fromkeys(items))
    position = {item: index for index, item in enumerate(unique)}

    def cost(item: Hashable) -> float:
        if item in costs:
            value = float(costs[item])
        else:
            value = estimated_cost(item) if isinstance(item, tuple) else 1.0
        if value < 0:
            raise ValueError(f"cost of {item!r} is negative: {value}")
        return value

    loads = [0.0] * n
    parts: list[list[Hashable]] = [[] for _ in range(n)]
    for item in sorted(unique, key=lambda item: -cost(item)):  # sorted() is stable: ties keep the given order
        target = min(range(n), key=lambda index: (loads[index], index))
        loads[target] += cost(item)
        parts[target].append(item)
    return [sorted(part, key=position.__getitem__) for part in parts]


def select(items: Sequence[Hashable], costs: Mapping[Hashable, float], k: int, n: int) -> list[Hashable]:
    """The items shard ``k`` of ``n`` (1-based, as on the command line) runs, in the given order."""
    if not 1 <= k <= n:
        raise ValueError(f"shard {k} does not exist among {n}")
    return assign(items, costs, n)[k - 1]


def shard_run_id(run_id: str, k: int, n: int) -> str:
    """A run id of its own per shard, so shards running at once never touch each other's resources.

    Resource names are ``pcc-<run id>-...`` (lowercase alphanumerics and ``-``); an unsharded
    run (``n == 1``) keeps its id unchanged.
    """
    return run_id if n == 1 else f"{run_id}s{k}"


def work_items(operations: Sequence[str], scenarios: Sequence[str], stateful: bool = True) -> list[tuple]:
    """The suite's work list in its canonical order: every operation (all its Schemathesis
    phases), the state machine, every scenario. Every shard must build it from the same inputs."""
    items: list[tuple] = [("operation", op) for op in operations]
    if stateful:
        items.append(("stateful",))
    return items + [("scenario", name) for name in scenarios]


def plan(k: int, n: int, operations: Sequence[str], scenarios: Sequence[str], stateful: bool = True,
         costs: Mapping[Hashable, float] | None = None) -> dict:
    """What shard ``k`` of ``n`` runs: ``{"operations": [...], "stateful": bool, "scenarios": [...]}``."""
    mine = select(work_items(operations, scenarios, stateful), costs or {}, k, n)
    return {"operations": [item[1] for item in mine if item[0] == "operation"],
            "stateful": ("stateful",) in mine,
            "scenarios": [item[1] for item in mine if item[0] == "scenario"]}


#: Seconds each piece of work took on the embedded mock (``run --seed 1``, one process, this
#: project's 2-core machine): the weights of :func:`split`, which divides one run among the
#: processes of one machine, where the run is bound by the CPU and not by waiting. An operation
#: not listed costs :data:`LIGHT_OPERATION`.
LOCAL_COSTS = {("operation", "create_index"): 2.6, ("operation", "create_index_for_model"): 1.9,
               ("operation", "configure_index"): 1.7, ("operation", "create_index_from_backup_operation"): 1.0,
               ("stateful",): 4.8, ("scenarios",): 0.9}
LIGHT_OPERATION = 0.35


def split(k: int, n: int, share: Mapping, costs: Mapping[Hashable, float] | None = None) -> dict:
    """Part ``k`` of ``n`` of ``share`` (a :func:`plan`-shaped dict), for the processes of one run.

    Unlike :func:`plan`, the scenarios stay together: the process that runs them runs them side
    by side (``--scenario-workers``) in one pool, which knows their footprints, so a real
    server's quotas are not counted twice. ``costs`` (default :data:`LOCAL_COSTS`) weighs items
    such as ``("operation", id)``, ``("stateful",)`` and ``("scenarios",)``."""
    weights = LOCAL_COSTS if costs is None else costs
    items = [("operation", op) for op in share["operations"]]
    items += [("stateful",)] * bool(share["stateful"]) + [("scenarios",)] * bool(share["scenarios"])
    mine = select(items, {item: weights.get(item, LIGHT_OPERATION) for item in items}, k, n)
    return {"operations": [item[1] for item in mine if item[0] == "operation"],
            "stateful": ("stateful",) in mine,
            "scenarios": list(share["scenarios"]) if ("scenarios",) in mine else []}
