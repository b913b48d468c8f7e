"""The conformance suite: Schemathesis stateless and stateful runs, openapi-core on every
response, semantic checks a schema cannot express, and the ``pinecone-conformance`` CLI."""
