"""The ``pinecone-conformance`` command.

Subcommands, each implemented in the module that owns the job:

- ``spec check [VERSION|PATH]``   validate the document itself (``spec.lint``)
- ``run``                         run the suite against a server (``conformance.runner``)
- ``mock``                        serve the reference mock on loopback (``mockserver.serve``)
- ``report compare OLD NEW``      compare two runs (``reports.compare``)

Bad input never ends in a traceback: every expected failure is a :class:`UsageError` or a
:class:`spec.loader.SpecError`, printed as one line, exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pinecone_conformance.conformance.arguments import PROG, add_run_arguments, build_parser  # noqa: F401 (the CLI's grammar)
from pinecone_conformance.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, SpecError, UsageError  # noqa: F401 (re-exported)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        from pinecone_conformance.conformance.config import apply_config

        apply_config(parser, argv)  # a config file's options become the defaults of 'run'
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except (UsageError, SpecError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours: never exit 1 (which means "deviations found")
        if os.environ.get("PCC_DEBUG"):
            raise
        print(f"{PROG}: internal error (a bug in {PROG}; PCC_DEBUG=1 shows the traceback): "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_USAGE


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "spec" and args.spec_command == "check":
        from pinecone_conformance.spec.lint import main_check

        return main_check(args)
    if args.command == "spec" and args.spec_command == "diff":
        from pinecone_conformance.spec.diff import main_diff

        return main_diff(args)
    if args.command == "run":
        if args.api_key is None:
            args.api_key = os.environ.get("PINECONE_API_KEY")
        if args.base_url is None:
            from pinecone_conformance.conformance.config import base_url_from_env

            args.base_url = base_url_from_env()
        if args.selftest:
            from pinecone_conformance.conformance.selftest import main_selftest

            return main_selftest(args)
        from pinecone_conformance.conformance.runner import main_run

        return main_run(args)
    if args.command == "checks":
        from pinecone_conformance.conformance.registry import main_checks

        return main_checks(args)
    if args.command == "mock":
        from pinecone_conformance.mockserver.serve import main_mock

        return main_mock(args)
    if args.command == "cleanup":
        from pinecone_conformance.conformance.cleanup import main_cleanup

        return main_cleanup(args)
    if args.command == "report" and args.report_command == "compare":
        from pinecone_conformance.reports.compare import main_compare

        return main_compare(args)
    if args.command == "report" and args.report_command in ("merge", "replay"):
        if args.report_command == "replay":
            from pinecone_conformance.conformance.replay_command import main_replay

            return main_replay(args)
        from pinecone_conformance.conformance.plugin import EMBEDDED_API_KEY
        from pinecone_conformance.reports.merge import main_merge

        return main_merge(args, secrets=(EMBEDDED_API_KEY,))
    parser.print_help()
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
