"""Video render jobs in the store: the record, and the interface every adapter implements.

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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, VideoJob, VideoSettings

QUEUED = pb.VIDEO_JOB_STATE_QUEUED
RENDERING = pb.VIDEO_JOB_STATE_RENDERING
SUCCEEDED = pb.VIDEO_JOB_STATE_SUCCEEDED
FAILED = pb.VIDEO_JOB_STATE_FAILED
CANCELLED = pb.VIDEO_JOB_STATE_CANCELLED
ACTIVE = (QUEUED, RENDERING)


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
        job = VideoJob(state=self.state, attempts=self.attempts, requested=self.requested)
        if self.error is not None:
            job.error = self.error
        job.create_time.FromMilliseconds(self.create_ms)
        job.update_time.FromMilliseconds(self.update_ms)
        return job


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


class JobStore(Protocol):
    async def queue_job(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        """Queue a new job for the project, replacing a finished one; None when the project
        is unknown; JobActive when one is queued or rendering. Atomic: of many concurrent
        calls for one project, one queues and the others raise JobActive."""

    async def get_job(self, project_id: str) -> Job | None: ...

    async def claim_job(self, owner: str, now_ms: int, lease_ms: int) -> Job | None:
        """Claim the job due first (queued and due, or rendering with an expired lease):
        owner, lease, epoch + 1, attempts + 1, state rendering. None when none is due."""

    async def renew_lease(self, job: Job, until_ms: int, now_ms: int) -> bool:
        """Extend the lease of a claim; False when the claim is no longer ours."""

    async def requeue_job(self, job: Job, due_ms: int, error: str, now_ms: int) -> bool:
        """Give a claim back to the queue after a transient failure, due at `due_ms`."""

    async def release_job(self, job: Job, now_ms: int) -> bool:
        """Give a claim back to the queue at once (shutdown), without counting an attempt."""

    async def fail_job(self, job: Job, error: str, now_ms: int) -> bool:
        """End a claim as failed; the project keeps its fields."""

    async def finish_job(self, job: Job, patch: Project, paths: Sequence[str], now_ms: int) -> bool:
        """End a claim as succeeded and apply `patch` (the video's fields) to the project,
        both or neither."""

    async def cancel_job(self, project_id: str, now_ms: int) -> Job | None:
        """Cancel the project's queued or rendering job; the job after, or None if none."""

    async def count_jobs(self, states: Sequence[int]) -> int:
        """How many jobs are in these states (the queue depth)."""
