"""The kill matrix: switch on each seeded deviation of the mock in turn, run the real suite,
and require that it is caught by a check of the right kind.

Each deviation is run in its own process (the same ``pinecone-conformance run`` a user
types, restricted to the operations through which the deviation shows), two at a time.
"Caught" means: the run exits 1 and at least one error finding is of a kind that names the
deviation's category (a response-schema deviation must be caught by a schema check, not by
an unrelated 500). The matrix is printed as deviation x check.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from core.findings import FindingStore
from core.run_record import FINDINGS_DIR

#: Deviation category -> finding kinds that name that problem.
KINDS_FOR_CATEGORY = {
    "response-schema": {"response-schema"},
    "status-code": {"status-code", "server-error"},
    "input-validation": {"input-validation"},
    "semantics": {"semantic"},
    "auth": {"auth"},
    "headers": {"content-type", "headers"},
    "error-body": {"error-body", "response-schema"},
}

#: More operations than this: run the first ones only (every operation is then still covered by
#: some other deviation, and the matrix stays fast enough for CI).
MAX_OPERATIONS = 4


@dataclass
class Row:
    deviation: str
    category: str
    exit_code: int
    seconds: float
    checks: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)

    @property
    def caught(self) -> bool:
        return self.exit_code == 1 and bool(set(self.kinds) & KINDS_FOR_CATEGORY.get(self.category, set()))


def run_one(deviation, *, seed: int, max_examples: int, output: Path) -> Row:
    operations = list(deviation.operations)[:MAX_OPERATIONS]
    command = [sys.executable, "-m", "conformance", "run", "--deviation", deviation.name, "--seed", str(seed),
               "--max-examples", str(max_examples), "-o", str(output), "--no-progress"]
    for operation in operations:
        command += ["--operation", operation]
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    row = Row(deviation.name, deviation.category, completed.returncode, time.monotonic() - started)
    for finding in FindingStore(output / FINDINGS_DIR):
        if finding.severity == "error":
            row.checks[finding.check] += 1
            row.kinds[finding.kind] += 1
    return row


def kill_matrix(names: list[str] | None = None, *, seed: int = 1, max_examples: int = 5, parallel: int = 2,
                workdir: Path = Path("selftest-report")) -> list[Row]:
    from mockserver.deviations import CATALOG

    chosen = [CATALOG[name] for name in (names or list(CATALOG))]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(run_one, d, seed=seed, max_examples=max_examples, output=workdir / d.name) for d in chosen]
        return [future.result() for future in futures]


def render(rows: list[Row]) -> str:
    checks = sorted({check for row in rows for check in row.checks})
    width = max((len(row.deviation) for row in rows), default=10)
    lines = [f"{'deviation':<{width}}  caught  {'secs':>5}  " + "  ".join(f"{i + 1:>3}" for i in range(len(checks)))]
    for row in rows:
        cells = "  ".join(f"{row.checks.get(check, 0) or '.':>3}" for check in checks)
        lines.append(f"{row.deviation:<{width}}  {'yes' if row.caught else 'NO':>6}  {row.seconds:5.1f}  {cells}")
    lines.append("")
    lines += [f"{i + 1:>3} = {check}" for i, check in enumerate(checks)]
    caught = sum(row.caught for row in rows)
    lines.append(f"\n{caught}/{len(rows)} seeded deviations caught")
    return "\n".join(lines)


def main_selftest(args: argparse.Namespace) -> int:
    rows = kill_matrix(args.deviation or None, seed=args.seed or 1, max_examples=args.max_examples or 5,
                       workdir=Path(args.output) / "selftest")
    print(render(rows))
    (Path(args.output) / "selftest").mkdir(parents=True, exist_ok=True)
    (Path(args.output) / "selftest" / "kill-matrix.json").write_text(json.dumps([
        {"deviation": r.deviation, "category": r.category, "caught": r.caught, "exit_code": r.exit_code,
         "seconds": round(r.seconds, 2), "checks": dict(r.checks)} for r in rows], indent=2), encoding="utf-8")
    return 0 if all(row.caught for row in rows) else 1
