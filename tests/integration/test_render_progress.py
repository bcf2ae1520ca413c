"""A render's progress flows to the frontend: the runner reads it from the video service
(a FakeService answering GET /renders/{Idempotency-Key} as the test sets it) while the
render runs, shows it on the job, and the project's event stream carries it."""

from typing import Any

import pytest

from orchestrator.server import Orchestrator
from tests.integration.helpers import Api, Fakes, idempotency_key
from tests.integration.test_rest_events import open_events

RENDERABLE: dict[str, Any] = {
    "title": "Render me",
    "status": "images_ready",
    "audio_path": "https://cdn.example/audio.mp3",
    "images": [{"prompt": "A hive", "url": "https://cdn.example/1.png"}],
}


@pytest.fixture
def stack_settings() -> dict[str, Any]:
    return {"video_progress_s": 0.02, "video_timeout_s": 30.0, "video_lease_s": 3.0}


@pytest.fixture
def orchestrator(stack: Orchestrator) -> Orchestrator:
    return stack


async def test_progress_events_during_a_render(api: Api, fakes: Fakes) -> None:
    project = await api.create(**RENDERABLE)
    events = await open_events(api.client, project["id"])
    await events.next()
    fakes.video.delay = 3600  # the render runs until the stack stops

    resp = await api.client.post(f"/projects/{project['id']}/generate-video")
    assert resp.status == 202
    key = idempotency_key(project["id"], (await resp.json())["video_job"])
    fakes.video.progress[key] = {"progress": 0.25, "stage": "encoding"}

    shown = []
    while not shown or shown[-1] != (0.25, "encoding"):
        job = (await events.next())["data"]["video_job"]
        shown.append((job["progress"], job["stage"]))
    fakes.video.progress[key] = {"progress": 0.75, "stage": "encoding"}
    while shown[-1] != (0.75, "encoding"):
        job = (await events.next())["data"]["video_job"]
        shown.append((job["progress"], job["stage"]))
    assert job["state"] == "rendering"
    assert all(0 <= progress <= 1 for progress, _ in shown)
    assert (await api.get(project["id"]))["video_job"]["progress"] == 0.75
