"""An in-memory reference implementation of the Pinecone control plane (API 2026-04).

Modules, one job each:

- ``app``        ASGI app: routing from the document, the request pipeline, thin handlers;
                 ``create_app()`` is the entry point.
- ``bodies``     JSON parsing (400) and serde-like shape checks from the document (422).
- ``rules``      the value rules (names, vectors, placement, pods, tags, models, quotas, pages).
- ``drafts``     request bodies turned into checked drafts by applying the rules in order.
- ``model``      the operations on the project, answering with domain objects.
- ``store``      the resource records and their observations (a record as seen at an instant).
- ``lifecycles`` states derived from timestamps and the clock; the end of deletions.
- ``quotas``     the project's quotas, with production's messages.
- ``views``      observations rendered as the document's response schemas.
- ``errors``     the error body and the status -> code map.
- ``policy``     hook points (rule switches, model quirks, response transforms).
- ``profiles``   the production and contract profiles, as policies, and their differences.
- ``deviations`` the catalog of seeded deviations built on those hooks.
- ``faults``     transient faults injected in front of the app (429/5xx, latency, resets).
- ``settings``   ``MockSettings`` (quotas, lifecycle delay, id seed) and clocks.
- ``serve``      ``pinecone-conformance mock`` and ``serve_in_thread()``.
- ``contract``   openapi-core validation of a response against the document.
- ``testing``    a test client that validates every response it sees.
"""
