"""The bundled OpenAPI documents, the links overlay, the loader and the spec self-check."""
