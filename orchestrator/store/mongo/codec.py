"""The MongoDB store's codec: documents from and to protos, and its failures as store errors.

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
"""

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from ai_studio.v1.project_pb2 import Project, VideoJob
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.protobuf.timestamp_pb2 import Timestamp
from pymongo import errors

from common import labels
from orchestrator.store.base import StoreTimeout, StoreUnavailable, check_paths, fold

log = logging.getLogger(__name__)

TIMESTAMP = Timestamp.DESCRIPTOR.full_name
PROJECT_FIELDS = Project.DESCRIPTOR.fields_by_name
# Derived from the texts; rewritten whenever the text they fold is.
FOLDED = {"title": "title_fold", "description": "description_fold"}


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


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)


def to_datetime(ms: int) -> datetime:
    """A BSON date: BSON keeps milliseconds, so what we return is what we stored."""
    return EPOCH + ms * MILLISECOND


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:  # mongomock, and motor without tz_aware, return naive UTC
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // MILLISECOND


def encode_value(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is not None:
        if field.message_type.full_name == TIMESTAMP:
            return to_datetime(value.ToMilliseconds())
        return encode_message(value)
    if field.enum_type is not None:
        if value == 0:
            return None
        # A number this code has no label for is kept as is rather than lost.
        return labels.of(field.enum_type).label.get(value, value)
    return value


def encode_field(message: Message, field: FieldDescriptor) -> Any:
    value = getattr(message, field.name)
    if field.is_repeated:
        return [encode_value(field, item) for item in value]
    if field.has_presence and not message.HasField(field.name):
        return None
    return encode_value(field, value)


def encode_message(message: Message) -> dict[str, Any]:
    fields = cast(Sequence[FieldDescriptor], message.DESCRIPTOR.fields)
    return {field.name: encode_field(message, field) for field in fields}


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
        number = labels.of(field.enum_type).number.get(value)
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
    # GetMessageClass gives the generated class of a descriptor: this is a Project.
    project = cast(Project, decode_message(Project.DESCRIPTOR, document))
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
