"""The video job contract (store/jobs.py): every adapter must pass the same tests.

Time is a fake clock: every call is given an explicit `now_ms`, never the wall clock.
The last section holds the MongoDB-only checks: the documents, the indexes, and the
recovery of a finish that stopped half-way (mongo/jobs.py's redo record).
"""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, VideoJob, VideoSettings
from google.protobuf.timestamp_pb2 import Timestamp
from pymongo import errors

from orchestrator.store.base import ProjectQuery, StoreUnavailable
from orchestrator.store.jobs import (
    CANCELLED,
    FAILED,
    QUEUED,
    RENDERING,
    SUCCEEDED,
    Job,
    JobActive,
)
from orchestrator.store.mongo import codec
from orchestrator.store.mongo import jobs as mongo_jobs
from orchestrator.store.mongo.projects import COLLECTION
from tests.contract.conftest import Backend
from tests.fakes.projects import REQUESTED, UNKNOWN_IDS, full_project, project, with_id

NOW = 1_764_410_400_000  # the fake clock's start: 2025-11-29T10:00:00Z, in ms
LEASE = 30_000
PAYLOAD = {
    "title": "Été — ÉCOLE",
    "scenes": [{"prompt": "a lighthouse", "url": "https://cdn.example/1.png"}],
    "audio": "https://cdn.example/a.mp3",
    "fps": 60,
    "speed": 1.25,
    "loop": False,
    "note": None,
}

# What a finished render writes on the project.
VIDEO_PATHS = ["video_url", "thumbnail", "duration", "status", "update_time"]


# -- builders ------------------------------------------------------------------------------


def ts(ms: int) -> Timestamp:
    timestamp = Timestamp()
    timestamp.FromMilliseconds(ms)
    return timestamp


def video(now_ms: int, **fields: Any) -> Project:
    """The patch a finished render applies; also sets a field no finish names."""
    values = dict(
        video_url=f"https://cdn.example/video/{now_ms}.mp4",
        thumbnail=f"https://cdn.example/video/{now_ms}.jpg",
        duration=42.5,
        status=pb.PROJECT_STATUS_VIDEO_READY,
        update_time=ts(now_ms),
        title="must not be copied",
    )
    values.update(fields)
    return Project(**values)


def patched(before: Project, patch: Project, paths: list[str]) -> Project:
    """`before` with the named fields copied from `patch` (unset ones cleared)."""
    after = Project()
    after.CopyFrom(before)
    for path in paths:
        field = Project.DESCRIPTOR.fields_by_name[path]
        after.ClearField(path)
        if field.is_repeated:
            getattr(after, path).extend(getattr(patch, path))
        elif field.has_presence and not patch.HasField(path):
            pass  # unset on the patch: left cleared
        elif field.message_type is not None:
            getattr(after, path).CopyFrom(getattr(patch, path))
        else:
            setattr(after, path, getattr(patch, path))
    return after


def without_job(project: Project) -> Project:
    """The project's own fields: without its job, nor the revision every job write bumps."""
    project.ClearField("video_job")
    project.ClearField("revision")
    return project


def rich_project() -> Project:
    """Every field set, but no video_job in the document: the job shows its own."""
    return without_job(full_project())


async def new_project(store, title: str = "A project", **fields: Any) -> str:
    return (await store.create(project(title, **fields))).id


async def queued(store, now_ms: int = NOW, **fields: Any) -> Job:
    """A new project with a job queued at `now_ms`."""
    job = await store.queue_job(await new_project(store, **fields), REQUESTED, PAYLOAD, now_ms)
    assert job is not None
    return job


async def claimed(store, owner: str = "a", now_ms: int = NOW) -> Job:
    """A new project whose job `owner` claimed at `now_ms`."""
    job = await queued(store, now_ms)
    claim = await store.claim_job(owner, now_ms, LEASE)
    assert claim is not None and claim.id == job.id
    return claim


def expected_claim(job: Job, owner: str, now_ms: int) -> Job:
    return replace(
        job,
        state=RENDERING,
        owner=owner,
        epoch=job.epoch + 1,
        attempts=job.attempts + 1,
        lease_until_ms=now_ms + LEASE,
        update_ms=now_ms,
    )


async def snapshot(store, project_id: str) -> tuple[Job | None, Project | None]:
    return await store.get_job(project_id), await store.get(project_id)


async def later(steps: int, action: Awaitable):
    """`action`, after letting the other tasks run `steps` times."""
    for _ in range(steps):
        await asyncio.sleep(0)
    return await action


# The writes a runner makes with its claim; each returns whether the claim still held.
RunnerWrite = Callable[[Any, Job, int], Awaitable[bool]]
RUNNER_WRITES: dict[str, RunnerWrite] = {
    "renew": lambda store, job, now: store.renew_lease(job, now + LEASE, now),
    "requeue": lambda store, job, now: store.requeue_job(job, now + 5_000, "busy", now),
    "release": lambda store, job, now: store.release_job(job, now),
    "fail": lambda store, job, now: store.fail_job(job, "the renderer crashed", now),
    "finish": lambda store, job, now: store.finish_job(job, video(now), VIDEO_PATHS, now),
}

# The ways a rendering job ends, and the state each leaves.
ENDINGS: dict[str, tuple[RunnerWrite, int]] = {
    "finished": (RUNNER_WRITES["finish"], SUCCEEDED),
    "failed": (RUNNER_WRITES["fail"], FAILED),
    "cancelled": (lambda store, job, now: store.cancel_job(job.id, now), CANCELLED),
}


# -- queue -----------------------------------------------------------------------------------


async def test_queue_returns_a_queued_job(store) -> None:
    project_id = await new_project(store)

    job = await store.queue_job(project_id, REQUESTED, PAYLOAD, NOW)

    assert job == Job(
        id=project_id,
        state=QUEUED,
        attempts=0,
        error=None,
        requested=REQUESTED,
        payload=PAYLOAD,
        owner=None,
        epoch=0,
        lease_until_ms=None,
        due_ms=NOW,
        create_ms=NOW,
        update_ms=NOW,
    )
    assert await store.get_job(project_id) == job
    assert job.idempotency_key == f"{project_id}:{NOW}"


@pytest.mark.parametrize("project_id", UNKNOWN_IDS)
async def test_queue_for_an_unknown_project_queues_nothing(store, project_id: str) -> None:
    await new_project(store)

    assert await store.queue_job(project_id, REQUESTED, PAYLOAD, NOW) is None
    assert await store.get_job(project_id) is None
    assert await store.count_jobs([QUEUED]) == 0


@pytest.mark.parametrize("claim", [False, True], ids=["queued", "rendering"])
async def test_queue_while_active_raises_naming_the_job(store, claim: bool) -> None:
    job = await claimed(store) if claim else await queued(store)

    with pytest.raises(JobActive) as raised:
        await store.queue_job(job.id, VideoSettings(fps=24), {"other": True}, NOW + 1)

    assert raised.value.job == job
    assert await store.get_job(job.id) == job


@pytest.mark.parametrize("ending", ENDINGS)
async def test_queue_after_an_ended_job_replaces_it(store, ending: str) -> None:
    end, state = ENDINGS[ending]
    claim = await claimed(store)
    await store.requeue_job(claim, NOW + 1, "a transient error", NOW + 1)
    claim = await store.claim_job("a", NOW + 2, LEASE)  # epoch 2, attempts 2
    assert await end(store, claim, NOW + 3)
    assert (await store.get_job(claim.id)).state == state
    requested = VideoSettings(resolution=pb.RESOLUTION_720P, fps=24)

    job = await store.queue_job(claim.id, requested, {"second": 2}, NOW + 10)

    assert job == Job(
        id=claim.id,
        state=QUEUED,
        attempts=0,
        error=None,
        requested=requested,
        payload={"second": 2},
        owner=None,
        epoch=2,  # carried on, so that it only rises
        lease_until_ms=None,
        due_ms=NOW + 10,
        create_ms=NOW + 10,
        update_ms=NOW + 10,
    )
    assert await store.get_job(claim.id) == job
    assert (await store.claim_job("b", NOW + 10, LEASE)).epoch == 3


async def test_queue_after_a_job_cancelled_while_queued(store) -> None:
    job = await queued(store)
    await store.cancel_job(job.id, NOW + 1)

    again = await store.queue_job(job.id, REQUESTED, PAYLOAD, NOW + 2)

    assert (again.state, again.epoch, again.create_ms) == (QUEUED, 0, NOW + 2)


@pytest.mark.parametrize("before", ["none", "failed"])
async def test_concurrent_queues_make_exactly_one_job(store, before: str) -> None:
    project_id = await new_project(store)
    if before == "failed":
        await store.queue_job(project_id, REQUESTED, PAYLOAD, NOW)
        claim = await store.claim_job("a", NOW, LEASE)
        await store.fail_job(claim, "broke", NOW)

    outcomes = await asyncio.gather(
        *(store.queue_job(project_id, REQUESTED, {"call": i}, NOW + 5) for i in range(50)),
        return_exceptions=True,
    )

    winners = [o for o in outcomes if isinstance(o, Job)]
    losers = [o for o in outcomes if isinstance(o, JobActive)]
    assert (len(winners), len(losers)) == (1, 49), outcomes
    (winner,) = winners
    assert all(loser.job == winner for loser in losers)
    assert await store.get_job(project_id) == winner
    assert (winner.state, winner.epoch) == (QUEUED, 1 if before == "failed" else 0)
    assert await store.count_jobs([QUEUED, RENDERING]) == 1


@pytest.mark.parametrize("steps", range(6))
async def test_a_queue_racing_a_delete_leaves_no_job(store, steps: int) -> None:
    project_id = await new_project(store)

    queued_job, deleted = await asyncio.gather(
        store.queue_job(project_id, REQUESTED, PAYLOAD, NOW), later(steps, store.delete(project_id))
    )

    assert deleted is True
    assert queued_job is None or queued_job.id == project_id
    assert await snapshot(store, project_id) == (None, None)
    assert await store.count_jobs([QUEUED, RENDERING]) == 0
    assert await store.claim_job("a", NOW, LEASE) is None


# -- claim -----------------------------------------------------------------------------------


async def test_claim_takes_the_job_due_first(store) -> None:
    # Created in one order, due in another.
    jobs = [await queued(store, NOW + due) for due in (30, 10, 20)]

    first = await store.claim_job("a", NOW + 100, LEASE)

    assert first == expected_claim(jobs[1], "a", NOW + 100)
    assert await store.get_job(first.id) == first
    assert first.idempotency_key == jobs[1].idempotency_key, "a claim renders the job queued"
    rest = [await store.claim_job("b", NOW + 100, LEASE) for _ in range(2)]
    assert rest == [expected_claim(jobs[i], "b", NOW + 100) for i in (2, 0)]
    assert await store.claim_job("c", NOW + 100, LEASE) is None


async def test_claim_takes_no_job_before_it_is_due(store) -> None:
    job = await queued(store, NOW + 50)

    assert await store.claim_job("a", NOW + 49, LEASE) is None
    assert await store.get_job(job.id) == job
    assert (await store.claim_job("a", NOW + 50, LEASE)).id == job.id


async def test_claim_of_an_empty_store_finds_nothing(store) -> None:
    await new_project(store)

    assert await store.claim_job("a", NOW, LEASE) is None


@pytest.mark.parametrize("ending", ENDINGS)
async def test_an_ended_job_is_never_claimed(store, ending: str) -> None:
    end, _ = ENDINGS[ending]
    claim = await claimed(store)
    await end(store, claim, NOW + 1)

    assert await store.claim_job("b", NOW + 10 * LEASE, LEASE) is None


async def test_a_requeued_job_is_claimable_at_its_due_time(store) -> None:
    claim = await claimed(store)

    assert await store.requeue_job(claim, NOW + 5_000, "the renderer was busy", NOW + 100)

    requeued = await store.get_job(claim.id)
    assert requeued == replace(
        claim,
        state=QUEUED,
        owner=None,
        lease_until_ms=None,
        due_ms=NOW + 5_000,
        error="the renderer was busy",
        update_ms=NOW + 100,
    )
    assert await store.claim_job("b", NOW + 4_999, LEASE) is None
    again = await store.claim_job("b", NOW + 5_000, LEASE)
    assert again == expected_claim(requeued, "b", NOW + 5_000)
    assert (again.epoch, again.attempts, again.error) == (2, 2, "the renderer was busy")


async def test_racing_runners_never_share_a_job(backend: Backend, store) -> None:
    other = await backend.open()  # another process, on the same data
    ids = {(await queued(store, NOW + i)).id for i in range(12)}

    claims = await asyncio.gather(
        *(
            runner.claim_job(owner, NOW + 100, LEASE)
            for _ in range(len(ids))
            for runner, owner in ((store, "a"), (other, "b"))
        )
    )

    won = [c for c in claims if c is not None]
    assert sorted(c.id for c in won) == sorted(ids)  # each job exactly once
    assert all((c.epoch, c.attempts) == (1, 1) for c in won)
    for claim in won:
        assert await store.get_job(claim.id) == claim
    assert await store.count_jobs([RENDERING]) == len(ids)


async def test_a_live_lease_is_not_claimable(store) -> None:
    claim = await claimed(store)

    assert await store.claim_job("b", NOW + LEASE - 1, LEASE) is None
    assert await store.get_job(claim.id) == claim


async def test_an_expired_lease_is_claimable_by_another_owner(store) -> None:
    claim = await claimed(store)

    taken = await store.claim_job("b", NOW + LEASE, LEASE)

    assert taken == expected_claim(claim, "b", NOW + LEASE)
    assert (taken.epoch, taken.attempts) == (2, 2)
    assert taken.taken_over and not claim.taken_over


# How a claim stops holding: another owner, or its own (a process that stalled past its
# lease), claimed the job again; it was cancelled; its owner already ended it; its project
# was deleted.
async def _taken(store, claim: Job) -> None:
    assert await store.claim_job("b", NOW + LEASE, LEASE) is not None


async def _retaken(store, claim: Job) -> None:
    assert (await store.claim_job(claim.owner, NOW + LEASE, LEASE)).owner == claim.owner


async def _cancelled(store, claim: Job) -> None:
    assert (await store.cancel_job(claim.id, NOW + 1)).state == CANCELLED


async def _requeued(store, claim: Job) -> None:
    assert await store.requeue_job(claim, NOW + 1, "busy", NOW + 1)


async def _deleted(store, claim: Job) -> None:
    assert await store.delete(claim.id)


STALENESS = {
    "taken": _taken,
    "retaken": _retaken,
    "cancelled": _cancelled,
    "ended": _requeued,
    "deleted": _deleted,
}


@pytest.mark.parametrize("write", RUNNER_WRITES)
@pytest.mark.parametrize("stale", STALENESS)
async def test_a_stale_claim_writes_nothing(store, stale: str, write: str) -> None:
    claim = await claimed(store)
    await STALENESS[stale](store, claim)
    before = await snapshot(store, claim.id)

    assert await RUNNER_WRITES[write](store, claim, NOW + LEASE + 1) is False

    assert await snapshot(store, claim.id) == before


FORGERIES = {
    "another owner": lambda claim: replace(claim, owner="intruder"),
    "an earlier epoch": lambda claim: replace(claim, epoch=claim.epoch - 1),
    "a later epoch": lambda claim: replace(claim, epoch=claim.epoch + 1),
}


@pytest.mark.parametrize("write", RUNNER_WRITES)
@pytest.mark.parametrize("forgery", FORGERIES)
async def test_a_write_must_name_the_live_claim(store, forgery: str, write: str) -> None:
    claim = await claimed(store)
    before = await snapshot(store, claim.id)

    assert await RUNNER_WRITES[write](store, FORGERIES[forgery](claim), NOW + 1) is False

    assert await snapshot(store, claim.id) == before
    assert await RUNNER_WRITES[write](store, claim, NOW + 2) is True


@pytest.mark.parametrize("write", RUNNER_WRITES)
async def test_the_new_owner_can_still_write_after_a_stale_one_tried(store, write) -> None:
    claim = await claimed(store)
    taken = await store.claim_job("b", NOW + LEASE, LEASE)
    await RUNNER_WRITES[write](store, claim, NOW + LEASE + 1)

    assert await RUNNER_WRITES[write](store, taken, NOW + LEASE + 2) is True


async def test_epochs_only_rise(store) -> None:
    claim = await claimed(store)
    epochs = []

    async def then(action: Awaitable) -> Any:
        outcome = await action
        epochs.append((await store.get_job(claim.id)).epoch)
        return outcome

    await then(store.requeue_job(claim, NOW + 10, "busy", NOW + 1))
    claim = await then(store.claim_job("a", NOW + 10, LEASE))
    await then(store.finish_job(claim, video(NOW + 11), VIDEO_PATHS, NOW + 11))
    await then(store.queue_job(claim.id, REQUESTED, PAYLOAD, NOW + 20))
    await then(store.claim_job("a", NOW + 20, LEASE))
    claim = await then(store.claim_job("b", NOW + 20 + LEASE, LEASE))  # the lease expired
    await then(store.cancel_job(claim.id, NOW + 21 + LEASE))
    await then(store.queue_job(claim.id, REQUESTED, PAYLOAD, NOW + 22 + LEASE))
    await then(store.claim_job("a", NOW + 22 + LEASE, LEASE))

    assert epochs == [1, 2, 2, 2, 3, 4, 4, 4, 5]


# -- a runner's writes -----------------------------------------------------------------------


async def test_renew_extends_the_lease(store) -> None:
    claim = await claimed(store)

    assert await store.renew_lease(claim, NOW + 3 * LEASE, NOW + LEASE // 2)

    assert await store.get_job(claim.id) == replace(
        claim, lease_until_ms=NOW + 3 * LEASE, update_ms=NOW + LEASE // 2
    )
    assert await store.claim_job("b", NOW + 3 * LEASE - 1, LEASE) is None
    assert (await store.claim_job("b", NOW + 3 * LEASE, LEASE)).owner == "b"


async def test_release_gives_the_attempt_back_and_is_due_at_once(store) -> None:
    claim = await claimed(store)

    assert await store.release_job(claim, NOW + 100)

    released = await store.get_job(claim.id)
    assert released == replace(
        claim,
        state=QUEUED,
        attempts=0,
        owner=None,
        lease_until_ms=None,
        due_ms=NOW + 100,
        update_ms=NOW + 100,
    )
    again = await store.claim_job("b", NOW + 100, LEASE)
    assert (again.attempts, again.epoch) == (1, 2)


async def test_fail_stores_the_error_and_keeps_the_project(store) -> None:
    claim = await claimed(store)
    project_before = without_job(await store.get(claim.id))

    assert await store.fail_job(claim, "the renderer crashed", NOW + 100)

    assert await store.get_job(claim.id) == replace(
        claim,
        state=FAILED,
        error="the renderer crashed",
        owner=None,
        lease_until_ms=None,
        update_ms=NOW + 100,
    )
    assert without_job(await store.get(claim.id)) == project_before


@pytest.mark.parametrize(
    ("patch", "paths"),
    [
        (video(NOW + 100), VIDEO_PATHS),
        (video(NOW + 100), ["video_url", "status"]),
        # Unset on the patch: cleared on the project.
        (Project(update_time=ts(NOW + 100)), ["video_url", "thumbnail", "update_time"]),
        (video(NOW + 100), []),
    ],
    ids=["video", "some", "clearing", "nothing"],
)
async def test_finish_applies_exactly_the_patched_paths(store, patch, paths) -> None:
    project_id = (await store.create(rich_project())).id
    await store.queue_job(project_id, REQUESTED, PAYLOAD, NOW)
    claim = await store.claim_job("a", NOW, LEASE)
    await store.requeue_job(claim, NOW, "a transient error", NOW)  # an error to clear
    claim = await store.claim_job("a", NOW, LEASE)

    assert await store.finish_job(claim, patch, paths, NOW + 100)

    job = await store.get_job(project_id)
    assert job == replace(
        claim, state=SUCCEEDED, error=None, owner=None, lease_until_ms=None, update_ms=NOW + 100
    )
    stored = await store.get(project_id)
    expected = patched(with_id(rich_project(), project_id, stored.revision), patch, paths)
    expected.video_job.CopyFrom(job.view())
    assert stored == expected
    assert (await store.list(ProjectQuery()))[0] == [expected]


@pytest.mark.parametrize("paths", [["id"], ["video_job"], ["nope"], ["video_job.state"]])
async def test_finish_refuses_paths_it_cannot_merge(store, paths) -> None:
    claim = await claimed(store)
    before = await snapshot(store, claim.id)

    with pytest.raises(ValueError):
        await store.finish_job(claim, video(NOW), paths, NOW + 1)

    assert await snapshot(store, claim.id) == before


async def test_finish_after_the_project_was_deleted(store) -> None:
    claim = await claimed(store)
    assert await store.delete(claim.id)

    assert await store.finish_job(claim, video(NOW + 1), VIDEO_PATHS, NOW + 1) is False
    assert await snapshot(store, claim.id) == (None, None)


@pytest.mark.parametrize("steps", range(6))
async def test_a_finish_racing_a_delete_leaves_nothing(store, steps: int) -> None:
    claim = await claimed(store)

    await asyncio.gather(
        store.finish_job(claim, video(NOW + 1), VIDEO_PATHS, NOW + 1),
        later(steps, store.delete(claim.id)),
    )

    assert await snapshot(store, claim.id) == (None, None)
    assert await store.count_jobs([SUCCEEDED]) == 0


async def test_delete_of_a_project_removes_its_job(store) -> None:
    claim = await claimed(store)
    kept = await queued(store)

    assert await store.delete(claim.id)

    assert await store.get_job(claim.id) is None
    assert await store.get_job(kept.id) == kept
    assert await store.count_jobs([RENDERING]) == 0
    assert await store.claim_job("b", NOW + LEASE, LEASE) == expected_claim(kept, "b", NOW + LEASE)


# -- cancel ----------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", [False, True], ids=["queued", "rendering"])
async def test_cancel_ends_an_active_job(store, claim: bool) -> None:
    job = await claimed(store) if claim else await queued(store)

    cancelled = await store.cancel_job(job.id, NOW + 7)

    assert cancelled == replace(
        job, state=CANCELLED, owner=None, lease_until_ms=None, update_ms=NOW + 7
    )
    assert await store.get_job(job.id) == cancelled
    assert await store.claim_job("b", NOW + 10 * LEASE, LEASE) is None


@pytest.mark.parametrize("ending", ENDINGS)
async def test_cancel_leaves_an_ended_job_alone(store, ending: str) -> None:
    end, state = ENDINGS[ending]
    claim = await claimed(store)
    await end(store, claim, NOW + 1)
    before = await snapshot(store, claim.id)

    assert await store.cancel_job(claim.id, NOW + 2) == before[0]
    assert before[0].state == state
    assert await snapshot(store, claim.id) == before


@pytest.mark.parametrize("project_id", [None, *UNKNOWN_IDS[:3]])
async def test_cancel_without_a_job_finds_nothing(store, project_id) -> None:
    project_id = project_id if project_id is not None else await new_project(store)

    assert await store.cancel_job(project_id, NOW) is None
    assert await store.get_job(project_id) is None


# -- counting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([QUEUED], 2),
        ([RENDERING], 1),
        ([QUEUED, RENDERING], 3),
        ([SUCCEEDED], 1),
        ([FAILED, CANCELLED], 2),
        ([QUEUED, RENDERING, SUCCEEDED, FAILED, CANCELLED], 6),
        ([], 0),
    ],
)
async def test_count_jobs_by_state(store, states, expected) -> None:
    for end, _ in ENDINGS.values():
        claim = await claimed(store)
        await end(store, claim, NOW + 1)
    await claimed(store)
    await queued(store, NOW + 50)
    await queued(store, NOW + 60)
    await new_project(store, "no job")

    assert await store.count_jobs(states) == expected


# -- project reads show the job ------------------------------------------------------------


def shown(project: Project) -> VideoJob | None:
    """The job a project read shows, None when it shows none."""
    return project.video_job if project.HasField("video_job") else None


def view(state: int, attempts: int, created_ms: int, updated_ms: int, **fields) -> VideoJob:
    return VideoJob(
        state=state,
        attempts=attempts,
        requested=REQUESTED,
        create_time=ts(created_ms),
        update_time=ts(updated_ms),
        **fields,
    )


async def test_project_reads_show_the_job_view(store) -> None:
    bare = await new_project(store, "no job", created_ms=0)
    waiting = await new_project(store, "queued", created_ms=1)
    broken = await new_project(store, "failed", created_ms=2)
    await store.queue_job(broken, REQUESTED, PAYLOAD, NOW)
    await store.queue_job(waiting, REQUESTED, PAYLOAD, NOW + 1)
    claim = await store.claim_job("a", NOW + 5, LEASE)
    await store.fail_job(claim, "the renderer crashed", NOW + 9)
    assert claim.id == broken  # due first
    views = {
        bare: None,
        waiting: view(QUEUED, 0, NOW + 1, NOW + 1),
        broken: view(FAILED, 1, NOW, NOW + 9, error="the renderer crashed"),
    }

    for project_id, expected in views.items():
        assert shown(await store.get(project_id)) == expected
    page, total = await store.list(ProjectQuery())
    assert total == 3 and [(p.id, shown(p)) for p in page] == list(views.items())
    page, _ = await store.list(ProjectQuery(sort=(("create_time", True),), offset=1, limit=1))
    assert [(p.id, shown(p)) for p in page] == [(waiting, views[waiting])]
    page, _ = await store.list(ProjectQuery(statuses=[pb.PROJECT_STATUS_DRAFT], limit=0))
    assert page == []


async def test_a_job_view_follows_each_transition(store) -> None:
    claim = await claimed(store)
    assert (await store.get(claim.id)).video_job == view(RENDERING, 1, NOW, NOW)

    await store.requeue_job(claim, NOW + 10, "busy", NOW + 3)
    assert (await store.get(claim.id)).video_job == view(QUEUED, 1, NOW, NOW + 3, error="busy")

    claim = await store.claim_job("a", NOW + 10, LEASE)
    await store.finish_job(claim, video(NOW + 20), VIDEO_PATHS, NOW + 20)
    got = await store.get(claim.id)
    assert got.video_job == view(SUCCEEDED, 2, NOW, NOW + 20)
    assert got.video_url == video(NOW + 20).video_url


async def test_a_job_view_replaces_a_stored_video_job(store) -> None:
    project_id = (await store.create(full_project())).id  # whose document has a video_job
    job = await store.queue_job(project_id, REQUESTED, PAYLOAD, NOW)

    assert (await store.get(project_id)).video_job == job.view()
    assert (await store.list(ProjectQuery()))[0][0].video_job == job.view()


async def test_updates_return_the_project_with_its_job(store) -> None:
    job = await queued(store, images=[pb.Scene(prompt="one")])

    updated = await store.update(job.id, Project(title="Renamed"), ["title"])
    rescened = await store.update_scene(job.id, 0, pb.Scene(prompt="two"), ts(NOW))

    assert updated.video_job == job.view()
    assert rescened.video_job == job.view()
    assert rescened == await store.get(job.id)


async def test_a_new_store_object_sees_the_jobs(backend: Backend, store) -> None:
    claim = await claimed(store)

    reopened = await backend.open()

    assert await reopened.get_job(claim.id) == claim
    assert await reopened.renew_lease(claim, NOW + 2 * LEASE, NOW + 1)


# -- MongoDB only ----------------------------------------------------------------------------


@pytest.fixture
async def mongo_store(backend: Backend, store):
    if backend.name == "sqlite":
        pytest.skip("the MongoDB adapter's own documents and recovery")
    return store


def utc(ms: int) -> datetime:
    # mongomock hands back naive UTC datetimes; a real server, through from_url, aware ones.
    return codec.to_datetime(ms).replace(tzinfo=None)


def naive(document: dict) -> dict:
    """The document with its datetimes naive UTC, whichever client read it."""

    def strip(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        return value

    return strip(document)


async def raw_job(store, project_id: str) -> dict | None:
    document = await store.database[mongo_jobs.JOBS_COLLECTION].find_one({"_id": project_id})
    return None if document is None else naive(document)


async def raw_project(store, project_id: str) -> dict:
    return naive(await store.database[COLLECTION].find_one({"_id": project_id}))


async def test_mongo_job_document_is_readable_by_an_operator(mongo_store) -> None:
    claim = await claimed(mongo_store)

    assert await raw_job(mongo_store, claim.id) == {
        "_id": claim.id,
        "state": "rendering",
        "attempts": 1,
        "error": None,
        "requested": {
            "resolution": "2160p",
            "fps": 60,
            "template": "ken_burns",
            "background_music": "cinematic",
            "aspect_ratio": "9:16",
            "subtitles": True,
        },
        "payload": PAYLOAD,
        "owner": "a",
        "epoch": 1,
        "lease_until_ms": NOW + LEASE,
        "due_ms": NOW,
        "create_time": utc(NOW),
        "update_time": utc(NOW),
        "result": None,
        "applied": None,
    }


async def test_mongo_finish_keeps_its_result_on_the_job(mongo_store) -> None:
    claim = await claimed(mongo_store)

    await mongo_store.finish_job(claim, video(NOW + 1), ["video_url", "status"], NOW + 1)

    document = await raw_job(mongo_store, claim.id)
    assert (document["state"], document["applied"]) == ("succeeded", True)
    assert document["result"] == {
        "video_url": f"https://cdn.example/video/{NOW + 1}.mp4",
        "status": "video_ready",
    }
    assert (await raw_project(mongo_store, claim.id))[mongo_jobs.APPLIED_EPOCH] == 1


async def test_mongo_setup_creates_the_job_indexes(mongo_store) -> None:
    collection = mongo_store.database[mongo_jobs.JOBS_COLLECTION]
    indexes = await collection.index_information()

    assert {name: list(spec["key"]) for name, spec in indexes.items() if name != "_id_"} == {
        "state_due_ms": [("state", 1), ("due_ms", 1)],
        "state_lease_until_ms": [("state", 1), ("lease_until_ms", 1)],
    }


class Intercepting:
    """A collection whose `method` runs as `around(call)`, `call` being the real one: to
    crash it, or to let another process act right before or after it."""

    def __init__(self, inner, method: str, around) -> None:
        self._inner, self._method, self._around = inner, method, around

    def __getattr__(self, name: str):
        real = getattr(self._inner, name)
        if name != self._method:
            return real

        async def intercepted(*args, **kwargs):
            return await self._around(lambda: real(*args, **kwargs))

        return intercepted


# Where each part of a MongoDB store holds each collection.
HOLDERS = {
    "projects": (("projects", "collection"), ("jobs", "projects")),
    "video_jobs": (("projects", "jobs"), ("jobs", "collection")),
}


@contextmanager
def intercepted(store, collection: str, method: str, around):
    """`store`'s `collection` ("projects" or "video_jobs") intercepting `method`."""
    holders = [(getattr(store, part), name) for part, name in HOLDERS[collection]]
    healthy = getattr(*holders[0])
    for holder, name in holders:
        setattr(holder, name, Intercepting(healthy, method, around))
    try:
        yield
    finally:
        for holder, name in holders:
            setattr(holder, name, healthy)


async def crash(call) -> None:
    raise errors.AutoReconnect("the connection died")


async def finish_crashing(store, collection: str, method: str) -> Job:
    """A claim finished by a finisher that died at `collection`.`method`."""
    claim = await claimed(store)
    with intercepted(store, collection, method, crash), pytest.raises(StoreUnavailable):
        await store.finish_job(claim, video(NOW + 1), VIDEO_PATHS, NOW + 1)
    return claim


RECOVERIES = {
    "claim": lambda store, project_id: store.claim_job("b", NOW + 2, LEASE),
    "queue": lambda store, project_id: store.queue_job(project_id, REQUESTED, {}, NOW + 2),
}


@pytest.mark.parametrize("recovery", RECOVERIES)
async def test_mongo_a_finish_that_died_before_the_patch_is_applied_later(
    backend: Backend, mongo_store, recovery: str
) -> None:
    claim = await finish_crashing(mongo_store, "projects", "update_one")
    project_before = await mongo_store.get(claim.id)
    assert project_before.video_job.state == SUCCEEDED  # the finish took effect...
    assert not project_before.HasField("video_url")  # ...but its video is not there yet
    document = await raw_job(mongo_store, claim.id)
    assert (document["state"], document["applied"]) == ("succeeded", False)

    another_process = await backend.open()
    await RECOVERIES[recovery](another_process, claim.id)

    got = await mongo_store.get(claim.id)
    assert (got.video_url, got.status) == (video(NOW + 1).video_url, pb.PROJECT_STATUS_VIDEO_READY)
    assert got.title == project_before.title  # only the patched paths
    document = await raw_job(mongo_store, claim.id)
    if recovery == "claim":
        assert (document["state"], document["applied"]) == ("succeeded", True)
    else:  # applied, then replaced by the new job
        assert (document["state"], document["epoch"], document["result"]) == ("queued", 1, None)


async def test_mongo_recovery_does_not_apply_a_result_twice(mongo_store) -> None:
    # The finisher patched the project but died before marking its job applied.
    claim = await finish_crashing(mongo_store, "video_jobs", "update_one")
    assert (await raw_job(mongo_store, claim.id))["applied"] is False
    assert (await mongo_store.get(claim.id)).video_url == video(NOW + 1).video_url
    # Someone edits the fields the result had set.
    edit = Project(status=pb.PROJECT_STATUS_DRAFT, update_time=ts(NOW + 5))
    await mongo_store.update(claim.id, edit, ["status", "update_time"])

    await mongo_store.claim_job("b", NOW + 10, LEASE)

    got = await mongo_store.get(claim.id)
    assert (got.status, got.update_time) == (pb.PROJECT_STATUS_DRAFT, ts(NOW + 5))
    assert (await raw_job(mongo_store, claim.id))["applied"] is True


async def test_mongo_recovery_drops_the_result_of_a_deleted_project(mongo_store) -> None:
    claim = await finish_crashing(mongo_store, "projects", "update_one")
    await mongo_store.database[COLLECTION].delete_one({"_id": claim.id})  # job left

    assert await mongo_store.claim_job("b", NOW + 2, LEASE) is None

    assert await raw_job(mongo_store, claim.id) is None


async def test_mongo_a_queue_never_lowers_the_epoch(backend: Backend, mongo_store) -> None:
    # A queue reads a failed job; before it writes, another process queues, renders and
    # fails the job again: the queue must not write over it with the epoch it read.
    claim = await claimed(mongo_store)
    await mongo_store.fail_job(claim, "broke", NOW + 1)
    other = await backend.open()
    reads = []

    async def a_whole_render_after(call):
        document = await call()
        reads.append(document["epoch"])
        if len(reads) == 1:
            await other.queue_job(claim.id, REQUESTED, PAYLOAD, NOW + 2)
            await other.fail_job(await other.claim_job("b", NOW + 2, LEASE), "broke", NOW + 3)
        return document

    with intercepted(mongo_store, "video_jobs", "find_one", a_whole_render_after):
        job = await mongo_store.queue_job(claim.id, REQUESTED, PAYLOAD, NOW + 4)

    # It read again after its write matched nothing (then the project's new revision
    # read the job's view).
    assert reads[:2] == [1, 2]
    assert (job.epoch, job.create_ms) == (2, NOW + 4)
    assert await mongo_store.get_job(claim.id) == job
    assert (await mongo_store.claim_job("a", NOW + 4, LEASE)).epoch == 3


async def test_mongo_a_queue_within_a_delete_leaves_no_job(backend: Backend, mongo_store):
    # The whole queue runs between the delete's two writes.
    project_id = await new_project(mongo_store)
    other = await backend.open()

    queued = []

    async def queue_then(call):
        if not queued:  # once: the delete's compare-and-set then tries again
            queued.append(await other.queue_job(project_id, REQUESTED, PAYLOAD, NOW))
        return await call()

    for collection in ("projects", "video_jobs"):
        with intercepted(mongo_store, collection, "delete_one", queue_then):
            await mongo_store.delete(project_id)
        assert await snapshot(mongo_store, project_id) == (None, None)
