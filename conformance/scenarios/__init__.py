"""Scenario checks: what only shows over a sequence of calls.

A schema says what one response looks like; it cannot say that describe reflects a
configure, that a deleted index leaves the list, or that a protected index refuses
deletion. Each scenario drives one such sequence; the scenarios live by resource family
(``indexes``, ``collections``, ``backups``, ``validation``, ``access``, ``invariants``) on
the machinery of ``base``. Rules are cited by their ids in
``shared/research/pinecone-behavior.md``."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from pinecone_conformance.conformance.concurrency import Footprint
from pinecone_conformance.conformance.scenarios.access import api_version_header, authentication
from pinecone_conformance.conformance.scenarios.backups import backup_and_restore, pagination_walk
from pinecone_conformance.conformance.scenarios.base import Scenario, ScenarioAbort, ScenarioNotRun
from pinecone_conformance.conformance.scenarios.bodies import boundary_bodies, boundary_model_bodies
from pinecone_conformance.conformance.scenarios.collections import pod_index_and_collection
from pinecone_conformance.conformance.scenarios.indexes import (
    create_for_model,
    defaults_filled,
    protected_at_creation,
    serverless_index_lifecycle,
    sparse_index,
)
from pinecone_conformance.conformance.scenarios.invariants import list_and_describe_agree
from pinecone_conformance.conformance.scenarios.validation import (
    boundaries_accepted,
    input_validation,
    missing_resources,
)
from pinecone_conformance.conformance.session import (
    ApiClient,
    BudgetExhausted,
    RunState,
    SkippedRequest,
    TransportFailure,
)

#: name -> (function, the operations it exercises). The self-test and --operation use the latter.
SCENARIOS: dict[str, tuple[Callable[[Scenario], None], tuple[str, ...]]] = {
    "serverless_index_lifecycle": (serverless_index_lifecycle, (
        "create_index", "describe_index", "list_indexes", "configure_index", "delete_index", "create_collection")),
    "protected_at_creation": (protected_at_creation, ("create_index", "describe_index", "configure_index", "delete_index")),
    "defaults_filled": (defaults_filled, ("create_index", "describe_index", "delete_index")),
    "sparse_index": (sparse_index, ("create_index", "describe_index", "delete_index")),
    "pod_index_and_collection": (pod_index_and_collection, (
        "create_index", "describe_index", "configure_index", "delete_index", "create_collection",
        "describe_collection", "list_collections", "delete_collection")),
    "backup_and_restore": (backup_and_restore, (
        "create_index", "describe_index", "delete_index", "create_backup", "list_index_backups",
        "list_project_backups", "describe_backup", "delete_backup", "create_index_from_backup_operation",
        "describe_restore_job", "list_restore_jobs")),
    "pagination_walk": (pagination_walk, ("create_index", "create_backup", "list_index_backups", "list_project_backups",
                                          "delete_backup")),
    "create_for_model": (create_for_model, ("create_index_for_model", "describe_index", "delete_index")),
    "input_validation": (input_validation, (
        "create_index", "create_index_for_model", "create_collection", "list_project_backups",
        "list_restore_jobs", "list_index_backups")),
    "boundaries_accepted": (boundaries_accepted, ("create_index", "delete_index")),
    "missing_resources": (missing_resources, (
        "describe_index", "delete_index", "configure_index", "list_index_backups", "describe_collection",
        "delete_collection", "describe_backup", "delete_backup", "create_index_from_backup_operation",
        "describe_restore_job")),
    "list_and_describe_agree": (list_and_describe_agree, (
        "create_index", "describe_index", "list_indexes", "configure_index", "delete_index")),
    "boundary_bodies": (boundary_bodies, (
        "create_index", "configure_index", "create_backup", "create_index_from_backup_operation", "describe_backup",
        "list_index_backups", "list_project_backups", "list_restore_jobs", "delete_backup", "delete_index")),
    "boundary_model_bodies": (boundary_model_bodies, ("create_index_for_model", "delete_index")),
    "authentication": (authentication, ()),  # every operation
    "api_version_header": (api_version_header, ("list_indexes",)),
}

#: What each scenario holds while it runs, so the ones that run side by side
#: (``--scenario-workers``) stay independent (see :mod:`conformance.concurrency`): the most
#: indexes it has at once, the project-wide listings it walks or changes, and how many
#: asynchronous effects it waits for. Only ``pagination_walk`` walks a listing (every backup
#: of the project, page by page), so it never overlaps a scenario that adds or removes backups.
FOOTPRINTS: dict[str, Footprint] = {
    "serverless_index_lifecycle": Footprint(indexes=1, waits=3),
    "protected_at_creation": Footprint(indexes=1, waits=1),
    "defaults_filled": Footprint(indexes=1, waits=1),
    "sparse_index": Footprint(indexes=1, waits=1),
    "pod_index_and_collection": Footprint(indexes=1, waits=4),
    "backup_and_restore": Footprint(indexes=2, changes=frozenset({"backups"}), waits=7),
    "pagination_walk": Footprint(indexes=2, walks=frozenset({"backups"}), changes=frozenset({"backups"}), waits=4),
    "create_for_model": Footprint(indexes=1, waits=1),
    "input_validation": Footprint(indexes=1),  # none on a faithful server; one at a time if it accepts one
    "boundaries_accepted": Footprint(indexes=1, waits=3),
    "missing_resources": Footprint(),
    "list_and_describe_agree": Footprint(indexes=1, waits=3),
    "boundary_bodies": Footprint(indexes=3, changes=frozenset({"backups"}), waits=6),
    "boundary_model_bodies": Footprint(indexes=1, waits=2),
    "authentication": Footprint(),
    "api_version_header": Footprint(),
}

#: Scenarios that still mean something with GET requests only (``--read-only``).
READ_ONLY_SCENARIOS = frozenset({"missing_resources", "authentication", "api_version_header"})

def run_scenario(name: str, client: ApiClient, state: RunState) -> None:
    function, _ = SCENARIOS[name]
    scenario = Scenario(client=client, state=state, name=name)
    try:
        function(scenario)
    except ScenarioAbort:
        pass
    except (httpx.HTTPError, TransportFailure) as error:  # no usable answer: a finding, not a crash
        scenario.fail("network_error", f"scenario {name}: no usable response: {type(error).__name__}: {error}")
    except BudgetExhausted as error:
        state.note_error(f"scenario {name} stopped: {error}")
    except SkippedRequest as error:  # the gate refused a step (safety, read-only, paid): the rest depends on it
        state.note_skip(name, str(error))
    except ScenarioNotRun as error:
        state.note_skip(name, str(error))
