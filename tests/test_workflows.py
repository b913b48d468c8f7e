"""The shipped GitHub workflows call real commands and flags of this CLI, and are wired as documented.

Every ``pinecone-conformance ...`` command line in a ``run:`` step is checked against the real
parser (``conformance.cli.build_parser()``): each subcommand must exist, each flag must exist
on the subparser it is given to, literal values must be among the flag's choices, and (with
GitHub expressions replaced by a sample value) the whole line must parse. A renamed flag fails
this test.

Flags issue 13 adds to ``run`` may not be wired yet; a command line using one of them is
skipped with a message naming the missing flag (never silently): :data:`PENDING_RUN_FLAGS`.
Once the flag exists the line is checked like every other.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
import yaml

from pinecone_conformance.conformance.cli import build_parser

WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"
NIGHTLY = WORKFLOWS / "nightly.yml"
SPEC = WORKFLOWS / "spec.yml"
PROG = "pinecone-conformance"

#: ``run`` flags of issue 13 that the workflows use; a line using one that the parser does not
#: have yet is skipped, naming it. The value says whether the flag takes a value.
PENDING_RUN_FLAGS = {"--baseline": True, "--fail-on": True, "--shard": True, "--profile": True,
                     "--max-time": True, "--read-only": False}
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_STOP = {"||", "&&", ";", "|", "&", ">", ">>", "<", "2>", "2>&1", "then", "do", "fi", "done"}


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in document and "on" not in document:  # YAML 1.1 reads a bare `on` key as true
        document["on"] = document.pop(True)
    return document


def run_steps(path: Path) -> list[tuple[str, str, dict]]:
    """(job id, step label, step) for every step with a ``run:`` script."""
    steps = []
    for job_id, job in load(path)["jobs"].items():
        for index, step in enumerate(job.get("steps", [])):
            if "run" in step:
                steps.append((job_id, step.get("name") or f"step {index + 1}", step))
    return steps


def command_lines(script: str) -> list[list[str]]:
    """Each ``pinecone-conformance`` invocation in a shell script, as its argument list."""
    text = _EXPRESSION.sub("1", script.replace("\\\n", " "))
    commands = []
    for line in text.splitlines():
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError:
            continue
        for index, token in enumerate(tokens):
            if token != PROG:
                continue
            argv = []
            for word in tokens[index + 1:]:
                if word in _STOP or word.startswith((">", "<", "2>")):
                    break
                if word.endswith(";"):
                    argv.append(word[:-1])
                    break
                argv.append(word)
            commands.append(argv)
    return commands


def all_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in (NIGHTLY, SPEC):
        for job_id, label, step in run_steps(path):
            for argv in command_lines(step["run"]):
                found.append((f"{path.name}:{job_id}:{label}: {PROG} {' '.join(argv)}", argv))
    return found


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def check(argv: list[str]) -> tuple[list[str], list[str]]:
    """(problems, pending flags) of one command line, walked through the real parser."""
    parser = build_parser()
    path: list[str] = []
    problems, pending = [], []
    index = 0
    while index < len(argv):
        token = argv[index]
        if token.startswith("-") and token != "-":
            name, equals, value = token.partition("=")
            action = parser._option_string_actions.get(name)
            if action is None:
                if path == ["run"] and name in PENDING_RUN_FLAGS:
                    pending.append(name)
                    index += 2 if PENDING_RUN_FLAGS[name] and not equals else 1
                    continue
                problems.append(f"{' '.join([PROG, *path])} has no flag {name}")
                index += 1
                continue
            if action.nargs != 0 and not equals:
                index += 1
                value = argv[index] if index < len(argv) else None
                if value is None:
                    problems.append(f"{name} needs a value")
            if action.choices is not None and value and "$" not in value and value not in action.choices:
                problems.append(f"{name} {value}: not one of {', '.join(map(str, action.choices))}")
            index += 1
            continue
        subparsers = _subparsers(parser)
        if subparsers is not None:
            if token not in subparsers.choices:
                problems.append(f"{' '.join([PROG, *path])} has no subcommand {token!r}")
                return problems, pending
            parser = subparsers.choices[token]
            path.append(token)
        index += 1
    if _subparsers(parser) is not None:
        problems.append(f"{' '.join([PROG, *path])} needs a subcommand")
    if not problems and not pending:
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            try:
                build_parser().parse_args(argv)
            except SystemExit as exit_:
                if exit_.code not in (0, None):
                    problems.append(f"does not parse: {stderr.getvalue().strip()}")
    return problems, pending


COMMANDS = all_commands()


def test_the_workflows_call_the_cli():
    subcommands = {" ".join(argv[:2]) for _, argv in COMMANDS}
    assert {"run --seed", "report merge", "report compare", "spec check", "spec diff"} <= subcommands, subcommands


@pytest.mark.parametrize(("label", "argv"), COMMANDS, ids=[label for label, _ in COMMANDS])
def test_every_command_line_uses_real_subcommands_and_flags(label, argv):
    problems, pending = check(argv)
    assert not problems, f"{label}: " + "; ".join(problems)
    if pending:
        pytest.skip(f"run flag{'s' if len(pending) > 1 else ''} {', '.join(sorted(set(pending)))} not wired "
                    f"into the CLI yet (issue 13): {label}")


def test_the_checker_catches_renamed_flags_and_bad_values():
    assert check(["run", "--base-url", "http://x", "--no-progress"]) == ([], [])
    assert check(["run", "--bse-url", "x"])[0] == [f"{PROG} run has no flag --bse-url"]
    assert check(["spec", "diff", "a", "b", "--format", "yaml"])[0]
    assert check(["report", "nonsense"])[0] == [f"{PROG} report has no subcommand 'nonsense'"]
    assert check(["report"])[0] == [f"{PROG} report needs a subcommand"]
    assert check(["report", "merge", "a"])[0][0].startswith("does not parse")  # -o is required
    assert check(["run", "--seed", "x"])[0][0].startswith("does not parse")
    assert command_lines('if [ -f x ]; then\n  pinecone-conformance run --seed ${{ github.run_number }} \\\n'
                         '    -o out || true\nfi') == [["run", "--seed", "1", "-o", "out"]]


def test_nightly_is_scheduled_and_manual():
    triggers = load(NIGHTLY)["on"]
    assert "workflow_dispatch" in triggers
    assert triggers["schedule"] and all(len(entry["cron"].split()) == 5 for entry in triggers["schedule"])


def test_nightly_runs_a_matrix_of_shards_merged_by_a_final_job():
    jobs = load(NIGHTLY)["jobs"]
    sharded = {job_id: job for job_id, job in jobs.items() if "shard" in job.get("strategy", {}).get("matrix", {})}
    assert sharded, "no job has a shard matrix"
    for job_id, job in sharded.items():
        shards = job["strategy"]["matrix"]["shard"]
        assert shards == list(range(1, len(shards) + 1)) and len(shards) >= 2
        assert job["strategy"].get("fail-fast") is False  # one shard's findings must not cancel the others
        scripts = " ".join(step["run"] for step in job["steps"] if "run" in step)
        shard_values = re.findall(r"--shard\s+(\$\{\{[^}]*\}\}\S*|\S+)", scripts)
        assert shard_values and all(v == f"${{{{ matrix.shard }}}}/{len(shards)}" for v in shard_values), shard_values
        uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
        assert uploads and uploads[0]["with"]["name"] == "shard-${{ matrix.shard }}"
        assert uploads[0].get("if") == "always()"
        merges = [other for other in jobs.values() if job_id in _as_list(other.get("needs"))
                  and any("report merge" in s.get("run", "") for s in other["steps"])]
        assert len(merges) == 1, "a final job must merge the shards"
        merge = merges[0]
        assert merge.get("if") == "always()"  # it runs (and fails) even when a shard failed
        download = next(s for s in merge["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@"))
        assert download["with"]["pattern"] == "shard-*"


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


def test_every_suite_run_is_gated_on_the_restored_baseline():
    for job_id, job in load(NIGHTLY)["jobs"].items():
        steps = job.get("steps", [])
        scripts = [s["run"] for s in steps if "run" in s]
        runs = [argv for script in scripts for argv in command_lines(script) if argv[:1] == ["run"]]
        if not runs:
            continue
        assert any("--baseline" in argv for argv in runs), f"{job_id}: no run with --baseline"
        assert all("--fail-on" in argv for argv in runs), f"{job_id}: every run states --fail-on"
        for argv in runs:
            if "--baseline" in argv:
                assert argv[argv.index("--baseline") + 1] == "baseline/findings.json"
        restores = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache/restore@")]
        assert restores and restores[0]["with"]["path"] == "baseline", job_id


def test_baselines_are_saved_where_they_are_restored():
    restored, saved = {}, {}
    for job in load(NIGHTLY)["jobs"].values():
        for step in job.get("steps", []):
            uses = str(step.get("uses", ""))
            if uses.startswith("actions/cache/restore@"):
                restored[step["with"]["restore-keys"]] = step["with"]["path"]
            if uses.startswith("actions/cache/save@"):
                saved[step["with"]["key"]] = step["with"]["path"]
    assert restored and saved
    for prefix, path in restored.items():
        matching = [key for key in saved if key.startswith(prefix)]
        assert matching, f"nothing saves a cache restored by {prefix}"
        assert all(saved[key] == path for key in matching)  # the cache version includes the path


def test_the_api_key_comes_from_a_secret_through_the_environment_only():
    text = NIGHTLY.read_text(encoding="utf-8")
    assert "secrets.PINECONE_API_KEY" in text
    for path in (NIGHTLY, SPEC):
        for job_id, label, step in run_steps(path):
            assert "secrets." not in step["run"], f"{job_id}:{label} puts a secret into a script"
            for argv in command_lines(step["run"]):
                assert "--api-key" not in argv, f"{job_id}:{label} passes the key on a command line"
    live = [job for job in load(NIGHTLY)["jobs"].values()
            if "secrets.PINECONE_API_KEY" in str(job.get("env", {}))]
    assert len(live) == 1
    runs = [argv for step in live[0]["steps"] if "run" in step for argv in command_lines(step["run"])]
    assert runs and all("--base-url" in argv for argv in runs if argv[:1] == ["run"])
    guarded = [step for step in live[0]["steps"] if step.get("if")]
    assert len(guarded) >= len(live[0]["steps"]) - 1  # all but the check itself wait for the secret


def test_spec_workflow_checks_and_diffs_documents_on_pull_requests():
    triggers = load(SPEC)["on"]
    assert "spec/documents/**" in triggers["pull_request"]["paths"]
    commands = [argv for _, label, step in run_steps(SPEC) for argv in command_lines(step["run"])]
    assert any(argv[:2] == ["spec", "check"] for argv in commands)
    diffs = [argv for argv in commands if argv[:2] == ["spec", "diff"]]
    assert {argv[argv.index("--format") + 1] for argv in diffs} >= {"github", "markdown"}
    assert all(argv[argv.index("--fail-on") + 1] == "breaking" for argv in diffs)


def test_the_installed_package_holds_every_module_the_workflows_run():
    """The workflows and the Dockerfile install with ``pip install .`` (not editable): every
    package directory and data file of the tree must be declared in pyproject.toml."""
    import tomllib

    root = WORKFLOWS.parent.parent
    setuptools = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    declared = setuptools.get("packages")
    if isinstance(declared, dict):  # packages.find: setuptools discovers them
        return
    top = {name.split(".")[0] for name in declared}
    packages = {str(init.parent.relative_to(root)).replace("/", ".") for top_name in top
                for init in (root / top_name).rglob("__init__.py")}
    missing = sorted(packages - set(declared))
    assert not missing, f"pyproject.toml [tool.setuptools] packages lacks {', '.join(missing)}: `pip install .` drops them"
    data = setuptools.get("package-data", {})
    for top_name in top:
        for path in (root / top_name).glob("*.json"):
            assert any(path.match(pattern) for pattern in data.get(top_name, [])), \
                f"{path.relative_to(root)} is not in [tool.setuptools.package-data]"
