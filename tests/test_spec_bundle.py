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


def test_the_validated_digests_are_exactly_the_bundled_documents_and_each_validates():
    """A run skips meta-schema validation for a digest in ``validated.sha256``: only because this
    test validates each of those documents, and no other digest may be listed."""
    import hashlib

    from pinecone_conformance.spec.loader import (
        DOCUMENTS_DIR,
        VALIDATED_DIGESTS_PATH,
        parse_yaml,
        validate_document,
    )

    listed = dict(reversed(line.split()) for line in VALIDATED_DIGESTS_PATH.read_text(encoding="utf-8").splitlines())
    bundled = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in DOCUMENTS_DIR.glob("*.oas.yaml")}
    assert listed == bundled
    for name in bundled:
        validate_document(parse_yaml((DOCUMENTS_DIR / name).read_text(encoding="utf-8"), name), name)


def test_a_document_not_listed_is_still_validated(tmp_path):
    from pinecone_conformance.core.errors import SpecError
    from pinecone_conformance.spec.loader import load

    broken = tmp_path / "broken.yaml"
    broken.write_text(resolve("2026-04").read_text(encoding="utf-8").replace("openapi: 3.0.3", "openapi: 3.0.3\nx: 1", 1)
                      .replace("  /indexes:", "  indexes:", 1), encoding="utf-8")
    with pytest.raises(SpecError, match="invalid OpenAPI document"):
        load(broken)
