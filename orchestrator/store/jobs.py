"""Video render jobs in the store: the job, its record and its transitions (the interface
every adapter implements is JobStore in base.py).

Jobs live apart from projects (their own table or collection), so that no write to a
project can overwrite a job's state. There is one job per project; its id is the
project's id. A job is run by whichever orchestrator process claims it:

    queued ──claim──▶ rendering ──finish──▶ succeeded   (and the project gets the video)
       ▲                 │ │ └──fail──────▶ failed
       └──requeue/release┘ └──cancel─────▶ cancelled
       (also: a rendering job whose lease expired can be claimed again)

A claim sets the owner and a lease expiry and increments the epoch, in one atomic
operation. Every later write of a runner (renew, requeue, release, fail, finish) names
the owner and epoch it claimed with, and matches nothing once another claim happened:
a runner that lost its lease can never write a stale result.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import VideoJob, VideoSettings

from common.labels import JOB_STATE

QUEUED = pb.VIDEO_JOB_STATE_QUEUED
RENDERING = pb.VIDEO_JOB_STATE_RENDERING
SUCCEEDED = pb.VIDEO_JOB_STATE_SUCCEEDED
FAILED = pb.VIDEO_JOB_STATE_FAILED
CANCELLED = pb.VIDEO_JOB_STATE_CANCELLED
ACTIVE = (QUEUED, RENDERING)
STATE_LABELS = JOB_STATE.label
STATE_NUMBERS = JOB_STATE.number


@dataclass(frozen=True, slots=True)
class Job:
    """A job as stored. Times are milliseconds since the epoch."""

    id: str  # the project's id
    state: int  # a VideoJobState
    attempts: int
    error: str | None
    requested: VideoSettings
    payload: dict[str, Any]  # the render request's body, fixed when the job was queued
    owner: str | None
    epoch: int
    lease_until_ms: int | None
    due_ms: int  # not claimed before this time (backoff)
    create_ms: int
    update_ms: int
    # Not stored: set on the job a claim returns when it took the job over from an owner
    # whose lease had expired (a crashed or frozen process).
    taken_over: bool = field(default=False, compare=False)

    @property
    def idempotency_key(self) -> str:
        """What the video service sees to recognise a retried render: the job id and the
        time it was queued. Every attempt and every takeover of one job sends the same
        key, so a render the service finished (or is finishing) is not done again; a job
        queued anew for the project (new settings) gets a new key."""
        return f"{self.id}:{self.create_ms}"

    def view(self) -> VideoJob:
        """The job as the API shows it."""
        job = VideoJob(
            state=cast("pb.VideoJobState.ValueType", self.state),
            attempts=self.attempts,
            requested=self.requested,
        )
        if self.error is not None:
            job.error = self.error
        job.create_time.FromMilliseconds(self.create_ms)
        job.update_time.FromMilliseconds(self.update_ms)
        return job


# -- the record: one mapping for every adapter ---------------------------------------------

# A stored job's fields but its id, in the order the embedded store's columns take.
RECORD_FIELDS = (
    "state",
    "attempts",
    "error",
    "requested",
    "payload",
    "owner",
    "epoch",
    "lease_until_ms",
    "due_ms",
    "create_ms",
    "update_ms",
)


def to_record(job: Job) -> dict[str, Any]:
    """The job as stored, but its id: the state by its label; `requested` stays a message
    and the times milliseconds, which each adapter writes in its own form."""
    return {
        "state": STATE_LABELS[job.state],
        "attempts": job.attempts,
        "error": job.error,
        "requested": job.requested,
        "payload": job.payload,
        "owner": job.owner,
        "epoch": job.epoch,
        "lease_until_ms": job.lease_until_ms,
        "due_ms": job.due_ms,
        "create_ms": job.create_ms,
        "update_ms": job.update_ms,
    }


def from_record(job_id: str, record: Mapping[str, Any]) -> Job:
    """The inverse of `to_record`; numbers typed into a database shell may be doubles."""
    lease = record["lease_until_ms"]
    return Job(
        id=job_id,
        state=STATE_NUMBERS[record["state"]],
        attempts=int(record["attempts"]),
        error=record["error"],
        requested=record["requested"],
        payload=record["payload"],
        owner=record["owner"],
        epoch=int(record["epoch"]),
        lease_until_ms=None if lease is None else int(lease),
        due_ms=int(record["due_ms"]),
        create_ms=int(record["create_ms"]),
        update_ms=int(record["update_ms"]),
    )


# -- transitions: pure, shared by every adapter ------------------------------------------


def new_job(
    project_id: str,
    requested: VideoSettings,
    payload: dict[str, Any],
    now_ms: int,
    previous: Job | None,
) -> Job:
    # The epoch carries on from a finished job, so that it only ever rises.
    return Job(
        id=project_id,
        state=QUEUED,
        attempts=0,
        error=None,
        requested=requested,
        payload=payload,
        owner=None,
        epoch=previous.epoch if previous else 0,
        lease_until_ms=None,
        due_ms=now_ms,
        create_ms=now_ms,
        update_ms=now_ms,
    )


def claimed(job: Job, owner: str, now_ms: int, lease_ms: int) -> Job:
    return replace(
        job,
        state=RENDERING,
        owner=owner,
        epoch=job.epoch + 1,
        attempts=job.attempts + 1,
        lease_until_ms=now_ms + lease_ms,
        update_ms=now_ms,
        taken_over=job.state == RENDERING,
    )


def renewed(job: Job, until_ms: int, now_ms: int) -> Job:
    return replace(job, lease_until_ms=until_ms, update_ms=now_ms)


def _ended(job: Job, state: int, now_ms: int, **changes: Any) -> Job:
    return replace(job, state=state, owner=None, lease_until_ms=None, update_ms=now_ms, **changes)


def requeued(job: Job, due_ms: int, error: str, now_ms: int) -> Job:
    return _ended(job, QUEUED, now_ms, due_ms=due_ms, error=error)


def released(job: Job, now_ms: int) -> Job:
    # Shutdown is not the render's fault: the attempt is given back.
    return _ended(job, QUEUED, now_ms, due_ms=now_ms, attempts=max(0, job.attempts - 1))


def failed(job: Job, error: str, now_ms: int) -> Job:
    return _ended(job, FAILED, now_ms, error=error)


def succeeded(job: Job, now_ms: int) -> Job:
    return _ended(job, SUCCEEDED, now_ms, error=None)


def cancelled(job: Job, now_ms: int) -> Job:
    return _ended(job, CANCELLED, now_ms)


def holds(stored: Job | None, claim: Job) -> bool:
    """Whether `claim` is still the live claim on the stored job."""
    return (
        stored is not None
        and stored.state == RENDERING
        and stored.owner == claim.owner
        and stored.epoch == claim.epoch
    )


class JobActive(Exception):
    """A job is already queued or rendering for the project."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"job {job.id} is already active")
        self.job = job
