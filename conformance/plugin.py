"""pytest plugin: the suite's options and fixtures.

``pytest conformance/ --pcc-base-url URL --pcc-api-key KEY`` runs the suite as plain pytest (with
``-n auto`` under pytest-xdist too); ``pinecone-conformance run`` wraps the same thing and
turns the findings into reports. Without ``--base-url`` the target is the embedded mock,
called in process.

Each worker writes its findings to its own file of the store and its coverage counts to
``stats-<worker>.json``, so parallel workers neither lose nor duplicate anything.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from pinecone_conformance.conformance.runid import new_run_id, validate_run_id
from pinecone_conformance.core.errors import UsageError
from pinecone_conformance.core.findings import FindingStore, writer_name
from pinecone_conformance.core.network import is_loopback
from pinecone_conformance.core.run_record import FINDINGS_DIR

#: The suite's phases: Schemathesis's four (three of them stateless, run per operation), and
#: the scenario checks.
STATELESS_PHASES = ("examples", "coverage", "fuzzing")
PHASES = (*STATELESS_PHASES, "stateful", "scenarios")

#: The budget ledger every worker of a run counts its requests in.
BUDGET_FILE = "budget.count"

#: user_properties key a suite test sets when it fails because it recorded deviations (not a crash).
DEVIATIONS_PROPERTY = "pcc_deviations"

EMBEDDED_API_KEY = "embedded-mock-key"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pinecone-conformance")
    group.addoption("--pcc-base-url", default=None, help="server to test (default: the embedded mock)")
    group.addoption("--pcc-api-key", default=None, help="API key (default: $PINECONE_API_KEY)")
    group.addoption("--pcc-spec", default="2026-04", help="bundled version or path of the contract")
    group.addoption("--pcc-seed", type=int, default=None, help="seed of the run")
    group.addoption("--pcc-max-examples", type=int, default=None, help="generated cases per operation and mode")
    group.addoption("--pcc-output", default="conformance-report", help="directory for findings")
    group.addoption("--pcc-deviation", action="append", default=[], help="seeded deviation of the embedded mock")
    group.addoption("--pcc-wait", type=float, default=None, help="deadline in seconds for eventual effects")
    group.addoption("--pcc-budget", type=int, default=None, help="request budget of the whole run (all workers)")
    group.addoption("--pcc-run-id", default=None, help="run id in the names of created resources (pcc-<run id>-...)")
    group.addoption("--pcc-read-only", action="store_true", default=False, help="send only GET requests")
    group.addoption("--pcc-mock-profile", choices=("production", "contract"), default="production",
                    help="the embedded mock's behaviour: production or contract")
    group.addoption("--pcc-profile", choices=("contract", "production"), default="contract",
                    help="contract: only the document's rules fail the run; production: production parity too")
    group.addoption("--pcc-allow-paid-resources", action="store_true", default=False,
                    help="against a non-loopback host, also create pod indexes, pod scaling, dedicated capacity")
    group.addoption("--pcc-max-time", type=float, default=None, help="stop sending after this many seconds")
    group.addoption("--pcc-started", type=float, default=None,
                    help="when the run began (seconds since the epoch; the runner's), for --pcc-max-time")
    group.addoption("--pcc-request-timeout", type=float, default=None, help="seconds per request (default 60)")
    group.addoption("--pcc-scenario-workers", type=int, default=None,
                    help="scenarios side by side in this many threads (default 4 against a URL, 1 embedded)")
    group.addoption("--pcc-engine-threads", type=int, default=None,
                    help="operations Schemathesis tests side by side in threads (default 2 remote, 1 loopback or embedded)")
    group.addoption("--pcc-operation", action="append", default=[], help="only these operations")
    group.addoption("--pcc-check", action="append", default=[], help="only these checks")
    group.addoption("--pcc-phase", action="append", default=[], help="only these Schemathesis phases")
    group.addoption("--pcc-shard", default=None, help="run part K/N of the work")
    group.addoption("--pcc-part", default=None,
                    help="this process runs part K/N of its shard's work (the runner's --workers)")
    group.addoption("--pcc-sweep-only", action="store_true",
                    help="run no test: sweep the server for the run's leftovers (after the runner's parts)")


def pytest_configure(config: pytest.Config) -> None:
    """Fix the seed, run id and start time before xdist starts its workers; they receive them
    through ``workerinput`` (see :func:`pytest_configure_node`), so every worker shares them."""
    if not hasattr(config.option, "pcc_seed"):
        return
    # the scenario tests carry xdist's group mark; a run without workers does not load xdist
    config.addinivalue_line("markers", "xdist_group(name): pytest-xdist's loadgroup mark")
    if _is_xdist_worker(config):
        shared = config.workerinput
        config.option.pcc_seed, config.option.pcc_run_id = shared["pcc_seed"], shared["pcc_run_id"]
        config.pcc_started = shared["pcc_started"]
        return
    if config.option.pcc_seed is None:
        config.option.pcc_seed = random.SystemRandom().randrange(1, 2**31)
    if config.option.pcc_run_id is None:
        config.option.pcc_run_id = new_run_id(config.option.pcc_seed)
    try:
        validate_run_id(config.option.pcc_run_id)
        validate_checks(config.option.pcc_check)
    except UsageError as error:
        raise pytest.UsageError(str(error)) from None
    config.pcc_started = config.getoption("--pcc-started") or time.time()


def validate_checks(names) -> None:
    """--check names must be registered checks: a typo would filter out every finding and pass."""
    from pinecone_conformance.conformance.registry import CHECKS

    for name in names or ():
        if name not in CHECKS:
            raise UsageError(f"unknown check {name!r} for --check (see: pinecone-conformance checks)")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """xdist: hand the run's seed, run id and start time to a worker."""
    option = node.config.option
    node.workerinput.update(pcc_seed=option.pcc_seed, pcc_run_id=option.pcc_run_id, pcc_started=node.config.pcc_started)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist ``--dist loadgroup``: the scenario tests go to one worker (it runs them side by side)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from pinecone_conformance.conformance.concurrency import xdist_scheduler

    return xdist_scheduler(config, log)


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _is_xdist_controller(config: pytest.Config) -> bool:
    return not _is_xdist_worker(config) and bool(getattr(config.option, "numprocesses", None))


def _deadline(config: pytest.Config) -> float | None:
    """--max-time as a time.monotonic() deadline, counted from the run's start (shared by workers)."""
    max_time = config.getoption("--pcc-max-time")
    if max_time is None:
        return None
    return time.monotonic() + max_time - (time.time() - config.pcc_started)


#: Operations Schemathesis's stateless phases test side by side against a server elsewhere.
REMOTE_ENGINE_THREADS = 2


def run_state(config: pytest.Config, *, embedded_app=None):
    """The run's state for this process, from the options (the same for every worker)."""
    from pinecone_conformance.conformance.session import EMBEDDED_BASE_URL, RunState, Target
    from pinecone_conformance.spec.loader import load

    base_url = config.getoption("--pcc-base-url")
    api_key = config.getoption("--pcc-api-key") or os.environ.get("PINECONE_API_KEY")
    timeout = config.getoption("--pcc-request-timeout") or 60.0
    if base_url:
        target = Target(base_url=base_url.rstrip("/"), api_key=api_key, request_timeout=timeout)
        wait, interval, max_examples, scenario_workers = 120.0, 5.0, 5, 4
        # Threads pay off while a request is on the network; a server on this machine answers in a
        # few milliseconds, less than the interpreter's switch interval (5 ms), so a second thread
        # there only adds hand-offs of the GIL (measured: slower, benchmarks/versus_schemathesis.py).
        engine_threads = 1 if is_loopback(base_url) else REMOTE_ENGINE_THREADS
    else:
        api_key = api_key or EMBEDDED_API_KEY
        target = Target(base_url=EMBEDDED_BASE_URL, api_key=api_key, app=embedded_app, request_timeout=timeout)
        wait, interval, max_examples, scenario_workers, engine_threads = 1.0, 0.05, 10, 1, 1
    document = load(config.getoption("--pcc-spec"))
    output = Path(config.getoption("--pcc-output"))
    allow_paid = config.getoption("--pcc-allow-paid-resources") or not base_url or is_loopback(base_url)
    return RunState(
        target=target,
        raw=document.raw,
        store=FindingStore(output / FINDINGS_DIR),
        seed=config.option.pcc_seed,
        prefix=f"pcc-{config.option.pcc_run_id}",
        api_version=document.version or "2026-04",
        max_examples=config.getoption("--pcc-max-examples") or max_examples,
        wait=config.getoption("--pcc-wait") if config.getoption("--pcc-wait") is not None else wait,
        poll_interval=interval,
        budget=config.getoption("--pcc-budget"),
        selected_checks=frozenset(config.getoption("--pcc-check")),
        profile=config.getoption("--pcc-profile"),
        read_only=config.getoption("--pcc-read-only"),
        allow_paid=allow_paid,
        budget_file=output / BUDGET_FILE,
        deadline=_deadline(config),
        scenario_workers=config.getoption("--pcc-scenario-workers") or scenario_workers,
        engine_threads=config.getoption("--pcc-engine-threads") or engine_threads,
        on_stop=lambda reason: _write_stop(output, reason),
    )


def _write_stop(output: Path, reason: str) -> None:
    from pinecone_conformance.conformance.gate import write_stop

    write_stop(output, reason)


@pytest.fixture(scope="session")
def conformance_state(request: pytest.FixtureRequest):
    """The run's shared state for this worker: target, document, store, gate."""
    config = request.config
    app = None
    if not config.getoption("--pcc-base-url"):
        from pinecone_conformance.mockserver.app import create_app

        api_key = config.getoption("--pcc-api-key") or os.environ.get("PINECONE_API_KEY") or EMBEDDED_API_KEY
        app = create_app(api_key=api_key, deviations=config.getoption("--pcc-deviation"),
                         profile=config.getoption("--pcc-mock-profile"))
    state = run_state(config, embedded_app=app)
    yield state
    # workers of one run share its prefix: one that ends early must not sweep away another's live resources
    _clean_up(state, sweep=not _is_xdist_worker(config) and not config.getoption("--pcc-part"))
    _write_stats(Path(config.getoption("--pcc-output")), state)


def _clean_up(state, *, sweep: bool) -> list[str]:
    """Delete the run's resources through the gate's unmetered twin; note what is left."""
    from pinecone_conformance.conformance.cleanup import cleanup
    from pinecone_conformance.conformance.session import ApiClient

    if state.config.read_only:
        return []
    client = ApiClient(state, state.cleanup_client())
    try:
        leftovers = cleanup(client, state, sweep=sweep)
    finally:
        client.http.close()
    for leftover in leftovers:
        state.note_error(f"cleanup: could not delete {leftover}")
    return leftovers


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """--pcc-sweep-only: the session runs no test, only the sweep at its end."""
    if getattr(config.option, "pcc_sweep_only", False):
        config.hook.pytest_deselected(items=list(items))
        items[:] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Sweep a real server for prefixed leftovers once every worker is done: under xdist in its
    controller, after the runner's parts (--workers) in a session of its own (--pcc-sweep-only)."""
    config = session.config
    if not hasattr(config.option, "pcc_seed") or not config.getoption("--pcc-base-url") or not (
            _is_xdist_controller(config) or config.getoption("--pcc-sweep-only")):
        return
    state = run_state(config)
    leftovers = _clean_up(state, sweep=True)
    if leftovers:
        print(f"pinecone-conformance: could not delete {', '.join(leftovers)}")
    # the sweep's own state sent nothing through its run gate: only cleanup's requests and errors count
    from pinecone_conformance.core.run_record import RunCounters

    cleanup = state.cleanup_gate.counters.as_dict() if state.cleanup_gate else {}
    RunCounters(cleanup_requests=cleanup.get("sent", 0), errors=list(state.counters.errors)).save(
        Path(config.getoption("--pcc-output")) / "stats-controller.json")


def _client(state):
    from pinecone_conformance.conformance.session import ApiClient

    return ApiClient(state, state.http_client())


@pytest.fixture(scope="session")
def conformance_client(conformance_state):
    client = _client(conformance_state)
    yield client
    client.http.close()


@pytest.fixture(scope="session")
def conformance_schema(conformance_state):
    from pinecone_conformance.conformance.fuzz import build_schema, heap_frozen

    schema = build_schema(conformance_state.raw, conformance_state)
    with heap_frozen():
        yield schema


def _write_stats(output: Path, state) -> None:
    output.mkdir(parents=True, exist_ok=True)
    state.transport_counts().save(output / f"stats-{writer_name()}.json")


def shard_plan(config: pytest.Config, operations: list[str], scenarios: list[str],
               phases: tuple[str, ...] | list[str] = ()) -> dict | None:
    """What this process runs (see :mod:`conformance.shard`): its shard's share (``--pcc-shard``),
    and of that its part (``--pcc-part``, one of the runner's processes), weighed by what the
    selected ``phases`` leave to do; None when the run is neither sharded nor split."""
    from pinecone_conformance.conformance.shard import parse_shard, plan, split

    shard, part = config.getoption("--pcc-shard"), config.getoption("--pcc-part")
    if not shard and not part:
        return None
    share = plan(*parse_shard(shard), operations, scenarios) if shard else \
        {"operations": list(operations), "stateful": True, "scenarios": list(scenarios)}
    if not part:
        return share
    chosen = set(phases) or set(PHASES)
    doing = {"operations": share["operations"] if chosen & set(STATELESS_PHASES) else [],
             "stateful": share["stateful"] and "stateful" in chosen,
             "scenarios": share["scenarios"] if "scenarios" in chosen else []}
    return split(*parse_shard(part), doing)


def selected_operations(config: pytest.Config, all_operations: list[str]) -> list[str]:
    wanted = config.getoption("--pcc-operation")
    return [op for op in all_operations if not wanted or op in wanted]
