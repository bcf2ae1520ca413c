"""The MongoDB store's video jobs: the `video_jobs` collection and the JobStore methods,
mixed into MongoProjectStore (part of the MongoDB adapter, so it may import pymongo).

A job document has the project's id as `_id` and is meant to be read by an operator:

    {_id, state: "queued", attempts, error, requested: {resolution: "1080p", fps: 30,
     template: "basic_fade", background_music: "none"}, payload: {the request's JSON},
     owner, epoch, lease_until_ms, due_ms, create_time, update_time, result, applied}

`due_ms` and `lease_until_ms` are integers because the claim compares them with the
caller's clock; the two times are UTC datetimes (BSON keeps milliseconds, all a Job has).

Atomicity. Every transition is one guarded single-document operation:
- claim: a `find_one_and_update` of the job due first (queued and due, or rendering with
  an expired lease) that sets owner, lease and state and increments epoch and attempts,
  as jobs.claimed does;
- renew, requeue, release, fail, finish: an update filtered on {_id, state: rendering,
  owner, epoch}, which matches nothing once another claim happened;
- queue: an insert when there is no job (a duplicate key means another call won), else an
  update filtered on the finished job just read (its state and epoch), so that of many
  concurrent calls one queues and the others read the winner and raise JobActive;
- cancel: an update filtered on the job being queued or rendering.

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

Deleting a project deletes its job after it (see MongoProjectStore.delete): a runner
rendering it then finds its claim gone, and a queue_job that raced the delete removes the
job it wrote when it no longer finds the project.
"""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from ai_studio.v1.project_pb2 import Project, VideoJob, VideoJobState, VideoSettings
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from pymongo import ASCENDING, IndexModel, ReturnDocument, errors

from orchestrator.labels import labels, numbers
from orchestrator.store import jobs
from orchestrator.store.base import StoreTimeout
from orchestrator.store.jobs import ACTIVE, QUEUED, RENDERING, SUCCEEDED, Job, JobActive

JOBS_COLLECTION = "video_jobs"
STATE_LABELS = labels(VideoJobState)
STATE_NUMBERS = numbers(VideoJobState)
ACTIVE_LABELS = [STATE_LABELS[s] for s in ACTIVE]

# The claim's two ways in: queued and due, rendering with an expired lease.
JOB_INDEXES = [
    IndexModel([("state", ASCENDING), ("due_ms", ASCENDING)], name="state_due_ms"),
    IndexModel([("state", ASCENDING), ("lease_until_ms", ASCENDING)], name="state_lease_until_ms"),
]

# On a project: the epoch of the render whose result it holds (see the module docstring).
APPLIED_EPOCH = "video_job_epoch"

# How many unapplied results one claim_job applies before claiming.
RECOVERY_BATCH = 100

# How many times queue_job reads and writes again when another write changed the job in
# between; each retry means a whole queue (and more) happened meanwhile.
QUEUE_TRIES = 8

# The view shows neither the payload nor the result: the reads leave them out.
VIEW_PROJECTION = {"payload": False, "result": False}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)


def to_datetime(ms: int) -> datetime:
    return EPOCH + ms * MILLISECOND


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:  # mongomock, and motor without tz_aware, return naive UTC
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // MILLISECOND


class MongoJobs:
    """JobStore for MongoProjectStore; see store/jobs.py for the contract."""

    # Provided by MongoProjectStore. The codec lives in mongo.py, which imports this
    # module, so it reaches the job methods through the class rather than an import.
    _projects: Any
    _jobs: Any
    _translated: Callable[[], AbstractContextManager[None]]
    _by_id: Callable[[str], dict[str, Any]]
    _encode: Callable[[Message], dict[str, Any]]
    _decode: Callable[[Descriptor, dict[str, Any]], Message]
    _update_set: Callable[[Project, Sequence[str]], dict[str, Any]]

    # -- the document ------------------------------------------------------------------

    def _fields(self, job: Job) -> dict[str, Any]:
        """Every field of the job's document but _id, result and applied."""
        return {
            "state": STATE_LABELS[job.state],
            "attempts": job.attempts,
            "error": job.error,
            "requested": self._encode(job.requested),
            "payload": job.payload,
            "owner": job.owner,
            "epoch": job.epoch,
            "lease_until_ms": job.lease_until_ms,
            "due_ms": job.due_ms,
            "create_time": to_datetime(job.create_ms),
            "update_time": to_datetime(job.update_ms),
        }

    def _job(self, document: dict[str, Any] | None) -> Job | None:
        if document is None:
            return None
        lease = document["lease_until_ms"]
        return Job(
            id=document["_id"],
            state=STATE_NUMBERS[document["state"]],
            attempts=int(document["attempts"]),
            error=document["error"],
            requested=self._decode(VideoSettings.DESCRIPTOR, document["requested"] or {}),
            payload=document["payload"],
            owner=document["owner"],
            epoch=int(document["epoch"]),
            lease_until_ms=None if lease is None else int(lease),
            due_ms=int(document["due_ms"]),
            create_ms=to_ms(document["create_time"]),
            update_ms=to_ms(document["update_time"]),
        )

    def _held(self, claim: Job) -> dict[str, Any]:
        """Matches the job only while `claim` is its live claim (jobs.holds)."""
        return {
            **self._by_id(claim.id),
            "state": STATE_LABELS[RENDERING],
            "owner": claim.owner,
            "epoch": claim.epoch,
        }

    # -- the views project reads attach ------------------------------------------------

    def _view(self, document: dict[str, Any]) -> VideoJob:
        return self._job({**document, "payload": {}}).view()

    async def _job_view(self, project_id: str) -> VideoJob | None:
        document = await self._jobs.find_one(self._by_id(project_id), VIEW_PROJECTION)
        return None if document is None else self._view(document)

    async def _job_views(self, project_ids: Sequence[str]) -> dict[str, VideoJob]:
        """The views of the jobs of these projects, in one query."""
        if not project_ids:
            return {}
        cursor = self._jobs.find({"_id": {"$in": list(project_ids)}}, VIEW_PROJECTION)
        return {d["_id"]: self._view(d) for d in await cursor.to_list(length=None)}

    # -- finishing: the redo record --------------------------------------------------------

    async def _apply(self, document: dict[str, Any]) -> bool:
        """Apply a succeeded job's result to its project and mark it applied; False when
        the project is gone (its job is then deleted too)."""
        project_id, epoch = document["_id"], document["epoch"]
        changes = {**document["result"], APPLIED_EPOCH: epoch}
        with self._translated():
            patched = await self._projects.update_one(
                {**self._by_id(project_id), APPLIED_EPOCH: {"$ne": epoch}}, {"$set": changes}
            )
            if not patched.matched_count:
                # Either this result is on the project already, or the project is gone.
                if await self._projects.find_one(self._by_id(project_id), {"_id": True}) is None:
                    await self._jobs.delete_one(self._by_id(project_id))
                    return False
            await self._jobs.update_one(
                {
                    **self._by_id(project_id),
                    "state": STATE_LABELS[SUCCEEDED],
                    "epoch": epoch,
                    "applied": False,
                },
                {"$set": {"applied": True}},
            )
        return True

    async def _recover(self) -> None:
        """Apply the results that a finisher marked but did not get to apply."""
        with self._translated():
            cursor = self._jobs.find({"state": STATE_LABELS[SUCCEEDED], "applied": False})
            pending = await cursor.limit(RECOVERY_BATCH).to_list(length=None)
        for document in pending:
            await self._apply(document)

    # -- the JobStore interface --------------------------------------------------------

    async def _project_exists(self, project_id: str) -> bool:
        with self._translated():
            found = await self._projects.find_one(self._by_id(project_id), {"_id": True})
        return found is not None

    async def queue_job(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        if not await self._project_exists(project_id):
            return None
        for _ in range(QUEUE_TRIES):
            job = await self._try_queue(project_id, requested, payload, now_ms)
            if job is None:
                continue  # the job changed between the read and the write: read it again
            if not await self._project_exists(project_id):
                # The project was deleted meanwhile, perhaps before its job was: no orphan.
                with self._translated():
                    await self._jobs.delete_one(self._by_id(project_id))
                return None
            return job
        raise StoreTimeout(f"the job of project {project_id} kept changing while queued")

    async def _try_queue(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        """Queue over the job as read now; None when another write got in between."""
        with self._translated():
            document = await self._jobs.find_one(self._by_id(project_id))
        previous = self._job(document)
        if previous is not None and previous.state in ACTIVE:
            raise JobActive(previous)
        if document is not None and document.get("applied") is False:
            await self._apply(document)  # a finished render's video lands before it goes
            return None
        job = jobs.new_job(project_id, requested, payload, now_ms, previous)
        fields = {**self._fields(job), "result": None, "applied": None}
        with self._translated():
            if previous is None:
                try:
                    await self._jobs.insert_one({"_id": project_id, **fields})
                except errors.DuplicateKeyError:
                    return None
            else:
                # Replaces the job read, and only it: not an active one, nor a later one
                # (the epoch only rises), nor a result still to apply.
                replaced = await self._jobs.update_one(
                    {
                        **self._by_id(project_id),
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
        with self._translated():
            return self._job(await self._jobs.find_one(self._by_id(project_id)))

    async def claim_job(self, owner: str, now_ms: int, lease_ms: int) -> Job | None:
        await self._recover()
        # jobs.claimed, as one atomic operation.
        with self._translated():
            document = await self._jobs.find_one_and_update(
                {
                    "$or": [
                        {"state": STATE_LABELS[QUEUED], "due_ms": {"$lte": now_ms}},
                        {"state": STATE_LABELS[RENDERING], "lease_until_ms": {"$lte": now_ms}},
                    ]
                },
                {
                    "$set": {
                        "state": STATE_LABELS[RENDERING],
                        "owner": owner,
                        "lease_until_ms": now_ms + lease_ms,
                        "update_time": to_datetime(now_ms),
                    },
                    "$inc": {"epoch": 1, "attempts": 1},
                },
                sort=[("due_ms", ASCENDING), ("_id", ASCENDING)],
                # The job before: what it becomes is jobs.claimed of it, and only the
                # before tells a takeover (it was rendering) from a first claim.
                return_document=ReturnDocument.BEFORE,
            )
        before = self._job(document)
        return None if before is None else jobs.claimed(before, owner, now_ms, lease_ms)

    async def _transition(self, claim: Job, after: Job) -> bool:
        """Write `after` if `claim` still holds the job."""
        with self._translated():
            written = await self._jobs.update_one(self._held(claim), {"$set": self._fields(after)})
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
        changes = self._update_set(patch, paths)  # ValueError on a bad path, before any write
        after = jobs.succeeded(job, now_ms)
        with self._translated():
            document = await self._jobs.find_one_and_update(
                self._held(job),
                {"$set": {**self._fields(after), "result": changes, "applied": False}},
                return_document=ReturnDocument.AFTER,
            )
        if document is None:
            return False
        return await self._apply(document)

    async def cancel_job(self, project_id: str, now_ms: int) -> Job | None:
        # jobs.cancelled, as one update guarded on the job being active.
        with self._translated():
            document = await self._jobs.find_one_and_update(
                {**self._by_id(project_id), "state": {"$in": ACTIVE_LABELS}},
                {
                    "$set": {
                        "state": STATE_LABELS[jobs.CANCELLED],
                        "owner": None,
                        "lease_until_ms": None,
                        "update_time": to_datetime(now_ms),
                    }
                },
                return_document=ReturnDocument.AFTER,
            )
            if document is None:
                document = await self._jobs.find_one(self._by_id(project_id))
        return self._job(document)

    async def count_jobs(self, states: Sequence[int]) -> int:
        with self._translated():
            return await self._jobs.count_documents(
                {"state": {"$in": [STATE_LABELS[s] for s in states]}}
            )
