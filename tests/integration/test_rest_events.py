"""GET /projects/{id}/events through the real edge and orchestrator: the project first,
one event per change with its revision as the id, Last-Event-ID resumes, a final
`deleted` event ends the stream, heartbeats, CORS, 404, the streams limit, shutdown."""

import asyncio
from typing import Any

import orjson
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from edge.app import create_app
from edge.config import EdgeSettings
from orchestrator.server import Orchestrator
from tests.integration.helpers import FRONTEND, Api, assert_error

# A bound on waiting for an event, so that a broken stream fails the test rather than
# hang it; not a measure of speed (that is make bench's).
PATIENCE_S = 10


class Events:
    """The events of one stream, read as they come."""

    def __init__(self, resp: ClientResponse) -> None:
        self.resp = resp

    async def block(self) -> bytes:
        return await asyncio.wait_for(self.resp.content.readuntil(b"\n\n"), PATIENCE_S)

    async def next(self) -> dict[str, Any]:
        """The next event (comments skipped): {id, event, data}."""
        while True:
            block = await self.block()
            assert block, "the stream ended"
            fields = dict(
                line.split(": ", 1)
                for line in block.decode().splitlines()
                if line and line[0] != ":"
            )
            if fields:
                return {**fields, "data": orjson.loads(fields["data"])}

    async def ended(self) -> bool:
        return await self.block() == b""


@pytest.fixture
def sse_settings() -> dict[str, Any]:
    return {}


@pytest.fixture
async def sse(
    orchestrator: Orchestrator, sse_settings: dict[str, Any], aiohttp_client
) -> TestClient:
    settings = EdgeSettings(
        orchestrator_address=f"127.0.0.1:{orchestrator.port}",
        frontend_url=FRONTEND,
        **sse_settings,
    )
    return await aiohttp_client(create_app(settings))


async def open_events(client: TestClient, project_id: str, **headers: str) -> Events:
    resp = await client.get(f"/projects/{project_id}/events", headers=headers)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"] == "text/event-stream"
    assert resp.headers["Cache-Control"] == "no-cache"
    return Events(resp)


async def test_the_project_then_one_event_per_change_then_its_deletion(sse: TestClient) -> None:
    api = Api(sse)
    project = await api.create(title="Live")
    events = await open_events(sse, project["id"])

    first = await events.next()
    assert first == {"id": str(project["revision"]), "event": "project", "data": project}
    for title in ("One", "Two"):
        resp = await sse.put(f"/projects/{project['id']}", json={"title": title})
        changed = await resp.json()
        assert await events.next() == {
            "id": str(changed["revision"]),
            "event": "project",
            "data": changed,
        }
    await sse.delete(f"/projects/{project['id']}")
    deleted = await events.next()
    assert deleted["event"] == "deleted" and deleted["data"] == {"id": project["id"]}
    assert int(deleted["id"]) > changed["revision"]
    assert await events.ended()


async def test_last_event_id_resumes_after_it(sse: TestClient) -> None:
    api = Api(sse)
    project = await api.create(title="Live")
    events = await open_events(sse, project["id"])
    seen = await events.next()
    events.resp.close()

    missed = []
    for title in ("Missed one", "Missed two"):
        resp = await sse.patch(f"/projects/{project['id']}", json={"title": title})
        missed.append(await resp.json())
    resumed = await open_events(sse, project["id"], **{"Last-Event-ID": seen["id"]})

    assert [(await resumed.next())["data"] for _ in missed] == missed


async def test_an_unknown_project_is_404(sse: TestClient) -> None:
    await assert_error(await sse.get("/projects/unknown/events"), 404, "PROJECT_NOT_FOUND")


@pytest.mark.parametrize("sse_settings", [{"sse_heartbeat_s": 0.05}])
async def test_an_idle_stream_gets_heartbeats(sse: TestClient) -> None:
    project = await Api(sse).create(title="Quiet")
    events = await open_events(sse, project["id"])
    await events.next()

    assert await events.block() == b": heartbeat\n\n"


async def test_cors_lets_the_frontend_read_the_stream(sse: TestClient) -> None:
    project = await Api(sse).create(title="Live")
    resp = await sse.get(f"/projects/{project['id']}/events", headers={"Origin": FRONTEND})
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == FRONTEND
    resp.close()


@pytest.mark.parametrize("sse_settings", [{"sse_max_streams": 2, "sse_retry_after_s": 7}])
async def test_past_the_limit_a_stream_is_refused_with_retry_after(sse: TestClient) -> None:
    project = await Api(sse).create(title="Popular")
    opened = [await open_events(sse, project["id"]) for _ in range(2)]

    refused = await sse.get(f"/projects/{project['id']}/events")
    await assert_error(refused, 503, "TOO_MANY_STREAMS")
    assert refused.headers["Retry-After"] == "7"

    opened[0].resp.close()
    for _ in range(100):  # the edge notices the closed stream at its next write or read
        await sse.patch(f"/projects/{project['id']}", json={"title": "Changed"})
        again = await sse.get(f"/projects/{project['id']}/events")
        if again.status == 200:
            break
        await asyncio.sleep(0.05)
    assert again.status == 200


async def test_shutdown_ends_the_streams_cleanly(sse: TestClient) -> None:
    project = await Api(sse).create(title="Live")
    events = await open_events(sse, project["id"])
    await events.next()

    await sse.app.shutdown()

    assert await events.ended()
