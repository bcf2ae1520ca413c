"""The MongoDB store, through motor: one `projects` collection, one document per project,
and the `video_jobs` collection of mongo_jobs.py, one document per project's job.

This module and mongo_jobs.py are the only ones that import motor, pymongo or bson, so that
moving to PyMongo's own AsyncMongoClient touches nothing else.

A document is meant to be read by an operator: the proto field names, enums as their short
labels ("draft", "1080p", "basic_fade"; null when unspecified), timestamps as UTC datetimes
(BSON keeps milliseconds), scenes as {prompt, url}, unset optional fields and messages as null.
`_id` is the project id, a stringified ObjectId: it grows with time, so it serves as the
insertion-order tie-break of every sort, as `seq` does in the embedded store. (Exactly so
within one process, whose ObjectIds carry a counter; two replicas creating projects in the
same second are ordered by their process ids instead.)
`title_fold` and `description_fold` hold the case-folded texts search compares.

The codec walks the proto descriptors rather than listing fields, so every field round-trips
without this module knowing it. `video_job` is never kept in a project's document: a project
read shows the view of its job (from `video_jobs`) as `video_job`, or none.
`video_job_epoch`, set once a render's video is on the project, is the job machinery's own
(see mongo_jobs.py); a read ignores it.
"""

import contextlib
import functools
import inspect
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ai_studio.v1.project_pb2 import Project, ProjectStatus, Scene, VideoJob
from bson import ObjectId
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.protobuf.timestamp_pb2 import Timestamp
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, errors

from orchestrator.labels import labels
from orchestrator.store.base import (
    SORTABLE_FIELDS,
    ProjectQuery,
    StoreTimeout,
    StoreUnavailable,
    check_paths,
    fold,
)
from orchestrator.store.mongo_jobs import JOB_INDEXES, JOBS_COLLECTION, MongoJobs

log = logging.getLogger(__name__)

DEFAULT_DATABASE = "ai_studio"
COLLECTION = "projects"
STATUS_LABELS = labels(ProjectStatus)
TIMESTAMP = Timestamp.DESCRIPTOR.full_name
PROJECT_FIELDS = Project.DESCRIPTOR.fields_by_name
# Derived from the texts; rewritten whenever the text they fold is.
FOLDED = {"title": "title_fold", "description": "description_fold"}

# Every list query filters on status and/or sorts on one of these, then on _id.
INDEXES = [
    IndexModel(
        [("status", ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)],
        name="status_create_time",
    ),
    IndexModel([("create_time", ASCENDING), ("_id", ASCENDING)], name="create_time"),
    IndexModel([("update_time", ASCENDING), ("_id", ASCENDING)], name="update_time"),
    IndexModel([("title", ASCENDING), ("_id", ASCENDING)], name="title"),
]


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Turn the database's own failures into store errors; bugs stay bugs."""
    try:
        yield
    except errors.ServerSelectionTimeoutError as exc:
        # A timeout by pymongo's reckoning, but it means no server could be reached at all.
        raise StoreUnavailable(f"MongoDB is unreachable: {exc}") from exc
    except errors.PyMongoError as exc:
        # NetworkTimeout is an AutoReconnect, so timeouts are told apart before connection
        # failures; `timeout` also covers timeoutMS expiring (code 50, wait-queue timeouts).
        if isinstance(exc, errors.ExecutionTimeout | errors.NetworkTimeout | errors.WTimeoutError):
            raise StoreTimeout(f"MongoDB did not answer in time: {exc}") from exc
        if exc.timeout:
            raise StoreTimeout(f"MongoDB did not answer in time: {exc}") from exc
        raise StoreUnavailable(f"MongoDB failed: {exc}") from exc


# -- the codec ---------------------------------------------------------------------------


@functools.cache
def enum_labels(enum: EnumDescriptor) -> dict[int, str]:
    return labels(EnumTypeWrapper(enum))


@functools.cache
def enum_numbers(enum: EnumDescriptor) -> dict[str, int]:
    return {label: number for number, label in enum_labels(enum).items()}


def to_datetime(timestamp: Timestamp) -> datetime:
    moment = timestamp.ToDatetime(tzinfo=UTC)
    # BSON dates hold milliseconds; truncating here makes what we return what we stored.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def encode_value(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is not None:
        if field.message_type.full_name == TIMESTAMP:
            return to_datetime(value)
        return encode_message(value)
    if field.enum_type is not None:
        if value == 0:
            return None
        # A number this code has no label for is kept as is rather than lost.
        return enum_labels(field.enum_type).get(value, value)
    return value


def encode_field(message: Message, field: FieldDescriptor) -> Any:
    value = getattr(message, field.name)
    if field.is_repeated:
        return [encode_value(field, item) for item in value]
    if field.has_presence and not message.HasField(field.name):
        return None
    return encode_value(field, value)


def encode_message(message: Message) -> dict[str, Any]:
    return {field.name: encode_field(message, field) for field in message.DESCRIPTOR.fields}


def decode_value(field: FieldDescriptor, value: Any) -> Any:
    """The proto value of one stored (non-null) value: a message, or a scalar to assign."""
    if field.message_type is not None:
        if field.message_type.full_name == TIMESTAMP:
            timestamp = Timestamp()
            timestamp.FromDatetime(value)  # naive datetimes are UTC, as motor returns them
            return timestamp
        return decode_message(field.message_type, value)
    if field.enum_type is not None:
        if isinstance(value, int):
            return value
        number = enum_numbers(field.enum_type).get(value)
        if number is None:
            log.warning("unknown %s label %r read as unspecified", field.enum_type.name, value)
            return 0
        return number
    # Numbers typed into a shell are doubles; proto int fields refuse floats.
    if field.cpp_type in (
        FieldDescriptor.CPPTYPE_INT32,
        FieldDescriptor.CPPTYPE_INT64,
        FieldDescriptor.CPPTYPE_UINT32,
        FieldDescriptor.CPPTYPE_UINT64,
    ):
        return int(value)
    if field.cpp_type in (FieldDescriptor.CPPTYPE_DOUBLE, FieldDescriptor.CPPTYPE_FLOAT):
        return float(value)
    return value


def decode_message(descriptor: Descriptor, document: Mapping[str, Any]) -> Message:
    message = GetMessageClass(descriptor)()
    for field in descriptor.fields:
        value = document.get(field.name)
        if value is None:
            continue  # null or absent: the field stays unset
        if field.is_repeated:
            getattr(message, field.name).extend(decode_value(field, item) for item in value)
        elif field.message_type is not None:
            getattr(message, field.name).CopyFrom(decode_value(field, value))
        else:
            setattr(message, field.name, decode_value(field, value))
    return message


def to_document(project: Project) -> dict[str, Any]:
    fields = encode_message(project)
    del fields["id"]  # it is the _id
    del fields["video_job"]  # jobs have their own collection
    return {
        "_id": project.id,
        **fields,
        "title_fold": fold(project.title),
        "description_fold": fold(project.description),
    }


def to_project(document: Mapping[str, Any]) -> Project:
    project = decode_message(Project.DESCRIPTOR, document)
    project.id = document["_id"]
    return project


def with_job(project: Project, job: VideoJob | None) -> Project:
    """The project as a read shows it: with its job's view, when it has a job."""
    project.ClearField("video_job")
    if job is not None:
        project.video_job.CopyFrom(job)
    return project


def by_id(project_id: str) -> dict[str, Any]:
    # $eq: whatever the caller hands us is compared as a value, never read as an operator.
    return {"_id": {"$eq": project_id}}


def update_set(patch: Project, paths: Sequence[str]) -> dict[str, Any]:
    """The $set of a FieldMask merge of top-level paths: copied whole, unset ones as null."""
    check_paths(paths)
    changes: dict[str, Any] = {}
    for path in paths:
        changes[path] = encode_field(patch, PROJECT_FIELDS[path])
        if path in FOLDED:
            changes[FOLDED[path]] = fold(getattr(patch, path))
    return changes


def contains(field: str, needle: str) -> dict[str, Any]:
    """Whether `field` holds `needle` literally, as an aggregation expression.

    $indexOfCP would say it directly, but mongomock does not implement it, and the tests run
    on mongomock. $split cuts at a literal separator on both (no pattern, unlike $regex), so
    the text occurs when the cut makes more than one piece. $literal keeps a needle starting
    with "$" from being read as a field path. Never $regex or $where with user text.
    $ifNull: on a document lacking the field, MongoDB's $size would fail the whole query.
    """
    pieces = {"$split": [{"$ifNull": [f"${field}", ""]}, {"$literal": needle}]}
    return {"$gt": [{"$size": pieces}, 1]}


def list_filter(query: ProjectQuery) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    if query.statuses:
        conditions["status"] = {"$in": [STATUS_LABELS[s] for s in query.statuses]}
    if query.search:
        needle = fold(query.search)
        conditions["$expr"] = {"$or": [contains(f, needle) for f in FOLDED.values()]}
    return conditions


# -- the store ---------------------------------------------------------------------------


class MongoProjectStore(MongoJobs):
    # The codec, for the job methods (mongo_jobs.py cannot import this module).
    _translated = staticmethod(translated_errors)
    _by_id = staticmethod(by_id)
    _encode = staticmethod(encode_message)
    _decode = staticmethod(decode_message)
    _update_set = staticmethod(update_set)

    def __init__(self, client: AsyncIOMotorClient, database_name: str) -> None:
        self.client = client
        self.database = client[database_name]
        self._projects = self.database[COLLECTION]
        self._jobs = self.database[JOBS_COLLECTION]

    @classmethod
    def from_url(cls, url: str, timeout_ms: int) -> "MongoProjectStore":
        """A store on a real server; the database is the URL's path, else ai_studio."""
        client = AsyncIOMotorClient(
            url,
            # timeoutMS bounds each whole operation, retries included; server selection and
            # connecting get the same budget so that a dead server is reported as fast.
            timeoutMS=timeout_ms,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            tz_aware=True,
            appname="ai-studio-orchestrator",
        )
        return cls(client, client.get_default_database(DEFAULT_DATABASE).name)

    async def setup(self) -> None:
        """Create the indexes the list queries and the job claims use; idempotent, run once
        at start."""
        with translated_errors():
            await self._projects.create_indexes(INDEXES)
            await self._jobs.create_indexes(JOB_INDEXES)

    async def create(self, project: Project) -> Project:
        project.id = str(ObjectId())
        document = to_document(project)
        with translated_errors():
            await self._projects.insert_one(document)
        return to_project(document)

    async def get(self, project_id: str) -> Project | None:
        with translated_errors():
            document = await self._projects.find_one(by_id(project_id))
            if document is None:
                return None
            job = await self._job_view(project_id)
        return with_job(to_project(document), job)

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        if query.order_by not in SORTABLE_FIELDS:
            raise ValueError(f"cannot sort projects by {query.order_by!r}")
        conditions = list_filter(query)
        direction = DESCENDING if query.descending else ASCENDING
        with translated_errors():
            # Unlike the embedded store's, the count and the page are two reads that a
            # concurrent write may fall between: no snapshot spans them without a transaction.
            total = await self._projects.count_documents(conditions)
            if query.limit == 0:  # to MongoDB, limit 0 means no limit
                return [], total
            cursor = self._projects.find(conditions)
            cursor = cursor.sort([(query.order_by, direction), ("_id", direction)])
            cursor = cursor.skip(query.offset).limit(query.limit or 0)
            documents = await cursor.to_list(length=None)
            views = await self._job_views([document["_id"] for document in documents])
        return [with_job(to_project(d), views.get(d["_id"])) for d in documents], total

    async def update(self, project_id: str, patch: Project, paths: Sequence[str]) -> Project | None:
        changes = update_set(patch, paths)
        if not changes:  # MongoDB refuses an empty $set; merging nothing changes nothing
            return await self.get(project_id)
        with translated_errors():
            document = await self._projects.find_one_and_update(
                by_id(project_id), {"$set": changes}, return_document=ReturnDocument.AFTER
            )
        return None if document is None else await self._read_back(document)

    async def _read_back(self, document: Mapping[str, Any]) -> Project:
        """The project a write returns, as a read shows it: with its job's view."""
        with translated_errors():
            job = await self._job_view(document["_id"])
        return with_job(to_project(document), job)

    async def update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        # Matching only a project that has the scene makes the check and the write one
        # atomic operation; $set of images.<index> leaves the other scenes alone.
        if index >= 0:
            slot = f"images.{int(index)}"
            changes = {slot: encode_message(scene), "update_time": to_datetime(update_time)}
            with translated_errors():
                document = await self._projects.find_one_and_update(
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
            result = await self._projects.delete_one(by_id(project_id))
            await self._jobs.delete_one(by_id(project_id))
        return result.deleted_count > 0

    async def ping(self) -> None:
        with translated_errors():
            await self.client.admin.command("ping")

    async def close(self) -> None:
        closed = self.client.close()
        if inspect.isawaitable(closed):  # PyMongo's AsyncMongoClient.close is a coroutine
            await closed
