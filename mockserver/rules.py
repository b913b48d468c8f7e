"""The value rules of the control plane, each written once (400 unless said otherwise).

Every function takes an already *shape-checked* value (see :mod:`mockserver.bodies`) and
either returns it normalised or raises :class:`~mockserver.errors.ApiError`. Rules a
seeded deviation can switch off consult the :class:`~mockserver.policy.Policy`; nothing
else here knows about deviations.

Catalogues (regions, pod environments, embedding models) follow the research notes
(``shared/research/pinecone-behavior.md`` sections 3 and 9).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from pinecone_conformance.core import domain
from pinecone_conformance.mockserver.errors import ApiError, bad_request
from pinecone_conformance.mockserver.policy import Policy, Rule

# --- catalogues: the facts live in core.domain (shared with the suite); the rules below are the
# mock's own implementation of them ------------------------------------------------------------

SERVERLESS_REGIONS = domain.SERVERLESS_REGIONS
POD_ENVIRONMENTS = frozenset(domain.POD_ENVIRONMENTS)
#: BYOC environments are per customer; the mock's project has one (an invented name).
BYOC_ENVIRONMENTS = frozenset({"aws-us-east-1-b921"})

METRICS = domain.METRICS
VECTOR_TYPES = domain.VECTOR_TYPES
DELETION_PROTECTION = domain.DELETION_PROTECTION
READ_CAPACITY_MODES = domain.READ_CAPACITY_MODES
NODE_TYPES = domain.NODE_TYPES
POD_TYPE = domain.POD_TYPE_RE
NAME = domain.NAME_RE
MAX_NAME_LENGTH = domain.NAME_MAX
MAX_DIMENSION = domain.DIMENSION_MAX
TAG_KEY = domain.TAG_KEY_RE
TAG_VALUE = domain.TAG_VALUE_RE
DEFAULT_PAGE_LIMIT = domain.DEFAULT_PAGE_LIMIT
MAX_PAGE_LIMIT = domain.LIMIT_MAX
EmbedModel = domain.EmbedModel
EMBED_MODELS = domain.EMBED_MODELS
DEFAULT_READ_PARAMETERS = domain.DEFAULT_READ_PARAMETERS
DEFAULT_WRITE_PARAMETERS = domain.DEFAULT_WRITE_PARAMETERS


# --- names ----------------------------------------------------------------------------------


def check_name(policy: Policy, name: str) -> str:
    """Index and collection names: 1-45 lowercase alphanumerics or '-', alphanumeric at both ends."""
    if not policy.enforces(Rule.NAME_FORMAT):
        if not name:
            raise bad_request("Name must not be empty")
        return name
    if len(name) > MAX_NAME_LENGTH:
        raise bad_request(f"Name must be {MAX_NAME_LENGTH} characters or less")
    if not NAME.match(name):
        raise bad_request(
            "Name must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character"
        )
    return name


# --- vectors --------------------------------------------------------------------------------


def check_enum(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise bad_request(f"Invalid value for {field}: `{value}`. Expected one of: {', '.join(allowed)}.")
    return value


def check_metric(policy: Policy, metric: str) -> str:
    if not policy.enforces(Rule.METRIC_ENUM):
        return metric
    return check_enum("metric", metric, METRICS)


def check_vectors(policy: Policy, vector_type: str | None, dimension: int | None, metric: str | None) -> tuple[str, int | None, str]:
    """(vector_type, dimension, metric) of a new index, with the service's defaults filled in.

    Dense needs a dimension 1..20000 and defaults to cosine; sparse takes no dimension and
    only the dotproduct metric (which is also its default).
    """
    vector_type = check_enum("vector_type", "dense" if vector_type is None else vector_type, VECTOR_TYPES)
    if metric is not None:
        metric = check_metric(policy, metric)
    if vector_type == "sparse":
        if dimension is not None and policy.enforces(Rule.SPARSE_WITHOUT_DIMENSION):
            raise bad_request("Sparse vector indexes must not have a dimension.")
        metric = metric or "dotproduct"
        if metric != "dotproduct":
            raise bad_request("Sparse vector indexes must use the metric dotproduct.")
        return vector_type, dimension, metric
    if dimension is None:
        raise bad_request("Dimension is required for dense vector indexes.")
    check_dimension(policy, dimension)
    return vector_type, dimension, metric or "cosine"


def check_dimension(policy: Policy, dimension: int) -> int:
    if policy.enforces(Rule.DIMENSION_RANGE) and not 1 <= dimension <= MAX_DIMENSION:
        raise bad_request(f"Dimension must be between 1 and {MAX_DIMENSION}, got {dimension}.")
    return dimension


# --- flags and tags -------------------------------------------------------------------------


def check_deletion_protection(value: str) -> str:
    return check_enum("deletion_protection", value, DELETION_PROTECTION)


def check_tags(tags: dict[str, str]) -> dict[str, str]:
    """Tag keys <= 80 chars of ``[A-Za-z0-9_-]``; values <= 120 chars of alphanumerics and ``;@_-.+ ``.

    An empty value is allowed: on configure it deletes the key.
    """
    for key, value in tags.items():
        if not TAG_KEY.match(key):
            raise bad_request(f"Invalid tag key `{key[:100]}`: keys are 1-80 characters of letters, digits, '_' or '-'.")
        if not TAG_VALUE.match(value):
            raise bad_request(
                f"Invalid value for tag `{key}`: values are up to 120 characters of letters, digits, spaces and ;@_-.+"
            )
    return dict(tags)


# --- placement ------------------------------------------------------------------------------


def check_serverless_location(policy: Policy, cloud: str, region: str) -> tuple[str, str]:
    """A known (cloud, region) pair; an unknown pair is 404 as in production (research R-IDX-14)."""
    if not policy.enforces(Rule.KNOWN_REGION):
        return cloud, region
    if region not in SERVERLESS_REGIONS.get(cloud, ()):
        if cloud not in SERVERLESS_REGIONS:
            check_enum("cloud", cloud, tuple(SERVERLESS_REGIONS))
        raise ApiError(404, f"Resource cloud: {cloud} region: {region} not found.")
    return cloud, region


def check_environment(policy: Policy, environment: str, known: frozenset[str]) -> str:
    if policy.enforces(Rule.KNOWN_REGION) and environment not in known:
        raise ApiError(404, f"Resource environment: {environment} not found.")
    return environment


def check_pod_type(pod_type: str) -> str:
    if not POD_TYPE.match(pod_type):
        raise bad_request(
            f"Invalid pod type `{pod_type}`: expected <s1|p1|p2>.<x1|x2|x4|x8>, for example p1.x1."
        )
    return pod_type


def pod_size(pod_type: str) -> tuple[str, int]:
    family, size = pod_type.split(".")
    return family, int(size[1:])


def check_pod_resize(policy: Policy, current: str, wanted: str) -> str:
    """Pods may grow within their family: no scale down (R-CFG-09), no family change (R-CFG-10)."""
    check_pod_type(wanted)
    (family, size), (new_family, new_size) = pod_size(current), pod_size(wanted)
    if new_family != family and policy.enforces(Rule.POD_SAME_FAMILY):
        raise bad_request(f"Cannot change pod type from {current} to {wanted}: changing the pod family is not supported.")
    if new_size < size and policy.enforces(Rule.POD_NO_SCALE_DOWN):
        raise bad_request(f"Cannot scale down an existing index from {current} to {wanted}.")
    return wanted


def check_pod_spec(policy: Policy, pod: dict[str, Any]) -> dict[str, Any]:
    """A pod spec with defaults (replicas = shards = 1); ``pods`` must equal replicas x shards."""
    check_pod_type(pod["pod_type"])
    replicas, shards = pod.get("replicas", 1), pod.get("shards", 1)
    for field, value in (("replicas", replicas), ("shards", shards)):
        if value < 1:
            raise bad_request(f"Invalid value for {field}: must be at least 1, got {value}.")
    if "pods" in pod and pod["pods"] != replicas * shards:
        raise bad_request(
            f"Invalid value for pods: {pod['pods']}; pods must equal replicas x shards ({replicas * shards})."
        )
    check_environment(policy, pod["environment"], POD_ENVIRONMENTS)
    normal: dict[str, Any] = {"environment": pod["environment"], "pod_type": pod["pod_type"],
                              "replicas": replicas, "shards": shards}
    if "metadata_config" in pod:
        normal["metadata_config"] = pod["metadata_config"]
    if "source_collection" in pod:
        normal["source_collection"] = pod["source_collection"]
    return normal


def check_read_capacity(read_capacity: dict[str, Any]) -> dict[str, Any]:
    """``{"mode": "OnDemand"}`` or a Dedicated config with node type, Manual scaling, replicas and shards."""
    mode = check_enum("read_capacity.mode", read_capacity["mode"], READ_CAPACITY_MODES)
    if mode == "OnDemand":
        return {"mode": "OnDemand"}
    dedicated = read_capacity.get("dedicated")
    if dedicated is None:
        raise bad_request("read_capacity.dedicated is required when mode is Dedicated.")
    node_type = check_enum("read_capacity.dedicated.node_type", dedicated.get("node_type", ""), NODE_TYPES)
    scaling = check_enum("read_capacity.dedicated.scaling", dedicated.get("scaling", ""), ("Manual",))
    manual = dedicated.get("manual")
    if manual is None:
        raise bad_request("read_capacity.dedicated.manual is required when scaling is Manual.")
    replicas, shards = manual.get("replicas", 1), manual.get("shards", 1)
    if replicas < 0 or shards < 1:
        raise bad_request("read_capacity.dedicated.manual needs replicas >= 0 and shards >= 1.")
    return {"mode": "Dedicated",
            "dedicated": {"node_type": node_type, "scaling": scaling, "manual": {"replicas": replicas, "shards": shards}}}


# --- integrated embedding -------------------------------------------------------------------


def check_embed_model(name: str) -> EmbedModel:
    model = EMBED_MODELS.get(name)
    if model is None:
        raise bad_request(f"Model {name} not found.")
    return model


def embed_settings(model: EmbedModel, dimension: int | None, metric: str, field_map: dict[str, Any],
                   read_parameters: dict[str, Any], write_parameters: dict[str, Any]) -> dict[str, Any]:
    """The embedding configuration an integrated index keeps, with the default parameters filled in."""
    block: dict[str, Any] = {"model": model.name, "metric": metric}
    if dimension is not None:
        block["dimension"] = dimension
    block["vector_type"] = model.vector_type
    block["field_map"] = field_map
    block["read_parameters"] = {**DEFAULT_READ_PARAMETERS, **read_parameters}
    block["write_parameters"] = {**DEFAULT_WRITE_PARAMETERS, **write_parameters}
    return block


def check_field_map(field_map: dict[str, Any]) -> dict[str, Any]:
    if "text" not in field_map:
        raise bad_request("Missing required key 'text' in field_map.")
    if not isinstance(field_map["text"], str) or not field_map["text"]:
        raise bad_request("field_map.text must be a non-empty string naming a field.")
    return dict(field_map)


def embed_vectors(policy: Policy, model: EmbedModel, metric: str | None, dimension: int | None) -> tuple[str, int | None, str]:
    """(vector_type, dimension, metric) an integrated index of ``model`` gets."""
    if metric is not None:
        check_metric(policy, metric)
        if metric not in model.metrics:
            raise bad_request(
                f"Metric {metric} is invalid for model {model.name}; supported metrics: {', '.join(model.metrics)}."
            )
    if dimension is not None and dimension not in model.dimensions:
        supported = ", ".join(map(str, model.dimensions)) or "none (sparse model)"
        raise bad_request(f"Dimension {dimension} is not supported by model {model.name}; supported: {supported}.")
    return model.vector_type, dimension or model.default_dimension, metric or model.default_metric


# --- pages ---------------------------------------------------------------------------------


def page_limit(policy: Policy, raw: str | None) -> int:
    """``limit`` query parameter: an integer 1..100, default 10.

    Without :attr:`Rule.LIMIT_RANGE` a limit out of range is clamped into it; without
    :attr:`Rule.LIMIT_INTEGER` one that is not an integer is the default.
    """
    if raw is None:
        return DEFAULT_PAGE_LIMIT
    if not re.fullmatch(r"-?[0-9]{1,12}", raw):
        if policy.enforces(Rule.LIMIT_INTEGER):
            raise bad_request(f"Invalid value for limit: `{raw[:40]}` is not an integer.")
        return DEFAULT_PAGE_LIMIT
    limit = int(raw)
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        if policy.enforces(Rule.LIMIT_RANGE):
            raise bad_request(f"Invalid value for limit: {limit}; limit must be between 1 and {MAX_PAGE_LIMIT}.")
        limit = min(max(limit, 1), MAX_PAGE_LIMIT)
    return limit


_TOKEN_PREFIX = "offset:"
_TOKEN = re.compile(r"\Aoffset:([0-9]{1,18})\Z")
#: Longest token the mock can have issued (an 18-digit offset); longer ones are not decoded at all.
_MAX_TOKEN_LENGTH = len(base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}{10 ** 18 - 1}".encode()))


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}{offset}".encode()).decode()


#: The offset of a token the mock did not issue, where it does not refuse one: past every list.
PAST_THE_END = 2 ** 62


def page_offset(policy: Policy, raw: str | None) -> int:
    """The offset a ``paginationToken`` stands for; 400 for a token the mock did not issue
    (without :attr:`Rule.ISSUED_TOKENS`: an empty last page, :data:`PAST_THE_END`).

    Only the form the mock issues is decoded: at most 18 digits, so the offset is an ordinary
    integer (no list is that long) and no conversion ever meets Python's limit on huge ones.
    """
    if raw is None:
        return 0
    text = ""
    if len(raw) <= _MAX_TOKEN_LENGTH:
        try:
            text = base64.urlsafe_b64decode(raw.encode("ascii")).decode("ascii")
        except (ValueError, UnicodeError):
            text = ""
    match = _TOKEN.match(text)
    if match is None:
        if not policy.enforces(Rule.ISSUED_TOKENS):
            return PAST_THE_END
        raise bad_request("Invalid pagination token.")
    return int(match.group(1))
