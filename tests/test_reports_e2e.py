"""End to end: real runs against the embedded mock, with a recognisable API key.

A clean run and a run with a seeded deviation each write all four outputs; ``report
compare`` finds the deviation as new (exit 1); and the key appears in no file of either
output directory and in no stream of any command.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import cli_process
import pytest
from junitparser import Failure, JUnitXml

from pinecone_conformance.reports.findings_json import validation_errors

KEY = "pcsk_TESTKEY_e2e_9d4c7a_RecognisableSecret"
DEVIATION = "dimension-as-string"
SEED = "7"
OUTPUTS = ("findings.json", "junit.xml", "summary.md", "report.html")


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PINECONE_API_KEY": KEY}
    return cli_process.run(list(args), env=env, timeout=300)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    base = tmp_path_factory.mktemp("e2e")
    common = ["--seed", SEED, "--max-examples", "2", "--operation", "describe_index", "--api-key", KEY]
    result = {}
    for name, extra in (("clean", []), ("deviated", ["--deviation", DEVIATION])):
        output = base / name
        result[name] = (output, cli("run", *common, *extra, "--output", str(output)))
    return result


@pytest.mark.slow
def test_runs_write_all_four_outputs(runs):
    for name, (output, process) in runs.items():
        assert process.returncode in (0, 1), f"{name}: {process.stderr[-2000:]}"
        for file in OUTPUTS:
            assert (output / file).is_file(), f"{name} run did not write {file}"
        document = json.loads((output / "findings.json").read_text())
        assert validation_errors(document) == []
        assert document["run"]["seed"] == int(SEED) and document["run"]["target"] == "embedded-mock"


def test_deviated_run_reports_the_deviation_everywhere(runs):
    output, process = runs["deviated"]
    assert process.returncode == 1
    document = json.loads((output / "findings.json").read_text())
    assert document["verdict"] == "FAIL"
    hits = [g for g in document["groups"] if g["operation"] == "describe_index" and g["severity"] == "error"
            and "dimension" in g["message"]]
    assert hits, "the seeded deviation was not reported"
    xml = JUnitXml.fromfile(str(output / "junit.xml"))
    failed = {(case.classname, case.name) for suite in xml for case in suite
              if any(isinstance(result, Failure) for result in case.result)}
    assert (hits[0]["operation"], hits[0]["check"]) in failed
    summary = (output / "summary.md").read_text()
    assert summary.startswith("## Pinecone conformance: ❌ FAIL") and "`describe_index`" in summary
    assert f'id="g-{hits[0]["fingerprint"]}"' in (output / "report.html").read_text()


@pytest.fixture(scope="module")
def compares(runs) -> dict[str, subprocess.CompletedProcess]:
    clean, deviated = runs["clean"][0], runs["deviated"][0]
    return {
        "forward": cli("report", "compare", str(clean), str(deviated), "--format", "json"),
        "backward": cli("report", "compare", str(deviated / "findings.json"), str(clean / "findings.json")),
    }


def test_compare_finds_the_new_deviation(compares):
    forward, backward = compares["forward"], compares["backward"]
    assert forward.returncode == 1, forward.stderr
    document = json.loads(forward.stdout)
    assert any(g["operation"] == "describe_index" and "dimension" in g["message"]
               for g in document["new_deviations"])
    assert backward.returncode == 0, backward.stdout + backward.stderr
    assert "0 new" in backward.stdout


def test_key_appears_in_no_file_and_no_stream(runs, compares):
    processes = {**{f"run {name}": process for name, (_, process) in runs.items()},
                 **{f"compare {name}": process for name, process in compares.items()}}
    for output, _ in runs.values():
        files = [path for path in output.rglob("*") if path.is_file()]
        assert len(files) >= len(OUTPUTS)
        for path in files:
            assert KEY.encode() not in path.read_bytes(), f"the API key leaked into {path}"
    for name, process in processes.items():
        assert process.stdout or process.stderr, f"{name} printed nothing: nothing was searched"
        assert KEY not in process.stdout, f"the API key leaked into the stdout of {name}"
        assert KEY not in process.stderr, f"the API key leaked into the stderr of {name}"
