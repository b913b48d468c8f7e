"""The command line's grammar: every subcommand's arguments, and nothing else.

Kept apart from :mod:`conformance.cli` (which dispatches) so that code that needs to parse a
``run`` command line, such as the self-test's worker processes, does not import the
dispatcher and everything it dispatches to.
"""

from __future__ import annotations

import argparse

from pinecone_conformance.core.errors import EXIT_USAGE
from pinecone_conformance.core.version import CONTRACT_VERSION, own_version

PROG = "pinecone-conformance"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line instead of a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Conformance suite for the Pinecone Control Plane API.")
    parser.add_argument("--version", action="version", version=f"{PROG} {own_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_spec_commands(commands)
    run = commands.add_parser("run", help="run the conformance suite against a server")
    add_run_arguments(run)
    _add_mock_command(commands)
    checks = commands.add_parser("checks", help="list every check: id, kind, severity, authority, what it asserts")
    checks.add_argument("--format", choices=["table", "json"], default="table")
    _add_report_commands(commands)
    _add_cleanup_command(commands)
    return parser


def _add_spec_commands(commands) -> None:
    spec_parser = commands.add_parser("spec", help="check OpenAPI documents and the changes between them")
    spec_commands = spec_parser.add_subparsers(dest="spec_command", metavar="SUBCOMMAND", parser_class=_Parser)
    check = spec_commands.add_parser("check", help="validate a document's examples, links and prose rules")
    check.add_argument("document", nargs="?", default=CONTRACT_VERSION, help="bundled version (e.g. 2026-04) or path")
    check.add_argument("--format", choices=["table", "json", "sarif", "github"], default="table")
    check.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    check.add_argument("--select", action="append", default=[], metavar="RULES",
                       help="only these rule ids or prefixes (comma-separated, repeatable; e.g. prose,yaml-timestamp)")
    check.add_argument("--ignore", action="append", default=[], metavar="RULES",
                       help="drop these rule ids or prefixes (comma-separated, repeatable)")
    diff = spec_commands.add_parser("diff", help="changes between two documents, classified (breaking/warning/info)")
    diff.add_argument("old", help="bundled version (e.g. 2025-10) or path of the earlier document")
    diff.add_argument("new", help="bundled version or path of the later document")
    diff.add_argument("--format", choices=["text", "json", "markdown", "junit", "github"], default="text")
    diff.add_argument("--fail-on", choices=["breaking", "warning", "info"], default="breaking",
                      help="exit 1 when a change at or above this level exists (default: breaking)")


def _add_mock_command(commands) -> None:
    mock = commands.add_parser("mock", help="serve the reference mock server (on 127.0.0.1 unless --host)")
    mock.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default 127.0.0.1; 0.0.0.0 inside a container)")
    mock.add_argument("--port", type=int, default=8080)
    mock.add_argument("--profile", choices=["production", "contract"], default="production",
                      help="production: as production Pinecone behaves (default, what the official SDK runs "
                           "against); contract: as the 2026-04 document literally allows where production differs")
    mock.add_argument("--api-key", default=None, help="the key clients must send (default: $PINECONE_API_KEY or 'test-key')")
    mock.add_argument("--deviation", action="append", default=[], metavar="NAME", help="switch on a seeded deviation")
    mock.add_argument("--list-deviations", action="store_true", help="list the seeded deviations and exit")
    mock.add_argument("--lifecycle-delay", type=float, default=None, metavar="SECONDS",
                      help="how long resources take to become ready (default: instant)")
    mock.add_argument("--fault", action="append", default=[], metavar="STATUS:P",
                      help="answer this share of requests with STATUS (429, 502, 503 or 504; repeatable), "
                           "e.g. 429:0.2; a 429 carries Retry-After")
    mock.add_argument("--latency", default=None, metavar="DURATION", help="delay every answer, e.g. 50ms or 0.2s")
    mock.add_argument("--reset", type=float, default=0.0, metavar="P",
                      help="drop this share of connections without an answer (TCP reset)")
    mock.add_argument("--fault-seed", type=int, default=None, metavar="N",
                      help="seed of the fault draws, for a reproducible sequence (default: random)")


def _add_report_commands(commands) -> None:
    report = commands.add_parser("report", help="work with run reports")
    report_commands = report.add_subparsers(dest="report_command", metavar="SUBCOMMAND", parser_class=_Parser)
    compare = report_commands.add_parser("compare", help="new / fixed / still failing between two runs")
    compare.add_argument("old", help="findings.json (or its directory) of the earlier run")
    compare.add_argument("new", help="findings.json (or its directory) of the later run")
    compare.add_argument("--format", choices=["table", "json", "markdown"], default="table")
    merge = report_commands.add_parser("merge", help="join the outputs of shards (run --shard K/N) into one run's reports")
    merge.add_argument("directories", nargs="+", metavar="DIR", help="output directory of a shard (or any run)")
    merge.add_argument("--output", "-o", required=True, metavar="OUT", help="directory for the merged reports")
    merge.add_argument("--api-key", default=None, help="a key to scrub from the outputs (default: $PINECONE_API_KEY)")
    replay = report_commands.add_parser("replay", help="re-send a finding's request: is the deviation still there?")
    replay.add_argument("finding_id", metavar="FINDING_ID", help="group fingerprint (or a unique prefix of it)")
    replay.add_argument("--base-url", required=True, help="server to send the request to")
    replay.add_argument("--api-key", default=None, help="API key (default: $PINECONE_API_KEY)")
    replay.add_argument("--dir", default="conformance-report", help="the run's output directory or findings.json")


def _add_cleanup_command(commands) -> None:
    cleanup = commands.add_parser(
        "cleanup", help="delete what a run (or every run) left on a server: only names starting pcc-",
        description="Lists, then deletes, the pcc- resources of one run (or of every run): backups of our "
                    "indexes, collections, indexes (deletion protection switched off first). Exit 0 when "
                    "nothing of ours is left, 1 when something is (listed; with --dry-run: when something "
                    "would be deleted), 2 on bad input.")
    cleanup.add_argument("--base-url", default=None, help="the server (with --from: default the run's target)")
    cleanup.add_argument("--api-key", default=None, help="API key (default: $PINECONE_API_KEY)")
    whose = cleanup.add_mutually_exclusive_group()
    whose.add_argument("--run-id", default=None, help="the run whose resources to delete (pcc-<run id>-...)")
    whose.add_argument("--all-runs", action="store_true", help="every resource named pcc-..., of any run")
    whose.add_argument("--from", dest="from_dir", default=None, metavar="DIR",
                       help="the run id (and default target) from DIR/run.json, a run's output directory")
    cleanup.add_argument("--dry-run", action="store_true", help="list what would be deleted, change nothing")
    cleanup.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                         help="how long to retry and wait for the deletes to take effect (default 120)")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run``; the pytest plugin offers the same ones."""
    parser.add_argument("--base-url", "-u", "--url", dest="base_url", default=None,
                        help="server to test (default: $PCC_BASE_URL, $PINECONE_CONTROLLER_HOST, else the embedded mock)")
    parser.add_argument("--api-key", default=None, help="API key (default: $PINECONE_API_KEY)")
    parser.add_argument("--spec", default=CONTRACT_VERSION, help="bundled version or path of the contract")
    parser.add_argument("--seed", type=int, default=None, help="seed for a reproducible run (default: random, printed)")
    parser.add_argument("--max-examples", type=int, default=None, help="generated cases per operation and mode")
    parser.add_argument("--output", "-o", default="conformance-report", help="directory for findings and reports")
    parser.add_argument("--workers", "-n", default=None, metavar="N",
                        help="processes the run is split into, each forked after the imports (a number or 'auto' "
                             "for this machine's cores; default 2 against the embedded mock or a loopback server, "
                             "where the run is bound by the CPU, and 1 against a server elsewhere)")
    parser.add_argument("--operation", action="append", default=[], metavar="OPERATION_ID",
                        help="only these operations (repeatable)")
    parser.add_argument("--check", action="append", default=[], metavar="NAME", help="only these checks (repeatable)")
    parser.add_argument("--deviation", action="append", default=[], metavar="NAME",
                        help="switch on a seeded deviation of the embedded mock")
    parser.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                        help="deadline for eventual effects (ready, deleted); default 120 on a real server")
    parser.add_argument("--phase", action="append", default=[], metavar="PHASE",
                        help="only these phases: examples, coverage, fuzzing, stateful, scenarios (repeatable)")
    parser.add_argument("--budget", type=int, default=None, metavar="REQUESTS",
                        help="at most this many requests in the whole run, all workers together (cleanup apart)")
    parser.add_argument("--max-time", type=float, default=None, metavar="SECONDS",
                        help="stop sending after this long; the run ends gracefully, cleans up, and is INCOMPLETE")
    parser.add_argument("--request-timeout", type=float, default=None, metavar="SECONDS",
                        help="timeout of each request (default 60)")
    parser.add_argument("--scenario-workers", type=int, default=None, metavar="N",
                        help="scenarios run side by side in this many threads (default 4 against a URL, "
                             "1 against the embedded mock)")
    parser.add_argument("--engine-threads", type=int, default=None, metavar="N",
                        help="Schemathesis tests this many operations side by side, each in a thread (default 2 "
                             "against a remote URL: one generates while another waits for the network; 1 "
                             "against a loopback server or the embedded mock, which answer at once)")
    parser.add_argument("--profile", choices=["contract", "production"], default="contract",
                        help="contract (default): only the document's rules fail the run, production-parity "
                             "differences are warnings in their own section; production: both fail")
    parser.add_argument("--mock-profile", choices=["production", "contract"], default="production",
                        help="the embedded mock's behaviour: production (default) or contract (the document read "
                             "literally where production differs)")
    parser.add_argument("--read-only", action="store_true",
                        help="send only GET requests (list, describe, 404s, auth, pagination): nothing is created")
    parser.add_argument("--allow-paid-resources", action="store_true",
                        help="against a host that is not loopback, also create billed extras (pod indexes, pod "
                             "scaling, dedicated read capacity); they are skipped by default")
    parser.add_argument("--fail-on-warning", action="store_true", help="exit 1 on warnings too (= --fail-on warning)")
    parser.add_argument("--fail-on", choices=["error", "warning"], default=None,
                        help="the severity that fails the run (default: error)")
    parser.add_argument("--baseline", default=None, metavar="FINDINGS_JSON",
                        help="an earlier run's findings.json (or its directory): fail only on deviation groups that "
                             "are new against it; the summary lists new, fixed and still")
    parser.add_argument("--shard", default=None, metavar="K/N",
                        help="run part K of N of the work (deterministic, balanced; merge with 'report merge')")
    parser.add_argument("--selftest", action="store_true",
                        help="run the kill matrix: every seeded deviation of the mock must be caught")
    parser.add_argument("--run-id", default=None,
                        help="run id in the names of created resources, pcc-<run id>-...: 4-16 lowercase letters or "
                             "digits (default: from the seed plus a random part)")
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
