"""``pinecone-conformance report replay``: re-send a finding's request, through the gate.

:mod:`reports.replay` decides what to re-send and what the answer means; this module sends it
the way a run does, through :class:`conformance.gate.Gate`, so a replay against a real
project obeys the run's safety rules: it writes only to names with the replayed run's
``pcc-<run id>-`` prefix (and to backups the server shows are ours or never showed), skips
billed extras off loopback, and retries throttling. A request the gate refuses is not sent:
the replay says so and exits 2, it never judges a deviation it could not reproduce.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from pinecone_conformance.conformance.gate import (
    BudgetLedger,
    Gate,
    HttpUpstream,
    TransportFailure,
    is_skipped,
)
from pinecone_conformance.conformance.runid import validate_run_id
from pinecone_conformance.conformance.safety import SafetyPolicy
from pinecone_conformance.core.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from pinecone_conformance.core.network import is_loopback
from pinecone_conformance.core.version import CONTRACT_VERSION
from pinecone_conformance.reports.findings_json import InvalidFindingsFile, load
from pinecone_conformance.reports.grouping import DOCUMENT
from pinecone_conformance.reports.har import body_text
from pinecone_conformance.reports.replay import STILL_THERE, Replayed, replay, request_headers
from pinecone_conformance.spec.loader import load as load_spec
from pinecone_conformance.spec.loader import operations

#: The prefix of a replay whose run recorded no run id: it owns nothing, so it writes nowhere.
NO_RUN_PREFIX = "pcc-replay-owns-nothing"


def replay_gate(base_url: str, run_id: str | None, *, timeout: float = 30.0) -> Gate:
    """The gate a replay sends through: the run's prefix, no budget, billed extras on loopback only."""
    prefix = NO_RUN_PREFIX
    if run_id:
        try:
            prefix = f"pcc-{validate_run_id(run_id)}"
        except UsageError:
            prefix = NO_RUN_PREFIX  # a merged run (ids joined by commas) or an unusable id: owns nothing
    policy = SafetyPolicy(run_prefix=prefix, read_only=False, allow_paid=is_loopback(base_url))
    return Gate(HttpUpstream(base_url, timeout), policy=policy, operations=operations(load_spec(CONTRACT_VERSION).raw),
                ledger=BudgetLedger(None, None))


def gated_sender(gate: Gate, base_url: str):
    """A :data:`reports.replay.Sender` that sends through ``gate``."""
    base = base_url.rstrip("/")

    def send(exchange: Mapping, url: str, api_key: str | None) -> Replayed:
        path_and_query = url[len(base):] if url.startswith(base) else url
        path, _, query = path_and_query.partition("?")
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                   for name, value in request_headers(exchange, api_key).items()]
        body = body_text(exchange.get("request_body"))
        try:
            answer = gate.exchange(str(exchange["method"]).upper(), (path or "/").encode("latin-1"),
                                   query.encode("latin-1"), headers, b"" if body is None else body.encode("utf-8"))
        except TransportFailure as error:
            raise UsageError(f"cannot reach {url}: {error}") from None
        plain = {k.decode("latin-1"): v.decode("latin-1") for k, v in answer.headers}
        reason = is_skipped(plain)
        if reason:
            why = answer.body.decode("utf-8", "replace")
            raise UsageError(f"not replayed: the gate refused {exchange['method']} {path} ({reason}): {why}")
        return Replayed(answer.status, plain, answer.body.decode("utf-8", "replace"))

    return send


def main_replay(args: argparse.Namespace) -> int:
    """Entry point of ``report replay``: one line saying whether the deviation is still there."""
    try:
        document = load(args.dir)
    except InvalidFindingsFile as error:
        raise UsageError(str(error)) from None
    if not str(args.base_url).startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https:// (got {args.base_url!r})")
    api_key = args.api_key or os.environ.get("PINECONE_API_KEY")
    gate = replay_gate(args.base_url, (document.get("run") or {}).get("run_id"))
    try:
        result, why, g = replay(document, args.finding_id, args.base_url, api_key, gated_sender(gate, args.base_url))
    finally:
        gate.upstream.close()
    print(f"{g['fingerprint']} [{g['check']}] {g.get('operation') or DOCUMENT}: {result}: {why}")
    if result == STILL_THERE:
        print(f"  {' '.join(str(g.get('message', '')).split())}", file=sys.stderr)
    return EXIT_FINDINGS if result == STILL_THERE else EXIT_OK
