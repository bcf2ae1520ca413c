"""Lists served by the edge cache, over the real stack (the orchestrator on its embedded
store, the edge over real HTTP and gRPC): a list asked again, in any spelling, is
answered without reaching the orchestrator (its count of ListProjects RPCs does not
move; the edge's hit counter does), with the same headers and body, in both JSON Server
dialects, as an edge without the cache gives; a write through this edge is in the next
list even before the cache's stream brings it; a write made over gRPC by another client
is in the next list once the stream brings it; a refused query is refused every time;
and while the stream is quiet or down, lists go to the orchestrator (and fail with it),
never stale."""

import asyncio
import re
from pathlib import Path
from typing import Any

from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from aiohttp.test_utils import TestClient
from google.protobuf.field_mask_pb2 import FieldMask

from edge.app import create_app
from edge.config import EdgeSettings
from orchestrator.config import OrchestratorSettings
from orchestrator.server import Orchestrator, create_server
from tests.integration.edge_cache import PATIENCE_S, Held, cache_of, caught_up, live, rpcs
from tests.integration.helpers import Api, assert_error

# Headers that differ between any two answers whatever the cache does.
PER_ANSWER = {"Date", "X-Request-ID"}


def lists() -> float:
    return rpcs("ListProjects")


async def hits(client: TestClient) -> float:
    """The edge's count of lists it served from its cache, from its /metrics."""
    text = await (await client.get("/metrics")).text()
    found = re.search(r'^ai_studio_edge_cache_reads_total\{kind="list",result="hit"\} (\S+)$',
                      text, re.M)  # fmt: skip
    return float(found.group(1)) if found else 0.0


async def answer(client: TestClient, query: str) -> tuple[int, bytes, dict[str, str]]:
    resp = await client.get(f"/projects?{query}")
    # The Link header names the edge it was asked of: two edges differ by their ports.
    headers = {
        k: re.sub(r"//127\.0\.0\.1:[0-9]+/", "//edge/", v)
        for k, v in resp.headers.items()
        if k not in PER_ANSWER
    }
    return resp.status, await resp.read(), headers


async def made(api: Api, client: TestClient, *titles: str) -> list[dict[str, Any]]:
    """Projects created through the edge, once the cache's stream has brought them (so
    that their changes do not empty the lists while a test counts hits)."""
    projects = [await api.create(title=title) for title in titles]
    await caught_up(client, projects[-1]["revision"])
    return projects


async def test_a_list_asked_again_in_any_spelling_does_not_reach_the_orchestrator(
    client: TestClient, api: Api
) -> None:
    await live(client)
    await made(api, client, "one", "two", "three")
    before, hit_before = lists(), await hits(client)
    first = await answer(client, "_page=1&_limit=2&_sort=-title&language=en&fps_gte=1")
    assert lists() == before + 1
    again = await answer(client, "_page=1&_limit=2&_sort=-title&language=en&fps_gte=1")
    assert again == first
    for spelling in (
        "fps_gte=1&_sort=-title&_limit=2&language=en&_page=1",
        "_sort=title&_order=desc&_page=1&language:eq=en&_limit=2&fps:gte=1",
    ):
        status, body, headers = await answer(client, spelling)
        assert (status, body, headers["X-Total-Count"]) == (*first[:2], "3")
    assert lists() == before + 1, "answered by the edge"
    assert await hits(client) == hit_before + 3


async def test_a_write_through_this_edge_is_in_the_next_list_before_the_stream_brings_it(
    client: TestClient, api: Api
) -> None:
    await live(client)
    [kept] = await made(api, client, "kept")
    await answer(client, "")  # cached
    held = Held(client)  # the stream brings nothing from here on
    before = lists()
    assert (await answer(client, ""))[2]["X-Total-Count"] == "1" and lists() == before

    created = await api.create(title="created")
    status, body, headers = await answer(client, "")
    assert status == 200 and headers["X-Total-Count"] == "2"
    assert [p["title"] for p in await api.all()] == ["kept", "created"]

    resp = await client.patch(f"/projects/{kept['id']}", json={"title": "renamed"})
    assert resp.status == 200, await resp.text()
    assert [p["title"] for p in await api.all()] == ["renamed", "created"]

    resp = await client.delete(f"/projects/{created['id']}")
    assert resp.status == 204
    _, body, headers = await answer(client, "")
    assert headers["X-Total-Count"] == "1" and b'"title":"created"' not in body

    resp = await client.patch("/projects/no-such-project", json={"title": "x"})
    assert resp.status == 404
    assert [p["title"] for p in await api.all()] == ["renamed"]
    held.release()


async def test_a_write_over_grpc_is_in_the_next_list_once_the_stream_brings_it(
    client: TestClient, api: Api, stub: ProjectServiceStub
) -> None:
    await live(client)
    [project] = await made(api, client, "before")
    cached = await answer(client, "title_like=e")
    held = Held(client)
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=Project(title="other")))
    renamed = await stub.UpdateProject(
        pbs.UpdateProjectRequest(
            project=Project(id=project["id"], title="after"), update_mask=FieldMask(paths=["title"])
        )
    )
    before = lists()
    assert await answer(client, "title_like=e") == cached, "served by the edge, not yet changed"
    assert lists() == before

    held.release()  # the stream brings both changes
    await caught_up(client, renamed.revision)
    _, body, headers = await answer(client, "title_like=e")
    assert lists() == before + 1
    assert headers["X-Total-Count"] == "2"
    assert [p["title"] for p in await api.all()] == ["after", "other"]
    assert created.id.encode() in body


async def test_a_refused_query_is_refused_every_time(client: TestClient, api: Api) -> None:
    await live(client)
    await made(api, client, "one")
    refused = rpcs("ListProjects", "INVALID_ARGUMENT")
    for _ in range(2):
        await assert_error(await client.get("/projects?fps=fast"), 400, "VALIDATION_ERROR", ["fps"])
        await assert_error(
            await client.get("/projects?colour=red"), 400, "VALIDATION_ERROR", ["colour"]
        )
    assert rpcs("ListProjects", "INVALID_ARGUMENT") == refused + 2, "each reached the orchestrator"
    assert (await answer(client, "fps=30"))[0] == 200


# Each dialect's paging: 0.17's pages (Link, in the request's own spelling) and slices,
# 1.x's envelope, with filters and sorts.
DIALECTS = [
    "_page=2&_limit=2",
    "_limit=2&_page=2&language=fr",
    "page=1&limit=3&q=o",
    "_page=2&_per_page=2",
    "_per_page=2&_page=9&_sort=-title",
    "_start=1&_end=3",
    "title:contains=o&_sort=title",
    "",
]


async def test_both_dialects_answer_the_same_cached_or_not(
    client: TestClient, api: Api, edge_settings: EdgeSettings, aiohttp_client
) -> None:
    uncached = await aiohttp_client(
        create_app(edge_settings.model_copy(update={"edge_cache": False}))
    )
    await live(client)
    await made(api, client, "one", "two", "three", "four", "five")
    before = lists()
    for query in DIALECTS:
        fetched, again = await answer(client, query), await answer(client, query)
        assert fetched[0] == 200, fetched
        assert again == fetched == await answer(uncached, query), query
    assert lists() == before + 2 * len(DIALECTS), "one miss each, and the uncached edge's"


async def test_while_the_stream_is_quiet_or_down_lists_go_to_the_orchestrator(
    tmp_path: Path, aiohttp_client
) -> None:
    server: Orchestrator = await create_server(
        OrchestratorSettings(orchestrator_address="127.0.0.1:0", data_dir=tmp_path)
    )
    await server.start()
    stopped = False
    try:
        client = await aiohttp_client(
            create_app(EdgeSettings(orchestrator_address=f"127.0.0.1:{server.port}"))
        )
        api = Api(client)
        await live(client)
        await made(api, client, "one")
        cached = await answer(client, "")
        before = lists()
        cache_of(client).stale_after_s = 0  # not heard from lately: unusable
        assert await answer(client, "") == cached
        assert lists() == before + 1, "the quiet stream's cache was not used"
        cache_of(client).stale_after_s = 3

        await server.stop(0)
        stopped = True
        async with asyncio.timeout(PATIENCE_S):
            while True:  # until the edge has seen its stream end
                if not cache_of(client).live:
                    break
                await asyncio.sleep(0.01)
        status, _, _ = await answer(client, "")
        assert status == 503, "never a stale list from a dead stream"
    finally:
        if not stopped:
            await server.stop(0)
    assert not cache_of(client).lists.entries
