"""``pinecone-conformance cleanup``: deletes a run's pcc- resources (or every run's), never a bystander's.

Every test talks to the mock over a loopback socket, pre-loaded over HTTP with bystanders
named like the document's examples and with the resources of two runs; a recording wrapper
shows which requests the server saw. The last test kills a real run with SIGKILL and cleans
up after it from its output directory.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time

import cli_process
import httpx
import local_http
import pytest

from pinecone_conformance.conformance import cli
from pinecone_conformance.conformance.cleanup import clean_prefix
from pinecone_conformance.conformance.session import ApiClient, RunState, Target
from pinecone_conformance.core.findings import FindingStore
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread
from pinecone_conformance.mockserver.settings import ManualClock, MockSettings
from pinecone_conformance.mockserver.testing import pod, serverless
from pinecone_conformance.spec.loader import load

KEY = "pcsk_CLEANUP_TEST_KEY_5d21"
HEADERS = {"Api-Key": KEY, "X-Pinecone-Api-Version": "2026-04"}
RUN_A, RUN_B = "aaaa11", "bbbb22"
BYSTANDER_INDEXES = ("test-index", "example-index", "movie-recommendations", "pcc")
#: A third run, whose id starts with run A's: run A's cleanup must not take it.
OTHER_RUN_INDEX = "pcc-aaaa111-idx1"


class Recording:
    """An ASGI wrapper that records (method, path, status) of every request the mock answers."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, str, int]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def recording_send(message):
            if message["type"] == "http.response.start":
                self.seen.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, recording_send)

    def methods(self) -> set[str]:
        return {method for method, _, _ in self.seen}


class HeldDeletes:
    """An ASGI wrapper that keeps every DELETE waiting while ``hold`` is set.

    On a fast machine a run can create a resource and delete it again between two looks of
    the test, which then kills a run that holds nothing; held deletes make what the run
    created outlive the kill on any machine."""

    def __init__(self, app):
        self.app = app
        self.hold = threading.Event()

    async def __call__(self, scope, receive, send):
        while scope["type"] == "http" and scope["method"] == "DELETE" and self.hold.is_set():
            await asyncio.sleep(0.01)
        await self.app(scope, receive, send)


def _ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201, 202), (response.request.url, response.status_code, response.text)
    return response.json() if response.content else {}


def _wait_ready(http: httpx.Client, path: str, field: str, ready: str = "Ready", timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        body = http.get(path).json()
        state = body.get("status", {}).get("state") if field == "state" else body.get("status")
        if state == ready or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def preload(http: httpx.Client) -> dict:
    """Bystanders like the document's examples, and the resources of runs ``aaaa11`` and ``bbbb22``."""
    _ok(http.post("/indexes", json=serverless("test-index", deletion_protection="enabled")))
    _ok(http.post("/indexes", json=pod("example-index")))
    _ok(http.post("/indexes", json=serverless("movie-recommendations", tags={"owner": "someone"})))
    _ok(http.post("/indexes", json=serverless("pcc")))  # the tool's word, not its prefix
    _ok(http.post("/indexes", json=serverless(OTHER_RUN_INDEX)))
    _wait_ready(http, "/indexes/example-index", "state")
    _ok(http.post("/collections", json={"name": "test-collection", "source": "example-index"}))
    bystander_backup = _ok(http.post("/indexes/movie-recommendations/backups", json={"name": "nightly"}))
    # Named like ours, but of a bystander's index: a backup is ours by its source, never by its name.
    lookalike = _ok(http.post("/indexes/test-index/backups", json={"name": f"pcc-{RUN_A}-lookalike"}))
    for run in (RUN_A, RUN_B):
        _ok(http.post("/indexes", json=serverless(f"pcc-{run}-idx1", deletion_protection="enabled")))
        _ok(http.post("/indexes", json=pod(f"pcc-{run}-pod1")))
        _ok(http.post(f"/indexes/pcc-{run}-idx1/backups", json={"name": f"pcc-{run}-bak1"}))
    _wait_ready(http, f"/indexes/pcc-{RUN_A}-pod1", "state")
    _ok(http.post("/collections", json={"name": f"pcc-{RUN_A}-col1", "source": f"pcc-{RUN_A}-pod1"}))
    return {"bystander_backups": {bystander_backup["backup_id"], lookalike["backup_id"]}}


def snapshot(http: httpx.Client) -> dict:
    """Everything the server holds, by kind and name (backups by id), as it lists it."""
    backups: list[dict] = []
    token = None
    while True:
        page = http.get("/backups", params={"limit": 100, **({"paginationToken": token} if token else {})}).json()
        backups += page["data"]
        token = (page.get("pagination") or {}).get("next")
        if not token:
            break
    return {
        "indexes": {i["name"]: i for i in http.get("/indexes").json()["indexes"]},
        "collections": {c["name"]: c for c in http.get("/collections").json()["collections"]},
        "backups": {b["backup_id"]: b for b in backups},
    }


def bystanders(shot: dict, bystander_backups: set[str]) -> dict:
    """The part of a snapshot that belongs to nobody's run, without fields that move with time."""
    def still(item: dict) -> dict:
        return {k: v for k, v in item.items() if k not in ("status", "record_count", "size", "vector_count")}

    return {
        "indexes": {n: still(i) for n, i in shot["indexes"].items() if n in BYSTANDER_INDEXES},
        "collections": {n: still(c) for n, c in shot["collections"].items() if n == "test-collection"},
        "backups": {b: still(x) for b, x in shot["backups"].items() if b in bystander_backups},
    }


def of_run(shot: dict, run: str | None) -> list[str]:
    """Names (and backup sources) in a snapshot that belong to ``run`` (None: to any run)."""
    prefix = f"pcc-{run}-" if run else "pcc-"
    names = [f"index {n}" for n in shot["indexes"] if n.startswith(prefix)]
    names += [f"collection {n}" for n in shot["collections"] if n.startswith(prefix)]
    names += [f"backup of {b['source_index_name']}" for b in shot["backups"].values()
              if b["source_index_name"].startswith(prefix)]
    return sorted(names)


@pytest.fixture
def server():
    recording = Recording(create_app(api_key=KEY))
    with serve_in_thread(recording) as base_url, local_http.Client(base_url=base_url, headers=HEADERS, timeout=10) as http:
        extra = preload(http)
        recording.seen.clear()
        yield base_url, http, recording, extra


def cleanup_cli(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return cli_process.run(["cleanup", *args], timeout=timeout, env=env)


def test_run_scoped_cleanup_deletes_that_run_and_nothing_else(server):
    base_url, http, recording, extra = server
    before = snapshot(http)
    assert len(of_run(before, RUN_A)) == 4 and len(of_run(before, RUN_B)) == 3
    done = cleanup_cli("--base-url", base_url, "--api-key", KEY, "--run-id", RUN_A)
    after = snapshot(http)
    assert done.returncode == 0, done.stdout + done.stderr
    assert of_run(after, RUN_A) == []
    assert of_run(after, RUN_B) == of_run(before, RUN_B)  # the other runs are not swept
    assert OTHER_RUN_INDEX in after["indexes"]
    assert bystanders(after, extra["bystander_backups"]) == bystanders(before, extra["bystander_backups"])
    assert after["indexes"]["test-index"]["deletion_protection"] == "enabled"  # a bystander stays protected
    assert "nothing of ours is left" in done.stdout and KEY not in done.stdout + done.stderr
    touched = {path for method, path, _ in recording.seen if method != "GET"}
    assert touched and all(f"/pcc-{RUN_A}-" in path or path.startswith("/backups/") for path in touched), touched
    deleted_backups = {path.rsplit("/", 1)[1] for method, path, _ in recording.seen if method == "DELETE"
                       and path.startswith("/backups/")}
    assert deleted_backups == {b for b, x in before["backups"].items() if x["source_index_name"] == f"pcc-{RUN_A}-idx1"}
    # The protected index was switched off before its delete, not after a refusal.
    on_idx1 = [(method, status) for method, path, status in recording.seen if path == f"/indexes/pcc-{RUN_A}-idx1"]
    assert on_idx1 == [("PATCH", 202), ("DELETE", 202)], on_idx1


def test_all_runs_deletes_every_pcc_resource_and_no_bystander(server):
    base_url, http, _, extra = server
    before = snapshot(http)
    done = cleanup_cli("--base-url", base_url, "--api-key", KEY, "--all-runs")
    after = snapshot(http)
    assert done.returncode == 0, done.stdout + done.stderr
    assert of_run(after, None) == []
    assert bystanders(after, extra["bystander_backups"]) == bystanders(before, extra["bystander_backups"])
    assert f"pcc-{RUN_A}-lookalike" in {b["name"] for b in after["backups"].values()}


def test_dry_run_lists_and_changes_nothing(server):
    base_url, http, recording, _ = server
    before = snapshot(http)
    done = cleanup_cli("--base-url", base_url, "--api-key", KEY, "--all-runs", "--dry-run")
    assert snapshot(http) == before
    assert recording.methods() == {"GET"}
    assert done.returncode == 1, done.stdout + done.stderr  # something of ours is there
    listed = [line for line in done.stdout.splitlines() if "would delete" in line]
    assert len(listed) == len(of_run(before, None)) == 8
    for name in (f"pcc-{RUN_A}-idx1", f"pcc-{RUN_B}-pod1", f"pcc-{RUN_A}-col1", OTHER_RUN_INDEX):
        assert any(name in line for line in listed), (name, listed)
    assert not any(name in done.stdout for name in ("test-index", "example-index", "movie-recommendations"))


def test_clean_server_exits_0_and_sends_only_gets(server):
    base_url, _, recording, _ = server
    assert cleanup_cli("--base-url", base_url, "--api-key", KEY, "--run-id", RUN_B).returncode == 0
    recording.seen.clear()
    again = cleanup_cli("--base-url", base_url, "--api-key", KEY, "--run-id", RUN_B)
    assert again.returncode == 0 and "0 backups, 0 collections, 0 indexes" in again.stdout
    assert recording.methods() == {"GET"}


def test_key_from_the_environment_and_target_from_run_json(server, tmp_path):
    base_url, http, _, _ = server
    (tmp_path / "run.json").write_text(json.dumps({"run_id": RUN_B, "target": base_url + "/"}))
    env = {**os.environ, "PINECONE_API_KEY": KEY}
    done = cleanup_cli("--from", str(tmp_path), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert of_run(snapshot(http), RUN_B) == []


def _refusing(app, refused_path: str, status: int):
    """The mock, except that every DELETE of ``refused_path`` gets ``status``."""
    async def wrapper(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "DELETE" and scope["path"] == refused_path:
            body = json.dumps({"error": {"code": "INVALID_ARGUMENT", "message": "no"}, "status": status}).encode()
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapper


def test_what_is_left_is_listed_with_exit_1_and_the_rest_is_deleted():
    app = create_app(api_key=KEY)
    stuck = f"/indexes/pcc-{RUN_A}-pod1"
    with serve_in_thread(_refusing(app, stuck, 400)) as base_url, \
            local_http.Client(base_url=base_url, headers=HEADERS, timeout=10) as http:
        preload(http)
        done = cleanup_cli("--base-url", base_url, "--api-key", KEY, "--run-id", RUN_A, "--wait", "3")
        left = of_run(snapshot(http), RUN_A)
    assert done.returncode == 1
    assert left == [f"index pcc-{RUN_A}-pod1"]  # everything else of the run went
    assert f"left: index pcc-{RUN_A}-pod1 (last answer: 400)" in done.stdout
    assert "1 left after 3 s" in done.stderr


def test_what_is_still_settling_is_retried_and_waited_for_until_gone():
    """Slow lifecycles on a manual clock: the backup refuses delete (412) while a restore from
    it is pending, and each deleted index stays listed while Terminating; cleanup retries and
    waits. Once cleanup has met the 412, every request it sends moves the clock by 4 s."""
    clock = ManualClock()
    app = create_app(api_key=KEY, clock=clock, settings=MockSettings(lifecycle_delay=10.0))
    recording = Recording(app)

    async def ticking(scope, receive, send):
        if any(status == 412 for _, _, status in recording.seen):
            clock.advance(4.0)
        await recording(scope, receive, send)

    with serve_in_thread(ticking) as base_url, local_http.Client(base_url=base_url, headers=HEADERS, timeout=10) as http:
        _ok(http.post("/indexes", json=serverless("test-index")))
        _ok(http.post("/indexes", json=serverless(f"pcc-{RUN_A}-idx1")))
        clock.advance(10.0)
        backup = _ok(http.post(f"/indexes/pcc-{RUN_A}-idx1/backups", json={}))["backup_id"]
        clock.advance(10.0)
        _ok(http.post(f"/backups/{backup}/create-index", json={"name": f"pcc-{RUN_A}-restored"}))
        recording.seen.clear()
        done = cleanup_cli("--base-url", base_url, "--api-key", KEY, "--run-id", RUN_A, "--wait", "30")
        after = snapshot(http)
    assert done.returncode == 0, done.stdout + done.stderr
    assert of_run(after, RUN_A) == [] and list(after["indexes"]) == ["test-index"]
    on_backup = [status for method, path, status in recording.seen if (method, path) == ("DELETE", f"/backups/{backup}")]
    assert on_backup[0] == 412 and on_backup[-1] == 202, on_backup
    deleted_at = next(i for i, (method, path, _) in enumerate(recording.seen)
                      if (method, path) == ("DELETE", f"/indexes/pcc-{RUN_A}-idx1"))
    listings = [status for method, path, status in recording.seen[deleted_at:] if (method, path) == ("GET", "/indexes")]
    assert len(listings) >= 2  # listed again until the Terminating indexes were gone


def test_a_network_error_on_one_resource_does_not_abandon_the_rest(tmp_path):
    """The transport drops the first delete of one index and every delete of another."""
    app = create_app(api_key=KEY)
    with serve_in_thread(app) as base_url, local_http.Client(base_url=base_url, headers=HEADERS, timeout=10) as http:
        preload(http)
        dropped: list[str] = []

        def flaky(request: httpx.Request) -> httpx.Response:
            path = request.url.path
            if request.method == "DELETE" and (path.endswith(f"pcc-{RUN_A}-pod1") or
                                               path.endswith(f"pcc-{RUN_A}-col1") and not dropped):
                dropped.append(path)
                raise httpx.ConnectError("connection reset by peer", request=request)
            forwarded = http.send(http.build_request(request.method, str(request.url), headers=request.headers,
                                                     content=request.content))
            return httpx.Response(forwarded.status_code, headers=forwarded.headers, content=forwarded.content)

        state = RunState(target=Target(base_url=base_url, api_key=KEY), raw=load("2026-04").raw,
                         store=FindingStore(tmp_path), seed=0, prefix=f"pcc-{RUN_A}")
        client = ApiClient(state, local_http.Client(base_url=base_url, transport=httpx.MockTransport(flaky)))
        outcome = clean_prefix(client, f"pcc-{RUN_A}-", wait=2, interval=0.1)
        left = of_run(snapshot(http), RUN_A)
    assert left == [f"index pcc-{RUN_A}-pod1"]
    assert [str(r) for r in outcome.left.resources] == [f"index pcc-{RUN_A}-pod1"]
    assert "ConnectError" in outcome.failures[("index", f"pcc-{RUN_A}-pod1")]
    assert f"/collections/pcc-{RUN_A}-col1" in dropped  # dropped once, deleted on the next round


@pytest.mark.parametrize(("arguments", "fragment"), [
    (["--base-url", "http://[::1", "--api-key", KEY, "--all-runs"], "not a valid URL"),
    (["--base-url", "ftp://example.com", "--api-key", KEY, "--all-runs"], "http:// or https://"),
    (["--base-url", "localhost:8080", "--api-key", KEY, "--all-runs"], "http:// or https://"),
    (["--api-key", KEY, "--all-runs"], "--base-url is needed"),
    (["--base-url", "http://127.0.0.1:9", "--all-runs"], "an API key is needed"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", KEY, "--run-id", "Bad_Id"], "--run-id must be"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", KEY, "--run-id", "ab"], "--run-id must be"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", KEY], "exactly one of --run-id ID, --all-runs, --from DIR"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", KEY, "--run-id", RUN_A, "--all-runs"], "not allowed with"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", KEY, "--all-runs", "--wait", "-1"], "--wait must not be"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", KEY, "--from", "/nonexistent/run"], "no run.json in"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", KEY, "--all-runs", "--wait", "2"], "cannot reach"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", "s\u00e9cret-key", "--all-runs"], "cannot carry"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", "secret\nkey", "--all-runs"], "cannot carry"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", " secret-key", "--all-runs"], "cannot carry"),
])
def test_bad_input_is_one_line_and_exit_2(arguments, fragment, monkeypatch, capsys):
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)
    try:
        code = cli.main(["cleanup", *arguments])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert fragment in err and len(err.strip().splitlines()) == 1, err
    if "--api-key" in arguments:
        assert arguments[arguments.index("--api-key") + 1].strip() not in err  # the key is never repeated


def test_bad_run_json_and_a_file_for_from_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "run.json").write_text(json.dumps({"run_id": "../../etc", "target": "http://127.0.0.1:9"}))
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for directory, fragment in ((bad, "--run-id must be"), (a_file, "not a file")):
        assert cli.main(["cleanup", "--api-key", KEY, "--from", str(directory)]) == 2
        err = capsys.readouterr().err
        assert fragment in err and len(err.strip().splitlines()) == 1, err


def test_a_refused_key_is_one_line_exit_2(server):
    base_url, _, recording, _ = server
    done = cleanup_cli("--base-url", base_url, "--api-key", "not-the-key", "--all-runs")
    assert done.returncode == 2 and "refused the API key" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert recording.methods() == {"GET"}


@pytest.mark.slow
def test_a_run_killed_with_sigkill_is_fully_cleaned_up_from_its_output_directory(tmp_path):
    """kill -9 in the middle of a run: no teardown runs; ``cleanup --from DIR`` finds the run
    id in DIR/run.json and deletes every pcc- resource, while every bystander survives."""
    recording = Recording(create_app(api_key=KEY))
    held = HeldDeletes(recording)
    output = tmp_path / "report"
    with serve_in_thread(held) as base_url, local_http.Client(base_url=base_url, headers=HEADERS, timeout=10) as http:
        extra = preload(http)
        # Only the killed run will hold pcc- resources (besides the other run's index).
        for run in (RUN_A, RUN_B):
            assert cleanup_cli("--base-url", base_url, "--api-key", KEY, "--run-id", run).returncode == 0
        before = snapshot(http)
        held.hold.set()  # from here the run's deletes wait, so what it created is there when it is killed
        process = subprocess.Popen(
            [sys.executable, "-m", "pinecone_conformance", "run", "--base-url", base_url, "--api-key", KEY, "-o", str(output),
             "--no-progress", "--seed", "5", "--max-examples", "20", "--wait", "2",
             "--operation", "create_index", "--operation", "describe_index", "--operation", "create_backup",
             "--operation", "create_collection"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 180
            while process.poll() is None and time.monotonic() < deadline:
                if [name for name in of_run(snapshot(http), None) if OTHER_RUN_INDEX not in name]:
                    break
                time.sleep(0.05)
            assert process.poll() is None, "the run ended before it created anything to kill it over"
            assert [name for name in of_run(snapshot(http), None) if OTHER_RUN_INDEX not in name], "nothing created"
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        time.sleep(0.2)  # requests already in flight reach the server
        killed = snapshot(http)
        held.hold.clear()
        time.sleep(0.3)  # the deletes the killed run had in flight end now
        assert [name for name in of_run(killed, None) if OTHER_RUN_INDEX not in name]  # leftovers, for cleanup to find
        done = cleanup_cli("--from", str(output), "--api-key", KEY, "--base-url", base_url)
        after = snapshot(http)
    assert done.returncode == 0, done.stdout + done.stderr
    assert of_run(after, None) == [f"index {OTHER_RUN_INDEX}"]  # zero leftovers of the killed run
    for kind in ("indexes", "collections"):  # every bystander survives
        assert set(bystanders(before, extra["bystander_backups"])[kind]) <= set(after[kind])
    assert extra["bystander_backups"] <= set(after["backups"])
    # ... unchanged, and the killed run made nothing outside its prefix that cleanup could not find.
    assert bystanders(after, extra["bystander_backups"]) == bystanders(before, extra["bystander_backups"])
    assert set(after["indexes"]) == {*BYSTANDER_INDEXES, OTHER_RUN_INDEX}
    assert set(after["collections"]) == {"test-collection"}
    assert set(after["backups"]) == extra["bystander_backups"]
    assert KEY not in done.stdout + done.stderr
    record = json.loads((output / "run.json").read_text())
    assert f"pcc-{record['run_id']}-" in done.stdout  # it swept that run, by the id the run wrote early


def test_the_end_of_run_cleanup_deletes_what_the_run_made_and_sweeps_only_when_asked(server, tmp_path):
    """``cleanup(client, state, sweep=...)`` as the pytest plugin calls it: a worker (no sweep)
    deletes what it recorded creating; the last one also sweeps the run's prefixed leftovers."""
    from pinecone_conformance.conformance.cleanup import _http, cleanup

    base_url, http, _, extra = server
    before = snapshot(http)
    state = RunState(target=Target(base_url=base_url, api_key=KEY), raw=load("2026-04").raw,
                     store=FindingStore(tmp_path), seed=0, prefix=f"pcc-{RUN_A}", wait=5.0, poll_interval=0.05)
    state.counters.note_created("index", f"pcc-{RUN_A}-pod1")
    client = ApiClient(state, _http(state))
    try:
        assert cleanup(client, state, sweep=False) == []
        assert of_run(snapshot(http), RUN_A) == sorted(set(of_run(before, RUN_A)) - {f"index pcc-{RUN_A}-pod1"})
        assert cleanup(client, state, sweep=True) == []
    finally:
        client.http.close()
    after = snapshot(http)
    assert of_run(after, RUN_A) == [] and of_run(after, RUN_B) == of_run(before, RUN_B)
    assert bystanders(after, extra["bystander_backups"]) == bystanders(before, extra["bystander_backups"])
