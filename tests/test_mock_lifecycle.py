"""Lifecycles under a frozen clock: every intermediate state the real service shows."""

from __future__ import annotations

import pytest

from pinecone_conformance.mockserver.app import create_app
from pinecone_conformance.mockserver.settings import ManualClock, MockSettings
from pinecone_conformance.mockserver.testing import CheckedClient, pod, serverless

DELAY = 10.0


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def client(clock):
    return CheckedClient(create_app(clock=clock, settings=MockSettings(lifecycle_delay=DELAY)))


def state(client, name):
    return client.get(f"/indexes/{name}").json()["status"]


def test_index_initializes_then_is_ready(client, clock):
    assert client.post("/indexes", json=serverless("a")).json()["status"] == {"ready": False, "state": "Initializing"}
    clock.advance(DELAY / 2)
    assert state(client, "a") == {"ready": False, "state": "Initializing"}
    assert client.get("/indexes").json()["indexes"][0]["status"]["state"] == "Initializing"
    clock.advance(DELAY / 2)
    assert state(client, "a") == {"ready": True, "state": "Ready"}


def test_delete_goes_through_terminating_and_keeps_the_name_taken(client, clock):
    client.post("/indexes", json=serverless("a"))
    clock.advance(DELAY)
    assert client.delete("/indexes/a").status_code == 202
    assert state(client, "a") == {"ready": False, "state": "Terminating"}
    assert client.post("/indexes", json=serverless("a")).status_code == 409
    assert client.delete("/indexes/a").status_code == 202
    clock.advance(DELAY)
    assert client.get("/indexes/a").status_code == 404
    assert client.get("/indexes").json()["indexes"] == []
    assert client.post("/indexes", json=serverless("a")).status_code == 201


def test_pending_collection_blocks_deleting_its_source(client, clock):
    client.post("/indexes", json=pod("src"))
    assert client.post("/collections", json={"name": "c", "source": "src"}).status_code == 400  # source not ready
    clock.advance(DELAY)
    assert client.post("/collections", json={"name": "c", "source": "src"}).json()["status"] == "Initializing"
    response = client.delete("/indexes/src")
    assert response.status_code == 412 and response.json()["error"]["code"] == "FAILED_PRECONDITION"
    assert "['c']" in response.json()["error"]["message"]
    clock.advance(DELAY)
    assert client.get("/collections/c").json()["status"] == "Ready"
    assert client.delete("/indexes/src").status_code == 202
    assert client.delete("/collections/c").status_code == 202
    assert client.get("/collections/c").json()["status"] == "Terminating"
    clock.advance(DELAY)
    assert client.get("/collections/c").status_code == 404


def test_backup_and_restore_job_progress(client, clock):
    client.post("/indexes", json=serverless("a"))
    assert client.post("/indexes/a/backups", json={}).status_code == 400  # index not ready yet
    clock.advance(DELAY)
    backup_id = client.post("/indexes/a/backups", json={}).json()["backup_id"]
    assert client.get(f"/backups/{backup_id}").json()["status"] == "Initializing"
    refused = client.post(f"/backups/{backup_id}/create-index", json={"name": "b"})
    assert refused.status_code == 400 and "not ready" in refused.json()["error"]["message"]
    clock.advance(DELAY)
    assert client.get(f"/backups/{backup_id}").json()["status"] == "Ready"
    job_id = client.post(f"/backups/{backup_id}/create-index", json={"name": "b"}).json()["restore_job_id"]
    job = client.get(f"/restore-jobs/{job_id}").json()
    assert (job["status"], job["percent_complete"]) == ("Pending", 0) and "completed_at" not in job
    assert state(client, "b")["state"] == "Initializing"
    blocked = client.delete(f"/backups/{backup_id}")
    assert blocked.status_code == 412 and blocked.json()["error"]["code"] == "FAILED_PRECONDITION"
    clock.advance(DELAY / 2)
    job = client.get(f"/restore-jobs/{job_id}").json()
    assert job["status"] == "InProgress" and job["percent_complete"] == 50
    clock.advance(DELAY / 2)
    job = client.get("/restore-jobs").json()["data"][0]
    assert job["status"] == "Completed" and job["percent_complete"] == 100 and job["completed_at"]
    assert state(client, "b") == {"ready": True, "state": "Ready"}
    assert client.delete(f"/backups/{backup_id}").status_code == 202
    assert client.get(f"/backups/{backup_id}").json()["status"] == "Terminating"
    clock.advance(DELAY)
    assert client.get(f"/backups/{backup_id}").status_code == 404


def test_scaling_keeps_the_index_ready(client, clock):
    client.post("/indexes", json=pod("p"))
    clock.advance(DELAY)
    client.patch("/indexes/p", json={"spec": {"pod": {"replicas": 2}}})
    assert state(client, "p") == {"ready": True, "state": "ScalingUp"}
    assert client.get("/indexes/p").json()["spec"]["pod"]["replicas"] == 2
    clock.advance(DELAY)
    assert state(client, "p") == {"ready": True, "state": "Ready"}
    client.patch("/indexes/p", json={"spec": {"pod": {"pod_type": "p1.x4"}}})
    assert state(client, "p") == {"ready": True, "state": "ScalingUpPodSize"}


def test_dedicated_read_capacity_scales(client, clock):
    client.post("/indexes", json=serverless("d"))
    clock.advance(DELAY)
    dedicated = {"mode": "Dedicated", "dedicated": {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 2, "shards": 1}}}
    client.patch("/indexes/d", json={"spec": {"serverless": {"read_capacity": dedicated}}})
    capacity = client.get("/indexes/d").json()["spec"]["serverless"]["read_capacity"]
    assert capacity["status"] == {"state": "Scaling", "current_replicas": 0, "current_shards": 0}
    clock.advance(DELAY)
    capacity = client.get("/indexes/d").json()["spec"]["serverless"]["read_capacity"]
    assert capacity["status"] == {"state": "Ready", "current_replicas": 2, "current_shards": 1}


def test_default_is_fast():
    client = CheckedClient(create_app())
    assert client.post("/indexes", json=serverless("f")).json()["status"]["ready"] is False
    assert state(client, "f")["ready"] is True
    assert client.delete("/indexes/f").status_code == 202
    assert client.get("/indexes/f").status_code == 404
