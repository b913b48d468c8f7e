"""``report compare``: new / fixed / still, exit codes, formats and bad input, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pinecone_conformance.conformance.cli import main
from pinecone_conformance.core.findings import Finding, FindingStore
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports import write_reports
from pinecone_conformance.reports.compare import compare
from pinecone_conformance.reports.findings_json import load

FIXTURE = Path(__file__).parent / "data" / "reports" / "run"
FIXED_ONLY = Finding("status-code", "missing_resource_404", "error", "describe_collection of a missing resource: "
                     "expected 404, got 500", "describe_collection", None, "curl -X GET x", 500, "oops", 7)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """clean: no finding; deviated: the fixture; mixed: the fixture without describe_index, plus FIXED_ONLY."""
    findings = FindingStore(FIXTURE / "findings").all()
    record = RunRecord.load(FIXTURE)
    base = tmp_path_factory.mktemp("runs")
    variants = {
        "clean": [],
        "deviated": findings,
        "mixed": [f for f in findings if f.operation != "describe_index"] + [FIXED_ONLY],
    }
    return {name: write_reports(base / name, items, record)["findings.json"].parent
            for name, items in variants.items()}


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["report", "compare", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_clean_to_deviated_reports_new_and_exits_1(runs, capsys):
    code, out, err = run_cli(capsys, runs["clean"], runs["deviated"])
    assert code == 1, out + err
    assert "6 new, 0 fixed, 0 still" in out
    assert "NEW (6)" in out and "describe_index" in out and "response_schema_conformance" in out


def test_same_run_is_all_still_and_exits_0(runs, capsys):
    code, out, _ = run_cli(capsys, runs["deviated"], runs["deviated"] / "findings.json")
    assert code == 0
    assert "0 new, 0 fixed, 6 still" in out and "3→3" in out


def test_deviated_to_clean_is_all_fixed_and_exits_0(runs, capsys):
    code, out, _ = run_cli(capsys, runs["deviated"], runs["clean"])
    assert code == 0
    assert "0 new, 6 fixed, 0 still" in out


def test_new_fixed_and_still_by_fingerprint(runs):
    old, new = load(runs["mixed"]), load(runs["deviated"])
    result = compare(old, new)
    assert [g["operation"] for g in result.new] == ["describe_index"]
    assert [g["operation"] for g in result.fixed] == ["describe_collection"]
    assert len(result.still) == 5 and all(g["old_count"] == g["count"] for g in result.still)
    assert result.exit_code == 1
    assert compare(new, old).exit_code == 1  # describe_collection is new in that direction
    assert compare(new, new).exit_code == 0


def test_json_format(runs, capsys):
    code, out, _ = run_cli(capsys, runs["mixed"], runs["deviated"], "--format", "json")
    document = json.loads(out)
    assert code == 1 and document["exit_code"] == 1
    assert document["counts"] == {"new": 1, "fixed": 1, "still": 5}
    assert document["new_deviations"][0]["operation"] == "describe_index"
    assert document["fixed"][0]["operation"] == "describe_collection"
    assert document["new"]["run"]["seed"] == 1234


def test_markdown_format(runs, capsys):
    code, out, _ = run_cli(capsys, runs["mixed"], runs["deviated"], "--format", "markdown")
    assert code == 1
    assert out.startswith("## Conformance comparison: ❌ new deviations")
    assert "### New (1)" in out and "### Fixed (1)" in out and "### Still (5)" in out
    assert "| error | `describe_index` | `response_schema_conformance` | 200 | 3 |" in out


@pytest.mark.parametrize("bad", ["missing", "not-json", "invalid", "directory-without-file"])
def test_bad_input_exits_2_in_one_line(runs, tmp_path, capsys, bad):
    path = tmp_path / "findings.json"
    if bad == "not-json":
        path.write_text("{oops")
    elif bad == "invalid":
        path.write_text(json.dumps({"schema_version": 2, "groups": [{"fingerprint": 3}]}))
    elif bad == "directory-without-file":
        path = tmp_path
    code, out, err = run_cli(capsys, runs["clean"], path)
    assert code == 2
    assert out == ""
    assert err.startswith("pinecone-conformance: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_other_schema_version_is_refused(runs, tmp_path, capsys):
    document = json.loads((runs["clean"] / "findings.json").read_text())
    document["schema_version"] = 99
    (tmp_path / "findings.json").write_text(json.dumps(document))
    code, _, err = run_cli(capsys, tmp_path, runs["clean"])
    assert code == 2 and "schema_version 99" in err


def test_different_documents_are_flagged(runs, tmp_path, capsys):
    document = json.loads((runs["deviated"] / "findings.json").read_text())
    document["run"]["spec"]["sha256"] = "f" * 64
    (tmp_path / "findings.json").write_text(json.dumps(document))
    _, out, _ = run_cli(capsys, tmp_path, runs["deviated"])
    assert "warning: the runs tested different documents" in out
