"""No error path exits 0: a crashed check, a run that tested nothing, a run cut short by
--max-time, a server that went down. Each is a subprocess, exactly as a user runs it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap

import cli_process
import local_http
import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread

KEY = "pcsk_NO_FALSE_GREENS_KEY_9z8y"


def _python(code: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return cli_process.run(["run", "--no-progress", *args], timeout=timeout)


@pytest.mark.slow
def test_a_check_that_crashes_makes_the_run_exit_2(tmp_path):
    """A bug in one of our checks must never read as 'conformant'."""
    done = _python(f"""
        import sys
        import pinecone_conformance.conformance.response_checks as checks
        def broken(exchange):
            raise RuntimeError("a check with a bug")

        checks.ALL_CHECKS = checks.ALL_CHECKS + (broken,)
        from pinecone_conformance.conformance.cli import main
        sys.exit(main(["run", "--seed", "2", "--operation", "list_indexes", "--max-examples", "1",
                       "--phase", "examples", "--phase", "scenarios", "-o", {str(tmp_path)!r}, "--no-progress"]))
    """)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "did not run to its end" in done.stderr
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["exit_code"] == 2 and record["incomplete"]
    assert json.loads((tmp_path / "findings.json").read_text())["verdict"] != "PASS"


@pytest.mark.slow
def test_a_run_that_tests_nothing_does_not_pass(tmp_path):
    done = _run("--read-only", "--phase", "stateful", "--seed", "3", "-o", str(tmp_path))
    assert done.returncode == 2, done.stderr[-2000:]
    assert "nothing was tested" in done.stderr


@pytest.mark.slow
def test_a_run_cut_short_by_max_time_is_incomplete_and_still_cleans_up(tmp_path):
    """The server takes 30 ms per answer, so the run's ~1,600 requests need well over the 4 s
    allowed on any machine: on a fast one the whole run could otherwise end inside --max-time."""
    inner = create_app(api_key=KEY)

    async def slow(scope, receive, send):
        if scope["type"] == "http":
            await asyncio.sleep(0.03)
        await inner(scope, receive, send)

    with serve_in_thread(slow) as base_url:
        done = _run("--base-url", base_url, "--api-key", KEY, "--seed", "4", "--max-time", "4", "--wait", "1",
                    "-o", str(tmp_path))

        left = local_http.get(base_url + "/indexes", headers={"Api-Key": KEY}).json()["indexes"]
    record = json.loads((tmp_path / "run.json").read_text())
    assert done.returncode in (1, 2), done.stderr[-2000:]
    if done.returncode == 2:
        assert "INCOMPLETE" in done.stderr and "--max-time" in record["incomplete"]
    assert record["skipped"].get("max-time", 0) > 0
    assert left == []  # cleanup ran after the deadline
    assert json.loads((tmp_path / "findings.json").read_text())["verdict"] != "PASS"


@pytest.mark.slow
def test_a_server_that_goes_down_stops_the_run_with_exit_2(tmp_path):
    """After the preflight the server answers 503 to everything: the run stops early with one
    line, instead of thousands of findings."""
    inner = create_app(api_key=KEY)
    seen = {"n": 0}

    async def failing(scope, receive, send):
        if scope["type"] == "http":
            seen["n"] += 1
            if seen["n"] > 3:
                await send({"type": "http.response.start", "status": 503,
                            "headers": [(b"content-type", b"application/json"), (b"retry-after", b"0")]})
                await send({"type": "http.response.body", "body": b'{"error":{"code":"UNAVAILABLE","message":"down"},'
                                                                  b'"status":503}'})
                return
        await inner(scope, receive, send)

    with serve_in_thread(failing) as base_url:
        done = _run("--base-url", base_url, "--api-key", KEY, "--seed", "5", "--wait", "1", "-o", str(tmp_path),
                    timeout=900)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "looks down" in done.stderr
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["skipped"].get("outage", 0) > 0
    assert seen["n"] < 2000  # it stopped early
