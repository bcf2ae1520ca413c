"""The MongoDB store's video jobs: the `video_jobs` collection and the JobStore part.

A job document has the project's id as `_id` and is meant to be read by an operator:

    {_id, state: "queued", attempts, error, requested: {resolution: "1080p", fps: 30,
     template: "basic_fade", background_music: "none"}, payload: {the request's JSON},
     owner, epoch, lease_until_ms, due_ms, create_time, update_time, result, applied}

`due_ms` and `lease_until_ms` are integers because the claim compares them with the
caller's clock; the two times are UTC datetimes (BSON keeps milliseconds, all a Job has).

Atomicity. Every transition is computed by store/jobs.py and written by one guarded
single-document operation:
- claim: the job due first (queued and due, or rendering with an expired lease) is read,
  and jobs.claimed of it written by an update filtered on the job being still as read
  (state, owner, epoch, attempts, due and lease); another claimer that got in between
  makes it match nothing, and the claim tries the next due job;
- renew, requeue, release, fail, finish: an update filtered on {_id, state: rendering,
  owner, epoch}, which matches nothing once another claim happened;
- queue: an insert when there is no job (a duplicate key means another call won), else an
  update filtered on the finished job just read (its state and epoch), so that of many
  concurrent calls one queues and the others read the winner and raise JobActive;
- cancel: jobs.cancelled of the job read, filtered on it being still as read.

Finishing touches two documents, and a standalone server (like mongomock) has no
multi-document transactions. So it is made both-or-neither by a redo record:
1. the guarded update of the job to `succeeded` also stores the project's $set as
   `result`, with `applied: false`. This is the point where the finish takes effect;
   it returns False, writing nothing, when the claim is stale.
2. the result is $set on the project, together with `video_job_epoch`: the epoch of the
   render whose result the project holds. The update is filtered on that marker being
   another epoch, so that applying a result twice never overwrites a later edit;
3. the job is marked `applied: true`.
A process that dies between 1 and 3 leaves a succeeded, unapplied job: every claim_job
first applies such results (and queue_job does, before it replaces the job), so nothing
is lost. Meanwhile a read may show the job succeeded before the project has its video.
A result whose project was deleted meanwhile is dropped, with its job.

Deleting a project deletes its job after it (see MongoProjects.delete): a runner
rendering it then finds its claim gone, and a queue_job that raced the delete removes the
job it wrote when it no longer finds the project.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, cast

from ai_studio.v1.project_pb2 import Project, VideoJob, VideoSettings
from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import ASCENDING, IndexModel, ReturnDocument, errors

from orchestrator.store import jobs
from orchestrator.store.base import StoreTimeout
from orchestrator.store.jobs import (
    ACTIVE,
    QUEUED,
    RENDERING,
    STATE_LABELS,
    SUCCEEDED,
    Job,
    JobActive,
)
from orchestrator.store.mongo.codec import (
    by_id,
    decode_message,
    encode_message,
    to_datetime,
    to_ms,
    translated_errors,
    update_set,
)

JOBS_COLLECTION = "video_jobs"
ACTIVE_LABELS = [STATE_LABELS[s] for s in ACTIVE]

# The claim's two ways in: queued and due, rendering with an expired lease.
JOB_INDEXES = [
    IndexModel([("state", ASCENDING), ("due_ms", ASCENDING)], name="state_due_ms"),
    IndexModel([("state", ASCENDING), ("lease_until_ms", ASCENDING)], name="state_lease_until_ms"),
]

# On a project: the epoch of the render whose result it holds (see the module docstring).
APPLIED_EPOCH = "video_job_epoch"

# On a job: the epoch of the claim whose render's progress and stage it holds.
PROGRESS_EPOCH = "progress_epoch"

# How many unapplied results one claim_job applies before claiming.
RECOVERY_BATCH = 100

# How many times a write reads and writes again when another write changed the job in
# between; each retry means a whole transition (and more) happened meanwhile.
WRITE_TRIES = 8

# The view shows neither the payload nor the result: the reads leave them out.
VIEW_PROJECTION = {"payload": False, "result": False}


def to_fields(job: Job) -> dict[str, Any]:
    """Every field of the job's document but _id, result and applied: jobs.to_record with
    `requested` as a document and the two times as dates."""
    record = jobs.to_record(job)
    record["requested"] = encode_message(job.requested)
    record["create_time"] = to_datetime(record.pop("create_ms"))
    record["update_time"] = to_datetime(record.pop("update_ms"))
    return record


def to_job(document: Mapping[str, Any] | None) -> Job | None:
    if document is None:
        return None
    # GetMessageClass gives the generated class of a descriptor: this is a VideoSettings.
    requested = cast(
        VideoSettings, decode_message(VideoSettings.DESCRIPTOR, document["requested"] or {})
    )
    record = {
        **document,
        "requested": requested,
        "create_ms": to_ms(document["create_time"]),
        "update_ms": to_ms(document["update_time"]),
    }
    return jobs.from_record(document["_id"], record)


def held(claim: Job) -> dict[str, Any]:
    """Matches the job only while `claim` is its live claim (jobs.holds)."""
    return {
        **by_id(claim.id),
        "state": STATE_LABELS[RENDERING],
        "owner": claim.owner,
        "epoch": claim.epoch,
    }


# Every transition changes one of these fields of the job's record.
TRANSITION_FIELDS = ("state", "owner", "epoch", "attempts", "due_ms", "lease_until_ms")


def unchanged(job: Job) -> dict[str, Any]:
    """Matches the job only while it is still as read (TRANSITION_FIELDS)."""
    record = jobs.to_record(job)
    return {**by_id(job.id), **{name: record[name] for name in TRANSITION_FIELDS}}


def _view(document: Mapping[str, Any]) -> VideoJob:
    job = to_job({**document, "payload": {}})
    assert job is not None
    view = job.view()
    # The render's progress, while it renders, as its current claim reported it.
    if job.state == RENDERING and document.get(PROGRESS_EPOCH) == job.epoch:
        view.progress = float(document.get("progress") or 0.0)
        view.stage = str(document.get("stage") or "")
    return view


async def job_view(collection: AsyncIOMotorCollection, project_id: str) -> VideoJob | None:
    """The view a project read attaches: its job's, or None."""
    document = await collection.find_one(by_id(project_id), VIEW_PROJECTION)
    return None if document is None else _view(document)


async def job_views(
    collection: AsyncIOMotorCollection, project_ids: Sequence[str]
) -> dict[str, VideoJob]:
    """The views of the jobs of these projects, in one query."""
    if not project_ids:
        return {}
    cursor = collection.find({"_id": {"$in": list(project_ids)}}, VIEW_PROJECTION)
    return {d["_id"]: _view(d) for d in await cursor.to_list(length=None)}


class MongoJobs:
    """JobStore over the `video_jobs` collection; see base.py and store/jobs.py."""

    def __init__(
        self,
        projects: AsyncIOMotorCollection,
        collection: AsyncIOMotorCollection,
        touch: Callable[[str], Awaitable[None]],
    ) -> None:
        # touch(project_id) gives the project a new revision after each write of its job
        # (the job's view is part of the project): MongoProjects.touch.
        self.projects, self.collection, self.touch = projects, collection, touch

    # -- finishing: the redo record --------------------------------------------------------

    async def _apply(self, document: Mapping[str, Any]) -> bool:
        """Apply a succeeded job's result to its project and mark it applied; False when
        the project is gone (its job is then deleted too)."""
        project_id, epoch = document["_id"], document["epoch"]
        changes = {**document["result"], APPLIED_EPOCH: epoch}
        with translated_errors():
            patched = await self.projects.update_one(
                {**by_id(project_id), APPLIED_EPOCH: {"$ne": epoch}}, {"$set": changes}
            )
            if not patched.matched_count:
                # Either this result is on the project already, or the project is gone.
                if await self.projects.find_one(by_id(project_id), {"_id": True}) is None:
                    await self.collection.delete_one(by_id(project_id))
                    return False
            await self.collection.update_one(
                {
                    **by_id(project_id),
                    "state": STATE_LABELS[SUCCEEDED],
                    "epoch": epoch,
                    "applied": False,
                },
                {"$set": {"applied": True}},
            )
        await self.touch(project_id)
        return True

    async def _recover(self) -> None:
        """Apply the results that a finisher marked but did not get to apply."""
        with translated_errors():
            cursor = self.collection.find({"state": STATE_LABELS[SUCCEEDED], "applied": False})
            pending = await cursor.limit(RECOVERY_BATCH).to_list(length=None)
        for document in pending:
            await self._apply(document)

    # -- the JobStore interface --------------------------------------------------------

    async def _project_exists(self, project_id: str) -> bool:
        with translated_errors():
            found = await self.projects.find_one(by_id(project_id), {"_id": True})
        return found is not None

    async def queue_job(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        if not await self._project_exists(project_id):
            return None
        for _ in range(WRITE_TRIES):
            job = await self._try_queue(project_id, requested, payload, now_ms)
            if job is None:
                continue  # the job changed between the read and the write: read it again
            if not await self._project_exists(project_id):
                # The project was deleted meanwhile, perhaps before its job was: no orphan.
                with translated_errors():
                    await self.collection.delete_one(by_id(project_id))
                return None
            await self.touch(project_id)
            return job
        raise StoreTimeout(f"the job of project {project_id} kept changing while queued")

    async def _try_queue(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        """Queue over the job as read now; None when another write got in between."""
        with translated_errors():
            document = await self.collection.find_one(by_id(project_id))
        previous = to_job(document)
        if previous is not None and previous.state in ACTIVE:
            raise JobActive(previous)
        if document is not None and document.get("applied") is False:
            await self._apply(document)  # a finished render's video lands before it goes
            return None
        job = jobs.new_job(project_id, requested, payload, now_ms, previous)
        fields = {**to_fields(job), "result": None, "applied": None}
        with translated_errors():
            if previous is None:
                try:
                    await self.collection.insert_one({"_id": project_id, **fields})
                except errors.DuplicateKeyError:
                    return None
            else:
                # Replaces the job read, and only it: not an active one, nor a later one
                # (the epoch only rises), nor a result still to apply.
                replaced = await self.collection.update_one(
                    {
                        **by_id(project_id),
                        "state": {"$nin": ACTIVE_LABELS},
                        "epoch": previous.epoch,
                        "applied": {"$ne": False},
                    },
                    {"$set": fields},
                )
                if not replaced.matched_count:
                    return None
        return job

    async def get_job(self, project_id: str) -> Job | None:
        with translated_errors():
            return to_job(await self.collection.find_one(by_id(project_id)))

    async def claim_job(self, owner: str, now_ms: int, lease_ms: int) -> Job | None:
        await self._recover()
        due = {
            "$or": [
                {"state": STATE_LABELS[QUEUED], "due_ms": {"$lte": now_ms}},
                {"state": STATE_LABELS[RENDERING], "lease_until_ms": {"$lte": now_ms}},
            ]
        }
        # Each lost race means another write to a due job happened: the loop ends when one
        # of ours wins or nothing is due.
        while True:
            with translated_errors():
                before = to_job(
                    await self.collection.find_one(
                        due, sort=[("due_ms", ASCENDING), ("_id", ASCENDING)]
                    )
                )
            if before is None:
                return None
            after = jobs.claimed(before, owner, now_ms, lease_ms)
            if await self._write(before, after):
                return after

    async def _write(self, before: Job, after: Job) -> bool:
        """Write `after` if the job is still `before`."""
        with translated_errors():
            written = await self.collection.update_one(
                unchanged(before), {"$set": to_fields(after)}
            )
        if written.matched_count:
            await self.touch(before.id)
        return written.matched_count > 0

    async def _transition(self, claim: Job, after: Job) -> bool:
        """Write `after` if `claim` still holds the job."""
        with translated_errors():
            written = await self.collection.update_one(held(claim), {"$set": to_fields(after)})
        if written.matched_count:
            await self.touch(claim.id)
        return written.matched_count > 0

    async def renew_lease(self, job: Job, until_ms: int, now_ms: int) -> bool:
        return await self._transition(job, jobs.renewed(job, until_ms, now_ms))

    async def requeue_job(self, job: Job, due_ms: int, error: str, now_ms: int) -> bool:
        return await self._transition(job, jobs.requeued(job, due_ms, error, now_ms))

    async def release_job(self, job: Job, now_ms: int) -> bool:
        return await self._transition(job, jobs.released(job, now_ms))

    async def fail_job(self, job: Job, error: str, now_ms: int) -> bool:
        return await self._transition(job, jobs.failed(job, error, now_ms))

    async def finish_job(self, job: Job, patch: Project, paths: Sequence[str], now_ms: int) -> bool:
        changes = update_set(patch, paths)  # ValueError on a bad path, before any write
        after = jobs.succeeded(job, now_ms)
        with translated_errors():
            document = await self.collection.find_one_and_update(
                held(job),
                {"$set": {**to_fields(after), "result": changes, "applied": False}},
                return_document=ReturnDocument.AFTER,
            )
        if document is None:
            return False
        return await self._apply(document)

    async def report_progress(self, job: Job, progress: float, stage: str, now_ms: int) -> bool:
        with translated_errors():
            written = await self.collection.update_one(
                held(job),
                {"$set": {"progress": progress, "stage": stage, PROGRESS_EPOCH: job.epoch}},
            )
        if written.matched_count:
            await self.touch(job.id)
        return written.matched_count > 0

    async def cancel_job(self, project_id: str, now_ms: int) -> Job | None:
        for _ in range(WRITE_TRIES):
            job = await self.get_job(project_id)
            if job is None or job.state not in ACTIVE:
                return job
            after = jobs.cancelled(job, now_ms)
            if await self._write(job, after):
                return after
        raise StoreTimeout(f"the job of project {project_id} kept changing while cancelled")

    async def count_jobs(self, states: Sequence[int]) -> int:
        with translated_errors():
            count: int = await self.collection.count_documents(
                {"state": {"$in": [STATE_LABELS[s] for s in states]}}
            )
        return count
