"""The scenario machinery: what a scenario function receives, and the steps scenarios share.

A scenario drives one sequence of calls with the run's client (so every response is also
validated) and records a finding, under a declared check (:mod:`conformance.registry`), for
each rule the server breaks. Effects that a real service applies asynchronously are polled
for with the run's bounded deadline (:meth:`Scenario.wait_for`)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pinecone_conformance.conformance.gate import THROTTLED
from pinecone_conformance.conformance.registry import CHECKS
from pinecone_conformance.conformance.session import CONFIGURED, READY, ApiClient, Reply, RunState, eventually
from pinecone_conformance.core import domain
from pinecone_conformance.core.redaction import scrubbed_excerpt

SERVERLESS = {"serverless": {"cloud": domain.DEFAULT_CLOUD, "region": domain.DEFAULT_REGION}}

class ScenarioAbort(Exception):
    """A step the rest of the scenario depends on failed (already recorded as a finding)."""

class ScenarioNotRun(Exception):
    """The scenario cannot run on this server, for a reason an earlier scenario found (or the
    server would not answer it: still throttling after the gate's retries)."""

@dataclass
class Scenario:
    """What a scenario function receives: the client, names, and a way to record findings."""

    client: ApiClient
    state: RunState
    name: str
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    names: list[str] = field(default_factory=list)
    """Every name this scenario made up, in order."""

    def new_name(self, kind: str) -> str:
        """A name in the run's prefix, from this scenario's own counter: never from thread timing."""
        name = f"{self.state.config.prefix}-{kind}{next(self._counter)}"
        self.names.append(name)
        return name

    def fail(self, check: str, message: str, reply: Reply | None = None, *, severity: str | None = None,
             location: str | None = None) -> None:
        """Record a finding of ``check`` (declared in :mod:`conformance.registry`: kind and authority
        come from there; ``severity`` may only lower its default for a sub-case).

        A 429 is no deviation of any check (the response was already noted as throttling): the
        scenario ends, not run, since what it does next would build on a call that did not happen."""
        if reply is not None and reply.status == THROTTLED:
            raise ScenarioNotRun(f"{reply.operation_id} was still throttled (429) after the gate's retries")
        operation = reply.operation_id if reply else None
        self.state.ran(operation, check)
        self.state.record(CHECKS[check].finding(
            message,
            severity=severity,
            operation=operation,
            location=location or (self.state.validator.response_pointer(operation, reply.status) if reply else None),
            request=reply.request if reply else None,
            status=reply.status if reply else None,
            response=scrubbed_excerpt(reply.text, self.state.config.secrets) if reply else None,
            seed=self.state.config.seed,
            details={"scenario": self.name},
        ))

    def may_send(self, operation_id: str) -> bool:
        """False for a write in read-only mode (the gate would refuse it anyway)."""
        operation = self.state.operations.get(operation_id)
        return operation is not None and (not self.state.config.read_only or operation.method.lower() == "get")

    def passed(self, check: str, operation: str) -> None:
        self.state.ran(operation, check)

    def expect(self, reply: Reply, statuses: set[int] | range, check: str, what: str) -> bool:
        """Record a finding unless ``reply.status`` is one of ``statuses``."""
        if reply.status in statuses:
            self.passed(check, reply.operation_id)
            return True
        wanted = "2xx" if statuses == SUCCESS else "/".join(str(s) for s in sorted(statuses))
        self.fail(check, f"{what}: expected {wanted}, got {reply.status}", reply)
        return False

    def require(self, reply: Reply, statuses, check: str, what: str) -> Reply:
        if not self.expect(reply, statuses, check, what):
            raise ScenarioAbort(what)
        return reply

    def wait_for(self, probe: Callable[[], Reply], done: Callable[[Reply], bool],
                 working: Callable[[Reply], bool] = lambda reply: reply.status == 200 and reply.conforms,
                 ) -> tuple[bool, Reply]:
        """Poll until ``done``; stop at once when an answer does not mean "still working" (by
        default: anything but a 200 that fits the document). ``self.gave_up`` then says why."""
        started = time.monotonic()
        reached, reply = eventually(probe, done, wait=self.state.config.wait, interval=self.state.config.poll_interval,
                                    working=working)
        early = not reached and time.monotonic() - started < self.state.config.wait
        self.gave_up = (f"stopped waiting after {time.monotonic() - started:.1f}s: the answer ({reply.status}"
                        + ("" if reply.conforms else ", not as documented") + ") cannot mean it is still in progress"
                        ) if early else f"not within {self.state.config.wait:g}s"
        return reached, reply

SUCCESS = range(200, 300)

CLIENT_ERROR = range(400, 500)


# --- steps shared by scenarios ------------------------------------------------------------------


def describe_index(s: Scenario, name: str) -> Reply:
    return s.client.call("describe_index", path={"index_name": name})

def listed_names(reply: Reply, key: str = "indexes") -> list[str]:
    items = reply.field(key, default=[]) or []
    return [item.get("name") for item in items if isinstance(item, dict)]

def listed_index(listed: Reply, name: str) -> dict | None:
    """The entry of index ``name`` in a list_indexes answer, if it is there."""
    for item in listed.field("indexes", default=[]) or []:
        if isinstance(item, dict) and item.get("name") == name:
            return item
    return None

#: Documented refusals that say "not in this project" (quota, plan, payment), not "broken".
PROJECT_LIMITS = {402, 403}

def create(s: Scenario, operation: str, what: str, **call) -> Reply:
    """Create something the scenario needs. A quota or plan refusal (documented 402/403, e.g. a
    starter project cannot create pod indexes) ends the scenario with a note, not an error."""
    reply = s.client.call(operation, **call)
    if reply.status in PROJECT_LIMITS:
        s.fail("project_limit", f"{what}: the project refused it ({reply.status}); the scenario was skipped", reply)
        raise ScenarioAbort(what)
    return s.require(reply, SUCCESS, "create_accepted", what)

def create_index(s: Scenario, body: dict, what: str) -> Reply:
    return create(s, "create_index", what, body=body)

#: Index states that mean "not ready yet, still on the way" (an index in any other state, or
#: in one of these with ready true, is done or will not get there).
COMING_UP = ("Initializing", "ScalingUp", "ScalingDown", "ScalingUpPodSize", "ScalingDownPodSize")

def _still_coming_up(reply: Reply) -> bool:
    return reply.status == 200 and reply.conforms and reply.field("status", "state") in COMING_UP

def wait_ready(s: Scenario, name: str) -> Reply:
    """Wait for an index to be ready. When one never gets there within --wait, the server cannot
    make indexes ready: the scenarios after it that need a ready index are not run (each costs
    one --wait otherwise), and say why; those already waiting beside it stop waiting."""
    if s.state.never_ready:
        raise ScenarioNotRun(s.state.never_ready)
    # a scenario waiting beside the one that found it (--scenario-workers) stops at its next poll
    reached, reply = s.wait_for(lambda: describe_index(s, name), lambda r: r.field("status", "ready") is True,
                                working=lambda r: _still_coming_up(r) and not s.state.never_ready)
    if reached:
        s.passed("index_becomes_ready", "describe_index")
        return reply
    if s.gave_up.startswith("not within"):
        # two scenarios side by side can time out at the same moment: only the first reports it
        why = f"an earlier index ({name}, scenario {s.name}) never became ready within {s.state.config.wait:g}s"
        if not s.state.give_up_waiting(READY, why):
            raise ScenarioNotRun(s.state.never_ready)
    elif s.state.never_ready:
        raise ScenarioNotRun(s.state.never_ready)
    s.fail("index_becomes_ready", f"index {name} is not ready ({s.gave_up}; state "
           f"{reply.field('status', 'state')!r}, ready {reply.field('status', 'ready')!r})", reply)
    raise ScenarioAbort(f"index {name} not ready")

def described_after_configure(s: Scenario, name: str, shows: Callable[[Reply], bool]) -> Reply:
    """describe of index ``name`` once it ``shows`` what a configure asked for.

    The document's 202 says only that the change was accepted ("Check the index status to see
    when the change has been applied"), so a server may apply it later: describe is polled for
    it, backing off, up to --wait, and the caller judges the last answer. A server that never
    applies one costs that wait once: the run's later configures read describe once."""
    if s.state.gave_up_on(CONFIGURED):
        return describe_index(s, name)
    reached, reply = s.wait_for(lambda: describe_index(s, name), shows)
    if not reached and s.gave_up.startswith("not within"):
        s.state.give_up_waiting(CONFIGURED, f"a configure of {name} was not applied within {s.state.config.wait:g}s")
    return reply


def showing(change: dict) -> Callable[[Reply], bool]:
    """Whether a describe answer shows a configure ``change`` applied: any value it sets (a
    field, or a key of a map such as the tags; a tag set to "" is a deletion, not a value).

    A configure is applied as a whole, so once describe shows any part of it the wait is over
    and the rest is judged: a server that applies only part of it is not waited for a whole
    --wait, which the part it never applies would cost."""
    def shown(reply: Reply) -> bool:
        for key, value in change.items():
            seen = reply.field(key)
            if isinstance(value, dict):
                if isinstance(seen, dict) and any(seen.get(k) == v for k, v in value.items() if v != ""):
                    return True
            elif seen == value:
                return True
        return False
    return shown


def delete_index(s: Scenario, name: str) -> None:
    """Delete and require that it takes effect: describe says 404 (the contract), then the list
    no longer shows it (production's R-ST-04: the document promises nothing of the list)."""
    reply = s.client.call("delete_index", path={"index_name": name})
    if not s.expect(reply, {202}, "delete_accepted", f"delete of index {name}"):
        if reply.status not in SUCCESS:
            return
    gone, last = s.wait_for(lambda: describe_index(s, name), lambda r: r.status == 404)
    if not gone:
        s.fail("delete_takes_effect", f"index {name} still described ({last.status}) after delete ({s.gave_up})", last)
        return
    s.passed("delete_takes_effect", "describe_index")
    listed = s.client.call("list_indexes")
    if name in listed_names(listed):
        s.fail("deleted_index_unlisted", f"deleted index {name} is still listed by list_indexes (describe says 404)",
               listed)
    else:
        s.passed("deleted_index_unlisted", "list_indexes")

def answer_is_the_new_model(s: Scenario, reply: Reply, described: Reply, keys: Iterable[str]) -> None:
    """The configure answer shows the fields ``keys`` as describe shows them after it
    (production's R-CFG-05; the document's 202 says only that the change was accepted)."""
    if not isinstance(reply.body, dict) or described.status != 200:
        return
    stale = {key: reply.body.get(key) for key in keys if reply.body.get(key) != described.field(key)}
    if stale:
        s.fail("configure_answers_new_model", f"the configure answer shows {stale!r}, describe after it "
               f"{ {key: described.field(key) for key in stale}!r}", reply)
    else:
        s.passed("configure_answers_new_model", reply.operation_id)

def expect_rejected(s: Scenario, reply: Reply, check: str, what: str, *, allow_404: bool = False) -> bool:
    if reply.status in CLIENT_ERROR and reply.status != THROTTLED and (
            reply.status != 404 or allow_404 or reply.operation_id != "create_index"):
        s.passed(check, reply.operation_id)
        return True
    s.fail(check, f"{what}: expected a 4xx rejection, got {reply.status}", reply)
    return False

def walk_pages(s: Scenario, operation: str, path: dict | None, limit: int, max_pages: int) -> tuple[list, bool, Reply]:
    """Follow ``pagination.next``; (backup ids in order, whether the walk reached the end, last page)."""
    seen: list[str] = []
    token = None
    page = None
    for _ in range(max_pages):
        page = s.client.call(operation, path=path, query={"limit": limit, "paginationToken": token})
        if page.status != 200:
            s.fail("pagination_walk", f"{operation} page request failed ({page.status})", page)
            return seen, False, page
        seen += [b.get("backup_id") for b in page.field("data", default=[]) or [] if isinstance(b, dict)]
        token = page.field("pagination", "next")
        if not token:
            return seen, True, page
    return seen, False, page
