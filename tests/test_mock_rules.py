"""Behaviour of the faithful mock, in process: the control plane's rules, one by one.

Every response is validated against the document by ``CheckedClient``.
"""

from __future__ import annotations

import re

import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.settings import MockSettings
from pinecone_conformance.mockserver.testing import CheckedClient, pod, serverless, sparse


@pytest.fixture
def client():
    c = CheckedClient(create_app())
    yield c
    c.close()


def error(response, status: int, code: str, contains: str = "") -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["error"]["code"] == code, body
    assert contains in body["error"]["message"], body
    assert response.headers["content-type"].startswith("application/json")
    return body


# --- transport: auth, version, parsing ------------------------------------------------------


def test_missing_or_wrong_key_is_401_before_anything_else(client):
    error(client.get("/indexes", auth=False), 401, "UNAUTHENTICATED")
    error(client.get("/indexes", headers={"Api-Key": "wrong"}), 401, "UNAUTHENTICATED")
    error(client.post("/indexes", content=b"not json", auth=False), 401, "UNAUTHENTICATED")
    error(client.get("/indexes/nope", auth=False), 401, "UNAUTHENTICATED")


def test_api_version_header():
    app = create_app()
    assert CheckedClient(app, version=None).get("/indexes").status_code == 200
    for version in ("2025-04", "2025-10", "2026-04"):
        assert CheckedClient(app, version=version).get("/indexes").status_code == 200
    response = CheckedClient(app, version="invalid", check=False).get("/indexes")
    assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_ARGUMENT"


def test_body_that_is_not_json_is_400(client):
    error(client.post("/indexes", content=b"{not json"), 400, "INVALID_ARGUMENT", "Failed to parse")
    error(client.post("/indexes", content=b""), 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(("body", "message"), [
    ({"name": "a"}, "missing field `spec`"),
    ({"spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}, "missing field `name`"),
    ({"name": "a", "dimension": "8", "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}, "dimension: invalid type"),
    ({"name": "a", "spec": {"serverless": {"cloud": "aws"}}}, "missing field `region`"),
    ({"name": "a", "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}, "pod": {}}}, "did not match any variant"),
    ([1, 2], "expected struct CreateIndexRequest"),
    ({"name": None, "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}, "missing field `name`"),
])
def test_wrong_shape_is_422_with_a_serde_message(client, body, message):
    error(client.post("/indexes", json=body), 422, "UNPROCESSABLE_ENTITY",
          "Failed to deserialize the JSON body into the target type")
    assert message in client.post("/indexes", json=body).json()["error"]["message"]


def test_unsupported_method_is_405_with_allow(client):
    response = client.request("PUT", "/indexes/x", json={}, check=False)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "PATCH", "DELETE"}
    assert client.request("GET", "/nowhere", check=False).status_code == 404


# --- create_index ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Upper", "under_score", "-lead", "trail-", "a" * 46, "", "sp ace", "dot.ted"])
def test_invalid_index_names_are_400(client, name):
    error(client.post("/indexes", json=serverless(name)), 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize("name", ["a", "0", "a-b", "x" * 45, "9-lives-9"])
def test_valid_index_names_are_accepted(client, name):
    assert client.post("/indexes", json=serverless(name)).status_code == 201


def test_defaults_and_host(client):
    created = client.post("/indexes", json=serverless("defaults")).json()
    assert created["status"] == {"ready": False, "state": "Initializing"}
    described = client.get("/indexes/defaults").json()
    assert described["status"] == {"ready": True, "state": "Ready"}
    assert described["metric"] == "cosine" and described["vector_type"] == "dense"
    assert described["deletion_protection"] == "disabled" and "tags" not in described
    assert described["spec"]["serverless"]["read_capacity"] == {"mode": "OnDemand", "status": {"state": "Ready"}}
    assert re.fullmatch(r"defaults-[a-z0-9]{7}\.svc\.[a-z0-9-]+\.pinecone\.io", described["host"])
    assert described["host"] == created["host"]
    second = client.post("/indexes", json=pod("defaults-pod")).json()
    assert second["host"].split(".")[0].rsplit("-", 1)[1] == created["host"].split(".")[0].rsplit("-", 1)[1]
    assert ".svc.us-east1-gcp.pinecone.io" in second["host"]


@pytest.mark.parametrize("dimension", [0, -1, 20001])
def test_dimension_out_of_range_is_400(client, dimension):
    error(client.post("/indexes", json=serverless("dim", dimension)), 400, "INVALID_ARGUMENT", "Dimension")


def test_dense_needs_a_dimension(client):
    error(client.post("/indexes", json=serverless("nodim", None)), 400, "INVALID_ARGUMENT", "Dimension")
    assert client.post("/indexes", json=serverless("dim-max", 20000)).status_code == 201
    assert client.post("/indexes", json=serverless("dim-min", 1)).status_code == 201


def test_sparse_rules(client):
    error(client.post("/indexes", json=sparse("sp", dimension=8)), 400, "INVALID_ARGUMENT")
    error(client.post("/indexes", json=serverless("sp", None, vector_type="sparse", metric="cosine")), 400,
          "INVALID_ARGUMENT", "Sparse vector indexes must use the metric dotproduct.")
    created = client.post("/indexes", json=sparse("sp")).json()
    assert "dimension" not in created and created["vector_type"] == "sparse"
    assert "dimension" not in client.get("/indexes/sp").json()
    error(client.post("/indexes", json=pod("sp-pod") | {"vector_type": "sparse", "metric": "dotproduct"}), 400,
          "INVALID_ARGUMENT")


@pytest.mark.parametrize("field", [{"metric": "manhattan"}, {"vector_type": "hybrid"}, {"deletion_protection": "on"},
                                   {"tags": {"bad key!": "v"}}, {"tags": {"k": "x" * 121}}])
def test_enumerated_and_tag_values_are_400(client, field):
    error(client.post("/indexes", json=serverless("enum", **field)), 400, "INVALID_ARGUMENT")


def test_unknown_cloud_region_and_environment(client):
    body = serverless("where")
    body["spec"]["serverless"]["region"] = "mars-1"
    error(client.post("/indexes", json=body), 404, "NOT_FOUND", "Resource cloud: aws region: mars-1 not found.")
    body["spec"]["serverless"]["cloud"] = "ibm"
    error(client.post("/indexes", json=body), 400, "INVALID_ARGUMENT")
    error(client.post("/indexes", json=pod("where", environment="moon-gcp")), 404, "NOT_FOUND")


def test_pod_spec_rules_and_sdk_nulls(client):
    error(client.post("/indexes", json=pod("pt", pod_type="p3.x1") | {}), 400, "INVALID_ARGUMENT")
    bad = pod("pt")
    bad["spec"]["pod"]["pod_type"] = "p1.x3"
    error(client.post("/indexes", json=bad), 400, "INVALID_ARGUMENT", "pod type")
    error(client.post("/indexes", json=pod("pt", replicas=2, shards=2, pods=3)), 400, "INVALID_ARGUMENT", "pods")
    sdk_style = pod("pt", replicas=2, shards=3, pods=6, metadata_config=None, source_collection=None)
    created = client.post("/indexes", json=sdk_style | {"tags": None, "deletion_protection": None}).json()
    assert created["spec"]["pod"] == {"environment": "us-east1-gcp", "replicas": 2, "shards": 3,
                                      "pod_type": "p1.x1", "pods": 6}
    meta = client.post("/indexes", json=pod("meta", metadata_config={"indexed": ["genre"]})).json()
    assert meta["spec"]["pod"]["metadata_config"] == {"indexed": ["genre"]}


def test_duplicate_names_are_409(client):
    assert client.post("/indexes", json=serverless("dup")).status_code == 201
    error(client.post("/indexes", json=serverless("dup", 16)), 409, "ALREADY_EXISTS", "Resource already exists.")
    assert client.get("/indexes/dup").json()["dimension"] == 8
    body = {"name": "dup", "cloud": "aws", "region": "us-east-1",
            "embed": {"model": "multilingual-e5-large", "field_map": {"text": "t"}}}
    error(client.post("/indexes/create-for-model", json=body), 409, "ALREADY_EXISTS")


def test_serverless_schema_and_dedicated_read_capacity(client):
    body = serverless("ded")
    body["spec"]["serverless"]["schema"] = {"fields": {"genre": {"filterable": True}}}
    body["spec"]["serverless"]["read_capacity"] = {
        "mode": "Dedicated", "dedicated": {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 2, "shards": 1}}}
    assert client.post("/indexes", json=body).status_code == 201
    spec = client.get("/indexes/ded").json()["spec"]["serverless"]
    assert spec["schema"] == {"fields": {"genre": {"filterable": True}}}
    assert spec["read_capacity"]["mode"] == "Dedicated"
    assert spec["read_capacity"]["dedicated"]["manual"] == {"replicas": 2, "shards": 1}
    assert spec["read_capacity"]["status"] == {"state": "Ready", "current_replicas": 2, "current_shards": 1}
    body["spec"]["serverless"]["read_capacity"] = {"mode": "Dedicated", "dedicated": {"node_type": "z9"}}
    error(client.post("/indexes", json=body | {"name": "ded2"}), 400, "INVALID_ARGUMENT")
    body["spec"]["serverless"]["read_capacity"] = {"mode": "Sometimes"}
    error(client.post("/indexes", json=body | {"name": "ded3"}), 400, "INVALID_ARGUMENT")


def test_byoc_index(client):
    body = {"name": "byoc", "dimension": 8, "spec": {"byoc": {"environment": "aws-us-east-1-b921"}}}
    created = client.post("/indexes", json=body).json()
    assert created["spec"]["byoc"]["environment"] == "aws-us-east-1-b921"
    assert created["spec"]["byoc"]["read_capacity"]["mode"] == "OnDemand"
    dedicated = {"mode": "Dedicated", "dedicated": {"node_type": "t1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 1}}}
    configured = client.patch("/indexes/byoc", json={"spec": {"byoc": {"read_capacity": dedicated}}}).json()
    assert configured["spec"]["byoc"]["read_capacity"]["mode"] == "Dedicated"
    error(client.post("/indexes/byoc/backups", json={}), 400, "INVALID_ARGUMENT")
    body["spec"]["byoc"]["environment"] = "elsewhere"
    error(client.post("/indexes", json=body | {"name": "byoc2"}), 404, "NOT_FOUND")


def test_combined_deviations_never_crash():
    from pinecone_conformance.mockserver.deviations import CATALOG

    client = CheckedClient(create_app(deviations=list(CATALOG)), check=False)
    for response in (client.post("/indexes/none/backups", json={}), client.get("/indexes/none"),
                     client.post("/indexes", json=serverless("t", tags={"a": "b"})), client.get("/backups"),
                     client.get("/indexes", auth=False)):
        assert response.status_code != 500 or "Internal" in response.text


def test_quotas_are_403():
    client = CheckedClient(create_app(settings=MockSettings(max_indexes=2, max_pods=3, max_collections=1, max_backups=1)))
    assert client.post("/indexes", json=pod("p", replicas=2)).status_code == 201
    error(client.post("/indexes", json=pod("q", replicas=2)), 403, "FORBIDDEN", "max pods")
    assert client.post("/indexes", json=serverless("s")).status_code == 201
    error(client.post("/indexes", json=serverless("t")), 403, "FORBIDDEN")
    error(client.post("/indexes/create-for-model", json=_for_model("m", "multilingual-e5-large")), 400,
          "INVALID_ARGUMENT", "max indexes")  # no 403 is documented for create-for-model
    error(client.patch("/indexes/p", json={"spec": {"pod": {"replicas": 4}}}), 403, "FORBIDDEN",
          "You've reached the max pods allowed")
    assert client.post("/collections", json={"name": "c1", "source": "p"}).status_code == 201
    error(client.post("/collections", json={"name": "c2", "source": "p"}), 403, "FORBIDDEN")
    assert client.post("/indexes/s/backups", json={}).status_code == 201
    error(client.post("/indexes/s/backups", json={}), 403, "FORBIDDEN")


# --- create_index_for_model -----------------------------------------------------------------


def _for_model(name: str, model: str, **embed):
    return {"name": name, "cloud": "aws", "region": "us-east-1",
            "embed": {"model": model, "field_map": {"text": "chunk_text"}, **embed}}


def test_create_for_model(client):
    e5 = client.post("/indexes/create-for-model", json=_for_model("e5", "multilingual-e5-large")).json()
    assert (e5["dimension"], e5["metric"], e5["vector_type"]) == (1024, "cosine", "dense")
    assert e5["embed"]["read_parameters"] == {"input_type": "query", "truncate": "END"}
    assert e5["embed"]["write_parameters"] == {"input_type": "passage", "truncate": "END"}
    assert e5["embed"]["field_map"] == {"text": "chunk_text"}
    llama = client.post("/indexes/create-for-model", json=_for_model("llama", "llama-text-embed-v2", dimension=384,
                                                                     metric="dotproduct")).json()
    assert (llama["dimension"], llama["metric"]) == (384, "dotproduct")
    sparse_model = client.get("/indexes/e5").json() and client.post(
        "/indexes/create-for-model", json=_for_model("splade", "pinecone-sparse-english-v0")).json()
    assert sparse_model["vector_type"] == "sparse" and sparse_model["metric"] == "dotproduct"
    assert "dimension" not in sparse_model
    assert client.get("/indexes/splade").json()["spec"]["serverless"]["cloud"] == "aws"


def test_create_for_model_errors(client):
    error(client.post("/indexes/create-for-model", json=_for_model("x", "invalid-model")), 400, "INVALID_ARGUMENT",
          "Model invalid-model not found.")
    bad_map = _for_model("x", "multilingual-e5-large")
    bad_map["embed"]["field_map"] = {"body": "t"}
    error(client.post("/indexes/create-for-model", json=bad_map), 400, "INVALID_ARGUMENT", "Missing required key 'text'")
    error(client.post("/indexes/create-for-model", json=_for_model("x", "multilingual-e5-large", metric="dotproduct")),
          400, "INVALID_ARGUMENT", "metric")
    error(client.post("/indexes/create-for-model", json=_for_model("x", "llama-text-embed-v2", dimension=100)),
          400, "INVALID_ARGUMENT")
    error(client.post("/indexes/create-for-model", json=_for_model("x", "multilingual-e5-large") | {"region": "nowhere"}),
          404, "NOT_FOUND")
    error(client.post("/indexes/create-for-model", json={"name": "x", "cloud": "aws", "region": "us-east-1",
                                                          "embed": {"model": "m"}}), 422, "UNPROCESSABLE_ENTITY")


# --- describe / list / configure / delete ---------------------------------------------------


def test_missing_index_is_404_everywhere(client):
    error(client.get("/indexes/ghost"), 404, "NOT_FOUND", "Index ghost not found.")
    error(client.patch("/indexes/ghost", json={"tags": {"a": "b"}}), 404, "NOT_FOUND")
    error(client.delete("/indexes/ghost"), 404, "NOT_FOUND")
    error(client.get("/indexes/ghost/backups"), 404, "NOT_FOUND")


def test_list_has_every_index_with_the_fields_of_describe(client):
    for name in ("l1", "l2"):
        client.post("/indexes", json=serverless(name))
    listed = {i["name"]: i for i in client.get("/indexes").json()["indexes"]}
    assert listed["l1"] == client.get("/indexes/l1").json()
    assert set(listed) == {"l1", "l2"}


def test_configure_tags_merge_delete_and_noop(client):
    client.post("/indexes", json=serverless("tags", tags={"env": "dev", "team": "a"}))
    response = client.patch("/indexes/tags", json={"tags": {"env": "prod", "owner": "me"}})
    assert response.status_code == 202
    assert response.json()["tags"] == {"env": "prod", "team": "a", "owner": "me"}
    assert client.patch("/indexes/tags", json={"tags": {"team": ""}}).json()["tags"] == {"env": "prod", "owner": "me"}
    assert client.patch("/indexes/tags", json={"tags": {}}).json()["tags"] == {"env": "prod", "owner": "me"}
    assert client.get("/indexes/tags").json()["tags"] == {"env": "prod", "owner": "me"}
    assert client.get("/indexes/tags").json()["deletion_protection"] == "disabled"
    error(client.patch("/indexes/tags", json={"tags": {"bad key": "v"}}), 400, "INVALID_ARGUMENT")


def test_deletion_protection(client):
    client.post("/indexes", json=serverless("prot", deletion_protection="enabled"))
    assert client.get("/indexes/prot").json()["deletion_protection"] == "enabled"
    error(client.delete("/indexes/prot"), 403, "FORBIDDEN", "Deletion protection is enabled for this index")
    assert client.get("/indexes/prot").json()["status"]["ready"] is True
    configured = client.patch("/indexes/prot", json={"deletion_protection": "disabled", "tags": {"a": "1"}}).json()
    assert configured["deletion_protection"] == "disabled"
    assert client.get("/indexes/prot").json()["tags"] == {"a": "1"}
    assert client.delete("/indexes/prot").status_code == 202
    error(client.get("/indexes/prot"), 404, "NOT_FOUND")
    assert "prot" not in [i["name"] for i in client.get("/indexes").json()["indexes"]]
    assert client.post("/indexes", json=serverless("prot")).status_code == 201  # the name is free again
    error(client.patch("/indexes/prot", json={"deletion_protection": "maybe"}), 400, "INVALID_ARGUMENT")


def test_configure_pods(client):
    client.post("/indexes", json=pod("pods"))
    up = client.patch("/indexes/pods", json={"spec": {"pod": {"replicas": 3}}}).json()
    assert up["spec"]["pod"]["replicas"] == 3 and up["spec"]["pod"]["pods"] == 3
    assert up["status"] == {"ready": True, "state": "ScalingUp"}
    assert client.get("/indexes/pods").json()["status"]["state"] == "Ready"
    assert client.patch("/indexes/pods", json={"spec": {"pod": {"pod_type": "p1.x2"}}}).json()["spec"]["pod"]["pod_type"] == "p1.x2"
    error(client.patch("/indexes/pods", json={"spec": {"pod": {"pod_type": "p1.x1"}}}), 400, "INVALID_ARGUMENT", "Cannot scale down")
    error(client.patch("/indexes/pods", json={"spec": {"pod": {"pod_type": "p2.x2"}}}), 400, "INVALID_ARGUMENT", "change pod")
    error(client.patch("/indexes/pods", json={"spec": {"serverless": {"read_capacity": {"mode": "OnDemand"}}}}),
          400, "INVALID_ARGUMENT")
    assert client.patch("/indexes/pods", json={"spec": {"pod": {"replicas": 1}}}).json()["status"]["state"] == "ScalingDown"


def test_configure_read_capacity_and_embed(client):
    client.post("/indexes", json=serverless("rc", 1024))
    dedicated = {"mode": "Dedicated", "dedicated": {"node_type": "t1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 2}}}
    response = client.patch("/indexes/rc", json={"spec": {"serverless": {"read_capacity": dedicated}}}).json()
    assert response["spec"]["serverless"]["read_capacity"]["status"]["state"] == "Scaling"
    described = client.get("/indexes/rc").json()["spec"]["serverless"]["read_capacity"]
    assert described["mode"] == "Dedicated" and described["status"]["state"] == "Ready"
    error(client.patch("/indexes/rc", json={"spec": {"pod": {"replicas": 2}}}), 400, "INVALID_ARGUMENT")
    embed = client.patch("/indexes/rc", json={"embed": {"model": "multilingual-e5-large", "field_map": {"text": "c"}}}).json()
    assert embed["embed"]["read_parameters"] == {"input_type": "query", "truncate": "END"}
    error(client.patch("/indexes/rc", json={"embed": {"model": "llama-text-embed-v2"}}), 400, "INVALID_ARGUMENT")
    client.post("/indexes", json=serverless("small", 8))
    error(client.patch("/indexes/small", json={"embed": {"model": "multilingual-e5-large", "field_map": {"text": "c"}}}),
          400, "INVALID_ARGUMENT")


# --- collections ----------------------------------------------------------------------------


def test_collections(client):
    client.post("/indexes", json=pod("src", 16, environment="us-west1-gcp"))
    client.post("/indexes", json=serverless("sls"))
    created = client.post("/collections", json={"name": "coll", "source": "src"})
    assert created.status_code == 201
    assert created.json() == {"name": "coll", "status": "Initializing", "environment": "us-west1-gcp", "dimension": 16}
    described = client.get("/collections/coll").json()
    assert described["status"] == "Ready" and isinstance(described["size"], int) and isinstance(described["vector_count"], int)
    assert [c["name"] for c in client.get("/collections").json()["collections"]] == ["coll"]
    error(client.post("/collections", json={"name": "coll", "source": "src"}), 409, "ALREADY_EXISTS")
    error(client.post("/collections", json={"name": "c2", "source": "sls"}), 400, "INVALID_ARGUMENT", "serverless")
    error(client.post("/collections", json={"name": "c2", "source": "nope"}), 400, "INVALID_ARGUMENT", "nope not found")
    error(client.post("/collections", json={"name": "Bad_Name", "source": "src"}), 400, "INVALID_ARGUMENT")
    from_collection = pod("from-coll", 16, environment="us-west1-gcp", source_collection="coll")
    assert client.post("/indexes", json=from_collection).json()["spec"]["pod"]["source_collection"] == "coll"
    error(client.post("/indexes", json=pod("x", 16, source_collection="coll")), 400, "INVALID_ARGUMENT", "same environment")
    error(client.post("/indexes", json=pod("x", 16, source_collection="missing")), 400, "INVALID_ARGUMENT", "missing not found")
    assert client.delete("/collections/coll").status_code == 202
    error(client.get("/collections/coll"), 404, "NOT_FOUND", "Collection coll not found.")
    error(client.delete("/collections/coll"), 404, "NOT_FOUND")


# --- backups and restore --------------------------------------------------------------------


def test_backups(client):
    client.post("/indexes", json=serverless("bk", 4, metric="dotproduct", tags={"t": "1"}))
    client.post("/indexes", json=pod("bk-pod"))
    created = client.post("/indexes/bk/backups", json={"name": "first", "description": "before"})
    assert created.status_code == 201
    backup = created.json()
    assert backup["status"] == "Initializing" and backup["source_index_name"] == "bk"
    assert (backup["dimension"], backup["metric"], backup["cloud"], backup["region"]) == (4, "dotproduct", "aws", "us-east-1")
    assert backup["source_index_id"] and re.fullmatch(r"[0-9a-f-]{36}", backup["backup_id"])
    assert (backup["record_count"], backup["namespace_count"], backup["size_bytes"]) == (0, 0, 0)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", backup["created_at"])
    assert client.get(f"/backups/{backup['backup_id']}").json()["status"] == "Ready"
    bare = client.post("/indexes/bk/backups", json={}).json()
    assert "description" not in bare and "name" not in bare
    error(client.post("/indexes/bk-pod/backups", json={}), 400, "INVALID_ARGUMENT", "serverless")
    error(client.post("/indexes/none/backups", json={}), 400, "INVALID_ARGUMENT", "not found")
    assert {b["backup_id"] for b in client.get("/indexes/bk/backups").json()["data"]} == {backup["backup_id"], bare["backup_id"]}
    assert client.delete(f"/backups/{bare['backup_id']}").status_code == 202
    error(client.get(f"/backups/{bare['backup_id']}"), 404, "NOT_FOUND")
    error(client.delete(f"/backups/{bare['backup_id']}"), 404, "NOT_FOUND")


def test_pagination_walks_every_backup_once(client):
    client.post("/indexes", json=serverless("pg"))
    ids = {client.post("/indexes/pg/backups", json={}).json()["backup_id"] for _ in range(5)}
    seen, token, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"paginationToken": token} if token else {})
        page = client.get("/backups", params=params).json()
        assert len(page["data"]) <= 2
        seen += [b["backup_id"] for b in page["data"]]
        pages += 1
        if "pagination" not in page:
            break
        token = page["pagination"]["next"]
    assert pages == 3 and len(seen) == 5 and set(seen) == ids
    assert "pagination" not in client.get("/indexes/pg/backups", params={"limit": 100}).json()
    for bad in ("0", "101", "abc", "-1", "1.5"):
        error(client.get("/backups", params={"limit": bad}, check=False), 400, "INVALID_ARGUMENT", "limit")
    error(client.get("/restore-jobs", params={"paginationToken": "garbage"}, check=False), 400, "INVALID_ARGUMENT")


def test_restore_from_backup(client):
    client.post("/indexes", json=serverless("orig", 4, metric="euclidean", tags={"a": "b"}))
    backup_id = client.post("/indexes/orig/backups", json={}).json()["backup_id"]
    response = client.post(f"/backups/{backup_id}/create-index", json={"name": "copy", "tags": {"r": "1"},
                                                                       "deletion_protection": "enabled"})
    assert response.status_code == 202
    job = response.json()
    restored = client.get("/indexes/copy").json()
    assert (restored["dimension"], restored["metric"], restored["vector_type"]) == (4, "euclidean", "dense")
    assert restored["spec"]["serverless"]["region"] == "us-east-1"
    assert restored["tags"] == {"r": "1"} and restored["deletion_protection"] == "enabled"
    described = client.get(f"/restore-jobs/{job['restore_job_id']}").json()
    assert described["status"] == "Completed" and described["percent_complete"] == 100 and "completed_at" in described
    assert described["target_index_id"] == job["index_id"] and described["backup_id"] == backup_id
    assert described["target_index_name"] == "copy"
    assert [j["restore_job_id"] for j in client.get("/restore-jobs").json()["data"]] == [job["restore_job_id"]]
    error(client.post(f"/backups/{backup_id}/create-index", json={"name": "copy"}), 409, "ALREADY_EXISTS")
    error(client.post("/backups/nope/create-index", json={"name": "x"}), 404, "NOT_FOUND", "Backup nope not found.")
    error(client.post(f"/backups/{backup_id}/create-index", json={"name": "Bad"}), 400, "INVALID_ARGUMENT")
    error(client.post(f"/backups/{backup_id}/create-index", json={}), 422, "UNPROCESSABLE_ENTITY")
    error(client.get("/restore-jobs/nope"), 404, "NOT_FOUND")


# --- the app itself -------------------------------------------------------------------------


def test_apps_are_independent():
    first, second = CheckedClient(create_app()), CheckedClient(create_app())
    first.post("/indexes", json=serverless("only-here"))
    assert second.get("/indexes").json() == {"indexes": []}


def test_seed_makes_ids_reproducible():
    def ids(seed):
        client = CheckedClient(create_app(settings=MockSettings(seed=seed)))
        created = client.post("/indexes", json=serverless("s"))
        return created.json()["host"], client.post("/indexes/s/backups", json={}).json()["backup_id"]

    assert ids(1) == ids(1) and ids(1) != ids(2)


def test_unknown_deviation_is_a_one_line_value_error():
    with pytest.raises(ValueError) as raised:
        create_app(deviations=["no-such-thing"])
    assert str(raised.value) == "unknown deviation: no-such-thing"


@pytest.mark.parametrize(("deviation", "request_args"), [
    ("describe-omits-host", ("GET", "/indexes/v")),
    ("delete-index-200", ("DELETE", "/indexes/v")),
    ("errors-as-text-plain", ("GET", "/indexes/missing")),
    ("pagination-null", ("GET", "/backups")),
])
def test_the_checked_client_catches_contract_violations(deviation, request_args):
    """The document check behind every test here is able to fail."""
    client = CheckedClient(create_app(deviations=[deviation]))
    client.post("/indexes", json=serverless("v"))
    with pytest.raises(AssertionError):
        client.request(*request_args)
