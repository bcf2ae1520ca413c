"""A render's progress on its job, over every adapter: shown while its claim renders,
gone once the job ends or is claimed again; a stale claim shows nothing; each report
gives the project a new revision."""

from ai_studio.v1.project_pb2 import VideoSettings

from orchestrator.store.base import Store
from tests.fakes.projects import project

NOW = 1_764_410_400_000
LEASE = 30_000


async def rendering(store: Store):
    created = await store.create(project("Rendered"))
    await store.queue_job(created.id, VideoSettings(fps=30), {}, NOW)
    claim = await store.claim_job("a", NOW, LEASE)
    assert claim is not None
    return claim


async def test_progress_shows_on_the_job_while_it_renders(store: Store) -> None:
    claim = await rendering(store)
    before = await store.get(claim.id)

    assert await store.report_progress(claim, 0.25, "encoding", NOW + 1)
    after = await store.get(claim.id)
    assert (after.video_job.progress, after.video_job.stage) == (0.25, "encoding")
    assert after.revision > before.revision
    assert await store.renew_lease(claim, NOW + 2 * LEASE, NOW + 2)
    renewed = await store.get(claim.id)
    assert (renewed.video_job.progress, renewed.video_job.stage) == (0.25, "encoding")

    assert await store.finish_job(claim, renewed, [], NOW + 3)
    done = await store.get(claim.id)
    assert (done.video_job.progress, done.video_job.stage) == (0.0, "")


async def test_a_stale_claim_shows_no_progress(store: Store) -> None:
    claim = await rendering(store)
    await store.release_job(claim, NOW + 1)
    again = await store.claim_job("b", NOW + 1, LEASE)

    assert not await store.report_progress(claim, 0.5, "encoding", NOW + 2)
    assert again is not None
    view = (await store.get(claim.id)).video_job
    assert (view.progress, view.stage) == (0.0, "")
