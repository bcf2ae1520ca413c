"""The MongoDB store's projects: the `projects` collection and the ProjectStore part.

`video_job_epoch`, set once a render's video is on the project, is the job machinery's own
(see jobs.py); a read ignores it.
"""

import enum
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from ai_studio.v1.project_pb2 import Project, Scene
from bson import ObjectId
from google.protobuf.timestamp_pb2 import Timestamp
from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from common.labels import STATUS
from orchestrator.store.base import (
    SCALAR_FIELDS,
    SORTABLE_FIELDS,
    Paths,
    ProjectQuery,
    StoreTimeout,
)
from orchestrator.store.counts import CountMemo, count_key, rememberable
from orchestrator.store.mongo.changes import MongoChanges
from orchestrator.store.mongo.codec import (
    by_id,
    encode_message,
    to_datetime,
    to_document,
    to_project,
    translated_errors,
    update_set,
    with_job,
)
from orchestrator.store.mongo.filters import list_filter
from orchestrator.store.mongo.jobs import WRITE_TRIES, job_view, job_views
from orchestrator.store.revisions import check_expected

COLLECTION = "projects"
T = TypeVar("T")


class _Missed(enum.Enum):
    """A compare-and-set found the project at another revision than it read."""

    MISSED = enum.auto()


MISSED = _Missed.MISSED
STATUS_LABELS = STATUS.label

# The other scalar fields, each with an index in the default order (as the embedded
# store's projects_by_<field>): an equality filter pages and counts on it.
FIELD_INDEXED = [
    name
    for name in SCALAR_FIELDS
    if name
    not in ("id", "title", "status", "description", "script_text", "create_time", "update_time")
]

# Every list query filters on status and/or sorts on one of these, then on _id.
INDEXES = [
    IndexModel(
        [("status", ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)],
        name="status_create_time",
    ),
    IndexModel([("create_time", ASCENDING), ("_id", ASCENDING)], name="create_time"),
    IndexModel([("update_time", ASCENDING), ("_id", ASCENDING)], name="update_time"),
    IndexModel([("title", ASCENDING), ("_id", ASCENDING)], name="title"),
    # Search and the text operators on the title and description walk these keys.
    IndexModel([("title_fold", ASCENDING)], name="title_fold"),
    IndexModel([("description_fold", ASCENDING)], name="description_fold"),
    *(
        IndexModel(
            [(name, ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)],
            name=f"{name}_create_time",
        )
        for name in FIELD_INDEXED
    ),
]


def at_revision(project_id: str, revision: int) -> dict[str, Any]:
    """Matches the project only while it is at `revision` (a project stored before
    revisions existed has none, and is at 0)."""
    return {**by_id(project_id), "revision": revision if revision else {"$in": [0, None]}}


class MongoProjects:
    """ProjectStore over the `projects` collection; see base.py for the contract.

    Every write is a compare-and-set on the project's revision (changes.py says why):
    read the revision, take the next one, write guarded on the one read, log the result.
    """

    def __init__(
        self,
        collection: AsyncIOMotorCollection,
        jobs: AsyncIOMotorCollection,
        changes: MongoChanges,
    ) -> None:
        self.collection, self.jobs, self.changes = collection, jobs, changes
        self.counts = CountMemo()

    async def _revision(self, project_id: str) -> int | None:
        """The project's revision now, or None when it does not exist."""
        with translated_errors():
            found = await self.collection.find_one(by_id(project_id), {"revision": True})
        return None if found is None else int(found.get("revision") or 0)

    async def _set(
        self, project_id: str, changes: dict[str, Any], expected: int | None, where: dict[str, Any]
    ) -> Project | None:
        """$set `changes` with the next revision, as a compare-and-set; the project after,
        logged; None when the project (or what `where` asks of it) is not there."""

        async def write(revision: int, new: int) -> Project | _Missed | None:
            with translated_errors():
                document = await self.collection.find_one_and_update(
                    {**at_revision(project_id, revision), **where},
                    {"$set": {**changes, "revision": new}},
                    return_document=ReturnDocument.AFTER,
                )
            if document is not None:
                project = await self._read_back(document)
                await self.changes.log(new, project_id, project)
                return project
            await self.changes.skip(new, project_id)
            if where and await self._revision(project_id) == revision:
                return None  # the project is as read, but not as `where` asks
            return MISSED

        return await self._compare_and_set(project_id, expected, write, None, "written")

    async def _compare_and_set(
        self,
        project_id: str,
        expected: int | None,
        write: Callable[[int, int], Awaitable[T | _Missed]],
        gone: T,
        doing: str,
    ) -> T:
        """`write(revision, new)` writes only while the project is at `revision` and logs
        the change as `new` (or skips `new` and answers MISSED): tried again at the
        project's new revision while another writer got there first; `gone` when the
        project is not there."""
        for _ in range(WRITE_TRIES):
            revision = await self._revision(project_id)
            if revision is None:
                return gone
            check_expected(project_id, expected, revision)
            outcome = await write(revision, await self.changes.next_revision())
            if not isinstance(outcome, _Missed):
                return outcome
        raise StoreTimeout(f"project {project_id} kept changing while {doing}")

    async def touch(self, project_id: str) -> None:
        """A change made to the project elsewhere (its job): a new revision, logged."""
        await self._set(project_id, {}, None, {})

    async def create(self, project: Project) -> Project:
        project.id = str(ObjectId())
        project.revision = await self.changes.next_revision()
        document = to_document(project)
        with translated_errors():
            await self.collection.insert_one(document)
        created = to_project(document)
        await self.changes.log(created.revision, created.id, created)
        return created

    async def get(self, project_id: str) -> Project | None:
        with translated_errors():
            document = await self.collection.find_one(by_id(project_id))
            if document is None:
                return None
            job = await job_view(self.jobs, project_id)
        return with_job(to_project(document), job)

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        wrong = [f for f, _ in query.sort if f not in SORTABLE_FIELDS]
        if wrong:
            raise ValueError(f"cannot sort projects by {wrong}")
        conditions = list_filter(query)
        keys = [("_id" if f == "id" else f, DESCENDING if d else ASCENDING) for f, d in query.sort]
        first = keys[0][1] if keys else ASCENDING
        with translated_errors():
            # Unlike the embedded store's, the count and the page are two reads that a
            # concurrent write may fall between: no snapshot spans them without a transaction.
            total = await self._count(query, conditions)
            if query.limit == 0:  # to MongoDB, limit 0 means no limit
                return [], total
            cursor = self.collection.find(conditions)
            cursor = cursor.sort([*keys, ("_id", first)])
            cursor = cursor.skip(query.offset).limit(query.limit or 0)
            documents = await cursor.to_list(length=None)
            views = await job_views(self.jobs, [document["_id"] for document in documents])
        return [with_job(to_project(d), views.get(d["_id"])) for d in documents], total

    async def _count(self, query: ProjectQuery, conditions: dict[str, Any]) -> int:
        """How many projects match, from the count memo while no write was made since
        (by any orchestrator: the revision counter is the store's); counted when a write
        is under way, and then not remembered."""
        if not rememberable(query):
            return int(await self.collection.count_documents(conditions))
        revision = await self.changes.settled_revision()
        key = count_key(query)
        known = None if revision is None else self.counts.lookup(key, revision)
        if known is not None:
            return known
        total: int = await self.collection.count_documents(conditions)
        if revision is not None:
            self.counts.remember(key, revision, total)
        return total

    async def update(
        self, project_id: str, patch: Project, paths: Paths, expected_revision: int | None = None
    ) -> Project | None:
        changes = update_set(patch, paths)
        if not changes:  # merging nothing changes nothing: no new revision
            project = await self.get(project_id)
            if project is not None:
                check_expected(project_id, expected_revision, project.revision)
            return project
        return await self._set(project_id, changes, expected_revision, {})

    async def _read_back(self, document: Mapping[str, Any]) -> Project:
        """The project a write returns, as a read shows it: with its job's view."""
        with translated_errors():
            job = await job_view(self.jobs, document["_id"])
        return with_job(to_project(document), job)

    async def update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        # Matching only a project that has the scene makes the check and the write one
        # atomic operation; $set of images.<index> leaves the other scenes alone.
        if index >= 0:
            slot = f"images.{int(index)}"
            changes = {
                slot: encode_message(scene),
                "update_time": to_datetime(update_time.ToMilliseconds()),
            }
            project = await self._set(project_id, changes, None, {slot: {"$exists": True}})
            if project is not None:
                return project
        if await self.get(project_id) is None:
            return None
        raise IndexError(index)

    async def delete(self, project_id: str, expected_revision: int | None = None) -> bool:
        # The job goes with the project, after it: a queue_job that read the project before
        # this delete finds it gone when it checks again, and removes the job it wrote.
        # A runner rendering the job finds its claim gone and its result is dropped.
        async def write(revision: int, new: int) -> bool | _Missed:
            with translated_errors():
                result = await self.collection.delete_one(at_revision(project_id, revision))
                if result.deleted_count:
                    await self.jobs.delete_one(by_id(project_id))
            if result.deleted_count:
                await self.changes.log(new, project_id, None)
                return True
            await self.changes.skip(new, project_id)
            return MISSED

        return await self._compare_and_set(project_id, expected_revision, write, False, "deleted")
