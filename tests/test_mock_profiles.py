"""The two mock profiles: production (default) and contract (the document's literal reading).

One test per row of ``mockserver.profiles.DIFFERENCES`` shows both behaviours; then the
contract profile is probed on every operation with the inputs where production answers an
undocumented status, and every answer must be one the document lists.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import local_http
import pytest

from pinecone_conformance.mockserver.app import create_app, missing_version_status
from pinecone_conformance.mockserver.document import documented_statuses, raw_document
from pinecone_conformance.mockserver.policy import Policy
from pinecone_conformance.mockserver.profiles import DIFFERENCES, PROFILES, SAME_IN_BOTH, profile_policy
from pinecone_conformance.mockserver.testing import CheckedClient, pod, serverless
from pinecone_conformance.spec.loader import operations

CLI = str(Path(sys.executable).with_name("pinecone-conformance"))


def _clients() -> tuple[CheckedClient, CheckedClient]:
    return CheckedClient(create_app()), CheckedClient(create_app(profile="contract"))


def test_profiles_are_policies_built_from_the_table():
    assert PROFILES == ("production", "contract")
    assert profile_policy("production") == Policy.faithful()
    contract = profile_policy("contract")
    assert contract.relaxed == frozenset().union(*(d.relaxed for d in DIFFERENCES))
    assert contract.quirks == frozenset().union(*(d.quirks for d in DIFFERENCES))
    assert not contract.transforms and not contract.auth_exempt  # no rewriting of answers
    ids = [d.rule for d in DIFFERENCES]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"R-[A-Z]+-\d\d", rule) for rule in ids)
    assert {"R-VER-01", "R-VER-02", "R-CFG-09", "R-BAK-06"} <= set(ids)
    assert all(d.relaxed or d.quirks for d in DIFFERENCES) and SAME_IN_BOTH
    with pytest.raises(ValueError, match="unknown mock profile"):
        create_app(profile="lenient")


def test_r_ver_01_missing_version_header():
    production, contract = _clients()
    production.version = contract.version = None
    assert production.get("/indexes").status_code == 200
    refused = contract.get("/indexes")
    assert refused.status_code == 401 and "X-Pinecone-Api-Version" in refused.json()["error"]["message"]
    assert contract.post("/indexes", json=serverless("a")).status_code == 400
    assert contract.delete("/indexes/a").status_code == 401
    contract.version = "2026-04"
    assert contract.get("/indexes").json() == {"indexes": []}  # nothing was created


def test_missing_version_status_is_documented_for_every_operation():
    for operation_id in operations(raw_document()):
        status = missing_version_status(operation_id)
        assert status in documented_statuses(operation_id)
        assert status == (400 if 400 in documented_statuses(operation_id) else 401)


def test_r_ver_02_unknown_version_value():
    production, contract = _clients()
    production.version = contract.version = "1999-01"
    assert production.get("/indexes", check=False).status_code == 400  # production's, undocumented here
    assert contract.get("/indexes").status_code == 200
    assert contract.post("/indexes", json=serverless("v")).status_code == 201


@pytest.mark.parametrize(("start", "target", "rule"), [("p1.x2", "p1.x1", "R-CFG-09"), ("p1.x1", "s1.x1", "R-CFG-10")])
def test_r_cfg_09_10_pod_resize(start, target, rule):
    production, contract = _clients()
    for client in (production, contract):
        assert client.post("/indexes", json=pod("p", pod_type=start)).status_code == 201
    change = {"spec": {"pod": {"pod_type": target}}}
    assert production.patch("/indexes/p", json=change).status_code == 400
    assert production.get("/indexes/p").json()["spec"]["pod"]["pod_type"] == start
    answered = contract.patch("/indexes/p", json=change)
    assert answered.status_code == 202
    expected_state = "ScalingDownPodSize" if rule == "R-CFG-09" else "ScalingUpPodSize"
    assert answered.json()["status"] == {"ready": True, "state": expected_state}
    assert contract.get("/indexes/p").json()["spec"]["pod"]["pod_type"] == target


def test_r_bak_06_limit_out_of_range_or_not_an_integer():
    production, contract = _clients()
    for client in (production, contract):
        assert client.post("/indexes", json=serverless("src")).status_code == 201
        for number in range(3):
            assert client.post("/indexes/src/backups", json={"name": f"b{number}"}).status_code == 201
    for path in ("/backups", "/indexes/src/backups", "/restore-jobs"):
        for bad in ("0", "101", "-3", "abc", "1.5"):
            assert production.get(path, params={"limit": bad}, check=False).status_code == 400
            assert contract.get(path, params={"limit": bad}).status_code == 200
    assert len(contract.get("/backups", params={"limit": "0"}).json()["data"]) == 1  # clamped to 1
    assert len(contract.get("/backups", params={"limit": "-3"}).json()["data"]) == 1
    assert len(contract.get("/backups", params={"limit": "101"}).json()["data"]) == 3  # clamped to 100
    assert len(contract.get("/backups", params={"limit": "abc"}).json()["data"]) == 3  # the default, 10
    page = contract.get("/backups", params={"limit": "0"}).json()
    assert "pagination" in page  # still a real page of one, with a next token


def test_r_rst_08_invalid_pagination_token():
    production, contract = _clients()
    for client in (production, contract):
        assert client.post("/indexes", json=serverless("src")).status_code == 201
        assert client.post("/indexes/src/backups", json={}).status_code == 201
    for path in ("/backups", "/indexes/src/backups", "/restore-jobs"):
        assert production.get(path, params={"paginationToken": "garbage"}, check=False).status_code == 400
        assert contract.get(path, params={"paginationToken": "garbage"}).json() == {"data": []}
    token = contract.get("/backups", params={"limit": 1}).json()
    assert "pagination" not in token  # one backup: one page
    assert len(contract.get("/backups").json()["data"]) == 1  # issued tokens and no token work as before


def test_r_idx_20_explicit_nulls():
    production, contract = _clients()
    body = serverless("n", tags=None, deletion_protection=None)
    assert production.post("/indexes", json=body).status_code == 201
    refused = contract.post("/indexes", json=body)
    assert refused.status_code == 422 and "null" in refused.json()["error"]["message"]
    assert contract.post("/indexes", json=serverless("n")).status_code == 201
    assert production.patch("/indexes/n", json={"tags": None}).status_code == 202
    assert contract.patch("/indexes/n", json={"tags": None}).status_code == 422


def test_contract_profile_answers_only_documented_statuses():
    """Every operation, with the inputs where production goes beyond the document; the checked
    client fails on any status, content type or body the document does not allow."""
    client = CheckedClient(create_app(profile="contract"))
    assert client.post("/indexes", json=serverless("doc")).status_code == 201
    assert client.post("/indexes", json=pod("docpod", pod_type="p1.x2")).status_code == 201
    backup = client.post("/indexes/doc/backups", json={}).json()["backup_id"]
    sample = {"index_name": "doc", "collection_name": "nope", "backup_id": backup, "job_id": "nope"}
    seen = set()
    for op in operations(raw_document()).values():
        path = re.sub(r"\{(\w+)\}", lambda m: sample[m.group(1)], op.path)
        body = {} if op.method.upper() in ("POST", "PATCH") else None
        for version in (None, "1999-01", "2026-04"):
            client.version = version
            for params in ({}, {"limit": "0"}, {"limit": "1000"}, {"limit": "x"}, {"paginationToken": "garbage"}):
                response = client.request(op.method.upper(), path, json=body, params=params)
                seen.add((op.operation_id, response.status_code))
        client.version = "2026-04"
        client.request(op.method.upper(), path, json={"name": None, "tags": None} if body is not None else None)
    assert client.patch("/indexes/docpod", json={"spec": {"pod": {"pod_type": "s1.x1"}}}).status_code == 202
    assert {("list_indexes", 401), ("create_index", 400), ("list_project_backups", 200)} <= seen


def test_deviations_apply_on_top_of_the_contract_profile():
    client = CheckedClient(create_app(deviations=["configure-200"], profile="contract"), check=False)
    client.version = "1999-01"
    assert client.post("/indexes", json=serverless("d")).status_code == 201
    assert client.patch("/indexes/d", json={"tags": {"a": "b"}}).status_code == 200


def test_mock_command_serves_the_contract_profile():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([CLI, "mock", "--port", str(port), "--profile", "contract"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PINECONE_API_KEY": ""})
    try:
        deadline = time.monotonic() + 20
        headers = {"Api-Key": "test-key", "X-Pinecone-Api-Version": "1999-01"}
        while True:
            try:
                response = local_http.get(f"http://127.0.0.1:{port}/indexes", headers=headers, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "the mock command did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert local_http.get(f"http://127.0.0.1:{port}/indexes", headers={"Api-Key": "test-key"}).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "(contract profile)" in process.stderr.read().decode()


def test_unknown_profile_flag_is_exit_2():
    result = subprocess.run([CLI, "mock", "--profile", "lenient"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "lenient" in result.stderr
