"""Schemathesis fuzzing of the faithful mock and of its contract profile: tests/fuzz/mock_fuzz.py,
run in a pytest of its own.

That module makes its tests at collection, and Schemathesis draws every operation's coverage
cases then (about 5 s of CPU; 18 s before its name formats could draw the longest names):
collected with the other tests, each pytest-xdist worker paid it before running anything,
and the fuzzing was split between the workers, so the checks that it reached every
operation could only run without xdist. Run here, it is collected once,
all of it in one process, and every one of its tests must pass (none skipped).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

FUZZ = Path(__file__).resolve().parent / "fuzz" / "mock_fuzz.py"
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_fuzzing_the_mock_and_its_contract_profile_finds_nothing(tmp_path):
    junit = tmp_path / "mock-fuzz.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", str(FUZZ), "-q", "-p", "no:xdist", "-p", "no:randomly",
                           "--junitxml", str(junit)], capture_output=True, text=True, timeout=900, cwd=ROOT,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    cases = [case for suite in JUnitXml.fromfile(str(junit)) for case in suite]
    names = {case.name.split("[", 1)[0] for case in cases}
    assert {"test_fuzz_faithful_mock", "test_fuzz_contract_profile", "test_fuzzing_reached_every_operation_in_both_modes",
            "test_contract_fuzzing_reached_every_operation"} <= names
    assert sum(case.name.startswith("test_fuzz_faithful_mock") for case in cases) == 18  # one per operation
    assert sum(case.name.startswith("test_fuzz_contract_profile") for case in cases) == 18
    unfinished = [case.name for case in cases if any(isinstance(r, Failure | Error | Skipped) for r in case.result)]
    assert unfinished == []  # the reach checks ran where the fuzzing ran: never skipped
