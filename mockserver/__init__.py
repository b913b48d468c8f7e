"""An in-memory reference implementation of the Pinecone control plane (API 2026-04).

Modules, one job each:

- ``app``        ASGI app: routing from the document, the request pipeline, thin handlers;
                 ``create_app()`` is the entry point.
- ``bodies``     JSON parsing (400) and serde-like shape checks from the document (422).
- ``rules``      the value rules (names, vectors, placement, pods, tags, models, quotas, pages).
- ``drafts``     request bodies turned into checked drafts by applying the rules in order.
- ``model``      the project state and lifecycles (derived from timestamps and the clock).
- ``views``      resources rendered as the document's response schemas.
- ``errors``     the error body and the status -> code map.
- ``policy``     hook points (rule switches, model quirks, response transforms).
- ``deviations`` the catalog of seeded deviations built on those hooks.
- ``settings``   ``MockSettings`` (quotas, lifecycle delay, id seed) and clocks.
- ``serve``      ``pinecone-conformance mock`` and ``serve_in_thread()``.
- ``contract``   openapi-core validation of a response against the document.
- ``testing``    a test client that validates every response it sees.
"""
