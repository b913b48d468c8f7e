"""What the 2026-04 control plane accepts, as data: one home for every domain fact.

The values the document gives only as ``x-enum`` or prose, and the catalogue facts from the
research notes (regions, pod environments, embedding models, error codes). The suite (its
strategies and checks) and the mock both read them from here; each keeps its own *logic*,
so the mock stays an independent implementation of the rules. Where the suite deliberately
uses less than the catalogue (regions safe to create in on any project), the subset is named
here and a test checks the relation. Nothing here is random or mutable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- names ------------------------------------------------------------------------------------

NAME_MAX = 45
#: Index and collection names: 1-45 characters, lowercase alphanumerics or '-', alphanumeric at
#: both ends. ``NAME_PATTERN`` is the JSON Schema (ECMA 262) form for generation documents;
#: ``NAME_RE`` the Python form, anchored with \A and \Z so that a trailing newline never passes.
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,43}[a-z0-9])?$"
NAME_RE = re.compile(r"\A[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?\Z")


def is_valid_name(name: object) -> bool:
    return isinstance(name, str) and NAME_RE.match(name) is not None


# --- index configuration --------------------------------------------------------------------------

METRICS = ("cosine", "euclidean", "dotproduct")
VECTOR_TYPES = ("dense", "sparse")
DELETION_PROTECTION = ("disabled", "enabled")
DIMENSION_MIN, DIMENSION_MAX = 1, 20000
CLOUDS = ("aws", "gcp", "azure")

#: Serverless cloud -> every region the research notes know of (SDK enums; section 3).
SERVERLESS_REGIONS: dict[str, tuple[str, ...]] = {
    "aws": ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"),
    "gcp": ("us-central1", "europe-west4"),
    "azure": ("eastus2", "germanywestcentral"),
}
#: The regions the suite creates in: a subset of :data:`SERVERLESS_REGIONS` open to every project.
SAFE_SERVERLESS_REGIONS: dict[str, tuple[str, ...]] = {
    "aws": ("us-east-1", "us-west-2", "eu-west-1"),
    "gcp": ("us-central1", "europe-west4"),
    "azure": ("eastus2",),
}
#: The pair used when a request must succeed on any real project.
DEFAULT_CLOUD, DEFAULT_REGION = "aws", "us-east-1"

#: Every pod environment the research notes know of.
POD_ENVIRONMENTS = (
    "us-east-1-aws", "us-west1-gcp", "us-central1-gcp", "eu-west1-gcp", "us-west4-gcp", "us-east4-gcp",
    "northamerica-northeast1-gcp", "asia-northeast1-gcp", "asia-southeast1-gcp", "us-east1-gcp", "eu-west4-gcp",
    "eastus-azure",
)
#: The environments the suite creates pod indexes in (a subset; the first is its default).
SAFE_POD_ENVIRONMENTS = ("us-east-1-aws", "us-west1-gcp", "us-central1-gcp", "eu-west1-gcp")
POD_FAMILIES = ("s1", "p1", "p2")
POD_SIZES = ("x1", "x2", "x4", "x8")
POD_TYPE_PATTERN = r"^(s1|p1|p2)\.(x1|x2|x4|x8)$"
POD_TYPE_RE = re.compile(r"\A(s1|p1|p2)\.(x1|x2|x4|x8)\Z")

READ_CAPACITY_MODES = ("OnDemand", "Dedicated")
NODE_TYPES = ("b1", "t1")

#: Tag keys and values (the IndexTags description).
TAG_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,80}$"
TAG_VALUE_PATTERN = r"^[A-Za-z0-9;@_\-.+ ]{0,120}$"
TAG_KEY_RE = re.compile(r"\A[A-Za-z0-9_-]{1,80}\Z")
TAG_VALUE_RE = re.compile(r"\A[A-Za-z0-9;@_\-.+ ]{0,120}\Z")


@dataclass(frozen=True)
class EmbedModel:
    """A hosted embedding model: what create-for-model derives an index from."""

    name: str
    vector_type: str
    dimensions: tuple[int, ...]
    default_dimension: int | None
    metrics: tuple[str, ...]
    """Supported metrics, the default first."""

    @property
    def default_metric(self) -> str:
        return self.metrics[0]


EMBED_MODELS: dict[str, EmbedModel] = {
    model.name: model
    for model in (
        EmbedModel("multilingual-e5-large", "dense", (1024,), 1024, ("cosine", "euclidean")),
        EmbedModel("llama-text-embed-v2", "dense", (384, 512, 768, 1024, 2048), 1024, ("cosine", "dotproduct")),
        EmbedModel("pinecone-sparse-english-v0", "sparse", (), None, ("dotproduct",)),
    )
}
DEFAULT_READ_PARAMETERS = {"input_type": "query", "truncate": "END"}
DEFAULT_WRITE_PARAMETERS = {"input_type": "passage", "truncate": "END"}

# --- states -----------------------------------------------------------------------------------------

INDEX_STATES = (
    "Initializing", "InitializationFailed", "ScalingUp", "ScalingDown", "ScalingUpPodSize",
    "ScalingDownPodSize", "Terminating", "Ready", "Disabled",
)
#: States in which an index answers queries (``status.ready`` must be true; R-ST-02/03).
READY_STATES = ("Ready", "ScalingUp", "ScalingDown", "ScalingUpPodSize", "ScalingDownPodSize")
NOT_READY_STATES = ("Initializing", "InitializationFailed", "Terminating", "Disabled")

# --- pages and errors --------------------------------------------------------------------------------

LIMIT_MIN, LIMIT_MAX = 1, 100
DEFAULT_PAGE_LIMIT = 10

#: The ``error.code`` production pairs with each status (R-ERR-02; 402 by the same scheme). A
#: server may add codes for statuses not listed here (the mock does, for 405, 429 and 5xx).
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
