"""``python -m pinecone_conformance`` is ``pinecone-conformance``."""

import sys

from pinecone_conformance.conformance.cli import main

sys.exit(main())
