"""The official Python SDK (pinecone==9.1.0, API 2025-10) drives a realistic workflow on the loopback mock.

The SDK decodes responses strictly and sends the shapes real users send (explicit nulls in
pod specs, ``X-Pinecone-Api-Version: 2025-10``), so this is the best judge of fidelity.
"""

from __future__ import annotations

import warnings

import pytest

pinecone = pytest.importorskip("pinecone")

from pinecone import Pinecone, PodSpec, ServerlessSpec  # noqa: E402
from pinecone.errors.exceptions import ConflictError, ForbiddenException, NotFoundException  # noqa: E402

from pinecone_conformance.mockserver.app import create_app  # noqa: E402
from pinecone_conformance.mockserver.serve import serve_in_thread  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pc():
    with serve_in_thread(create_app(api_key="sdk-key")) as url, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield Pinecone(api_key="sdk-key", host=url)


def test_sdk_workflow(pc):
    serverless = ServerlessSpec(cloud="aws", region="us-east-1")

    # create serverless dense, sparse and pod indexes
    dense = pc.indexes.create(name="sdk-dense", dimension=8, spec=serverless, tags={"env": "dev"}, timeout=-1)
    assert dense.name == "sdk-dense" and dense.status.ready is False
    assert "sdk-dense" in dense.host
    sparse = pc.indexes.create(name="sdk-sparse", metric="dotproduct", vector_type="sparse", spec=serverless, timeout=-1)
    assert sparse.vector_type == "sparse" and sparse.dimension is None
    podded = pc.indexes.create(name="sdk-pod", dimension=8, spec=PodSpec(environment="us-east1-gcp", pod_type="p1.x1"),
                               timeout=-1)
    assert podded.spec.pod.pods == 1
    with pytest.raises(ConflictError):
        pc.indexes.create(name="sdk-dense", dimension=8, spec=serverless, timeout=-1)

    # describe and list
    described = pc.indexes.describe("sdk-dense")
    assert described.status.ready is True and described.status.state == "Ready"
    assert described.metric == "cosine" and described.deletion_protection == "disabled"
    assert described.tags == {"env": "dev"}
    assert {"sdk-dense", "sdk-sparse", "sdk-pod"} <= set(pc.indexes.list().names())
    assert pc.indexes.exists("sdk-pod") and not pc.indexes.exists("sdk-nothing")

    # configure tags and deletion protection; a protected delete is refused
    pc.indexes.configure("sdk-dense", tags={"env": "prod", "team": "search"}, deletion_protection="enabled")
    described = pc.indexes.describe("sdk-dense")
    assert described.tags == {"env": "prod", "team": "search"} and described.deletion_protection == "enabled"
    pc.indexes.configure("sdk-dense", tags={"team": ""})
    assert pc.indexes.describe("sdk-dense").tags == {"env": "prod"}
    with pytest.raises(ForbiddenException):
        pc.indexes.delete("sdk-dense", timeout=-1)
    pc.indexes.configure("sdk-dense", deletion_protection="disabled")
    pc.indexes.configure("sdk-pod", replicas=2)
    assert pc.indexes.describe("sdk-pod").spec.pod.replicas == 2

    # delete, then NotFound
    pc.indexes.delete("sdk-sparse", timeout=-1)
    with pytest.raises(NotFoundException):
        pc.indexes.describe("sdk-sparse")
    assert "sdk-sparse" not in pc.indexes.list().names()

    # collections
    collection = pc.collections.create(name="sdk-coll", source="sdk-pod")
    assert collection.name == "sdk-coll" and collection.environment == "us-east1-gcp"
    assert pc.collections.describe("sdk-coll").status == "Ready"
    assert "sdk-coll" in [c.name for c in pc.collections.list()]
    pc.collections.delete("sdk-coll")
    with pytest.raises(NotFoundException):
        pc.collections.describe("sdk-coll")

    # backups
    backup = pc.backups.create(index_name="sdk-dense", name="nightly", description="before the change")
    assert backup.source_index_name == "sdk-dense" and backup.dimension == 8
    assert pc.backups.describe(backup_id=backup.backup_id).status == "Ready"
    second = pc.backups.create(index_name="sdk-dense")
    assert second.description is None
    listed = pc.backups.list(index_name="sdk-dense")
    assert {b.backup_id for b in listed} == {backup.backup_id, second.backup_id}
    first_page = pc.backups.list(limit=1)
    assert len(list(first_page)) == 1 and first_page.pagination is not None
    pc.backups.delete(backup_id=second.backup_id)
    with pytest.raises(NotFoundException):
        pc.backups.describe(backup_id=second.backup_id)

    # an index from a backup, and its restore job
    restored = pc.create_index_from_backup(name="sdk-restored", backup_id=backup.backup_id, tags={"from": "backup"},
                                           timeout=-1)
    job = pc.restore_jobs.describe(job_id=restored.restore_job_id)
    assert job.status == "Completed" and job.percent_complete == 100 and job.target_index_name == "sdk-restored"
    assert restored.restore_job_id in [j.restore_job_id for j in pc.restore_jobs.list()]
    restored_index = pc.indexes.describe("sdk-restored")
    assert restored_index.dimension == 8 and restored_index.tags == {"from": "backup"}

    # integrated (create-for-model) index
    model_index = pc.create_index_for_model(name="sdk-model", cloud="aws", region="us-east-1",
                                            embed={"model": "multilingual-e5-large", "field_map": {"text": "chunk"}},
                                            timeout=-1)
    assert model_index.dimension == 1024 and model_index.embed.model == "multilingual-e5-large"

    # clean up everything the workflow made
    for name in ("sdk-dense", "sdk-pod", "sdk-restored", "sdk-model"):
        pc.indexes.delete(name, timeout=-1)
    assert pc.indexes.list().names() == []
