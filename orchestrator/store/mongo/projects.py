"""The MongoDB store's projects: the `projects` collection and the ProjectStore part.

`video_job_epoch`, set once a render's video is on the project, is the job machinery's own
(see jobs.py); a read ignores it.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from ai_studio.v1.project_pb2 import Project, Scene
from bson import ObjectId
from google.protobuf.timestamp_pb2 import Timestamp
from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from common.labels import STATUS
from orchestrator.store.base import SORTABLE_FIELDS, ProjectQuery
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
from orchestrator.store.mongo.jobs import job_view, job_views

COLLECTION = "projects"
STATUS_LABELS = STATUS.label

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
]


class MongoProjects:
    """ProjectStore over the `projects` collection; see base.py for the contract."""

    def __init__(self, collection: AsyncIOMotorCollection, jobs: AsyncIOMotorCollection) -> None:
        self.collection, self.jobs = collection, jobs

    async def create(self, project: Project) -> Project:
        project.id = str(ObjectId())
        document = to_document(project)
        with translated_errors():
            await self.collection.insert_one(document)
        return to_project(document)

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
            total: int = await self.collection.count_documents(conditions)
            if query.limit == 0:  # to MongoDB, limit 0 means no limit
                return [], total
            cursor = self.collection.find(conditions)
            cursor = cursor.sort([*keys, ("_id", first)])
            cursor = cursor.skip(query.offset).limit(query.limit or 0)
            documents = await cursor.to_list(length=None)
            views = await job_views(self.jobs, [document["_id"] for document in documents])
        return [with_job(to_project(d), views.get(d["_id"])) for d in documents], total

    async def update(self, project_id: str, patch: Project, paths: Sequence[str]) -> Project | None:
        changes = update_set(patch, paths)
        if not changes:  # MongoDB refuses an empty $set; merging nothing changes nothing
            return await self.get(project_id)
        with translated_errors():
            document = await self.collection.find_one_and_update(
                by_id(project_id), {"$set": changes}, return_document=ReturnDocument.AFTER
            )
        return None if document is None else await self._read_back(document)

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
            with translated_errors():
                document = await self.collection.find_one_and_update(
                    {**by_id(project_id), slot: {"$exists": True}},
                    {"$set": changes},
                    return_document=ReturnDocument.AFTER,
                )
            if document is not None:
                return await self._read_back(document)
        if await self.get(project_id) is None:
            return None
        raise IndexError(index)

    async def delete(self, project_id: str) -> bool:
        # The job goes with the project, after it: a queue_job that read the project before
        # this delete finds it gone when it checks again, and removes the job it wrote.
        # A runner rendering the job finds its claim gone and its result is dropped.
        with translated_errors():
            result = await self.collection.delete_one(by_id(project_id))
            await self.jobs.delete_one(by_id(project_id))
        deleted: int = result.deleted_count
        return deleted > 0
