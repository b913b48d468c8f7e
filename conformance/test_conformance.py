"""The conformance suite as pytest tests (collected by ``pytest conformance/``).

One test per operation reports Schemathesis's stateless phases on it; one test runs the
state machine along the links; one test per scenario runs a sequence check. The stateless
phases of every operation a process tests run in ONE engine run (started by the first
operation test, :func:`stateless_run`): a run of Schemathesis's engine costs tens of
milliseconds of set-up (its probes, schema analysis, thread pool) whatever it tests, which
once per operation was a sizeable share of a run. Each operation test then reports the
errors found on its own operation. A test fails
when it recorded error findings, and its failure message lists them; every finding,
whatever its severity, is also in the run's store for the reports.

With ``--scenario-workers N`` above 1, the first scenario test of the process starts all of
the process's scenarios in a pool of N threads (:mod:`conformance.concurrency`), and each
scenario test waits for its own and reports its own errors. Under pytest-xdist that needs
``--dist loadgroup`` (one worker then gets every scenario test: they share an ``xdist_group``,
and the plugin's scheduler keeps them together); with any other distribution each scenario
test runs its scenario itself, one at a time.
"""

from __future__ import annotations

import pytest

from pinecone_conformance.conformance.concurrency import SCENARIO_SCOPE
from pinecone_conformance.conformance.plugin import DEVIATIONS_PROPERTY, STATELESS_PHASES
from pinecone_conformance.conformance.scenarios import (
    FOOTPRINTS,
    READ_ONLY_SCENARIOS,
    SCENARIOS,
    run_scenario,
)
from pinecone_conformance.spec.loader import load, operations


def _fail_on_errors(new: list, node=None) -> None:
    """Fail the test with the error findings it recorded (``new``)."""
    if new:
        if node is not None:  # a failure by deviations, not a crash (the runner tells them apart)
            node.user_properties.append((DEVIATIONS_PROPERTY, len(new)))
        lines = "\n".join(f"- [{f.check}] {f.operation}: {f.message}" for f in new[:20])
        more = f"\n... and {len(new) - 20} more" if len(new) > 20 else ""
        pytest.fail(f"{len(new)} contract deviation(s):\n{lines}{more}", pytrace=False)


#: The state machine needs more scenarios than one operation needs cases to walk its links deep.
STATEFUL_SCALE = 3


def _engine_errors(state, schema, operation_ids, phases, max_examples=None) -> tuple[str | None, list]:
    """Run the engine and record every failure it found: (why a phase could not run, or None;
    the error findings recorded meanwhile)."""
    from pinecone_conformance.conformance.fuzz import run_engine

    before = len(state.store_errors())
    result = run_engine(schema, state, operation_ids=operation_ids, phases=phases, max_examples=max_examples)
    for finding in result.findings:
        state.record(finding)
    # Schemathesis may judge responses in threads of its own, so its errors are taken by
    # position; a scenario running meanwhile in the pool is not this run's business
    return result.fatal, [f for f in state.store_errors()[before:] if not _from_a_scenario(f)]


def _fail_if_fatal(fatal: str | None) -> None:
    """A phase Schemathesis could not run fails the test as a crash (the run then cannot pass)."""
    if fatal:
        pytest.fail(f"Schemathesis could not run: {fatal}", pytrace=False)


def _run_schemathesis(state, schema, operation_ids, phases, node, max_examples=None) -> None:
    """Run the engine, record every failure it found, fail the test on new errors."""
    fatal, errors = _engine_errors(state, schema, operation_ids, phases, max_examples)
    _fail_if_fatal(fatal)
    _fail_on_errors(errors, node)


def _from_a_scenario(finding) -> bool:
    details = finding.details or {}
    return "scenario" in details or details.get("via") == "scenario"


_OPERATIONS = pytest.StashKey[dict]()


def _contract_operations(config: pytest.Config) -> dict:
    """The document's operations, read once per session (this hook runs for every test
    function of the module, and a load copies the whole document)."""
    if _OPERATIONS not in config.stash:
        config.stash[_OPERATIONS] = operations(load(config.getoption("--pcc-spec"), validate=False).raw)
    return config.stash[_OPERATIONS]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from pinecone_conformance.conformance.plugin import selected_operations, shard_plan

    config = metafunc.config
    read_only = config.getoption("--pcc-read-only")
    contract = _contract_operations(config)
    chosen = [op for op in selected_operations(config, list(contract))
              if not read_only or contract[op].method.lower() == "get"]
    wanted = set(config.getoption("--pcc-operation"))
    names = [name for name, (_, ops) in SCENARIOS.items() if not wanted or not ops or wanted & set(ops)]
    names = [n for n in names if not read_only or n in READ_ONLY_SCENARIOS]
    part = shard_plan(config, chosen, names, config.getoption("--pcc-phase"))
    if part is not None:  # this shard's share; the other shards run the rest
        chosen = [op for op in chosen if op in part["operations"]]
        names = [n for n in names if n in part["scenarios"]]
    if "operation_id" in metafunc.fixturenames:
        metafunc.parametrize("operation_id", chosen)
    if "scenario" in metafunc.fixturenames:
        metafunc.parametrize("scenario", [pytest.param(name, marks=pytest.mark.xdist_group(SCENARIO_SCOPE))
                                          for name in names])
    if "stateful_part" in metafunc.fixturenames:
        metafunc.parametrize("stateful_part", ["stateful"] if part is None or part["stateful"] else [])


def _phases(config, default):
    chosen = config.getoption("--pcc-phase")
    return [phase for phase in default if not chosen or phase in chosen]


class StatelessRun:
    """Schemathesis's stateless phases over ``operation_ids`` in one engine run, run when the
    first operation test asks; then each operation's errors, by the operation they name."""

    def __init__(self, state, schema, operation_ids: list[str], phases: list[str]):
        self.state, self.schema, self.operation_ids, self.phases = state, schema, operation_ids, phases
        self.fatal: str | None = None
        self.errors: dict[str | None, list] | None = None
        self.crash: Exception | None = None

    def outcome(self, operation_id: str) -> list:
        """The error findings on ``operation_id``; the first call runs the engine, and its
        caller also gets the errors that name no operation of this run (a request without an
        operation, say), so that each error fails exactly one test."""
        if self.crash is not None:  # the run is not started again for each of the other tests
            raise RuntimeError(f"the engine run crashed in an earlier test: {self.crash!r}") from self.crash
        if self.errors is None:
            try:
                self.fatal, errors = _engine_errors(self.state, self.schema, self.operation_ids, self.phases)
            except Exception as crash:
                self.crash = crash
                raise
            self.errors = {}
            for finding in errors:
                key = finding.operation if finding.operation in self.operation_ids else None
                self.errors.setdefault(key, []).append(finding)
            return self.errors.pop(None, []) + self.errors.pop(operation_id, [])
        return self.errors.pop(operation_id, [])


def _operations_of_this_process(session: pytest.Session) -> list[str]:
    return [item.callspec.params["operation_id"] for item in session.items
            if getattr(item, "originalname", None) == "test_operation" and hasattr(item, "callspec")]


@pytest.fixture(scope="session")
def process_stateless_run(request, conformance_state, conformance_schema) -> StatelessRun | None:
    """The one engine run of this process's operation tests (see :class:`StatelessRun`); None
    on a pytest-xdist worker, which collects every test but is handed its share one at a time
    (it cannot know its operations in advance)."""
    if hasattr(request.config, "workerinput"):
        return None
    return StatelessRun(conformance_state, conformance_schema, _operations_of_this_process(request.session),
                        _phases(request.config, STATELESS_PHASES))


@pytest.fixture
def stateless_run(process_stateless_run, operation_id, conformance_state, conformance_schema, request) -> StatelessRun:
    """The engine run this operation test reports: the process's, or (on an xdist worker) its own."""
    if process_stateless_run is not None:
        return process_stateless_run
    return StatelessRun(conformance_state, conformance_schema, [operation_id], _phases(request.config, STATELESS_PHASES))


def test_operation(operation_id, stateless_run, request):
    """Schemathesis examples, coverage and fuzzing (positive and negative) on one operation."""
    if not stateless_run.phases:
        pytest.skip("no stateless phase selected")
    errors = stateless_run.outcome(operation_id)
    _fail_if_fatal(stateless_run.fatal)
    _fail_on_errors(errors, request.node)


def test_stateful(stateful_part, conformance_state, conformance_schema, request):
    """The state machine over the document's links plus our overlay."""
    if not _phases(request.config, ("stateful",)):
        pytest.skip("stateful phase not selected")
    if conformance_state.config.read_only:
        pytest.skip("read-only: the state machine creates and deletes")
    _run_schemathesis(conformance_state, conformance_schema, request.config.getoption("--pcc-operation") or None,
                      ["stateful"], request.node, max_examples=conformance_state.config.max_examples * STATEFUL_SCALE)


def _run_one(state, name: str, client) -> list:
    """Run scenario ``name`` in this thread; the error findings this thread recorded meanwhile."""
    from pinecone_conformance.conformance.concurrency import ScenarioStopped

    with state.collecting_errors() as errors:
        try:
            run_scenario(name, client, state)
        except ScenarioStopped as stopped:
            state.note_skip(name, f"not run to its end: {stopped}")
            raise
    return list(errors)


def _scenarios_of_this_process(session: pytest.Session) -> list[str]:
    return [item.callspec.params["scenario"] for item in session.items
            if getattr(item, "originalname", None) == "test_scenario" and hasattr(item, "callspec")]


def _may_pool(config: pytest.Config) -> bool:
    """Whether this process runs every scenario test it collected: always without xdist; on an
    xdist worker only under ``--dist loadgroup`` (otherwise other workers get some of them)."""
    if not hasattr(config, "workerinput"):
        return True
    return bool(getattr(config.option, "loadgroup", False))


@pytest.fixture(scope="session")
def scenario_pool(request, conformance_state, conformance_client):
    """The pool running this process's scenarios side by side, or None (one at a time).

    Torn down before the state (which cleans up): the pool stops, its threads end, then the
    run's resources are deleted."""
    from pinecone_conformance.conformance.concurrency import ScenarioPool

    workers = conformance_state.config.scenario_workers
    names = _scenarios_of_this_process(request.session)
    if workers <= 1 or len(names) < 2 or not _phases(request.config, ("scenarios",)) \
            or not _may_pool(request.config):
        yield None
        return
    pool = ScenarioPool(names, lambda name, client: _run_one(conformance_state, name, client), conformance_client,
                        workers=workers, footprints=FOOTPRINTS).start()
    try:
        yield pool
    finally:
        for name in pool.stop():
            conformance_state.note_skip(name, "not run: the run ended before it started")


def test_scenario(scenario, conformance_state, conformance_client, scenario_pool, request):
    """A sequence check (see conformance/scenarios/)."""
    if not _phases(request.config, ("scenarios",)):
        pytest.skip("scenarios not selected")
    if scenario_pool is None:
        errors = _run_one(conformance_state, scenario, conformance_client)
    else:
        errors = scenario_pool.outcome(scenario)
    _fail_on_errors(errors, request.node)
