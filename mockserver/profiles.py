"""Two faithful reference implementations: the ``production`` and the ``contract`` profile.

``production`` (the default) is the mock the official SDK runs against: it does what
production Pinecone does, including the rules of ``shared/research/pinecone-behavior.md``
that go beyond the 2026-04 document. ``contract`` behaves as the document literally allows
where production differs: it is not a broken mock but a second, equally conformant server
that made other choices, so a suite's contract verdict must hold on both.

Both profiles are :class:`~mockserver.policy.Policy` values made of the same parts as the
seeded deviations (relaxed rules, quirks); no handler asks which profile it runs in. Every
difference is one row of :data:`DIFFERENCES`; :data:`SAME_IN_BOTH` lists the production
rules considered and kept in both profiles, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from pinecone_conformance.mockserver.policy import Policy, Quirk, Rule

PROFILES = ("production", "contract")
DEFAULT_PROFILE = "production"


@dataclass(frozen=True)
class Difference:
    """One production rule the contract profile does not follow, and what it does instead."""

    rule: str
    production: str
    contract: str
    relaxed: frozenset[Rule] = frozenset()
    quirks: frozenset[Quirk] = frozenset()


def _row(rule: str, production: str, contract: str, *, relaxed: tuple[Rule, ...] = (),
         quirks: tuple[Quirk, ...] = ()) -> Difference:
    return Difference(rule, production, contract, frozenset(relaxed), frozenset(quirks))


#: Where the contract profile differs from production (rule id, production, contract and why).
DIFFERENCES: tuple[Difference, ...] = (
    _row("R-VER-01", "a request without X-Pinecone-Api-Version is served (as the oldest stable version)",
         "refused: the document marks the header required; 400 where the operation documents 400, "
         "else 401 (see mockserver.app.missing_version_status)", quirks=(Quirk.VERSION_HEADER_REFUSED,)),
    _row("R-VER-02", "an unknown X-Pinecone-Api-Version value is refused with 400",
         "served: the document types the header as a free string", relaxed=(Rule.KNOWN_API_VERSION,)),
    _row("R-CFG-09", "configure to a smaller pod size is refused (400 \"Cannot scale down\")",
         "accepted (state ScalingDownPodSize, which the document lists): the document sets no such rule",
         relaxed=(Rule.POD_NO_SCALE_DOWN,)),
    _row("R-CFG-10", "configure to another pod family (p1 -> s1) is refused with 400",
         "accepted: the document allows any of s1, p1, p2 with any size", relaxed=(Rule.POD_SAME_FAMILY,)),
    _row("R-BAK-06", "on the paginated lists a limit outside 1..100, or not an integer, is refused with 400",
         "clamped into 1..100 (not an integer: the default 10): those operations document no 400",
         relaxed=(Rule.LIMIT_RANGE, Rule.LIMIT_INTEGER)),
    _row("R-RST-08", "an invalid paginationToken is refused with 400",
         "an empty last page (no pagination.next): the paginated lists document no 400",
         relaxed=(Rule.ISSUED_TOKENS,)),
    _row("R-IDX-20", "an explicit null for an optional field is taken as absent (the official SDK sends them)",
         "refused with 422 like any value of the wrong type: the document makes no field nullable",
         quirks=(Quirk.NULLS_REFUSED,)),
)

#: Production rules that go beyond the document's schemas but that both profiles follow.
SAME_IN_BOTH: tuple[tuple[str, str], ...] = (
    ("R-IDX-03, R-CFG-16", "name and tag rules: the document states them in its descriptions"),
    ("R-IDX-11, R-IDX-12, R-IDX-13", "sparse and dense vector rules: stated in the document's descriptions"),
    ("R-IDX-14, R-CFM-08", "unknown cloud/region is 404: the document documents that 404"),
    ("R-COL-03", "no collections of serverless indexes: the document says so in prose"),
    ("R-BAK-08", "backup of a missing index is 400, not 404: create_backup documents no 404"),
    ("R-BAK-09, R-CFG-13", "pod backups and a spec of the other deployment refused with the documented 400"),
    ("R-CFG-01..04", "tags merge, \"\" deletes a key, absent fields unchanged: a PATCH, and the document's example"),
    ("R-DP-02, R-COL-07, R-BAK-11", "403/412 refusals: documented statuses of those operations"),
    ("R-CFG-05", "configure answers 202 and create_backup 201: the document's statuses (production may send 200)"),
    ("R-CFM-05..07", "unknown model, field_map without text, metric the model lacks: the documented 400"),
    ("R-IDX-04, R-COL-06, R-RST-04", "duplicate names are 409: documented"),
)

_CONTRACT = Policy(
    relaxed=frozenset().union(*(row.relaxed for row in DIFFERENCES)),
    quirks=frozenset().union(*(row.quirks for row in DIFFERENCES)),
)


def profile_policy(name: str) -> Policy:
    """The base policy of a profile; ``ValueError`` for an unknown name."""
    if name == "production":
        return Policy.faithful()
    if name == "contract":
        return _CONTRACT
    raise ValueError(f"unknown mock profile: {name} (choose from: {', '.join(PROFILES)})")
