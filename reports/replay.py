"""``pinecone-conformance report replay FINDING_ID --base-url URL``: is that deviation still there?

A developer fixing a server wants to know, in a second, whether one deviation is gone, not
to rerun a suite. Each finding records its exchange (``details["exchange"]``, see
:mod:`reports.har`); replay takes the group whose fingerprint starts with ``FINDING_ID`` from
a run's findings.json, re-sends that exact request to ``--base-url`` (method, path, query,
headers, body; the real key from ``--api-key`` / ``$PINECONE_API_KEY`` in place of the
redaction marker), first re-sending the calls that set up its state when the finding lists
them (``details["setup_exchanges"]``), and compares the answer with the recorded one:

- a deviation about the status (kinds ``status-code``, ``input-validation``, ``auth``) is
  still there when the status code is the same;
- any other deviation (schema, semantics, error body, headers) is still there when the status
  class is the same and the response has the same shape: the same JSON structure (keys and
  value types), or for ``headers`` the same header names. A changed shape means the server
  answers differently now: rerun the suite to confirm it is fixed.

Exit 1: still there; 0: gone; 2: bad input (no such finding, no exchange recorded, a
server that cannot be reached, a key needed but not given). Replay sends what the run sent,
creates included, through the suite's gate: only writes to what carries the run's
``pcc-<run id>`` prefix are sent (the suite's cleanup removes them), as in a run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pinecone_conformance.core.errors import UsageError
from pinecone_conformance.core.findings import Finding
from pinecone_conformance.core.redaction import REDACTED, SECRET_HEADERS
from pinecone_conformance.reports.har import body_text, header_items

STILL_THERE = "still there"
GONE = "gone"
#: Finding kinds whose deviation *is* the status code.
STATUS_KINDS = frozenset({"status-code", "status_code", "input-validation", "auth"})
#: Request headers httpx must compute itself for the replayed body and target.
_RECOMPUTED = frozenset({"host", "content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class Replayed:
    status: int
    headers: dict[str, str]
    body: str


def find_group(document: dict, finding_id: str) -> dict:
    """The findings.json group whose fingerprint is or starts with ``finding_id``."""
    wanted = (finding_id or "").strip().lower()
    if not wanted:
        raise UsageError("give a finding id (a group fingerprint, or its unique prefix)")
    matches = [g for g in document.get("groups", []) if g["fingerprint"].startswith(wanted)]
    if not matches:
        raise UsageError(f"no finding {finding_id!r} in this run (fingerprints are listed in findings.json and "
                         "the annotations)")
    if len(matches) > 1:
        raise UsageError(f"{finding_id!r} is ambiguous: {len(matches)} groups start with it "
                         f"({', '.join(g['fingerprint'] for g in matches[:4])}...); give more characters")
    return matches[0]


def exchange_for(document: dict, g: dict) -> tuple[dict, Finding]:
    """The exchange standing for group ``g``: its representative's, else the smallest occurrence's."""
    candidates = [g.get("representative") or {}] + sorted(
        (f for f in document.get("findings", []) if f.get("fingerprint") == g["fingerprint"]),
        key=lambda f: len(f.get("request") or ""))
    for candidate in candidates:
        exchange = (candidate.get("details") or {}).get("exchange")
        if isinstance(exchange, Mapping) and exchange.get("method") and exchange.get("url"):
            return dict(exchange), Finding.from_dict(candidate)
    raise UsageError(f"finding {g['fingerprint']} has no recorded exchange (a run of an older version, or a "
                     "finding about the document): replay its curl line instead")


def target_url(recorded_url: str, recorded_base: str | None, base_url: str) -> str:
    """``recorded_url`` sent to ``base_url`` instead: same path (below the recorded base) and query."""
    base = base_url.rstrip("/")
    if recorded_base and recorded_base.startswith(("http://", "https://")) and \
            recorded_url.startswith(recorded_base.rstrip("/") + "/"):
        return base + recorded_url[len(recorded_base.rstrip("/")):]
    parts = urlsplit(recorded_url)
    return base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def request_headers(exchange: Mapping, api_key: str | None) -> dict[str, str]:
    """The recorded headers with the key put back; a UsageError when a key is needed and missing."""
    headers = {}
    for name, value in header_items(exchange.get("request_headers")):
        if name.lower() in _RECOMPUTED:
            continue
        if name.lower() in SECRET_HEADERS and value == REDACTED:
            if not api_key:
                raise UsageError(f"the request sent a {name} header: pass --api-key or set PINECONE_API_KEY")
            value = api_key
        headers[name] = value
    return headers


#: How a replayed request is sent: ``(exchange, url, api_key) -> Replayed``. The command gives
#: the suite's gate (:mod:`conformance.replay_command`), so a replay obeys the same safety rules
#: as a run; this module only decides what to send and what the answer means.
Sender = Callable[[Mapping, str, "str | None"], Replayed]


def shape(text: str | None) -> object:
    """The structure of a JSON body (keys and value types, list items merged), or None when not JSON."""
    import json

    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None

    def walk(item: object) -> object:
        if isinstance(item, dict):
            return {key: walk(child) for key, child in sorted(item.items())}
        if isinstance(item, list):
            merged = sorted({json.dumps(walk(child), sort_keys=True) for child in item})
            return ["list", merged]
        return "number" if isinstance(item, int | float) and not isinstance(item, bool) else type(item).__name__

    return walk(value)


def verdict(kind: str, exchange: Mapping, replayed: Replayed) -> tuple[str, str]:
    """``(STILL_THERE or GONE, why)`` for a finding of ``kind`` whose exchange was ``exchange``."""
    recorded = int(exchange.get("status") or 0)
    now = replayed.status
    if kind in STATUS_KINDS:
        if now == recorded:
            return STILL_THERE, f"the server still answers {now}"
        return GONE, f"the server now answers {now} (was {recorded})"
    if now // 100 != recorded // 100:
        return GONE, f"the server now answers {now} (was {recorded}): a different status class"
    if kind == "headers":
        before = {name.lower() for name, _ in header_items(exchange.get("response_headers"))}
        after = {name.lower() for name in replayed.headers}
        if before and before != after:
            return GONE, (f"status {now} as before, but the response headers changed "
                          f"(added: {', '.join(sorted(after - before)) or '-'}; "
                          f"removed: {', '.join(sorted(before - after)) or '-'})")
        return STILL_THERE, f"status {now} and the same response headers as recorded"
    recorded_shape = shape(body_text(exchange.get("response_body")))
    if recorded_shape is not None and shape(replayed.body) != recorded_shape:
        return GONE, f"status {now} as before, but the response body has a different shape now: rerun the suite"
    return STILL_THERE, f"status {now} and a response of the same shape as recorded"


def replay(document: dict, finding_id: str, base_url: str, api_key: str | None,
           send: Sender) -> tuple[str, str, dict]:
    """Replay one group through ``send``; ``(verdict, why, group)``."""
    g = find_group(document, finding_id)
    exchange, finding = exchange_for(document, g)
    recorded_base = document.get("run", {}).get("target")
    for setup in (finding.details or {}).get("setup_exchanges") or []:
        if isinstance(setup, Mapping) and setup.get("method") and setup.get("url"):
            send(setup, target_url(str(setup["url"]), recorded_base, base_url), api_key)
    replayed = send(exchange, target_url(str(exchange["url"]), recorded_base, base_url), api_key)
    result, why = verdict(g.get("kind", ""), exchange, replayed)
    return result, why, g
