"""The video job runner: one per orchestrator process, tied to the server's lifecycle.

It claims due jobs from the store (one atomic claim: owner, lease, epoch + 1), renders
each with the video service while a companion task renews the lease, and writes the
result only while its claim still holds (store/jobs.py). A render whose lease is lost
(the job was deleted, cancelled, or taken over after this process froze) is abandoned.

Failures: a timeout, an unreachable service or a 5xx goes back to the queue with
exponential backoff and jitter, until the attempts run out; a 4xx or an unusable
answer fails the job at once. The reason is kept on the job; the project keeps its
fields. On shutdown it stops claiming, lets renders finish within the grace period,
then gives the unfinished ones back to the queue (release), for any process to claim.
Start-up needs no recovery: jobs of a dead process are claimed when their lease expires.
"""

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass

from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project

from common.fields import written_by
from common.logs import job_id, request_id
from orchestrator.clients.video import RenderAnswer, VideoClient
from orchestrator.clock import Clock
from orchestrator.errors import UpstreamFailure
from orchestrator.metrics import LEASE_TAKEOVERS, QUEUE_DEPTH, RENDER_JOBS
from orchestrator.services.video import SETTINGS_FIELDS
from orchestrator.store.base import Store, StoreError
from orchestrator.store.jobs import ACTIVE, Job

log = logging.getLogger(__name__)

# What a render writes on its project: the video's fields, and the settings it was made
# at (each on its project field).
RESULT_PATHS = [*written_by("video"), "update_time"]


@dataclass(frozen=True, slots=True)
class RunnerPolicy:
    """How the runner works; the settings' VIDEO_* (config.py) say what each is, and
    hold the defaults."""

    concurrency: int
    lease_s: float
    poll_s: float
    max_attempts: int
    retry_base_s: float
    retry_max_s: float
    progress_s: float  # how often a render's progress is read and shown


def owner_id() -> str:
    """Who claims: unique per process, and readable in the store (host, pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def result_patch(job: Job, answer: RenderAnswer, clock: Clock) -> Project:
    patch = Project(
        video_url=answer.url,
        thumbnail=answer.thumbnail,
        duration=answer.duration,
        status=pb.PROJECT_STATUS_VIDEO_READY,
        **{field: getattr(job.requested, name) for field, name in SETTINGS_FIELDS.items()},
    )
    patch.update_time.FromMilliseconds(round(clock() * 1000))
    return patch


class JobRunner:
    def __init__(
        self,
        store: Store,
        video: VideoClient,
        clock: Clock,
        policy: RunnerPolicy,
        owner: str | None = None,
    ) -> None:
        self.store, self.video, self.clock, self.policy = store, video, clock, policy
        self.owner = owner or owner_id()
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop_task: asyncio.Task | None = None
        self._renders: dict[asyncio.Task, Job] = {}

    def _now_ms(self) -> int:
        return round(self.clock() * 1000)

    def wake(self) -> None:
        """A job was queued here: look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._claim_loop(), name="video-job-runner")

    async def stop(self, grace: float) -> None:
        """Stop claiming; let renders finish within `grace`; release the rest."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        if not self._renders:
            return
        _, unfinished = await asyncio.wait(list(self._renders), timeout=grace)
        for task in unfinished:
            job = self._renders[task]
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(StoreError):
                if await self.store.release_job(job, self._now_ms()):
                    RENDER_JOBS.labels("released").inc()
                    log.info("released job %s for another process", job.id)

    # -- claiming ---------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while not self._stopping:
            # Cleared before looking, so that a job queued meanwhile is not slept through.
            self._wake.clear()
            if len(self._renders) >= self.policy.concurrency:
                await self._until_woken(list(self._renders))  # or a render ends
                continue
            try:
                job = await self.store.claim_job(
                    self.owner, self._now_ms(), round(self.policy.lease_s * 1000)
                )
            except StoreError as exc:
                log.warning("could not claim a video job: %s", exc)
                job = None
            except Exception:  # a bug must not stop this process from rendering for good
                log.exception("claiming a video job failed")
                job = None
            if job is None:
                with contextlib.suppress(StoreError):
                    QUEUE_DEPTH.set(await self.store.count_jobs(ACTIVE))
                await self._until_woken([], self.policy.poll_s)
                continue
            RENDER_JOBS.labels("claimed").inc()
            if job.taken_over:
                LEASE_TAKEOVERS.inc()
                log.warning("took job %s over from a process whose lease expired", job.id)
            task = asyncio.create_task(self._render(job), name=f"render-{job.id}")
            self._renders[task] = job
            task.add_done_callback(self._renders.pop)

    async def _until_woken(self, tasks: list[asyncio.Task], within: float | None = None) -> None:
        """Wait for a wake-up (a job queued here, or stop), one of `tasks` to end, or the
        timeout, whichever comes first."""
        waiter = asyncio.create_task(self._wake.wait())
        try:
            await asyncio.wait(
                [*tasks, waiter], timeout=within, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()

    # -- rendering ----------------------------------------------------------------------

    async def _render(self, job: Job) -> None:
        # This task's own context: every line names the job, and the video service sees
        # the job as the request id.
        request_id.set(f"job-{job.id}")
        job_id.set(job.id)
        log.info("rendering job %s (attempt %d, epoch %d)", job.id, job.attempts, job.epoch)
        render = asyncio.current_task()
        assert render is not None  # a job is rendered in a task of its own
        renewer = asyncio.create_task(self._keep_lease(job, render))
        reporter = asyncio.create_task(self._report_progress(job))
        try:
            answer = await self.video.render(
                job.payload, idempotency_key=job.idempotency_key, deadline=None
            )
        except UpstreamFailure as failure:
            await self._failed(job, failure)
        else:
            patch = result_patch(job, answer, self.clock)
            if await self._write(self.store.finish_job(job, patch, RESULT_PATHS, self._now_ms())):
                RENDER_JOBS.labels("succeeded").inc()
                log.info("job %s succeeded: %s", job.id, answer.url)
            else:
                RENDER_JOBS.labels("lost").inc()
                log.warning("job %s lost its claim: its result is dropped", job.id)
        finally:
            renewer.cancel()
            reporter.cancel()

    async def _keep_lease(self, job: Job, render: asyncio.Task) -> None:
        lease_ms = round(self.policy.lease_s * 1000)
        while True:
            await asyncio.sleep(self.policy.lease_s / 3)
            now = self._now_ms()
            try:
                held = await self.store.renew_lease(job, now + lease_ms, now)
            except StoreError as exc:
                log.warning("could not renew the lease of job %s: %s", job.id, exc)
                continue
            if not held:
                RENDER_JOBS.labels("lost").inc()
                log.warning("job %s is no longer ours (deleted, cancelled or taken over)", job.id)
                render.cancel()
                return

    async def _report_progress(self, job: Job) -> None:
        """While the render runs, read its progress from the video service every
        progress_s and show it on the job (so it flows through the change feed) when it
        moved: at most one write per interval."""
        shown: tuple[float, str] | None = None
        while True:
            await asyncio.sleep(self.policy.progress_s)
            answer = await self.video.progress(job.idempotency_key)
            if answer is None or (answer.progress, answer.stage) == shown:
                continue
            try:
                if not await self.store.report_progress(
                    job, answer.progress, answer.stage, self._now_ms()
                ):
                    return  # the claim is gone; the lease keeper cancels the render
            except StoreError as exc:
                log.warning("could not show the progress of job %s: %s", job.id, exc)
                continue
            shown = (answer.progress, answer.stage)

    async def _failed(self, job: Job, failure: UpstreamFailure) -> None:
        now = self._now_ms()
        reason = failure.message
        if failure.transient and job.attempts < self.policy.max_attempts:
            backoff = min(
                self.policy.retry_max_s, self.policy.retry_base_s * 2 ** (job.attempts - 1)
            ) * random.uniform(0.8, 1.2)
            due = now + round(backoff * 1000)
            if await self._write(self.store.requeue_job(job, due, reason, now)):
                RENDER_JOBS.labels("requeued").inc()
                log.warning("job %s failed (%s); retrying in %.1f s", job.id, reason, backoff)
            return
        if job.attempts >= self.policy.max_attempts and failure.transient:
            reason = f"gave up after {job.attempts} attempts: {reason}"
        if await self._write(self.store.fail_job(job, reason, now)):
            RENDER_JOBS.labels("failed").inc()
            log.warning("job %s failed: %s", job.id, reason)

    async def _write(self, write: Awaitable[bool]) -> bool:
        """A claim's write; a store failure leaves the claim to expire and be retried."""
        try:
            return await write
        except StoreError as exc:
            log.warning("could not record a job's outcome: %s", exc)
            return False
