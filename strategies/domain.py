"""What the 2026-04 control plane accepts, as data: the values the document gives only as
``x-enum`` or prose, and the catalogue facts from the research notes (regions, pod
environments, embedding models). The strategies draw from here; nothing here is random."""

from __future__ import annotations

import re

NAME_MAX = 45
#: Index and collection names: 1-45 chars, lowercase alphanumerics or '-', alphanumeric at both ends.
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,43}[a-z0-9])?$"
NAME_RE = re.compile(NAME_PATTERN)

METRICS = ("cosine", "euclidean", "dotproduct")
VECTOR_TYPES = ("dense", "sparse")
DELETION_PROTECTION = ("disabled", "enabled")
CLOUDS = ("gcp", "aws", "azure")
DIMENSION_MIN, DIMENSION_MAX = 1, 20000
LIMIT_MIN, LIMIT_MAX = 1, 100

#: Serverless cloud -> regions (SDK enums; the research notes, section 3).
SERVERLESS_REGIONS = {
    "aws": ("us-east-1", "us-west-2", "eu-west-1"),
    "gcp": ("us-central1", "europe-west4"),
    "azure": ("eastus2",),
}
#: The pair used when a request must succeed on any real project.
DEFAULT_CLOUD, DEFAULT_REGION = "aws", "us-east-1"

POD_ENVIRONMENTS = ("us-east-1-aws", "us-west1-gcp", "us-central1-gcp", "eu-west1-gcp")
POD_FAMILIES = ("s1", "p1", "p2")
POD_SIZES = ("x1", "x2", "x4", "x8")
POD_TYPE_PATTERN = r"^(s1|p1|p2)\.(x1|x2|x4|x8)$"

READ_CAPACITY_MODES = ("OnDemand", "Dedicated")
NODE_TYPES = ("b1", "t1")

TAG_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,80}$"
TAG_VALUE_PATTERN = r"^[A-Za-z0-9;@_\-.+ ]{0,120}$"

#: Embedding models for create-for-model: vector type, dimensions (first is the default), metrics (first is the default).
EMBED_MODELS = {
    "multilingual-e5-large": {"vector_type": "dense", "dimensions": (1024,), "metrics": ("cosine", "euclidean")},
    "llama-text-embed-v2": {
        "vector_type": "dense",
        "dimensions": (1024, 384, 512, 768, 2048),
        "metrics": ("cosine", "dotproduct"),
    },
    "pinecone-sparse-english-v0": {"vector_type": "sparse", "dimensions": (), "metrics": ("dotproduct",)},
}

INDEX_STATES = (
    "Initializing", "InitializationFailed", "ScalingUp", "ScalingDown", "ScalingUpPodSize",
    "ScalingDownPodSize", "Terminating", "Ready", "Disabled",
)
#: States in which an index answers queries (``status.ready`` must be true).
READY_STATES = ("Ready", "ScalingUp", "ScalingDown", "ScalingUpPodSize", "ScalingDownPodSize")
NOT_READY_STATES = ("Initializing", "InitializationFailed", "Terminating", "Disabled")

#: Error code expected for each error status (R-ERR-02).
ERROR_CODE_FOR_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "PAYMENT_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    422: "UNPROCESSABLE_ENTITY",
}


def is_valid_name(name: object) -> bool:
    return isinstance(name, str) and bool(NAME_RE.match(name))
