"""End-to-end tests of ``pinecone-conformance run``: exit codes, reproducibility, safety.

Each run is a subprocess, exactly as a user types it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cli_process
import local_http
import pytest

from pinecone_conformance.core.findings import FindingStore
from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread

KEY = "pcsk_CONFORMANCE_TEST_KEY_7f3a9c"


def run_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return cli_process.run(list(args), timeout=timeout)


def findings(output: Path):
    return FindingStore(output / "findings").all()


@pytest.mark.slow
def test_default_run_on_the_faithful_mock_is_clean(tmp_path):
    """The default settings against the embedded mock: every test passes, zero findings, exit 0."""
    done = run_cli("run", "--seed", "11", "-o", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    # The mock accepts explicit nulls as production does for the SDK (R-IDX-20); the document
    # allows none, so the contract profile notes it. Nothing else, and nothing worse than a note.
    assert [(f.check, f.severity) for f in findings(tmp_path) if f.check != "explicit_null_accepted"] == []
    assert {f.severity for f in findings(tmp_path)} <= {"note"}
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["requests_total"] > 500
    assert set(record["observed_statuses"]) == set(record["operations"])  # every operation exercised
    for name in ("findings.json", "junit.xml", "summary.md", "report.html"):
        assert (tmp_path / name).is_file()


@pytest.mark.slow
def test_a_deviation_makes_the_run_fail_with_a_finding_that_names_it(tmp_path):
    done = run_cli("run", "--seed", "5", "--deviation", "deletion-protection-ignored", "--operation", "delete_index",
                   "--max-examples", "2", "-o", str(tmp_path))
    assert done.returncode == 1, done.stderr[-2000:]
    assert "deletion_protection" in {f.check for f in findings(tmp_path) if f.severity == "error"}


@pytest.mark.slow
def test_same_seed_same_findings(tmp_path):
    """A run is reproducible from its seed: same deviations, same fingerprints. create_index is
    the operation with the most drawn input (names, bodies) and it shows the deviation; the
    phases are those that draw from the seed (examples and coverage cases are the same whatever
    the seed)."""
    results = []
    for attempt in ("one", "two"):
        output = tmp_path / attempt
        done = run_cli("run", "--seed", "42", "--deviation", "dimension-as-string", "--operation", "create_index",
                       "--max-examples", "2", "--phase", "fuzzing", "--phase", "stateful", "--phase", "scenarios",
                       "-o", str(output))
        assert done.returncode == 1
        results.append(sorted({f.fingerprint for f in findings(output)}))
    assert results[0] == results[1] and results[0]


@pytest.mark.parametrize(("arguments", "fragment"), [
    (["run", "--base-url", "http://127.0.0.1:9", "--api-key", "k"], "cannot reach"),
    (["run", "--base-url", "ftp://example", "--api-key", "k"], "must start with http"),
    (["run", "--spec", "/nonexistent/spec.yaml"], "no such file"),
    (["run", "--spec", "1999-01"], "no bundled document"),
    (["run", "--deviation", "no-such-deviation"], "unknown deviation"),
    (["run", "--max-examples", "many"], "invalid int value"),
    (["run", "--no-such-flag"], "unrecognized arguments"),
    (["run", "--workers", "0"], "--workers must be a positive number or 'auto'"),
    (["run", "--workers", "two"], "--workers must be a positive number or 'auto'"),
])
def test_bad_input_is_one_line_and_exit_2(arguments, fragment):
    done = run_cli(*arguments, timeout=60)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_wrong_key_on_a_real_server_is_a_setup_error():
    with serve_in_thread(create_app(api_key=KEY)) as base_url:
        done = run_cli("run", "--base-url", base_url, "--api-key", "not-the-key", timeout=60)
    assert done.returncode == 2
    assert "refused the API key" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_throttling_is_honoured_not_reported(tmp_path):
    """429 with Retry-After is waited out and counted, never a contract finding."""
    inner = create_app(api_key=KEY)
    calls = {"n": 0}

    async def throttling(scope, receive, send):
        if scope["type"] == "http":
            calls["n"] += 1
            if calls["n"] % 4 == 0:
                body = b'{"error":{"code":"RESOURCE_EXHAUSTED","message":"slow down"},"status":429}'
                await send({"type": "http.response.start", "status": 429,
                            "headers": [(b"content-type", b"application/json"), (b"retry-after", b"0")]})
                await send({"type": "http.response.body", "body": body})
                return
        await inner(scope, receive, send)

    with serve_in_thread(throttling) as base_url:
        done = run_cli("run", "--base-url", base_url, "--api-key", KEY, "--seed", "3", "--max-examples", "2",
                       "--wait", "2", "--operation", "list_indexes", "--operation", "describe_index", "-o", str(tmp_path))
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["throttled"] > 0
    assert [(f.check, f.severity) for f in findings(tmp_path) if f.status == 429 and f.check != "throttled"] == []
    assert {f.severity for f in findings(tmp_path) if f.check == "throttled"} <= {"note"}
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.slow
def test_budget_bounds_the_requests(tmp_path):
    """The budget caps what is sent (cleanup is counted apart), and a run it cut short never passes."""
    done = run_cli("run", "--seed", "4", "--budget", "40", "--operation", "list_indexes", "--max-examples", "5",
                   "-o", str(tmp_path))
    record = json.loads((tmp_path / "run.json").read_text())
    assert done.returncode == 2, done.stderr[-2000:]
    assert record["requests_total"] <= 40
    assert record["incomplete"].startswith("cut short by --budget 40")
    assert json.loads((tmp_path / "findings.json").read_text())["verdict"] != "PASS"


@pytest.mark.slow
def test_parallel_workers_share_one_store(tmp_path):
    """Each of the run's processes (--workers) writes its own findings and stats files, even
    when the run was started from a pytest-xdist worker (whose id its processes inherit);
    together they hold the run, and nothing of the parts' own bookkeeping is left behind."""
    done = run_cli("run", "--seed", "8", "--workers", "2", "--deviation", "error-code-generic", "--profile", "production",
                   "--operation", "describe_index", "--operation", "delete_index", "--max-examples", "2",
                   "-o", str(tmp_path))
    assert done.returncode == 1, done.stderr[-2000:]
    assert len(list((tmp_path / "findings").glob("findings-*.ndjson"))) == 2
    assert len(list(tmp_path.glob("stats-*.json"))) == 2
    assert not list(tmp_path.glob("part-*"))
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["options"]["workers"] == 2
    assert {"describe_index", "delete_index"} <= set(record["observed_statuses"])
    assert "error_code" in {f.check for f in findings(tmp_path)}
    report = json.loads((tmp_path / "findings.json").read_text())
    assert len(report["findings"]) == len(findings(tmp_path))


@pytest.mark.slow
def test_an_interrupted_run_still_cleans_up(tmp_path):
    """SIGTERM in the middle of a run against a server: the run's resources are deleted anyway."""
    import signal
    import time

    inner = create_app(api_key=KEY)
    seen = {"requests": 0}

    async def counting(scope, receive, send):
        seen["requests"] += scope["type"] == "http"
        await inner(scope, receive, send)

    with serve_in_thread(counting) as base_url:
        process = subprocess.Popen(
            [sys.executable, "-m", "pinecone_conformance", "run", "--base-url", base_url, "--api-key", KEY, "--seed", "13",
             "--wait", "2", "--max-examples", "20", "-o", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        headers = {"Api-Key": KEY}
        deadline = time.monotonic() + 120
        while seen["requests"] < 150 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)  # well into the run: resources have been created
        assert process.poll() is None, "the run ended before it could be interrupted"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=300)
        names = [i["name"] for i in local_http.get(base_url + "/indexes", headers=headers).json()["indexes"]]
        collections = local_http.get(base_url + "/collections", headers=headers).json()["collections"]
    assert process.returncode != 0
    assert "Traceback" not in err
    assert names == [] and collections == [], (names, collections)
    assert (tmp_path / "run.json").is_file()  # what was found before the interruption is reported
