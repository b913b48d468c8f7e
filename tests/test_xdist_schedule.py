"""The project's own xdist scheduling (tests/xdist_schedule.py): which tests stay together."""

from __future__ import annotations

import types

from xdist_schedule import LongestFirstScheduling, modules_with_shared_fixtures


def test_modules_defining_a_shared_fixture_are_found_from_the_source(tmp_path):
    tests = tmp_path / "tests"
    (tests / "deeper").mkdir(parents=True)
    (tests / "test_shared.py").write_text("import pytest\n\n@pytest.fixture(scope='module')\ndef run():\n    return 1\n")
    (tests / "deeper" / "test_session.py").write_text("from pytest import fixture\n\n@fixture(scope='session')\ndef s(): ...\n")
    (tests / "test_plain.py").write_text("import pytest\n\n@pytest.fixture\ndef f(): ...\n\n@pytest.fixture(scope='function')\ndef g(): ...\n")
    (tests / "test_broken.py").write_text("def (:\n")
    (tests / "helper.py").write_text("import pytest\n\n@pytest.fixture(scope='module')\ndef h(): ...\n")
    assert modules_with_shared_fixtures(tests, tmp_path) == {"tests/test_shared.py", "tests/deeper/test_session.py"}


def test_a_module_with_a_shared_fixture_is_one_unit_and_every_other_test_its_own():
    config = types.SimpleNamespace(option=types.SimpleNamespace(loadscopereorder=True, numprocesses=2, tx=[]),
                                   getvalue=lambda name: ["2*popen"] if name == "tx" else None)
    scheduler = LongestFirstScheduling(config, together={"tests/test_shared.py"})
    assert scheduler._split_scope("tests/test_shared.py::test_a") == "tests/test_shared.py"
    assert scheduler._split_scope("tests/test_shared.py::test_b[1]") == "tests/test_shared.py"
    assert scheduler._split_scope("tests/test_other.py::test_a[x::y]") == "tests/test_other.py::test_a[x::y]"
    assert config.option.loadscopereorder is False  # conftest's order (longest first) is kept
