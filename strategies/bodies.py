"""Hypothesis strategies for requests that are really valid, and invalid ones that break one
rule each.

Generic generation from the document mostly bounces off 400s: it ignores ``x-enum``, the
name rules, ``pods = shards x replicas`` and the dense/sparse rules, which the document
states only in prose. These strategies know them. Every name they draw starts with the
run's prefix, so a run against a real project touches only what it created.
"""

from __future__ import annotations

from hypothesis import strategies as st

from pinecone_conformance.core import domain

_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


def names(prefix: str) -> st.SearchStrategy[str]:
    """Valid resource names that start with ``prefix`` (which must itself be a valid name start)."""
    room = domain.NAME_MAX - len(prefix) - 1
    if room < 1:
        raise ValueError(f"prefix {prefix!r} leaves no room for a name")
    middle = st.text(_NAME_CHARS + "-", min_size=0, max_size=max(0, room - 1))
    last = st.sampled_from(_NAME_CHARS)
    return st.builds(lambda m, e: f"{prefix}-{m}{e}", middle, last).filter(domain.is_valid_name)


def tag_maps(max_size: int = 4) -> st.SearchStrategy[dict[str, str]]:
    keys = st.from_regex(domain.TAG_KEY_PATTERN, fullmatch=True).filter(lambda k: len(k) <= 20)
    values = st.from_regex(r"[A-Za-z0-9;@_\-.+ ]{1,20}", fullmatch=True)
    return st.dictionaries(keys, values, max_size=max_size)


def metadata_schemas() -> st.SearchStrategy[dict]:
    field_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
    return st.builds(
        lambda names: {"fields": {name: {"filterable": True} for name in names}},
        st.lists(field_names, min_size=1, max_size=3, unique=True),
    )


def read_capacities() -> st.SearchStrategy[dict]:
    on_demand = st.just({"mode": "OnDemand"})
    dedicated = st.builds(
        lambda node, replicas, shards: {
            "mode": "Dedicated",
            "dedicated": {"node_type": node, "scaling": "Manual", "manual": {"replicas": replicas, "shards": shards}},
        },
        st.sampled_from(domain.NODE_TYPES),
        st.integers(1, 3),
        st.integers(1, 2),
    )
    return st.one_of(on_demand, dedicated)


def serverless_specs(*, cloud: str = domain.DEFAULT_CLOUD, region: str = domain.DEFAULT_REGION) -> st.SearchStrategy[dict]:
    optional = st.fixed_dictionaries({}, optional={"read_capacity": read_capacities(), "schema": metadata_schemas()})
    return optional.map(lambda extra: {"serverless": {"cloud": cloud, "region": region, **extra}})


def pod_specs() -> st.SearchStrategy[dict]:
    """Pod specs whose ``pods`` (when given) equals ``shards * replicas``."""

    def build(environment, family, size, replicas, shards, give_pods, metadata_fields):
        pod = {"environment": environment, "pod_type": f"{family}.{size}"}
        if replicas is not None:
            pod["replicas"] = replicas
        if shards is not None:
            pod["shards"] = shards
        if give_pods:
            pod["pods"] = (replicas or 1) * (shards or 1)
        if metadata_fields:
            pod["metadata_config"] = {"indexed": metadata_fields}
        return {"pod": pod}

    return st.builds(
        build,
        st.sampled_from(domain.SAFE_POD_ENVIRONMENTS),
        st.sampled_from(domain.POD_FAMILIES),
        st.sampled_from(domain.POD_SIZES[:2]),
        st.none() | st.integers(1, 2),
        st.none() | st.integers(1, 2),
        st.booleans(),
        st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), max_size=2, unique=True),
    )


def _with_optional(required: dict, optional: dict) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(required, optional=optional)


def dense_index_bodies(prefix: str) -> st.SearchStrategy[dict]:
    return _with_optional(
        {"name": names(prefix), "dimension": st.integers(domain.DIMENSION_MIN, 2048), "spec": serverless_specs() | pod_specs()},
        {
            "metric": st.sampled_from(domain.METRICS),
            "vector_type": st.just("dense"),
            "deletion_protection": st.just("disabled"),
            "tags": tag_maps(),
        },
    )


def sparse_index_bodies(prefix: str) -> st.SearchStrategy[dict]:
    """Sparse indexes: serverless only, metric dotproduct, no dimension."""
    return _with_optional(
        {"name": names(prefix), "vector_type": st.just("sparse"), "metric": st.just("dotproduct"), "spec": serverless_specs()},
        {"deletion_protection": st.just("disabled"), "tags": tag_maps()},
    )


def create_index_bodies(prefix: str) -> st.SearchStrategy[dict]:
    """Valid ``create_index`` bodies of every spec kind the 2026-04 document offers (BYOC aside:
    it needs a customer environment no test project has)."""
    return dense_index_bodies(prefix) | sparse_index_bodies(prefix)


def embed_blocks() -> st.SearchStrategy[dict]:
    def build(model, pick):
        info = domain.EMBED_MODELS[model]
        block = {"model": model, "field_map": {"text": "chunk_text"}}
        if pick % 2 and len(info.metrics) > 1:
            block["metric"] = info.metrics[pick % len(info.metrics)]
        if pick % 3 == 0 and len(info.dimensions) > 1:
            block["dimension"] = info.dimensions[pick % len(info.dimensions)]
        return block

    return st.builds(build, st.sampled_from(sorted(domain.EMBED_MODELS)), st.integers(0, 5))


def create_index_for_model_bodies(prefix: str) -> st.SearchStrategy[dict]:
    return _with_optional(
        {
            "name": names(prefix),
            "cloud": st.just(domain.DEFAULT_CLOUD),
            "region": st.just(domain.DEFAULT_REGION),
            "embed": embed_blocks(),
        },
        {"deletion_protection": st.just("disabled"), "tags": tag_maps()},
    )


def configure_index_bodies() -> st.SearchStrategy[dict]:
    """Configure bodies that make sense for any index kind: tags and deletion protection
    (spec changes depend on the index kind and are exercised by the scenarios)."""
    return st.fixed_dictionaries(
        {}, optional={"tags": tag_maps(), "deletion_protection": st.just("disabled")}
    ).filter(bool)


def create_collection_bodies(prefix: str, source: str | None = None) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"name": names(prefix), "source": st.just(source) if source else names(prefix)})


def create_backup_bodies() -> st.SearchStrategy[dict]:
    text = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
    return st.fixed_dictionaries({}, optional={"name": text, "description": text})


def create_index_from_backup_bodies(prefix: str) -> st.SearchStrategy[dict]:
    return _with_optional({"name": names(prefix)}, {"tags": tag_maps(), "deletion_protection": st.just("disabled")})


#: operationId -> factory(prefix) of valid request bodies.
BODY_STRATEGIES = {
    "create_index": create_index_bodies,
    "create_index_for_model": create_index_for_model_bodies,
    "configure_index": lambda prefix: configure_index_bodies(),
    "create_collection": create_collection_bodies,
    "create_backup": lambda prefix: create_backup_bodies(),
    "create_index_from_backup_operation": create_index_from_backup_bodies,
}


# --- invalid in one precise way each -------------------------------------------------------


def invalid_names(prefix: str) -> dict[str, str]:
    """Names that break exactly one name rule each, keyed by the rule they break."""
    return {
        "too-long (46 chars)": (prefix + "-" + "a" * 45)[:46],
        "upper case": f"{prefix}-Upper",
        "underscore": f"{prefix}_under",
        "leading hyphen": f"-{prefix}-lead",
        "trailing hyphen": f"{prefix}-trail-",
        "empty": "",
    }


def invalid_create_index_bodies(name: str) -> dict[str, dict]:
    """``create_index`` bodies that are valid but for one rule, keyed by that rule."""
    serverless = {"serverless": {"cloud": domain.DEFAULT_CLOUD, "region": domain.DEFAULT_REGION}}
    return {
        "dimension 0": {"name": name, "dimension": 0, "metric": "cosine", "spec": serverless},
        "dimension 20001": {"name": name, "dimension": 20001, "metric": "cosine", "spec": serverless},
        "dense without dimension": {"name": name, "metric": "cosine", "spec": serverless},
        "sparse with a dimension": {
            "name": name, "dimension": 8, "metric": "dotproduct", "vector_type": "sparse", "spec": serverless,
        },
        "sparse with metric cosine": {"name": name, "metric": "cosine", "vector_type": "sparse", "spec": serverless},
        "unknown metric": {"name": name, "dimension": 8, "metric": "manhattan", "spec": serverless},
        "unknown vector_type": {"name": name, "dimension": 8, "metric": "cosine", "vector_type": "dusty", "spec": serverless},
        "unknown deletion_protection": {
            "name": name, "dimension": 8, "metric": "cosine", "deletion_protection": "maybe", "spec": serverless,
        },
        "pods not shards x replicas": {
            "name": name, "dimension": 8, "metric": "cosine",
            "spec": {"pod": {"environment": domain.SAFE_POD_ENVIRONMENTS[0], "pod_type": "p1.x1", "replicas": 2, "shards": 2, "pods": 3}},
        },
        "bad pod_type": {
            "name": name, "dimension": 8, "metric": "cosine",
            "spec": {"pod": {"environment": domain.SAFE_POD_ENVIRONMENTS[0], "pod_type": "q9.x3"}},
        },
        "two spec kinds": {
            "name": name, "dimension": 8, "metric": "cosine",
            "spec": {**serverless, "pod": {"environment": domain.SAFE_POD_ENVIRONMENTS[0], "pod_type": "p1.x1"}},
        },
        "missing spec": {"name": name, "dimension": 8, "metric": "cosine"},
        "dimension as a string": {"name": name, "dimension": "8", "metric": "cosine", "spec": serverless},
        "a tag key with a space": {"name": name, "dimension": 8, "metric": "cosine", "spec": serverless,
                                   "tags": {"bad key": "v"}},
    }
