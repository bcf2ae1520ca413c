"""Revisions and the change log, over every adapter: every change to a project gets the
next revision of the store's one counter, across store objects sharing the data;
expected revisions are checked in the write; the log gives the changes after a revision."""

import uuid
from pathlib import Path

import pytest
from ai_studio.v1.project_pb2 import Project, Scene, VideoSettings
from google.protobuf.timestamp_pb2 import Timestamp
from mongomock_motor import AsyncMongoMockClient

from orchestrator.store.base import Store
from orchestrator.store.mongo import MongoStore
from orchestrator.store.revisions import RevisionExpired, RevisionMismatch
from orchestrator.store.sqlite import SqliteStore
from tests.contract.conftest import Backend
from tests.fakes.projects import full_project, project

NOW = 1_764_410_400_000
REQUESTED = VideoSettings(fps=30)


async def test_every_write_takes_the_next_revision(store: Store) -> None:
    created = await store.create(full_project())
    updated = await store.update(created.id, Project(title="Renamed"), ["title"])
    scene = await store.update_scene(created.id, 0, Scene(prompt="again"), Timestamp())
    job = await store.queue_job(created.id, REQUESTED, {}, NOW)
    after_queue = await store.get(created.id)
    claim = await store.claim_job("a", NOW, 1000)
    after_claim = await store.get(created.id)

    assert job is not None and claim is not None
    revisions = [p.revision for p in (created, updated, scene, after_queue, after_claim)]
    assert revisions == sorted(set(revisions)) and revisions[0] > 0
    assert after_claim.revision == await store.current_revision()


async def test_revisions_grow_across_store_objects_sharing_the_data(
    backend: Backend, store: Store
) -> None:
    other = await backend.open()
    first = await store.create(project("one"))
    second = await other.create(project("two"))
    third = await store.update(second.id, Project(title="2"), ["title"])

    assert first.revision < second.revision < third.revision
    assert await other.current_revision() == third.revision


async def test_an_update_at_the_expected_revision_is_made(store: Store) -> None:
    created = await store.create(project("one"))

    updated = await store.update(created.id, Project(title="2"), ["title"], created.revision)

    assert updated is not None and updated.title == "2"


async def test_an_update_at_another_revision_changes_nothing(store: Store) -> None:
    created = await store.create(project("one"))
    current = await store.update(created.id, Project(title="2"), ["title"])

    with pytest.raises(RevisionMismatch) as raised:
        await store.update(created.id, Project(title="3"), ["title"], created.revision)

    assert (raised.value.expected, raised.value.actual) == (created.revision, current.revision)
    assert await store.get(created.id) == current


async def test_a_delete_at_another_revision_deletes_nothing(store: Store) -> None:
    created = await store.create(project("one"))
    current = await store.update(created.id, Project(title="2"), ["title"])

    with pytest.raises(RevisionMismatch):
        await store.delete(created.id, created.revision)

    assert await store.get(created.id) == current
    assert await store.delete(created.id, current.revision) is True
    assert await store.get(created.id) is None


async def test_the_log_gives_each_change_after_a_revision(backend: Backend, store: Store) -> None:
    start = await store.current_revision()
    other = await backend.open()
    created = await store.create(project("one"))
    updated = await other.update(created.id, Project(title="2"), ["title"])
    await store.queue_job(created.id, REQUESTED, {}, NOW)
    queued = await store.get(created.id)
    await other.delete(created.id)

    changes = await store.changes_after(start, 100)

    assert [c.project for c in changes[:3]] == [created, updated, queued]
    assert [c.project_id for c in changes] == [created.id] * 4
    assert changes[3].project is None and changes[3].revision == await store.current_revision()
    assert [c.revision for c in await other.changes_after(changes[1].revision, 100)] == [
        c.revision for c in changes[2:]
    ]
    assert await store.changes_after(changes[3].revision, 100) == []


async def test_the_log_gives_at_most_the_limit(store: Store) -> None:
    start = await store.current_revision()
    for i in range(5):
        await store.create(project(f"p{i}"))

    changes = await store.changes_after(start, 2)

    assert [c.project.title for c in changes if c.project] == ["p0", "p1"]


@pytest.mark.parametrize("adapter", ["sqlite", "mongomock"])
async def test_a_revision_older_than_the_log_keeps_has_expired(
    adapter: str, tmp_path: Path
) -> None:
    small: Store
    if adapter == "sqlite":
        small = SqliteStore(tmp_path, change_log_size=100)
    else:
        small = MongoStore(AsyncMongoMockClient(), f"log_{uuid.uuid4().hex[:8]}", 100)
    try:
        created = await small.create(project("p"))
        for i in range(200):
            await small.update(created.id, Project(title=f"t{i}"), ["title"])
        last = await small.current_revision()

        with pytest.raises(RevisionExpired):
            await small.changes_after(created.revision, 10)
        kept = await small.changes_after(last - 50, 100)
        assert [c.revision for c in kept] == list(range(last - 49, last + 1))
    finally:
        await small.close()
