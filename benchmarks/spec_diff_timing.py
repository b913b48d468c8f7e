"""Print how long ``spec diff`` takes along the whole bundled chain (2024-04 -> ... -> 2026-07):
loading each document (parse + OpenAPI validation) once, then each consecutive pair's diff,
best of ``--repeat`` runs, with the counts per level. A benchmark, not a test: it prints
figures and asserts nothing (the target is well under a second per pair).

    python benchmarks/spec_diff_timing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pinecone_conformance.spec.diff import diff  # noqa: E402
from pinecone_conformance.spec.loader import available_versions, load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="diff each pair this many times, report the best")
    args = parser.parse_args()

    versions = available_versions()
    documents = {}
    started = time.perf_counter()
    for version in versions:
        documents[version] = load(version).raw
    load_seconds = time.perf_counter() - started
    print(f"loaded and validated {len(versions)} documents in {load_seconds:.2f} s")

    total = 0.0
    print(f"{'pair':<22} {'diff (s)':>9} {'breaking':>9} {'warning':>8} {'info':>6}")
    for old, new in zip(versions, versions[1:], strict=False):
        best = float("inf")
        for _ in range(max(1, args.repeat)):
            started = time.perf_counter()
            changes = diff(documents[old], documents[new])
            best = min(best, time.perf_counter() - started)
        total += best
        counts = {level: sum(1 for c in changes if c.level == level) for level in ("breaking", "warning", "info")}
        print(f"{old + ' -> ' + new:<22} {best:>9.3f} {counts['breaking']:>9} {counts['warning']:>8} {counts['info']:>6}")
    pairs = len(versions) - 1
    print(f"whole chain: {pairs} pairs in {total:.3f} s (diff only; {total / pairs:.3f} s per pair), "
          f"{total + load_seconds:.2f} s with loading")


if __name__ == "__main__":
    main()
