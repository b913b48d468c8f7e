"""An in-memory reference implementation of the Pinecone control plane (API 2026-04)."""
