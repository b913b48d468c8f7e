"""Backups, restores and pagination (R-BAK, R-RST)."""

from __future__ import annotations

from pinecone_conformance.conformance.scenarios.base import (
    SERVERLESS,
    SUCCESS,
    Scenario,
    ScenarioAbort,
    create,
    create_index,
    delete_index,
    describe_index,
    wait_ready,
    walk_pages,
)


def backup_and_restore(s: Scenario) -> None:
    """backup -> listed -> Ready -> create index from it -> restore job -> Completed (R-BAK, R-RST)."""
    name = s.new_name("bsrc")
    create_index(s, {"name": name, "dimension": 5, "metric": "dotproduct", "spec": SERVERLESS}, "create a backup source")
    wait_ready(s, name)
    backup = create(s, "create_backup", f"backup of index {name}", path={"index_name": name},
                     body={"name": "nightly", "description": "suite"})
    backup_id = backup.field("backup_id")
    for key, value in (("name", "nightly"), ("description", "suite")):
        if backup.field(key) not in (None, value):
            s.fail("backup_matches_source", f"backup created with {key}={value!r} says {backup.field(key)!r}", backup)
    if backup.field("source_index_name") != name:
        s.fail("backup_matches_source", f"backup of {name} names source {backup.field('source_index_name')!r}", backup)
    if not backup_id:
        raise ScenarioAbort("no backup id")
    for operation, params in (("list_index_backups", {"index_name": name}), ("list_project_backups", None)):
        listed = s.client.call(operation, path=params, query={"limit": 100})
        ids = [b.get("backup_id") for b in listed.field("data", default=[]) or [] if isinstance(b, dict)]
        if backup_id not in ids and not listed.field("pagination", "next"):
            s.fail("backup_listed", f"backup {backup_id} is not in {operation}", listed)
        else:
            s.passed("backup_listed", operation)
    reached, described = s.wait_for(lambda: s.client.call("describe_backup", path={"backup_id": backup_id}),
                                    lambda r: r.field("status") == "Ready",
                                    working=lambda r: r.status == 200 and r.conforms
                                    and r.field("status") in ("Initializing", "Pending"))
    if not reached:
        s.fail("backup_becomes_ready", f"backup {backup_id} not Ready within {s.state.config.wait:g}s (backups can "
               "take minutes: raise --wait to be sure)", described)
        raise ScenarioAbort("backup not ready")
    s.passed("backup_becomes_ready", "describe_backup")
    for key in ("backup_id", "source_index_id", "source_index_name"):
        if backup.field(key) is not None and described.field(key) not in (None, backup.field(key)):
            s.fail("ids_stable", f"backup {key} is {backup.field(key)!r} in the create answer but "
                   f"{described.field(key)!r} in describe", described)
    s.passed("ids_stable", "describe_backup")
    if described.field("dimension") not in (None, 5):
        s.fail("backup_matches_source", f"backup of a 5-dimension index reports {described.field('dimension')!r}", described)
    s.passed("backup_matches_source", "describe_backup")

    target = s.new_name("rst")
    restore = create(s, "create_index_from_backup_operation", "create an index from a backup",
                      path={"backup_id": backup_id}, body={"name": target, "tags": {"from": "backup"}})
    job_id, index_id = restore.field("restore_job_id"), restore.field("index_id")
    again = s.client.call("create_index_from_backup_operation", path={"backup_id": backup_id}, body={"name": target})
    s.expect(again, {409}, "duplicate_rejected", f"restore into the existing index {target}")
    restored = describe_index(s, target)
    if restored.status != 200:
        s.fail("restore_creates_index", f"index {target} restored from a backup is not described ({restored.status})", restored)
    else:
        for key, value in (("dimension", 5), ("metric", "dotproduct"), ("tags", {"from": "backup"})):
            if restored.field(key) != value:
                s.fail("restore_creates_index", f"restored index {key} should be {value!r}, is {restored.field(key)!r}", restored)
    s.passed("restore_creates_index", "describe_index")
    if job_id:
        reached, job = s.wait_for(lambda: s.client.call("describe_restore_job", path={"job_id": job_id}),
                                  lambda r: r.field("status") in ("Completed", "Failed"),
                                  working=lambda r: r.status == 200 and r.conforms
                                  and r.field("status") in ("Pending", "InProgress"))
        if reached and job.field("status") != "Completed":
            s.fail("restore_job_completes", f"restore job {job_id} ended {job.field('status')!r}", job)
        elif not reached:
            s.fail("restore_job_timely", f"restore job {job_id} is {job.field('status')!r} ({s.gave_up}) "
                   "(restores can take minutes: raise --wait to be sure)", job)
        for key, value in (("backup_id", backup_id), ("target_index_name", target), ("target_index_id", index_id)):
            if job.field(key) not in (None, value):
                s.fail("restore_job_matches", f"restore job {key} is {job.field(key)!r}, expected {value!r}", job)
        for check in ("restore_job_completes", "restore_job_timely", "restore_job_matches"):
            s.passed(check, "describe_restore_job")
        found, listed = s.wait_for(lambda: s.client.call("list_restore_jobs", query={"limit": 100}),
                                   lambda r: job_id in [j.get("restore_job_id") for j in r.field("data", default=[]) or []
                                                        if isinstance(j, dict)])
        if not found and not listed.field("pagination", "next"):
            s.fail("restore_job_listed", f"restore job {job_id} is not in list_restore_jobs", listed)
        s.passed("restore_job_listed", "list_restore_jobs")
    delete_index(s, target)
    deleted = s.client.call("delete_backup", path={"backup_id": backup_id})
    s.expect(deleted, {202}, "delete_accepted", f"delete of backup {backup_id}")
    gone, last = s.wait_for(lambda: s.client.call("describe_backup", path={"backup_id": backup_id}), lambda r: r.status == 404)
    if not gone:
        s.fail("delete_takes_effect", f"backup {backup_id} still described after delete", last)
    else:
        listed = s.client.call("list_project_backups", query={"limit": 100})
        if backup_id in [b.get("backup_id") for b in listed.field("data", default=[]) or [] if isinstance(b, dict)]:
            s.fail("delete_takes_effect", f"deleted backup {backup_id} is still listed", listed)
    delete_index(s, name)

def pagination_walk(s: Scenario) -> None:
    """R-BAK-04/05: limit=1 pages of one index's backups yield each exactly once, and only its own;
    the project list yields each of them once too."""
    name, neighbour = s.new_name("page"), s.new_name("nbr")
    for index in (name, neighbour):
        create_index(s, {"name": index, "dimension": 2, "metric": "cosine", "spec": SERVERLESS},
                      "create a pagination source")
        wait_ready(s, index)
    made, other = [], []
    for index, count, into in ((name, 3, made), (neighbour, 1, other)):
        for number in range(count):
            reply = s.client.call("create_backup", path={"index_name": index}, body={"name": f"page-{number}"})
            if reply.status in SUCCESS and reply.field("backup_id"):
                into.append(reply.field("backup_id"))
    if len(made) < 3 or not other:
        s.fail("pagination_walk_setup", "could not create the backups to page through", None)
    else:
        s.passed("pagination_walk_setup", "create_backup")
        seen, complete, page = walk_pages(s, "list_index_backups", {"index_name": name}, limit=1, max_pages=10)
        duplicates = sorted({b for b in seen if seen.count(b) > 1})
        missing = sorted(set(made) - set(seen)) if complete or len(seen) >= 10 else []
        strangers = sorted(set(seen) - set(made))
        if duplicates or missing or strangers:
            s.fail("pagination_walk", f"walking limit=1 pages of {name}'s backups: repeated {duplicates}, "
                   f"missing {missing}, not {name}'s {strangers}", page)
        else:
            s.passed("pagination_walk", "list_index_backups")
        seen, complete, page = walk_pages(s, "list_project_backups", None, limit=2, max_pages=100)
        ours = [b for b in seen if b in made or b in other]
        duplicates = sorted({b for b in ours if ours.count(b) > 1})
        missing = sorted(set(made + other) - set(ours)) if complete else []
        if duplicates or missing:
            s.fail("pagination_walk", f"walking limit=2 pages of the project's backups: repeated {duplicates}, "
                   f"missing {missing}", page)
        else:
            s.passed("pagination_walk", "list_project_backups")
    for backup_id in made + other:
        s.client.call("delete_backup", path={"backup_id": backup_id})
    delete_index(s, name)
    delete_index(s, neighbour)
