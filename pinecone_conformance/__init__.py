"""pinecone-conformance: contract tests and a conformance suite for the Pinecone Control Plane API.

Everything installs under this one namespace, so nothing generic lands in site-packages: the
folders the project is known by (``core/``, ``spec/``, ``strategies/``, ``conformance/``,
``reports/``, ``mockserver/``) are the subpackages ``pinecone_conformance.core`` and so on
(see ``[tool.setuptools.package-dir]`` in pyproject.toml).
"""
