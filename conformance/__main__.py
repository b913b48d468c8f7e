"""``python -m conformance`` is ``pinecone-conformance``."""

import sys

from conformance.cli import main

sys.exit(main())
