"""``run --workers N``: the run split among processes forked after the imports (conformance.parts).

What must hold: each piece of work runs in exactly one process, the split finds what one
process finds, a process that dies is reported (the run cannot pass), and against a server
the run's leftovers are swept once every process has ended, never while one still runs."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import cli_process
import local_http
import pytest

from pinecone_conformance.conformance.parts import (
    INTERNAL_ERROR,
    INTERRUPTED,
    NO_TESTS_COLLECTED,
    OK,
    TESTS_FAILED,
    combined_status,
    run_parts,
)
from pinecone_conformance.conformance.shard import split
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread

KEY = "pcsk_PARTS_TEST_KEY_51c0de"


def test_the_gravest_status_of_any_part_is_the_runs():
    assert combined_status([OK, OK]) == OK
    assert combined_status([OK, NO_TESTS_COLLECTED]) == OK  # one part had nothing to do
    assert combined_status([NO_TESTS_COLLECTED, NO_TESTS_COLLECTED]) == NO_TESTS_COLLECTED
    assert combined_status([OK, TESTS_FAILED]) == TESTS_FAILED
    assert combined_status([TESTS_FAILED, INTERNAL_ERROR]) == INTERNAL_ERROR
    assert combined_status([INTERNAL_ERROR, INTERRUPTED, OK]) == INTERRUPTED


def test_the_split_is_complete_disjoint_and_keeps_the_scenarios_together():
    share = {"operations": [f"op{i}" for i in range(9)] + ["create_index"], "stateful": True,
             "scenarios": ["a", "b", "c"]}
    parts = [split(k, 3, share) for k in (1, 2, 3)]
    operations = [op for part in parts for op in part["operations"]]
    assert sorted(operations) == sorted(share["operations"])  # every operation, once
    assert sum(part["stateful"] for part in parts) == 1
    assert [part["scenarios"] for part in parts if part["scenarios"]] == [["a", "b", "c"]]
    assert split(1, 3, share) == parts[0]  # the same split every time: a seed reproduces the run


def test_a_part_with_nothing_selected_is_given_nothing():
    share = {"operations": ["x", "y"], "stateful": False, "scenarios": []}
    parts = [split(k, 2, share) for k in (1, 2)]
    assert [part["operations"] for part in parts] == [["x"], ["y"]]
    assert not any(part["stateful"] or part["scenarios"] for part in parts)


def test_a_part_that_dies_is_reported_and_the_others_results_are_kept(tmp_path, monkeypatch):
    """A part killed mid-session (out of memory, say) leaves no result: that is a problem of the
    run, which cannot pass, while the part that ended still counts."""
    suite = tmp_path / "test_dies.py"
    suite.write_text(textwrap.dedent("""
        import os, signal

        def test_one(request):
            if request.config.getoption("--pcc-part") == "2/2":
                os.kill(os.getpid(), signal.SIGKILL)

        def test_two():
            assert False, "a deviation"
    """))
    arguments = [str(suite), "-q", "-p", "no:cacheprovider", "--disable-plugin-autoload",
                 "-p", "pinecone_conformance.conformance.plugin", "--rootdir", str(tmp_path)]

    class Crashes:
        crashed = {"test_two": "a deviation"}

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))  # where the parts leave their results
    outcome = run_parts(arguments, 2, lambda k: Crashes())
    assert outcome.status == INTERNAL_ERROR
    assert outcome.problems == ["worker 2 ended without a result (killed by signal 9)"]
    assert outcome.crashed == {"test_two": "a deviation"}  # part 1's
    assert list(scratch.iterdir()) == []  # what the parts left for the runner is gone


@pytest.mark.slow
def test_two_workers_find_what_one_finds(tmp_path):
    """The same deviations, by the same checks, whether the run is split or not (every kind of
    work item: operations, the state machine, the scenarios; coverage left out for its cost)."""
    def groups(workers: str) -> set:
        output = tmp_path / workers
        done = cli_process.run(["run", "--seed", "4", "--workers", workers, "--deviation", "state-outside-enum",
                                "--deviation", "create-index-200", "--max-examples", "2", "--operation", "create_index",
                                "--operation", "describe_index", "--operation", "list_indexes", "--phase", "examples",
                                "--phase", "fuzzing", "--phase", "stateful", "--phase", "scenarios", "--no-progress",
                                "-o", str(output)], timeout=600)
        assert done.returncode == 1, done.stderr[-2000:]
        report = json.loads((output / "findings.json").read_text())
        return {(g["check"], g["operation"]) for g in report["groups"] if g["severity"] == "error"}

    one, two = groups("1"), groups("2")
    assert {check for check, _ in one} >= {"response_schema_conformance", "status_code_conformance"}
    assert two == one


@pytest.mark.slow
def test_against_a_server_the_leftovers_are_swept_once_every_part_has_ended(tmp_path):
    """A resource of an earlier, interrupted run with the same run id is not this run's to
    keep: the sweep after the parts deletes it (the parts themselves never sweep); what
    another run (another prefix) made is left alone."""
    headers = {"Api-Key": KEY, "X-Pinecone-Api-Version": "2026-04"}
    spec = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
    with serve_in_thread(create_app(api_key=KEY)) as base_url:
        for name in ("pcc-partsrun-left1", "pcc-otherrun-keep1"):
            created = local_http.post(base_url + "/indexes", headers=headers,
                                 json={"name": name, "dimension": 4, "metric": "cosine", "spec": spec})
            assert created.status_code == 201, created.text
        done = cli_process.run(["run", "--base-url", base_url, "--api-key", KEY, "--run-id", "partsrun", "--seed", "2",
                                "--workers", "2", "--phase", "examples", "--operation", "list_indexes",
                                "--operation", "list_collections", "--wait", "5", "--no-progress",
                                "-o", str(tmp_path)], timeout=600)
        names = [i["name"] for i in local_http.get(base_url + "/indexes", headers=headers).json()["indexes"]
                 if i["status"]["state"] != "Terminating"]
    assert done.returncode == 0, done.stderr[-2000:]
    assert names == ["pcc-otherrun-keep1"]
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["options"]["workers"] == 2 and record["cleanup_requests"] > 0


@pytest.mark.slow
def test_parts_killed_mid_run_fail_the_run_and_what_they_made_is_swept(tmp_path):
    """SIGKILL the run's processes while they test a server, once one of their indexes exists:
    the run says so and exits 2 (never a pass), and what they created (they could not delete
    it) is deleted by the sweep after the parts."""
    import signal
    import subprocess
    import sys
    import time

    headers = {"Api-Key": KEY}
    with serve_in_thread(create_app(api_key=KEY)) as base_url:
        process = subprocess.Popen(
            [sys.executable, "-m", "pinecone_conformance", "run", "--base-url", base_url, "--api-key", KEY,
             "--seed", "13", "--run-id", "killedrun", "--workers", "2", "--wait", "5", "--no-progress",
             "-o", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        ours: list[str] = []
        while not ours and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            ours = [i["name"] for i in local_http.get(base_url + "/indexes", headers=headers).json()["indexes"]
                    if i["name"].startswith("pcc-killedrun-")]
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        parts = [int(pid) for pid in children.read_text().split()] if process.poll() is None else []
        assert ours and len(parts) == 2, "the run ended before its parts could be killed"
        for pid in parts:
            os.kill(pid, signal.SIGKILL)
        out, err = process.communicate(timeout=300)
        left = [i["name"] for i in local_http.get(base_url + "/indexes", headers=headers).json()["indexes"]
                if i["status"]["state"] != "Terminating"]
    assert process.returncode == 2, err[-3000:]
    assert "worker 1 ended without a result (killed by signal 9)" in err
    assert "Traceback" not in err
    assert left == [], left


def test_the_run_is_split_by_default_where_it_is_bound_by_the_cpu():
    """Two processes on the embedded mock and a loopback server; one against a server across the
    network (mostly waited on); a number given, or 'auto' for this machine's cores."""
    from argparse import Namespace

    from pinecone_conformance.conformance.runner import LOCAL_WORKERS, worker_count

    def count(workers=None, base_url=None) -> int:
        return worker_count(Namespace(workers=workers, base_url=base_url))

    assert LOCAL_WORKERS == 2
    assert count() == count(base_url="http://127.0.0.1:8080") == LOCAL_WORKERS
    assert count(base_url="https://api.pinecone.io") == 1
    assert count("3", base_url="https://api.pinecone.io") == 3
    assert count("auto") == len(os.sched_getaffinity(0))


def test_a_dead_runners_scratch_directory_is_removed_by_the_next_split_run_and_a_live_ones_kept(tmp_path):
    """A runner killed with SIGKILL cannot remove its private directory; the next one does, but
    only where no process holds the directory's lock (a live run, in any pid namespace)."""
    from pinecone_conformance.conformance import parts

    dead, lock = parts._scratch(tmp_path)
    (dead / "part-1.json").write_text("{}")
    lock.close()  # its runner is gone
    live, held = parts._scratch(tmp_path)
    older = tmp_path / f"{parts.SCRATCH_PREFIX}nolock"  # no lock file: being made, or an older version's
    older.mkdir()
    unrelated = tmp_path / "someone-else"
    unrelated.mkdir()
    new, mine = parts._scratch(tmp_path)
    try:
        assert not dead.exists()
        assert live.exists() and older.exists() and unrelated.exists() and new.exists()
        assert new.name.startswith(parts.SCRATCH_PREFIX) and oct(new.stat().st_mode)[-3:] == "700"
    finally:
        held.close()
        mine.close()


def test_max_time_counts_from_the_runners_start_in_every_part():
    """The runner gives its parts the moment the run began; each part's --max-time deadline
    counts from it, not from the part's own start (about a second later, or more when the
    document load and the preflight take long)."""
    import time
    from types import SimpleNamespace

    from pinecone_conformance.conformance import plugin
    from pinecone_conformance.conformance.arguments import build_parser
    from pinecone_conformance.conformance.runner import pytest_arguments

    args = build_parser().parse_args(["run", "--max-time", "30"])
    arguments = pytest_arguments(args, 1, Path("out"), started=1234.5)
    assert arguments[arguments.index("--pcc-started") + 1] == "1234.5"

    began = time.time() - 10
    options = {"--pcc-started": began, "--pcc-max-time": 30.0, "--pcc-check": []}
    config = SimpleNamespace(option=SimpleNamespace(pcc_seed=1, pcc_run_id="abcd1234", pcc_check=[]),
                             getoption=options.get, addinivalue_line=lambda *a: None)
    plugin.pytest_configure(config)
    assert config.pcc_started == began
    assert 19 < plugin._deadline(config) - time.monotonic() <= 20  # 30 s from the run's start, 10 s ago
