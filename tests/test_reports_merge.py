"""``report merge``: shard outputs joined into the reports one run would have written."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from junitparser import JUnitXml

from pinecone_conformance.conformance.cli import main
from pinecone_conformance.core.errors import UsageError
from pinecone_conformance.core.findings import FindingStore
from pinecone_conformance.core.run_record import FINDINGS_DIR, RunRecord
from pinecone_conformance.reports import write_reports
from pinecone_conformance.reports.findings_json import load, validation_errors
from pinecone_conformance.reports.merge import load_shard, merge, merge_records

FIXTURE = Path(__file__).parent / "data" / "reports" / "run"
#: Fields that legitimately differ between a run and its merged shards.
PER_RUN = ("run_id", "options")


def fixture() -> tuple[list, RunRecord]:
    return FindingStore(FIXTURE / "findings").all(), RunRecord.load(FIXTURE)


def split(findings, record: RunRecord, parts: list[set[str]], base: Path) -> list[Path]:
    """Cut one run into shard directories by operation, as ``run --shard K/N`` would have run them."""
    directories = []
    n = len(parts)
    for k, ops in enumerate(parts, start=1):
        mine = [f for f in findings if (f.operation in ops) or (k == 1 and f.operation not in set().union(*parts))]
        # Each operation belongs to one shard, but the state machine and scenarios of every shard
        # call others too: a count of c >= n is split, one response to each other shard.
        observed = {}
        for op, counts in record.observed_statuses.items():
            mine_counts = {code: (c - (n - 1) if op in ops else 1) if c >= n else c
                           for code, c in counts.items() if c >= n or op in ops}
            if mine_counts:
                observed[op] = mine_counts
        shard = replace(
            record,
            run_id=f"{record.run_id}s{k}",
            options={**record.options, "shard": f"{k}/{n}"},
            observed_statuses=observed,
            checks_run={op: checks for op, checks in record.checks_run.items() if op in ops},
            links={link: (count if link.split(" ->")[0] in ops else 0) for link, count in record.links.items()},
            requests_total=sum(sum(c.values()) for c in observed.values()) + (
                record.requests_total - sum(sum(c.values()) for c in record.observed_statuses.values()) if k == 1 else 0),
            throttled=record.throttled if k == n else 0,
            started_at=record.started_at if k == 1 else "2026-11-23T22:00:05+00:00",
            finished_at=record.finished_at if k == n else "2026-11-23T22:01:00+00:00",
        )
        directory = base / f"shard{k}"
        shard.save(directory)
        FindingStore(directory / FINDINGS_DIR).extend(mine)
        directories.append(directory)
    return directories


@pytest.fixture
def shards(tmp_path):
    findings, record = fixture()
    ops = list(record.operations)
    return split(findings, record, [set(ops[::2]), set(ops[1::2])], tmp_path)


def comparable(document: dict) -> dict:
    run = {key: value for key, value in document["run"].items() if key not in PER_RUN}
    return {"verdict": document["verdict"], "run": run, "counts": document["counts"],
            "coverage": document["coverage"], "groups": document["groups"],
            "findings": sorted(json.dumps(f, sort_keys=True) for f in document["findings"])}


def test_merged_shards_report_exactly_what_the_whole_run_reports(shards, tmp_path):
    findings, record = fixture()
    write_reports(tmp_path / "whole", findings, record)
    assert main(["report", "merge", *map(str, shards), "-o", str(tmp_path / "merged")]) == record.exit_code == 1
    whole, merged = load(tmp_path / "whole"), load(tmp_path / "merged")
    assert validation_errors(merged) == []
    assert comparable(merged) == comparable(whole)
    assert merged["run"]["options"]["shards"] == ["1/2", "2/2"] and "shard" not in merged["run"]["options"]
    assert merged["run"]["run_id"] == f"{record.run_id}s1,{record.run_id}s2"
    assert merged["coverage"]["summary"]["operations_exercised"] == whole["coverage"]["summary"]["operations_exercised"] > 0
    junit_whole = JUnitXml.fromfile(str(tmp_path / "whole" / "junit.xml"))
    junit_merged = JUnitXml.fromfile(str(tmp_path / "merged" / "junit.xml"))
    assert (junit_merged.tests, junit_merged.failures, junit_merged.errors) == \
        (junit_whole.tests, junit_whole.failures, junit_whole.errors)
    summary = (tmp_path / "merged" / "summary.md").read_text()
    assert summary.splitlines()[0] == (tmp_path / "whole" / "summary.md").read_text().splitlines()[0]
    assert (tmp_path / "merged" / "report.html").stat().st_size > 0
    assert json.loads((tmp_path / "merged" / "findings.har").read_text())["log"]["version"] == "1.2"


def test_each_shard_alone_covers_less_than_the_merge(shards, tmp_path):
    merged_findings, merged_record = merge(shards)
    for directory in shards:
        shard = load_shard(directory)
        assert shard.record.requests_total < merged_record.requests_total
        assert len(shard.findings) < len(merged_findings)


def test_the_merged_directory_is_a_run_directory_that_merges_again(shards, tmp_path):
    assert main(["report", "merge", *map(str, shards), "-o", str(tmp_path / "m1")]) == 1
    store = list((tmp_path / "m1" / FINDINGS_DIR).glob("findings-*.ndjson"))
    assert [p.name for p in store] == ["findings-merged.ndjson"]
    again = load_shard(tmp_path / "m1")
    assert len(again.findings) == len(fixture()[0])
    assert again.record.observed_statuses == RunRecord.load(FIXTURE).observed_statuses


def test_directories_holding_only_findings_json_merge_too(shards, tmp_path):
    reports_only = []
    for index, directory in enumerate(shards):
        shard = load_shard(directory)
        target = tmp_path / f"reports{index}"
        write_reports(target, shard.findings, shard.record)
        reports_only.append(target)
    assert not (reports_only[0] / "run.json").exists()
    main(["report", "merge", *map(str, shards), "-o", str(tmp_path / "a")])
    main(["report", "merge", *map(str, reports_only), "-o", str(tmp_path / "b")])
    assert comparable(load(tmp_path / "a")) == comparable(load(tmp_path / "b"))


def test_a_missing_shard_makes_the_merge_incomplete(shards, tmp_path, capsys):
    assert main(["report", "merge", str(shards[0]), "-o", str(tmp_path / "out")]) == 2
    document = load(tmp_path / "out")
    assert "shard 2/2 is missing from the merge" in document["run"]["errors"]
    assert "shard 2/2 is missing" in capsys.readouterr().err


def test_counts_of_new_record_fields_are_summed_and_texts_joined():
    base = RunRecord(spec_sha256="x", target="t", seed=1, exit_code=0)
    one = replace(base, requests_total=3, links={"a -> b (l)": 1}, options={"shard": "1/2"})
    two = replace(base, requests_total=4, links={"a -> b (l)": 0, "c -> d (m)": 2}, options={"shard": "2/2"})
    merged = merge_records([one, two])
    assert merged.requests_total == 7 and merged.links == {"a -> b (l)": 1, "c -> d (m)": 2}
    assert merged.exit_code == 0 and merged.errors == [] and merged.seed == 1
    for name, value in (("skipped", {"budget": 2}), ("methods", {"GET": 3})):  # fields added by issue 13
        if hasattr(base, name):
            assert getattr(merge_records([replace(one, **{name: value}), replace(two, **{name: value})]), name) == \
                {key: 2 * count for key, count in value.items()}


@pytest.mark.parametrize(("change", "message"), [
    ({"spec_sha256": "other"}, "different documents"),
    ({"target": "https://elsewhere"}, "different targets"),
])
def test_shards_of_different_runs_are_refused(change, message):
    base = RunRecord(spec_sha256="x", target="t")
    with pytest.raises(UsageError, match=message):
        merge_records([base, replace(base, **change)])


def test_bad_input_is_one_line_and_exit_2(shards, tmp_path, capsys):
    cases = [
        [str(shards[0]), str(shards[0]), "-o", str(tmp_path / "o1")],  # the same directory twice
        [str(shards[0]), str(shards[1]), "-o", str(shards[1])],  # output onto an input
        [str(tmp_path / "nowhere"), "-o", str(tmp_path / "o2")],
        [str(tmp_path), "-o", str(tmp_path / "o3")],  # a directory that is no run's output
    ]
    for argv in cases:
        assert main(["report", "merge", *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("pinecone-conformance: error:") and "\n" not in err and "Traceback" not in err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "findings.json").write_text("{not json")
    assert main(["report", "merge", str(tmp_path / "broken"), "-o", str(tmp_path / "o4")]) == 2


def test_secrets_are_scrubbed_from_merged_outputs(shards, tmp_path, monkeypatch):
    store = FindingStore(shards[0] / FINDINGS_DIR)
    leaked = replace(store.all()[0], response="token pcsk_SECRET123 echoed")
    store.add(leaked)
    monkeypatch.setenv("PINECONE_API_KEY", "pcsk_SECRET123")
    main(["report", "merge", *map(str, shards), "-o", str(tmp_path / "out")])
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert "pcsk_SECRET123" not in path.read_text(errors="replace"), path


def test_in_github_actions_the_merged_summary_goes_to_the_job_summary(shards, tmp_path, monkeypatch):
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    main(["report", "merge", *map(str, shards), "-o", str(tmp_path / "out")])
    assert summary.read_text() == (tmp_path / "out" / "summary.md").read_text()
