"""A run's pytest loads only the suite's own plugins: a pytest plugin installed beside the
package (pytest-randomly reordering tests, a plugin failing at start, ...) must not change it."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _install_foreign_plugin(site):
    """A distribution with a pytest11 entry point whose plugin would break any pytest it joins."""
    (site / "foreign_plugin.py").write_text(
        "def pytest_configure(config):\n    raise SystemExit('the foreign plugin was loaded')\n", encoding="utf-8")
    info = site / "foreign_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: foreign-plugin\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[pytest11]\nforeign = foreign_plugin\n", encoding="utf-8")


def test_a_foreign_pytest_plugin_is_not_loaded_into_a_run(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    _install_foreign_plugin(site)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    # the plugin is installed: a plain pytest picks it up and stops
    plain = subprocess.run([sys.executable, "-m", "pytest", "--co", "-q", str(site)], env=env, capture_output=True,
                           text=True, timeout=120, cwd=tmp_path)
    assert "the foreign plugin was loaded" in plain.stdout + plain.stderr
    done = subprocess.run([sys.executable, "-m", "pinecone_conformance", "run", "--seed", "1", "--phase", "examples",
                           "--operation", "list_indexes", "--no-progress", "-o", str(tmp_path / "out")],
                          env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "out" / "run.json").read_text())["requests_total"] > 0


def test_the_heap_is_frozen_during_a_run_and_unfrozen_after():
    """Set-up objects are hidden from the cycle collector while the run lasts, and handed back
    when it ends (a process running several runs must not keep one's garbage for the next)."""
    import gc

    from pinecone_conformance.conformance.fuzz import heap_frozen

    before = gc.get_freeze_count()
    with heap_frozen():
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == 0
