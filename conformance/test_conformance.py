"""The conformance suite as pytest tests (collected by ``pytest conformance/``).

One test per operation runs Schemathesis's stateless phases on it; one test runs the
state machine along the links; one test per scenario runs a sequence check. A test fails
when it recorded error findings, and its failure message lists them; every finding,
whatever its severity, is also in the run's store for the reports.
"""

from __future__ import annotations

import pytest

from conformance.plugin import DEVIATIONS_PROPERTY
from conformance.scenarios import READ_ONLY_SCENARIOS, SCENARIOS, run_scenario
from spec.loader import load, operations

STATELESS_PHASES = ("examples", "coverage", "fuzzing")


def _fail_on_errors(state, before: int, node=None) -> None:
    new = state.store_errors()[before:]
    if new:
        if node is not None:  # a failure by deviations, not a crash (the runner tells them apart)
            node.user_properties.append((DEVIATIONS_PROPERTY, len(new)))
        lines = "\n".join(f"- [{f.check}] {f.operation}: {f.message}" for f in new[:20])
        more = f"\n... and {len(new) - 20} more" if len(new) > 20 else ""
        pytest.fail(f"{len(new)} contract deviation(s):\n{lines}{more}", pytrace=False)


#: The state machine needs more scenarios than one operation needs cases to walk its links deep.
STATEFUL_SCALE = 3


def _run_schemathesis(state, schema, operation_ids, phases, node, max_examples=None) -> None:
    """Run the engine, record every failure it found, fail the test on new errors.

    A phase Schemathesis could not run fails the test as a crash (the run then cannot pass)."""
    from conformance.fuzz import run_engine

    before = len(state.store_errors())
    result = run_engine(schema, state, operation_ids=operation_ids, phases=phases, max_examples=max_examples)
    for finding in result.findings:
        state.record(finding)
    if result.fatal:
        pytest.fail(f"Schemathesis could not run: {result.fatal}", pytrace=False)
    _fail_on_errors(state, before, node)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from conformance.plugin import selected_operations, shard_plan

    config = metafunc.config
    read_only = config.getoption("--pcc-read-only")
    contract = operations(load(config.getoption("--pcc-spec"), validate=False).raw)
    chosen = [op for op in selected_operations(config, list(contract))
              if not read_only or contract[op].method.lower() == "get"]
    wanted = set(config.getoption("--pcc-operation"))
    names = [name for name, (_, ops) in SCENARIOS.items() if not wanted or not ops or wanted & set(ops)]
    names = [n for n in names if not read_only or n in READ_ONLY_SCENARIOS]
    part = shard_plan(config, chosen, names)
    if part is not None:  # this shard's share; the other shards run the rest
        chosen = [op for op in chosen if op in part["operations"]]
        names = [n for n in names if n in part["scenarios"]]
    if "operation_id" in metafunc.fixturenames:
        metafunc.parametrize("operation_id", chosen)
    if "scenario" in metafunc.fixturenames:
        metafunc.parametrize("scenario", names)
    if "stateful_part" in metafunc.fixturenames:
        metafunc.parametrize("stateful_part", ["stateful"] if part is None or part["stateful"] else [])


def _phases(config, default):
    chosen = config.getoption("--pcc-phase")
    return [phase for phase in default if not chosen or phase in chosen]


def test_operation(operation_id, conformance_state, conformance_schema, request):
    """Schemathesis examples, coverage and fuzzing (positive and negative) on one operation."""
    phases = _phases(request.config, STATELESS_PHASES)
    if not phases:
        pytest.skip("no stateless phase selected")
    _run_schemathesis(conformance_state, conformance_schema, [operation_id], phases, request.node)


def test_stateful(stateful_part, conformance_state, conformance_schema, request):
    """The state machine over the document's links plus our overlay."""
    if not _phases(request.config, ("stateful",)):
        pytest.skip("stateful phase not selected")
    if conformance_state.read_only:
        pytest.skip("read-only: the state machine creates and deletes")
    _run_schemathesis(conformance_state, conformance_schema, request.config.getoption("--pcc-operation") or None,
                      ["stateful"], request.node, max_examples=conformance_state.max_examples * STATEFUL_SCALE)


def test_scenario(scenario, conformance_state, conformance_client, request):
    """A sequence check (see conformance/scenarios/)."""
    if not _phases(request.config, ("scenarios",)):
        pytest.skip("scenarios not selected")
    before = len(conformance_state.store_errors())
    run_scenario(scenario, conformance_client, conformance_state)
    _fail_on_errors(conformance_state, before, request.node)
