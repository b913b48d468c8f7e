"""The nightly job end to end: a baseline gate, the job summary and annotations, shards merged
into one run, the config file and the connection's environment variables."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cli_process
import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.serve import serve_in_thread
from pinecone_conformance.reports.github import DEFAULT_ANNOTATION_LIMIT

KEY = "pcsk_NIGHTLY_TEST_KEY_1a2b"
#: The gate is judged, not the run: one operation through which the deviation below shows
#: (describe_index answers its dimension as a string), and only the phase where it shows (the
#: scenarios describe what they created; Schemathesis' cases describe indexes that do not
#: exist), keep each of the four runs short.
SMALL = ["--seed", "7", "--max-examples", "2", "--operation", "describe_index", "--phase", "scenarios", "--no-progress"]


def _run(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: int = 600):
    return cli_process.run(list(args), timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd)


@pytest.mark.slow
def test_the_baseline_gate_fails_only_on_what_is_new(tmp_path):
    night1, night2, night3 = tmp_path / "n1", tmp_path / "n2", tmp_path / "n3"
    summary = tmp_path / "step-summary.md"
    github = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    clean = _run("run", *SMALL, "-o", str(night1), env=github)
    assert clean.returncode == 0, clean.stderr[-2000:]
    assert "Pinecone conformance" in summary.read_text()  # the job summary is written
    same = _run("run", *SMALL, "-o", str(night2), "--baseline", str(night1 / "findings.json"))
    assert same.returncode == 0 and "0 new" in same.stderr
    broken = _run("run", *SMALL, "-o", str(night3), "--baseline", str(night1), "--deviation", "dimension-as-string",
                  env=github)
    assert broken.returncode == 1, broken.stderr[-2000:]
    new = json.loads((night3 / "findings.json").read_text())["groups"]
    errors = {g["fingerprint"] for g in new if g["severity"] == "error"}
    annotated = [line for line in broken.stdout.splitlines() if line.startswith("::error")]
    assert errors and len(annotated) == min(len(errors), DEFAULT_ANNOTATION_LIMIT)  # one per new error group
    if len(errors) > DEFAULT_ANNOTATION_LIMIT:
        assert f"{len(errors) - DEFAULT_ANNOTATION_LIMIT} more" in broken.stdout
    assert "### New (" in (night3 / "summary.md").read_text()
    again = _run("run", *SMALL, "-o", str(tmp_path / "n4"), "--baseline", str(night3), "--deviation",
                 "dimension-as-string")
    assert again.returncode == 0, again.stderr[-2000:]  # still broken, but nothing new: the gate passes


def test_an_unusable_baseline_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "findings.json").write_text("{}")
    done = _run("run", *SMALL, "-o", str(tmp_path / "out"), "--baseline", str(tmp_path), timeout=60)
    assert done.returncode == 2 and "--baseline" in done.stderr and "Traceback" not in done.stderr


#: Every kind of work a shard is dealt (operations, the state machine, scenarios); the coverage
#: phase, which only makes an operation's share dearer (create_index's ~420 bodies), is left out.
SHARDED_PHASES = ("--phase", "examples", "--phase", "fuzzing", "--phase", "stateful", "--phase", "scenarios")


@pytest.mark.slow
def test_two_shards_merged_do_what_one_run_does(tmp_path):
    for k in (1, 2):
        done = _run("run", "--seed", "8", "--max-examples", "2", "--shard", f"{k}/2", *SHARDED_PHASES,
                    "-o", str(tmp_path / f"s{k}"), "--no-progress")
        assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads((tmp_path / f"s{k}" / "run.json").read_text()) for k in (1, 2)]
    assert records[0]["run_id"] != records[1]["run_id"]  # each shard its own resource prefix
    assert set(records[0]["observed_statuses"]) | set(records[1]["observed_statuses"]) == set(records[0]["operations"])
    assert records[0]["options"]["shard"] == "1/2" and records[1]["options"]["shard"] == "2/2"
    merged = _run("report", "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "-o", str(tmp_path / "all"))
    assert merged.returncode == 0, merged.stderr
    record = json.loads((tmp_path / "all" / "run.json").read_text())
    assert set(record["observed_statuses"]) == set(record["operations"]) and len(record["operations"]) == 18
    one = {k: json.loads((tmp_path / f"s{k}" / "findings.json").read_text()) for k in (1, 2)}
    ran = [set(doc["coverage"]["checks_run"]) for doc in one.values()]
    assert ran[0] and ran[1]  # both shards did real work


def test_a_bad_shard_is_one_line(tmp_path):
    for bad in ("3/2", "0/2", "x"):
        done = _run("run", "--shard", bad, "-o", str(tmp_path), timeout=60)
        assert done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_the_config_file_and_the_environment_drive_a_run(tmp_path):
    (tmp_path / "pinecone-conformance.toml").write_text(
        'seed = 3\nmax-examples = 1\noperation = ["list_indexes"]\nphase = ["examples", "scenarios"]\n'
        'api-key = "${NIGHTLY_KEY}"\noutput = "from-config"\n')
    with serve_in_thread(create_app(api_key=KEY)) as base_url:
        done = _run("run", "--no-progress", cwd=tmp_path, env={"PCC_BASE_URL": base_url, "NIGHTLY_KEY": KEY})
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads((tmp_path / "from-config" / "run.json").read_text())
    assert record["target"] == base_url and record["seed"] == 3
    assert record["options"]["operations"] == ["list_indexes"] and record["options"]["max_examples"] == 1
    overridden = _run("run", "--no-progress", "--seed", "4", "--phase", "examples", cwd=tmp_path,
                      env={"PCC_BASE_URL": "http://127.0.0.1:9", "NIGHTLY_KEY": KEY}, timeout=120)
    assert overridden.returncode == 2 and "cannot reach http://127.0.0.1:9" in overridden.stderr  # env var used
