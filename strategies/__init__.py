"""Hypothesis strategies that know the Pinecone control-plane domain."""
