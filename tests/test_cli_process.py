"""tests/cli_process.py answers as a fresh ``python -m pinecone_conformance`` would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import cli_process
import pytest


def _fresh(*argv, **kwargs):
    return subprocess.run([sys.executable, "-m", "pinecone_conformance", *argv], capture_output=True, text=True,
                          timeout=120, **kwargs)


@pytest.mark.parametrize("argv", [["run", "--bogus"], ["run", "--spec", "/nonexistent.yaml"], ["checks"], ["--version"]])
def test_a_forked_run_answers_as_a_fresh_interpreter_does(argv):
    forked, fresh = cli_process.run(argv), _fresh(*argv)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


def test_environment_and_working_directory_are_the_callers(tmp_path):
    (tmp_path / "pinecone-conformance.toml").write_text('budget = -3\n', encoding="utf-8")
    env = {**os.environ, "PCC_BASE_URL": "http://127.0.0.1:9"}
    forked = cli_process.run(["run", "--no-progress", "-o", str(tmp_path / "out")], env=env, cwd=tmp_path)
    fresh = _fresh("run", "--no-progress", "-o", str(tmp_path / "out"), env=env, cwd=tmp_path)
    assert forked.returncode == fresh.returncode == 2
    assert forked.stderr == fresh.stderr and "--budget" in forked.stderr  # the config file of cwd was read


def test_a_run_past_its_timeout_is_killed_and_raises(tmp_path):
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        cli_process.run(["run", "--seed", "1", "--no-progress", "-o", str(tmp_path)], timeout=1)
    assert time.monotonic() - started < 30


def test_runs_started_side_by_side_overlap(tmp_path):
    cli_process.run(["--version"])  # a server is up
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda name: cli_process.run(["run", "--seed", "1", "--phase", "examples", "--operation",
                                                           "list_indexes", "--no-progress", "-o", str(tmp_path / name)]),
                             ["a", "b"]))
    assert [d.returncode for d in done] == [0, 0]
    assert len(cli_process._servers[os.getpid()]) >= 2  # each got a server of its own
