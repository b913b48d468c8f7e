"""The bundled 2026-04 document is the one handed to the project, unmodified."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from pinecone_conformance.spec.loader import resolve

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "spec" / "seed-db_control_2026-04.flattened.txt"


def test_bundled_2026_04_is_package_data():
    bundled = files("pinecone_conformance.spec") / "documents" / "db_control_2026-04.oas.yaml"
    assert bundled.is_file()
    assert Path(str(bundled)).resolve() == resolve("2026-04").resolve()


def test_bundled_2026_04_equals_seed_token_for_token():
    if not SEED.is_file():
        pytest.skip(f"seed file not present: {SEED} (it lives next to the repository, in ../shared/spec)")
    seed_tokens = SEED.read_text(encoding="utf-8").split()
    bundled_tokens = resolve("2026-04").read_text(encoding="utf-8").split()
    if seed_tokens != bundled_tokens:
        for index, (seed, ours) in enumerate(zip(seed_tokens, bundled_tokens, strict=False)):
            if seed != ours:
                pytest.fail(f"token {index} differs: seed {seed!r}, bundled {ours!r}")
        pytest.fail(f"token counts differ: seed {len(seed_tokens)}, bundled {len(bundled_tokens)}")
