"""pytest plugin: the suite's options and fixtures.

``pytest conformance/ --base-url URL --api-key KEY`` runs the suite as plain pytest (with
``-n auto`` under pytest-xdist too); ``pinecone-conformance run`` wraps the same thing and
turns the findings into reports. Without ``--base-url`` the target is the embedded mock,
called in process.

Each worker writes its findings to its own file of the store and its coverage counts to
``stats-<worker>.json``, so parallel workers neither lose nor duplicate anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest

from core.findings import FindingStore, writer_name
from core.run_record import FINDINGS_DIR

EMBEDDED_API_KEY = "embedded-mock-key"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pinecone-conformance")
    group.addoption("--base-url", default=None, help="server to test (default: the embedded mock)")
    group.addoption("--api-key", default=None, help="API key (default: $PINECONE_API_KEY)")
    group.addoption("--spec", default="2026-04", help="bundled version or path of the contract")
    group.addoption("--pcc-seed", type=int, default=None, help="seed of the run")
    group.addoption("--max-examples", type=int, default=None, help="generated cases per operation and mode")
    group.addoption("--pcc-output", default="conformance-report", help="directory for findings")
    group.addoption("--deviation", action="append", default=[], help="seeded deviation of the embedded mock")
    group.addoption("--wait", type=float, default=None, help="deadline in seconds for eventual effects")
    group.addoption("--budget", type=int, default=None, help="request budget per worker")
    group.addoption("--run-id", default=None, help="name prefix of created resources")
    group.addoption("--pcc-operation", action="append", default=[], help="only these operations")
    group.addoption("--pcc-check", action="append", default=[], help="only these checks")
    group.addoption("--pcc-phase", action="append", default=[], help="only these Schemathesis phases")


def run_id_for(seed: int) -> str:
    """The run id derives from the seed, so a rerun with the same seed is the same run."""
    return hashlib.sha256(str(seed).encode()).hexdigest()[:6]


def pytest_configure(config: pytest.Config) -> None:
    """Fix the seed before xdist starts its workers, so they share it (and the name prefix)."""
    if not _is_xdist_worker(config) and hasattr(config.option, "pcc_seed"):
        _seed(config)


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _is_xdist_controller(config: pytest.Config) -> bool:
    return not _is_xdist_worker(config) and bool(getattr(config.option, "numprocesses", None))


def _seed(config: pytest.Config) -> int:
    seed = config.getoption("--pcc-seed")
    if seed is None:
        seed = int(os.environ.get("PCC_SEED", "0")) or random.SystemRandom().randrange(1, 2**31)
        os.environ["PCC_SEED"] = str(seed)  # xdist workers inherit it: one seed per run
    return seed


@pytest.fixture(scope="session")
def conformance_state(request: pytest.FixtureRequest):
    """The run's shared state for this worker: target, document, store, budget."""
    from conformance.session import EMBEDDED_BASE_URL, RunState, Target
    from spec.loader import load

    config = request.config
    seed = _seed(config)
    base_url = config.getoption("--base-url")
    api_key = config.getoption("--api-key") or os.environ.get("PINECONE_API_KEY")
    if base_url:
        target = Target(base_url=base_url.rstrip("/"), api_key=api_key)
        wait, interval, max_examples = 120.0, 5.0, 5
    else:
        from mockserver.app import create_app

        api_key = api_key or EMBEDDED_API_KEY
        app = create_app(api_key=api_key, deviations=config.getoption("--deviation"))
        target = Target(base_url=EMBEDDED_BASE_URL, api_key=api_key, app=app)
        wait, interval, max_examples = 1.0, 0.05, 10
    document = load(config.getoption("--spec"))
    output = Path(config.getoption("--pcc-output"))
    run_id = config.getoption("--run-id") or run_id_for(seed)
    state = RunState(
        target=target,
        raw=document.raw,
        store=FindingStore(output / FINDINGS_DIR),
        seed=seed,
        prefix=f"pcc-{run_id}",
        api_version=document.version or "2026-04",
        max_examples=config.getoption("--max-examples") or max_examples,
        wait=config.getoption("--wait") if config.getoption("--wait") is not None else wait,
        poll_interval=interval,
        budget=config.getoption("--budget"),
        selected_checks=frozenset(config.getoption("--pcc-check")),
    )
    client = _client(state)
    yield state
    from conformance.cleanup import cleanup

    for leftover in cleanup(client, state, sweep=not _is_xdist_worker(config)):
        state.note_error(f"cleanup: could not delete {leftover}")
    client.http.close()
    _write_stats(output, state)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under xdist, sweep a real server for prefixed leftovers once every worker is done."""
    config = session.config
    if not _is_xdist_controller(config) or not config.getoption("--base-url"):
        return
    from conformance.cleanup import cleanup
    from conformance.session import RunState, Target
    from spec.loader import load

    seed = _seed(config)
    state = RunState(
        target=Target(base_url=config.getoption("--base-url").rstrip("/"),
                      api_key=config.getoption("--api-key") or os.environ.get("PINECONE_API_KEY")),
        raw=load(config.getoption("--spec")).raw,
        store=FindingStore(Path(config.getoption("--pcc-output")) / FINDINGS_DIR),
        seed=seed,
        prefix=f"pcc-{config.getoption('--run-id') or run_id_for(seed)}",
    )
    client = _client(state)
    try:
        leftovers = cleanup(client, state)
    finally:
        client.http.close()
    if leftovers:
        print(f"pinecone-conformance: could not delete {', '.join(leftovers)}")


def _client(state):
    from conformance.session import ApiClient

    return ApiClient(state, state.target.http_client())


@pytest.fixture(scope="session")
def conformance_client(conformance_state):
    client = _client(conformance_state)
    yield client
    client.http.close()


@pytest.fixture(scope="session")
def conformance_schema(conformance_state):
    from conformance.fuzz import build_schema

    return build_schema(conformance_state.raw, conformance_state)


def _write_stats(output: Path, state) -> None:
    output.mkdir(parents=True, exist_ok=True)
    stats = {
        "requests_total": state.requests_total,
        "throttled": state.throttled,
        "observed_statuses": {op: dict(counts) for op, counts in state.observed_statuses.items()},
        "checks_run": {op: sorted(checks) for op, checks in state.checks_run.items()},
        "links_followed": dict(state.links_followed),
        "errors": state.errors,
        "seed": state.seed,
        "run_id": state.prefix,
    }
    (output / f"stats-{writer_name()}.json").write_text(json.dumps(stats, indent=1), encoding="utf-8")


def selected_operations(config: pytest.Config, all_operations: list[str]) -> list[str]:
    wanted = config.getoption("--pcc-operation")
    return [op for op in all_operations if not wanted or op in wanted]
