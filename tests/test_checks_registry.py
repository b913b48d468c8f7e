"""The check registry and the two authorities: every check declared once, every reference real,
and profiles that judge production parity apart from the contract."""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import cli_process
import pytest

from pinecone_conformance.conformance.registry import CHECKS
from pinecone_conformance.core.checks import CONTRACT, PRODUCTION, Check, apply_profile, contract, production
from pinecone_conformance.core.findings import Finding
from pinecone_conformance.mockserver.deviations import CATALOG
from pinecone_conformance.spec.loader import load

ROOT = Path(__file__).resolve().parents[1]
RESEARCH = ROOT.parent / "shared" / "research" / "pinecone-behavior.md"
CONFIDENCE_TAG = {"T": "tested", "D": "docs", "I": "inferred"}


def _resolve(raw: dict, pointer: str):
    node = raw
    for part in pointer.lstrip("#").strip("/").split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_contract_check_cites_text_that_exists_in_the_document():
    raw = load().raw
    for check in CHECKS:
        if check.authority.kind == CONTRACT:
            _resolve(raw, check.authority.reference)  # KeyError names a pointer that went stale


@pytest.mark.skipif(not RESEARCH.is_file(), reason="shared/research is beside the checkout in CI and sessions")
def test_every_production_check_cites_a_rule_of_the_research_with_its_confidence():
    rules = dict(re.findall(r"^- (R-[A-Z]+-\d+) \[([TDI])\]", RESEARCH.read_text(encoding="utf-8"), re.M))
    for check in CHECKS:
        if check.authority.kind == PRODUCTION:
            rule = check.authority.reference
            assert rule in rules, f"{check.id}: {rule} is not a rule of pinecone-behavior.md"
            assert CONFIDENCE_TAG[rules[rule]] == check.authority.confidence, check.id


def test_every_schemathesis_check_is_declared():
    import schemathesis.specs.openapi.checks  # noqa: F401 (registers the built-ins)
    from schemathesis.checks import CHECKS as BUILT_IN

    names = {check.__name__ for check in BUILT_IN.get_all()} - {"pinecone_observer"}
    assert names <= set(CHECKS.ids())


def _literal_check_ids() -> set[str]:
    """Every check id the suite's code names: first arguments of fail/expect/require/passed/
    _problem/Problem/expect_rejected and CHECKS[...] subscripts."""
    positions = {"fail": 0, "expect": 2, "require": 2, "passed": 0, "expect_rejected": 2, "_problem": 1, "Problem": 0}
    found = set()
    for path in (ROOT / "conformance").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                position = positions.get(name)
                if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant) \
                        and isinstance(node.args[position].value, str):
                    found.add(node.args[position].value)
            if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "CHECKS" \
                    and isinstance(node.slice, ast.Constant):
                found.add(node.slice.value)
    return found


def test_every_check_the_code_names_is_declared():
    used = _literal_check_ids()
    assert len(used) > 40
    assert used - set(CHECKS.ids()) == set()


def test_a_finding_is_made_from_its_check_and_cannot_be_made_worse():
    check = Check("x", "semantic", "warning", production("R-CFG-09", "tested"), "asserts")
    finding = check.finding("m", operation="configure_index")
    assert (finding.kind, finding.severity, finding.authority) == ("semantic", "warning", PRODUCTION)
    assert finding.details["authority_reference"] == "R-CFG-09"
    assert check.finding("m", severity="note").severity == "note"
    with pytest.raises(ValueError):
        check.finding("m", severity="error")
    with pytest.raises(ValueError):
        check.finding("m", kind="auth")


@pytest.mark.parametrize(("authority", "confidence", "profile", "expected"), [
    (CONTRACT, "", "contract", "error"),
    (CONTRACT, "", "production", "error"),
    (PRODUCTION, "tested", "contract", "warning"),
    (PRODUCTION, "tested", "production", "error"),
    (PRODUCTION, "inferred", "production", "warning"),  # inferred rules never fail a run
])
def test_profiles_judge_production_parity_apart(authority, confidence, profile, expected):
    finding = Finding(kind="semantic", check="c", severity="error", message="m", authority=authority)
    assert apply_profile(finding, profile, confidence).severity == expected


def test_declaring_a_production_rule_needs_a_confidence():
    with pytest.raises(ValueError):
        production("R-X-1", "")
    assert contract("#/paths").kind == CONTRACT


def _cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return cli_process.run(list(args), timeout=timeout)


def test_the_checks_command_lists_the_registry():
    done = _cli("checks", "--format", "json", timeout=60)
    rows = json.loads(done.stdout)
    assert done.returncode == 0 and [row["id"] for row in rows] == CHECKS.ids()
    assert {row["authority"] for row in rows} == {CONTRACT, PRODUCTION}
    table = _cli("checks", timeout=60)
    assert "pod_resize_rules" in table.stdout and "R-CFG-09 [tested]" in table.stdout


def test_a_check_typo_is_refused_not_a_silent_pass(tmp_path):
    done = _cli("run", "--check", "respons_schema_conformance", "-o", str(tmp_path), timeout=60)
    assert done.returncode == 2 and "unknown check" in done.stderr and "Traceback" not in done.stderr


#: What production Pinecone does and the document does not require: the contract mock differs there.
PARITY = {"api_version_optional", "api_version_rejected_unknown", "invalid_limit_rejected",
          "negative_data_rejection_undocumented", "pod_resize_rules"}


def _groups(output: Path) -> list[dict]:
    return json.loads((output / "findings.json").read_text())["groups"]


@pytest.mark.slow
def test_a_contract_literal_server_passes_the_contract_profile(tmp_path):
    """The mock's contract profile is a second faithful server with other choices: clean by the
    contract; its differences from production are reported as parity warnings, never errors."""
    done = _cli("run", "--seed", "5", "--mock-profile", "contract", "-o", str(tmp_path), "--no-progress")
    groups = _groups(tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [g for g in groups if g["severity"] == "error"] == []
    assert {g["check"] for g in groups if g["authority"] == PRODUCTION and g["severity"] == "warning"} == PARITY


#: The catalog's deviations that only production's rules forbid: servers the document allows.
#: index-never-ready is left out only because it leaves most scenarios not run, hiding the rest.
PRODUCTION_ONLY = [name for name, deviation in CATALOG.items()
                   if deviation.authority == PRODUCTION and name != "index-never-ready"]


@pytest.mark.slow
def test_a_server_that_differs_from_production_only_passes_the_contract_profile(tmp_path):
    """All of them in one server, the default run: no contract check fails it (a contract-
    conformant server is not broken), and each difference is a parity warning of its own rule.
    The kill matrix judges each alone, but on a few operations; this is the whole run, where
    the Schemathesis phases' indexes meet the scenarios' judges too."""
    deviations = [argument for name in PRODUCTION_ONLY for argument in ("--deviation", name)]
    done = _cli("run", "--seed", "3", *deviations, "-o", str(tmp_path), "--no-progress")
    groups = _groups(tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [g for g in groups if g["authority"] == CONTRACT and g["severity"] != "note"] == []
    assert {g["check"] for g in groups if g["authority"] == PRODUCTION and g["severity"] == "warning"} >= {
        "invalid_limit_rejected", "unknown_region_rejected", "deleted_index_unlisted", "tags_merged",
        "configure_keeps_unnamed", "name_released", "configure_answers_new_model", "api_version_optional",
        "error_code"}
    assert len(PRODUCTION_ONLY) == 9  # a new production-only deviation: add what it must be reported as


#: Where every production-parity rule is judged: the scenarios (the version header, limits, pod
#: resizes) and the coverage phase, whose negative cases reach every operation deterministically
#: (undocumented refusals, explicit nulls) and whose answers meet every per-response rule.
#: Examples, fuzzing and the state machine add requests, not rules: the full runs with the
#: contract profile (above, and tests/test_conformance_run.py's default run, same seed and mock
#: as below) show that nothing else in them is a production-parity finding, and a profile
#: changes how findings are judged, not which requests are sent.
PARITY_PHASES = ("--phase", "scenarios", "--phase", "coverage")


@pytest.mark.slow
def test_the_production_profile_reports_exactly_the_parity_differences(tmp_path):
    done = _cli("run", "--seed", "5", "--profile", "production", "--mock-profile", "contract", *PARITY_PHASES,
                "-o", str(tmp_path), "--no-progress")
    errors = [g for g in _groups(tmp_path) if g["severity"] == "error"]
    assert done.returncode == 1
    assert {g["check"] for g in errors} == PARITY
    assert {g["authority"] for g in errors} == {PRODUCTION}
    summary = (tmp_path / "summary.md").read_text()
    assert "### Production parity" in summary and "profile `production`" in summary


@pytest.mark.slow
def test_the_production_profile_passes_the_production_mock(tmp_path):
    """Not even a note: the explicit nulls the contract profile notes on the same run (seed 11,
    these phases; tests/test_conformance_run.py's default run has them too) are production's
    own behaviour, and no production rule finds anything."""
    done = _cli("run", "--seed", "11", "--profile", "production", *PARITY_PHASES, "-o", str(tmp_path), "--no-progress")
    assert done.returncode == 0, done.stderr[-2000:]
    assert _groups(tmp_path) == []  # the production mock is production: not even a note
    checked = json.loads((tmp_path / "findings.json").read_text())["coverage"]["checks_run"]
    assert {"api_version_optional", "invalid_limit_rejected", "pod_resize_rules", "error_code"} <= \
        {check for checks in checked.values() for check in checks}  # the parity rules were judged, and passed
