"""``pinecone-conformance report merge DIR... -o OUT``: shard outputs joined as if one run wrote them.

``run --shard K/N`` on N machines leaves N output directories. Each holds its findings store
(``findings/*.ndjson``) and ``run.json``, or at least ``findings.json`` (an artifact holding
only the reports is enough: findings.json carries the findings and everything run.json does).
Merging concatenates the findings and sums or unites the coverage (statuses observed, checks
run, links followed, requests), then renders every report from the merged data with
:func:`reports.write_reports`, so counts, groups, verdict and coverage are computed by the
same code as for a single run. The merged directory is itself a run directory (run.json and a
findings store), so it can be merged again, compared, or replayed from.

Shards must have tested the same document against the same target; anything else is a
usage error (exit 2). A shard that did not complete, or a missing shard of ``K/N``, makes the
merged run incomplete (exit code 2 recorded, and the reason in its errors). The command's
exit code is the merged run's: 0 conformant, 1 deviations, 2 incomplete or bad input.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from pinecone_conformance.core import verdict
from pinecone_conformance.core.errors import EXIT_FINDINGS, EXIT_USAGE, UsageError
from pinecone_conformance.core.findings import Finding, FindingStore
from pinecone_conformance.core.run_record import FINDINGS_DIR, RUN_RECORD_FILE, RunRecord
from pinecone_conformance.reports.findings_json import FINDINGS_JSON, InvalidFindingsFile
from pinecone_conformance.reports.findings_json import load as load_findings_json
from pinecone_conformance.reports.scrub import redact_finding, redact_record, secret_tuple

MERGED_STORE = "findings-merged.ndjson"


@dataclass(frozen=True)
class Shard:
    """One run directory's findings and record."""

    directory: Path
    findings: list[Finding]
    record: RunRecord


def record_from_findings_json(document: dict) -> RunRecord:
    """The :class:`RunRecord` a findings.json was written from (it carries every field)."""
    run, cov = document["run"], document["coverage"]
    return RunRecord(
        spec_version=run["spec"]["version"], spec_sha256=run["spec"]["sha256"], spec_source=run["spec"]["source"],
        target=run["target"], seed=run["seed"], run_id=run["run_id"], started_at=run["started_at"],
        finished_at=run["finished_at"], tool_versions=dict(run["tool_versions"]), options=dict(run["options"]),
        operations=list(cov["operations"]), documented_statuses={k: list(v) for k, v in cov["documented_statuses"].items()},
        observed_statuses={k: dict(v) for k, v in cov["observed_statuses"].items()},
        checks_run={k: list(v) for k, v in cov["checks_run"].items()}, links=dict(cov["links"]),
        checks={k: dict(v) for k, v in cov.get("checks", {}).items()},
        requests_total=run["requests_total"], throttled=run["throttled"], exit_code=run["exit_code"],
        errors=list(run["errors"]),
    )


def load_shard(directory: str | os.PathLike[str]) -> Shard:
    """A run directory: run.json + findings store, else findings.json alone. One-line errors."""
    path = Path(directory)
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory (give the output directories of the shards)")
    store = path / FINDINGS_DIR
    has_store = store.is_dir() and any(store.glob("findings-*.ndjson"))
    document = None
    if not (path / RUN_RECORD_FILE).is_file() or not has_store:
        if not (path / FINDINGS_JSON).is_file():
            if (path / RUN_RECORD_FILE).is_file():  # a run without findings and without reports
                return Shard(path, [], _load_record(path))
            raise UsageError(f"{path}: neither {RUN_RECORD_FILE} nor {FINDINGS_JSON} found: not a run's output")
        try:
            document = load_findings_json(path)
        except InvalidFindingsFile as error:
            raise UsageError(str(error)) from None
    record = _load_record(path) if (path / RUN_RECORD_FILE).is_file() else record_from_findings_json(document)
    try:
        findings = (FindingStore(store).all() if has_store
                    else [Finding.from_dict(item) for item in document["findings"]])
    except (ValueError, TypeError, KeyError) as error:
        raise UsageError(f"{path}: unreadable findings ({type(error).__name__}: {error})") from None
    return Shard(path, findings, record)


def _load_record(path: Path) -> RunRecord:
    try:
        return RunRecord.load(path)
    except (OSError, ValueError, TypeError) as error:
        raise UsageError(f"{path / RUN_RECORD_FILE}: unreadable ({type(error).__name__}: {error})") from None


def _unique(values: Iterable) -> list:
    return list(dict.fromkeys(values))


def _shard_of(record: RunRecord) -> tuple[int, int] | None:
    """``(K, N)`` from ``options["shard"]`` (``"K/N"`` or ``[K, N]``), if the run was a shard."""
    value = record.options.get("shard")
    if isinstance(value, str) and "/" in value:
        k, _, n = value.partition("/")
        if k.strip().isdigit() and n.strip().isdigit():
            return int(k), int(n)
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def _combine(values: Sequence[object]) -> object:
    """Fields without a rule of their own: counts summed, per-key counts summed, lists
    concatenated without repeats, other mappings united (first shard wins), text kept when
    all shards agree, else the distinct texts joined. New RunRecord fields merge sensibly
    without a change here."""
    first = values[0]
    if isinstance(first, bool) or first is None:
        return next((v for v in values if v), first)
    if isinstance(first, int | float):
        return sum(v for v in values if isinstance(v, int | float))
    if isinstance(first, list):
        return _unique(item for v in values for item in (v or []))
    if isinstance(first, dict):
        counts = all(isinstance(item, int | float) and not isinstance(item, bool)
                     for v in values for item in (v or {}).values())
        combined: dict = {}
        for v in values:
            for key, item in (v or {}).items():
                if counts:
                    combined[key] = combined.get(key, 0) + item
                else:
                    combined.setdefault(key, item)
        return combined
    texts = _unique(str(v) for v in values if v)
    return texts[0] if len(texts) == 1 else "; ".join(texts)


def merge_records(records: Sequence[RunRecord]) -> RunRecord:
    """One record for all shards: coverage summed / united, times spanning all of them."""
    if not records:
        raise UsageError("nothing to merge")
    first = records[0]
    for other in records[1:]:
        if other.spec_sha256 != first.spec_sha256:
            raise UsageError(f"the shards tested different documents ({first.spec_version} "
                             f"{first.spec_sha256[:12]} vs {other.spec_version} {other.spec_sha256[:12]})")
        if other.target != first.target:
            raise UsageError(f"the shards tested different targets ({first.target} vs {other.target})")
    merged = RunRecord(**{f.name: _combine([getattr(r, f.name) for r in records]) for f in fields(RunRecord)})
    for name in ("spec_version", "spec_sha256", "spec_source", "target"):
        setattr(merged, name, getattr(first, name))
    seeds = _unique(r.seed for r in records)
    merged.seed = seeds[0] if len(seeds) == 1 else None
    merged.run_id = ",".join(_unique(r.run_id for r in records))
    merged.started_at = min((r.started_at for r in records if r.started_at), default="")
    merged.finished_at = max((r.finished_at for r in records if r.finished_at), default="")
    merged.tool_versions = {k: v for r in reversed(records) for k, v in r.tool_versions.items()}
    merged.options = {key: value for key, value in first.options.items() if key != "shard"}
    shards = [_shard_of(r) for r in records]
    if any(shards):
        merged.options["shards"] = [f"{k}/{n}" for k, n in sorted(s for s in shards if s)]
    if len(seeds) > 1:
        merged.options["seeds"] = seeds
    merged.documented_statuses = {}
    merged.observed_statuses = {}
    merged.checks_run = {}
    for r in records:
        for op, codes in r.documented_statuses.items():
            merged.documented_statuses[op] = sorted(set(merged.documented_statuses.get(op, [])) | set(codes))
        for op, counts in r.observed_statuses.items():
            target = merged.observed_statuses.setdefault(op, {})
            for code, count in counts.items():
                target[str(code)] = target.get(str(code), 0) + count
        for op, checks in r.checks_run.items():
            merged.checks_run[op] = sorted(set(merged.checks_run.get(op, [])) | set(checks))
    problems = _missing_shards(shards)
    merged.errors = _unique(error for r in records for error in r.errors) + problems
    codes = [r.exit_code for r in records if r.exit_code is not None]
    # the one rule of core.verdict, on what the shards concluded: a shard that concluded nothing
    # (exit 2), or a missing shard, leaves the merged run concluding nothing; else deviations fail it
    merged.exit_code = verdict.decide(EXIT_FINDINGS in codes, broken=EXIT_USAGE in codes or bool(problems)) \
        if codes or problems else None
    return merged


def _missing_shards(shards: Sequence[tuple[int, int] | None]) -> list[str]:
    """Why a set of shards is not a whole run (a missing, repeated or mismatched shard)."""
    present = [s for s in shards if s]
    if not present:
        return []
    totals = sorted({n for _, n in present})
    if len(totals) > 1:
        return [f"the shards come from splits of different sizes ({', '.join(map(str, totals))})"]
    n = totals[0]
    seen = [k for k, _ in present]
    problems = [f"shard {k}/{n} is missing from the merge" for k in range(1, n + 1) if k not in seen]
    problems += [f"shard {k}/{n} was given more than once" for k in sorted(set(seen)) if seen.count(k) > 1]
    if len(present) < len(shards):
        problems.append("an unsharded run was merged with shards")
    return problems


def merge(directories: Sequence[str | os.PathLike[str]]) -> tuple[list[Finding], RunRecord]:
    """The findings and record of the shards in ``directories``, joined."""
    resolved = [Path(d).resolve() for d in directories]
    for index, path in enumerate(resolved):
        if path in resolved[:index]:
            raise UsageError(f"{directories[index]} is given twice")
    shards = [load_shard(d) for d in directories]
    findings = [finding for shard in shards for finding in shard.findings]
    return findings, merge_records([shard.record for shard in shards])


def write_merged(output: str | os.PathLike[str], findings: Sequence[Finding], record: RunRecord,
                 secrets: Iterable[str | None] = ()) -> dict[str, Path]:
    """Write run.json, the findings store and every report (findings.har too) into ``output``."""
    from pinecone_conformance.reports import write_reports
    from pinecone_conformance.reports.har import write_har

    secrets = secret_tuple(secrets)
    output = Path(output)
    store = output / FINDINGS_DIR
    store.mkdir(parents=True, exist_ok=True)
    for stale in store.glob("findings-*.ndjson"):
        stale.unlink()
    with (store / MERGED_STORE).open("w", encoding="utf-8") as handle:
        for finding in findings:
            handle.write(json.dumps(redact_finding(finding, secrets).to_dict(), sort_keys=True, default=str) + "\n")
    redact_record(record, secrets).save(output)
    written = write_reports(output, findings, record, secrets=secrets)
    written["findings.har"] = write_har(output, findings, secrets=secrets, started_at=record.started_at or None)
    return written


def main_merge(args: argparse.Namespace, secrets: Iterable[str | None] = ()) -> int:
    """Entry point of ``report merge``: merge, write, print one line; exit code of the merged run.

    In GitHub Actions (``$GITHUB_STEP_SUMMARY`` set) the merged summary.md goes to the job summary.

    ``secrets`` (e.g. the embedded mock's key) are scrubbed from the outputs along with
    ``--api-key`` / ``$PINECONE_API_KEY``.
    """
    import sys

    output = Path(args.output)
    if output.resolve() in {Path(d).resolve() for d in args.directories}:
        raise UsageError(f"-o {args.output} is one of the shard directories; choose a new directory")
    findings, record = merge(args.directories)
    key = getattr(args, "api_key", None) or os.environ.get("PINECONE_API_KEY")
    written = write_merged(output, findings, record, secrets=(key, *secrets))
    from pinecone_conformance.reports.github import write_step_summary

    write_step_summary(written["summary.md"].read_text(encoding="utf-8"), os.environ)  # only in GitHub Actions
    errors = sum(f.severity == "error" for f in findings)
    print(f"pinecone-conformance: merged {len(args.directories)} runs: {len(findings)} findings ({errors} errors) "
          f"from {record.requests_total} requests; reports in {output} ({', '.join(sorted(written))})",
          file=sys.stderr)
    for problem in record.errors:
        print(f"pinecone-conformance: warning: {problem}", file=sys.stderr)
    return record.exit_code if record.exit_code is not None else 0
