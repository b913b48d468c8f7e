"""Safety on a server we do not own: the gate's rules, and whole runs against a loopback server
that already holds other people's resources (named like the document's examples).

A recording ASGI wrapper in front of the mock sees every request the suite sends; the tests
judge what the server saw, not what the suite says it did.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
from pathlib import Path

import anyio
import cli_process
import httpx
import local_http
import pytest

from pinecone_conformance.conformance.gate import (
    BUDGET,
    SKIPPED_STATUS,
    Answer,
    BudgetLedger,
    Gate,
    TransportFailure,
    retry_delay,
)
from pinecone_conformance.conformance.safety import (
    PAID,
    READ_ONLY,
    SAFETY,
    Ownership,
    SafetyPolicy,
    confine_name,
    match,
    refusal,
    routes,
)
from pinecone_conformance.core.asgi import read_body, replaying
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread
from pinecone_conformance.spec.loader import load, operations

KEY = "pcsk_SAFETY_TEST_KEY_0b1c2d"
OPS = operations(load().raw)
POLICY = SafetyPolicy(run_prefix="pcc-abcd1234")
HEADERS = {"Api-Key": KEY, "X-Pinecone-Api-Version": "2026-04"}


def _refusal(method, params=None, body=None, policy=POLICY, operation_id="create_index", ownership=None):
    return refusal(method, params or {}, body, policy, ownership or Ownership(policy), operation_id=operation_id)


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "params", "body", "operation_id", "reason"), [
    ("DELETE", {"index_name": "test-index"}, None, "delete_index", SAFETY),
    ("PATCH", {"index_name": "test-index"}, {"deletion_protection": "disabled"}, "configure_index", SAFETY),
    ("DELETE", {"collection_name": "test-collection"}, None, "delete_collection", SAFETY),
    ("POST", {}, {"name": "movie-recommendations", "dimension": 3}, "create_index", SAFETY),
    ("POST", {}, {"name": "pcc-abcd1234-col", "source": "example-index"}, "create_collection", SAFETY),
    ("POST", {"index_name": "example-index"}, {"name": "nightly"}, "create_backup", SAFETY),
    ("POST", {}, {"name": "pcc-other999-x", "dimension": 3}, "create_index", SAFETY),  # another run's prefix
    ("PUT", {}, None, None, SAFETY),  # undocumented method on a route that names nothing of ours
    ("DELETE", {"index_name": "pcc-abcd1234-idx1"}, None, "delete_index", None),
    ("POST", {}, {"name": "pcc-abcd1234-idx1", "dimension": 3}, "create_index", None),
    ("POST", {}, {"name": "Not A Valid Name!", "dimension": 3}, "create_index", None),  # cannot exist
    ("DELETE", {"index_name": "x" * 46}, None, "delete_index", None),  # too long: cannot exist
    ("POST", {"index_name": "pcc-abcd1234-idx1"}, {"name": "nightly"}, "create_backup", None),  # a label, not a name
    ("GET", {"index_name": "test-index"}, None, "describe_index", None),  # reading is always fine
])
def test_writes_name_only_the_runs_resources_or_impossible_names(method, params, body, operation_id, reason):
    found = _refusal(method, params, body, operation_id=operation_id)
    assert (found[0] if found else None) == reason, found


def test_backup_ids_harvested_from_somebody_elses_index_are_refused():
    ownership = Ownership(POLICY)
    ownership.learn({"data": [{"backup_id": "b-theirs", "source_index_name": "test-index"},
                              {"backup_id": "b-ours", "source_index_name": "pcc-abcd1234-idx1"}]})
    delete = lambda ident: _refusal("DELETE", {"backup_id": ident}, operation_id="delete_backup",  # noqa: E731
                                    ownership=ownership)
    assert delete("b-theirs")[0] == SAFETY
    assert delete("b-ours") is None
    assert delete("0f0e0d0c-never-shown") is None  # generated: it cannot name an existing backup


def test_read_only_refuses_every_method_but_get():
    policy = SafetyPolicy(run_prefix="pcc-abcd1234", read_only=True)
    for method in ("POST", "PATCH", "DELETE", "PUT", "OPTIONS", "TRACE"):
        assert _refusal(method, {"index_name": "pcc-abcd1234-x"}, policy=policy)[0] == READ_ONLY
    assert _refusal("GET", {}, policy=policy, operation_id="list_indexes") is None


@pytest.mark.parametrize(("operation_id", "body"), [
    ("create_index", {"name": "pcc-abcd1234-p", "dimension": 2, "spec": {"pod": {"environment": "us-east-1-aws"}}}),
    ("configure_index", {"spec": {"pod": {"replicas": 2}}}),
    ("create_index", {"name": "pcc-abcd1234-d", "dimension": 2, "spec": {"serverless": {
        "cloud": "aws", "region": "us-east-1", "read_capacity": {"mode": "Dedicated"}}}}),
])
def test_billed_extras_need_permission(operation_id, body):
    policy = SafetyPolicy(run_prefix="pcc-abcd1234", allow_paid=False)
    params = {"index_name": "pcc-abcd1234-p"} if operation_id == "configure_index" else {}
    method = "PATCH" if operation_id == "configure_index" else "POST"
    assert _refusal(method, params, body, policy=policy, operation_id=operation_id)[0] == PAID
    assert _refusal(method, params, body, operation_id=operation_id) is None  # allowed by default (loopback)


def test_confined_names_stay_valid_and_ours():
    assert confine_name("test-index", POLICY) == "pcc-abcd1234-test-index"
    long = confine_name("a" * 45, POLICY)
    assert long.startswith("pcc-abcd1234-") and len(long) <= 45 and not long.endswith("-")
    assert confine_name("Bad_Name", POLICY) == "Bad_Name"  # invalid names stay invalid: they test the rule
    assert confine_name("pcc-abcd1234-x", POLICY) == "pcc-abcd1234-x"


def test_routes_find_the_operation_and_its_names():
    table = routes(OPS)
    assert match(table, "DELETE", "/indexes/test-index") == ("delete_index", {"index_name": "test-index"})
    assert match(table, "PUT", "/indexes/test-index") == (None, {"index_name": "test-index"})
    assert match(table, "POST", "/backups/abc/create-index") == (
        "create_index_from_backup_operation", {"backup_id": "abc"})


# --- the gate's limits ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("2", 2.0), ("0", 0.0), ("-5", 0.0), ("1000", 30.0), (None, 0.1), ("soon", 0.1),
    ("Wed, 21 Oct 2015 07:28:03 GMT", 3.0),
])
def test_retry_after_in_both_forms(value, expected):
    now = 1445412480.0  # 07:28:00 GMT on that day
    assert retry_delay(value, 0, now=now) == pytest.approx(expected)


def _take_many(path: str, count: int, queue) -> None:
    ledger = BudgetLedger(Path(path), 50)
    queue.put(sum(ledger.take() for _ in range(count)))


def test_the_budget_is_one_cap_across_processes(tmp_path):
    queue = multiprocessing.get_context("spawn").Queue()
    workers = [multiprocessing.get_context("spawn").Process(target=_take_many, args=(str(tmp_path / "b"), 40, queue))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    granted = sum(queue.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert granted == 50
    assert BudgetLedger(tmp_path / "b", 50).exhausted


class _Flaky:
    """An upstream that fails the first ``failures`` calls (503, or no answer), then answers 200."""

    def __init__(self, failures: int, how: str):
        self.failures, self.how, self.calls = failures, how, 0

    async def send(self, method, raw_path, query, headers, body):
        self.calls += 1
        if self.calls <= self.failures:
            if self.how == "reset":
                raise TransportFailure("connection reset")
            return Answer(503, [(b"retry-after", b"0")], b"{}")
        return Answer(200, [(b"content-type", b"application/json")], b'{"indexes": []}')


def _gate(upstream, **kwargs) -> Gate:
    return Gate(upstream, policy=POLICY, operations=OPS, ledger=kwargs.pop("ledger", BudgetLedger(None, None)),
                sleep=lambda seconds: None, **kwargs)


@pytest.mark.parametrize("how", ["503", "reset"])
def test_transient_faults_are_retried_a_bounded_number_of_times(how):
    upstream = _Flaky(2, how)
    gate = _gate(upstream)
    answer = anyio.run(gate.pass_through, "GET", b"/indexes", b"", [], b"")
    assert answer.status == 200 and upstream.calls == 3 and gate.counters.retried == 2
    hopeless = _Flaky(100, how)
    gate = _gate(hopeless)
    if how == "reset":
        with pytest.raises(TransportFailure):
            anyio.run(gate.pass_through, "GET", b"/indexes", b"", [], b"")
    else:
        assert anyio.run(gate.pass_through, "GET", b"/indexes", b"", [], b"").status == 503
    assert hopeless.calls == 4  # one try and three retries, then the outcome stands


def test_retries_count_against_the_budget():
    gate = _gate(_Flaky(100, "503"), ledger=BudgetLedger(None, 2))
    assert anyio.run(gate.pass_through, "GET", b"/indexes", b"", [], b"").status == 503
    skipped = anyio.run(gate.pass_through, "GET", b"/indexes", b"", [], b"")
    assert skipped.status == SKIPPED_STATUS and gate.counters.skipped[BUDGET] == 1 and gate.counters.sent == 2


def test_a_sustained_outage_stops_the_run():
    stops = []
    gate = _gate(_Flaky(10_000, "reset"), on_stop=stops.append)
    for _ in range(25):
        try:
            anyio.run(gate.pass_through, "GET", b"/indexes", b"", [], b"")
        except TransportFailure:
            pass
    assert len(stops) == 1 and "looks down" in stops[0]
    assert gate.counters.skipped["outage"] == 5  # once stopped, nothing more is sent


# --- whole runs against a server holding other people's resources ---------------------------------


class Recorder:
    """ASGI wrapper: remembers (method, path, body) of every request, then lets the mock answer."""

    def __init__(self, app):
        self.app, self.seen = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        self.seen.append((scope["method"], scope["path"], body))
        await self.app(scope, replaying(body), send)


def _bystanders(base_url: str) -> dict:
    """Other people's resources, named like the document's examples; returns their describes."""
    client = local_http.Client(base_url=base_url, headers=HEADERS)
    serverless = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
    for body in ({"name": "test-index", "dimension": 8, "spec": serverless, "deletion_protection": "disabled",
                  "tags": {"owner": "somebody"}},
                 {"name": "movie-recommendations", "dimension": 8, "spec": serverless},
                 {"name": "example-index", "dimension": 8, "spec": {"pod": {"environment": "us-east-1-aws",
                                                                            "pod_type": "p1.x1", "pods": 1}}}):
        assert client.post("/indexes", json=body).status_code == 201
    assert client.post("/collections", json={"name": "test-collection", "source": "example-index"}).status_code == 201
    backup = client.post("/indexes/test-index/backups", json={"name": "theirs"})
    assert backup.status_code in (200, 201), backup.text
    return _snapshot(client)


def _snapshot(client: httpx.Client) -> dict:
    indexes = {i["name"]: {k: i.get(k) for k in ("dimension", "tags", "deletion_protection", "spec")}
               for i in client.get("/indexes").json()["indexes"]}
    collections = sorted(c["name"] for c in client.get("/collections").json()["collections"])
    backups = sorted((b["backup_id"], b["source_index_name"]) for b in client.get("/backups").json()["data"])
    return {"indexes": indexes, "collections": collections, "backups": backups}


def _run(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return cli_process.run(["run", *args, "--no-progress"], timeout=timeout)


def _names_in(method: str, path: str, body: bytes) -> list[str]:
    operation_id, params = match(routes(OPS), method, path)
    names = [params[k] for k in ("index_name", "collection_name") if k in params]
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        from pinecone_conformance.conformance.safety import body_name_fields

        names += [data[k] for k in body_name_fields(operation_id) if isinstance(data.get(k), str)]
    return names


@pytest.mark.slow
def test_a_full_default_run_writes_to_nothing_it_did_not_create(tmp_path):
    """The issue's bar: bystanders named like the document's examples; a full default run; the
    server saw no write naming any of them, they are unchanged, and nothing is left over."""
    from pinecone_conformance.core.domain import is_valid_name

    recorder = Recorder(create_app(api_key=KEY))
    with serve_in_thread(recorder) as base_url:
        before = _bystanders(base_url)
        bystander_backups = {ident for ident, _ in before["backups"]}
        recorder.seen.clear()
        done = _run("--base-url", base_url, "--api-key", KEY, "--seed", "21", "--wait", "2", "-o", str(tmp_path))
        after = _snapshot(local_http.Client(base_url=base_url, headers=HEADERS))
    record = json.loads((tmp_path / "run.json").read_text())
    assert done.returncode in (0, 1), done.stderr[-3000:]
    prefix = f"pcc-{record['run_id']}-"
    writes = [(m, p, b) for m, p, b in recorder.seen if m not in ("GET", "HEAD", "OPTIONS", "TRACE", "QUERY")]
    assert len(writes) > 100  # the run really wrote (to its own resources)
    for method, path, body in writes:
        for name in _names_in(method, path, body):
            assert name.startswith(prefix) or not is_valid_name(name), (method, path, body[:200])
        assert not any(ident in path for ident in bystander_backups), (method, path)
    assert after == before  # every bystander is there, unchanged, and nothing else is
    assert record["skipped"].get("safety", 0) >= 0
    for path in tmp_path.rglob("*"):  # the key is written nowhere (tests/test_key_leak.py: even when echoed)
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path
    assert KEY not in done.stdout + done.stderr


@pytest.mark.slow
def test_read_only_sends_nothing_but_get(tmp_path):
    recorder = Recorder(create_app(api_key=KEY))
    with serve_in_thread(recorder) as base_url:
        before = _bystanders(base_url)
        recorder.seen.clear()
        done = _run("--base-url", base_url, "--api-key", KEY, "--seed", "22", "--read-only", "--max-examples", "3",
                    "-o", str(tmp_path))
        after = _snapshot(local_http.Client(base_url=base_url, headers=HEADERS))
    assert done.returncode in (0, 1), done.stderr[-3000:]
    methods = {method for method, _, _ in recorder.seen}
    assert methods == {"GET"}, methods
    assert len(recorder.seen) > 50
    assert after == before
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["options"]["read_only"] is True and set(record["methods"]) == {"GET"}


@pytest.mark.slow
def test_the_budget_holds_across_workers(tmp_path):
    recorder = Recorder(create_app(api_key=KEY))
    with serve_in_thread(recorder) as base_url:
        done = _run("--base-url", base_url, "--api-key", KEY, "--seed", "23", "--workers", "2", "--budget", "60",
                    "--wait", "1", "-o", str(tmp_path))
    record = json.loads((tmp_path / "run.json").read_text())
    assert done.returncode == 2, done.stderr[-2000:]  # cut short: never a pass
    assert "INCOMPLETE" in done.stderr and "budget" in record["incomplete"]
    preflight = 1
    assert record["requests_total"] <= 60
    assert len(recorder.seen) - record["cleanup_requests"] - preflight <= 60
    summary = (tmp_path / "summary.md").read_text()
    assert "PASS" not in summary.split("\n", 3)[0:3].__str__()


@pytest.mark.parametrize("bad", [
    ["--base-url", "http://[::1", "--api-key", "k"],
    ["--base-url", "http://", "--api-key", "k"],
    ["--run-id", "Not_Valid"],
    ["--run-id", "ab"],
    ["--budget", "0"],
    ["--max-time", "-1"],
    ["--operation", "no_such_operation"],
    ["--phase", "fuzzin"],
])
def test_bad_flags_are_one_line_and_exit_2(bad, tmp_path):
    done = _run(*bad, "-o", str(tmp_path), timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and "error" in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_an_output_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    done = _run("-o", str(target), timeout=120)
    assert done.returncode == 2 and "is a file" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_run_id_is_on_disk_before_the_first_request(tmp_path):
    """What cleanup needs after a crash: run.json with run id and target, before anything is sent."""
    seen_first = {}

    async def first_request_reads_the_record(scope, receive, send):
        if scope["type"] == "http" and not seen_first:
            record = tmp_path / "run.json"
            seen_first["record"] = json.loads(record.read_text()) if record.exists() else None
        await inner(scope, receive, send)

    inner = create_app(api_key=KEY)
    with serve_in_thread(first_request_reads_the_record) as base_url:
        _run("--base-url", base_url, "--api-key", KEY, "--seed", "24", "--operation", "list_indexes",
             "--max-examples", "1", "--phase", "examples", "-o", str(tmp_path), timeout=300)
    assert seen_first["record"] is not None
    assert seen_first["record"]["target"] == base_url and len(seen_first["record"]["run_id"]) >= 4


#: Every phase but coverage: its ~420 bodies for create_index doubled the requests, and so the
#: 429s the run must sleep out, and meet the faults no differently than the generated ones.
FAULTED_PHASES = ("--phase", "examples", "--phase", "fuzzing", "--phase", "stateful", "--phase", "scenarios")


@pytest.mark.slow
def test_a_run_through_injected_faults_ends_cleanly(tmp_path):
    """429 (with Retry-After), 503, latency and dropped connections in front of the mock: the run
    ends without a crash, every fault is retried or reported (never a traceback), the budget
    holds, throttling is never a contract finding, and cleanup leaves nothing of the run behind."""
    from pinecone_conformance.core.findings import FindingStore
    from pinecone_conformance.mockserver.faults import Fault, FaultPlan

    # Each 429 makes the run wait its Retry-After (0 to 1 s): at 20 % of the requests the run
    # slept for about 90 s; at 2 % (of ~400 requests) there are still about a dozen, in both of their forms.
    plan = FaultPlan(faults=(Fault(429, 0.02), Fault(503, 0.05)), latency=0.002, reset=0.01, seed=7)
    app = create_app(api_key=KEY, faults=plan)
    with serve_in_thread(app) as base_url:
        done = _run("--base-url", base_url, "--api-key", KEY, "--seed", "25", "--wait", "2", "--max-examples", "3",
                    "--budget", "500", "--operation", "create_index", "--operation", "describe_index",
                    "--operation", "list_indexes", "--operation", "delete_index", *FAULTED_PHASES, "-o", str(tmp_path))
        clean = local_http.Client(base_url=base_url, headers=HEADERS, transport=httpx.HTTPTransport(retries=3))
        leftovers = []
        for _ in range(20):  # the listing itself may meet a fault
            reply = clean.get("/indexes")
            if reply.status_code == 200:
                leftovers = [i["name"] for i in reply.json()["indexes"]]
                break
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode in (0, 1, 2), done.stderr[-2000:]
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["retried"] > 0 and record["throttled"] > 0
    assert record["requests_total"] <= 500
    found = FindingStore(tmp_path / "findings").all()
    assert [(f.check, f.severity) for f in found if f.status == 429 and f.check != "throttled"] == []
    assert {f.severity for f in found if f.check == "throttled"} <= {"note"}  # throttling is only ever a note
    assert len(json.loads((tmp_path / "findings.json").read_text())["findings"]) == len(found)  # nothing lost
    assert leftovers == []
    if done.returncode == 2:  # only a real stop may end it so: the record says which
        assert record["incomplete"] or record["errors"]


def test_a_429_that_outlives_its_retries_is_a_throttling_note(tmp_path):
    from pinecone_conformance.conformance.session import ApiClient, RunState, Target
    from pinecone_conformance.core.findings import FindingStore

    async def always_throttled(scope, receive, send):
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", b"0")]})
        await send({"type": "http.response.body", "body": b'{"error":{"code":"RESOURCE_EXHAUSTED","message":"slow"},'
                                                          b'"status":429}'})

    state = RunState(target=Target("http://throttled", KEY, app=always_throttled), raw=load().raw,
                     store=FindingStore(tmp_path), seed=1, prefix="pcc-abcd1234")
    client = ApiClient(state, state.http_client())
    try:
        reply = client.call("list_indexes")
    finally:
        client.http.close()
    assert reply.status == 429 and state.gate.counters.throttled == 6  # one try and five retries
    assert [(f.check, f.severity, f.kind) for f in state.store] == [("throttled", "note", "throttling")]
