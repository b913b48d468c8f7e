"""The hook points through which a seeded deviation changes the mock.

The faithful mock is :meth:`Policy.faithful` (production's behaviour); the contract profile
(:mod:`mockserver.profiles`) is a policy too, made of the same parts. A deviation (see
:mod:`mockserver.deviations`) never adds an ``if`` of its own to a handler: it only

- relaxes a named request **rule** (:class:`Rule`, checked once in :mod:`mockserver.rules`
  or :mod:`mockserver.model`),
- switches on a named model **quirk** (:class:`Quirk`, a different state semantics), or
- adds a response **transform** that rewrites a finished :class:`~mockserver.errors.Reply`
  of some operations (schema, status, header and error-body deviations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pinecone_conformance.mockserver.errors import Reply


class Rule(StrEnum):
    """Request rules a deviation (or the contract profile) may switch off."""

    NAME_FORMAT = "name-format"
    DIMENSION_RANGE = "dimension-range"
    SPARSE_WITHOUT_DIMENSION = "sparse-without-dimension"
    METRIC_ENUM = "metric-enum"
    KNOWN_REGION = "known-region"
    LIMIT_RANGE = "limit-range"
    UNIQUE_NAMES = "unique-names"
    DELETION_PROTECTION = "deletion-protection"
    API_KEY_MATCH = "api-key-match"
    POD_ONLY_COLLECTIONS = "pod-only-collections"
    # Production's checks beyond the document (R-xxx of pinecone-behavior.md): the contract
    # profile switches these off.
    KNOWN_API_VERSION = "known-api-version"
    POD_NO_SCALE_DOWN = "pod-no-scale-down"
    POD_SAME_FAMILY = "pod-same-family"
    LIMIT_INTEGER = "limit-integer"
    ISSUED_TOKENS = "issued-tokens"


class Quirk(StrEnum):
    """Alternative semantics a deviation (or the contract profile) may switch on."""

    CONFIGURE_NOT_STORED = "configure-not-stored"
    DELETED_STILL_LISTED = "deleted-still-listed"
    EMPTY_TAG_STORED = "empty-tag-stored"
    NEVER_READY = "never-ready"
    PAGINATION_REPEATS = "pagination-repeats"
    TAGS_REPLACED = "tags-replaced"
    CONFIGURE_RESETS_PROTECTION = "configure-resets-protection"
    NAME_NOT_RELEASED = "name-not-released"
    INDEX_BACKUPS_UNFILTERED = "index-backups-unfiltered"
    CONFIGURE_ANSWERS_OLD_MODEL = "configure-answers-old-model"
    CRASH_ON_MINIMAL_BODY = "crash-on-minimal-body"
    HIDDEN_AFTER_CONFIGURE = "hidden-after-configure"
    # Choices of the contract profile where production is more lenient than the document.
    VERSION_HEADER_REFUSED = "version-header-refused"
    NULLS_REFUSED = "nulls-refused"


#: Rewrites the reply of one operation: ``(operation_id, reply) -> reply``.
Transform = Callable[[str, Reply], Reply]


@dataclass(frozen=True)
class Policy:
    relaxed: frozenset[Rule] = frozenset()
    quirks: frozenset[Quirk] = frozenset()
    transforms: tuple[Transform, ...] = ()
    #: Operations answered without checking the ``Api-Key`` header.
    auth_exempt: frozenset[str] = frozenset()

    @classmethod
    def faithful(cls) -> Policy:
        return cls()

    def enforces(self, rule: Rule) -> bool:
        return rule not in self.relaxed

    def has(self, quirk: Quirk) -> bool:
        return quirk in self.quirks

    def shape(self, operation_id: str, reply: Reply) -> Reply:
        """The reply after every transform. Transforms are written for the faithful reply; when
        an earlier one already reshaped it beyond recognition (combined deviations), a later one
        that cannot apply is skipped rather than turned into a crash."""
        for transform in self.transforms:
            try:
                reply = transform(operation_id, reply)
            except (KeyError, TypeError, AttributeError, IndexError):
                continue
        return reply

    def merged(self, other: Policy) -> Policy:
        return Policy(
            relaxed=self.relaxed | other.relaxed,
            quirks=self.quirks | other.quirks,
            transforms=self.transforms + other.transforms,
            auth_exempt=self.auth_exempt | other.auth_exempt,
        )
