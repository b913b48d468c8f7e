"""Backward compatibility against a server: an older contract run against a server that
implements a newer one ("does my 2026-04 server still serve 2025-10 clients?" is one
command), and the reports say which contract was used.

The embedded mock implements 2026-04. With the 2025-10 contract (the same contract but the
version strings, as ``spec diff`` says) the run is clean; with the 2024-04 contract (a much
older one: 9 operations, no backups, other schemas) the differences are reported as findings,
and nothing crashes. Each run is a subprocess, exactly as a user types it, kept small.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cli_process
import pytest

from pinecone_conformance.spec.diff import diff_documents
from pinecone_conformance.spec.loader import load

SMALL = ("--operation", "describe_index", "--operation", "list_indexes", "--max-examples", "2", "--no-progress",
         "--seed", "7")


def run_contract(version: str, output: Path) -> subprocess.CompletedProcess:
    return cli_process.run(["run", "--spec", version, *SMALL, "-o", str(output)], timeout=600)


def assert_reports_name_the_contract(output: Path, version: str) -> dict:
    document = load(version)
    record = json.loads((output / "run.json").read_text(encoding="utf-8"))
    assert record["spec_version"] == version
    assert record["spec_sha256"] == document.sha256
    assert Path(record["spec_source"]).name == document.path.name
    findings = json.loads((output / "findings.json").read_text(encoding="utf-8"))
    assert findings["run"]["spec"] == {"version": version, "sha256": document.sha256,
                                       "source": record["spec_source"]}
    assert f"Contract `{version}`" in (output / "summary.md").read_text(encoding="utf-8")
    return findings


@pytest.mark.slow
def test_2025_10_contract_against_the_2026_04_mock_is_clean(tmp_path):
    # statically: nothing a 2025-10 client relies on changed in 2026-04 ...
    assert diff_documents("2025-10", "2026-04").failing() == []
    # ... and dynamically: the 2026-04 mock passes the 2025-10 contract
    done = run_contract("2025-10", tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "against Pinecone Control Plane API 2025-10" in done.stdout + done.stderr
    findings = assert_reports_name_the_contract(tmp_path, "2025-10")
    assert findings["verdict"] == "PASS" and findings["counts"]["findings"] == 0


def test_2024_04_contract_static_differences():
    """What the 2024-04 run should surface, known statically: 2026-04 breaks 2024-04 clients."""
    result = diff_documents("2024-04", "2026-04")
    breaking = {(c.rule, c.location) for c in result.changes if c.level == "breaking"}
    # every 2026-04 operation requires the version header, which 2024-04 clients do not send
    assert ("parameter-added-required", "/paths/~1indexes/get/parameters/0") in breaking
    assert result.failing()


@pytest.mark.slow
def test_2024_04_contract_against_the_2026_04_mock_reports_differences_without_crashing(tmp_path):
    done = run_contract("2024-04", tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1), output[-3000:]
    assert "Traceback" not in output
    assert not [line for line in output.splitlines() if line.startswith("E  ")], output[-3000:]
    findings = assert_reports_name_the_contract(tmp_path, "2024-04")
    if done.returncode == 1:
        assert findings["counts"]["findings"] > 0 and findings["verdict"] == "FAIL"
    # the findings are about the contract's differences, not about the tool: no setup errors
    record = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert record["errors"] == []
    assert "ServerNotFound" not in json.dumps(findings)
    # 2024-04 has no backups: the scenarios that need them say so instead of failing
    assert "no operation create_backup" in record["not_run"]["backup_and_restore"]
